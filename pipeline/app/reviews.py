"""What reviewers add to the store: users, their decisions on findings, and the audit log.

A decision is attached to a finding's stable `id` (contract) within a packet id,
so every later run of the packet that raises the same finding shows it again.
Decisions are appended, never changed: the newest one for a finding is the one in
force, and every state change is also written to the audit log (both tables refuse
UPDATE and DELETE at the database, migration 0002).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import JSON, Integer, String, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from pipeline.app.schema import AwareDateTime, Base
from pipeline.app.store import ResultStore


class Role(str, enum.Enum):
    REVIEWER = "reviewer"
    ADMIN = "admin"


class DecisionKind(str, enum.Enum):
    CONFIRM = "confirm"
    DISMISS = "dismiss"
    CORRECT = "correct"  # the value read was wrong: `value` holds the right one for `field`


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(AwareDateTime())


class Decision(Base):
    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    packet_id: Mapped[str] = mapped_column(String(255))
    finding_id: Mapped[str] = mapped_column(String(32))
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    field: Mapped[str | None] = mapped_column(String(64))
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    user: Mapped[str] = mapped_column(String(64))
    run_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(AwareDateTime())


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(AwareDateTime())
    user: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    packet_id: Mapped[str | None] = mapped_column(String(255))
    finding_id: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[Any] = mapped_column(JSON, nullable=True)


class Ranking(Base):
    __tablename__ = "rankings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    packet_id: Mapped[str] = mapped_column(String(255), index=True)
    rank: Mapped[int | None] = mapped_column(Integer)
    user: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(AwareDateTime())


@dataclass(frozen=True)
class DecisionView:
    finding_id: str
    decision: str
    reason: str | None
    field: str | None
    value: Any
    user: str
    at: datetime

    def to_json(self) -> dict[str, Any]:
        out = {"decision": self.decision, "reason": self.reason, "user": self.user, "at": self.at.isoformat()}
        if self.decision == DecisionKind.CORRECT.value:
            out.update(field=self.field, value=self.value)
        return out


class UserExists(Exception):
    pass


_HASHER = PasswordHasher()


def _now() -> datetime:
    return datetime.now(timezone.utc)


class ReviewStore:
    """Users, decisions and the audit log over a results store's engine."""

    def __init__(self, store: ResultStore) -> None:
        self.store = store
        self._sessions = store._sessions

    # users ---------------------------------------------------------------

    def add_user(self, name: str, role: Role, password: str) -> None:
        if not name or not password:
            raise ValueError("name and password are required")
        try:
            with self._sessions.begin() as session:
                session.add(User(name=name, role=Role(role).value, password_hash=_HASHER.hash(password),
                                 created_at=_now()))
                session.add(AuditEntry(at=_now(), user=None, action="user_add", detail={"name": name, "role": role}))
        except IntegrityError as exc:
            raise UserExists(name) from exc

    def authenticate(self, name: str, password: str) -> tuple[str, str] | None:
        """(name, role) when the password is right; the attempt is audited either way."""
        with self._sessions() as session:
            user = session.scalars(select(User).where(User.name == name)).first()
            ok = False
            if user is not None:
                try:
                    ok = _HASHER.verify(user.password_hash, password)
                except (VerificationError, InvalidHashError):
                    ok = False
            found = (user.name, user.role) if ok and user else None
        self.audit(name if found else None, "login" if found else "login_failed", detail={"username": name})
        return found

    def role_of(self, name: str) -> str | None:
        with self._sessions() as session:
            user = session.scalars(select(User).where(User.name == name)).first()
            return user.role if user else None

    # decisions -----------------------------------------------------------

    def decide(self, *, packet_id: str, finding_id: str, decision: DecisionKind, user: str,
               reason: str | None = None, field: str | None = None, value: Any = None,
               run_id: int | None = None) -> DecisionView:
        at = _now()
        with self._sessions.begin() as session:
            session.add(Decision(packet_id=packet_id, finding_id=finding_id, decision=decision.value, reason=reason,
                                 field=field, value=value, user=user, run_id=run_id, at=at))
            session.add(AuditEntry(at=at, user=user, action=f"decision_{decision.value}", packet_id=packet_id,
                                   finding_id=finding_id,
                                   detail={"reason": reason, "field": field, "value": value, "run_id": run_id}))
        return DecisionView(finding_id, decision.value, reason, field, value, user, at)

    def decisions_for(self, packet_id: str) -> dict[str, DecisionView]:
        """The decision in force for each finding id of the packet (the newest)."""
        stmt = select(Decision).where(Decision.packet_id == packet_id).order_by(Decision.id)
        with self._sessions() as session:
            return {
                d.finding_id: DecisionView(d.finding_id, d.decision, d.reason, d.field, d.value, d.user, d.at)
                for d in session.scalars(stmt)
            }

    def all_decisions(self) -> dict[str, dict[str, DecisionView]]:
        out: dict[str, dict[str, DecisionView]] = {}
        with self._sessions() as session:
            for d in session.scalars(select(Decision).order_by(Decision.id)):
                out.setdefault(d.packet_id, {})[d.finding_id] = DecisionView(
                    d.finding_id, d.decision, d.reason, d.field, d.value, d.user, d.at)
        return out

    # 推荐排序 -------------------------------------------------------------

    def set_rank(self, packet_id: str, rank: int | None, user: str) -> None:
        at = _now()
        with self._sessions.begin() as session:
            session.add(Ranking(packet_id=packet_id, rank=rank, user=user, at=at))
            session.add(AuditEntry(at=at, user=user, action="rank", packet_id=packet_id, detail={"rank": rank}))

    def ranks(self) -> dict[str, int]:
        """packet id → its 推荐排序 (the newest setting; packets taken out of the order left out)."""
        out: dict[str, int | None] = {}
        with self._sessions() as session:
            for r in session.scalars(select(Ranking).order_by(Ranking.id)):
                out[r.packet_id] = r.rank
        return {k: v for k, v in out.items() if v is not None}

    # audit ---------------------------------------------------------------

    def audit(self, user: str | None, action: str, *, packet_id: str | None = None,
              finding_id: str | None = None, detail: Any = None) -> None:
        with self._sessions.begin() as session:
            session.add(AuditEntry(at=_now(), user=user, action=action, packet_id=packet_id,
                                   finding_id=finding_id, detail=detail))

    def audit_log(self) -> list[dict[str, Any]]:
        with self._sessions() as session:
            return [
                {"at": a.at, "user": a.user, "action": a.action, "packet_id": a.packet_id,
                 "finding_id": a.finding_id, "detail": a.detail}
                for a in session.scalars(select(AuditEntry).order_by(AuditEntry.id))
            ]
