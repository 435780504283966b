"""The round's criteria as data: one YAML file per round, validated into a `Ruleset`.

Thresholds, years, severities, tolerances, the 附件2 statements and every message
template live in `pipeline/rounds/<round>.yaml`; the checks read them from the
`Ruleset` and hold no numbers of their own. A bad rule file stops start-up with an
error that names the wrong key.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipeline.core.errors import IntakeError, UsageError
from pipeline.rounds.catalogue import IndicatorCatalogue, every_indicator
from pipeline.core.result import INDICATOR_KEYS, Cover, Evidence, Finding, FindingCode, Severity

RULES_DIR = Path(__file__).resolve().parent

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
    FindingCode.SECTION_MISSING: {"item", "title"},
    FindingCode.SECTION_EMPTY: {"item", "title"},
    FindingCode.SECTION_ORDER: {"order"},
    FindingCode.TOC_MISSING: set(),
    FindingCode.TOC_PAGE_MISMATCH: {"item", "title", "toc_page", "actual_page"},
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
}
RULE_TEXT_FIELDS = {"growth_tolerance", "density_tolerance"}


class RulesetNotFound(UsageError):
    """The requested round has no rule file."""


class RulesetInvalid(IntakeError):
    """A rule file that does not validate; the message names the key and the problem."""


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
        unknown = [f for f in fields if f not in INDICATOR_KEYS]
        if unknown:
            raise ValueError(f"unknown indicator key(s) {unknown}; allowed: {list(INDICATOR_KEYS)}")
        return fields

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
        unknown = [f for f in needs if f not in INDICATOR_KEYS]
        if unknown:
            raise ValueError(f"unknown indicator key(s) {unknown}")
        return needs

    @field_validator("needs_any")
    @classmethod
    def _known_groups(cls, groups: list[list[str]]) -> list[list[str]]:
        unknown = [f for group in groups for f in group if f not in INDICATOR_KEYS]
        if unknown:
            raise ValueError(f"unknown indicator key(s) {unknown}")
        return groups

    @field_validator("evidence_items")
    @classmethod
    def _items_in_range(cls, items: list[int]) -> list[int]:
        bad = [i for i in items if not 1 <= i <= 20]
        if bad:
            raise ValueError(f"evidence items must be 1..20, got {bad}")
        return items

    @property
    def heading(self) -> str:
        """"一、具有较强核心竞争力" as the notice numbers it."""
        return f"{self.numeral}、{self.full_name}"


class ConsistencyRules(_Strict):
    growth_tolerance_points: float = Field(ge=0)
    density_tolerance_relative: float = Field(ge=0, le=1)
    honour_count_rule: Literal["differs", "list_exceeds", "differs_if_listed"]
    honour_counts: dict[str, str]
    patent_count_scope: Literal["all_entries", "invention_like"]
    invention_like_kinds: list[str]
    numbered_patent_kinds: list[str]
    non_invention_kinds: list[str]

    @field_validator("honour_counts")
    @classmethod
    def _count_keys(cls, counts: dict[str, str]) -> dict[str, str]:
        unknown = [v for v in counts.values() if v not in INDICATOR_KEYS]
        if unknown:
            raise ValueError(f"unknown indicator key(s) {unknown}")
        return counts


class Statement(_Strict):
    """One statement item 2 must make, with the phrasings that count as making it."""

    key: str
    label: str
    all_of: list[list[str]] = Field(default_factory=list)
    regex: list[str] = Field(default_factory=list)
    line_regex: list[str] = Field(default_factory=list)

    @field_validator("regex", "line_regex")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"bad regular expression {pattern!r}: {exc}") from exc
        return patterns

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
    statements: list[Statement] = Field(min_length=1)


class CodeRule(_Strict):
    severity: Severity
    message: str
    rule: str | None = None
    basis: str | None = None  # the requirement it enforces, when not a numbered criterion
    criterion: int | None = None


class Ruleset(_Strict):
    """One round's criteria, validated when the rule file is loaded."""

    name: str
    round_year: int
    title: str
    years: list[int] = Field(min_length=1)
    indicator_labels: dict[str, str]
    indicator_catalogue: IndicatorCatalogue
    criteria: list[Criterion] = Field(min_length=1)
    thresholds: dict[FindingCode, Threshold]
    consistency: ConsistencyRules
    verification: VerificationRules
    codes: dict[FindingCode, CodeRule]

    @field_validator("years")
    @classmethod
    def _years_ascending(cls, years: list[int]) -> list[int]:
        if years != sorted(set(years)):
            raise ValueError(f"years must be ascending without repeats, got {years}")
        return years

    @field_validator("indicator_labels")
    @classmethod
    def _every_indicator_labelled(cls, labels: dict[str, str]) -> dict[str, str]:
        every_indicator(labels, "labels")
        return labels

    @model_validator(mode="after")
    def _cross_references(self) -> "Ruleset":
        numbers = {c.number for c in self.criteria}
        missing_codes = [c.value for c in FindingCode if c not in self.codes]
        if missing_codes:
            raise ValueError(f"codes: no severity/message for {missing_codes}")
        for code, threshold in self.thresholds.items():
            if threshold.criterion not in numbers:
                raise ValueError(f"thresholds.{code.value}.criterion: no criterion {threshold.criterion}")
        for code, rule in self.codes.items():
            allowed = MESSAGE_FIELDS.get(code, set())
            extra = _placeholders(rule.message) - allowed
            if extra:
                raise ValueError(f"codes.{code.value}.message: unknown placeholder(s) {sorted(extra)}; allowed {sorted(allowed)}")
            if rule.rule and _placeholders(rule.rule) - RULE_TEXT_FIELDS:
                raise ValueError(f"codes.{code.value}.rule: unknown placeholder(s) {sorted(_placeholders(rule.rule) - RULE_TEXT_FIELDS)}")
            if rule.criterion is not None and rule.criterion not in numbers:
                raise ValueError(f"codes.{code.value}.criterion: no criterion {rule.criterion}")
            if rule.rule is None and code not in self.thresholds:
                raise ValueError(f"codes.{code.value}: needs a `rule` text (only threshold codes take theirs from thresholds)")
        for threshold in self.thresholds.values():
            for condition in threshold.any_of:
                if condition.per_year and condition.fields != ["output_yi_by_year"]:
                    raise ValueError("per_year applies only to output_yi_by_year")
        return self

    # --- lookups the checks and reports use ---------------------------------------------------

    def criterion(self, number: int) -> Criterion:
        for criterion in self.criteria:
            if criterion.number == number:
                return criterion
        raise KeyError(f"ruleset {self.name} has no criterion {number}")

    def severity(self, code: FindingCode) -> Severity:
        return self.codes[code].severity

    def label(self, key: str) -> str:
        return self.indicator_labels.get(key, key)

    def rule_text(self, code: FindingCode) -> str:
        """The rule a code tests, as a reviewer reads it ("中小企业产值占集群总产值 70%以上（含 70%）")."""
        if code in self.thresholds:
            return self.thresholds[code].rule
        text = self.codes[code].rule or ""
        return text.format(
            growth_tolerance=format_number(self.consistency.growth_tolerance_points),
            density_tolerance=format_number(self.consistency.density_tolerance_relative * 100),
        )

    def basis_text(self, code: FindingCode) -> str:
        """The criterion or requirement a code belongs to ("一、具有较强核心竞争力")."""
        number = self.thresholds[code].criterion if code in self.thresholds else self.codes[code].criterion
        if number is not None:
            return self.criterion(number).heading
        return self.codes[code].basis or ""

    def message(self, code: FindingCode, **values: Any) -> str:
        """The code's template filled in; numbers are written as a reviewer writes them."""
        shown = {k: format_number(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v for k, v in values.items()}
        return self.codes[code].message.format(**shown)

    def finding(
        self,
        code: FindingCode,
        *,
        item: int | None = None,
        field: str | None = None,
        evidence: list[Evidence] | None = None,
        **values: Any,
    ) -> Finding:
        """A finding with the severity and message this round gives `code`."""
        return Finding(
            code=code,
            severity=self.severity(code),
            item=item,
            field=field,
            message=self.message(code, **values),
            evidence=[e for e in (evidence or []) if e is not None],
        )


# --- loading and choosing -----------------------------------------------------------------------


def _describe_validation_error(file: Path, error: ValidationError) -> str:
    problems = []
    for err in error.errors():
        location = ".".join(str(part) for part in err["loc"]) or "(top level)"
        problems.append(f"{location}: {err['msg']}")
    return f"规则文件 {file} 有误，请修正后重试：" + "；".join(problems)


def available_rulesets(rules_dir: Path = RULES_DIR) -> list[str]:
    """Names of the rounds with a rule file, oldest first (each *.yaml in the folder)."""
    return sorted(path.stem for path in rules_dir.glob("*.yaml"))


def load_ruleset_file(path: Path) -> Ruleset:
    """Parse and validate one rule file; a bad file raises `RulesetInvalid` naming the key."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise RulesetInvalid(f"规则文件 {path} 不是有效的 YAML：{exc}") from exc
    if not isinstance(data, dict):
        raise RulesetInvalid(f"规则文件 {path} 的顶层应为键值映射")
    try:
        ruleset = Ruleset.model_validate(data)
    except ValidationError as exc:
        raise RulesetInvalid(_describe_validation_error(path, exc)) from exc
    if ruleset.name != path.stem:
        raise RulesetInvalid(f"规则文件 {path} 有误：name “{ruleset.name}” 应与文件名 “{path.stem}” 一致")
    return ruleset


@lru_cache(maxsize=None)
def load_ruleset(name: str, rules_dir: Path = RULES_DIR) -> Ruleset:
    """The round `name` ("2022") from `<rules_dir>/<name>.yaml`."""
    path = rules_dir / f"{name}.yaml"
    if not path.is_file():
        available = "、".join(available_rulesets(rules_dir)) or "无"
        raise RulesetNotFound(f"没有名为“{name}”的规则版本；可用的版本：{available}")
    return load_ruleset_file(path)


def _fill_year(fill_date: str | None) -> int | None:
    match = re.match(r"^\s*((?:19|20)\d{2})", fill_date or "")
    return int(match.group(1)) if match else None


def choose_ruleset(requested: str | None, cover: Cover, rules_dir: Path = RULES_DIR) -> Ruleset:
    """The requested round; else the newest round not later than the cover's 填报日期; else the newest."""
    if requested:
        return load_ruleset(requested, rules_dir)
    rulesets = [load_ruleset(name, rules_dir) for name in available_rulesets(rules_dir)]
    if not rulesets:
        raise RulesetInvalid(f"规则目录 {rules_dir} 中没有任何规则文件")
    rulesets.sort(key=lambda r: r.round_year)
    year = _fill_year(cover.fill_date)
    if year is not None:
        eligible = [r for r in rulesets if r.round_year <= year]
        if eligible:
            return eligible[-1]
    return rulesets[-1]


# --- descriptions for reports --------------------------------------------------------------------


@dataclass(frozen=True)
class RuleDescription:
    criterion: str  # the criterion or requirement, in the notice's words
    threshold: str | None  # the rule it tests


def rule_descriptions(ruleset_name: str) -> dict[str, RuleDescription]:
    """Finding code → the rule it tests, from the rule file (read by `pipeline/reports/rules_text.py`)."""
    ruleset = load_ruleset(ruleset_name)
    return {
        code.value: RuleDescription(criterion=ruleset.basis_text(code), threshold=ruleset.rule_text(code) or None)
        for code in FindingCode
    }


def indicator_thresholds(ruleset_name: str) -> dict[str, str]:
    """Indicator key → the threshold it must meet ("70%以上", "每年均40亿元以上")."""
    ruleset = load_ruleset(ruleset_name)
    out: dict[str, str] = {}
    for code, threshold in ruleset.thresholds.items():
        if len(threshold.any_of) == 1 and len(threshold.any_of[0].fields) == 1:
            condition = threshold.any_of[0]
            prefix = "一般" if ruleset.severity(code) is not Severity.ERROR else ""
            out[condition.fields[0]] = prefix + condition.describe()
        else:
            for field in threshold.fields:
                out[field] = threshold.rule
    return out
