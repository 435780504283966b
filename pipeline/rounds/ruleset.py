"""The round's criteria as data: one YAML file per round, validated into a `Ruleset`.

Thresholds, years, severities, tolerances, the 附件2 statements and every message
template live in `pipeline/rounds/<round>.yaml`; the checks read them from the
`Ruleset` and hold no numbers of their own. A bad rule file stops start-up with an
error that names the wrong key.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from pipeline.core.errors import IntakeError, UsageError
from pipeline.rounds.catalogue import IndicatorCatalogue
from pipeline.core.result import Cover, Evidence, Finding, FindingCode, Severity
from pipeline.rounds.parts import (
    MESSAGE_FIELDS,
    RULE_TEXT_FIELDS,
    CodeRule,
    CompletenessRules,
    ConsistencyRules,
    Criterion,
    RequiredItem,
    Threshold,
    VerificationRules,
    _placeholders,
    per_indicator,
    _Strict,
    format_number,
)

RULES_DIR = Path(__file__).resolve().parent

class RulesetNotFound(UsageError):
    """The requested round has no rule file."""


class RulesetInvalid(IntakeError):
    """A rule file that does not validate; the message names the key and the problem."""


class Ruleset(_Strict):
    """One round's criteria, validated when the rule file is loaded."""

    name: str
    round_year: int
    title: str
    years: list[int] = Field(min_length=1)
    items: list[RequiredItem] = Field(min_length=1)
    completeness: CompletenessRules
    indicator_labels: Annotated[dict[str, str], per_indicator("labels")]
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

    @field_validator("items")
    @classmethod
    def _items_numbered_in_order(cls, items: list[RequiredItem]) -> list[RequiredItem]:
        numbers = [item.number for item in items]
        if numbers != list(range(1, len(items) + 1)):
            raise ValueError(f"items must be numbered 1..{len(items)} in order, got {numbers}")
        return items

    @model_validator(mode="after")
    def _cross_references(self) -> "Ruleset":
        numbers = {c.number for c in self.criteria}
        for criterion in self.criteria:
            outside = [i for i in criterion.evidence_items if i > len(self.items)]
            if outside:
                raise ValueError(f"criteria[{criterion.number}].evidence_items: no item {outside} (items 1..{len(self.items)})")
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

    def item_title(self, number: int) -> str:
        return self.items[number - 1].title

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
            message=self.message(code, **({"item": item, "field": field} | values)),
            evidence=[e for e in (evidence or []) if e is not None],
        )


# --- loading and choosing -----------------------------------------------------------------------


def _describe_validation_error(file: Path, error: ValidationError) -> str:
    problems = []
    for err in error.errors():
        location = ".".join(str(part) for part in err["loc"]) or "(top level)"
        problems.append(f"{location}: {err['msg']}")
    return f"规则文件 {file} 有误，请修正后重试：" + "；".join(problems)


RULES_DIR_ENV = "CLUSTER_INTAKE_RULES_DIR"


def rules_dirs(rules_dir: Path | None = None) -> list[Path]:
    """Where rule files are looked for: the folder asked for; else a bureau's own folder
    (`CLUSTER_INTAKE_RULES_DIR`) before the rounds shipped with the package."""
    if rules_dir is not None:
        return [rules_dir]
    extra = os.environ.get(RULES_DIR_ENV)
    return ([Path(extra)] if extra else []) + [RULES_DIR]


def available_rulesets(rules_dir: Path | None = None) -> list[str]:
    """Names of the rounds with a rule file, oldest first (each *.yaml in the folders)."""
    return sorted({path.stem for folder in rules_dirs(rules_dir) for path in folder.glob("*.yaml")})


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


def load_ruleset(name: str, rules_dir: Path | None = None) -> Ruleset:
    """The round `name` ("2022") from the first rules folder that has `<name>.yaml`."""
    for folder in rules_dirs(rules_dir):
        path = folder / f"{name}.yaml"
        if path.is_file():
            return _load_cached(path.resolve(), path.stat().st_mtime_ns)
    available = "、".join(available_rulesets(rules_dir)) or "无"
    raise RulesetNotFound(f"没有名为“{name}”的规则版本；可用的版本：{available}")


@lru_cache(maxsize=None)
def _load_cached(path: Path, mtime_ns: int) -> Ruleset:
    """One parse per file version: a rule file edited while the watcher runs is read again."""
    return load_ruleset_file(path)


def _fill_year(fill_date: str | None) -> int | None:
    match = re.match(r"^\s*((?:19|20)\d{2})", fill_date or "")
    return int(match.group(1)) if match else None


def choose_ruleset(requested: str | None, cover: Cover, rules_dir: Path | None = None) -> Ruleset:
    """The requested round; else the newest round not later than the cover's 填报日期; else the newest."""
    if requested:
        return load_ruleset(requested, rules_dir)
    rulesets = [load_ruleset(name, rules_dir) for name in available_rulesets(rules_dir)]
    if not rulesets:
        folders = "、".join(str(folder) for folder in rules_dirs(rules_dir))
        raise RulesetInvalid(f"规则目录 {folders} 中没有任何规则文件")
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


def _known_round(ruleset_name: str) -> Ruleset | None:
    """The round, or None when its rule file is gone (a stored result of a retired round still renders)."""
    try:
        return load_ruleset(ruleset_name)
    except RulesetNotFound:
        return None


def rule_descriptions(ruleset_name: str) -> dict[str, RuleDescription]:
    """Finding code → the criterion and the rule it tests, as the reports quote them."""
    ruleset = _known_round(ruleset_name)
    if ruleset is None:
        return {}
    return {
        code.value: RuleDescription(criterion=ruleset.basis_text(code), threshold=ruleset.rule_text(code) or None)
        for code in FindingCode
    }


def indicator_thresholds(ruleset_name: str) -> dict[str, str]:
    """Indicator key → the threshold it must meet ("70%以上", "每年均40亿元以上")."""
    ruleset = _known_round(ruleset_name)
    out: dict[str, str] = {}
    if ruleset is None:
        return out
    for code, threshold in ruleset.thresholds.items():
        if len(threshold.any_of) == 1 and len(threshold.any_of[0].fields) == 1:
            condition = threshold.any_of[0]
            prefix = "一般" if ruleset.severity(code) is not Severity.ERROR else ""
            out[condition.fields[0]] = prefix + condition.describe()
        else:
            for field in threshold.fields:
                out[field] = threshold.rule
    return out
