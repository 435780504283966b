"""The one worker policy (pipeline/core/workers.py): limits that end a task, never the caller."""

from __future__ import annotations

import os
import signal
import time

import pytest

from pipeline.core.settings import Settings
from pipeline.core.workers import WorkerFailed, WorkerPool, PoolShape


def _allocate(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))


def _sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def _exit_abruptly(code: int) -> None:
    os._exit(code)


def _interrupt_myself(_: int) -> str:
    os.kill(os.getpid(), signal.SIGINT)  # a worker ignores Ctrl-C: only the parent decides
    time.sleep(0.2)
    return "still here"


@pytest.fixture(scope="module")
def pool():
    pool = WorkerPool(PoolShape.of(Settings(workers=2, memory_limit_mb=3072)))
    yield pool
    pool.terminate()


def test_a_task_past_the_memory_cap_fails_alone_and_the_pool_goes_on(pool):
    results = pool.map(_allocate, [8000, 50], timeout=60)
    assert isinstance(results[0], WorkerFailed) and results[0].kind == "memory" and "3072 MB" in results[0].reason
    assert results[1] == 50 * 1024 * 1024


def test_a_task_past_its_time_limit_is_killed(pool):
    started = time.monotonic()
    results = pool.map(_sleep, [30, 0.01], timeout=1)
    assert isinstance(results[0], WorkerFailed) and results[0].kind == "timeout" and "超时" in results[0].reason
    assert results[1] == 0.01 and time.monotonic() - started < 20


def test_a_worker_that_dies_is_reported_and_replaced(pool):
    results = pool.map(_exit_abruptly, [7], timeout=30)
    assert isinstance(results[0], WorkerFailed) and results[0].kind == "crashed" and "7" in results[0].reason
    assert pool.run(_allocate, 1, timeout=30) == 1024 * 1024


def test_workers_ignore_ctrl_c(pool):
    assert pool.run(_interrupt_myself, 0, timeout=30) == "still here"
