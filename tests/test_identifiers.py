"""Identifier validators against an independent implementation and against real identifiers."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from validators.identifiers import (
    canonical_patent_number,
    patent_check_char,
    patent_type,
    validate_patent_number,
    validate_standard_number,
    validate_uscc,
)

REAL_IDENTIFIERS = Path(__file__).resolve().parents[2] / "shared/data/real_identifiers.csv"

# --- an independent reference implementation (different code path) -------------------------


def reference_check_char(digits: str) -> str:
    """Weights generated as 2 + (i mod 8), remainder by repeated subtraction."""
    total = 0
    for position, char in enumerate(digits):
        total += (ord(char) - ord("0")) * (2 + position % 8)
    while total >= 11:
        total -= 11
    return "0123456789X"[total]


def reference_kind(digits: str) -> str:
    type_digit = digits[4] if len(digits) == 12 else digits[2]
    return {"1": "invention", "8": "invention", "2": "utility", "9": "utility", "3": "design"}.get(type_digit, "unknown")


USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def reference_uscc_check(first17: str) -> str:
    """GB 32100-2015: weights 3^i mod 31, check = (31 − Σ mod 31) mod 31."""
    total = sum(USCC_ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return USCC_ALPHABET[-total % 31]


# --- patent numbers -------------------------------------------------------------------------


def test_worked_examples_from_domain_notes():
    assert patent_check_char("201710601862") == "3"
    assert patent_check_char("95115608") == "X"
    assert validate_patent_number("201710601862.3") is None
    assert validate_patent_number("95115608.X") is None
    # the check is the remainder itself, not 11 minus it (which would be 8)
    assert validate_patent_number("201710601862.8") is not None


twelve_digit_numbers = st.builds(
    lambda year, kind, serial: f"{year}{kind}{serial:07d}",
    st.integers(2003, 2025),
    st.sampled_from("12389"),
    st.integers(0, 9_999_999),
)
eight_digit_numbers = st.builds(
    lambda year, kind, serial: f"{year:02d}{kind}{serial:05d}",
    st.sampled_from([85, 88, 92, 99, 0, 3]),
    st.sampled_from("12389"),
    st.integers(0, 99_999),
)


@settings(max_examples=150, deadline=None)
@given(st.one_of(twelve_digit_numbers, eight_digit_numbers))
def test_check_char_agrees_with_reference(digits):
    assert patent_check_char(digits) == reference_check_char(digits)


@settings(max_examples=150, deadline=None)
@given(st.one_of(twelve_digit_numbers, eight_digit_numbers), st.sampled_from("0123456789X"))
def test_number_is_valid_exactly_when_reference_check_matches(digits, check):
    verdict = validate_patent_number(f"{digits}.{check}", latest_year=2025)
    if check == reference_check_char(digits):
        assert verdict is None
    else:
        assert verdict is not None and "校验位" in verdict


@settings(max_examples=100, deadline=None)
@given(st.one_of(twelve_digit_numbers, eight_digit_numbers))
def test_patent_type_agrees_with_reference(digits):
    number = f"{digits}.{reference_check_char(digits)}"
    assert patent_type(number) == reference_kind(digits)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet="0123456789", min_size=1, max_size=16).filter(lambda s: len(s) not in (8, 9, 12, 13)))
def test_wrong_length_is_reported_as_length(digits):
    verdict = validate_patent_number(f"{digits}.1")
    assert verdict is not None and "位" in verdict


@pytest.mark.parametrize(
    "number, fragment",
    [
        ("202140234567.1", "类型"),  # type digit 4 does not exist
        ("200210234567.1", "年份"),  # 12-digit numbers start in 2003
        ("203010601862.3", "年份"),  # a filing year in the future
        ("45115608.X", "年份"),  # 8-digit numbers ran 1985-2003
        ("201710601862", "缺少校验位"),
        ("2017106O1862.3", "字符"),  # letter O for zero
        ("", "字符"),
    ],
)
def test_patent_number_reasons(number, fragment):
    verdict = validate_patent_number(number, latest_year=2026)
    assert verdict is not None and fragment in verdict


def test_dot_may_be_lost_before_the_check_char():
    assert validate_patent_number("201710595987X") is None
    assert patent_type("201710595987X") == "invention"


def test_prefix_and_spaces_left_by_a_normaliser_are_tolerated():
    assert validate_patent_number("ZL 2017 1 0601862.3") is None
    assert canonical_patent_number("ZL 2017 1 0601862.3") == "201710601862.3"
    assert canonical_patent_number("2017106018623") == "201710601862.3"
    assert canonical_patent_number("not a number") == "NOTANUMBER"


def test_patent_type_by_digit():
    assert patent_type("202220828888.8") == "utility"
    assert patent_type("201730610076.0") == "design"
    assert patent_type("202180012345.6") == "invention"  # PCT invention
    assert patent_type("202190012345.6") == "utility"  # PCT utility model
    assert patent_type("garbage") == "unknown"


# --- USCC -----------------------------------------------------------------------------------

uscc_bodies = st.builds(
    lambda head, org: head + org,
    st.text(alphabet="0123456789", min_size=8, max_size=8),
    st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9),
)


@settings(max_examples=150, deadline=None)
@given(uscc_bodies, st.sampled_from(USCC_ALPHABET))
def test_uscc_valid_exactly_when_reference_check_matches(first17, check):
    verdict = validate_uscc(first17 + check)
    if check == reference_uscc_check(first17):
        assert verdict is None
    else:
        assert verdict is not None and "校验" in verdict


def test_uscc_reasons():
    assert "18位" in validate_uscc("9135020077604965")
    assert "字符" in validate_uscc("91350200776049653I")  # I is not in the alphabet
    assert "试点" in validate_uscc("91350100M0001TGQXM")  # a legal pilot code: reviewer checks


# --- standard numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "GB 2760-2014",
        "GB/T 19001-2016",
        "GB/Z 20000.1-2021",
        "JB/T 10000.3-2019",
        "QB/T 1234-2020",
        "HG/T 2345-2019",
        "YB/T 4001-2021",
        "SJ/T 11000-2018",
        "DB41/T 1234-2021",
        "DB 1234-2020",  # DB is also the earthquake industry code
        "DB3301/T 0123-2020",  # city-level local standard
        "T/CAMS 123-2021",
        "Q/XXX 001-2020",
        "Q/HBJ 0001S-2019",
        "GB 1234-88",  # two-digit year of an old standard
        "NB/SH/T 0001-2019",
        "GB/T19001-2016",  # the space lost
        "ISO 9001:2015",
        "20213456-T-469",  # 国家标准计划号 of a standard still being drafted
    ],
)
def test_standard_numbers_accepted(number):
    assert validate_standard_number(number, latest_year=2022) is None


@pytest.mark.parametrize(
    "number, fragment",
    [
        ("GB/T 1234-20195", "年号"),  # five-digit year typo
        ("T/XZYC 00552024", "年号"),  # the dash lost and not restored
        ("GB/T 19001", "年号"),
        ("GB/T 1234-2099", "年号"),
        ("GB/T 1234-1899", "年号"),
        ("ABC 123-2020", "代号"),
        ("GBT 19001-2016", "代号"),
        ("DB99/T 1-2020", "行政区划"),
        ("T/C 1-2020", "团体"),
        ("GB/T ABC-2016", "格式"),
        ("质量管理体系", "格式"),
        ("", "空"),
        ("GB/T 12.-2019", "顺序号"),
    ],
)
def test_standard_numbers_rejected(number, fragment):
    verdict = validate_standard_number(number, latest_year=2022)
    assert verdict is not None and fragment in verdict


national_or_industry = st.sampled_from(["GB", "GB/T", "JB/T", "QB/T", "HG/T", "YB/T", "SJ/T", "DB41/T", "T/CAMS", "Q/ABC"])


@settings(max_examples=100, deadline=None)
@given(national_or_industry, st.integers(1, 99999), st.integers(1950, 2022))
def test_well_formed_standard_numbers_pass(code, number, year):
    assert validate_standard_number(f"{code} {number}-{year}", latest_year=2022) is None


@settings(max_examples=100, deadline=None)
@given(national_or_industry, st.integers(1, 99999), st.integers(10000, 99999))
def test_five_digit_years_fail(code, number, year):
    assert validate_standard_number(f"{code} {number}-{year}") is not None


# --- real identifiers from public sources ---------------------------------------------------------


def _real_rows() -> list[dict[str, str]]:
    if not REAL_IDENTIFIERS.is_file():
        pytest.skip(f"real identifiers not found at {REAL_IDENTIFIERS} (shared/ must sit beside the clone)")
    with REAL_IDENTIFIERS.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


NOTE_KINDS = {"发明": "invention", "实用新型": "utility", "外观设计": "design"}


def test_real_patent_numbers():
    rows = [r for r in _real_rows() if r["kind"] == "patent"]
    assert len(rows) >= 30
    for row in rows:
        verdict = validate_patent_number(row["normalized"])
        if row["check"] == "ok":
            assert verdict is None, (row, verdict)
            assert patent_type(row["normalized"]) == NOTE_KINDS[row["note"]], row
        else:
            assert verdict is not None and "位" in verdict, row


def test_real_usccs():
    rows = [r for r in _real_rows() if r["kind"] == "uscc"]
    assert len(rows) >= 50
    for row in rows:
        verdict = validate_uscc(row["normalized"])
        if row["check"] == "ok":
            assert verdict is None, row
        else:  # early pilot codes: legal, yet they fail the check — a warning for the reviewer
            assert row["check"] == "fails_check_but_real"
            assert verdict is not None and "试点" in verdict, row
