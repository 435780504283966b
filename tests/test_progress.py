"""Progress through the real command on a real scanned packet (real Tesseract).

Not a terminal: plain lines on stdout (stages, pages OCR'd n/N), stderr keeps to failures.
A terminal (a pty from script(1)): rich bars with the count and the time left.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_interrupt import scanned  # noqa: F401  (the module-scoped scanned packet fixture)
from tests.test_watcher import PROJECT_ROOT

ANSI = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]")


def test_plain_lines_when_not_a_terminal(tmp_path: Path, scanned: Path):  # noqa: F811
    env = {**os.environ, "CLUSTER_INTAKE_DATA_DIR": str(tmp_path / "data")}
    run = subprocess.run([sys.executable, "-m", "pipeline.cli.main", "process", str(scanned), "--out", str(tmp_path / "out")],
                         cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    pages = re.findall(r"识别页面（OCR） (\d+)/(\d+)", run.stdout)
    assert pages and pages[-1][0] == pages[-1][1] and int(pages[-1][1]) >= 2, run.stdout
    for stage in ("载入材料", "读取文件", "识别章节", "写出报告"):
        assert stage in run.stdout
    assert "\x1b[" not in run.stdout  # no bar drawing in a log
    assert len(run.stderr.strip().splitlines()) == 1 and "→" in run.stderr, run.stderr  # the closing line alone


@pytest.mark.skipif(shutil.which("script") is None, reason="script(1) gives the command a terminal")
def test_rich_bars_on_a_terminal(tmp_path: Path, scanned: Path):  # noqa: F811
    log = tmp_path / "tty.log"
    command = f"{sys.executable} -m pipeline.cli.main process '{scanned}' --out '{tmp_path / 'out'}'"
    env = {**os.environ, "CLUSTER_INTAKE_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(PROJECT_ROOT),
           "COLUMNS": "120", "TERM": "xterm"}
    run = subprocess.run(["script", "-qec", command, str(log)], cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL,
                         capture_output=True, timeout=600)
    assert run.returncode == 0, log.read_text(errors="replace")
    text = ANSI.sub("", log.read_text(errors="replace"))
    assert "━" in text and "剩余" in text, text[-2000:]
    assert re.search(r"识别页面（OCR） .*\d+/\d+", text), text[-2000:]
