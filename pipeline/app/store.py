"""The results store: one row per processed packet run, one row per finding.

It is what makes the batch cache, the watcher's exactly-once guarantee and the
nightly re-check possible: a run is looked up by (packet hash, requested
ruleset, code version). SQLite under `settings.data_dir` by default; any
SQLAlchemy URL (PostgreSQL via `CLUSTER_INTAKE_DB_URL`) otherwise.

The schema is Alembic's (`pipeline/app/migrations`): opening a store upgrades it
in place, a store made before the migrations existed included. Times are stored
with their zone (UTC) and shown in Asia/Shanghai by the commands that print them.
"""

from __future__ import annotations


import enum
import json
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column, relationship, sessionmaker

from pipeline.app.migrate import upgrade_schema
from pipeline.app.schema import AwareDateTime, Base
from pipeline.core.result import PacketResult

AUTO_RULESET = "auto"  # the requested ruleset when it is chosen from the packet's 填报日期


def requested_ruleset(settings) -> str:
    """The ruleset part of every cache key: what was asked for, not what the packet chose."""
    return settings.ruleset or AUTO_RULESET


class RunStatus(str, enum.Enum):
    PASS = "pass"
    REVIEW = "review"
    FAIL = "fail"
    ERROR = "error"  # the packet could not be processed at all (a PacketFailure)

    @property
    def completed(self) -> bool:
        return self is not RunStatus.ERROR


class Run(Base):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    packet_id: Mapped[str] = mapped_column(String(255), index=True)
    packet_hash: Mapped[str] = mapped_column(String(64), index=True)
    file_hashes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # member name → sha256
    ruleset_requested: Mapped[str] = mapped_column(String(32))  # "auto" or a ruleset name
    ruleset: Mapped[str | None] = mapped_column(String(32))  # the ruleset applied
    code_version: Mapped[str] = mapped_column(String(32))
    status: Mapped[RunStatus] = mapped_column(Enum(RunStatus, native_enum=False, length=16))
    errors: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[int] = mapped_column(Integer, default=0)
    infos: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str | None] = mapped_column(Text)  # one line, for status "error"
    timings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    started_at: Mapped[datetime] = mapped_column(AwareDateTime())
    finished_at: Mapped[datetime] = mapped_column(AwareDateTime())
    output_dir: Mapped[str | None] = mapped_column(Text)  # out_dir/<packet_id>
    source_path: Mapped[str | None] = mapped_column(Text)  # where the packet's bytes are kept
    origin: Mapped[str] = mapped_column(String(32), default="cli")  # cli | batch | watch | flow | nightly
    # migration 0002: what the workbench and `history` show without opening result.json
    cluster_name: Mapped[str | None] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # the contract result.json

    findings: Mapped[list["FindingRow"]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="FindingRow.id"
    )

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.packet_hash, self.ruleset_requested, self.code_version)


class FindingRow(Base):
    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64), index=True)
    severity: Mapped[str] = mapped_column(String(16))
    item: Mapped[int | None] = mapped_column(Integer)
    field: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    finding_id: Mapped[str | None] = mapped_column(String(32), index=True)  # contract finding `id`

    run: Mapped[Run] = relationship(back_populates="findings")


@dataclass(frozen=True)
class StoredRun:
    """A detached, read-only view of a run (safe to use after the session closes)."""

    id: int
    packet_id: str
    packet_hash: str
    file_hashes: dict[str, str]
    ruleset_requested: str
    ruleset: str | None
    code_version: str
    status: RunStatus
    errors: int
    warnings: int
    infos: int
    reason: str | None
    timings: dict[str, float]
    started_at: datetime
    finished_at: datetime
    output_dir: str | None
    source_path: str | None
    origin: str
    cluster_name: str | None = None
    region: str | None = None

    @property
    def completed(self) -> bool:
        return self.status.completed

    @classmethod
    def of(cls, run: Run) -> "StoredRun":
        """Every field read off the row while its session is open; mappings copied, not shared."""
        values = {f.name: getattr(run, f.name) for f in fields(cls)}
        values["file_hashes"] = dict(values["file_hashes"] or {})
        values["timings"] = dict(values["timings"] or {})
        return cls(**values)


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL + a busy timeout: the watcher, a batch and a Prefect worker may write at once."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        database = url.split("///", 1)[1] if "///" in url else ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


class ResultStore:
    """Runs and findings in one database; every method opens and closes its own session."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        upgrade_schema(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings) -> "ResultStore":
        return cls(settings.database_url)

    def close(self) -> None:
        self.engine.dispose()

    # writing ---------------------------------------------------------------

    def record(
        self,
        result: PacketResult,
        *,
        packet_hash: str,
        ruleset_requested: str,
        file_hashes: dict[str, str] | None = None,
        started_at: datetime | None = None,
        finished_at: datetime | None = None,
        output_dir: Path | str | None = None,
        source_path: Path | str | None = None,
        origin: str = "cli",
    ) -> int:
        """Store one finished packet and its findings; returns the run id."""
        counts = result.counts()
        finished = finished_at or _utcnow()
        run = Run(
            packet_id=result.packet_id,
            packet_hash=packet_hash,
            file_hashes=file_hashes if file_hashes is not None else {f.name: f.sha256 for f in result.files},
            ruleset_requested=ruleset_requested,
            ruleset=result.ruleset,
            code_version=result.code_version or "",
            status=RunStatus(result.status),
            errors=counts["error"],
            warnings=counts["warning"],
            infos=counts["info"],
            timings=dict(result.timings),
            started_at=started_at or finished,
            finished_at=finished,
            output_dir=str(output_dir) if output_dir is not None else None,
            source_path=str(source_path) if source_path is not None else None,
            origin=origin,
            cluster_name=result.cover.cluster_name,
            region=result.cover.region,
            result=result.to_json_dict(),
            findings=[
                FindingRow(
                    code=f.code.value,
                    severity=f.severity.value,
                    item=f.item,
                    field=f.field,
                    message=f.message,
                    finding_id=f.id,
                )
                for f in result.findings
            ],
        )
        return self._add(run)

    def record_failure(
        self,
        *,
        packet_id: str,
        packet_hash: str,
        ruleset_requested: str,
        code_version: str,
        reason: str,
        started_at: datetime | None = None,
        source_path: Path | str | None = None,
        origin: str = "cli",
    ) -> int:
        """Store a packet that could not be processed at all, with its one-line reason."""
        finished = _utcnow()
        run = Run(
            packet_id=packet_id,
            packet_hash=packet_hash,
            file_hashes={},
            ruleset_requested=ruleset_requested,
            ruleset=None,
            code_version=code_version,
            status=RunStatus.ERROR,
            reason=reason,
            timings={},
            started_at=started_at or finished,
            finished_at=finished,
            source_path=str(source_path) if source_path is not None else None,
            origin=origin,
        )
        return self._add(run)

    def _add(self, run: Run) -> int:
        with self._sessions.begin() as session:
            session.add(run)
            session.flush()
            return run.id

    # reading ---------------------------------------------------------------

    def latest_for(self, packet_hash: str, ruleset_requested: str, code_version: str) -> StoredRun | None:
        """The newest run of these exact bytes under this ruleset and code version."""
        stmt = (
            select(Run)
            .where(
                Run.packet_hash == packet_hash,
                Run.ruleset_requested == ruleset_requested,
                Run.code_version == code_version,
            )
            .order_by(Run.finished_at.desc(), Run.id.desc())
            .limit(1)
        )
        with self._sessions() as session:
            run = session.scalars(stmt).first()
            return StoredRun.of(run) if run else None

    def latest_of_content(self, packet_hash: str, ruleset_requested: str) -> StoredRun | None:
        """The newest run of these exact bytes under this ruleset, whatever the code version.

        The watcher's exactly-once key: a source edit between two watcher runs changes
        the code version, and must not make content already processed look new
        (bringing stale runs up to date is the nightly re-check's job).
        """
        stmt = (
            select(Run)
            .where(Run.packet_hash == packet_hash, Run.ruleset_requested == ruleset_requested)
            .order_by(Run.finished_at.desc(), Run.id.desc())
            .limit(1)
        )
        with self._sessions() as session:
            run = session.scalars(stmt).first()
            return StoredRun.of(run) if run else None

    def get(self, run_id: int) -> StoredRun | None:
        with self._sessions() as session:
            run = session.get(Run, run_id)
            return StoredRun.of(run) if run else None

    def runs(self, packet_hash: str | None = None) -> list[StoredRun]:
        stmt = select(Run).order_by(Run.id)
        if packet_hash is not None:
            stmt = stmt.where(Run.packet_hash == packet_hash)
        with self._sessions() as session:
            return [StoredRun.of(r) for r in session.scalars(stmt)]

    def run_counts_by_hash(self) -> dict[str, int]:
        stmt = select(Run.packet_hash, func.count(Run.id)).group_by(Run.packet_hash)
        with self._sessions() as session:
            return {h: n for h, n in session.execute(stmt)}

    def stored_packets(self) -> list[StoredRun]:
        """The newest run of every packet id: what the nightly re-check starts from."""
        newest = (
            select(Run.packet_id, func.max(Run.id).label("max_id")).group_by(Run.packet_id).subquery()
        )
        stmt = select(Run).join(newest, Run.id == newest.c.max_id).order_by(Run.packet_id)
        with self._sessions() as session:
            return [StoredRun.of(r) for r in session.scalars(stmt)]

    def findings_for(self, run_id: int) -> list[dict[str, Any]]:
        stmt = select(FindingRow).where(FindingRow.run_id == run_id).order_by(FindingRow.id)
        with self._sessions() as session:
            return [
                {"code": f.code, "severity": f.severity, "item": f.item, "field": f.field, "message": f.message}
                for f in session.scalars(stmt)
            ]

    def stale_packets(self, ruleset_requested: str, code_version: str) -> list[StoredRun]:
        """Stored packets whose newest run used another ruleset request or code version."""
        return [
            run
            for run in self.stored_packets()
            if (run.ruleset_requested, run.code_version) != (ruleset_requested, code_version)
        ]

    # the workbench and `history` ---------------------------------------------

    def history(self, packet_id: str | None = None, limit: int | None = None) -> list[StoredRun]:
        """Every recorded run (of one packet id), newest first."""
        stmt = select(Run).order_by(Run.finished_at.desc(), Run.id.desc())
        if packet_id is not None:
            stmt = stmt.where(Run.packet_id == packet_id)
        if limit:
            stmt = stmt.limit(limit)
        with self._sessions() as session:
            return [StoredRun.of(r) for r in session.scalars(stmt)]

    def latest_completed(self) -> list[StoredRun]:
        """The newest completed run of every packet id (what the dashboard lists)."""
        newest = (
            select(Run.packet_id, func.max(Run.id).label("max_id"))
            .where(Run.status != RunStatus.ERROR)
            .group_by(Run.packet_id)
            .subquery()
        )
        stmt = select(Run).join(newest, Run.id == newest.c.max_id).order_by(Run.packet_id)
        with self._sessions() as session:
            return [StoredRun.of(r) for r in session.scalars(stmt)]

    def result_of(self, run: StoredRun) -> dict[str, Any] | None:
        """The contract result of a run: stored with it, or (older runs) its result.json."""
        with self._sessions() as session:
            stored = session.get(Run, run.id)
            if stored is not None and stored.result:
                return dict(stored.result)
        if run.output_dir:
            path = Path(run.output_dir) / "result.json"
            try:
                return json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return None
        return None

    def latest_result(self, packet_id: str) -> tuple[StoredRun, dict[str, Any]] | None:
        for run in self.history(packet_id):
            if run.completed:
                result = self.result_of(run)
                if result is not None:
                    return run, result
        return None

    def replace_result(self, run_id: int, result: PacketResult) -> None:
        """A run's result amended after the fact (findings that need the whole batch: CROSS_PACKET_DUPLICATE)."""
        counts = result.counts()
        with self._sessions.begin() as session:
            run = session.get(Run, run_id)
            run.result = result.to_json_dict()
            run.status = RunStatus(result.status)
            run.errors, run.warnings, run.infos = counts["error"], counts["warning"], counts["info"]
            run.findings = [
                FindingRow(code=f.code.value, severity=f.severity.value, item=f.item, field=f.field,
                           message=f.message, finding_id=f.id)
                for f in result.findings
            ]
