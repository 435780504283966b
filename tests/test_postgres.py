"""The results store against a real PostgreSQL server started inside the test."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from pipeline.core.result import Finding, FindingCode, PacketResult, Severity
from pipeline.app.store import ResultStore, RunStatus

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(*args: str) -> list[str]:
    """Run a server binary as the `postgres` OS user when we are root (initdb refuses root)."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)


@pytest.fixture(scope="module")
def postgres_url():
    if not (PG_BIN / "initdb").exists() or not (PG_BIN / "pg_ctl").exists():
        pytest.skip(f"PostgreSQL server binaries not found in {PG_BIN} (Debian package postgresql-15)")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: cannot start PostgreSQL as an unprivileged user")
    root = Path(tempfile.mkdtemp(prefix="ci-pg-"))
    data, sockets, logfile = root / "data", root / "sock", root / "server.log"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        shutil.chown(sockets, "postgres", "postgres")
    port = _free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    subprocess.run(
        _as_postgres(str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"),
        check=True, capture_output=True, env=env, timeout=120,
    )
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(logfile), "-w", "-t", "60", "start"),
        check=True, capture_output=True, env=env, timeout=90,
    )
    try:
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"),
            capture_output=True, env=env, timeout=60,
        )
        shutil.rmtree(root, ignore_errors=True)


def test_store_round_trip_on_postgres(postgres_url: str):
    store = ResultStore(postgres_url)
    assert store.engine.dialect.name == "postgresql"
    result = PacketResult(
        packet_id="浚县_食品",
        code_version="0.1.0",
        findings=[
            Finding(code=FindingCode.PATENT_NUMBER_INVALID, severity=Severity.ERROR, item=8, field="number",
                    message="专利号“202110234567.9”校验位错误。"),
            Finding(code=FindingCode.TOC_MISSING, severity=Severity.WARNING, message="未找到目录。"),
        ],
        timings={"load": 0.1, "read": 2.0},
    )
    result.status = result.compute_status()
    run_id = store.record(result, packet_hash="c" * 64, ruleset_requested="auto", output_dir="/out/浚县_食品")
    store.record_failure(packet_id="坏包", packet_hash="d" * 64, ruleset_requested="auto",
                         code_version="0.1.0", reason="处理失败（BadZipFile）：File is not a zip file")
    store.close()

    # a second connection (a restarted watcher) sees both runs
    again = ResultStore(postgres_url)
    run = again.latest_for("c" * 64, "auto", "0.1.0")
    assert run.id == run_id and run.status is RunStatus.FAIL
    assert (run.errors, run.warnings) == (1, 1)
    assert run.timings == {"load": 0.1, "read": 2.0}
    assert [f["code"] for f in again.findings_for(run_id)] == ["PATENT_NUMBER_INVALID", "TOC_MISSING"]
    assert again.findings_for(run_id)[0]["message"] == "专利号“202110234567.9”校验位错误。"
    assert sorted(r.packet_id for r in again.stored_packets()) == sorted(["坏包", "浚县_食品"])
    assert again.latest_for("d" * 64, "auto", "0.1.0").status is RunStatus.ERROR
    assert again.stale_packets("auto", "0.2.0") and not again.stale_packets("auto", "0.1.0")
    again.close()
