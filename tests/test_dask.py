"""The packet flow on a local Dask cluster (2 worker processes): same result as the driver."""

from __future__ import annotations

from pathlib import Path

import pytest

import flows  # noqa: F401  (Prefect's environment first)
from prefect_dask import DaskTaskRunner

from flows.packet_flow import process_packet_flow
from pipeline.app.driver import process_packet
from pipeline.core.settings import Settings
from test_watcher import tiny_docx


pytestmark = pytest.mark.usefixtures("prefect_server")


def test_packet_flow_on_a_local_dask_cluster(tmp_path: Path):
    packet = tmp_path / "集群 Dask"
    tiny_docx(packet / "01 申报表.docx", 1)
    tiny_docx(packet / "02 佐证材料.docx", 2, extra_pages=2)
    settings = Settings(data_dir=tmp_path / "data", use_cache=False)
    expected = process_packet(packet, tmp_path / "driver", settings)

    runner = DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1, "processes": True})
    on_dask = process_packet_flow.with_options(task_runner=runner)
    result = on_dask(packet, tmp_path / "dask", settings, publish=False)

    def comparable(r):
        data = r.to_json_dict()
        data.pop("timings")
        return data

    assert comparable(result) == comparable(expected)
    assert (tmp_path / "dask" / result.packet_id / "result.json").is_file()
