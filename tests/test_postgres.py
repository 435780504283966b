"""The results store against a real PostgreSQL server started inside the test."""

from __future__ import annotations

from pipeline.core.result import Finding, FindingCode, PacketResult, Severity
from pipeline.app.store import ResultStore, RunStatus
from tests.pg_server import postgres_server as postgres_url  # noqa: F401  (a real server, started once)


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
