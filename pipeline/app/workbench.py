"""The reviewer workbench's operations over the store, shared by the web server and the CLI."""

from __future__ import annotations

from typing import Any

from pipeline.app.effective import effective_view
from pipeline.app.resubmission import changes_since_previous
from pipeline.app.reviews import DecisionKind, ReviewStore
from pipeline.app.store import ResultStore


class NotFound(LookupError):
    pass


class BadDecision(ValueError):
    pass


class Workbench:
    def __init__(self, store: ResultStore) -> None:
        self.store = store
        self.reviews = ReviewStore(store)

    @classmethod
    def from_settings(cls, settings) -> "Workbench":
        return cls(ResultStore.from_settings(settings))

    def close(self) -> None:
        self.store.close()

    def packets(self) -> list[dict[str, Any]]:
        """Every packet's latest completed run with its effective verdict."""
        decisions = self.reviews.all_decisions()
        rows = []
        for run in self.store.latest_completed():
            result = self.store.result_of(run)
            if result is None:
                continue
            view = effective_view(result, decisions.get(run.packet_id, {}))
            rows.append({
                "packet_id": run.packet_id,
                "cluster_name": (view.get("cover") or {}).get("cluster_name"),
                "region": (view.get("cover") or {}).get("region"),
                "status": view.get("status"),
                "effective_status": view["effective_status"],
                "errors": run.errors,
                "warnings": run.warnings,
                "decisions": sum(1 for f in view["findings"] if f.get("decision")),
                "undecided": view["undecided"],
                "finished_at": run.finished_at.isoformat(),
            })
        return rows

    def packet(self, packet_id: str, *, with_changes: bool = False) -> dict[str, Any]:
        latest = self.store.latest_result(packet_id)
        if latest is None:
            raise NotFound(packet_id)
        run, result = latest
        view = effective_view(result, self.reviews.decisions_for(packet_id))
        view["run"] = {"id": run.id, "finished_at": run.finished_at.isoformat(), "origin": run.origin,
                       "code_version": run.code_version}
        if with_changes:
            view["changes"] = changes_since_previous(self.store, run, result)
        return view

    def decide(self, packet_id: str, finding_id: str, user: str, body: dict[str, Any]) -> dict[str, Any]:
        """Record a decision; returns the packet's new view. NotFound / BadDecision for a bad request."""
        latest = self.store.latest_result(packet_id)
        if latest is None:
            raise NotFound(packet_id)
        run, result = latest
        view = effective_view(result, self.reviews.decisions_for(packet_id))
        finding = next((f for f in view["findings"] if f["id"] == finding_id), None)
        if finding is None:
            raise NotFound(finding_id)
        try:
            kind = DecisionKind(body.get("decision"))
        except ValueError:
            raise BadDecision("decision must be confirm, dismiss or correct") from None
        reason = (body.get("reason") or "").strip() or None
        field, value = None, None
        if kind is DecisionKind.DISMISS and not reason:
            raise BadDecision("a dismissal needs a reason")
        if kind is DecisionKind.CORRECT:
            field = body.get("field") or finding.get("field")
            if not field or field not in (result.get("indicators") or {}):
                raise BadDecision("a correction names an indicator field")
            value = _number(body.get("value"))
        self.reviews.decide(packet_id=packet_id, finding_id=finding_id, decision=kind, user=user,
                            reason=reason, field=field, value=value, run_id=run.id)
        return self.packet(packet_id)


def _number(raw: Any) -> float:
    try:
        value = float(str(raw).strip().rstrip("%"))
    except (TypeError, ValueError):
        raise BadDecision("the corrected value must be a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise BadDecision("the corrected value must be a finite number")
    return int(value) if value.is_integer() else value
