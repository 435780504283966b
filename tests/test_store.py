"""The results store on SQLite: runs, findings, the cache look-up and the nightly selection."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.core.result import Finding, FindingCode, PacketResult, Severity
from pipeline.app.store import AUTO_RULESET, ResultStore, RunStatus, requested_ruleset
from pipeline.core.settings import Settings


def make_result(packet_id: str, *severities: Severity, code_version: str = "0.1.0") -> PacketResult:
    findings = [
        Finding(code=FindingCode.SECTION_MISSING, severity=s, item=i + 1, field=None, message=f"缺少第{i + 1}项")
        for i, s in enumerate(severities)
    ]
    result = PacketResult(packet_id=packet_id, findings=findings, code_version=code_version, timings={"read": 1.5})
    result.status = result.compute_status()
    return result


@pytest.fixture
def store(tmp_path: Path):
    s = ResultStore(f"sqlite:///{tmp_path / 'db' / 'results.sqlite'}")
    yield s
    s.close()


def test_record_and_look_up_by_hash_ruleset_and_version(store: ResultStore, tmp_path: Path):
    result = make_result("浚县_食品", Severity.ERROR, Severity.WARNING, Severity.WARNING, Severity.INFO)
    run_id = store.record(result, packet_hash="a" * 64, ruleset_requested="auto", output_dir=tmp_path / "浚县_食品")

    run = store.latest_for("a" * 64, "auto", "0.1.0")
    assert run is not None and run.id == run_id
    assert run.status is RunStatus.FAIL and run.completed
    assert (run.errors, run.warnings, run.infos) == (1, 2, 1)
    assert run.timings == {"read": 1.5}
    assert run.output_dir == str(tmp_path / "浚县_食品")
    assert store.findings_for(run_id)[0] == {
        "code": "SECTION_MISSING", "severity": "error", "item": 1, "field": None, "message": "缺少第1项"
    }
    # another ruleset or code version is a cache miss
    assert store.latest_for("a" * 64, "2022", "0.1.0") is None
    assert store.latest_for("a" * 64, "auto", "0.2.0") is None
    assert store.latest_for("b" * 64, "auto", "0.1.0") is None


def test_latest_run_wins_and_failures_are_kept(store: ResultStore):
    store.record(make_result("p1", Severity.WARNING), packet_hash="h1", ruleset_requested="auto")
    newer = store.record(make_result("p1"), packet_hash="h1", ruleset_requested="auto")
    failed = store.record_failure(
        packet_id="p2", packet_hash="h2", ruleset_requested="auto", code_version="0.1.0", reason="处理失败：文件损坏"
    )
    assert store.latest_for("h1", "auto", "0.1.0").id == newer
    assert store.latest_for("h1", "auto", "0.1.0").status is RunStatus.PASS
    bad = store.get(failed)
    assert bad.status is RunStatus.ERROR and not bad.completed and bad.reason == "处理失败：文件损坏"
    assert store.run_counts_by_hash() == {"h1": 2, "h2": 1}


def test_stored_packets_and_stale_selection(store: ResultStore):
    store.record(make_result("old", code_version="0.0.9"), packet_hash="h-old", ruleset_requested="auto")
    store.record(make_result("same"), packet_hash="h-same", ruleset_requested="auto")
    store.record(make_result("pinned"), packet_hash="h-pinned", ruleset_requested="2022")
    assert [r.packet_id for r in store.stored_packets()] == ["old", "pinned", "same"]
    assert {r.packet_id for r in store.stale_packets("auto", "0.1.0")} == {"old", "pinned"}
    assert {r.packet_id for r in store.stale_packets("2022", "0.1.0")} == {"old", "same"}


def test_requested_ruleset_and_default_url(tmp_path: Path):
    assert requested_ruleset(Settings(data_dir=tmp_path)) == AUTO_RULESET
    assert requested_ruleset(Settings(data_dir=tmp_path, ruleset="2022")) == "2022"
    settings = Settings(data_dir=tmp_path / "data")
    store = ResultStore.from_settings(settings)
    store.record(make_result("p"), packet_hash="h", ruleset_requested="auto")
    store.close()
    assert (tmp_path / "data" / "results.sqlite").is_file()
    # a second store on the same file sees the run (a restart)
    again = ResultStore.from_settings(settings)
    assert again.latest_for("h", "auto", "0.1.0").packet_id == "p"
    again.close()
