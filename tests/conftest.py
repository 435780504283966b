"""Shared fixtures: one temporary Prefect server for every test module that needs one."""

from __future__ import annotations

import os

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

import pytest


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory):
    """A temporary Prefect server, and task results stored in a temporary folder (no stale cache)."""
    import flows.prefect_env  # noqa: F401  (Prefect's environment before prefect is imported)
    from prefect.settings import PREFECT_LOCAL_STORAGE_PATH, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    storage = tmp_path_factory.mktemp("prefect-storage")
    with prefect_test_harness(server_startup_timeout=120):
        with temporary_settings(updates={PREFECT_LOCAL_STORAGE_PATH: storage}):
            yield
