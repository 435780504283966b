"""CROSS_PACKET_DUPLICATE: claims shared by two packets of a round, in one batch and across the store.

On a SQLite file and on a PostgreSQL server the tests start.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from pipeline.app.batch import run_batch
from pipeline.app.store import ResultStore
from pipeline.core.settings import Settings
from tests.pg_server import fresh_database, postgres_server  # noqa: F401  (the fixture)
from tests.workbench_data import make_result

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "shared" / "contract" / "result.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8")) if SCHEMA_PATH.is_file() else None

PACKETS = {  # file stem → (cluster, region, patents)
    "浚县_食品": ("浚县食品产业集群", "浚县", ("202110234567.8", "202010111222.3")),
    "清河_羊绒": ("清河县羊绒制品产业集群", "清河县", ("202110234567.8",)),
    "宁国_汽配": ("宁国市汽车零部件产业集群", "宁国市", ("201910000001.X",)),
    "长垣_起重": ("长垣市起重装备产业集群", "长垣市", ("202010111222.3",)),
    "浚县_食品_补正": ("浚县食品产业集群", "浚县", ("202110234567.8", "202010111222.3")),
}


def processor(source: Path, out_dir: Path, settings: Settings):
    """The results the checks give these packets' lists (the reading is tested elsewhere)."""
    cluster, region, patents = PACKETS[source.stem]
    result = make_result(source.stem, cluster, region, sme_share=80, missing_item=None, patents=patents)
    (out_dir / result.packet_id).mkdir(parents=True, exist_ok=True)
    (out_dir / result.packet_id / "result.json").write_text(result.to_json(), encoding="utf-8")
    return result


def inbox(tmp_path: Path, name: str, *stems: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    for stem in stems:
        (folder / f"{stem}.pdf").write_bytes(f"%PDF-1.4 {stem}".encode())
    return folder


def duplicates(result_json: dict) -> list[dict]:
    return [f for f in result_json["findings"] if f["code"] == "CROSS_PACKET_DUPLICATE"]


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path: Path):
    if request.param == "sqlite":
        s = ResultStore(f"sqlite:///{tmp_path / 'results.sqlite'}")
    else:
        s = ResultStore(fresh_database(request.getfixturevalue("postgres_server")))
    yield s
    s.close()


def test_two_packets_of_a_batch_sharing_a_patent_each_name_the_other(tmp_path: Path, store: ResultStore):
    settings = Settings(data_dir=tmp_path / "data")
    out = tmp_path / "out"
    outcomes = run_batch(inbox(tmp_path, "in", "浚县_食品", "清河_羊绒", "宁国_汽配"), out, settings,
                         store=store, processor=processor)
    by_id = {o.packet_id: o for o in outcomes}
    for me, other in (("浚县_食品", "清河_羊绒"), ("清河_羊绒", "浚县_食品")):
        on_disk = json.loads((out / me / "result.json").read_text(encoding="utf-8"))
        (finding,) = duplicates(on_disk)
        assert finding["severity"] == "warning" and finding["item"] == 8 and finding["id"]
        assert "202110234567.8" in finding["message"] and f"「{other}」" in finding["message"]
        assert finding["evidence"][0]["file"] == "专利清单.pdf"
        if SCHEMA:
            jsonschema.validate(on_disk, SCHEMA)
        assert [f.code.value for f in by_id[me].findings].count("CROSS_PACKET_DUPLICATE") == 1  # the summary's view
        run, stored = store.latest_result(me)
        assert duplicates(stored) and run.warnings == len(on_disk["findings"]) - run.errors
        assert on_disk["status"] == "review"
    assert not duplicates(json.loads((out / "宁国_汽配" / "result.json").read_text(encoding="utf-8")))


def test_a_later_packet_is_checked_against_the_store_and_both_get_it(tmp_path: Path, store: ResultStore):
    settings = Settings(data_dir=tmp_path / "data")
    run_batch(inbox(tmp_path, "first", "浚县_食品"), tmp_path / "out1", settings, store=store, processor=processor)
    assert not duplicates(store.latest_result("浚县_食品")[1])
    run_batch(inbox(tmp_path, "second", "长垣_起重"), tmp_path / "out2", settings, store=store, processor=processor)
    (later,) = duplicates(store.latest_result("长垣_起重")[1])
    assert "202010111222.3" in later["message"] and "「浚县_食品」（浚县食品产业集群）" in later["message"]
    (earlier,) = duplicates(store.latest_result("浚县_食品")[1])
    assert "「长垣_起重」" in earlier["message"]
    on_disk = json.loads((tmp_path / "out1" / "浚县_食品" / "result.json").read_text(encoding="utf-8"))
    assert duplicates(on_disk)  # its result.json too


def test_a_resubmission_of_the_same_cluster_is_not_a_duplicate(tmp_path: Path, store: ResultStore):
    settings = Settings(data_dir=tmp_path / "data")
    run_batch(inbox(tmp_path, "first", "浚县_食品"), tmp_path / "out1", settings, store=store, processor=processor)
    run_batch(inbox(tmp_path, "again", "浚县_食品_补正"), tmp_path / "out2", settings, store=store,
              processor=processor)
    assert not duplicates(store.latest_result("浚县_食品_补正")[1])
    assert not duplicates(store.latest_result("浚县_食品")[1])
