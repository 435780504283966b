"""Number, date and identifier parsers: worked examples and round trips on generated text."""

from __future__ import annotations

from datetime import date

import cn2an
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractors.analysis.numbers import (
    normalize_patent_number,
    normalize_standard_number,
    normalize_uscc,
    parse_area_km2,
    parse_count,
    parse_date,
    parse_money_yi,
    parse_percent,
    standard_year,
)

FULL_WIDTH = str.maketrans("0123456789.,%", "０１２３４５６７８９．，％")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2022年9月29日", "2022-09-29"),
        ("2022.09.29", "2022-09-29"),
        ("2022-9-29", "2022-09-29"),
        ("2022/09", "2022-09"),
        ("二〇二二年九月", "2022-09"),
        ("二〇二二年九月二十九日", "2022-09-29"),
        ("2022 年 月 日", "2022"),
        ("填报日期：2022年 9 月 29日", "2022-09-29"),
        ("2022年13月", "2022"),
        ("20220929", "2022-09-29"),
        ("2022-08-1 0", "2022-08-10"),
        ("２０２２年９月", "2022-09"),
        ("无日期", None),
        ("", None),
    ],
)
def test_parse_date_examples(text: str, expected: str | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("四十五亿", 45.0),
        ("4.52亿", 4.52),
        ("约45.2亿元", 45.2),
        ("452000万元", 45.2),
        ("1,234,567.8万元", 123.45678),
        ("近四十五点二亿元", 45.2),
        ("超过3千万元", 0.3),
        ("４５．２亿元", 45.2),
        ("产值达到58.9亿元，同比增长", 58.9),
        ("45.2", None),
        ("没有金额", None),
    ],
)
def test_parse_money_examples(text: str, expected: float | None) -> None:
    assert parse_money_yi(text) == expected


def test_bare_money_takes_the_header_unit() -> None:
    assert parse_money_yi("452000", default_unit="万元") == 45.2
    assert parse_money_yi("45.2", default_unit="亿元") == 45.2
    assert parse_money_yi("合计", default_unit="亿元") is None


@pytest.mark.parametrize(
    ("text", "assume", "expected"),
    [
        ("14.2%", False, 14.2),
        ("年均增长１４．２％", False, 14.2),
        ("百分之十四点二", False, 14.2),
        ("-3.5%", False, -3.5),
        ("75", False, None),
        ("75", True, 75.0),
        ("增长较快", True, None),
    ],
)
def test_parse_percent_examples(text: str, assume: bool, expected: float | None) -> None:
    assert parse_percent(text, assume_unit=assume) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("33家", 33), ("3.2万人", 32000), ("1,200人", 1200), ("三十三家", 33), ("12 件", 12), ("8项", 8), ("约2万余人", 20000)],
)
def test_parse_count_examples(text: str, expected: float) -> None:
    assert parse_count(text) == expected


def test_bare_count_only_when_the_unit_is_known() -> None:
    assert parse_count("12000") is None
    assert parse_count("12000", assume_unit=True) == 12000
    assert parse_count("）17", assume_unit=True) == 17  # a PDF cell split inside a bracket


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.5平方公里", 12.5),
        ("12.5km²", 12.5),
        ("１２．５ km2", 12.5),
        ("1500亩", 1.0),
        ("3万亩", 20.0),
        ("100公顷", 1.0),
        ("1000000平方米", 1.0),
        ("近12.8平方千米", 12.8),
        ("2066.70万亩", 13778.0),  # the unit word read whole: 万亩
        ("27 万平方米，", 0.27),  # "平方米" followed by more text stays square metres
    ],
)
def test_parse_area_examples(text: str, expected: float) -> None:
    assert parse_area_km2(text) == pytest.approx(expected)


# --------------------------------------------------------------------------- round trips

amounts_yi = st.decimals(min_value="0.01", max_value="9999.99", places=2).map(float)


@settings(max_examples=100, deadline=None)
@given(amounts_yi, st.sampled_from(["", "约", "近", "超", "逾"]))
def test_money_round_trip_in_yi(value: float, qualifier: str) -> None:
    text = f"{qualifier}{value:g}亿元"
    assert parse_money_yi(text) == pytest.approx(value)
    assert parse_money_yi(text.translate(FULL_WIDTH)) == pytest.approx(value)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=99_999_999))
def test_money_round_trip_in_wan_with_separators(wan: int) -> None:
    assert parse_money_yi(f"{wan}万元") == pytest.approx(wan / 10000)
    assert parse_money_yi(f"{wan:,}万元") == pytest.approx(wan / 10000)
    assert parse_money_yi(f"{wan:,}万元".translate(FULL_WIDTH)) == pytest.approx(wan / 10000)


@settings(max_examples=100, deadline=None)
@given(st.decimals(min_value="0.1", max_value="999.9", places=1).map(float))
def test_money_round_trip_in_chinese_numerals(value: float) -> None:
    assert parse_money_yi(cn2an.an2cn(f"{value:g}") + "亿元") == pytest.approx(value)


@settings(max_examples=100, deadline=None)
@given(st.decimals(min_value="-50", max_value="100", places=2).map(float))
def test_percent_round_trip(value: float) -> None:
    assert parse_percent(f"{value:g}%") == pytest.approx(value)
    assert parse_percent(f"{value:g}%".translate(FULL_WIDTH)) == pytest.approx(value)
    if value >= 0:
        assert parse_percent("百分之" + cn2an.an2cn(f"{value:g}")) == pytest.approx(value)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=9_999_999), st.sampled_from(["家", "个", "件", "人", "项"]))
def test_count_round_trip(n: int, unit: str) -> None:
    assert parse_count(f"{n}{unit}") == n
    assert parse_count(f"{n:,}{unit}") == n
    wan = f"{n / 10000:.4f}".rstrip("0").rstrip(".")
    assert parse_count(f"{wan}万{unit}") == pytest.approx(n)


@settings(max_examples=100, deadline=None)
@given(st.decimals(min_value="0.1", max_value="999.9", places=1).map(float))
def test_area_round_trip(km2: float) -> None:
    assert parse_area_km2(f"{km2:g}平方公里") == pytest.approx(km2)
    assert parse_area_km2(f"{km2 * 1500:.1f}亩") == pytest.approx(km2)
    assert parse_area_km2(f"{km2 * 100:.1f}公顷") == pytest.approx(km2)
    assert parse_area_km2(f"{km2 * 1_000_000:.0f}平方米") == pytest.approx(km2)


@settings(max_examples=100, deadline=None)
@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2035, 12, 31)))
def test_date_round_trip(day: date) -> None:
    iso = day.isoformat()
    assert parse_date(f"{day.year}年{day.month}月{day.day}日") == iso
    assert parse_date(f"{day.year}.{day.month:02d}.{day.day:02d}") == iso
    assert parse_date(f"{day.year}-{day.month}-{day.day}") == iso
    assert parse_date(f"{day.year}/{day.month:02d}") == iso[:7]
    cn_year = "".join("〇一二三四五六七八九"[int(d)] for d in str(day.year))
    assert parse_date(f"{cn_year}年{cn2an.an2cn(day.month)}月{cn2an.an2cn(day.day)}日") == iso


# --------------------------------------------------------------------------- identifiers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ZL 2021 1 0234567.X", "202110234567.X"),
        ("CN202110234567.8", "202110234567.8"),
        ("2021102345678", "202110234567.8"),
        ("ZL95115608X", "95115608.X"),
        ("95115608.x", "95115608.X"),
        ("202110234567", "202110234567"),
        ("ZL２０２１１０２３４５６７．８", "202110234567.8"),
        ("CNA20190012.5", "CNA20190012.5"),  # a plant-variety number keeps its own form
        # a scanned cell whose columns ran together: the row number and the title beside the number
        ("20 201610253074.5 一种用于碳化硅微粉分级的控制方法", "201610253074.5"),
        ("一种单晶炉热场机构及其使用23 201710234476.5 方法", "201710234476.5"),
        ("一种锂电负极材料包覆的加工37 201811513789.5方法", "201811513789.5"),
        ("20161.0690502.0", "20161.0690502.0"),  # as typed: the validator reports it
        ("201310340567:9", "201310340567.9"),  # the dot read as a colon (a speck above it)
        ("专利号：201310340567：X", "201310340567.X"),
        ("无", None),
    ],
)
def test_normalize_patent_number_examples(text: str, expected: str | None) -> None:
    assert normalize_patent_number(text) == expected


@settings(max_examples=100, deadline=None)
@given(
    st.integers(min_value=1985, max_value=2030),
    st.sampled_from("12389"),
    st.integers(min_value=0, max_value=9_999_999),
    st.sampled_from("0123456789X"),
    st.sampled_from(["ZL{y}{k}{s}.{c}", "ZL {y} {k} {s}.{c}", "ZL{y}{k}{s}{c}", "{y}{k}{s}.{c}", "CN{y}{k}{s}.{c}", "ZL{y}{k}{s}·{c}"]),
)
def test_patent_number_round_trip(year: int, kind: str, serial: int, check: str, form: str) -> None:
    written = form.format(y=year, k=kind, s=f"{serial:07d}", c=check)
    assert normalize_patent_number(written) == f"{year}{kind}{serial:07d}.{check}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GB/T 19001-2016", "GB/T 19001-2016"),
        ("GB/T19001—2016", "GB/T 19001-2016"),
        ("T/XZYC 00552024", "T/XZYC 0055-2024"),
        ("DB 41/T 1234-2021", "DB41/T 1234-2021"),
        ("Q/XXX 001-2020", "Q/XXX 001-2020"),
        ("GB 2760-2014", "GB 2760-2014"),
        ("gb 2760-96", "GB 2760-96"),
        ("GB 50016", "GB 50016"),
        ("T/CNIA040-2021", "T/CNIA 040-2021"),
        ("GB 4706.1-2005", "GB 4706.1-2005"),
        ("DB41/T 1981-202 0", "DB41/T 1981-2020"),
        # a year that is not one is kept as written: the reviewer sees the typo
        ("Q/CY 004-20218", "Q/CY 004-20218"),
        ("Q/CY 004-202", "Q/CY 004-202"),
        ("JC/T4749-2020", "JC/T 4749-2020"),
        ("T/CMIF283-2020", "T/CMIF 283-2020"),
        ("T/VRA 012-2020", "T/VRA 012-2020"),  # a group code may start with V
        ("TSG 21-2016", "TSG 21-2016"),
        ("QB/T 1234-2020", "QB/T 1234-2020"),
        ("QC 1234-2020", "QC 1234-2020"),
        ("", None),
    ],
)
def test_normalize_standard_number_examples(text: str, expected: str | None) -> None:
    assert normalize_standard_number(text) == expected


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(["GB", "GB/T", "JB/T", "QB/T", "HG/T", "YB/T", "SJ/T", "DB41/T", "T/CAMS", "T/XZYC", "Q/HNYD"]),
    st.integers(min_value=100, max_value=99999),
    st.integers(min_value=1990, max_value=2030),
    st.sampled_from(["{c} {n}-{y}", "{c}{n}-{y}", "{c} {n}—{y}", "{c} {n}－{y}", "{c} {n}{y}", "{c}  {n} - {y}"]),
)
def test_standard_number_round_trip(code: str, number: int, year: int, form: str) -> None:
    written = form.format(c=code, n=number, y=year)
    normalised = normalize_standard_number(written)
    assert normalised == f"{code} {number}-{year}"
    assert standard_year(normalised) == year


def test_a_malformed_standard_year_has_no_year() -> None:
    assert standard_year(normalize_standard_number("Q/CY 004-20218")) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("91330100MA0NJUL76Y", "91330100MA0NJUL76Y"),
        ("91330100MAONJUL76Y", "91330100MAONJUL76Y"),  # as written: look-alikes are an OCR correction
        ("９１３３０１００ＭＡ０ＮＪＵＬ７６Ｙ", "91330100MA0NJUL76Y"),
        ("9133 0100 MA0NJUL76Y", "91330100MA0NJUL76Y"),
        ("91330100mas0", "91330100MAS0"),  # not 18 characters: kept as read for the validator
        ("  ", None),
    ],
)
def test_normalize_uscc(text: str, expected: str | None) -> None:
    assert normalize_uscc(text) == expected
