"""Parsers for the numbers, dates and identifiers written in application packets.

Every parser takes text as written (full-width digits, Chinese numerals, thousands
separators, qualifiers such as 约/近/超/逾, OCR spacing) and returns the value in the
contract's unit, or None when the text holds no such value. Nothing is guessed: a
bare number without a unit is only accepted when the caller says which unit the
surrounding table header gives.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

import cn2an

# --- text normalisation -----------------------------------------------------------

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d~～"
_CN_DIGITS = "零〇一二两三四五六七八九"
_CN_NUMERAL_CHARS = "零〇一二两三四五六七八九十百千"
_CN_DIGIT_VALUE = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2, "○": 0, "Ｏ": 0}


def normalize_text(text: str) -> str:
    """NFKC (full-width digits, ％, ．, km²), unified dashes and dots, no thousands separators."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(f"[{_DASHES}]", "-", text)
    text = text.replace("·", ".").replace("。", ".") if re.search(r"\d[·。]\d", text) else text
    # thousands separators: 1,234,567.8 → 1234567.8 (a comma followed by exactly three digits)
    text = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)
    # OCR/typesetting spaces inside a number: "45 .2" / "45. 2"
    text = re.sub(r"(?<=\d)\s*\.\s*(?=\d)", ".", text)
    return text


def _to_decimal(number_text: str) -> Decimal | None:
    """Arabic ("45.2") or Chinese ("四十五点二", "二〇二二") numeral → Decimal."""
    number_text = number_text.strip()
    if not number_text:
        return None
    if re.fullmatch(r"-?\d+(?:\.\d+)?", number_text):
        return Decimal(number_text)
    try:
        value = cn2an.cn2an(number_text, "normal")
    except (ValueError, KeyError, IndexError):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _as_float(value: Decimal) -> float:
    """Decimal → float without binary noise (45.2, not 45.199999)."""
    return float(round(value, 8).normalize())


_NUMBER = rf"(?:\d+(?:\.\d+)?|[{_CN_NUMERAL_CHARS}]+(?:点[{_CN_NUMERAL_CHARS}]+)?)"
_BARE_NUMBER = re.compile(r"^[\s（）()：:]*[约近超逾达共计合总约为余多过：:]*\s*(-?\d+(?:\.\d+)?)\s*[余多]?[\s（）()]*$")


def _bare_number(text: str) -> Decimal | None:
    """A cell that holds only a number (possibly with a qualifier): "45.2", "约 45.2"."""
    match = _BARE_NUMBER.match(text)
    if match:
        return Decimal(match.group(1))
    # two characters at least: a lone "一" in a scanned cell is a ruling line as often as a number
    chinese = re.fullmatch(rf"\s*[约近超逾达]*\s*([{_CN_NUMERAL_CHARS}]{{2,}}(?:点[{_CN_NUMERAL_CHARS}]+)?|[{_CN_NUMERAL_CHARS}]点[{_CN_NUMERAL_CHARS}]+)\s*", text)
    return _to_decimal(chinese.group(1)) if chinese else None


# --- money ------------------------------------------------------------------------

_MONEY_UNIT_TO_YI = {
    "亿元": Decimal(1),
    "亿": Decimal(1),
    "千万元": Decimal("0.1"),
    "千万": Decimal("0.1"),
    "百万元": Decimal("0.01"),
    "百万": Decimal("0.01"),
    "万元": Decimal("0.0001"),
    "元": Decimal("0.00000001"),
}
_MONEY = re.compile(
    rf"(?P<num>{_NUMBER})\s*(?:亿\s*零?\s*(?P<wan>{_NUMBER})\s*(?P<mixed>万元|万)|(?P<unit>亿元|亿|千万元|千万|百万元|百万|万元|元))"
)


def _money_match_yi(match: re.Match) -> Decimal | None:
    """One money match in 亿元: "45.2亿元", "746百万元", and mixed units "四十四亿四千万元" (44.4)."""
    number = _to_decimal(match.group("num"))
    if number is None:
        return None
    if match.group("mixed"):
        wan = _to_decimal(match.group("wan"))
        return None if wan is None else number + wan * _MONEY_UNIT_TO_YI["万元"]
    return number * _MONEY_UNIT_TO_YI[match.group("unit")]


def parse_money_yi(text: str, default_unit: str | None = None) -> float | None:
    """First amount of money in `text`, in 亿元.

    `default_unit` ("亿元" / "万元" / "元") applies to a bare number, e.g. a table cell
    under a "产值（亿元）" header; without it a bare number is not money.
    """
    text = normalize_text(text)
    match = _MONEY.search(text)
    if match:
        value = _money_match_yi(match)
        if value is not None:
            return _as_float(value)
    if default_unit is not None:
        number = _bare_number(text)
        if number is not None:
            return _as_float(number * _MONEY_UNIT_TO_YI[default_unit])
    return None


def find_money_yi(text: str) -> list[tuple[float, tuple[int, int]]]:
    """Every amount of money in `text`, in 亿元, with its character span in the normalised text."""
    out: list[tuple[float, tuple[int, int]]] = []
    for match in _MONEY.finditer(normalize_text(text)):
        value = _money_match_yi(match)
        if value is not None:
            out.append((_as_float(value), match.span()))
    return out


# --- percentages ------------------------------------------------------------------

_PERCENT = re.compile(r"(?P<sign>[-负])?\s*(?P<num>\d+(?:\.\d+)?)\s*%")
_PERCENT_CN = re.compile(rf"(?P<sign>负)?百分之(?P<num>{_NUMBER})")


def parse_percent(text: str, assume_unit: bool = False) -> float | None:
    """First percentage in `text` ("14.2%", "百分之十四点二"); a bare number only with `assume_unit`."""
    text = normalize_text(text)
    candidates: list[tuple[int, Decimal, bool]] = []
    for pattern in (_PERCENT, _PERCENT_CN):
        match = pattern.search(text)
        if match:
            number = _to_decimal(match.group("num"))
            if number is not None:
                candidates.append((match.start(), number, bool(match.group("sign"))))
    if candidates:
        _, number, negative = min(candidates, key=lambda c: c[0])
        return _as_float(-number if negative else number)
    if assume_unit:
        number = _bare_number(text)
        if number is not None:
            return _as_float(number)
    return None


# --- counts -----------------------------------------------------------------------

_COUNT = re.compile(rf"(?P<num>{_NUMBER})\s*(?P<wan>万)?\s*(?:余|多)?\s*(?P<unit>家|个|件|人|项|名|户|位)")


def parse_count(text: str, assume_unit: bool = False) -> float | None:
    """First count in `text` ("33家", "1.2万人" → 12000); a bare number only with `assume_unit`."""
    text = normalize_text(text)
    match = _COUNT.search(text)
    number: Decimal | None = None
    if match:
        number = _to_decimal(match.group("num"))
        if number is not None and match.group("wan"):
            number *= 10000
    if number is None and assume_unit:
        wan = re.match(r"^\s*[约近超逾达共计合总]*\s*(\d+(?:\.\d+)?)\s*万\s*$", text)
        number = Decimal(wan.group(1)) * 10000 if wan else _bare_number(text)
    return _as_float(number) if number is not None else None


# --- area -------------------------------------------------------------------------

_AREA_UNIT_TO_KM2 = {
    "平方公里": Decimal(1),
    "平方千米": Decimal(1),
    "km2": Decimal(1),
    "公里2": Decimal(1),
    "平方米": Decimal("0.000001"),
    "m2": Decimal("0.000001"),
    "公顷": Decimal("0.01"),
    "亩": Decimal(1) / Decimal(1500),
    # unit words read whole: "2066.70万亩" is 2066.70 × 10 000 亩
    "万亩": Decimal(10000) / Decimal(1500),
    "万公顷": Decimal(100),
    "万平方米": Decimal("0.01"),
}
_AREA = re.compile(
    rf"(?P<num>{_NUMBER})\s*(?P<wan>万)?\s*(?P<unit>平方公里|平方千米|km2|公里2|万平方米|平方米|m2|万公顷|公顷|万亩|亩)", re.IGNORECASE
)


def parse_area_km2(text: str, default_unit: str | None = None) -> float | None:
    """First area in `text`, in km² (亩 ÷ 1500, 公顷 ÷ 100, 平方米 ÷ 1e6); bare numbers only with `default_unit`."""
    text = normalize_text(text)
    match = _AREA.search(text)
    if match:
        number = _to_decimal(match.group("num"))
        if number is not None:
            if match.group("wan"):
                number *= 10000
            return _as_float(number * _AREA_UNIT_TO_KM2[match.group("unit").lower()])
    if default_unit is not None:
        number = _bare_number(text)
        if number is not None:
            return _as_float(number * _AREA_UNIT_TO_KM2[normalize_text(default_unit).lower()])
    return None


# --- dates ------------------------------------------------------------------------

_CN_DATE = re.compile(
    rf"(?P<y>[{_CN_DIGITS}○Ｏ]{{4}})\s*年\s*(?:(?P<m>[{_CN_NUMERAL_CHARS}]{{1,3}})\s*月\s*(?:(?P<d>[{_CN_NUMERAL_CHARS}]{{1,4}})\s*日)?)?"
)
_YMD_CN = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*年\s*(?:(?P<m>\d{1,2})\s*月\s*(?:(?P<d>\d{1,2})\s*日)?)?")
_YMD_SEP = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*(?P<sep>[-./])\s*(?P<m>\d{1,2})(?:\s*(?P=sep)\s*(?P<d>\d{1,2}))?(?!\d)")
_YMD_COMPACT = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)(?!\d)")


def _format_date(year: int, month: int | None, day: int | None) -> str | None:
    if not 1900 <= year <= 2100:
        return None
    if month is None:
        return f"{year:04d}"
    if not 1 <= month <= 12:
        return f"{year:04d}"
    if day is None:
        return f"{year:04d}-{month:02d}"
    try:
        date(year, month, day)
    except ValueError:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}"


def _cn_small_int(text: str | None) -> int | None:
    if not text:
        return None
    number = _to_decimal(text)
    return int(number) if number is not None else None


def parse_date(text: str) -> str | None:
    """First date in `text` as "YYYY-MM-DD", "YYYY-MM" or "YYYY".

    Handles 2022年9月29日, 2022.09.29, 2022-9-29, 2022/09, 20220929, 二〇二二年九月 and the
    blank template "2022 年 月 日" (→ "2022"): the parts that are written, no more.
    """
    text = re.sub(r"(?<=\d)\s+(?=\d)", "", normalize_text(text))  # "2022-08-1 0" from a PDF cell
    found: list[tuple[int, str]] = []
    for pattern in (_YMD_CN, _YMD_SEP, _YMD_COMPACT):
        match = pattern.search(text)
        if match:
            month = int(match.group("m")) if match.group("m") else None
            day = int(match.group("d")) if match.group("d") else None
            formatted = _format_date(int(match.group("y")), month, day)
            if formatted:
                found.append((match.start(), formatted))
    match = _CN_DATE.search(text)
    if match:
        year = int("".join(str(_CN_DIGIT_VALUE[c]) for c in match.group("y")))
        formatted = _format_date(year, _cn_small_int(match.group("m")), _cn_small_int(match.group("d")))
        if formatted:
            found.append((match.start(), formatted))
    if not found:
        return None
    # earliest in the text; at the same place, the most specific reading
    found.sort(key=lambda f: (f[0], -len(f[1])))
    return found[0][1]


# --- identifiers ------------------------------------------------------------------

_PATENT_NEW = re.compile(r"(?<!\d)((?:19|20)\d{2}[1-9]\d{7})(?:\.?([0-9X]))?(?![0-9])")
_PATENT_OLD = re.compile(r"(?<!\d)(\d{2}[1-9]\d{5})(?:\.?([0-9X]))?(?![0-9])")


def normalize_patent_number(text: str) -> str | None:
    """Patent number as the contract writes it: no ZL/CN prefix, no spaces, with the dot.

    "ZL 2021 1 0234567.X" → "202110234567.X"; "ZL95115608X" → "95115608.X". A number
    that does not fit either form is kept as written (spaces and prefix removed) so the
    validators can report it; None only when the text holds no digits at all.
    """
    folded = normalize_text(text).upper()
    compact = _patent_compact(folded)
    if not re.search(r"\d", compact):
        return None
    for pattern in (_PATENT_NEW, _PATENT_OLD):
        match = pattern.fullmatch(compact)
        if match is None:
            # a cell holding more than the number (a row number, the title: "20 201610253074.5 一种…"):
            # the number is the piece of the number's shape, set off by blanks or by the words
            # around it ("…的加工37 201811513789.5方法")
            pieces = (pattern.fullmatch(_patent_compact(piece))
                      for piece in folded.split() + re.findall(r"(?<![A-Z])[0-9][0-9.·X]{7,}", folded))
            match = next((m for m in pieces if m), None)
        if match is None and len(compact) > 14:
            match = pattern.search(compact)
        if match:
            body, check = match.group(1), match.group(2)
            return f"{body}.{check}" if check else body
    return compact


def _patent_compact(text: str) -> str:
    compact = re.sub(r"\s+", "", text)
    compact = compact.replace("·", ".").replace(",", ".").replace("。", ".")
    compact = re.sub(r"^(?:专利号|申请号|授权号)[:：]?", "", compact)
    compact = re.sub(r"^(?:ZL|CN)[.:：]?(?=\d)", "", compact)
    # the dot before the check character read as a colon ("201310340567:9": a speck above it)
    compact = re.sub(r"(?<=\d)[:：](?=[0-9X]$)", ".", compact)
    # OCR misreads of "ZL" ("Z1", "2L", "ZI", "21") in front of a 12-digit number
    return re.sub(r"^(?:Z2L|Z[1I]|2L|21)(?=(?:19|20)\d{10}\.?[0-9X]?$)", "", compact)


_STANDARD = re.compile(
    r"(?P<code>[TQ]\s*/\s*[A-Z]{1,12}|[A-Z]{1,6}(?:\s*\d{1,4}(?=\s*/))?\s*(?:/\s*[TZ]?)?)"
    r"\s*(?P<num>\d+(?:\.\d+)*[A-Z]?)"
    r"(?:\s*-\s*(?P<year>\d{1,8})(?!\d))?"
)
_EARLIEST_STANDARD_YEAR = 1980
_LATEST_STANDARD_YEAR = 2035


def normalize_standard_number(text: str) -> str | None:
    """Standard number as "GB/T 19001-2016": code, one space, number, dash, year.

    A dash lost in extraction is restored when the last four digits read as a
    plausible year and at least three digits remain (`T/XZYC 00552024` →
    `T/XZYC 0055-2024`). Text that does not read as a standard number is returned
    as written (spaces collapsed) so the validators can report it; None when blank.
    A year that is not a plausible year ("Q/CY 004-20218") is kept as written, so the
    reviewer sees the typo and the validators report the number as malformed.
    """
    cleaned = normalize_text(text).strip().upper()
    cleaned = re.sub(r"(?<=\d)\s+(?=\d)", "", cleaned)  # "1981-202 0" from a PDF cell
    cleaned = re.sub(r"\s+", " ", cleaned)
    if not cleaned:
        return None
    match = _STANDARD.search(cleaned)
    if not match:
        return cleaned if re.search(r"\d", cleaned) else None
    code = re.sub(r"\s+", "", match.group("code"))
    number = match.group("num")
    year = match.group("year")
    if year is None:
        digits = re.fullmatch(r"(\d{3,})(\d{4})", number)
        if digits and _EARLIEST_STANDARD_YEAR <= int(digits.group(2)) <= _LATEST_STANDARD_YEAR:
            number, year = digits.group(1), digits.group(2)
    return f"{code} {number}-{year}" if year else f"{code} {number}"


def standard_year(number: str) -> int | None:
    """The year a normalised standard number carries (4-digit, or 2-digit read as 19xx/20xx)."""
    match = re.search(r"-(\d{4}|\d{2})$", number)
    if not match:
        return None
    year = int(match.group(1))
    if len(match.group(1)) == 2:
        year += 1900 if year > 50 else 2000
    return year


# --- unified social credit code (GB 32100) -------------------------------------------

# A USCC-shaped run, allowing the letters OCR reads for digits (O for 0, I for 1, …) in the
# all-digit part: found in any text, repaired only in OCR text (ocr_corrections).
USCC_LOOSE = re.compile(r"(?<![0-9A-Za-z])[0-9ODQILJTSZB]{2}\s?[0-9ODQILJTSZB]{6}\s?[0-9A-Z]{10}(?![0-9A-Za-z])")


def normalize_uscc(text: str) -> str | None:
    """USCC as written: upper case, blanks and widths folded. A look-alike letter read by OCR is
    repaired before (`ocr_corrections.repair_ocr_uscc`, OCR text only): a code typed wrong in a text
    layer or DOCX is kept as written so the validators report it. None when blank."""
    compact = re.sub(r"\s", "", normalize_text(text)).upper()
    return compact or None


def find_uscc_loose(text: str) -> str | None:
    """The first USCC-shaped run in `text` (look-alike letters allowed in the digit part), as written."""
    match = USCC_LOOSE.search(normalize_text(text).upper())
    return normalize_uscc(match.group()) if match else None
