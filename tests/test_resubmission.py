"""A resubmitted packet (the same cluster, other bytes) shows what changed since the previous submission."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from pipeline.app.reviews import ReviewStore
from pipeline.app.store import ResultStore
from pipeline.app.web.server import create_app
from pipeline.app.workbench import Workbench
from pipeline.core.result import FileEntry
from tests.workbench_data import make_result, record


def files(*entries: tuple[str, str]) -> list[FileEntry]:
    return [FileEntry(name=name, sha256=digit * 64, kind="pdf", pages=3) for name, digit in entries]


def test_a_resubmission_shows_files_items_indicators_and_findings_changed(tmp_path: Path):
    store = ResultStore(f"sqlite:///{tmp_path / 'results.sqlite'}")
    bench = Workbench(store)
    try:
        first = make_result("浚县_食品", "浚县食品产业集群", "浚县", sme_share=65, missing_item=12)
        first.files = files(("申报书.pdf", "1"), ("附件.pdf", "2"))
        record(store, first, tmp_path / "out", "a" * 64)
        assert bench.packet("浚县_食品", with_changes=True)["changes"] is None  # nothing before it
        second = make_result("浚县_食品_补正", "浚县食品产业集群", "浚县", sme_share=75, missing_item=None)
        second.files = files(("申报书.pdf", "3"), ("第12项.pdf", "4"))
        record(store, second, tmp_path / "out", "b" * 64)

        changes = bench.packet("浚县_食品_补正", with_changes=True)["changes"]
        assert changes["previous_packet_id"] == "浚县_食品"
        assert changes["files_added"] == ["第12项.pdf"] and changes["files_removed"] == ["附件.pdf"]
        assert changes["files_changed"] == ["申报书.pdf"]
        assert changes["items_now_present"] == [12] and changes["items_still_missing"] == []
        assert {"key": "sme_output_share_pct", "old": 65, "new": 75} in changes["indicators"]
        assert {f["code"] for f in changes["findings_resolved"]} == {"SME_SHARE_LOW", "SECTION_MISSING"}
        assert changes["findings_new"] == []
        assert [f["code"] for f in changes["findings_unchanged"]] == ["TOC_MISSING"]

        ReviewStore(store).add_user("li", "reviewer", "pw")
        client = TestClient(create_app(bench, tmp_path / "data"), base_url="http://127.0.0.1")
        client.post("/api/login", json={"username": "li", "password": "pw"})
        page = client.get("/packets/浚县_食品_补正").text
        assert "与上次报送" in page and "第12项.pdf" in page and "已解决 2 项" in page
    finally:
        store.close()


def test_a_resubmission_under_another_name_keeps_the_decisions_on_the_same_findings(tmp_path: Path):
    store = ResultStore(f"sqlite:///{tmp_path / 'results.sqlite'}")
    bench = Workbench(store)
    try:
        first = make_result("浚县_食品", "浚县食品产业集群", "浚县", sme_share=65, missing_item=12)
        record(store, first, tmp_path / "out", "a" * 64)
        view = bench.packet("浚县_食品")
        toc = next(f for f in view["findings"] if f["code"] == "TOC_MISSING")
        sme = next(f for f in view["findings"] if f["code"] == "SME_SHARE_LOW")
        bench.decide("浚县_食品", toc["id"], "li", {"decision": "dismiss", "reason": "目录在第2页"})
        bench.decide("浚县_食品", sme["id"], "li", {"decision": "correct", "value": 75})
        second = make_result("浚县_食品_第二次", "浚县食品产业集群", "浚县", sme_share=65, missing_item=None)
        record(store, second, tmp_path / "out", "b" * 64)
        again = bench.packet("浚县_食品_第二次")
        shown = next(f for f in again["findings"] if f["code"] == "TOC_MISSING")["decision"]
        assert shown["decision"] == "dismiss" and shown["reason"] == "目录在第2页"
        new_sme = next(f for f in again["findings"] if f["code"] == "SME_SHARE_LOW")
        assert new_sme["decision"] is None and not new_sme.get("superseded")  # a correction is not carried over
        other = make_result("清河_羊绒", "清河县羊绒制品产业集群", "清河县")
        record(store, other, tmp_path / "out", "c" * 64)
        assert all(f["decision"] is None for f in bench.packet("清河_羊绒")["findings"])  # another cluster
    finally:
        store.close()
