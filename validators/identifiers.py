"""Checks of the identifiers found in the lists: patent numbers, USCCs, standard numbers.

Each validator takes an already-normalised string (see `extractors/analysis/numbers.py`) and
returns None when it is well formed, else a short Simplified-Chinese reason that a
finding message can quote. Nothing here raises on bad input: a bad identifier is
data for a finding, not an error.
"""

from __future__ import annotations

import re
from datetime import date

from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, ValidationError

# --- patent numbers (CNIPA application numbers) --------------------------------------------

PATENT_WEIGHTS: tuple[int, ...] = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)

# type digit → kind, as `PatentEntry.kind` spells it (8/9: PCT applications entering China)
PATENT_TYPE_DIGITS: dict[str, str] = {
    "1": "invention",
    "2": "utility",
    "3": "design",
    "8": "invention",
    "9": "utility",
}

# 12-digit numbers started on 2003-10-01; the 8-digit form ran from 1985 until then.
FIRST_12_DIGIT_YEAR = 2003
OLD_FORM_YEARS: frozenset[int] = frozenset(list(range(85, 100)) + [0, 1, 2, 3])

_PATENT_SHAPE = re.compile(r"^(?P<digits>\d+)(?:\.?(?P<check>[0-9X]))?$")


def patent_check_char(digits: str) -> str:
    """Check character of a CN application number: Σ dᵢ·wᵢ mod 11, remainder 10 → "X".

    The check is the remainder itself (not 11 minus it). Works for the 12-digit and
    the 8-digit form: weights 2..9 then 2..5 again.
    """
    if not digits.isdigit() or len(digits) > len(PATENT_WEIGHTS):
        raise ValueError(f"patent digits must be 1..12 ASCII digits, got {digits!r}")
    remainder = sum(int(d) * w for d, w in zip(digits, PATENT_WEIGHTS)) % 11
    return "X" if remainder == 10 else str(remainder)


_PREFIX = re.compile(r"^(?:ZL|CN)[.:：]?")


def _split_patent(normalized: str) -> tuple[str, str | None] | None:
    """(digits, check char or None) when the text is digits with an optional check; else None.

    Tolerates what a normaliser may have left: spaces and a ZL/CN prefix.
    """
    text = _PREFIX.sub("", re.sub(r"\s+", "", normalized).upper())
    match = _PATENT_SHAPE.match(text)
    if not match:
        return None
    digits, check = match.group("digits"), match.group("check")
    if check is None and "." not in text and len(digits) in (9, 13):
        # "201710595987X"-style numbers lose only the dot; an all-digit 13 reads as 12 + check
        digits, check = digits[:-1], digits[-1]
    return digits, check


def validate_patent_number(normalized: str, latest_year: int | None = None) -> str | None:
    """None when `normalized` ("202110234567.8", "95115608.X") is a well-formed number.

    Otherwise a short reason: wrong length, missing or wrong check character,
    impossible filing year, unknown type digit. `latest_year` bounds the filing year
    (default: this year).
    """
    latest = latest_year or date.today().year
    parts = _split_patent(normalized)
    if parts is None:
        return "专利号应为数字加校验位（如 202110234567.8），含有其他字符"
    digits, check = parts
    if len(digits) not in (8, 12):
        return f"专利号应为12位（2003年10月前为8位）数字加校验位，实为{len(digits)}位数字"
    if len(digits) == 12:
        year = int(digits[:4])
        if not FIRST_12_DIGIT_YEAR <= year <= latest:
            return f"申请年份{year}不合理（12位专利号的年份应在{FIRST_12_DIGIT_YEAR}—{latest}年之间）"
        type_digit = digits[4]
    else:
        year = int(digits[:2])
        if year not in OLD_FORM_YEARS:
            return f"申请年份“{digits[:2]}”不合理（8位专利号用于1985—2003年的申请）"
        type_digit = digits[2]
    if type_digit not in PATENT_TYPE_DIGITS:
        return f"专利类型位“{type_digit}”无效（应为1、2、3、8或9）"
    if check is None:
        return "专利号缺少校验位"
    expected = patent_check_char(digits)
    if check != expected:
        return f"校验位应为“{expected}”，实为“{check}”"
    return None


def canonical_patent_number(number: str) -> str:
    """"ZL 2021 1 0234567.8" and "2021102345678" → "202110234567.8"; other text compacted and upper-cased."""
    parts = _split_patent(number)
    if parts is None:
        return re.sub(r"\s+", "", number).upper()
    digits, check = parts
    return f"{digits}.{check}" if check else digits


def patent_type(normalized: str) -> str:
    """"invention" | "utility" | "design" from the type digit, "unknown" when it cannot be read.

    12-digit numbers carry the type in digit 5, 8-digit numbers in digit 3; PCT
    entries (8 → invention, 9 → utility model) count as their kind.
    """
    parts = _split_patent(normalized)
    if parts is None:
        return "unknown"
    digits = parts[0]
    if len(digits) == 12:
        return PATENT_TYPE_DIGITS.get(digits[4], "unknown")
    if len(digits) == 8:
        return PATENT_TYPE_DIGITS.get(digits[2], "unknown")
    return "unknown"


# --- 统一社会信用代码 (GB 32100-2015) ---------------------------------------------------------


def validate_uscc(code: str) -> str | None:
    """None when python-stdnum accepts the code; else a reason (a reviewer checks: pilot codes fail)."""
    try:
        stdnum_uscc.validate(code)
    except InvalidLength:
        return f"统一社会信用代码应为18位，实为{len(stdnum_uscc.compact(code))}位"
    except InvalidFormat:
        return "统一社会信用代码含有不允许的字符（不得使用I、O、Z、S、V）或格式不符"
    except InvalidChecksum:
        return "统一社会信用代码校验位不符（早期试点代码也可能如此，请人工核对）"
    except InvalidComponent:
        return "统一社会信用代码的登记管理部门或机构类别代码无效"
    except ValidationError as exc:  # any other stdnum verdict, named by its class
        return f"统一社会信用代码不符合 GB 32100-2015（{type(exc).__name__}）"
    return None


# --- standard numbers ------------------------------------------------------------------------

NATIONAL_CODES: frozenset[str] = frozenset({"GB", "GB/T", "GB/Z", "GBZ", "GBZ/T", "GJB", "GJB/Z"})

# 行业标准代号 (industry standard codes), including engineering-construction codes.
INDUSTRY_CODES: frozenset[str] = frozenset(
    """AQ BB CB CH CJ CY DA DB DL DZ EJ FZ GA GH GM GY HB HG HJ HS HY JB JC JG JR JT JY LB LD LS
    LY MH MT MZ NB NY QB QC QJ QX RB SB SC SF SH SJ SL SN SW SY TB TD TY WB WH WJ WM WS WW XB XF
    YB YC YD YJ YS YY YZ ZY JJF JJG JGJ CJJ JTG TSG SJG DLT NB/SH""".split()
)

# 省级行政区划代码 used by local standards (DB41/T …)
PROVINCE_CODES: frozenset[str] = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82".split()
)

_DASHES = "-－–—‐"
_STANDARD = re.compile(
    r"^(?P<code>[TQ]/[A-Z0-9]+|DB\d{2}(?:\d{2})?|[A-Z]+(?:/[A-Z]+)*?)(?:/(?P<suffix>[TZ]))?"
    r"\s*(?P<num>[A-Z]{0,3}\d[\d.]*[A-Z]?)"
    r"(?:\s*[" + _DASHES + r"]\s*(?P<year>\d+))?$"
)
_INTERNATIONAL = re.compile(r"^(?:ISO|IEC)(?:/(?:IEC|TS|TR|PAS))*\s*\d+(?:-\d+)*(?::\d{4})?$")
_PLAN_NUMBER = re.compile(r"^\d{8}-[TZQ]-\d{3}$")  # 国家标准计划号 of a standard still being drafted
_EARLIEST_STANDARD_YEAR = 1950


def _standard_code_problem(code: str, suffix: str | None, number: str) -> str | None:
    """Why the code part is not a known kind of standard code, or None."""
    if code == "T" or code.startswith("T/"):
        group = code[2:]
        if suffix is not None or not re.fullmatch(r"[A-Z][A-Z0-9]{1,11}", group):
            return f"团体标准代号“{code}”格式不符（应为 T/社会团体代号，如 T/CAMS）"
        return None
    if code.startswith("Q/"):
        if not re.fullmatch(r"[A-Z0-9]{1,20}", code[2:]):
            return f"企业标准代号“{code}”格式不符（应为 Q/企业代号）"
        return None
    local = re.fullmatch(r"DB(\d{2})(\d{2})?", code)
    if local:
        if local.group(1) not in PROVINCE_CODES:
            return f"地方标准代号“{code}”中的行政区划代码“{local.group(1)}”无效"
        return None
    full = f"{code}/{suffix}" if suffix else code
    if full in NATIONAL_CODES:
        if not re.fullmatch(r"\d[\d.]*", number):
            return f"国家标准顺序号“{number}”应为数字"
        return None
    if code in INDUSTRY_CODES:
        return None
    return f"未知的标准代号“{full}”"


def validate_standard_number(normalized: str, latest_year: int | None = None) -> str | None:
    """None when `normalized` reads as code [/T|/Z] number-year ("GB/T 19001-2016"); else a reason.

    Accepts national (GB, GB/T, GB/Z), industry (JB/T, QB/T, …), local (DB41/T),
    group (T/CAMS) and enterprise (Q/XXX) standards, 2- or 4-digit years; also
    international numbers (ISO 9001:2015) and 国家标准计划号 of standards still in drafting.
    """
    latest = (latest_year or date.today().year) + 1
    text = re.sub(r"\s+", " ", normalized.strip().upper())
    if not text:
        return "标准号为空"
    if _INTERNATIONAL.match(text) or _PLAN_NUMBER.match(text):
        return None
    match = _STANDARD.match(text)
    if not match:
        return "标准号不符合“代号 顺序号-年号”格式（如 GB/T 19001-2016）"
    code, suffix, number, year = match.group("code"), match.group("suffix"), match.group("num"), match.group("year")
    problem = _standard_code_problem(code, suffix, number)
    if problem:
        return problem
    if number.endswith(".") or ".." in number:
        return f"顺序号“{number}”格式不符"
    if year is None:
        return "标准号缺少年号（应为“顺序号-年号”，如 19001-2016）"
    if len(year) == 4:
        if not _EARLIEST_STANDARD_YEAR <= int(year) <= latest:
            return f"年号“{year}”不合理"
    elif len(year) != 2:
        return f"年号“{year}”应为4位（旧标准为2位）"
    return None
