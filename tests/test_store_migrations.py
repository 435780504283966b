"""Alembic migrations: a store from before them is upgraded in place; times keep their zone; history."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from alembic import command

from pipeline.app.migrate import alembic_config, current_revision, head_revision
from pipeline.app.schema import local_text
from pipeline.app.store import ResultStore, RunStatus
from pipeline.core.result import Evidence, Finding, FindingCode, PacketResult, Severity

ROOT = Path(__file__).resolve().parents[1]

# the schema as `Base.metadata.create_all` made it before the migrations (commit 4c24a06)
OLD_SCHEMA = """
CREATE TABLE runs (
	id INTEGER NOT NULL, packet_id VARCHAR(255) NOT NULL, packet_hash VARCHAR(64) NOT NULL,
	file_hashes JSON NOT NULL, ruleset_requested VARCHAR(32) NOT NULL, ruleset VARCHAR(32),
	code_version VARCHAR(32) NOT NULL, status VARCHAR(16) NOT NULL, errors INTEGER NOT NULL,
	warnings INTEGER NOT NULL, infos INTEGER NOT NULL, reason TEXT, timings JSON NOT NULL,
	started_at DATETIME NOT NULL, finished_at DATETIME NOT NULL, output_dir TEXT, source_path TEXT,
	origin VARCHAR(32) NOT NULL, PRIMARY KEY (id));
CREATE INDEX ix_runs_packet_id ON runs (packet_id);
CREATE INDEX ix_runs_packet_hash ON runs (packet_hash);
CREATE TABLE findings (
	id INTEGER NOT NULL, run_id INTEGER NOT NULL, code VARCHAR(64) NOT NULL, severity VARCHAR(16) NOT NULL,
	item INTEGER, field VARCHAR(64), message TEXT NOT NULL, PRIMARY KEY (id),
	FOREIGN KEY(run_id) REFERENCES runs (id) ON DELETE CASCADE);
CREATE INDEX ix_findings_code ON findings (code);
CREATE INDEX ix_findings_run_id ON findings (run_id);
"""


def old_store(path: Path, out_dir: Path) -> None:
    """Two runs as the old code wrote them: naive UTC text times (a 04:57 Beijing run is 20:57 UTC the day before)."""
    result = PacketResult(packet_id="浚县_食品", code_version="0.1.0",
                          findings=[Finding(code=FindingCode.TOC_MISSING, severity=Severity.WARNING, message="未找到目录。",
                                            evidence=[Evidence(file="a.pdf", page=1, text="封面")])])
    result.cover.cluster_name, result.cover.region = "浚县食品产业集群", "浚县"
    result.status = result.compute_status()
    (out_dir / "浚县_食品").mkdir(parents=True)
    (out_dir / "浚县_食品" / "result.json").write_text(result.to_json(), encoding="utf-8")
    db = sqlite3.connect(path)
    db.executescript(OLD_SCHEMA)
    db.execute("INSERT INTO runs VALUES (1,'浚县_食品',?,'{}','auto','2022','0.1.0','REVIEW',0,1,0,NULL,'{}',"
               "'2026-12-06 20:56:00.000000','2026-12-06 20:57:00.000000',?,NULL,'batch')",
               ("a" * 64, str(out_dir / "浚县_食品")))
    db.execute("INSERT INTO findings VALUES (1,1,'TOC_MISSING','warning',NULL,NULL,'未找到目录。')")
    db.execute("INSERT INTO runs VALUES (2,'坏包',?,'{}','auto',NULL,'0.1.0','ERROR',0,0,0,'处理失败（BadZipFile）','{}',"
               "'2026-12-06 21:00:00.000000','2026-12-06 21:00:01.000000',NULL,NULL,'watch')", ("b" * 64,))
    db.commit()
    db.close()


def test_a_store_from_before_the_migrations_is_upgraded_with_its_runs(tmp_path: Path):
    db = tmp_path / "results.sqlite"
    old_store(db, tmp_path / "out")
    store = ResultStore(f"sqlite:///{db}")
    try:
        assert current_revision(store.engine) == head_revision()
        runs = store.history()
        assert [r.packet_id for r in runs] == ["坏包", "浚县_食品"]
        good = store.get(1)
        assert good.status is RunStatus.REVIEW and good.warnings == 1 and good.origin == "batch"
        assert good.finished_at == datetime(2026, 12, 6, 20, 57, tzinfo=timezone.utc)
        assert local_text(good.finished_at) == "2026-12-07 04:57"  # shown in Asia/Shanghai
        assert good.cluster_name == "浚县食品产业集群" and good.region == "浚县"  # filled from result.json
        assert store.result_of(good)["findings"][0]["id"]
        assert store.get(2).reason == "处理失败（BadZipFile）"
        # new runs go on beside the old ones, newest first
        store.record(PacketResult(packet_id="新包"), packet_hash="c" * 64, ruleset_requested="auto")
        assert store.history()[0].packet_id == "新包"
    finally:
        store.close()
    texts = [r[0] for r in sqlite3.connect(db).execute("SELECT finished_at FROM runs ORDER BY id")]
    assert all(t.endswith("+00:00") for t in texts), texts  # stored with their zone
    # opening it again is a no-op
    again = ResultStore(f"sqlite:///{db}")
    assert len(again.history()) == 3
    again.close()


def test_times_are_stored_aware_and_a_naive_time_is_refused(tmp_path: Path):
    store = ResultStore(f"sqlite:///{tmp_path / 'r.sqlite'}")
    beijing = timezone(timedelta(hours=8))
    try:
        run_id = store.record(PacketResult(packet_id="p"), packet_hash="h", ruleset_requested="auto",
                              finished_at=datetime(2026, 12, 7, 4, 57, tzinfo=beijing))
        run = store.get(run_id)
        assert run.finished_at.utcoffset() == timedelta(0)
        assert local_text(run.finished_at) == "2026-12-07 04:57"
        with pytest.raises(Exception):
            store.record(PacketResult(packet_id="q"), packet_hash="h2", ruleset_requested="auto",
                         finished_at=datetime(2026, 12, 7, 4, 57))
    finally:
        store.close()


def test_process_is_recorded_and_history_lists_it(tmp_path: Path):
    env = {"CLUSTER_INTAKE_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    packet = next((ROOT / "sample_docs" / "packets").glob("s0002_docx_*.docx"))
    cli = [sys.executable, "-m", "pipeline.cli.main"]
    done = subprocess.run([*cli, "process", str(packet), "--out", str(tmp_path / "out")], env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    shown = subprocess.run([*cli, "history"], env=env, capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert packet.stem in shown.stdout and "process" in shown.stdout and "通过" in shown.stdout
    store = ResultStore(f"sqlite:///{tmp_path / 'data' / 'results.sqlite'}")
    try:
        (run,) = store.history(packet.stem)
        assert run.origin == "process" and run.cluster_name
        local = local_text(run.finished_at)
        assert local in shown.stdout  # the Beijing time, not UTC
    finally:
        store.close()
    one = subprocess.run([*cli, "history", "没有这个包"], env=env, capture_output=True, text=True, timeout=60)
    assert one.returncode == 2


OPEN_AND_RECORD = """
import sys
from pipeline.app.store import ResultStore
from pipeline.core.result import PacketResult
store = ResultStore(sys.argv[1])
store.record(PacketResult(packet_id=sys.argv[2]), packet_hash=sys.argv[2], ruleset_requested="auto")
store.close()
"""


def test_processes_opening_a_new_store_at_once_all_get_it(tmp_path: Path):
    """The watcher, a batch and a worker starting together: one migrates, the others wait or retry."""
    url = f"sqlite:///{tmp_path / 'shared' / 'results.sqlite'}"
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    procs = [subprocess.Popen([sys.executable, "-c", OPEN_AND_RECORD, url, f"p{i}"], env=env,
                              stderr=subprocess.PIPE, text=True) for i in range(4)]
    for proc in procs:
        assert proc.wait(timeout=120) == 0, proc.stderr.read()
    store = ResultStore(url)
    try:
        assert sorted(r.packet_id for r in store.history()) == ["p0", "p1", "p2", "p3"]
        assert current_revision(store.engine) == head_revision()
    finally:
        store.close()


def test_migrations_go_down_and_up_again(tmp_path: Path):
    store = ResultStore(f"sqlite:///{tmp_path / 'r.sqlite'}")
    try:
        config = alembic_config(store.engine)
        command.downgrade(config, "0001")
        assert current_revision(store.engine) == "0001"
        command.upgrade(config, "head")
        assert current_revision(store.engine) == head_revision()
    finally:
        store.close()
