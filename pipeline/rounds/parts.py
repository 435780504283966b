"""The parts of a rule file (thresholds, criteria, statements, items, message rules), each
validated on load; `pipeline.rounds.ruleset` puts them together into one round."""

from __future__ import annotations

import re
import string
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from pipeline.core.result import COVER_KEYS, INDICATOR_KEYS, FindingCode, Severity

Op = Literal[">=", ">", "<=", "<"]

# The notice's comparison words and the comparison each one means.
WORDING_OPS: dict[str, str] = {
    "以上": ">=",
    "不少于": ">=",
    "不低于": ">=",
    "不超过": "<=",
    "以下": "<=",
    "不高于": "<=",
    "高于": ">",
    "低于": "<",
}

# The placeholders each check supplies to its message template; a template that
# uses any other name is rejected when the rule file is loaded.
_THRESHOLD_FIELDS = {"value", "threshold", "unit", "wording", "rule", "label", "detail", "criterion"}
MESSAGE_FIELDS: dict[FindingCode, set[str]] = {
    FindingCode.SECTION_MISSING: {"item", "title", "hint"},
    FindingCode.SECTION_EMPTY: {"item", "title", "where"},
    FindingCode.SECTION_ORDER: {"order", "names", "count"},
    FindingCode.TOC_MISSING: {"count"},
    FindingCode.TOC_PAGE_MISMATCH: {"item", "title", "toc_page", "actual_page", "where"},
    FindingCode.COVER_FIELD_MISSING: {"field", "label"},
    FindingCode.INDICATOR_MISSING: {"field", "label", "criterion", "detail"},
    FindingCode.AREA_OVER_LIMIT: _THRESHOLD_FIELDS,
    FindingCode.OUTPUT_BELOW_THRESHOLD: _THRESHOLD_FIELDS | {"years"},
    FindingCode.SME_SHARE_LOW: _THRESHOLD_FIELDS,
    FindingCode.LEADING_SHARE_LOW: _THRESHOLD_FIELDS,
    FindingCode.OUTPUT_GROWTH_LOW: _THRESHOLD_FIELDS,
    FindingCode.ENTERPRISE_TIER_LOW: _THRESHOLD_FIELDS,
    FindingCode.RD_GROWTH_LOW: _THRESHOLD_FIELDS,
    FindingCode.PATENT_GROWTH_LOW: _THRESHOLD_FIELDS,
    FindingCode.PATENT_DENSITY_LOW: _THRESHOLD_FIELDS,
    FindingCode.INDUSTRIAL_INTERNET_LOW: _THRESHOLD_FIELDS,
    FindingCode.PATENT_NUMBER_INVALID: {"number", "reason", "title"},
    FindingCode.PATENT_DUPLICATE: {"number", "times", "title"},
    FindingCode.PATENT_NOT_INVENTION: {"number", "kind", "kind_label", "title"},
    FindingCode.USCC_INVALID: {"name", "uscc", "reason"},
    FindingCode.STANDARD_NUMBER_INVALID: {"number", "reason", "title"},
    FindingCode.COUNT_MISMATCH: {"field", "label", "stated", "listed", "list_name"},
    FindingCode.GROWTH_INCONSISTENT: {"stated", "computed", "diff", "first_year", "last_year", "tolerance"},
    FindingCode.DENSITY_INCONSISTENT: {"stated", "computed", "diff", "patents", "employees", "tolerance"},
    FindingCode.ENTERPRISE_DUPLICATE: {"name", "uscc", "reason"},
    FindingCode.VERIFICATION_STATEMENT_INCOMPLETE: {"missing", "count"},
    FindingCode.FILE_UNREADABLE: {"file", "reason"},
    FindingCode.FILE_ENCRYPTED: {"file"},
    FindingCode.FILE_UNSUPPORTED: {"file", "reason"},
    FindingCode.OCR_LOW_CONFIDENCE: {"file", "page", "confidence", "floor"},
    FindingCode.CROSS_PACKET_DUPLICATE: {"what", "number", "others"},
    FindingCode.VALUE_UNCERTAIN: {"label", "value", "why"},
}
RULE_TEXT_FIELDS = {"growth_tolerance", "density_tolerance"}


def format_number(value: float | int) -> str:
    """70.0 → "70", 69.9 → "69.9", 12.345 → "12.35": numbers as a reviewer writes them."""
    number = float(value)
    if number.is_integer():
        return str(int(number))
    return f"{number:.2f}".rstrip("0").rstrip(".")


def compare(value: float, op: str, threshold: float) -> bool:
    """`value op threshold` for the four comparison words' ops."""
    if op == ">=":
        return value >= threshold
    if op == ">":
        return value > threshold
    if op == "<=":
        return value <= threshold
    if op == "<":
        return value < threshold
    raise ValueError(f"unknown comparison {op!r}")


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def known_indicators(keys: list[str]) -> list[str]:
    """The keys, when every one is an indicator of the contract; else the error names the others."""
    unknown = [k for k in keys if k not in INDICATOR_KEYS]
    if unknown:
        raise ValueError(f"unknown indicator key(s) {unknown}; allowed: {list(INDICATOR_KEYS)}")
    return keys


def _compiled(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"bad regular expression {pattern!r}: {exc}") from exc
    return patterns


# a list of regular expressions, each checked to compile when the rule file is loaded
Patterns = Annotated[list[str], AfterValidator(_compiled)]


def every_indicator(keys, what: str) -> None:
    """Raise unless `keys` name each of the 16 indicators exactly (for `what`: labels, indicators)."""
    missing = [k for k in INDICATOR_KEYS if k not in keys]
    unknown = [k for k in keys if k not in INDICATOR_KEYS]
    if missing or unknown:
        raise ValueError(f"{what} missing for {missing}, unknown keys {unknown}")


def per_indicator(what: str) -> AfterValidator:
    """A mapping's check that it has an entry for each indicator and no other (`what` names it in the error)."""

    def check(keys):
        every_indicator(keys, what)
        return keys

    return AfterValidator(check)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(_Strict):
    """One comparison: the sum of `fields` (per year when `per_year`) `op` `value`."""

    fields: list[str] = Field(min_length=1)
    op: Op
    value: float
    wording: str
    unit: str = ""
    label: str | None = None
    per_year: bool = False

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, fields: list[str]) -> list[str]:
        return known_indicators(fields)

    @model_validator(mode="after")
    def _wording_matches_op(self) -> "Condition":
        expected = WORDING_OPS.get(self.wording)
        if expected is None:
            raise ValueError(f"wording {self.wording!r} is not one of {list(WORDING_OPS)}")
        if expected != self.op:
            raise ValueError(f"wording {self.wording!r} means {expected!r}, but op is {self.op!r}")
        return self

    def passes(self, value: float) -> bool:
        return compare(value, self.op, self.value)

    def describe(self) -> str:
        """"70%以上", "高于10%", "不少于1家": the condition in the notice's word order."""
        number = f"{format_number(self.value)}{self.unit}"
        text = f"{number}{self.wording}" if self.wording in ("以上", "以下") else f"{self.wording}{number}"
        return f"每年均{text}" if self.per_year else text


class Threshold(_Strict):
    """A criterion's quantitative test; it passes when any condition holds."""

    criterion: int
    rule: str
    any_of: list[Condition] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _single_condition_shorthand(cls, data: Any) -> Any:
        """`field: x, op: …` is shorthand for a one-condition `any_of`."""
        if isinstance(data, dict) and "field" in data:
            data = dict(data)
            condition = {"fields": [data.pop("field")]}
            for key in ("op", "value", "wording", "unit", "label", "per_year"):
                if key in data:
                    condition[key] = data.pop(key)
            if "any_of" in data:
                raise ValueError("give either `field` (one condition) or `any_of`, not both")
            data["any_of"] = [condition]
        return data

    @property
    def fields(self) -> list[str]:
        return [f for c in self.any_of for f in c.fields]


class Criterion(_Strict):
    number: int = Field(ge=1, le=8)
    numeral: str
    name: str
    full_name: str
    text: str
    evidence_items: list[int] = Field(default_factory=list)
    needs: list[str] = Field(default_factory=list)
    needs_any: list[list[str]] = Field(default_factory=list)

    @field_validator("needs")
    @classmethod
    def _known_needs(cls, needs: list[str]) -> list[str]:
        return known_indicators(needs)

    @field_validator("needs_any")
    @classmethod
    def _known_groups(cls, groups: list[list[str]]) -> list[list[str]]:
        known_indicators([f for group in groups for f in group])
        return groups

    @field_validator("evidence_items")
    @classmethod
    def _items_in_range(cls, items: list[int]) -> list[int]:
        bad = [i for i in items if i < 1]
        if bad:
            raise ValueError(f"evidence items are item numbers from 1, got {bad}")
        return items

    @property
    def heading(self) -> str:
        """"一、具有较强核心竞争力" as the notice numbers it."""
        return f"{self.numeral}、{self.full_name}"


class ConsistencyRules(_Strict):
    uncertain_confidence_below: float = Field(default=0, ge=0, le=100)
    uncertain_figure_confidence_below: float = Field(default=0, ge=0, le=100)
    implausible_year_ratio: float = Field(default=0, ge=0, lt=1)
    # a value read by OCR below this figure confidence, whose one digit read as its look-alike
    # (`confusable_digits`, pairs) would make a failing consistency check hold, is set aside
    # as a likely misreading instead of being reported as an inconsistency
    misread_figure_confidence_below: float = Field(default=0, ge=0, le=100)
    confusable_digits: list[Annotated[str, Field(pattern=r"^[0-9]{2}$")]] = Field(default_factory=list)
    # … and only when the look-alike reading agrees within this share of the check's
    # tolerance: a true misreading agrees to the rounding, a chance one seldom does
    misread_tolerance_share: float = Field(default=0.25, gt=0, le=1)
    at_most_100: list[str] = Field(default_factory=list)  # shares and rates of use: over 100 is a misreading
    growth_tolerance_points: float = Field(ge=0)
    density_tolerance_relative: float = Field(ge=0, le=1)
    honour_count_rule: Literal["differs", "list_exceeds", "differs_if_listed"]
    honour_counts: dict[str, str]
    patent_count_scope: Literal["all_entries", "invention_like"]
    invention_like_kinds: list[str]
    numbered_patent_kinds: list[str]
    non_invention_kinds: list[str]

    @field_validator("honour_counts", "at_most_100")
    @classmethod
    def _indicator_keys(cls, keys: dict[str, str] | list[str]) -> dict[str, str] | list[str]:
        """honour_counts' values and at_most_100's entries name indicators."""
        unknown = [k for k in (keys.values() if isinstance(keys, dict) else keys) if k not in INDICATOR_KEYS]
        if unknown:
            raise ValueError(f"unknown indicator key(s) {unknown}")
        return keys


class Statement(_Strict):
    """One statement item 2 must make, with the phrasings that count as making it."""

    key: str
    label: str
    all_of: list[list[str]] = Field(default_factory=list)
    regex: Patterns = Field(default_factory=list)
    line_regex: Patterns = Field(default_factory=list)
    # made by a seal or a stamped date: on a scan, a line OCR could not read (below
    # `stamp_confidence`) in the item stands for it, since a red seal over the text is
    # exactly what OCR cannot read; the reviewer sees the page either way
    stamped: bool = False
    # one-line patterns that count only on a line read by OCR: a date whose month or day
    # digit the seal over it took ("2022年月9日"), never an unfilled "2022年 月 日"
    ocr_line_regex: Patterns = Field(default_factory=list)

    @model_validator(mode="after")
    def _has_a_test(self) -> "Statement":
        if not (self.all_of or self.regex or self.line_regex):
            raise ValueError(f"statement {self.key!r} needs all_of, regex or line_regex")
        if any(not group for group in self.all_of):
            raise ValueError(f"statement {self.key!r} has an empty synonym group")
        return self


class VerificationRules(_Strict):
    fuzzy_min_length: int = Field(ge=2)
    min_score: float = Field(gt=0, le=100)
    stamp_confidence: float = Field(default=60, ge=0, le=100)
    statements: list[Statement] = Field(min_length=1)


class CodeRule(_Strict):
    severity: Severity
    message: str
    rule: str | None = None
    basis: str | None = None  # the requirement it enforces, when not a numbered criterion
    criterion: int | None = None


class RequiredItem(_Strict):
    """One of the round's required materials: its canonical title and its heading signature."""

    number: int = Field(ge=1)
    title: str = Field(min_length=2)
    signature: list[list[str]] = Field(min_length=1)

    @field_validator("signature")
    @classmethod
    def _groups_not_empty(cls, groups: list[list[str]]) -> list[list[str]]:
        if any(not group or any(not term.strip() for term in group) for group in groups):
            raise ValueError("every signature group needs at least one non-empty term")
        return groups


class MissingHints(_Strict):
    toc_with_page: str
    toc: str
    nowhere: str

    @model_validator(mode="after")
    def _placeholders_known(self) -> "MissingHints":
        for name in ("toc_with_page", "toc", "nowhere"):
            extra = _placeholders(getattr(self, name)) - {"toc_page"}
            if extra:
                raise ValueError(f"{name}: unknown placeholder(s) {sorted(extra)}; allowed ['toc_page']")
        return self


class CompletenessRules(_Strict):
    cover_fields: dict[str, str] = Field(min_length=1)
    missing_hints: MissingHints
    where: str

    @field_validator("cover_fields")
    @classmethod
    def _cover_keys(cls, fields: dict[str, str]) -> dict[str, str]:
        unknown = [k for k in fields if k not in COVER_KEYS]
        if unknown:
            raise ValueError(f"unknown cover field(s) {unknown}; known {list(COVER_KEYS)}")
        return fields

    @field_validator("where")
    @classmethod
    def _where_placeholders(cls, where: str) -> str:
        extra = _placeholders(where) - {"file", "page"}
        if extra:
            raise ValueError(f"unknown placeholder(s) {sorted(extra)}; allowed ['file', 'page']")
        return where
