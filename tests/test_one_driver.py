"""One driver: `process`, `batch`, `watch` and the Prefect flow give the same result.json
(timings aside) on every kind of packet the generator writes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sample_docs.generate import VARIANTS, generate_packet

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(data_dir: Path, db: Path) -> dict[str, str]:
    """The shared reader cache (each file is read and OCR'd once), a results store of each path's own."""
    return {**os.environ, "CLUSTER_INTAKE_DATA_DIR": str(data_dir), "CLUSTER_INTAKE_DB_URL": f"sqlite:///{db}",
            "PYTHONUNBUFFERED": "1"}


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipeline.cli.main", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=1200)


def _results(out: Path) -> dict[str, dict]:
    found = {}
    for path in sorted(out.glob("*/result.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        data.pop("timings", None)
        found[data["packet_id"]] = data
    return found


@pytest.fixture(scope="module")
def every_kind(tmp_path_factory) -> tuple[Path, list[str]]:
    root = tmp_path_factory.mktemp("kinds")
    ids = [generate_packet(variant, root, seed=40 + n)["packet_id"] for n, variant in enumerate(VARIANTS)]
    return root / "packets", ids


@pytest.mark.usefixtures("prefect_server")
def test_process_batch_watch_and_flow_give_the_same_result(every_kind, tmp_path: Path):
    packets, ids = every_kind
    data_dir = tmp_path / "data"

    for packet in sorted(packets.iterdir()):
        run = _cli("process", str(packet), "--out", str(tmp_path / "process"), env=_env(data_dir, tmp_path / "p.sqlite"))
        assert run.returncode in (0, 1), run.stderr
    by_process = _results(tmp_path / "process")
    assert sorted(by_process) == sorted(ids)

    run = _cli("batch", str(packets), "--out", str(tmp_path / "batch"), env=_env(data_dir, tmp_path / "b.sqlite"))
    assert run.returncode in (0, 1), run.stderr
    by_batch = _results(tmp_path / "batch")

    inbox, watch_out = tmp_path / "inbox", tmp_path / "watch"
    inbox.mkdir()
    watcher = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli.main", "watch", str(inbox), "--out", str(watch_out),
         "--quiet-seconds", "1", "--direct"],
        cwd=PROJECT_ROOT, env=_env(data_dir, tmp_path / "w.sqlite"),
        stdout=subprocess.DEVNULL, stderr=(tmp_path / "watch.log").open("wb"),
    )
    try:
        for packet in sorted(packets.iterdir()):
            staged = tmp_path / "staging" / packet.name
            staged.parent.mkdir(exist_ok=True)
            (shutil.copytree if packet.is_dir() else shutil.copy2)(packet, staged)
            staged.rename(inbox / packet.name)  # appears whole
        deadline = time.monotonic() + 900
        while len(_results(watch_out)) < len(ids) and time.monotonic() < deadline and watcher.poll() is None:
            time.sleep(1)
    finally:
        watcher.terminate()
        watcher.wait(timeout=60)
    by_watch = _results(watch_out)

    from flows.packet_flow import process_packet_flow
    from pipeline.core.settings import Settings

    settings = Settings(data_dir=data_dir, db_url=f"sqlite:///{tmp_path / 'f.sqlite'}")
    for packet in sorted(packets.iterdir()):
        process_packet_flow(packet, tmp_path / "flow", settings, publish=False)
    by_flow = _results(tmp_path / "flow")

    for packet_id in ids:
        reference = by_process[packet_id]
        assert by_batch.get(packet_id) == reference, f"batch differs on {packet_id}"
        assert by_watch.get(packet_id) == reference, f"watch differs on {packet_id}: {(tmp_path / 'watch.log').read_text()[-2000:]}"
        assert by_flow.get(packet_id) == reference, f"flow differs on {packet_id}"
