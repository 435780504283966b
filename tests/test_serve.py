"""`serve` against a real Prefect server it starts and supervises: the UI answers at the printed
address, the nightly deployment has its next run scheduled at 02:00 Beijing time, a missing
inbox is a usage error before anything starts, and one Ctrl-C stops it all."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "CLUSTER_INTAKE_DATA_DIR": str(tmp_path / "data"), "PYTHONUNBUFFERED": "1"}
    for key in ("PREFECT_API_URL", "PREFECT_HOME", "PREFECT_LOCAL_STORAGE_PATH"):
        env.pop(key, None)
    return env


def _post(url: str, body: dict) -> list | dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as reply:
        return json.loads(reply.read())


def test_a_missing_inbox_is_a_usage_error_before_anything_starts(tmp_path: Path):
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "pipeline.cli.main", "serve", "--inbox", str(tmp_path / "无此目录"),
                          "--out", str(tmp_path / "out")], cwd=PROJECT_ROOT, env=_env(tmp_path),
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stderr
    assert len(run.stderr.strip().splitlines()) == 1 and "收件夹" in run.stderr
    assert time.monotonic() - started < 30 and not (tmp_path / "data" / "prefect" / "server.log").exists()


def test_serve_starts_a_real_server_with_the_ui_and_the_nightly_schedule(tmp_path: Path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    serving = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli.main", "serve", "--inbox", str(inbox), "--out", str(tmp_path / "out")],
        cwd=PROJECT_ROOT, env=_env(tmp_path), stdout=subprocess.PIPE, stderr=(tmp_path / "serve.log").open("wb"),
        text=True, start_new_session=True,
    )
    try:
        line = serving.stdout.readline()  # the first line names the UI
        match = re.search(r"(http://127\.0\.0\.1:\d+)", line)
        assert match, (line, (tmp_path / "serve.log").read_text(errors="replace")[-3000:])
        ui = match.group(1)
        with urllib.request.urlopen(ui, timeout=10) as page:
            assert page.status == 200 and "<html" in page.read().decode(errors="replace").lower()
        api = f"{ui}/api"
        nightly = None
        deadline = time.monotonic() + 240  # registration, then the scheduler's next loop
        while time.monotonic() < deadline and nightly is None:
            deployments = _post(f"{api}/deployments/filter", {"deployments": {"name": {"any_": ["nightly-recheck"]}}})
            if deployments:
                runs = _post(f"{api}/flow_runs/filter", {
                    "flow_runs": {"deployment_id": {"any_": [deployments[0]["id"]]}, "state": {"type": {"any_": ["SCHEDULED"]}}},
                    "sort": "EXPECTED_START_TIME_ASC", "limit": 1})
                nightly = runs[0] if runs else None
            if nightly is None:
                time.sleep(3)
        assert nightly is not None, (tmp_path / "serve.log").read_text(errors="replace")[-3000:]
        start = datetime.fromisoformat(nightly["expected_start_time"]).astimezone(ZoneInfo("Asia/Shanghai"))
        assert (start.hour, start.minute) == (2, 0)
    finally:
        os.killpg(serving.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
        stopped_at = time.monotonic()
        code = serving.wait(timeout=60)
        took = time.monotonic() - stopped_at
    assert took < 20, took
    assert code == 130
    left = subprocess.run(["pgrep", "-g", str(serving.pid)], capture_output=True, text=True).stdout.split()
    assert left == []
