"""The rule file: loads, validates, says which key is wrong, and chooses the round."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from pipeline.core.errors import UsageError
from pipeline.core.result import INDICATOR_KEYS, Cover, FindingCode, Severity
from pipeline.rounds.parts import MESSAGE_FIELDS, compare, format_number
from pipeline.rounds.ruleset import (
    RULES_DIR,
    RulesetInvalid,
    RulesetNotFound,
    available_rulesets,
    choose_ruleset,
    indicator_thresholds,
    load_ruleset,
    load_ruleset_file,
    rule_descriptions,
)

# Severities as the contract (shared/contract/README.md) fixes them.
CONTRACT_SEVERITIES = {
    "SECTION_MISSING": "error", "SECTION_EMPTY": "error", "SECTION_ORDER": "warning", "TOC_MISSING": "warning",
    "TOC_PAGE_MISMATCH": "warning", "COVER_FIELD_MISSING": "warning", "INDICATOR_MISSING": "error",
    "AREA_OVER_LIMIT": "warning", "OUTPUT_BELOW_THRESHOLD": "error", "SME_SHARE_LOW": "error",
    "LEADING_SHARE_LOW": "error", "OUTPUT_GROWTH_LOW": "error", "ENTERPRISE_TIER_LOW": "error",
    "RD_GROWTH_LOW": "error", "PATENT_GROWTH_LOW": "error", "PATENT_DENSITY_LOW": "error",
    "INDUSTRIAL_INTERNET_LOW": "error", "PATENT_NUMBER_INVALID": "warning", "PATENT_DUPLICATE": "warning",
    "PATENT_NOT_INVENTION": "warning", "USCC_INVALID": "warning", "STANDARD_NUMBER_INVALID": "warning",
    "COUNT_MISMATCH": "warning", "GROWTH_INCONSISTENT": "warning", "DENSITY_INCONSISTENT": "warning",
    "ENTERPRISE_DUPLICATE": "warning", "VERIFICATION_STATEMENT_INCOMPLETE": "error", "FILE_UNREADABLE": "error",
    "FILE_ENCRYPTED": "error", "FILE_UNSUPPORTED": "warning", "OCR_LOW_CONFIDENCE": "warning",
    "CROSS_PACKET_DUPLICATE": "warning", "VALUE_UNCERTAIN": "warning",
}

# The 2022 notice's thresholds, written out independently of the rule file: (code, field, passes, fails).
NOTICE_2022 = [
    ("AREA_OVER_LIMIT", 100.0, 100.01),
    ("SME_SHARE_LOW", 70.0, 69.9),
    ("LEADING_SHARE_LOW", 70.01, 70.0),
    ("OUTPUT_GROWTH_LOW", 10.01, 10.0),
    ("RD_GROWTH_LOW", 10.01, 10.0),
    ("PATENT_GROWTH_LOW", 15.0, 14.99),
    ("PATENT_DENSITY_LOW", 15.0, 14.99),
    ("INDUSTRIAL_INTERNET_LOW", 15.0, 14.99),
    ("OUTPUT_BELOW_THRESHOLD", 40.0, 39.99),
]


@pytest.fixture(scope="module")
def ruleset():
    return load_ruleset("2022")


def test_2022_loads_with_round_name_and_years(ruleset):
    assert ruleset.name == "2022"
    assert ruleset.years == [2019, 2020, 2021]
    assert [c.number for c in ruleset.criteria] == list(range(1, 9))
    assert ruleset.criterion(1).name == "核心竞争力" and ruleset.criterion(8).name == "治理和服务"
    assert "2022" in available_rulesets()


def test_severities_match_contract(ruleset):
    assert {code.value: ruleset.severity(code).value for code in FindingCode} == CONTRACT_SEVERITIES


@pytest.mark.parametrize("code, passing, failing", NOTICE_2022)
def test_threshold_boundaries_follow_the_notice_wording(ruleset, code, passing, failing):
    condition = ruleset.thresholds[FindingCode(code)].any_of[0]
    assert condition.passes(passing)
    assert not condition.passes(failing)


def test_wording_is_kept_with_its_meaning(ruleset):
    thresholds = ruleset.thresholds
    assert thresholds[FindingCode.SME_SHARE_LOW].any_of[0].wording == "以上"
    assert thresholds[FindingCode.LEADING_SHARE_LOW].any_of[0].wording == "高于"
    tier = thresholds[FindingCode.ENTERPRISE_TIER_LOW].any_of
    assert [c.fields for c in tier] == [
        ["champion_count", "little_giant_count"],
        ["specialized_sme_count", "innovative_sme_count", "high_tech_count"],
    ]
    assert [(c.op, c.value) for c in tier] == [(">=", 1), (">=", 10)]


def test_indicator_needs_cover_all_sixteen(ruleset):
    needed = {k for c in ruleset.criteria for k in c.needs} | {k for c in ruleset.criteria for g in c.needs_any for k in g}
    assert needed == set(INDICATOR_KEYS)


def test_consistency_tolerances(ruleset):
    assert ruleset.consistency.growth_tolerance_points == 2
    assert ruleset.consistency.density_tolerance_relative == pytest.approx(0.10)


@pytest.mark.parametrize("code", list(FindingCode))
def test_every_message_template_formats_as_one_chinese_sentence(ruleset, code):
    values = {name: "12" for name in MESSAGE_FIELDS[code]}
    message = ruleset.message(code, **values)
    assert "{" not in message and "}" not in message
    assert re.search(r"[\u4e00-\u9fff]", message)
    assert message.endswith("。") and message.count("。") == 1
    assert ruleset.rule_text(code) and "{" not in ruleset.rule_text(code)


def test_descriptions_for_reports(ruleset):
    descriptions = rule_descriptions("2022")
    assert set(descriptions) == {c.value for c in FindingCode}
    assert descriptions["SME_SHARE_LOW"].criterion == "一、具有较强核心竞争力"
    assert "70%以上" in descriptions["SME_SHARE_LOW"].threshold
    assert "2 个百分点" in descriptions["GROWTH_INCONSISTENT"].threshold
    thresholds = indicator_thresholds("2022")
    assert thresholds["sme_output_share_pct"] == "70%以上"
    assert thresholds["leading_industry_share_pct"] == "高于70%"
    assert thresholds["area_km2"].startswith("一般")


def test_format_number_and_compare():
    assert format_number(70.0) == "70"
    assert format_number(69.9) == "69.9"
    assert format_number(12.345) == "12.35"
    assert compare(70, ">=", 70) and not compare(70, ">", 70)
    assert compare(100, "<=", 100) and not compare(100, "<", 100)


# --- bad rule files name the wrong key ------------------------------------------------------


def _write_variant(tmp_path: Path, edit, name: str = "2022") -> Path:
    data = yaml.safe_load((RULES_DIR / "2022.yaml").read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "edit, named",
    [
        (lambda d: d["thresholds"]["LEADING_SHARE_LOW"].update(op=">="), "LEADING_SHARE_LOW"),
        (lambda d: d["thresholds"]["SME_SHARE_LOW"].update(wording="大约"), "SME_SHARE_LOW"),
        (lambda d: d["thresholds"]["SME_SHARE_LOW"].update(field="sme_pct"), "sme_pct"),
        (lambda d: d["codes"].pop("COUNT_MISMATCH"), "COUNT_MISMATCH"),
        (lambda d: d["codes"]["USCC_INVALID"].update(severity="fatal"), "USCC_INVALID"),
        (lambda d: d["codes"]["USCC_INVALID"].update(message="{nonsense}"), "nonsense"),
        (lambda d: d["consistency"].update(growth_tolerance_points=-1), "growth_tolerance_points"),
        (lambda d: d["criteria"][0].update(needs=["area"]), "area"),
        (lambda d: d["verification"]["statements"][0].update(regex=["(unclosed"]), "unclosed"),
        (lambda d: d.update(years=[2021, 2019]), "years"),
        (lambda d: d.update(colour="red"), "colour"),
    ],
)
def test_bad_rule_file_names_the_problem(tmp_path, edit, named):
    path = _write_variant(tmp_path, edit)
    with pytest.raises(RulesetInvalid) as caught:
        load_ruleset_file(path)
    assert named in str(caught.value)


def test_name_must_match_file(tmp_path):
    path = _write_variant(tmp_path, lambda d: None, name="2023")
    with pytest.raises(RulesetInvalid, match="2023"):
        load_ruleset_file(path)


def test_broken_yaml(tmp_path):
    path = tmp_path / "2022.yaml"
    path.write_text("name: [unclosed", encoding="utf-8")
    with pytest.raises(RulesetInvalid, match="YAML"):
        load_ruleset_file(path)


# --- choosing the round ---------------------------------------------------------------------------


@pytest.fixture
def two_rounds(tmp_path):
    shutil.copy(RULES_DIR / "2022.yaml", tmp_path / "2022.yaml")

    def later(d):
        d.update(name="2024", round_year=2024, years=[2021, 2022, 2023])

    _write_variant(tmp_path, later, name="2024")
    return tmp_path


def test_adding_a_file_adds_a_round(two_rounds):
    assert available_rulesets(two_rounds) == ["2022", "2024"]


@pytest.mark.parametrize(
    "fill_date, expected",
    [("2023-05-10", "2022"), ("2022", "2022"), ("2024-06", "2024"), ("2030-01-01", "2024"), ("2019-01-01", "2024"), (None, "2024")],
)
def test_round_chosen_by_fill_date(two_rounds, fill_date, expected):
    assert choose_ruleset(None, Cover(fill_date=fill_date), two_rounds).name == expected


def test_requested_round_wins(two_rounds):
    assert choose_ruleset("2022", Cover(fill_date="2024-06-01"), two_rounds).name == "2022"


def test_unknown_round_is_a_usage_error():
    with pytest.raises(RulesetNotFound) as caught:
        choose_ruleset("1999", Cover())
    assert isinstance(caught.value, UsageError)
    assert "2022" in str(caught.value)


def test_default_choice_is_2022():
    assert choose_ruleset(None, Cover(fill_date="2022-09-29")).name == "2022"
    assert choose_ruleset(None, Cover()).severity(FindingCode.SME_SHARE_LOW) is Severity.ERROR
