"""Batch flows: a whole inbox, and the nightly re-check of stored packets.

`batch` fans the packets of an inbox out as tasks (each runs the `process-packet`
flow, or reuses the stored result of an unchanged packet), then writes the batch
summary. `nightly` re-processes every stored packet whose newest run used another
ruleset request or code version, then writes the summary over all stored packets.
Each packet's findings are published as a Prefect table artifact.
"""

from __future__ import annotations

import flows.prefect_env  # noqa: F401  (Prefect's environment, before prefect is imported)

from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from flows.packet_flow import log_completion, log_failure, packet_via_flow, publish_findings
from pipeline.core.version import CODE_VERSION
from pipeline.app.cross_packet import mark_cross_packet_duplicates
from pipeline.app.batch import PacketFailure, PacketOutcome, describe, inbox_packets, process_one
from pipeline.core.result import PacketResult
from pipeline.core.settings import Settings, get_settings
from pipeline.reports import write_batch_outputs
from pipeline.app.store import ResultStore, StoredRun, requested_ruleset


@task(name="batch-packet", task_run_name="packet {source.name}", cache_policy=NO_CACHE)
def batch_packet_task(source: Path, out_dir: Path, settings: Settings, origin: str = "batch") -> PacketOutcome:
    """One packet of a batch: cached result or the packet flow; a failure is returned, not raised."""
    store = ResultStore.from_settings(settings)
    try:
        outcome = process_one(source, out_dir, settings, store, processor=packet_via_flow, origin=origin)
    finally:
        store.close()
    if isinstance(outcome, PacketResult):
        publish_findings(outcome)
    get_run_logger().info("%s: %s", source.name, describe(outcome))
    return outcome


@task(name="write-batch-summary", task_run_name="summary", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def write_batch_outputs_task(outcomes: list[PacketOutcome], out_dir: Path) -> None:
    store = ResultStore.from_settings(get_settings())
    try:  # a packet processed before a later one that shares its claims learns of it here
        outcomes = mark_cross_packet_duplicates(outcomes, out_dir, store)
    finally:
        store.close()
    write_batch_outputs(outcomes, out_dir)


def batch_table(outcomes: list[PacketOutcome]) -> list[dict[str, object]]:
    rows = []
    for outcome in outcomes:
        if isinstance(outcome, PacketFailure):
            rows.append({"申报材料": outcome.packet_id, "结论": "处理失败", "错误": "", "警告": "", "说明": outcome.reason})
        else:
            counts = outcome.counts()
            rows.append({
                "申报材料": outcome.packet_id, "结论": describe(outcome).split("（")[0],
                "错误": counts["error"], "警告": counts["warning"], "说明": outcome.cover.cluster_name or "",
            })
    return rows


# two packets at a time (two cores); failures and completions logged in Chinese, once
BATCH_FLOW_OPTIONS = dict(
    task_runner=ThreadPoolTaskRunner(max_workers=2),
    on_failure=[log_failure],
    on_crashed=[log_failure],
    on_completion=[log_completion],
)


def _finish(outcomes: list[PacketOutcome], out_dir: Path, key: str, title: str) -> list[PacketOutcome]:
    write_batch_outputs_task(outcomes, out_dir)
    if outcomes:
        create_table_artifact(table=batch_table(outcomes), key=key, description=title)
    return outcomes


@flow(name="batch", flow_run_name="batch-{inbox.name}", **BATCH_FLOW_OPTIONS)
def batch_flow(inbox: Path, out_dir: Path, settings: Settings | None = None) -> list[PacketOutcome]:
    """Every packet directly under `inbox` (fanned out), then `summary.xlsx`, `batch.json`, `report.html`."""
    settings = settings or get_settings()
    inbox, out_dir = Path(inbox), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    futures = [batch_packet_task.submit(source, out_dir, settings) for source in inbox_packets(inbox)]
    outcomes = [f.result() for f in futures]
    return _finish(outcomes, out_dir, "batch-summary", f"批量审查 {inbox.name}：共 {len(outcomes)} 份申报材料")


# nightly ---------------------------------------------------------------------


def stored_outcome(run: StoredRun) -> PacketOutcome | None:
    """A stored packet's current result, read back from its result.json."""
    if not run.completed:
        return PacketFailure(packet_id=run.packet_id, reason=run.reason or "处理失败")
    if run.output_dir and (Path(run.output_dir) / "result.json").is_file():
        return PacketResult.model_validate_json((Path(run.output_dir) / "result.json").read_text(encoding="utf-8"))
    return None


@flow(name="nightly", flow_run_name="nightly", **BATCH_FLOW_OPTIONS)
def nightly_flow(out_dir: Path, settings: Settings | None = None) -> list[PacketOutcome]:
    """Re-check stored packets whose ruleset or code version changed; summary over all stored packets."""
    settings = settings or get_settings()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    logger = get_run_logger()
    store = ResultStore.from_settings(settings)
    try:
        stale = store.stale_packets(requested_ruleset(settings), CODE_VERSION)
        current = {r.packet_id: r for r in store.stored_packets()}
    finally:
        store.close()

    rechecks = {}
    for run in stale:
        source = Path(run.source_path) if run.source_path else None
        if source is None or not source.exists():
            logger.warning("无法复查 %s：原始材料已不在 %s", run.packet_id, run.source_path)
            continue
        rechecks[run.packet_id] = batch_packet_task.submit(source, out_dir, settings, origin="nightly")
    logger.info("复查 %d 份申报材料（规则或程序版本已变更），共存储 %d 份", len(rechecks), len(current))

    outcomes: list[PacketOutcome] = []
    for packet_id, run in sorted(current.items()):
        outcome = rechecks[packet_id].result() if packet_id in rechecks else stored_outcome(run)
        if outcome is not None:
            outcomes.append(outcome)
    return _finish(outcomes, out_dir, "nightly-summary", f"夜间复查：复查 {len(rechecks)} 份，共 {len(outcomes)} 份")


def run_batch_flow(inbox: Path, out_dir: Path, settings: Settings | None = None) -> list[PacketOutcome]:
    """The CLI's `batch`: the `batch` flow, returning its outcomes like `pipeline.app.batch.run_batch`."""
    return batch_flow(Path(inbox), Path(out_dir), settings or get_settings())
