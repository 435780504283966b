"""The one place that starts processes and threads, with one policy for all of them.

Reading runs in worker processes so that a hostile file costs at most its limits:

- start method **spawn**: the parent has threads (Prefect's task runner, the warm-up
  thread), and a forked child would inherit their locks held;
- each worker runs **one task at a time** under an address-space cap
  (`settings.memory_limit_mb`): an allocation past it is a `MemoryError` inside the
  worker, reported as `WorkerFailed("memory")`, never a machine-wide OOM;
- a task past its **time limit** has its worker killed (`WorkerFailed("timeout")`); a
  worker that dies (a crash, a signal) is `WorkerFailed("crashed")`; the pool replaces
  either worker and goes on;
- workers **ignore SIGINT**: Ctrl-C reaches the parent alone, which terminates every
  pool (`terminate_all`), so an interrupt leaves no process behind and prints no
  worker tracebacks.

Threads: `start_thread` for background work in this process (daemon threads, named).
External programs run in a session of their own, so that a Ctrl-C at the terminal reaches
this process alone, which then ends them: `run_program` (LibreOffice) under a time limit,
its whole process group killed when it ends; `start_program` (the Prefect server) until
`stop_program`.
"""

from __future__ import annotations

import atexit
import functools
import importlib
import multiprocessing
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
from contextlib import contextmanager
from concurrent.futures import Future, TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import pebble
import psutil

START_METHOD = "spawn"
# Engines that would otherwise start a thread per core in each worker (OpenMP, BLAS,
# OpenVINO, ONNX Runtime): two single-threaded workers beat one with two threads here.
_ONE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OMP_THREAD_LIMIT": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

_IN_WORKER = False


def in_worker() -> bool:
    """True inside a worker process (which never starts workers of its own)."""
    return _IN_WORKER


def can_start_workers() -> bool:
    """False inside one of our workers, or a daemonic process (a Dask worker), which may not have children."""
    return not _IN_WORKER and not multiprocessing.current_process().daemon


class WorkerFailed(Exception):
    """A task that did not come back: its worker ran out of time or memory, or died."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind  # "timeout" | "memory" | "crashed"
        self.reason = reason  # Simplified Chinese, to follow a verb: "读取" + "超时（超过 60 秒），已中止"


_PRELOAD: list[str] = []


def preload(module: str) -> None:
    """Have every worker started from now on import `module` first: a task's time limit
    then measures its work, not the imports of a fresh interpreter."""
    if module not in _PRELOAD:
        _PRELOAD.append(module)


def _worker_start(memory_bytes: int | None, modules: tuple[str, ...]) -> None:
    global _IN_WORKER
    _IN_WORKER = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.update(_ONE_THREAD_ENV)
    for module in modules:
        importlib.import_module(module)
    if memory_bytes:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            memory_bytes = min(memory_bytes, hard)  # never above a cap the caller already lives under
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to do
        return None


def _release_freed_memory() -> None:
    """Hand the heap's freed pages back to the system (glibc keeps them otherwise).

    An OCR page frees hundreds of MB of images and engine buffers in pieces; kept, they
    fragment into a resident size that grows page after page towards the worker's cap.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def _task(fn: Callable[..., Any], *args: Any) -> Any:
    """What a worker runs: the task, then its freed memory released."""
    try:
        return fn(*args)
    finally:
        _release_freed_memory()


_WRAPPER_ENV = "CLUSTER_INTAKE_WORKER_PYTHON"
_WRAPPER = "#!/bin/sh\n# a worker interpreter that starts with SIGINT ignored (kept through exec)\ntrap '' INT\nexec \"$%s\" \"$@\"\n" % _WRAPPER_ENV
_wrapper_path: str | None = None


def _sigint_ignoring_python() -> str:
    """The interpreter workers are spawned with: this one, started with SIGINT ignored.

    A terminal's Ctrl-C goes to the whole process group; a worker still importing (before
    its initializer runs) would die of it with a traceback. An ignored SIGINT is inherited
    through exec and Python keeps it ignored, so a worker (and the Tesseract it runs) never
    sees it: the parent alone handles the interrupt and ends them.
    """
    global _wrapper_path
    if _wrapper_path is None or not os.path.exists(_wrapper_path):
        fd, path = tempfile.mkstemp(prefix="cluster-intake-worker-", suffix=".sh")
        with os.fdopen(fd, "w") as handle:
            handle.write(_WRAPPER)
        os.chmod(path, 0o755)
        atexit.register(_remove, path)
        _wrapper_path = path
    os.environ[_WRAPPER_ENV] = sys.executable
    return _wrapper_path


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _spawn_context():
    context = multiprocessing.get_context(START_METHOD)
    context.set_executable(_sigint_ignoring_python())
    return context


@contextmanager
def sigint_blocked():
    """SIGINT blocked in this thread meanwhile, and in every thread and process started from it.

    A terminal's Ctrl-C goes to the whole process group: a worker still importing (before its
    initializer ignores SIGINT) would die with a KeyboardInterrupt traceback. Workers spawned
    with SIGINT blocked never see it; the parent alone handles the interrupt and ends them.
    """
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@dataclass(frozen=True)
class PoolShape:
    workers: int
    memory_limit_mb: int | None

    @classmethod
    def of(cls, settings) -> "PoolShape":
        limit = getattr(settings, "memory_limit_mb", None)
        return cls(max(1, int(settings.workers)), int(limit) if limit else None)


class WorkerPool:
    """`workers` spawned processes; tasks are plain picklable functions and arguments."""

    def __init__(self, shape: PoolShape) -> None:
        self.shape = shape
        memory = shape.memory_limit_mb * 1024 * 1024 if shape.memory_limit_mb else None
        with sigint_blocked():
            self._pool = self._start(memory)

    def _start(self, memory: int | None) -> pebble.ProcessPool:
        return pebble.ProcessPool(max_workers=self.shape.workers, initializer=_worker_start,
                                  initargs=(memory, tuple(_PRELOAD)),
                                  context=_spawn_context())

    def submit(self, fn: Callable[..., Any], *args: Any, timeout: float | None = None) -> Future:
        with sigint_blocked():  # pebble's threads, started here on first use, spawn every worker
            return self._pool.schedule(_task, args=(fn, *args), timeout=timeout if timeout and timeout > 0 else None)

    def outcome(self, future: Future, timeout: float | None = None) -> Any:
        """The task's result; a lost task raises `WorkerFailed`, the task's own exception propagates."""
        try:
            return future.result()
        except FutureTimeout:
            raise WorkerFailed("timeout", f"超时（超过 {timeout:g} 秒），已中止" if timeout else "超时，已中止") from None
        except MemoryError:
            limit = self.shape.memory_limit_mb
            raise WorkerFailed("memory", f"所需内存超过上限（{limit} MB），已中止" if limit else "内存不足，已中止") from None
        except pebble.ProcessExpired as error:
            raise WorkerFailed("crashed", f"进程异常退出（退出码 {error.exitcode}），文件可能已损坏或过大") from None
        except BrokenProcessPool as error:  # no worker could start (limits of the machine)
            raise WorkerFailed("crashed", f"处理进程无法启动（{error}）") from None

    def run(self, fn: Callable[..., Any], *args: Any, timeout: float | None = None) -> Any:
        return self.outcome(self.submit(fn, *args, timeout=timeout), timeout)

    def map(self, fn: Callable[..., Any], items: Sequence[Any], *args: Any,
            timeout: float | Callable[[Any], float | None] | None = None,
            collected: Callable[[Any], None] | None = None) -> list[Any]:
        """`fn(item, *args)` for every item, in order; a lost task gives its `WorkerFailed` in its place.

        `timeout` is seconds, or a function of the item (each file its own limit);
        `collected(item)` is called as each result is taken (progress)."""
        limit_of = timeout if callable(timeout) else (lambda _item: timeout)
        limits = [limit_of(item) for item in items]
        futures = [self.submit(fn, item, *args, timeout=limit) for item, limit in zip(items, limits)]
        results: list[Any] = []
        for item, limit, future in zip(items, limits, futures):
            try:
                results.append(self.outcome(future, limit))
            except WorkerFailed as failure:
                results.append(failure)
            if collected is not None:
                collected(item)
        return results

    def close(self) -> None:
        self._pool.close()
        self._pool.join()

    def terminate(self) -> None:
        """Kill every worker now (an interrupt, a shutdown)."""
        self._pool.stop()
        self._pool.join(timeout=2)


_POOLS: dict[PoolShape, WorkerPool] = {}
_POOLS_LOCK = threading.Lock()


def worker_pool(settings) -> WorkerPool:
    """This process's pool for `settings` (workers and memory cap), started on first use."""
    if not can_start_workers():
        raise RuntimeError("this process may not start worker processes")
    shape = PoolShape.of(settings)
    with _POOLS_LOCK:
        pool = _POOLS.get(shape)
        if pool is None or not pool._pool.active:
            pool = _POOLS[shape] = WorkerPool(shape)
        return pool


def terminate_all() -> None:
    """Kill every worker of every pool of this process (Ctrl-C, SIGTERM, exit)."""
    with _POOLS_LOCK:
        pools = list(_POOLS.values())
        _POOLS.clear()
    for pool in pools:
        pool.terminate()


atexit.register(terminate_all)


def end_every_process(grace: float = 1.5) -> None:
    """Interrupt: end every pool, then every descendant of this process (Tesseract under a
    worker, a Prefect server), SIGTERM first and SIGKILL for what is still there after `grace`."""
    me = psutil.Process()
    try:
        before = me.children(recursive=True)  # taken first: a killed worker's children are reparented
    except psutil.Error:
        before = []
    terminate_all()
    try:
        after = me.children(recursive=True)
    except psutil.Error:
        after = []
    victims = {p.pid: p for p in before + after}.values()
    for proc in victims:
        try:
            proc.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(list(victims), timeout=grace)
    for proc in alive:
        try:
            proc.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=grace)


def start_thread(target: Callable[[], Any], name: str) -> threading.Thread:
    """A daemon thread running `target` (background work that must never keep the process alive)."""
    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return thread


@dataclass(frozen=True)
class ProgramRun:
    returncode: int | None  # None: stopped at its time limit
    output: bytes  # stdout and stderr together


def run_program(command: Sequence[str], timeout: float, env: dict[str, str] | None = None) -> ProgramRun:
    """An external program, its output collected. It runs in a session of its own, so that at
    its time limit, at an interrupt and when it ends, the whole group is killed: helpers it
    leaves behind (LibreOffice's) never outlive it."""
    process = subprocess.Popen(list(command), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, start_new_session=True, env=env)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        return ProgramRun(None, b"")
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        process.wait()
    return ProgramRun(process.returncode, output)


def start_program(command: Sequence[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """A long-running external program, its output appended to `log`."""
    with log.open("ab") as output:
        return subprocess.Popen(list(command), env=env, stdout=output, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)


def stop_program(process: subprocess.Popen, grace: float = 15.0) -> None:
    """SIGTERM, then SIGKILL if it is still there after `grace` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
