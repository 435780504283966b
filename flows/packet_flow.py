"""The `process-packet` Prefect flow: the driver's stages, each run as a task.

The flow holds no stage list of its own: it runs `pipeline.app.driver.process_packet`
with a runner that wraps every stage function in a task of the same name, and fans
the reading steps (a file's first step, a few pages' OCR) out as one task each, run
on the same worker processes the direct path uses. So the flow's result is the
driver's result, and the Prefect UI shows every stage and every page batch.
Only I/O stages (loading, writing reports) retry.
"""

from __future__ import annotations

import flows.prefect_env  # noqa: F401  (Prefect's environment, before prefect is imported)

import hashlib
from pathlib import Path
from typing import Any, Callable, Sequence

from prefect import Task, flow, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.logging.loggers import flow_run_logger
from prefect.task_runners import ThreadPoolTaskRunner

from pipeline.app.driver import process_packet, read_one
from pipeline.core.result import PacketResult, status_label
from pipeline.core.settings import Settings, get_settings

_IO_STAGES = {"load_packet", "write_packet_outputs"}  # the stages that retry
_TASKS: dict[Callable[..., Any], Task] = {}


def _task_for(stage: Callable[..., Any]) -> Task:
    """The stage function as a task named after it (`find_sections` → "find-sections")."""
    if stage not in _TASKS:
        retries = {"retries": 2, "retry_delay_seconds": 2} if stage.__name__ in _IO_STAGES else {}
        _TASKS[stage] = task(stage, name=stage.__name__.replace("_", "-"), cache_policy=NO_CACHE, **retries)
    return _TASKS[stage]


@task(name="read-step", task_run_name="{label}", cache_policy=NO_CACHE)
def reading_step_task(step: Callable, limit_of: Callable, label: str, item: Any, settings: Settings) -> Any:
    """One reading step on the worker pool, under its limit (a lost step comes back as its `WorkerFailed`)."""
    return read_one(step, item, settings, limit_of)


class PrefectRunner:
    """The driver's runner: each stage a task, each reading step a task of its own."""

    def run(self, stage: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return _task_for(stage)(*args, **kwargs)

    def fan_out(self, step: Callable, items: Sequence, settings: Settings, limit_of: Callable) -> list:
        step_task = reading_step_task.with_options(name=step.__name__.replace("_", "-"))
        futures = [step_task.submit(step, limit_of, _label(item), item, settings) for item in items]
        return [future.result() for future in futures]


def _label(item: Any) -> str:
    return getattr(item, "label", None) or getattr(item, "name", "")


# findings as a Prefect artifact ---------------------------------------------


def findings_artifact_key(packet_id: str) -> str:
    """Artifact keys allow only lowercase letters, digits and dashes: packet ids are Chinese."""
    return "findings-" + hashlib.sha256(packet_id.encode()).hexdigest()[:16]


def findings_table(result: PacketResult) -> list[dict[str, Any]]:
    return [
        {"代码": f.code.value, "严重程度": f.severity.value, "事项": f.item if f.item is not None else "",
         "字段": f.field or "", "说明": f.message}
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


@task(name="publish-findings", task_run_name="artifact {result.packet_id}", cache_policy=NO_CACHE)
def publish_findings_task(result: PacketResult) -> None:
    publish_findings(result)


# hooks -----------------------------------------------------------------------


def log_failure(flow_, flow_run, state) -> None:
    """One line, no traceback: the state message already names the exception."""
    flow_run_logger(flow_run, flow_).error(
        "流程 %s 运行失败：%s", flow_run.name, " ".join((state.message or "").split())[:300]
    )


def log_completion(flow_, flow_run, state) -> None:
    flow_run_logger(flow_run, flow_).info("流程 %s 已完成", flow_run.name)


# the flow --------------------------------------------------------------------


@flow(
    name="process-packet",
    flow_run_name="packet-{source.name}",
    task_runner=ThreadPoolTaskRunner(max_workers=max(4, 2 * get_settings().workers)),
    on_failure=[log_failure],
    on_crashed=[log_failure],
    on_completion=[log_completion],
)
def process_packet_flow(source: Path, out_dir: Path, settings: Settings | None = None,
                        publish: bool = True) -> PacketResult:
    """One packet → `out_dir/<packet_id>/` outputs (the driver's stages as tasks) and a findings artifact."""
    result = process_packet(Path(source), Path(out_dir), settings or get_settings(), runner=PrefectRunner())
    if publish:
        publish_findings_task(result)
    return result


def packet_via_flow(source: Path, out_dir: Path, settings: Settings) -> PacketResult:
    """A processor for `pipeline.app.batch.process_one`: the packet flow (a subflow inside a flow)."""
    return process_packet_flow(source, out_dir, settings, publish=False)
