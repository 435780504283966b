"""Corrections of OCR misreads, applied only to text read by OCR (never to a text layer or DOCX)."""

from __future__ import annotations

import re

_MISREAD_OPENING = re.compile(r"[〈《]([^〈〉《》()（）]*[)）])")


def repair_brackets(text: str) -> str:
    """Tesseract reads a full-width "（" as "〈" or "《": "情况〈家)", "绒业《印度尼西亚)有限公司".
    An "〈"/"《" closed by a parenthesis (not by "〉"/"》") was a parenthesis."""
    return _MISREAD_OPENING.sub(r"(\1", text)
