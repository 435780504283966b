"""Bring a results store's schema to the newest Alembic revision, in place.

A store made before the migrations existed (tables created directly, no
`alembic_version`) is stamped at the first revision, which is exactly that
schema, and then upgraded: its runs stay. Several processes opening the same
store at once (the watcher, a batch, a Prefect worker) is fine: the upgrade runs
under a lock between processes (a lock file beside an SQLite database, an advisory
lock on PostgreSQL), and a lost race is retried against the revision the winner left.
"""

from __future__ import annotations

import fcntl
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
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


MIGRATION_LOCK_KEY = 7_202_211  # PostgreSQL advisory lock id of this project's migrations


@contextmanager
def _between_processes(engine: Engine) -> Iterator[None]:
    """One migrating process at a time: without it, a process that saw the first one's new
    tables but not yet its alembic_version row stamped the baseline beside its head."""
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        lock_path = Path(f"{engine.url.database}.migrate.lock")
        with lock_path.open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    elif engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
    else:
        yield


def upgrade_schema(engine: Engine) -> None:
    """Upgrade to head (nothing to do when it is there already: one cheap read)."""
    head = head_revision()
    if current_revision(engine) == head:
        return
    with _LOCK, _between_processes(engine):
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
