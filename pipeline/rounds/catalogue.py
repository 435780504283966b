"""The round's indicator catalogue as data: what each indicator is, how it is labelled,
which unit words it may carry and which words exclude a label or a clause.

Read from the `indicator_catalogue` key of `pipeline/rounds/<round>.yaml` and validated
with the rest of the `Ruleset`; a wrong key is named by its path
(`indicator_catalogue.indicators.rd_growth_pct.kind`). The extraction mechanisms in
`extractors/analysis/indicator_labels.py` hold no words of their own.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from pipeline.rounds.parts import Patterns, _Strict, per_indicator

Kind = Literal["money", "pct", "count", "area"]
KINDS: tuple[str, ...] = ("money", "pct", "count", "area")


def _no_blank_words(words: list[str]) -> list[str]:
    if any(not w.strip() for w in words):
        raise ValueError("a word list holds an empty word")
    return words


class IndicatorSpec(_Strict):
    """One indicator: its kind, its unit, the unit words a value may carry and its labels.

    A label names the indicator when every group of `labels` has a keyword in it and
    no word of `exclude` is in it; a word of `exclude_unless_any` in the label lifts
    the `exclude_against` words ("研发经费支出年均增长" is the growth, "研发经费支出（万元）"
    is not)."""

    kind: Kind
    unit: str
    labels: list[list[str]] = Field(min_length=1)
    exclude: list[str] = Field(default_factory=list)
    exclude_against: list[str] = Field(default_factory=list)
    exclude_unless_any: list[str] = Field(default_factory=list)

    @field_validator("labels")
    @classmethod
    def _groups(cls, groups: list[list[str]]) -> list[list[str]]:
        if any(not group for group in groups):
            raise ValueError("a label group is empty")
        for group in groups:
            _no_blank_words(group)
        return groups

    @field_validator("exclude", "exclude_against", "exclude_unless_any")
    @classmethod
    def _words(cls, words: list[str]) -> list[str]:
        return _no_blank_words(words)

    @model_validator(mode="after")
    def _against_needs_unless(self) -> "IndicatorSpec":
        if self.exclude_against and not self.exclude_unless_any:
            raise ValueError("exclude_against needs exclude_unless_any (the words that lift it)")
        return self


class ClauseFilter(_Strict):
    """Patterns that make a figure not the cluster's own value. `scope: clause` looks at the
    clause before the figure only; `scope: sentence` also at the sentence's opening clause,
    which sets the period of every clause after it ("2022年上半年，集群实现产值…");
    `scope: subject` likewise, but a later clause that names the cluster again
    (`cluster_subjects`) ends it ("全国…集群年均增速19.2%，本集群…")."""

    name: str
    scope: Literal["clause", "sentence", "subject"] = "clause"
    patterns: Patterns = Field(min_length=1)


class IndicatorCatalogue(_Strict):
    """Every indicator of the round, in the priority order a label is tried against them."""

    units: dict[Kind, list[str]]
    growth_words: list[str] = Field(min_length=1)
    share_words: list[str] = Field(min_length=1)
    output_words: list[str] = Field(min_length=1)
    # sub-scopes: a figure about these is not the cluster's ("主导产业产值年均增速")
    sub_subjects: list[str] = Field(default_factory=list)
    # clauses whose figures are not the cluster's: aggregates, other periods, plans
    not_the_cluster: list[ClauseFilter] = Field(default_factory=list)
    # a clause opening with one of these names the cluster as its subject again
    cluster_subjects: Patterns = Field(default_factory=list)
    indicators: Annotated[dict[str, IndicatorSpec], per_indicator("indicators")]

    @field_validator("units")
    @classmethod
    def _every_kind(cls, units: dict[str, list[str]]) -> dict[str, list[str]]:
        missing = [k for k in KINDS if k not in units or not units[k]]
        if missing:
            raise ValueError(f"unit words missing for kind(s) {missing}")
        for words in units.values():
            _no_blank_words(words)
        return units

    @model_validator(mode="after")
    def _units_of_kind(self) -> "IndicatorCatalogue":
        for key, spec in self.indicators.items():
            if spec.unit not in self.units[spec.kind]:
                raise ValueError(f"indicators.{key}.unit: {spec.unit!r} is not a {spec.kind} unit {self.units[spec.kind]}")
        return self

    def kind_of_unit(self, unit: str) -> str | None:
        """The kind a unit word belongs to ("万元" → money), longest word first."""
        best: tuple[int, str] | None = None
        for kind, words in self.units.items():
            for word in words:
                if word == unit and (best is None or len(word) > best[0]):
                    best = (len(word), kind)
        return best[1] if best else None
