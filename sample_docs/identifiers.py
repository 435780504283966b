"""Valid (and deliberately broken) identifiers for generated packets.

Patent numbers follow the CNIPA scheme described in domain.md; USCCs follow
GB 32100-2015 with the check character from python-stdnum, and their embedded
organisation code carries its own GB 11714 check so the codes look real.
"""

from __future__ import annotations

import random

from stdnum.cn import uscc as stdnum_uscc

PATENT_WEIGHTS: tuple[int, ...] = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)

# GB 11714 organisation code: characters, values and weights
_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def patent_check_char(digits: str) -> str:
    """Check character of a CN application number: Σ dᵢ·wᵢ mod 11, 10 → X."""
    remainder = sum(int(d) * w for d, w in zip(digits, PATENT_WEIGHTS)) % 11
    return "X" if remainder == 10 else str(remainder)


def wrong_patent_check_char(digits: str) -> str:
    """A check character that is certainly not the right one."""
    right = patent_check_char(digits)
    candidates = [c for c in "0123456789X" if c != right]
    return candidates[sum(int(d) for d in digits) % len(candidates)]


def make_patent_digits(rng: random.Random, year: int, kind_digit: int) -> str:
    """12 digits: filing year, type digit, 7-digit serial."""
    return f"{year}{kind_digit}{rng.randint(0, 9999999):07d}"


def normalized_patent(digits: str, check: str) -> str:
    return f"{digits}.{check}"


def write_patent(rng: random.Random, digits: str, check: str, style: str) -> str:
    """The number as an applicant might write it (ZL/CN prefix, spacing, dot or not)."""
    if style == "zl_spaced":
        return f"ZL {digits[:4]} {digits[4]} {digits[5:]}.{check}"
    if style == "zl_compact":
        return f"ZL{digits}.{check}"
    if style == "zl_space":
        return f"ZL {digits}.{check}"
    if style == "plain":
        return f"{digits}.{check}"
    if style == "cn":
        return f"CN{digits}.{check}"
    if style == "nodot":
        return f"ZL{digits}{check}"
    raise ValueError(f"unknown patent writing style {style!r}")


def _org_code(rng: random.Random) -> str:
    body = "MA" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(6))
    total = sum(_ORG_ALPHABET.index(c) * w for c, w in zip(body, _ORG_WEIGHTS))
    check = 11 - total % 11
    check_char = "X" if check == 10 else "0" if check == 11 else str(check)
    return body + check_char


def make_uscc(rng: random.Random, division_code: str) -> str:
    """A syntactically real USCC for an enterprise (9 1 + division + org code + check)."""
    first17 = "91" + division_code + _org_code(rng)
    return first17 + stdnum_uscc.calc_check_digit(first17)


def break_uscc(code: str) -> str:
    """The same code with a wrong final check character."""
    right = code[-1]
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    wrong = alphabet[(alphabet.index(right) + 7) % len(alphabet)]
    return code[:-1] + wrong
