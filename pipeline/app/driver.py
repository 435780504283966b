"""The packet driver: the one list of stages, each a plain function over the document model.

`process_packet` runs the stages through a `Runner`: `DirectRunner` calls each stage
here and fans the reading steps out over the worker processes; the Prefect flow
(`flows.packet_flow`) passes a runner that makes each stage a task. Either way the
same functions run in the same order, so `process`, `batch`, `watch` and the flow
give the same `result.json`.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Protocol

from extractors.analysis.headings import ItemTitles
from extractors.analysis.indicators import extract_indicators
from extractors.analysis.lists import extract_lists
from extractors.analysis.nlp import get_nlp
from extractors.analysis.sections import find_sections
from extractors.analysis.spans import SectionIndex
from extractors.readers.registry import FanOut, default_fan_out, in_workers, read_members
from pipeline.core.result import Cover, FileEntry, PacketResult
from pipeline.core.settings import Settings
from pipeline.core.version import CODE_VERSION
from pipeline.core.workers import start_thread, worker_pool
from pipeline.intake.packet import LoadedPacket, load_packet
from pipeline.reports import write_packet_outputs
from pipeline.reports.intro import draft_intro
from pipeline.rounds.ruleset import Ruleset, choose_ruleset
from validators.checks import check_packet


class Runner(Protocol):
    """How the stages run: `run` calls one stage, `fan_out` runs reading steps in workers."""

    fan_out: FanOut

    def run(self, stage: Callable[..., Any], *args: Any, **kwargs: Any) -> Any: ...


class DirectRunner:
    """Every stage called here; reading steps on this process's worker pool."""

    def __init__(self, settings: Settings) -> None:
        self.fan_out = default_fan_out(settings)

    def run(self, stage: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return stage(*args, **kwargs)


def read_one(step: Callable, item: Any, settings: Settings, limit_of: Callable) -> Any:
    """One reading step (a file's first read, a file's pages) as `DirectRunner` would run it:
    for a runner that makes each step a unit of its own (Prefect's tasks)."""
    return default_fan_out(settings)(step, [item], settings, limit_of)[0]


ProgressHook = Callable[[str, int, int], None]
"""`hook(what, done, total)`: a stage started (total 0), or `done` of `total` units read."""

STAGE_LABELS = {"load": "载入材料", "read": "读取文件", "sections": "识别章节", "extraction": "提取指标",
                "checks": "审查规则", "reports": "写出报告"}
_STEP_LABELS = {"read_first": "读取文件", "read_pages": "识别页面（OCR）"}


def _units(step: Callable, item: Any) -> int:
    return (len(getattr(item, "pages", ())) or 1) if step.__name__ == "read_pages" else 1


def reporting(fan_out: FanOut, hook: ProgressHook) -> FanOut:
    """`fan_out` that tells `hook` how many files read / pages OCR'd so far (in order of completion
    for the worker pool; once at the end for any other fan-out, e.g. Prefect's tasks)."""

    def run(step: Callable, items, settings, limit_of) -> list:
        what = _STEP_LABELS.get(step.__name__, "读取")
        total = sum(_units(step, item) for item in items)
        if not items:
            return []
        hook(what, 0, total)
        if fan_out is not in_workers:
            results = fan_out(step, items, settings, limit_of)
            hook(what, total, total)
            return results
        done = 0

        def collected(item) -> None:
            nonlocal done
            done += _units(step, item)
            hook(what, done, total)

        return worker_pool(settings).map(step, items, settings, timeout=lambda item: limit_of(item, settings),
                                         collected=collected)

    return run


class StageTimer:
    def __init__(self, hook: ProgressHook | None = None) -> None:
        self.seconds: dict[str, float] = {}
        self.hook = hook

    @contextmanager
    def stage(self, name: str):
        if self.hook is not None:
            self.hook(STAGE_LABELS.get(name, name), 0, 0)
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start

    def rounded(self) -> dict[str, float]:
        return {k: round(v, 3) for k, v in self.seconds.items()}


def read_packet(packet: LoadedPacket, settings: Settings, fan_out: FanOut):
    """Every member read (the registry's read stage); the packet's load findings first.

    The spaCy pipeline (jieba's dictionary, ~3 s) is built on a thread meanwhile: the
    reading happens in worker processes, so this process would otherwise wait idle.
    """
    preparing = start_thread(get_nlp, name="prepare-analysis")
    try:
        outcomes = read_members(packet.members, settings, fan_out)
    finally:
        preparing.join()  # get_nlp is cached without a lock: never build it twice at once
    findings = list(packet.findings) + [f for outcome in outcomes for f in outcome.findings]
    return [o.document for o in outcomes if o.document is not None], findings


def find_round_sections(runner: Runner, docs, requested: str | None) -> tuple[Ruleset, SectionIndex]:
    """The round and where its items sit: the items are the round's, the round is the one
    requested or the one the cover's 填报日期 falls in. The cover is found with the newest
    round's items; when the cover's round lists other items, they are looked for again."""
    first = runner.run(choose_ruleset, requested, Cover())
    index = runner.run(find_sections, docs, ItemTitles.of_round(first))
    ruleset = runner.run(choose_ruleset, requested, index.cover)
    if ruleset.items != first.items:
        index = runner.run(find_sections, docs, ItemTitles.of_round(ruleset))
    return ruleset, index


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


def assemble_result(packet: LoadedPacket, docs, index, indicators, lists, ruleset, findings, intro) -> PacketResult:
    """The contract result from the stages' outputs."""
    result = PacketResult(
        packet_id=packet.packet_id,
        ruleset=ruleset.name,
        files=file_entries(packet, docs),
        cover=index.cover,
        sections=[s.result() for s in index.sections],
        indicators=indicators,
        lists=lists,
        findings=findings,
        code_version=CODE_VERSION,
        intro=intro,
    )
    result.status = result.compute_status()
    return result


def process_packet(source: Path, out_dir: Path, settings: Settings, runner: Runner | None = None,
                   progress: ProgressHook | None = None) -> PacketResult:
    """One packet → `out_dir/<packet_id>/` (result.json, report.html, report.xlsx)."""
    return run_packet(source, out_dir, settings, runner, progress)[0]


def run_packet(source: Path, out_dir: Path, settings: Settings,
               runner: Runner | None = None, progress: ProgressHook | None = None) -> tuple[PacketResult, list]:
    """The stages, in order; also hands back the read documents (benchmarks score their text)."""
    runner = runner or DirectRunner(settings)
    timer = StageTimer(progress)
    fan_out = reporting(runner.fan_out, progress) if progress is not None else runner.fan_out
    workdir = Path(tempfile.mkdtemp(prefix="cluster-intake-"))
    try:
        with timer.stage("load"):
            packet = runner.run(load_packet, source, workdir, settings)
        with timer.stage("read"):
            docs, read_findings = read_packet(packet, settings, fan_out)
        with timer.stage("sections"):
            ruleset, index = find_round_sections(runner, docs, settings.ruleset)
        with timer.stage("extraction"):
            indicators = runner.run(extract_indicators, index, docs, ruleset)
            lists = runner.run(extract_lists, index, docs)
        with timer.stage("checks"):
            findings = read_findings + runner.run(check_packet, index, indicators, lists, ruleset)
        intro = runner.run(draft_intro, docs, index=index, indicators=indicators)
        result = assemble_result(packet, docs, index, indicators, lists, ruleset, findings, intro)
        with timer.stage("reports"):
            result.timings = timer.rounded()
            runner.run(write_packet_outputs, result, packet, docs, out_dir / packet.packet_id)
        result.timings = timer.rounded()
        return result, docs
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
