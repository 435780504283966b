"""CROSS_PACKET_DUPLICATE: a patent, a lead-role standard or an enterprise claimed by two packets of a round.

A round is the applied ruleset. The other packets are those of the same batch
and the newest stored run of every other packet under that ruleset; a packet of
the same cluster (name and region) is a resubmission, not another claimant. Both
packets get the finding, naming the other: the batch's results are amended (their
result.json and stored run), and so is a stored packet that gains one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from pipeline.app.store import ResultStore, StoredRun
from pipeline.core.atomic import write_text_atomic
from pipeline.core.result import Evidence, Finding, FindingCode, PacketResult
from pipeline.rounds.ruleset import load_ruleset

log = logging.getLogger(__name__)

CODE = FindingCode.CROSS_PACKET_DUPLICATE
KIND_ITEM = {"patent": 8, "standard": 7, "enterprise": 3}
KIND_LABEL = {"patent": "专利", "standard": "主持制修订的标准", "enterprise": "统一社会信用代码"}


@dataclass
class Claimant:
    """One packet and what it claims: (kind, key) → (label shown, evidence or None).

    A stored packet is kept as its JSON and parsed only if it has to be amended.
    """

    packet_id: str
    cluster: tuple[str | None, str | None]
    data: dict[str, Any] | PacketResult
    run_id: int | None = None
    output_dir: str | None = None
    claims: dict[tuple[str, str], tuple[str, Evidence | None]] = field(default_factory=dict)

    @property
    def result(self) -> PacketResult:
        if not isinstance(self.data, PacketResult):
            self.data = PacketResult.model_validate(self.data)
        return self.data

    @property
    def title(self) -> str:
        name = self.cluster[0]
        return f"「{self.packet_id}」（{name}）" if name else f"「{self.packet_id}」"


def _norm(text: str) -> str:
    return "".join(text.split()).upper()


def _evidence(entry: dict[str, Any]) -> Evidence | None:
    raw = entry.get("evidence")
    return Evidence.model_validate(raw) if raw else None


def claims_of(data: dict[str, Any]) -> dict[tuple[str, str], tuple[str, Evidence | None]]:
    """A result's (JSON) patents, lead-role standards and enterprise credit codes."""
    lists = data.get("lists") or {}
    out: dict[tuple[str, str], tuple[str, Evidence | None]] = {}
    for p in lists.get("patents") or []:
        if p.get("number"):
            out.setdefault(("patent", _norm(p["number"])), (p["number"], _evidence(p)))
    for s in lists.get("standards") or []:
        if s.get("number") and s.get("role") == "lead":
            out.setdefault(("standard", _norm(s["number"])), (s["number"], _evidence(s)))
    for e in lists.get("key_enterprises") or []:
        if e.get("uscc"):
            out.setdefault(("enterprise", _norm(e["uscc"])), (f"{e['uscc']}（{e.get('name')}）", _evidence(e)))
    return out


def claimant(result: PacketResult | dict[str, Any], run: StoredRun | None = None) -> Claimant:
    data = result.to_json_dict() if isinstance(result, PacketResult) else result
    cover = data.get("cover") or {}
    return Claimant(
        packet_id=data["packet_id"],
        cluster=(cover.get("cluster_name"), cover.get("region")),
        data=result,
        run_id=run.id if run else None,
        output_dir=run.output_dir if run else None,
        claims=claims_of(data),
    )


def _same_cluster(a: Claimant, b: Claimant) -> bool:
    return a.packet_id == b.packet_id or (a.cluster[0] is not None and a.cluster == b.cluster)


def duplicate_findings(own: Claimant, others: Iterable[Claimant]) -> list[Finding]:
    ruleset = load_ruleset(own.result.ruleset)
    findings = []
    others = [o for o in others if not _same_cluster(own, o)]
    for key, (label, evidence) in own.claims.items():
        holders = [o for o in others if key in o.claims]
        if not holders:
            continue
        kind = key[0]
        names = "、".join(o.title for o in holders)
        findings.append(ruleset.finding(CODE, item=KIND_ITEM[kind], evidence=[evidence] if evidence else [],
                                        what=KIND_LABEL[kind], number=label, others=names))
    return findings


def with_duplicates(result: PacketResult, findings: list[Finding]) -> PacketResult | None:
    """The result with its CROSS_PACKET_DUPLICATE findings replaced; None when nothing changes."""
    kept = [f for f in result.findings if f.code is not CODE]
    old = sorted(f.id + f.message for f in result.findings if f.code is CODE)
    if old == sorted(f.id + f.message for f in findings):
        return None
    amended = result.model_copy(update={"findings": kept + findings})
    amended.status = amended.compute_status()
    return amended


def _save(store: ResultStore, target: Claimant, amended: PacketResult) -> None:
    if target.run_id is not None:
        store.replace_result(target.run_id, amended)
    if target.output_dir and (Path(target.output_dir) / "result.json").is_file():
        write_text_atomic(Path(target.output_dir) / "result.json", amended.to_json() + "\n")


def stored_claimants(store: ResultStore, ruleset: str, exclude: set[str]) -> list[Claimant]:
    out = []
    for run in store.latest_completed():
        if run.packet_id in exclude or run.ruleset != ruleset:
            continue
        data = store.result_of(run)
        if not isinstance(data, dict) or "packet_id" not in data:
            continue
        try:
            out.append(claimant(data, run))
        except ValueError:
            log.warning("stored result of %s unreadable: skipped for duplicates", run.packet_id)
    return out


def mark_cross_packet_duplicates(outcomes: list, out_dir: Path, store: ResultStore | None) -> list:
    """The batch's outcomes with CROSS_PACKET_DUPLICATE added where a claim is shared; saved where changed."""
    results = [o for o in outcomes if isinstance(o, PacketResult)]
    if not results:
        return outcomes
    latest = {}
    if store is not None:
        for run in store.latest_completed():
            latest[run.packet_id] = run
    batch = []
    for r in results:
        c = claimant(r, latest.get(r.packet_id))
        c.output_dir = str(out_dir / r.packet_id)
        batch.append(c)
    amended_by_id: dict[str, PacketResult] = {}
    for ruleset in {c.result.ruleset for c in batch}:
        members = [c for c in batch if c.result.ruleset == ruleset]
        stored = stored_claimants(store, ruleset, {c.packet_id for c in batch}) if store is not None else []
        for c in members:
            amended = with_duplicates(c.result, duplicate_findings(c, members + stored))
            if amended is not None:
                _save(store, c, amended) if store is not None else write_text_atomic(
                    Path(c.output_dir) / "result.json", amended.to_json() + "\n")
                amended_by_id[c.packet_id] = amended
        for s in stored:  # a stored packet the batch now shares a claim with gets it too
            if not any(key in m.claims for m in members for key in s.claims):
                continue
            amended = with_duplicates(s.result, duplicate_findings(s, members + [o for o in stored if o is not s]))
            if amended is not None:
                _save(store, s, amended)
    return [amended_by_id.get(o.packet_id, o) if isinstance(o, PacketResult) else o for o in outcomes]
