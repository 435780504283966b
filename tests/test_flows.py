"""Prefect flows against the plain driver and batch runner, on generated packets.

One temporary Prefect server for the whole session (`prefect_test_harness`); the
flows must give exactly the results the Prefect-free code gives.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

import flows  # noqa: F401  (Prefect's environment first)
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey, FlowRunFilter, FlowRunFilterId

from flows.batch_flow import batch_flow, nightly_flow
from flows.deployments import build_deployments
from flows.packet_flow import (
    docs_content_key,
    find_sections_task,
    findings_artifact_key,
    member_cache_key,
    process_packet_flow,
    read_member_task,
)
from pipeline.app.watcher import StateDirs, run_watcher
from pipeline.app.batch import PacketFailure, packet_hash, run_batch
from pipeline.app.driver import process_packet, read_packet
from pipeline.intake.packet import load_packet
from pipeline.core.result import PacketResult
from pipeline.core.settings import Settings
from pipeline.app.store import ResultStore
from test_watcher import tiny_docx


pytestmark = pytest.mark.usefixtures("prefect_server")


@pytest.fixture(scope="module")
def shared_data_dir(tmp_path_factory) -> Path:
    """One reader cache for the module, so each packet's files are read (and OCR'd) once."""
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="module")
def packets(tmp_path_factory) -> Path:
    """Two packets from the sample generator: a DOCX, and a folder of PDFs, DOCX, XLSX and a scan."""
    from sample_docs.generate import generate_packet

    root = tmp_path_factory.mktemp("generated")
    generate_packet("docx", root, seed=1)
    generate_packet("folder", root, seed=2)
    return root / "packets"


def comparable(result: PacketResult) -> dict:
    data = result.to_json_dict()
    data.pop("timings", None)
    return data


def settings_in(tmp_path: Path, data_dir: Path | None = None, **kw) -> Settings:
    """A results store of the test's own; the reader cache shared when `data_dir` is given."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    return Settings(data_dir=data_dir or tmp_path / "data", db_url=f"sqlite:///{tmp_path / 'results.sqlite'}", **kw)


def test_packet_flow_matches_driver_and_records_the_run(packets: Path, tmp_path: Path, shared_data_dir: Path):
    settings = settings_in(tmp_path, shared_data_dir)
    source = next(p for p in sorted(packets.iterdir()) if p.is_dir())  # the folder: PDFs fan out
    expected = process_packet(source, tmp_path / "driver", settings)

    state = process_packet_flow(source, tmp_path / "flow", settings, return_state=True)
    result = state.result()
    assert comparable(result) == comparable(expected)
    assert set(result.timings) >= {"load", "read", "sections", "extraction", "checks", "reports"}
    for name in ("result.json", "report.html", "report.xlsx"):
        assert (tmp_path / "flow" / result.packet_id / name).is_file()

    store = ResultStore.from_settings(settings)
    run = store.latest_for(packet_hash(source), "auto", result.code_version)
    assert run is not None and run.packet_id == result.packet_id and run.status.value == result.status
    assert len(store.findings_for(run.id)) == len(result.findings)
    store.close()

    # a second run of the same bytes is served from the task cache
    again = process_packet_flow(source, tmp_path / "flow2", settings, record=False, return_state=True)
    assert comparable(again.result()) == comparable(expected)
    task_states = _task_states(again.state_details.flow_run_id)
    reads = task_states.get("read_member_task", set()) | task_states.get("pdf_text_pass_task", set())
    assert reads == {"Cached"}
    assert task_states["find_sections_task"] == {"Cached"}
    assert task_states["check_packet_task"] == {"Cached"}

    # its findings are published as a table artifact
    artifact = _artifact(findings_artifact_key(result.packet_id))
    assert artifact is not None and artifact.type == "table"


def test_batch_flow_matches_plain_batch_and_survives_a_broken_packet(packets: Path, tmp_path: Path, shared_data_dir: Path):
    inbox = tmp_path / "inbox"
    shutil.copytree(packets, inbox)
    os.symlink(tmp_path / "nowhere.pdf", inbox / "失效链接.pdf")  # a packet that cannot even be hashed

    plain = run_batch(inbox, tmp_path / "plain", settings_in(tmp_path / "a", shared_data_dir))
    flowed = batch_flow(inbox, tmp_path / "flowed", settings_in(tmp_path / "b", shared_data_dir))

    assert [_key(o) for o in flowed] == [_key(o) for o in plain]
    failures = [o for o in flowed if isinstance(o, PacketFailure)]
    assert [f.packet_id for f in failures] == ["失效链接"]
    for outcome in flowed:
        if isinstance(outcome, PacketResult):
            assert _artifact(findings_artifact_key(outcome.packet_id)) is not None
    for out in (tmp_path / "plain", tmp_path / "flowed"):
        assert (out / "summary.xlsx").is_file() and (out / "batch.json").is_file()

    # unchanged packets are not processed again: the stored result is reused
    runs_before = ResultStore.from_settings(settings_in(tmp_path / "b", shared_data_dir)).run_counts_by_hash()
    again = run_batch(inbox, tmp_path / "again", settings_in(tmp_path / "b", shared_data_dir))
    assert [_key(o) for o in again] == [_key(o) for o in plain]
    assert ResultStore.from_settings(settings_in(tmp_path / "b", shared_data_dir)).run_counts_by_hash() == runs_before
    for outcome in again:
        if isinstance(outcome, PacketResult):
            assert (tmp_path / "again" / outcome.packet_id / "result.json").is_file()


def test_nightly_rechecks_only_packets_whose_ruleset_changed(packets: Path, tmp_path: Path, shared_data_dir: Path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    docx_packet = next(p for p in packets.iterdir() if p.suffix == ".docx")
    shutil.copy(docx_packet, inbox / docx_packet.name)
    auto = settings_in(tmp_path, shared_data_dir)
    run_batch(inbox, tmp_path / "out", auto)  # stored under the "auto" ruleset request
    store = ResultStore.from_settings(auto)
    first = store.run_counts_by_hash()

    pinned = settings_in(tmp_path, shared_data_dir, ruleset="2022")
    outcomes = nightly_flow(tmp_path / "nightly", pinned)
    assert sorted(o.packet_id for o in outcomes) == sorted(r.packet_id for r in store.stored_packets())
    assert store.run_counts_by_hash() == {h: n + 1 for h, n in first.items()}
    assert all(r.ruleset_requested == "2022" for r in store.stored_packets())
    assert (tmp_path / "nightly" / "summary.xlsx").is_file()

    nightly_flow(tmp_path / "nightly", pinned)  # nothing changed since: nothing re-checked
    assert store.run_counts_by_hash() == {h: n + 1 for h, n in first.items()}
    store.close()


def test_scanned_pages_fan_out_a_few_at_a_time_and_match_the_driver(tmp_path: Path):
    """Six scanned pages: one task of two pages (one Tesseract run for both), then one page a task."""
    from test_pdf_reader import full_page_scan_pdf

    settings = settings_in(tmp_path, use_cache=False)
    source = full_page_scan_pdf(tmp_path / "扫描件.pdf", [100, 150, 200, 100, 150, 200])
    expected = process_packet(source, tmp_path / "driver", settings)
    state = process_packet_flow(source, tmp_path / "flow", settings, record=False, return_state=True)
    assert comparable(state.result()) == comparable(expected)
    assert expected.files[0].ocr_pages == [1, 2, 3, 4, 5, 6]
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id])))
    ocr_runs = sorted(run.name for run in runs if run.task_key.startswith("ocr_pdf_pages_task"))
    assert len(ocr_runs) == 5 and sum(name.count(",") for name in ocr_runs) == 1, ocr_runs


def test_tasks_call_the_stage_functions(tmp_path: Path):
    settings = settings_in(tmp_path, use_cache=False)
    source = tiny_docx(tmp_path / "集群.docx", 1)
    packet = load_packet(source, tmp_path / "work", settings)
    docs, _ = read_packet(packet, settings)

    outcome = read_member_task.fn(packet.members[0], settings)
    assert outcome.document.model_dump() == docs[0].model_dump()
    index = find_sections_task.fn(docs, docs_content_key(docs))
    assert index.cover.cluster_name == "测试县第1特色食品产业集群"


def test_cache_keys_follow_content_and_reader_settings(tmp_path: Path):
    settings = settings_in(tmp_path)
    a = tiny_docx(tmp_path / "a" / "集群.docx", 1)
    b = tiny_docx(tmp_path / "b" / "另一个名字.docx", 1)
    member_a = load_packet(a, tmp_path / "wa", settings).members[0]
    member_b = load_packet(b, tmp_path / "wb", settings).members[0]
    same_bytes = member_a.sha256 == member_b.sha256
    key = lambda m, s: member_cache_key(None, {"member": m, "settings": s})  # noqa: E731
    assert (key(member_a, settings) == key(member_b, settings)) == same_bytes
    assert key(member_a, settings) != key(member_a, settings_in(tmp_path, ocr_dpi=200))
    assert key(member_a, settings) == key(member_a, settings_in(tmp_path / "elsewhere", workers=1))


def _key(outcome) -> tuple:
    if isinstance(outcome, PacketFailure):
        return (outcome.packet_id, "error")
    return (outcome.packet_id, outcome.status, tuple(sorted(outcome.counts().items())))


def _task_states(flow_run_id) -> dict[str, set[str]]:
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])))
    states: dict[str, set[str]] = {}
    for run in runs:
        states.setdefault(run.task_key.rsplit("-", 1)[0], set()).add(run.state.name)
    return states


def _artifact(key: str):
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))
    return found[0] if found else None


def test_watcher_runs_packets_through_the_packet_flow(tmp_path: Path, shared_data_dir: Path):
    settings = settings_in(tmp_path, shared_data_dir)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    tiny_docx(inbox / "流程集群.docx", 3)
    stop = threading.Event()
    watching = threading.Thread(
        target=run_watcher, args=(inbox, tmp_path / "out", settings),
        kwargs={"quiet_seconds": 0.5, "stop_event": stop, "use_flow": True},
    )
    watching.start()
    try:
        deadline = time.monotonic() + 120
        done = StateDirs.for_inbox(inbox).done
        while not (done / "流程集群.docx").exists() and time.monotonic() < deadline and watching.is_alive():
            time.sleep(0.2)
    finally:
        stop.set()
        watching.join(timeout=30)
    assert (done / "流程集群.docx").exists()
    assert (tmp_path / "out" / "流程集群" / "result.json").is_file()
    runs = ResultStore.from_settings(settings).runs()
    assert [(r.packet_id, r.origin) for r in runs] == [("流程集群", "watch")]
    with get_client(sync_client=True) as client:
        flow_runs = client.read_flow_runs()
    assert "packet-流程集群.docx" in {r.name for r in flow_runs}


def test_deployments_schedule_the_nightly_batch_and_the_watcher(tmp_path: Path):
    watch, nightly = build_deployments(tmp_path / "inbox", tmp_path / "out", cron="30 1 * * *", timezone="Asia/Shanghai")
    assert (watch.name, nightly.name) == ("drop-folder", "nightly-recheck")
    cron = nightly.schedules[0].schedule
    assert (cron.cron, cron.timezone) == ("30 1 * * *", "Asia/Shanghai")
    assert nightly.parameters == {"out_dir": str((tmp_path / "out").resolve())}
    assert watch.parameters["inbox"] == str((tmp_path / "inbox").resolve())
    assert watch.concurrency_limit == 1
