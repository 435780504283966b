"""Does OCR text read as Chinese? The share of its characters that fall in dictionary words.

A page read upside down still gives confident characters in horizontal lines (many
characters turned 180° look like others: "不亚洲兰坊则多效图…"), so confidence and line
shape do not tell it. Chinese prose, headings, names and table labels are made of
words: segmented with jieba's dictionary (no HMM guessing), 80–90 % of their characters
sit in words of two or more characters, even through OCR slips; the characters of a
page read the wrong way round mostly stand alone (~20 %).
"""

from __future__ import annotations

import logging
import re
from typing import Iterable

import jieba

jieba.setLogLevel(logging.WARNING)

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")

MIN_CHARS = 12
"""Fewer CJK characters than this (a page of figures, a stamp) give no verdict."""

READS_WRONG = 0.5
"""Below this a page is worth turning: read the right way up, pages score 0.7 and more."""

GIBBERISH = 0.35
"""Below this, whichever way it was turned, the text is not language and feeds nothing."""


def word_share(texts: Iterable[str]) -> float | None:
    """Share of CJK characters lying in dictionary words of ≥ 2 characters; None when too few to judge."""
    in_words = total = 0
    for text in texts:
        for run in _CJK_RUN.findall(text):
            total += len(run)
            in_words += sum(len(w) for w in jieba.lcut(run, HMM=False) if len(w) >= 2)
    if total < MIN_CHARS:
        return None
    return in_words / total


def reads_wrong(texts: Iterable[str]) -> bool:
    share = word_share(texts)
    return share is not None and share < READS_WRONG


def is_gibberish(texts: Iterable[str]) -> bool:
    share = word_share(texts)
    return share is not None and share < GIBBERISH
