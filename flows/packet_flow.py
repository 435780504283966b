"""The `process-packet` Prefect flow: the driver's stages as tasks, one task per stage.

Tasks hold no logic: each wraps one stage function from `pipeline/`, `extractors/`
or `validators/`. Members are read in parallel; a PDF's pages that need OCR are
fanned out as their own tasks so both cores run Tesseract. Stage results are
cached by content: the key is a sha256 over the stage's input (member bytes or
the read documents), the ruleset and the code version, so re-running an
unchanged packet, or the same file in another packet, skips the expensive work.
Only I/O tasks (loading, reading files, writing reports, the store) retry.
"""

from __future__ import annotations

import flows.prefect_env  # noqa: F401  (Prefect's environment, before prefect is imported)

import hashlib
import json
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.logging.loggers import flow_run_logger
from prefect.task_runners import ThreadPoolTaskRunner

from pipeline.core.version import CODE_VERSION
from pipeline.core.document import FileKind, SourceDocument
from pipeline.app.driver import StageTimer, assemble_result
from pipeline.intake.packet import LoadedPacket, PacketMember
from pipeline.core.result import Finding, PacketResult, status_label
from pipeline.core.settings import Settings, get_settings

# settings that change what a reader produces; paths and parallelism do not
_NOT_READER_SETTINGS = {"data_dir", "db_url", "use_cache", "workers", "ruleset"}


# cache keys ----------------------------------------------------------------


def _sha(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def reader_fingerprint(settings: Settings) -> str:
    """What, besides the bytes, decides a reader's output (OCR language, dpi, limits…)."""
    relevant = settings.model_dump(mode="json", exclude=_NOT_READER_SETTINGS)
    return _sha(json.dumps(relevant, sort_keys=True, ensure_ascii=False))


def docs_content_key(docs: list[SourceDocument]) -> str:
    """sha256 over the read documents themselves: the input of every stage after reading."""
    digest = hashlib.sha256()
    for doc in docs:
        digest.update(doc.model_dump_json().encode())
        digest.update(b"\x1e")
    return digest.hexdigest()


def _member_key(stage: str):
    """Key for a task over one member's bytes; the stage keeps two tasks on the same file apart."""

    def key(_ctx, inputs: dict[str, Any]) -> str:
        member: PacketMember = inputs["member"]
        return _sha(stage, member.sha256, reader_fingerprint(inputs["settings"]), CODE_VERSION)

    return key


member_cache_key = _member_key("read")
text_pass_cache_key = _member_key("text-pass")  # returns a different shape than read-member


def ocr_pages_cache_key(_ctx, inputs: dict[str, Any]) -> str:
    member: PacketMember = inputs["member"]
    pages = ",".join(str(n) for n in inputs["page_numbers"])
    return _sha("ocr", member.sha256, pages, reader_fingerprint(inputs["settings"]), CODE_VERSION)


def docs_cache_key(stage: str):
    """Key for a stage after reading: its documents' content, the ruleset (if any), the code version."""

    def key(_ctx, inputs: dict[str, Any]) -> str:
        ruleset = inputs.get("ruleset")
        return _sha(stage, inputs["docs_key"], getattr(ruleset, "name", "") or "", CODE_VERSION)

    return key


# tasks: one per stage --------------------------------------------------------


@task(name="load-packet", task_run_name="load {source.name}", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def load_packet_task(source: Path, workdir: Path, settings: Settings) -> LoadedPacket:
    from pipeline.intake.packet import load_packet

    return load_packet(source, workdir, settings)


@task(
    name="read-member",
    task_run_name="read {member.name}",
    retries=1,
    retry_delay_seconds=2,
    cache_key_fn=member_cache_key,
    persist_result=True,
)
def read_member_task(member: PacketMember, settings: Settings):
    from extractors.readers.registry import read_member

    return read_member(member, settings)


@task(
    name="pdf-text-pass",
    task_run_name="text layer {member.name}",
    retries=1,
    retry_delay_seconds=2,
    cache_key_fn=text_pass_cache_key,
    persist_result=True,
)
def pdf_text_pass_task(member: PacketMember, settings: Settings):
    """(document, pages needing OCR, findings); an encrypted or unreadable PDF is a finding, as in the registry."""
    from extractors.readers.pdf import pdf_text_pass
    from extractors.readers.registry import ReadOutcome
    from pipeline.core.errors import FileProblem

    try:
        return pdf_text_pass(member, settings)
    except FileProblem as problem:
        return ReadOutcome(document=None, findings=[problem.to_finding()])


@task(
    name="ocr-pdf-pages",
    task_run_name="ocr {member.name} p{page_numbers}",
    retries=1,
    retry_delay_seconds=2,
    cache_key_fn=ocr_pages_cache_key,
    persist_result=True,
)
def ocr_pdf_pages_task(member: PacketMember, page_numbers: list[int], settings: Settings):
    """A few pages of one PDF OCR'd together (their page passes share one Tesseract run)."""
    from extractors.readers.pdf import ocr_pdf_pages

    return ocr_pdf_pages(member.path, member.name, page_numbers, settings)


@task(name="find-sections", task_run_name="sections", cache_key_fn=docs_cache_key("sections"), persist_result=True)
def find_sections_task(docs: list[SourceDocument], docs_key: str):
    from extractors.analysis.sections import find_sections

    return find_sections(docs)


@task(name="extract-indicators", task_run_name="indicators", cache_key_fn=docs_cache_key("indicators"), persist_result=True)
def extract_indicators_task(index, docs: list[SourceDocument], docs_key: str):
    from extractors.analysis.indicators import extract_indicators

    return extract_indicators(index, docs)


@task(name="extract-lists", task_run_name="lists", cache_key_fn=docs_cache_key("lists"), persist_result=True)
def extract_lists_task(index, docs: list[SourceDocument], docs_key: str):
    from extractors.analysis.lists import extract_lists

    return extract_lists(index, docs)


@task(name="choose-ruleset", task_run_name="ruleset", cache_policy=NO_CACHE)
def choose_ruleset_task(requested: str | None, cover):
    from pipeline.rounds.ruleset import choose_ruleset

    return choose_ruleset(requested, cover)


@task(name="check-packet", task_run_name="checks {ruleset.name}", cache_key_fn=docs_cache_key("checks"), persist_result=True)
def check_packet_task(index, indicators, lists, ruleset, docs_key: str) -> list[Finding]:
    from validators.checks import check_packet

    return check_packet(index, indicators, lists, ruleset)


@task(name="draft-intro", task_run_name="intro", cache_key_fn=docs_cache_key("intro"), persist_result=True)
def draft_intro_task(docs: list[SourceDocument], index, indicators, docs_key: str) -> str | None:
    from pipeline.reports.intro import draft_intro

    return draft_intro(docs, index=index, indicators=indicators)


@task(name="write-reports", task_run_name="reports {result.packet_id}", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def write_packet_outputs_task(result: PacketResult, packet: LoadedPacket, docs, packet_out_dir: Path) -> Path:
    from pipeline.reports import write_packet_outputs

    write_packet_outputs(result, packet, docs, packet_out_dir)
    return packet_out_dir


@task(name="record-run", task_run_name="store {result.packet_id}", retries=3, retry_delay_seconds=2, cache_policy=NO_CACHE)
def record_run_task(
    result: PacketResult,
    source: Path,
    out_dir: Path,
    settings: Settings,
    started_at: datetime,
    origin: str = "flow",
) -> int:
    from pipeline.app.batch import packet_hash
    from pipeline.app.store import ResultStore, requested_ruleset

    store = ResultStore.from_settings(settings)
    try:
        return store.record(
            result,
            packet_hash=packet_hash(source),
            ruleset_requested=requested_ruleset(settings),
            started_at=started_at,
            output_dir=out_dir / result.packet_id,
            source_path=source,
            origin=origin,
        )
    finally:
        store.close()


@task(name="publish-findings", task_run_name="artifact {result.packet_id}", cache_policy=NO_CACHE)
def publish_findings_task(result: PacketResult) -> None:
    publish_findings(result)


def findings_artifact_key(packet_id: str) -> str:
    """Artifact keys allow only lowercase letters, digits and dashes: packet ids are Chinese."""
    return "findings-" + hashlib.sha256(packet_id.encode()).hexdigest()[:16]


def findings_table(result: PacketResult) -> list[dict[str, Any]]:
    return [
        {
            "代码": f.code.value,
            "严重程度": f.severity.value,
            "事项": f.item if f.item is not None else "",
            "字段": f.field or "",
            "说明": f.message,
        }
        for f in result.findings
    ]


def publish_findings(result: PacketResult) -> None:
    counts = result.counts()
    create_table_artifact(
        table=findings_table(result) or [{"代码": "", "严重程度": "", "事项": "", "字段": "", "说明": "未发现问题"}],
        key=findings_artifact_key(result.packet_id),
        description=(
            f"申报材料“{result.packet_id}”审查结果：{status_label(result.status)}；"
            f"错误 {counts['error']} 项，警告 {counts['warning']} 项，提示 {counts['info']} 项。"
        ),
    )




# reading: members in parallel, OCR pages fanned out ---------------------------


def _fans_out(member: PacketMember) -> bool:
    """A non-empty PDF is read page-wise; everything else (and empty files) by the registry."""
    try:
        return member.kind is FileKind.PDF and member.path.stat().st_size > 0
    except OSError:
        return False


def read_members(packet: LoadedPacket, settings: Settings) -> tuple[list[SourceDocument], list[Finding]]:
    """Submit every member's read at once; PDFs by text layer first, then one task per few OCR pages (`ocr_batches`).

    Gives what `pipeline.app.driver.read_packet` gives: documents and findings in member
    order, a PDF's OCR'd pages merged in page order (`extractors.readers.pdf.read_pdf`).
    """
    from extractors.readers.pdf import ocr_batches, with_ocr_pages
    from extractors.readers.registry import ReadOutcome

    submitted = [
        (member, (pdf_text_pass_task if _fans_out(member) else read_member_task).submit(member, settings))
        for member in packet.members
    ]
    ocr_futures = {}
    for member, future in submitted:
        if _fans_out(member):
            text_pass = future.result()
            if not isinstance(text_pass, ReadOutcome):
                _, needs_ocr, _ = text_pass
                ocr_futures[member.name] = [ocr_pdf_pages_task.submit(member, batch, settings)
                                            for batch in ocr_batches(member, needs_ocr, settings)]

    docs: list[SourceDocument] = []
    findings: list[Finding] = list(packet.findings)
    for member, future in submitted:
        outcome = future.result()
        if not isinstance(outcome, ReadOutcome):
            document, _, pdf_findings = outcome
            pages = sorted((read for f in ocr_futures[member.name] for read in f.result()), key=lambda read: read[0].number)
            outcome = ReadOutcome(
                document=with_ocr_pages(document, [page for page, _ in pages]),
                findings=list(pdf_findings) + [f for _, page_findings in pages for f in page_findings],
            )
        findings.extend(outcome.findings)
        if outcome.document is not None:
            docs.append(outcome.document)
    return docs, findings


# hooks -----------------------------------------------------------------------


def _log_failure(flow_, flow_run, state) -> None:
    """One line, no traceback: the state message already names the exception."""
    flow_run_logger(flow_run, flow_).error(
        "流程 %s 运行失败：%s", flow_run.name, " ".join((state.message or "").split())[:300]
    )


def _log_completion(flow_, flow_run, state) -> None:
    flow_run_logger(flow_run, flow_).info("流程 %s 已完成", flow_run.name)


# the flow --------------------------------------------------------------------


@flow(
    name="process-packet",
    flow_run_name="packet-{source.name}",
    task_runner=ThreadPoolTaskRunner(max_workers=max(2, get_settings().workers)),
    on_failure=[_log_failure],
    on_crashed=[_log_failure],
    on_completion=[_log_completion],
)
def process_packet_flow(
    source: Path,
    out_dir: Path,
    settings: Settings | None = None,
    record: bool = True,
    publish: bool = True,
) -> PacketResult:
    """One packet → `out_dir/<packet_id>/` outputs, a findings artifact and (if `record`) a stored run."""
    settings = settings or get_settings()
    source, out_dir = Path(source), Path(out_dir)
    started_at = datetime.now(timezone.utc)
    timer = StageTimer()
    workdir = Path(tempfile.mkdtemp(prefix="cluster-intake-flow-"))
    try:
        with timer.stage("load"):
            packet = load_packet_task(source, workdir, settings)
        with timer.stage("read"):
            docs, read_findings = read_members(packet, settings)
        docs_key = docs_content_key(docs)
        with timer.stage("sections"):
            index = find_sections_task(docs, docs_key)
        with timer.stage("extraction"):
            indicators_future = extract_indicators_task.submit(index, docs, docs_key)
            lists_future = extract_lists_task.submit(index, docs, docs_key)
            indicators, lists = indicators_future.result(), lists_future.result()
        with timer.stage("checks"):
            ruleset = choose_ruleset_task(settings.ruleset, index.cover)
            findings = list(read_findings) + check_packet_task(index, indicators, lists, ruleset, docs_key)
        intro = draft_intro_task(docs, index, indicators, docs_key)
        result = assemble_result(packet, docs, index, indicators, lists, ruleset, findings, intro)
        with timer.stage("reports"):
            write_packet_outputs_task(result, packet, docs, out_dir / packet.packet_id)
        result.timings = {k: round(v, 3) for k, v in timer.seconds.items()}
        if publish:
            publish_findings_task(result)
        if record:
            record_run_task(result, source, out_dir, settings, started_at)
        get_run_logger().info(
            "packet %s: %s (%s)", result.packet_id, result.status,
            ", ".join(f"{k} {v}" for k, v in result.counts().items()),
        )
        return result
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

