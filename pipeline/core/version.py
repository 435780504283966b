"""What results and caches are keyed on: the release plus a fingerprint of the sources."""

from __future__ import annotations

import hashlib
from pathlib import Path

__version__ = "0.1.0"

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _source_fingerprint() -> str:
    """sha256 over the code and rule files: any change to them invalidates every cache and stored result."""
    digest = hashlib.sha256()
    for package in ("pipeline", "extractors", "validators"):
        for path in sorted((PROJECT_ROOT / package).rglob("*")):
            if path.suffix in {".py", ".yaml", ".j2"} and "__pycache__" not in path.parts:
                digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


CODE_VERSION = f"{__version__}+{_source_fingerprint()}"
