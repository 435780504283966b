"""A stored result as the reviewer's decisions leave it.

Each finding gets its `decision` (or null). A corrected value (decision
"correct") replaces the indicator read and the checks that look only at the
indicators and lists (criteria, consistency) are run again at once: findings
they no longer raise are marked `superseded`, new ones are added. The
`effective_status` is the status without dismissed or superseded findings.
"""

from __future__ import annotations

import copy
from typing import Any

from pipeline.app.reviews import DecisionKind, DecisionView
from pipeline.core.result import Finding, Indicator, Lists, finding_id
from pipeline.rounds.ruleset import load_ruleset
from validators.consistency import check_consistency
from validators.criteria import check_criteria
from validators.uncertain import set_aside_uncertain

DISMISS = DecisionKind.DISMISS.value
CONFIRM = DecisionKind.CONFIRM.value
CORRECT = DecisionKind.CORRECT.value
UNCERTAIN = "VALUE_UNCERTAIN"  # a value the checks could not trust: a corrected value settles it


def ensure_ids(result: dict[str, Any]) -> dict[str, Any]:
    """Findings of results written before ids existed get theirs (the same function as today's runs)."""
    for f in result.get("findings") or []:
        if not f.get("id"):
            evidence = [(e.get("file"), e.get("page"), e.get("text")) for e in f.get("evidence") or []]
            f["id"] = finding_id(f["code"], f.get("item"), f.get("field"), evidence)
    return result


def status_of(findings: list[dict[str, Any]]) -> str:
    severities = {f["severity"] for f in findings}
    return "fail" if "error" in severities else "review" if "warning" in severities else "pass"


def counts_of(findings: list[dict[str, Any]]) -> dict[str, int]:
    out = {"error": 0, "warning": 0, "info": 0}
    for f in findings:
        out[f["severity"]] = out.get(f["severity"], 0) + 1
    return out


def in_force(finding: dict[str, Any]) -> bool:
    """Counts toward the effective status: not dismissed, not superseded by a corrected value."""
    decision = finding.get("decision") or {}
    return not finding.get("superseded") and decision.get("decision") != DISMISS


def corrections_of(decisions: dict[str, DecisionView]) -> dict[str, Any]:
    """field → corrected value, the newest correction of each field winning."""
    ordered = sorted((d for d in decisions.values() if d.decision == CORRECT and d.field), key=lambda d: d.at)
    return {d.field: d.value for d in ordered}


def _recheck(result: dict[str, Any], corrections: dict[str, Any]) -> tuple[set[str], list[dict[str, Any]]]:
    """(ids the indicator checks raise on the values read, findings they raise on the corrected values)."""
    ruleset = load_ruleset(result.get("ruleset") or "2022")
    indicators = {k: Indicator.model_validate(v) for k, v in (result.get("indicators") or {}).items()}
    lists = Lists.model_validate(result.get("lists") or {})
    trusted, _ = set_aside_uncertain(indicators, ruleset)  # as the run's checks saw them
    before = check_criteria(indicators, ruleset, trusted) + check_consistency(trusted, lists, ruleset)
    corrected = dict(indicators)
    for field, value in corrections.items():
        if field in corrected:
            corrected[field] = corrected[field].model_copy(update={"value": value})
    # a value the reviewer corrected is trusted, whatever the OCR said of it
    trusted_now = {k: v for k, v in corrected.items() if k in corrections or k in trusted}
    after: list[Finding] = (check_criteria(corrected, ruleset, trusted_now)
                            + check_consistency(trusted_now, lists, ruleset))
    return {f.id for f in before}, [f.model_dump(mode="json") for f in after]


def effective_view(result: dict[str, Any], decisions: dict[str, DecisionView]) -> dict[str, Any]:
    """The result with `decision` on each finding, corrections applied, and `effective_status`."""
    out = ensure_ids(copy.deepcopy(result))
    findings = out.get("findings") or []
    corrections = corrections_of(decisions)
    if corrections:
        checked_ids, rechecked = _recheck(out, corrections)
        rechecked_ids = {f["id"] for f in rechecked}
        for f in findings:
            if f["id"] in checked_ids and f["id"] not in rechecked_ids:
                f["superseded"] = True
            elif f["code"] == UNCERTAIN and f.get("field") in corrections:  # the reviewer read it instead
                f["superseded"] = True
        known = {f["id"] for f in findings}
        findings += [dict(f, added_by_correction=True) for f in rechecked if f["id"] not in known]
        for field, value in corrections.items():
            if field in (out.get("indicators") or {}):
                out["indicators"][field]["corrected_value"] = value
    for f in findings:
        decision = decisions.get(f["id"])
        f["decision"] = decision.to_json() if decision else None
    out["findings"] = findings
    effective = [f for f in findings if in_force(f)]
    out["effective_status"] = status_of(effective)
    out["effective_counts"] = counts_of(effective)
    out["undecided"] = sum(1 for f in findings if not f.get("superseded") and f["decision"] is None)
    return out


def notice_findings(view: dict[str, Any]) -> list[dict[str, Any]]:
    """What the county must supply or correct: every error in force and every confirmed warning."""
    out = []
    for f in view.get("findings") or []:
        if not in_force(f):
            continue
        decided = (f.get("decision") or {}).get("decision")
        if f["severity"] == "error" or (f["severity"] == "warning" and decided == CONFIRM):
            out.append(f)
    return out
