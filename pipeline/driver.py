"""The packet driver: a list of stages, each a pure function over the document model."""

from __future__ import annotations

import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from pipeline import CODE_VERSION
from pipeline.packet import LoadedPacket, load_packet
from pipeline.result import FileEntry, PacketResult
from pipeline.settings import Settings


class StageTimer:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start


def read_packet(packet: LoadedPacket, settings: Settings):
    """Read every member; a broken file becomes findings and the rest is still read."""
    from extractors.registry import read_member

    docs, findings = [], list(packet.findings)
    for member in packet.members:
        outcome = read_member(member, settings)
        findings.extend(outcome.findings)
        if outcome.document is not None:
            docs.append(outcome.document)
    return docs, findings


def file_entries(packet: LoadedPacket, docs) -> list[FileEntry]:
    by_name = {d.name: d for d in docs}
    entries = []
    for m in packet.members:
        doc = by_name.get(m.name)
        entries.append(
            FileEntry(
                name=m.name,
                sha256=m.sha256,
                kind=m.kind.contract_kind,
                pages=(doc.page_count if doc and doc.page_count is not None else (len(doc.pages) if doc else None)),
                ocr_pages=doc.ocr_pages if doc else [],
            )
        )
    return entries


def analyse(packet: LoadedPacket, docs, read_findings, settings: Settings, timer: StageTimer) -> PacketResult:
    """Sections → extraction → checks: everything after reading, no I/O."""
    from extractors.fields import extract_indicators
    from extractors.lists import extract_lists
    from pipeline.reports.intro import draft_intro
    from pipeline.sections import find_sections
    from validators.checks import check_packet
    from validators.rules import choose_ruleset

    with timer.stage("sections"):
        index = find_sections(docs)
    with timer.stage("extraction"):
        indicators = extract_indicators(index, docs)
        lists = extract_lists(index, docs)
    with timer.stage("checks"):
        ruleset = choose_ruleset(settings.ruleset, index.cover)
        findings = list(read_findings) + check_packet(index, indicators, lists, ruleset)
    intro = draft_intro(docs, index=index, indicators=indicators)
    return assemble_result(packet, docs, index, indicators, lists, ruleset, findings, intro)


def assemble_result(packet: LoadedPacket, docs, index, indicators, lists, ruleset, findings, intro) -> PacketResult:
    """The contract result from the stages' outputs (the driver and the Prefect flow share it)."""
    result = PacketResult(
        packet_id=packet.packet_id,
        ruleset=ruleset.name,
        files=file_entries(packet, docs),
        cover=index.cover,
        sections=[section_result(s) for s in index.sections],
        indicators=indicators,
        lists=lists,
        findings=findings,
        code_version=CODE_VERSION,
        intro=intro,
    )
    result.status = result.compute_status()
    return result


def section_result(span):
    from pipeline.result import SectionResult

    return SectionResult(
        item=span.item,
        title=span.title,
        present=span.present,
        empty=span.empty,
        file=span.file,
        first_page=span.first_page,
        last_page=span.last_page,
        toc_page=span.toc_page,
    )


def process_packet(source: Path, out_dir: Path, settings: Settings) -> PacketResult:
    """One packet → `out_dir/<packet_id>/result.json`, `report.html`, `report.xlsx`."""
    result, _docs = run_packet(source, out_dir, settings)
    return result


def run_packet(source: Path, out_dir: Path, settings: Settings) -> tuple[PacketResult, list]:
    """`process_packet`, also handing back the read documents (benchmarks score their text)."""
    from pipeline.reports import write_packet_outputs

    timer = StageTimer()
    workdir = Path(tempfile.mkdtemp(prefix="cluster-intake-"))
    try:
        with timer.stage("load"):
            packet = load_packet(source, workdir, settings)
        with timer.stage("read"):
            docs, read_findings = read_packet(packet, settings)
        result = analyse(packet, docs, read_findings, settings, timer)
        result.timings = {k: round(v, 3) for k, v in timer.seconds.items()}
        with timer.stage("reports"):
            write_packet_outputs(result, packet, docs, out_dir / packet.packet_id)
        result.timings = {k: round(v, 3) for k, v in timer.seconds.items()}
        return result, docs
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
