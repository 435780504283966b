"""Bring a results store's schema to the newest Alembic revision, in place.

A store made before the migrations existed (tables created directly, no
`alembic_version`) is stamped at the first revision, which is exactly that
schema, and then upgraded: its runs stay. Several processes opening the same
store at once (the watcher, a batch, a Prefect worker) is fine: a lost race is
retried against the revision the winner left.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BASELINE = "0001"  # the schema before migrations: runs and findings

_LOCK = threading.Lock()
ATTEMPTS = 20  # about 15 s of retries: a busy machine, several processes starting together


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_schema(engine: Engine) -> None:
    """Upgrade to head (nothing to do when it is there already: one cheap read)."""
    head = head_revision()
    with _LOCK:
        for attempt in range(ATTEMPTS):
            try:
                current = current_revision(engine)
                if current == head:
                    return
                config = alembic_config(engine)
                if current is None and "runs" in inspect(engine).get_table_names():
                    command.stamp(config, BASELINE)  # a store from before the migrations
                command.upgrade(config, "head")
                return
            except (OperationalError, ProgrammingError, IntegrityError):
                if attempt == ATTEMPTS - 1:  # another process kept the lock or won every race
                    raise
                time.sleep(min(0.1 * (attempt + 1), 1.0))
