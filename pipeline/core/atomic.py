"""Atomic file writes: a reader (or a crash) never sees a half-written output.

Each write goes to a temporary file in the destination folder, is flushed to
disk, then moved over the target with `os.replace` (atomic on one filesystem).
"""

from __future__ import annotations

import logging
import os
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

log = logging.getLogger(__name__)


def _current_umask() -> int:
    """The process umask, read without changing it (Linux /proc), else the common 022."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError as exc:
        log.debug("umask not readable from /proc (%s); assuming 022", exc)
    return 0o022


def _mode_for(target: Path) -> int:
    """Keep an existing file's mode; a new file gets the usual 0666 minus the umask (not mkstemp's 0600)."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~_current_umask()


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success it replaces `target`.

    For writers that want a file name (openpyxl's `Workbook.save`). On any
    exception the temporary file is removed and the exception propagates.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp_name)
    try:
        os.chmod(tmp_path, _mode_for(target))
        yield tmp_path
        with open(tmp_path, "rb+") as written:
            os.fsync(written.fileno())
        os.replace(tmp_path, target)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def write_bytes_atomic(target: Path, data: bytes) -> None:
    """Write `data` to `target` atomically."""
    with atomic_path(target) as tmp_path:
        tmp_path.write_bytes(data)


def write_text_atomic(target: Path, text: str, encoding: str = "utf-8") -> None:
    """Write `text` to `target` atomically (UTF-8 by default)."""
    write_bytes_atomic(target, text.encode(encoding))
