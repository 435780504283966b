"""The packet driver: a list of stages, each a pure function over the document model."""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from pipeline.core.version import CODE_VERSION
from pipeline.intake.packet import LoadedPacket, load_packet
from pipeline.core.result import FileEntry, PacketResult
from pipeline.core.settings import Settings


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


def prepare_analysis() -> None:
    """Import the analysis and report stages and build the spaCy pipeline (jieba's dictionary).

    Together ~3-5 s of start-up per process; `read_packet` runs it on a thread
    while the pages are read (OCR subprocesses and the text pass's worker process
    leave this process idle), so it is not paid after reading.
    """
    import extractors.analysis.indicators  # noqa: F401
    import extractors.analysis.lists  # noqa: F401
    import pipeline.reports  # noqa: F401
    import extractors.analysis.sections  # noqa: F401
    import validators.checks  # noqa: F401
    from extractors.analysis.nlp import get_nlp

    get_nlp()


def read_packet(packet: LoadedPacket, settings: Settings):
    """Read every member; a broken file becomes findings and the rest is still read.

    `prepare_analysis` runs on a thread meanwhile. Members whose reader forks a
    worker process (DOCX, XLSX) are read before that thread starts: a fork while
    another thread imports a module leaves the child blocked on that module's lock.
    """
    from extractors.readers.registry import READERS, read_member

    def forks(member) -> bool:
        reader = READERS.get(member.kind)
        return reader is not None and reader.in_worker

    members = packet.members
    order = sorted(range(len(members)), key=lambda i: not forks(members[i]))
    outcomes = {}
    preparing: threading.Thread | None = None
    try:
        for i in order:
            if preparing is None and not forks(members[i]):
                preparing = threading.Thread(target=prepare_analysis, name="prepare-analysis", daemon=True)
                preparing.start()
            outcomes[i] = read_member(members[i], settings)
    finally:
        if preparing is not None:
            preparing.join()  # get_nlp is cached without a lock: never build it twice at once
    docs, findings = [], list(packet.findings)
    for i in range(len(members)):
        findings.extend(outcomes[i].findings)
        if outcomes[i].document is not None:
            docs.append(outcomes[i].document)
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
    from extractors.analysis.indicators import extract_indicators
    from extractors.analysis.lists import extract_lists
    from pipeline.reports.intro import draft_intro
    from extractors.analysis.sections import find_sections
    from validators.checks import check_packet
    from pipeline.rounds.ruleset import choose_ruleset

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
    from pipeline.core.result import SectionResult

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
