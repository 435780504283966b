"""One Ctrl-C or SIGTERM stops a real OCR run within seconds: exit 130, one line, nothing left.

A real scanned packet (the generator's, no text layer) is read by real OCR in the worker
processes — the default PP-OCR engine, or Tesseract, whose own child processes are the
harder case; once OCR runs, SIGINT goes to the whole process group (what a terminal's
Ctrl-C does) or SIGTERM to the command alone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from sample_docs.generate import generate_packet
from tests.test_watcher import PROJECT_ROOT

STOP_SECONDS = 5.0


@pytest.fixture(scope="module")
def scanned(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("scanned")
    generate_packet("scanned", root, seed=11)
    return next((root / "packets").iterdir())


def start(args: list[str], data_dir: Path, engine: str = "tesseract") -> subprocess.Popen:
    env = {**os.environ, "CLUSTER_INTAKE_DATA_DIR": str(data_dir), "CLUSTER_INTAKE_OCR_ENGINE": engine}
    return subprocess.Popen([sys.executable, "-m", "pipeline.cli.main", *args], cwd=PROJECT_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def _reading(p: psutil.Process, engine: str) -> bool:
    """Tesseract runs as its own process; PP-OCR inside a worker that has loaded its models."""
    if engine == "tesseract":
        return p.name() == "tesseract"
    return p.cmdline()[:1] != [] and p.memory_info().rss > 150 * 2**20 and p.cpu_times().user > 1.0


def wait_for_ocr(proc: subprocess.Popen, engine: str = "tesseract", timeout: float = 240) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode()
        family = psutil.Process(proc.pid).children(recursive=True)
        try:
            if any(_reading(p, engine) for p in family if p.is_running()):
                return family
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.2)
    pytest.fail(f"no {engine} OCR started")


def stop(proc: subprocess.Popen, sig: signal.Signals) -> tuple[float, str]:
    started = time.monotonic()
    if sig == signal.SIGINT:
        os.killpg(proc.pid, signal.SIGINT)  # the terminal's Ctrl-C: every process of the foreground group
    else:
        proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    return time.monotonic() - started, err.decode()


def alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    time.sleep(0.3)
    return [p for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


@pytest.mark.parametrize("engine", ["tesseract", "ppocr"])
def test_ctrl_c_stops_a_real_ocr_run_of_process(tmp_path: Path, scanned: Path, engine: str):
    out = tmp_path / "out"
    proc = start(["process", str(scanned), "--out", str(out)], tmp_path / "data", engine)
    family = wait_for_ocr(proc, engine)
    seconds, err = stop(proc, signal.SIGINT)
    assert proc.returncode == 130, err
    assert err == "已中断\n", err  # one line, no worker traceback
    assert seconds < STOP_SECONDS, seconds
    assert alive(family) == [], "a worker or Tesseract outlived the interrupt"
    written = [p for p in out.rglob("*") if p.is_file()] if out.exists() else []
    assert written == [], written  # no half-written output


def test_sigterm_stops_the_watcher_mid_ocr_and_the_packet_waits_in_processing(tmp_path: Path, scanned: Path):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    (inbox / scanned.name).write_bytes(scanned.read_bytes())
    proc = start(["watch", str(inbox), "--out", str(out), "--quiet-seconds", "1", "--direct"], tmp_path / "data")
    family = wait_for_ocr(proc)
    seconds, err = stop(proc, signal.SIGTERM)
    assert proc.returncode == 130, err
    assert err.splitlines()[-1] == "已中断" and "Traceback" not in err, err
    assert seconds < STOP_SECONDS, seconds
    assert alive(family) == []
    assert [p.name for p in (tmp_path / "inbox.state" / "processing").iterdir()] == [scanned.name]
    assert not any(p.is_file() for p in out.rglob("*"))
