"""The reviewer workbench's operations over the store, shared by the web server and the CLI."""

from __future__ import annotations

from typing import Any

from pipeline.app.effective import effective_view, in_force
from pipeline.app.resubmission import changes_since_previous
from pipeline.app.reviews import DecisionKind, DecisionView, ReviewStore
from pipeline.app.store import ResultStore, StoredRun
from pipeline.core.result import PacketResult

FINDING_KEYS = ("code", "severity", "item", "field", "message", "evidence")


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

    def decisions(self, run: StoredRun, every: dict[str, dict[str, DecisionView]] | None = None,
                  latest: list[StoredRun] | None = None) -> dict[str, DecisionView]:
        """The decisions in force for a run's findings: its own packet's, and for a resubmission under
        another packet id, the confirmations and dismissals made on the same cluster's earlier packets
        (not their corrections: the new packet's values are read afresh)."""
        every = every if every is not None else self.reviews.all_decisions()
        merged: dict[str, DecisionView] = {}
        if run.cluster_name:
            earlier = sorted((r for r in (latest if latest is not None else self.store.latest_completed())
                              if r.packet_id != run.packet_id and (r.cluster_name, r.region) == (run.cluster_name, run.region)
                              and r.finished_at <= run.finished_at), key=lambda r: r.finished_at)
            for other in earlier:
                merged.update({k: d for k, d in every.get(other.packet_id, {}).items()
                               if d.decision != DecisionKind.CORRECT.value})
        merged.update(every.get(run.packet_id, {}))
        return merged

    def packets(self) -> list[dict[str, Any]]:
        """Every packet's latest completed run with its effective verdict."""
        every = self.reviews.all_decisions()
        ranks = self.reviews.ranks()
        latest = self.store.latest_completed()
        rows = []
        for run in latest:
            result = self.store.result_of(run)
            if result is None:
                continue
            view = effective_view(result, self.decisions(run, every, latest))
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
                "rank": ranks.get(run.packet_id),
                "finished_at": run.finished_at.isoformat(),
            })
        return rows

    def set_rank(self, packet_id: str, rank: Any, user: str) -> None:
        if self.store.latest_result(packet_id) is None:
            raise NotFound(packet_id)
        if rank in (None, ""):
            value = None
        else:
            try:
                value = int(str(rank).strip())
            except ValueError:
                raise BadDecision("the rank must be a whole number") from None
            if value < 1:
                raise BadDecision("the rank starts at 1")
        self.reviews.set_rank(packet_id, value, user)

    def effective_results(self) -> list[PacketResult]:
        """Every packet's latest result as the reviewers left it, in 推荐排序 order (unranked last).

        Status is the effective status; dismissed and superseded findings are left out,
        and findings a corrected value raised are in. What the signed 附件4 summary is made from.
        """
        ranks = self.reviews.ranks()
        out = []
        for row in self.packets():
            view = self.packet(row["packet_id"])
            kept = [{k: v for k, v in f.items() if k in FINDING_KEYS} for f in view["findings"] if in_force(f)]
            data = {k: v for k, v in view.items() if k in PacketResult.model_fields}
            indicators = {k: dict(v, value=v.get("corrected_value", v.get("value")))
                          for k, v in (view.get("indicators") or {}).items()}
            data.update(findings=kept, status=view["effective_status"], indicators=indicators)
            out.append(PacketResult.model_validate(data))
        return sorted(out, key=lambda r: (r.packet_id not in ranks, ranks.get(r.packet_id, 0), r.packet_id))

    def packet(self, packet_id: str, *, with_changes: bool = False) -> dict[str, Any]:
        latest = self.store.latest_result(packet_id)
        if latest is None:
            raise NotFound(packet_id)
        run, result = latest
        view = effective_view(result, self.decisions(run))
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
        view = effective_view(result, self.decisions(run))
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
