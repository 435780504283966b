"""List-entry checks (items 3, 7, 8) and the consistency of item 1 with itself and the lists."""

from __future__ import annotations

import pytest

from pipeline.core.result import (
    INDICATOR_KEYS,
    Evidence,
    Indicator,
    KeyEnterprise,
    Lists,
    PatentEntry,
    Severity,
    StandardEntry,
)
from validators.consistency import check_consistency, compound_growth_pct
from validators.identifiers import patent_check_char
from validators.lists import check_lists, enterprise_name_key
from pipeline.rounds.ruleset import load_ruleset

RULESET = load_ruleset("2022")


def patent(digits: str, kind: str = "invention", check: str | None = None, row: int = 1) -> PatentEntry:
    return PatentEntry(
        number=f"{digits}.{check or patent_check_char(digits)}",
        title="一种面粉加工方法",
        holder="河南味丰食品有限公司",
        kind=kind,
        evidence=Evidence(file="08 专利清单.xlsx", page=1, text=f"第{row}行 {digits}"),
    )


INVENTIONS = [patent(f"20211{n:07d}", row=i) for i, n in enumerate([234567, 1234, 998877, 5555555], start=1)]
USCC_OK = ["91350200776049653A", "91350500798359476R", "91440101MA5CJQ4N59", "913502000728319549"]


def enterprise(name: str, uscc: str | None, *honors: str) -> KeyEnterprise:
    return KeyEnterprise(name=name, uscc=uscc, honors=list(honors), evidence=Evidence(file="03 名单.pdf", page=2, text=name))


ENTERPRISES = [
    enterprise("河南味丰食品有限公司", USCC_OK[0], "little_giant", "high_tech"),
    enterprise("浚县金谷面业有限公司", USCC_OK[1], "specialized_sme"),
    enterprise("鹤壁市永达食品（集团）有限公司", USCC_OK[2], "specialized_sme", "high_tech"),
    enterprise("浚县丰源冷链物流有限公司", USCC_OK[3]),
]


def codes(findings) -> list[str]:
    return [f.code.value for f in findings]


def lists(**changes) -> Lists:
    base = dict(
        key_enterprises=list(ENTERPRISES),
        standards=[StandardEntry(number="GB/T 19001-2016"), StandardEntry(number="T/HNSP 012-2021")],
        patents=list(INVENTIONS),
    )
    return Lists(**(base | changes))


def indicators(**changes) -> dict[str, Indicator]:
    values = {
        "output_yi_by_year": {"2019": 50.0, "2020": 56.0, "2021": 64.0},
        "output_growth_pct": 13.1,  # CAGR 50 → 64 over two years = 13.137…
        "champion_count": 0,
        "little_giant_count": 1,
        "specialized_sme_count": 2,
        "innovative_sme_count": None,
        "high_tech_count": 2,
        "valid_invention_patents": 4,
        "employees": 2000,
        "patents_per_10k": 20.0,
    } | changes
    return {k: Indicator(value=values.get(k), evidence=Evidence(file="01.pdf", page=3, text=k) if values.get(k) is not None else None)
            for k in INDICATOR_KEYS}


def test_clean_lists_and_numbers_have_no_findings():
    assert check_lists(lists(), RULESET) == []
    assert check_consistency(indicators(), lists(), RULESET) == []


# --- item 8: patents -----------------------------------------------------------------------------


def test_wrong_check_char():
    bad = patent("202110234567", check="0" if patent_check_char("202110234567") != "0" else "1")
    findings = check_lists(lists(patents=INVENTIONS + [bad]), RULESET)
    assert codes(findings) == ["PATENT_NUMBER_INVALID"]
    assert findings[0].item == 8 and findings[0].severity is Severity.WARNING
    assert bad.number in findings[0].message and "校验位" in findings[0].message
    assert findings[0].evidence[0].file == "08 专利清单.xlsx"


def test_real_typo_of_eleven_digits():
    typo = PatentEntry(number="20101061327.6")
    assert codes(check_lists(lists(patents=[typo]), RULESET)) == ["PATENT_NUMBER_INVALID"]


def test_duplicate_written_differently_is_still_a_duplicate():
    again = INVENTIONS[2].model_copy(update={"number": "ZL " + INVENTIONS[2].number})
    assert codes(check_lists(lists(patents=INVENTIONS + [again]), RULESET)) == ["PATENT_DUPLICATE"]


def test_duplicate_listed_once_per_number():
    findings = check_lists(lists(patents=INVENTIONS + [INVENTIONS[1].model_copy(), INVENTIONS[1].model_copy()]), RULESET)
    assert codes(findings) == ["PATENT_DUPLICATE"]
    assert "3次" in findings[0].message and len(findings[0].evidence) == 3


def test_utility_model_in_the_invention_list():
    utility = patent("202220828888", kind="utility")
    findings = check_lists(lists(patents=INVENTIONS + [utility]), RULESET)
    assert codes(findings) == ["PATENT_NOT_INVENTION"]
    assert "实用新型" in findings[0].message and findings[0].item == 8


def test_kind_comes_from_the_number_when_it_is_valid():
    # listed as invention, but type digit 3 makes it a design patent
    design = patent("201730610076", kind="invention")
    assert codes(check_lists(lists(patents=[design]), RULESET)) == ["PATENT_NOT_INVENTION"]
    # a PCT invention (type digit 8) is an invention
    assert check_lists(lists(patents=[patent("202180012345")]), RULESET) == []


def test_other_kinds_keep_their_own_numbering():
    variety = PatentEntry(number="CNA20191234.5", kind="plant_variety")
    layout = PatentEntry(number="BS.20500123X", kind="ic_layout")
    assert check_lists(lists(patents=INVENTIONS + [variety, layout]), RULESET) == []


# --- item 3: enterprises ---------------------------------------------------------------------------


def test_uscc_failing_check_is_a_warning():
    broken = enterprise("浚县新兴食品有限公司", "91350200776049653B", "specialized_sme")
    findings = check_lists(lists(key_enterprises=ENTERPRISES + [broken]), RULESET)
    assert codes(findings) == ["USCC_INVALID"]
    assert findings[0].severity is Severity.WARNING and findings[0].item == 3
    assert "浚县新兴食品有限公司" in findings[0].message


def test_pilot_code_is_flagged_for_the_reviewer():
    pilot = enterprise("厦门某试点企业", "91350100M0001TGQXM")
    findings = check_lists(lists(key_enterprises=[pilot]), RULESET)
    assert codes(findings) == ["USCC_INVALID"] and "人工核对" in findings[0].message


def test_missing_uscc_is_not_invalid():
    assert check_lists(lists(key_enterprises=[enterprise("浚县某企业", None)]), RULESET) == []


@pytest.mark.parametrize(
    "copy_name, copy_uscc",
    [
        ("鹤壁市永达食品(集团)有限公司", None),  # half-width brackets
        ("鹤壁市永达食品（集团） 有限公司", USCC_OK[2]),  # a space
        ("永达食品集团", USCC_OK[2]),  # another name, same code
    ],
)
def test_enterprise_listed_twice(copy_name, copy_uscc):
    findings = check_lists(lists(key_enterprises=ENTERPRISES + [enterprise(copy_name, copy_uscc)]), RULESET)
    assert codes(findings) == ["ENTERPRISE_DUPLICATE"]
    assert findings[0].item == 3 and len(findings[0].evidence) == 2
    same_name = enterprise_name_key(copy_name) == enterprise_name_key(ENTERPRISES[2].name)
    assert ("名称相同" in findings[0].message) == same_name
    assert ("统一社会信用代码" in findings[0].message) == (not same_name)


def test_different_enterprises_are_not_duplicates():
    other = enterprise("鹤壁市永达食品（集团）销售有限公司", "91350503MA31DKY80A")
    assert check_lists(lists(key_enterprises=ENTERPRISES + [other]), RULESET) == []
    assert enterprise_name_key("Ａ　公司（集团）") == enterprise_name_key("A公司(集团)")


# --- item 7: standards ------------------------------------------------------------------------------


def test_malformed_standard_number():
    bad = StandardEntry(number="GB/T 1234-20195", title="速冻面米食品")
    findings = check_lists(lists(standards=[StandardEntry(number="DB41/T 1234-2021"), bad]), RULESET)
    assert codes(findings) == ["STANDARD_NUMBER_INVALID"]
    assert findings[0].item == 7 and "GB/T 1234-20195" in findings[0].message


# --- COUNT_MISMATCH ----------------------------------------------------------------------------------


@pytest.mark.parametrize("stated, mismatch", [(4, False), (5, True), (3, True), (11, True)])
def test_patent_count_against_list(stated, mismatch):
    findings = check_consistency(indicators(valid_invention_patents=stated, patents_per_10k=stated / 2000 * 10000), lists(), RULESET)
    assert codes(findings) == (["COUNT_MISMATCH"] if mismatch else [])
    if mismatch:
        assert findings[0].field == "valid_invention_patents" and findings[0].item == 1
        assert f"为{stated}" in findings[0].message and "4个" in findings[0].message


def test_patent_count_ignores_repeats_and_counts_what_the_applicant_listed():
    utility = patent("202220828888", kind="utility")
    listed = INVENTIONS + [INVENTIONS[0].model_copy(), utility]  # 5 distinct numbers
    findings = check_consistency(indicators(valid_invention_patents=5, patents_per_10k=25.0), lists(patents=listed), RULESET)
    assert findings == []


def test_no_patent_list_no_comparison():
    assert check_consistency(indicators(valid_invention_patents=9, patents_per_10k=45.0), lists(patents=[]), RULESET) == []


def with_honour_rule(rule: str):
    return RULESET.model_copy(update={"consistency": RULESET.consistency.model_copy(update={"honour_count_rule": rule})})


# the list holds: little_giant 1, specialized_sme 2, high_tech 2, no champion, no innovative_sme
@pytest.mark.parametrize(
    "changes, list_exceeds, differs_if_listed, differs",
    [
        (dict(specialized_sme_count=1), True, True, True),  # the list holds more than stated
        (dict(high_tech_count=0), True, True, True),
        (dict(little_giant_count=2), False, True, True),  # the list names one, the form says two
        (dict(champion_count=1), False, False, True),  # the list names no champion at all
        (dict(innovative_sme_count=0), False, False, False),
        (dict(specialized_sme_count=2), False, False, False),
    ],
)
def test_honour_counts_against_list(changes, list_exceeds, differs_if_listed, differs):
    field = next(iter(changes))
    for rule, expected in (("list_exceeds", list_exceeds), ("differs_if_listed", differs_if_listed), ("differs", differs)):
        findings = check_consistency(indicators(**changes), lists(), with_honour_rule(rule))
        assert [(f.code.value, f.field) for f in findings] == ([("COUNT_MISMATCH", field)] if expected else []), rule


def test_default_honour_rule_is_list_exceeds():
    assert RULESET.consistency.honour_count_rule == "list_exceeds"
    (finding,) = check_consistency(indicators(specialized_sme_count=1), lists(), RULESET)
    assert "为1" in finding.message and "2个" in finding.message and finding.item == 1


def test_duplicate_enterprise_counted_once():
    doubled = ENTERPRISES + [ENTERPRISES[1].model_copy()]
    assert check_consistency(indicators(), lists(key_enterprises=doubled), RULESET) == []


def test_list_without_honours_is_not_compared():
    plain = [e.model_copy(update={"honors": []}) for e in ENTERPRISES]
    assert check_consistency(indicators(specialized_sme_count=30), lists(key_enterprises=plain), RULESET) == []


# --- GROWTH_INCONSISTENT -----------------------------------------------------------------------------


def test_cagr():
    assert compound_growth_pct({2019: 50.0, 2021: 72.0}, 2019, 2021) == pytest.approx(20.0)
    assert compound_growth_pct({2019: 100.0, 2020: 110.0}, 2019, 2020) == pytest.approx(10.0)


@pytest.mark.parametrize(
    "stated, inconsistent",
    [(20.0, False), (22.0, False), (18.0, False), (22.01, True), (17.99, True), (28.0, True)],
)
def test_growth_tolerance_is_two_points(stated, inconsistent):
    outputs = {"2019": 50.0, "2020": 61.0, "2021": 72.0}  # CAGR exactly 20 %
    findings = check_consistency(indicators(output_yi_by_year=outputs, output_growth_pct=stated), lists(), RULESET)
    assert codes(findings) == (["GROWTH_INCONSISTENT"] if inconsistent else [])
    if inconsistent:
        assert findings[0].field == "output_growth_pct" and findings[0].item == 1
        assert "20%" in findings[0].message and f"{stated:g}%" in findings[0].message


def test_growth_needs_two_years():
    findings = check_consistency(indicators(output_yi_by_year={"2021": 60.0}, output_growth_pct=99.0), lists(), RULESET)
    assert findings == []


# --- DENSITY_INCONSISTENT ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "stated, inconsistent",
    [(20.0, False), (22.0, False), (18.0, False), (22.1, True), (17.9, True), (30.0, True)],
)
def test_density_tolerance_is_ten_percent(stated, inconsistent):
    # 4 patents / 2000 employees × 10000 = 20 per 10,000
    findings = check_consistency(indicators(patents_per_10k=stated), lists(), RULESET)
    assert codes(findings) == (["DENSITY_INCONSISTENT"] if inconsistent else [])
    if inconsistent:
        assert findings[0].field == "patents_per_10k"
        assert "20个" in findings[0].message and "2000人" in findings[0].message


def test_density_boundary_is_not_lost_to_float_rounding():
    # 1 patent / 2500 employees = 4 per 10,000; 4.4 is exactly 10 % off, which floats compute as 0.10000000000000009
    findings = check_consistency(indicators(valid_invention_patents=1, employees=2500, patents_per_10k=4.4), lists(patents=[]), RULESET)
    assert findings == []


def test_density_needs_employees():
    assert check_consistency(indicators(employees=None, patents_per_10k=90.0), lists(), RULESET) == []
