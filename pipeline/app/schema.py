"""The declarative base of every stored table and the one column type for times.

A time is stored with its zone: PostgreSQL keeps `timestamptz`; SQLite, which has
no time type, gets ISO 8601 text in UTC with its offset (`2026-12-07 04:57:00.000000+00:00`),
one fixed width so that text order is time order. A time read back is always aware.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

DISPLAY_ZONE = ZoneInfo("Asia/Shanghai")
SQLITE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f%z"


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON}


class AwareDateTime(TypeDecorator):
    """A timezone-aware datetime on every backend (naive values are refused when written)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(32))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("a stored time needs its zone")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return sqlite_text(value)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:  # written before times carried their zone: they were UTC
            value = value.replace(tzinfo=timezone.utc)
        return value


def sqlite_text(value: datetime) -> str:
    """`2026-12-07 04:57:00.000000+00:00`: UTC, fixed width."""
    text = value.astimezone(timezone.utc).strftime(SQLITE_TIME_FORMAT)
    return text[:-2] + ":" + text[-2:]


def local_time(value: datetime) -> datetime:
    """A stored time as the reviewers read it (Asia/Shanghai)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(DISPLAY_ZONE)


def local_text(value: datetime | None) -> str:
    return local_time(value).strftime("%Y-%m-%d %H:%M") if value else ""
