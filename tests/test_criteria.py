"""The 2022 criteria on item-1 indicators: each code at its boundary, and INDICATOR_MISSING."""

from __future__ import annotations

import pytest

from pipeline.core.result import INDICATOR_KEYS, Evidence, FindingCode, Indicator, Severity
from validators.criteria import check_criteria
from pipeline.rounds.ruleset import load_ruleset

RULESET = load_ruleset("2022")


def compliant_values() -> dict[str, float | dict[str, float]]:
    """A cluster that meets every 2022 criterion."""
    return {
        "area_km2": 45.0,
        "output_yi_by_year": {"2019": 52.0, "2020": 60.0, "2021": 70.0},
        "sme_output_share_pct": 85.0,
        "leading_industry_share_pct": 80.0,
        "output_growth_pct": 16.0,
        "champion_count": 1,
        "little_giant_count": 2,
        "specialized_sme_count": 8,
        "innovative_sme_count": 4,
        "high_tech_count": 6,
        "rd_growth_pct": 14.0,
        "valid_invention_patents": 200,
        "patent_growth_pct": 18.0,
        "employees": 80000,
        "patents_per_10k": 25.0,
        "industrial_internet_pct": 30.0,
    }


def indicators(**changes) -> dict[str, Indicator]:
    values = compliant_values() | changes
    return {
        key: Indicator(
            value=values[key],
            evidence=None if values[key] is None else Evidence(file="申报表.pdf", page=3, text=f"{key}: {values[key]}"),
        )
        for key in INDICATOR_KEYS
    }


def codes(findings) -> list[str]:
    return [f.code.value for f in findings]


def test_compliant_cluster_has_no_findings():
    assert check_criteria(indicators(), RULESET) == []


@pytest.mark.parametrize(
    "field, passing, failing, code",
    [
        ("area_km2", 100.0, 100.1, "AREA_OVER_LIMIT"),
        ("sme_output_share_pct", 70.0, 69.9, "SME_SHARE_LOW"),  # 70%以上 includes 70
        ("sme_output_share_pct", 70, 69.99, "SME_SHARE_LOW"),
        ("leading_industry_share_pct", 70.01, 70.0, "LEADING_SHARE_LOW"),  # 高于 70% excludes 70
        ("output_growth_pct", 10.01, 10.0, "OUTPUT_GROWTH_LOW"),
        ("rd_growth_pct", 10.01, 10.0, "RD_GROWTH_LOW"),
        ("patent_growth_pct", 15.0, 14.9, "PATENT_GROWTH_LOW"),  # 不低于 includes 15
        ("patents_per_10k", 15.0, 14.9, "PATENT_DENSITY_LOW"),
        ("industrial_internet_pct", 15.0, 14.99, "INDUSTRIAL_INTERNET_LOW"),
    ],
)
def test_threshold_boundaries(field, passing, failing, code):
    assert code not in codes(check_criteria(indicators(**{field: passing}), RULESET))
    findings = [f for f in check_criteria(indicators(**{field: failing}), RULESET) if f.code.value == code]
    assert len(findings) == 1
    finding = findings[0]
    assert finding.item == 1 and finding.field == field
    assert finding.evidence and finding.evidence[0].text.startswith(field)
    assert RULESET.thresholds[finding.code].rule in finding.message


def test_area_is_only_a_warning():
    (finding,) = check_criteria(indicators(area_km2=150.0), RULESET)
    assert finding.severity is Severity.WARNING
    assert "150" in finding.message


def test_message_shows_the_value_as_written():
    (finding,) = check_criteria(indicators(sme_output_share_pct=69.9), RULESET)
    assert "69.9%" in finding.message and "70%以上" in finding.message
    assert finding.severity is Severity.ERROR


@pytest.mark.parametrize(
    "outputs, low_years",
    [
        ({"2019": 40.0, "2020": 45.0, "2021": 50.0}, []),  # 40 亿元以上 includes 40
        ({"2019": 39.99, "2020": 45.0, "2021": 50.0}, ["2019"]),
        ({"2019": 30.0, "2020": 35.0, "2021": 41.0}, ["2019", "2020"]),
        ({"2018": 10.0, "2019": 41.0, "2020": 45.0, "2021": 50.0}, []),  # years outside the round are ignored
    ],
)
def test_output_each_year(outputs, low_years):
    findings = [f for f in check_criteria(indicators(output_yi_by_year=outputs, output_growth_pct=12.0), RULESET)
                if f.code is FindingCode.OUTPUT_BELOW_THRESHOLD]
    if not low_years:
        assert findings == []
        return
    (finding,) = findings
    assert finding.field == "output_yi_by_year" and finding.item == 1
    for year in low_years:
        assert f"{year}年" in finding.message
    assert "2021年" not in finding.message


def test_missing_year_is_reported_as_missing_not_as_low():
    findings = check_criteria(indicators(output_yi_by_year={"2020": 50.0, "2021": 60.0}), RULESET)
    assert codes(findings) == ["INDICATOR_MISSING"]
    assert findings[0].field == "output_yi_by_year" and "2019" in findings[0].message


@pytest.mark.parametrize(
    "counts, low",
    [
        (dict(champion_count=1, little_giant_count=0, specialized_sme_count=0, innovative_sme_count=0, high_tech_count=0), False),
        (dict(champion_count=0, little_giant_count=1, specialized_sme_count=0, innovative_sme_count=0, high_tech_count=0), False),
        (dict(champion_count=0, little_giant_count=0, specialized_sme_count=4, innovative_sme_count=3, high_tech_count=3), False),
        (dict(champion_count=0, little_giant_count=0, specialized_sme_count=4, innovative_sme_count=3, high_tech_count=2), True),
        # blank counts are zero once any count is given
        (dict(champion_count=None, little_giant_count=None, specialized_sme_count=9, innovative_sme_count=None, high_tech_count=None), True),
        (dict(champion_count=None, little_giant_count=1, specialized_sme_count=None, innovative_sme_count=None, high_tech_count=None), False),
        (dict(champion_count=None, little_giant_count=None, specialized_sme_count=6, innovative_sme_count=None, high_tech_count=4), False),
    ],
)
def test_enterprise_tier(counts, low):
    findings = check_criteria(indicators(**counts), RULESET)
    assert codes(findings) == (["ENTERPRISE_TIER_LOW"] if low else [])
    if low:
        assert findings[0].item == 1 and findings[0].field is None
        assert "须不少于10家" in findings[0].message


def test_all_counts_absent_is_missing_not_low():
    blank = dict.fromkeys(["champion_count", "little_giant_count", "specialized_sme_count", "innovative_sme_count", "high_tech_count"])
    findings = check_criteria(indicators(**blank), RULESET)
    assert codes(findings) == ["INDICATOR_MISSING"] * 5
    assert [f.field for f in findings] == list(blank)


@pytest.mark.parametrize(
    "key",
    [k for k in INDICATOR_KEYS if not k.endswith("_count")],
)
def test_each_needed_indicator_missing(key):
    findings = check_criteria(indicators(**{key: None}), RULESET)
    missing = [f for f in findings if f.code is FindingCode.INDICATOR_MISSING]
    assert [(f.field, f.item, f.severity) for f in missing] == [(key, 1, Severity.ERROR)]
    assert RULESET.label(key) in missing[0].message
    # a missing value cannot also fail its threshold
    assert len(findings) == 1


def test_a_single_blank_count_is_not_missing():
    assert check_criteria(indicators(champion_count=None), RULESET) == []


def test_values_that_are_not_numbers_count_as_missing():
    ind = indicators()
    ind["rd_growth_pct"] = Indicator(value={"2021": 12.0})
    ind["output_yi_by_year"] = Indicator(value=55.0)
    findings = check_criteria(ind, RULESET)
    assert sorted(f.field for f in findings) == ["output_yi_by_year", "rd_growth_pct"]
    assert set(codes(findings)) == {"INDICATOR_MISSING"}


def test_evidence_keeps_provenance():
    ind = indicators()
    ind["industrial_internet_pct"] = Indicator(
        value=12.0, evidence=Evidence(file="01 申报表.pdf", page=4, text="工业互联网平台应用普及率 12%", bbox=[72, 100, 300, 114])
    )
    (finding,) = check_criteria(ind, RULESET)
    assert finding.evidence[0].file == "01 申报表.pdf" and finding.evidence[0].bbox == [72, 100, 300, 114]
