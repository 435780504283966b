"""VALUE_UNCERTAIN: the indicator values the criteria and consistency checks must not use.

A value read by OCR with a low confidence, a share over 100 %, or a year's output a
small fraction of another year's (a misread decimal point) would raise a verdict on a
misreading. Such a value is set aside with one warning that sends the reviewer to its
evidence; the checks run on the rest. So is a value read by OCR not quite surely whose
one digit, read as its look-alike, would make a failing consistency check hold: on a
scan that is far likelier a misreading than an inconsistency of the form. The floors
and the look-alike digits are the round's data (`consistency`).
"""

from __future__ import annotations

from pipeline.core.result import Finding, FindingCode, Indicator
from pipeline.rounds.parts import format_number
from pipeline.rounds.ruleset import Ruleset
from validators.consistency import check_density, check_growth
from validators.criteria import ITEM_APPLICATION_FORM

# the consistency checks between the form's own figures, and the indicators each reads
_RELATIONS = (
    (check_growth, ("output_growth_pct", "output_yi_by_year")),
    (check_density, ("patents_per_10k", "valid_invention_patents", "employees")),
)


def _doubt(key: str, indicator: Indicator, ruleset: Ruleset) -> str | None:
    """Why the value cannot be trusted, as the message's clause; None when it can."""
    rules = ruleset.consistency
    evidence = indicator.evidence
    if evidence is not None and evidence.confidence is not None and evidence.confidence < rules.uncertain_confidence_below:
        return f"识别置信度仅为{evidence.confidence:.0f}（低于{format_number(rules.uncertain_confidence_below)}）"
    figure = evidence.figure_confidence if evidence is not None else None
    if figure is not None and figure < rules.uncertain_figure_confidence_below:
        return (f"，其中最难辨认的数字识别置信度仅为{figure:.0f}"
                f"（低于{format_number(rules.uncertain_figure_confidence_below)}）")
    value = indicator.value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if key in rules.at_most_100 and value > 100:
            return "超过100%"
    elif isinstance(value, dict) and rules.implausible_year_ratio > 0:
        amounts = [v for v in value.values() if isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0]
        if len(amounts) >= 2 and min(amounts) < rules.implausible_year_ratio * max(amounts):
            return "各年份之间相差悬殊（可能误读了小数点）"
    return None


def _look_alikes(value: float, pairs: list[str]) -> list[tuple[str, float]]:
    """Each reading of `value` with one digit swapped for its look-alike, as (text, number)."""
    text = format_number(value)
    swaps = {}
    for a, b in pairs:
        swaps.setdefault(a, set()).add(b)
        swaps.setdefault(b, set()).add(a)
    found = []
    for i, char in enumerate(text):
        for other in sorted(swaps.get(char, ())):
            variant = text[:i] + other + text[i + 1:]
            if variant[0] == "0" and variant[1:2].isdigit():
                continue  # no figure is written with a leading zero
            found.append((variant, float(variant.replace(",", ""))))
    return found


def _variants(indicator: Indicator, pairs: list[str]):
    """(shown as read, shown as it may have been, the indicator so read) for every look-alike reading."""
    value = indicator.value
    if isinstance(value, dict):
        for year, amount in value.items():
            if isinstance(amount, (int, float)) and not isinstance(amount, bool):
                for text, number in _look_alikes(amount, pairs):
                    yield format_number(amount), text, indicator.model_copy(update={"value": {**value, year: number}})
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        for text, number in _look_alikes(value, pairs):
            yield format_number(value), text, indicator.model_copy(update={"value": number})


def _misread_doubts(indicators: dict[str, Indicator], ruleset: Ruleset) -> dict[str, str]:
    """{indicator: why} for the OCR-read values one look-alike digit away from making a failing check hold."""
    rules = ruleset.consistency
    share = rules.misread_tolerance_share
    strict = ruleset.model_copy(update={"consistency": rules.model_copy(update={
        "growth_tolerance_points": rules.growth_tolerance_points * share,
        "density_tolerance_relative": rules.density_tolerance_relative * share,
    })})
    doubts: dict[str, str] = {}
    for check, keys in _RELATIONS:
        if not check(indicators, ruleset):
            continue
        for key in keys:
            evidence = indicators[key].evidence if key in indicators else None
            figure = evidence.figure_confidence if evidence is not None else None
            if key in doubts or figure is None or figure >= rules.misread_figure_confidence_below:
                continue
            for read, may_be, variant in _variants(indicators[key], rules.confusable_digits):
                if not check({**indicators, key: variant}, strict):
                    doubts[key] = (f"与申报表中其他数值不一致，而若其中“{read}”实为“{may_be}”则相符"
                                   f"（所在行数字的识别置信度为{figure:.0f}，扫描件上易混淆）")
                    break
    return doubts


def _shown(value) -> str:
    if isinstance(value, dict):
        return "、".join(f"{year}年{format_number(v)}" for year, v in value.items())
    return f"“{format_number(value)}”"


def set_aside_uncertain(indicators: dict[str, Indicator], ruleset: Ruleset) -> tuple[dict[str, Indicator], list[Finding]]:
    """The indicators the checks may use, and one VALUE_UNCERTAIN per value set aside."""
    trusted: dict[str, Indicator] = {}
    findings: list[Finding] = []
    for key, indicator in indicators.items():
        why = _doubt(key, indicator, ruleset) if indicator.value is not None else None
        if why is None:
            trusted[key] = indicator
            continue
        findings.append(_uncertain(key, indicator, why, ruleset))
    for key, why in _misread_doubts(trusted, ruleset).items():
        findings.append(_uncertain(key, trusted.pop(key), why, ruleset))
    return trusted, findings


def _uncertain(key: str, indicator: Indicator, why: str, ruleset: Ruleset) -> Finding:
    return ruleset.finding(FindingCode.VALUE_UNCERTAIN, item=ITEM_APPLICATION_FORM, field=key,
                           evidence=[indicator.evidence], label=ruleset.label(key), value=_shown(indicator.value),
                           why=why)
