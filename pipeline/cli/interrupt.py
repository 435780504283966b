"""One Ctrl-C (SIGINT) or SIGTERM: the command stops within seconds, exit 130, one line.

The first signal raises `KeyboardInterrupt` in the main thread (so `finally` blocks
remove temporary folders and no output is left half-written: every output is written
to a temporary name and renamed) and starts a reaper thread that ends every worker
and every other descendant process at once. Whichever finishes first — the main
thread's unwinding or the reaper's grace period — prints the one line and leaves with
`os._exit`, so no interpreter-exit join (multiprocessing's, Prefect's) can hang it.
Further signals are ignored; logging is switched off so that no thread prints a
traceback of the interruption.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading

from pipeline.core.errors import ExitCode
from pipeline.core.workers import end_every_process, start_thread

INTERRUPTED_LINE = "已中断"
GRACE_SECONDS = 4.0  # the main thread's unwinding may take this long before the reaper ends it

_state = threading.Lock()
_interrupted = threading.Event()
_reaped = threading.Event()
_exiting = threading.Lock()


def interrupted() -> bool:
    return _interrupted.is_set()


def install() -> None:
    """Make SIGINT and SIGTERM interrupt this command (call from the main thread)."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _on_signal)


def _on_signal(signum, frame) -> None:
    with _state:
        if _interrupted.is_set():
            return
        _interrupted.set()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)
    logging.disable(logging.CRITICAL)
    start_thread(_reap, name="interrupt-reaper")
    raise KeyboardInterrupt


def _reap() -> None:
    try:
        end_every_process()
    finally:
        _reaped.set()
    # the main thread normally calls leave() well before this
    threading.Event().wait(GRACE_SECONDS)
    leave()


def leave() -> None:
    """The one line and exit 130, once; waits (briefly) for the reaper's sweep."""
    if not _interrupted.is_set():  # KeyboardInterrupt without our handler (a test harness)
        _interrupted.set()
        logging.disable(logging.CRITICAL)
        end_every_process()
        _reaped.set()
    _reaped.wait(GRACE_SECONDS)
    with _exiting:
        try:
            sys.stdout.flush()
        except Exception:  # noqa: BLE001 - a closed pipe must not stop the exit
            pass
        try:
            os.write(2, f"{INTERRUPTED_LINE}\n".encode())
        finally:
            os._exit(int(ExitCode.INTERRUPTED))
