"""The Prefect server `serve` runs against: the one `PREFECT_API_URL` names, or a real one started
here, its database under the data folder, and kept running while `serve` runs.

Prefect's temporary in-process server has no scheduler (the 02:00 nightly would never run)
and no UI (its printed link answers 404); `prefect server start` has both.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from pipeline.core.errors import IntakeError
from pipeline.core.workers import start_program, start_thread, stop_program

log = logging.getLogger("cluster_intake.serve")

STARTUP_TIMEOUT_S = 120.0  # a cold start (database migrations) takes 10–40 s on 2 cores
RESTARTS = 3  # a server that dies is started again this many times, then `serve` stops


class ServerFailed(IntakeError):
    """The Prefect server could not be started or kept running."""


@dataclass(frozen=True)
class ServerAddress:
    api_url: str  # what the flows and `prefect.serve` talk to
    ui_url: str  # what the operator opens


def free_port(preferred: int) -> int:
    """`preferred` when it is free on 127.0.0.1, else any free port."""
    for port in (preferred, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise ServerFailed("找不到可用的本地端口")


def healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as reply:
            return reply.status == 200
    except (urllib.error.URLError, OSError):
        return False


class SupervisedServer:
    """`prefect server start` as a child process: started, waited for, restarted if it dies."""

    def __init__(self, home: Path, port: int) -> None:
        self.home, self.port = home, port
        self.api_url = f"http://127.0.0.1:{port}/api"
        self._process: subprocess.Popen | None = None
        self._stopping = threading.Event()
        self._log_path = home / "server.log"

    def _start(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PREFECT_HOME": str(self.home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
               "PREFECT_SERVER_UI_API_URL": self.api_url}
        env.pop("PREFECT_API_URL", None)
        command = [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                   "--port", str(self.port), "--scheduler", "--ui", "--analytics-off"]
        # its own session: a Ctrl-C at the terminal reaches `serve`, which then stops the
        # server itself, instead of the server dying first and being restarted
        self._process = start_program(command, env, self._log_path)
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ServerFailed(f"Prefect 服务器启动失败（退出码 {self._process.returncode}），详见 {self._log_path}")
            if healthy(self.api_url):
                return
            time.sleep(0.5)
        self.stop()
        raise ServerFailed(f"Prefect 服务器在 {STARTUP_TIMEOUT_S:g} 秒内未就绪，详见 {self._log_path}")

    def _supervise(self) -> None:
        restarts = 0
        while not self._stopping.wait(2.0):
            if self._process is not None and self._process.poll() is not None and not self._stopping.is_set():
                if restarts >= RESTARTS:
                    log.error("Prefect 服务器已退出 %d 次，不再重启；详见 %s", restarts + 1, self._log_path)
                    return
                restarts += 1
                log.warning("Prefect 服务器意外退出（退出码 %s），正在重启（第 %d 次）", self._process.returncode, restarts)
                try:
                    self._start()
                except ServerFailed as failure:
                    log.error("%s", failure)

    def start(self) -> None:
        self._start()
        start_thread(self._supervise, name="prefect-server-supervisor")

    def stop(self) -> None:
        self._stopping.set()
        if self._process is not None:
            stop_program(self._process)


@contextmanager
def prefect_server(home: Path, port: int = 4200) -> Iterator[ServerAddress]:
    """The server to serve against: `PREFECT_API_URL` when set, else a supervised one under `home`."""
    from prefect.settings import PREFECT_API_URL, temporary_settings  # lazy: Prefect's import costs ~2 s

    given = os.environ.get("PREFECT_API_URL")
    if given:
        if not healthy(given.rstrip("/")):
            raise ServerFailed(f"PREFECT_API_URL 指向的 Prefect 服务器 {given} 无法连接")
        yield ServerAddress(api_url=given, ui_url=given.rstrip("/").removesuffix("/api"))
        return
    server = SupervisedServer(home, free_port(port))
    server.start()
    os.environ["PREFECT_API_URL"] = server.api_url
    try:
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            yield ServerAddress(api_url=server.api_url, ui_url=server.api_url.removesuffix("/api"))
    finally:
        os.environ.pop("PREFECT_API_URL", None)
        server.stop()
