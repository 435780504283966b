"""The quantitative criteria of 附件1 tested on the item-1 indicators.

Every threshold, year and wording comes from the `Ruleset`; this module only knows
how to read indicator values and how to phrase what failed.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.core.result import Evidence, Finding, FindingCode, Indicator
from pipeline.rounds.parts import Condition, Threshold, format_number
from pipeline.rounds.ruleset import Ruleset

ITEM_APPLICATION_FORM = 1  # every indicator is read from item 1 (申报表)


def scalar_value(indicators: dict[str, Indicator], key: str) -> float | None:
    """The indicator's number, or None when it is absent or not a single number."""
    indicator = indicators.get(key)
    value = indicator.value if indicator else None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def yearly_values(indicators: dict[str, Indicator], key: str) -> dict[int, float]:
    """{year: value} of a by-year indicator; years or values that are not numbers are left out."""
    indicator = indicators.get(key)
    value = indicator.value if indicator else None
    if not isinstance(value, dict):
        return {}
    out: dict[int, float] = {}
    for year, amount in value.items():
        if str(year).strip().isdigit() and isinstance(amount, (int, float)) and not isinstance(amount, bool):
            out[int(str(year).strip())] = float(amount)
    return out


BY_YEAR_KEYS = frozenset({"output_yi_by_year"})  # the contract's only by-year indicator


def indicator_present(indicators: dict[str, Indicator], key: str) -> bool:
    """A by-year indicator with at least one year, or a scalar one with a number."""
    if key in BY_YEAR_KEYS:
        return bool(yearly_values(indicators, key))
    return scalar_value(indicators, key) is not None


def indicator_evidence(indicators: dict[str, Indicator], *keys: str) -> list[Evidence]:
    out = []
    for key in keys:
        indicator = indicators.get(key)
        if indicator is not None and indicator.evidence is not None:
            out.append(indicator.evidence)
    return out


# --- INDICATOR_MISSING ------------------------------------------------------------------------


def missing_indicators(indicators: dict[str, Indicator], ruleset: Ruleset) -> list[Finding]:
    """One finding per indicator a criterion needs and the form does not give (once per key)."""
    findings: list[Finding] = []
    reported: set[str] = set()

    def report(key: str, criterion_heading: str, detail: str = "") -> None:
        if key in reported:
            return
        reported.add(key)
        findings.append(
            ruleset.finding(
                FindingCode.INDICATOR_MISSING,
                item=ITEM_APPLICATION_FORM,
                field=key,
                evidence=indicator_evidence(indicators, key),
                label=ruleset.label(key),
                criterion=criterion_heading,
                detail=detail,
            )
        )

    for criterion in ruleset.criteria:
        for key in criterion.needs:
            if not indicator_present(indicators, key):
                report(key, criterion.heading)
            elif key == "output_yi_by_year":
                absent = [y for y in ruleset.years if y not in yearly_values(indicators, key)]
                if absent:
                    years = "、".join(str(y) for y in absent)
                    report(key, criterion.heading, detail=f"（缺少{years}年数据）")
        for group in criterion.needs_any:
            if not any(indicator_present(indicators, key) for key in group):
                for key in group:
                    report(key, criterion.heading)
    return findings


# --- thresholds -------------------------------------------------------------------------------


@dataclass
class ConditionOutcome:
    condition: Condition
    passed: bool
    total: float | None = None  # the summed value, for single-value conditions
    failing_years: dict[int, float] | None = None  # per-year conditions: the years below the bar


def _evaluate(condition: Condition, indicators: dict[str, Indicator], ruleset: Ruleset) -> ConditionOutcome | None:
    """The condition's outcome, or None when there is nothing to test (the value is missing)."""
    if condition.per_year:
        by_year = yearly_values(indicators, condition.fields[0])
        tested = {y: by_year[y] for y in ruleset.years if y in by_year}
        if not tested:
            return None
        failing = {y: v for y, v in tested.items() if not condition.passes(v)}
        return ConditionOutcome(condition, passed=not failing, failing_years=failing)
    values = [scalar_value(indicators, key) for key in condition.fields]
    total = sum(v for v in values if v is not None)
    return ConditionOutcome(condition, passed=condition.passes(total), total=total)


def _detail(outcomes: list[ConditionOutcome]) -> str:
    """"2019年38亿元、2020年39.5亿元" for years; "…合计0家（须不少于1家），…" for summed conditions."""
    parts = []
    for outcome in outcomes:
        condition = outcome.condition
        if outcome.failing_years is not None:
            years = sorted(outcome.failing_years.items())
            parts.append("、".join(f"{year}年{format_number(value)}{condition.unit}" for year, value in years))
        elif outcome.total is not None:
            label = condition.label or ""
            parts.append(f"{label}{format_number(outcome.total)}{condition.unit}（须{condition.describe()}）")
    return "，".join(parts)


def check_threshold(
    code: FindingCode, threshold: Threshold, indicators: dict[str, Indicator], ruleset: Ruleset
) -> Finding | None:
    """A finding when no condition of the threshold holds; None when one holds or nothing can be tested.

    Fields of a multi-field threshold (the enterprise counts) that are missing count as
    zero, but only when at least one of them is present.
    """
    if not any(indicator_present(indicators, key) for key in threshold.fields):
        return None
    outcomes = [_evaluate(condition, indicators, ruleset) for condition in threshold.any_of]
    tested = [o for o in outcomes if o is not None]
    if not tested or any(o.passed for o in tested):
        return None
    first = tested[0]
    fields = threshold.fields
    single_field = fields[0] if len(set(fields)) == 1 else None
    failing_years = first.failing_years or {}
    return ruleset.finding(
        code,
        item=ITEM_APPLICATION_FORM,
        field=single_field,
        evidence=indicator_evidence(indicators, *dict.fromkeys(fields)),
        value=first.total if first.total is not None else "",
        threshold=first.condition.value,
        unit=first.condition.unit,
        wording=first.condition.wording,
        rule=threshold.rule,
        label=ruleset.label(single_field) if single_field else "",
        detail=_detail(tested),
        criterion=ruleset.criterion(threshold.criterion).heading,
        years="、".join(str(y) for y in sorted(failing_years)),
    )


def check_criteria(indicators: dict[str, Indicator], ruleset: Ruleset,
                   trusted: dict[str, Indicator] | None = None) -> list[Finding]:
    """INDICATOR_MISSING first, then each threshold in the rule file's order, tested on the
    `trusted` values only (a value set aside as uncertain is given, but not tested)."""
    findings = missing_indicators(indicators, ruleset)
    for code, threshold in ruleset.thresholds.items():
        finding = check_threshold(code, threshold, indicators if trusted is None else trusted, ruleset)
        if finding is not None:
            findings.append(finding)
    return findings
