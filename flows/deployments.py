"""`cluster-intake serve`: the drop-folder watcher and the nightly batch as Prefect deployments.

The watcher deployment is a long-running flow run (`watch-inbox`) whose body is
`pipeline.app.watcher.run_watcher`: Prefect has no file sensor, and a long-lived loop
keeps watchdog's inotify watch and the stability timers in one process. Each
packet it takes runs the `process-packet` flow as a subflow, so every packet
still shows up in the Prefect UI. It is scheduled every `watch_minutes` and each
run watches for that long, with a concurrency limit of one that cancels a new
run while one is still going: the watcher is (re)started within minutes of
serving, after a crash or a cancelled run, and a restart resumes `processing/`.

The nightly deployment runs `nightly` on a cron schedule in a time zone.
"""

from __future__ import annotations

import flows.prefect_env  # noqa: F401  (Prefect's environment, before prefect is imported)

import contextvars
import logging
import signal
import threading
import time
from datetime import timedelta
from functools import partial
from pathlib import Path

from prefect import flow, get_run_logger, serve
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.schedules import Cron

from flows.batch_flow import nightly_flow
from flows.packet_flow import log_failure, packet_via_flow
from flows.prefect_env import prefect_home
from flows.server import prefect_server
from pipeline.app.watcher import run_watcher
from pipeline.core.errors import IntakeError, UsageError
from pipeline.core.workers import end_every_process, start_thread
from pipeline.core.settings import get_settings


@flow(name="watch-inbox", flow_run_name="watch-{inbox.name}", on_failure=[log_failure], on_crashed=[log_failure])
def watch_flow(inbox: Path, out_dir: Path, quiet_seconds: float = 5.0, max_hours: float | None = None) -> None:
    """Run the drop-folder watcher inside a flow run (until cancelled, or for `max_hours`)."""
    stop = threading.Event()
    deadline = threading.Timer(max_hours * 3600, stop.set) if max_hours is not None else None
    if deadline is not None:
        deadline.daemon = True
        deadline.start()
    run_logger = get_run_logger()
    run_logger.info("监视收件夹 %s，输出到 %s", inbox, out_dir)
    to_run_log = _ForwardTo(run_logger)  # the watcher's one line per packet, in this run's log
    watcher_log = logging.getLogger("cluster_intake.watch")
    watcher_log.addHandler(to_run_log)
    watcher_log.setLevel(logging.INFO)
    try:
        run_watcher(Path(inbox), Path(out_dir), get_settings(), quiet_seconds=quiet_seconds, stop_event=stop,
                    processor=packet_via_flow)
    finally:
        watcher_log.removeHandler(to_run_log)
        if deadline is not None:
            deadline.cancel()


class _ForwardTo(logging.Handler):
    def __init__(self, target: logging.LoggerAdapter | logging.Logger) -> None:
        super().__init__(level=logging.INFO)
        self.target = target

    def emit(self, record: logging.LogRecord) -> None:
        self.target.log(record.levelno, record.getMessage())


def build_deployments(
    inbox: Path, out_dir: Path, cron: str = "0 2 * * *", timezone: str = "Asia/Shanghai", watch_minutes: int = 10
):
    """The two deployments, ready for `prefect.serve` (or `.deploy` to a work pool)."""
    inbox, out_dir = Path(inbox).resolve(), Path(out_dir).resolve()
    watch_deployment = watch_flow.to_deployment(
        name="drop-folder",
        parameters={"inbox": str(inbox), "out_dir": str(out_dir), "max_hours": watch_minutes / 60},
        interval=timedelta(minutes=watch_minutes),
        concurrency_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW),
        description="监视收件夹，逐个处理放入的申报材料",
        tags=["cluster-intake", "watch"],
    )
    nightly_deployment = nightly_flow.to_deployment(
        name="nightly-recheck",
        parameters={"out_dir": str(out_dir)},
        schedule=Cron(cron, timezone=timezone),
        description="夜间复查：规则或程序版本变更后的已存储申报材料，并生成批量汇总",
        tags=["cluster-intake", "nightly"],
    )
    return watch_deployment, nightly_deployment


def serve_all(
    inbox: Path, out_dir: Path, cron: str = "0 2 * * *", timezone: str = "Asia/Shanghai", watch_minutes: int = 10,
    port: int = 4200, announce=print,
) -> None:
    """Register and serve both deployments against a real Prefect server (blocks until interrupted).

    The server is the one `PREFECT_API_URL` names, or one started here with its database
    under the data folder (`flows.server`): its scheduler turns the nightly cron into runs
    and its UI is at the printed address. A missing inbox is a usage error before anything
    starts. The first watcher run is created at once, not at the first interval.
    """
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise UsageError(f"收件夹不存在或不是文件夹：{inbox}")
    deployments = build_deployments(inbox, out_dir, cron, timezone, watch_minutes)
    interrupted = threading.Event()
    with prefect_server(prefect_home(get_settings().data_dir), port) as address:
        announce(f"Prefect 界面：{address.ui_url}　（按 Ctrl-C 停止）")
        # Prefect's runner runs on a thread of its own, so that one Ctrl-C or SIGTERM reaches
        # this thread, which stops the flow runs and the server itself within seconds; run in
        # this context, the threads talk to this server (Prefect keeps its address in a
        # context variable, which a new thread would not otherwise inherit)
        previous = {sig: signal.signal(sig, lambda *_: interrupted.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            serving = start_thread(partial(contextvars.copy_context().run, serve, *deployments), name="prefect-serve")
            start_thread(partial(contextvars.copy_context().run, start_watch_run), name="start-watch-run")
            while not interrupted.wait(1.0) and serving.is_alive():
                pass
            end_every_process(grace=5.0)  # the flow runs, their workers, the server
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    if interrupted.is_set():
        raise KeyboardInterrupt
    raise IntakeError("Prefect 部署服务意外停止，详见日志")


def start_watch_run(deployment: str = "watch-inbox/drop-folder", wait_seconds: float = 120.0) -> None:
    """Create a watcher run as soon as the served deployment exists (a second one is cancelled)."""
    from prefect.deployments import run_deployment
    from prefect.exceptions import ObjectNotFound

    log = logging.getLogger("cluster_intake.serve")
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        try:
            flow_run = run_deployment(deployment, timeout=0)
        except ObjectNotFound:  # not registered yet: serve() is still starting
            time.sleep(2)
            continue
        log.info("已启动监视流程 %s", flow_run.name)
        return
    log.error("%s 秒内未找到部署 %s，监视流程未自动启动（可在 Prefect 界面中手动运行）", wait_seconds, deployment)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m flows.deployments")
    parser.add_argument("inbox", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--cron", default="0 2 * * *")
    parser.add_argument("--timezone", default="Asia/Shanghai")
    parser.add_argument("--watch-minutes", type=int, default=10)
    args = parser.parse_args()
    serve_all(args.inbox, args.out, args.cron, args.timezone, args.watch_minutes)
