"""The drop folder owes every packet its outputs, also when the store already knows its bytes.

A real `batch` run records the packet (outputs in another folder); a real watcher
process is then killed right after claiming the same bytes, and restarted: the
resumed packet, and the same bytes dropped again, must both end with their
outputs in the watcher's `--out`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from pipeline.app.watcher import StateDirs
from tests.test_watcher import PROJECT_ROOT, start_watcher, stored_runs, tiny_docx, wait_for


def test_known_packet_still_gets_its_outputs_after_a_kill_and_restart(tmp_path: Path):
    data_dir, log = tmp_path / "data", tmp_path / "watch.log"
    earlier_inbox, earlier_out = tmp_path / "earlier", tmp_path / "earlier_out"
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    packet = tiny_docx(earlier_inbox / "集群41.docx", 41)
    env = {**os.environ, "CLUSTER_INTAKE_DATA_DIR": str(data_dir)}
    batch = subprocess.run(
        [sys.executable, "-m", "pipeline.cli.main", "batch", str(earlier_inbox), "--out", str(earlier_out), "--direct"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert batch.returncode == 0, batch.stderr
    assert (earlier_out / "集群41" / "result.json").is_file()
    runs_before = stored_runs(data_dir)
    assert sum(runs_before.values()) == 1

    dirs = StateDirs.for_inbox(inbox)
    (inbox / packet.name).write_bytes(packet.read_bytes())
    proc = start_watcher(inbox, out, data_dir, log, crash_at="claimed")
    proc.wait(timeout=120)
    assert proc.returncode == -signal.SIGKILL, log.read_text()
    assert [p.name for p in dirs.processing.iterdir()] == [packet.name]
    assert not (out / "集群41").exists()

    proc = start_watcher(inbox, out, data_dir, log)
    try:
        wait_for(lambda: (out / "集群41" / "result.json").is_file() and not any(dirs.processing.iterdir()),
                 120, "the resumed packet's outputs", proc, log)
        # the same bytes dropped anew, under the same name, while it runs
        (inbox / packet.name).write_bytes(packet.read_bytes())
        # the log line follows the move into done/: wait for both
        wait_for(lambda: not any(inbox.iterdir()) and len(list(dirs.done.iterdir())) == 2
                 and log.read_text().count("跳过 集群41.docx") == 2,
                 120, "the second drop to reach done/", proc, log)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    text = log.read_text()
    assert proc.returncode == 130, text  # SIGTERM: interrupted (contract exit codes)
    result = json.loads((out / "集群41" / "result.json").read_text(encoding="utf-8"))
    assert result["packet_id"] == "集群41"
    for name in ("report.html", "report.xlsx"):
        assert (out / "集群41" / name).is_file()
    assert stored_runs(data_dir) == runs_before  # re-rendered from the store, not processed again
    assert text.count("跳过 集群41.docx") == 2
    assert "Traceback" not in text
    assert "Context impl" not in text  # the store's migrations do not talk to reviewers
