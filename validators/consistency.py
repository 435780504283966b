"""Do the item-1 numbers agree with each other and with the lists?

Stated counts are compared with the lists of items 3 and 8, the stated growth with
the growth the three years' output imply, the stated patent density with patents ÷
employees. Tolerances and comparison rules come from the `Ruleset`.
"""

from __future__ import annotations

from collections import Counter

from pipeline.core.result import Finding, FindingCode, Indicator, Lists
from validators.criteria import ITEM_APPLICATION_FORM, indicator_evidence, scalar_value, yearly_values
from validators.lists import MAX_EVIDENCE, effective_patent_kind, enterprise_groups, patent_key
from pipeline.rounds.parts import format_number
from pipeline.rounds.ruleset import Ruleset

LIST_NAMES = {
    "key_enterprises": "第3项重点企业名单",
    "patents": "第8项有效发明专利清单",
}


def honour_counts_listed(lists: Lists) -> Counter[str]:
    """Enterprises per honour in the item-3 list, an enterprise listed twice counted once."""
    counts: Counter[str] = Counter()
    for group in enterprise_groups(lists.key_enterprises):
        honours = {h for entry in group for h in entry.honors}
        counts.update(honours)
    return counts


def _count_differs(stated: float, listed: int, enumerated: bool, rule: str) -> bool:
    if rule == "differs":
        return stated != listed
    if rule == "list_exceeds":
        return listed > stated
    # differs_if_listed: more than stated always; fewer only when the list enumerates the honour
    return listed > stated or (enumerated and listed < stated)


def check_honour_counts(indicators: dict[str, Indicator], lists: Lists, ruleset: Ruleset) -> list[Finding]:
    """COUNT_MISMATCH per honour whose stated count disagrees with the item-3 list.

    Nothing is compared when the list is empty or carries no honours at all (its
    honour column was not there or not read).
    """
    enterprises = lists.key_enterprises
    if not enterprises or not any(e.honors for e in enterprises):
        return []
    listed_counts = honour_counts_listed(lists)
    rule = ruleset.consistency.honour_count_rule
    findings = []
    for honour, key in ruleset.consistency.honour_counts.items():
        stated = scalar_value(indicators, key)
        if stated is None:
            continue
        listed = listed_counts.get(honour, 0)
        if _count_differs(stated, listed, enumerated=listed > 0, rule=rule):
            holders = [e for e in enterprises if honour in e.honors]
            findings.append(
                ruleset.finding(
                    FindingCode.COUNT_MISMATCH,
                    item=ITEM_APPLICATION_FORM,
                    field=key,
                    evidence=indicator_evidence(indicators, key)
                    + [e.evidence for e in holders[:MAX_EVIDENCE] if e.evidence is not None],
                    label=ruleset.label(key),
                    stated=stated,
                    listed=listed,
                    list_name=LIST_NAMES["key_enterprises"],
                )
            )
    return findings


def patents_listed(lists: Lists, ruleset: Ruleset) -> int:
    """Distinct patent numbers in the item-8 list, within the rule file's counting scope."""
    entries = lists.patents
    if ruleset.consistency.patent_count_scope == "invention_like":
        kinds = set(ruleset.consistency.invention_like_kinds)
        entries = [e for e in entries if effective_patent_kind(e, ruleset) in kinds]
    return len({patent_key(e.number) for e in entries if e.number.strip()})


def check_patent_count(indicators: dict[str, Indicator], lists: Lists, ruleset: Ruleset) -> list[Finding]:
    """COUNT_MISMATCH when valid_invention_patents differs from the patents listed (list non-empty)."""
    stated = scalar_value(indicators, "valid_invention_patents")
    if stated is None or not lists.patents:
        return []
    listed = patents_listed(lists, ruleset)
    if stated == listed:
        return []
    return [
        ruleset.finding(
            FindingCode.COUNT_MISMATCH,
            item=ITEM_APPLICATION_FORM,
            field="valid_invention_patents",
            evidence=indicator_evidence(indicators, "valid_invention_patents"),
            label=ruleset.label("valid_invention_patents"),
            stated=stated,
            listed=listed,
            list_name=LIST_NAMES["patents"],
        )
    ]


def compound_growth_pct(by_year: dict[int, float], first_year: int, last_year: int) -> float:
    """Average annual growth from first_year to last_year: ((last/first)^(1/span) − 1) × 100."""
    span = last_year - first_year
    return ((by_year[last_year] / by_year[first_year]) ** (1 / span) - 1) * 100


def check_growth(indicators: dict[str, Indicator], ruleset: Ruleset) -> list[Finding]:
    """GROWTH_INCONSISTENT when stated growth and the output-implied growth differ by more than the tolerance.

    Uses the round's years that are present (first → last); needs two of them and a
    positive first-year output.
    """
    stated = scalar_value(indicators, "output_growth_pct")
    by_year = yearly_values(indicators, "output_yi_by_year")
    years = [y for y in ruleset.years if y in by_year]
    if stated is None or len(years) < 2 or by_year[years[0]] <= 0 or by_year[years[-1]] < 0:
        return []
    computed = compound_growth_pct(by_year, years[0], years[-1])
    diff = abs(stated - computed)
    tolerance = ruleset.consistency.growth_tolerance_points
    if round(diff, 9) <= tolerance:
        return []
    return [
        ruleset.finding(
            FindingCode.GROWTH_INCONSISTENT,
            item=ITEM_APPLICATION_FORM,
            field="output_growth_pct",
            evidence=indicator_evidence(indicators, "output_growth_pct", "output_yi_by_year"),
            stated=stated,
            computed=round(computed, 2),
            diff=round(diff, 2),
            first_year=str(years[0]),
            last_year=str(years[-1]),
            tolerance=tolerance,
        )
    ]


def check_density(indicators: dict[str, Indicator], ruleset: Ruleset) -> list[Finding]:
    """DENSITY_INCONSISTENT when patents_per_10k is off from patents ÷ employees × 10000 by more than the tolerance."""
    stated = scalar_value(indicators, "patents_per_10k")
    patents = scalar_value(indicators, "valid_invention_patents")
    employees = scalar_value(indicators, "employees")
    if stated is None or patents is None or employees is None or employees <= 0:
        return []
    computed = patents / employees * 10000
    if computed == 0:
        relative = 0.0 if stated == 0 else float("inf")
    else:
        relative = abs(stated - computed) / computed
    tolerance = ruleset.consistency.density_tolerance_relative
    if round(relative, 9) <= tolerance:
        return []
    return [
        ruleset.finding(
            FindingCode.DENSITY_INCONSISTENT,
            item=ITEM_APPLICATION_FORM,
            field="patents_per_10k",
            evidence=indicator_evidence(indicators, "patents_per_10k", "valid_invention_patents", "employees"),
            stated=stated,
            computed=round(computed, 2),
            diff="∞" if relative == float("inf") else format_number(round(relative * 100, 1)),
            patents=patents,
            employees=employees,
            tolerance=format_number(tolerance * 100),
        )
    ]


def check_consistency(indicators: dict[str, Indicator], lists: Lists, ruleset: Ruleset) -> list[Finding]:
    """Counts against lists, then growth, then density."""
    return (
        check_honour_counts(indicators, lists, ruleset)
        + check_patent_count(indicators, lists, ruleset)
        + check_growth(indicators, ruleset)
        + check_density(indicators, ruleset)
    )
