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
from flows.packet_flow import findings_artifact_key, packet_via_flow, process_packet_flow
from extractors.analysis.sections import find_sections
from pipeline.app.watcher import StateDirs, run_watcher
from pipeline.app.batch import PacketFailure, run_batch
from pipeline.app.driver import process_packet
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


def test_packet_flow_matches_driver_and_reuses_cached_reads(packets: Path, tmp_path: Path, shared_data_dir: Path):
    settings = settings_in(tmp_path, shared_data_dir)
    source = next(p for p in sorted(packets.iterdir()) if p.is_dir())  # the folder: PDFs, DOCX, XLSX, a scan
    expected = process_packet(source, tmp_path / "driver", settings)

    state = process_packet_flow(source, tmp_path / "flow", settings, return_state=True)
    result = state.result()
    assert comparable(result) == comparable(expected)
    assert set(result.timings) >= {"load", "read", "sections", "extraction", "checks", "reports"}
    for name in ("result.json", "report.html", "report.xlsx"):
        assert (tmp_path / "flow" / result.packet_id / name).is_file()
    # every stage of the driver ran as a task of its own
    stage_tasks = {key for key in _task_states(state.state_details.flow_run_id)}
    assert {"load_packet", "find_sections", "extract_indicators", "extract_lists", "check_packet",
            "write_packet_outputs"} <= stage_tasks, stage_tasks

    # the same bytes again: every file comes from the reader cache, no reading step runs
    again = process_packet_flow(source, tmp_path / "flow2", settings, return_state=True)
    assert comparable(again.result()) == comparable(expected)
    assert "reading_step_task" not in _task_states(again.state_details.flow_run_id)

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
    state = process_packet_flow(source, tmp_path / "flow", settings, return_state=True)
    assert comparable(state.result()) == comparable(expected)
    assert expected.files[0].ocr_pages == [1, 2, 3, 4, 5, 6]
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[state.state_details.flow_run_id])))
    ocr_runs = sorted(run.name for run in runs if " p" in run.name)
    assert len(ocr_runs) == 5 and sum(name.count(",") for name in ocr_runs) == 1, ocr_runs


def test_stage_tasks_call_the_stage_functions_themselves():
    from flows.packet_flow import _task_for

    assert _task_for(find_sections).fn is find_sections and _task_for(find_sections).name == "find-sections"


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
        kwargs={"quiet_seconds": 0.5, "stop_event": stop, "processor": packet_via_flow},
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
