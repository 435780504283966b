"""Which indicator a label names, and a value read as that indicator needs it.

The words come from the round's indicator catalogue (`indicator_catalogue` in
`pipeline/rounds/<round>.yaml`); this module holds the mechanism only:

- a label names the first indicator whose keyword groups all match and that none of
  its excluding words rules out (fuzzy for OCR noise in longer keywords);
- a candidate whose label, header or value carries a unit of another kind is
  rejected ("中小企业研发经费支出（万元）：14922" is never a percentage);
- unit words are read whole ("（百万元）746" is 7.46 亿元, "2066.70万亩" is 万亩).

The catalogue in force is set per extraction with `using_catalogue` (a context
variable, so concurrent extractions of different rounds do not mix).
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Iterator

from rapidfuzz import fuzz

from extractors.analysis import nlp, numbers
from pipeline.core.result import Evidence
from pipeline.rounds.catalogue import IndicatorCatalogue, IndicatorSpec
from pipeline.rounds.ruleset import available_rulesets, load_ruleset

VALUE_LABELS = {"money": "MONEY", "pct": "PERCENT", "count": "COUNT", "area": "AREA"}
_QUOTES = re.compile(r"[“”\"'‘’「」\s]")


@lru_cache(maxsize=1)
def _newest_catalogue() -> IndicatorCatalogue:
    return load_ruleset(available_rulesets()[-1]).indicator_catalogue


_ACTIVE: ContextVar[IndicatorCatalogue | None] = ContextVar("indicator_catalogue", default=None)


def catalogue() -> IndicatorCatalogue:
    """The catalogue of the round being read (the newest round's when none was set)."""
    return _ACTIVE.get() or _newest_catalogue()


@contextmanager
def using_catalogue(active: IndicatorCatalogue) -> Iterator[IndicatorCatalogue]:
    token = _ACTIVE.set(active)
    try:
        yield active
    finally:
        _ACTIVE.reset(token)


def spec(key: str) -> IndicatorSpec:
    return catalogue().indicators[key]


def kind_of(key: str) -> str:
    return spec(key).kind


def words(name: str) -> tuple[str, ...]:
    """A word list of the catalogue: growth_words, share_words, output_words, sub_subjects."""
    return tuple(getattr(catalogue(), name))


def label_text(text: str) -> str:
    """Label as compared: width-folded, without blanks and quotes (OCR spaces CJK apart)."""
    return _QUOTES.sub("", nlp.fold_width(text))


def has_keyword(text: str, keyword: str) -> bool:
    """Exact containment, or for longer keywords a near match (one OCR-garbled character)."""
    if keyword in text:
        return True
    return len(keyword) >= 4 and len(text) >= len(keyword) and fuzz.partial_ratio(keyword, text) >= 75


def _excluded(cleaned: str, rule: IndicatorSpec) -> bool:
    if any(has_keyword(cleaned, word) for word in rule.exclude):
        return True
    if any(word in cleaned for word in rule.exclude_against):
        return not any(word in cleaned for word in rule.exclude_unless_any)
    return False


def _matches(cleaned: str, rule: IndicatorSpec) -> bool:
    return not _excluded(cleaned, rule) and all(any(has_keyword(cleaned, w) for w in group) for group in rule.labels)


def classify_label(text: str, kind: str | None = None) -> str | None:
    """Indicator key a label names (optionally only keys whose value is of `kind`)."""
    cleaned = label_text(text)
    if not cleaned:
        return None
    for key, rule in catalogue().indicators.items():
        if kind is not None and rule.kind != kind:
            continue
        if _matches(cleaned, rule):
            return key
    return None


_CONJUNCTION = re.compile(r"及|以及|和|与|、")


def classify_compound(text: str) -> list[str]:
    """The indicators a label names: one, or two of different kinds when the label joins them
    ("有效发明专利数量及年均增长率": the count and its growth; the second borrows the first's subject)."""
    first = classify_label(text)
    cleaned = label_text(text)
    parts = [p for p in _CONJUNCTION.split(cleaned) if p]
    if len(parts) != 2:
        return [first] if first else []
    head = classify_label(parts[0])
    if head is None:
        return [first] if first else []
    keys = [head]
    tail = classify_label(_subject_of(parts[0]) + parts[1]) or classify_label(parts[1])
    if tail and tail != head and kind_of(tail) != kind_of(head):
        keys.append(tail)
    if first and first not in keys:
        return [first]
    return keys


def classify_as(text: str, kind: str) -> str | None:
    """The indicator of `kind` a label names, also as one half of a joined label."""
    return classify_label(text, kind) or next((k for k in classify_compound(text) if kind_of(k) == kind), None)


def _subject_of(label: str) -> str:
    """"有效发明专利数量" → "有效发明专利": the words before a trailing 数量/数/总量."""
    return re.sub(r"(?:数量|总量|总数|数|量)$", "", label)


def not_the_cluster(sentence_prefix: str) -> str | None:
    """The catalogue filter that makes the figure after `sentence_prefix` not the cluster's
    (an aggregate, another period or population, a plan), or None."""
    rules = catalogue()
    clauses = [label_text(c) for c in re.split(r"[，,：:；;]", sentence_prefix)]
    current, opening, between = clauses[-1], clauses[0], clauses[1:]
    renamed = any(re.search(p, c) for c in between for p in rules.cluster_subjects)
    for rule in rules.not_the_cluster:
        scope = [current]
        if len(clauses) > 1 and (rule.scope == "sentence" or (rule.scope == "subject" and not renamed)):
            scope.append(opening)
        if any(re.search(p, c) for p in rule.patterns for c in scope):
            return rule.name
    return None



# --------------------------------------------------------------------------- units


def _unit_words(text: str) -> list[tuple[str, str]]:
    """(unit word, kind) pairs written in `text`, each read whole (万亩, not 亩; 百万元, not 万元)."""
    folded = nlp.fold_width(text).lower()
    pairs = sorted(((w, k) for k, ws in catalogue().units.items() for w in ws), key=lambda p: -len(p[0]))
    found: list[tuple[str, str]] = []
    taken = [False] * len(folded)
    for word, kind in pairs:
        for match in re.finditer(re.escape(word.lower()), folded):
            if not any(taken[match.start():match.end()]):
                found.append((word, kind))
                for i in range(match.start(), match.end()):
                    taken[i] = True
    return found


def unit_contradicts(key: str, texts: Iterable[str]) -> bool:
    """A label or header names a unit of another kind and none of the indicator's own
    ("研发经费支出（万元）" for a percentage)."""
    kind = kind_of(key)
    kinds = {k for text in texts for _, k in _unit_words(_unit_part(text))}
    return bool(kinds) and kind not in kinds


def _unit_part(text: str) -> str:
    """Where a label states its unit: a bracket ("（万元）"), a 单位 note, or the whole text when short."""
    folded = nlp.fold_width(text)
    bracketed = re.findall(r"[（(]([^（）()]{1,12})[)）]", folded)
    noted = re.findall(r"单位\s*[:：]?\s*([^，,；;。]{1,12})", folded)
    if bracketed or noted:
        return " ".join(bracketed + noted)
    return folded if len(folded) <= 4 else ""


def money_unit_hint(texts: Iterable[str]) -> str | None:
    """The money unit named in a label, header or 单位 note, read whole ("百万元", not "万元")."""
    for text in texts:
        for word, kind in _unit_words(_unit_part(text) or text):
            if kind == "money" and (word != "元" or re.search(r"单位[:：]?\s*元|（元）|\(元\)", nlp.fold_width(text))):
                return word
    return None


def area_unit_hint(texts: Iterable[str]) -> str | None:
    for text in texts:
        for word, kind in _unit_words(text):
            if kind == "area":
                return word
    return None


def value_unit_contradicts(key: str, text: str) -> bool:
    """A value cell that carries only a unit of another kind ("14922万元" read as a percentage)."""
    kinds = {k for _, k in _unit_words(text)}
    return bool(kinds) and kind_of(key) not in kinds


def parse_value(key: str, text: str, hints: list[str]) -> float | None:
    """A value cell read as the indicator needs it; a bare number takes the unit from `hints`
    (the label first, then headers and notes). None when the label or the cell carries a unit
    of another kind (a table-wide 单位 note may list several and decides nothing here)."""
    if unit_contradicts(key, hints[:1]) or value_unit_contradicts(key, _first_value_text(key, text)):
        return None
    kind = kind_of(key)
    if kind == "money":
        return numbers.parse_money_yi(text, default_unit=money_unit_hint(hints) or "亿元")
    if kind == "pct":
        value = numbers.parse_percent(text, assume_unit=True)
        written_as_fraction = not re.search(r"[%％]|百分之", text)
        if "share" in key and value is not None and written_as_fraction and 0 < value <= 1:
            value = round(value * 100, 6)  # a share typed as a fraction ("0.842" in a spreadsheet cell)
        return value
    if kind == "area":
        return numbers.parse_area_km2(text, default_unit=area_unit_hint(hints) or "平方公里")
    value = numbers.parse_count(text, assume_unit=True)
    if key == "employees" and value is not None and any("万人" in nlp.fold_width(h) or "万个" in h for h in hints) and "万" not in text:
        if re.fullmatch(r"\s*\d+(?:\.\d+)?\s*", nlp.fold_width(text)):
            value = round(value * 10000, 4)
    return value


def _first_value_text(key: str, text: str) -> str:
    """A cell holding values of two kinds ("45件，年均增长22.5%") is judged by the value of this kind
    when it has one; otherwise by the whole cell."""
    kind = kind_of(key)
    for piece in re.split(r"[，,；;]", text):
        if any(k == kind for _, k in _unit_words(piece)):
            return piece
    return text


@dataclass
class Candidate:
    key: str
    value: float | dict[str, float]
    evidence: Evidence
    order: int  # reading order, for "first written wins"
    annual: bool = True  # a growth rate said to be yearly (年均); "较2019年增长35.6%" is not
