"""Text helpers for Chinese: CJK classes and the spaces that do not belong between CJK characters."""

from __future__ import annotations

import re

CJK_IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_WIDE = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_PUNCT = r"\u3000-\u303f\uff00-\uffef"
_SPACE_BETWEEN_CJK = re.compile(
    rf"(?<=[{_CJK_WIDE}])[ \u00a0]+(?=[{_CJK_WIDE}])"  # between two CJK characters
    rf"|(?<=[{_CJK_PUNCT}])[ \u00a0]+|[ \u00a0]+(?=[{_CJK_PUNCT}])"  # beside full-width punctuation
    rf"|(?<=[{_CJK_WIDE}])[ \u00a0]+(?=[:;,!?()\[\]])|(?<=[:;,!?()\[\]])[ \u00a0]+(?=[{_CJK_WIDE}])"  # "名称 : 值"
    rf"|(?<=[(\[])[ \u00a0]+|[ \u00a0]+(?=[)\]])"  # "( 参与 )"
)
_IS_CJK_WIDE = re.compile(rf"[{_CJK_WIDE}]")


def is_cjk_wide(char: str) -> bool:
    """A CJK ideograph, CJK punctuation or full-width form: no space belongs next to it."""
    return bool(_IS_CJK_WIDE.fullmatch(char))


def count_cjk_ideographs(text: str) -> int:
    return len(CJK_IDEOGRAPH.findall(text))


def collapse_cjk_spaces(text: str) -> str:
    """Remove spaces between two CJK characters and beside full-width punctuation;
    keep those in Latin text and numbers ("ZL 2021 1 0234567.X")."""
    return _SPACE_BETWEEN_CJK.sub("", text)
