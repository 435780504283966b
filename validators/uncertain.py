"""VALUE_UNCERTAIN: the indicator values the criteria and consistency checks must not use.

A value read by OCR with a low confidence, a share over 100 %, or a year's output a
small fraction of another year's (a misread decimal point) would raise a verdict on a
misreading. Such a value is set aside with one warning that sends the reviewer to its
evidence; the checks run on the rest. The floors are the round's data (`consistency`).
"""

from __future__ import annotations

from pipeline.core.result import Finding, FindingCode, Indicator
from pipeline.rounds.parts import format_number
from pipeline.rounds.ruleset import Ruleset
from validators.criteria import ITEM_APPLICATION_FORM


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
        findings.append(ruleset.finding(FindingCode.VALUE_UNCERTAIN, item=ITEM_APPLICATION_FORM, field=key,
                                        evidence=[indicator.evidence], label=ruleset.label(key),
                                        value=_shown(indicator.value), why=why))
    return trusted, findings
