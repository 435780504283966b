"""The one place that prepares Prefect's environment; imported before `prefect` itself.

Prefect reads its settings from the environment when it is first imported, so
every module in `flows/` imports this module first (through `flows/__init__.py`).
Values already set by the operator win (`setdefault`): a real Prefect server
(`PREFECT_API_URL`) or another home can still be chosen from outside.
"""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.core.settings import get_settings


def prefect_home(data_dir: Path) -> Path:
    return data_dir / "prefect"


def configure_prefect_env() -> dict[str, str]:
    """Point Prefect at `settings.data_dir / "prefect"`, telemetry off, quiet logs."""
    settings = get_settings()
    home = prefect_home(settings.data_dir)
    home.mkdir(parents=True, exist_ok=True)
    wanted = {
        "PREFECT_HOME": str(home),
        # telemetry off; it also prints a "database is locked" traceback otherwise
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        # the temporary local server needs 7-20 s on 2 cores; give it room
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
        # cached task results live beside the home, not in ~/.prefect
        "PREFECT_LOCAL_STORAGE_PATH": str(home / "storage"),
        "PREFECT_LOGGING_LOG_PRINTS": "false",
        # Tesseract spends 5x longer per page when it spawns its own threads
        "OMP_THREAD_LIMIT": "1",
    }
    for key, value in wanted.items():
        os.environ.setdefault(key, value)
    return {key: os.environ[key] for key in wanted}


PREFECT_ENV = configure_prefect_env()
