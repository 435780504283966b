"""Matching a heading, a 目录 line or a file name to one of the 20 required items, by meaning.

Real packets number headings in every style (一、 / 1. / （三） / 第三项 / 附件8 /
none), keep or drop the parenthetical remarks, write 证明材料 for 佐证材料, rephrase
a little, and come through OCR with noise. We compare a normalised form of the
candidate with every canonical title twice: the whole title, and its *core* (the
title with the boilerplate every item shares removed), so that items that share most
of their words (5/6/9, 10/11, 18/19) are told apart by the words that differ.
A per-item signature of key terms confirms a match.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Iterable, Sequence

import cn2an
from rapidfuzz import fuzz

from pipeline.rounds.ruleset import Ruleset

# --- normalisation -----------------------------------------------------------

_CN_NUM = "〇零一二两三四五六七八九十"
_NUM = rf"(?:\d{{1,2}}|[{_CN_NUM}]{{1,3}})"

# Numbering prefixes, tried in order; group "n" is the number. Applied to NFKC text.
_NUMBERING_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        rf"^\s*第\s*(?P<n>{_NUM})\s*(?:项|部分|章|节|条)\s*[、.:：\-_]?\s*",
        rf"^\s*(?:附件|附表|材料|附)\s*(?P<n>{_NUM})\s*(?:[、.:：\-_—]\s*|\s+|(?=\D)|$)",
        rf"^\s*[(\[【〔]\s*(?P<n>{_NUM})\s*[)\]】〕]\s*[、.:：]?\s*",
        rf"^\s*(?P<n>[{_CN_NUM}]{{1,3}})\s*[、.:：]\s*",
        r"^\s*(?P<n>\d{1,2})\s*[)）]\s*",
        r"^\s*(?P<n>\d{1,2})\s*(?:[、.:：\-_—]+(?!\d))\s*",
        r"^\s*(?P<n>\d{1,2})\s+(?=\D)",
        r"^\s*(?P<n>\d{1,2})(?=[\u4e00-\u9fff])",
    )
)

_ATTACHMENT_PATTERN = 1  # index of the 附件/材料 pattern above

# Parenthetical remarks: "(包括发明专利、…)", also one left open at the end of a line.
_PARENS = re.compile(r"[(\[【〔][^()\[\]【】〔〕]*[)\]】〕]|[(\[【〔][^()\[\]【】〔〕]*$")
# No canonical title holds a Latin letter or a digit (numbering is stripped first), so
# both are dropped: OCR debris from dot leaders ('seannsss', '.pp') then costs nothing.
_NOT_WORD = re.compile(r"[^\u3400-\u9fff]+")

# Same meaning, different words: map onto the canonical wording.
_SYNONYMS: tuple[tuple[str, str], ...] = (
    ("证明材料", "佐证材料"),
    ("相关材料", "佐证材料"),
    ("佐证资料", "佐证材料"),
    ("证明资料", "佐证材料"),
    ("支撑材料", "佐证材料"),
    ("证明文件", "佐证材料"),
    ("申请表", "申报表"),
    ("名录", "清单"),
    ("一览表", "清单"),
    ("列表", "清单"),
    ("目录", "清单"),
    ("汇总表", "清单"),
)

# Boilerplate shared by many titles, removed to get each title's distinctive core.
_BOILERPLATE: tuple[str, ...] = (
    "中小企业特色产业集群",
    "集群或集群内企业",
    "集群内",
    "集群",
    "中小企业",
    "已开展的",
    "已开展",
    "开展的",
    "开展",
    "工作情况",
    "工作",
    "情况",
    "佐证材料",
    "相关",
    "的",
    "等",
)

# Cross references and sentences, never a heading.
_REFERENCE = re.compile(r"详见|参见|请见|见附件|见第|见下|见表|附后|后附|另附|如附件|见本|如下表|上述|所述")

def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def parse_number(token: str) -> int | None:
    """'8' / '08' / '八' / '十二' → int; None when it is not a small number."""
    token = token.strip()
    if token.isdigit():
        return int(token)
    try:
        value = cn2an.cn2an(token.replace("两", "二"), "smart")
    except ValueError:
        return None
    return int(value) if float(value).is_integer() else None


def split_numbering(text: str) -> tuple[int | None, str]:
    """Strip one numbering prefix of any style: (its number or None, the rest)."""
    text = nfkc(text).strip()
    for position, pattern in enumerate(_NUMBERING_PATTERNS):
        m = pattern.match(text)
        if m:
            rest = text[m.end() :].strip()
            if not rest and position != _ATTACHMENT_PATTERN:
                return None, text  # a bare number is a number, not numbering ('附件8' alone is)
            return parse_number(m.group("n")), rest
    return None, text


def drop_parentheticals(text: str) -> str:
    previous = None
    while previous != text:
        previous, text = text, _PARENS.sub("", text)
    return text


def canonical_form(text: str) -> str:
    """Lower-case CJK/alnum only, synonyms mapped, parentheticals dropped."""
    text = drop_parentheticals(nfkc(text).lower())
    text = _NOT_WORD.sub("", text)
    for variant, canonical in _SYNONYMS:
        text = text.replace(variant, canonical)
    return text


def core_form(canonical: str) -> str:
    for word in _BOILERPLATE:
        canonical = canonical.replace(word, "")
    return canonical


# --- matching ---------------------------------------------------------------


@dataclass(frozen=True)
class TitleMatch:
    """The best item for a text, how sure we are, and the runner-up's score."""

    item: int
    score: float  # 0..100+, similarity with signature bonus
    runner_up: float
    number: int | None  # numbering written in front of the text, if any
    text: str  # the text without its numbering


@dataclass(frozen=True)
class _Title:
    item: int
    full: str  # canonical form of the title
    core: str  # the canonical form without the boilerplate all titles share
    signature: tuple[tuple[str, ...], ...]


FILE_NAME_SCORE = 78.0
FILE_NAME_SCORE_WITH_NUMBER = 55.0


class ItemTitles:
    """The round's required items (rule file `items`), matched against heading-like texts."""

    def __init__(self, items: Iterable[tuple[int, str, Sequence[Sequence[str]]]]) -> None:
        items = sorted(items)
        if [number for number, _, _ in items] != list(range(1, len(items) + 1)):
            raise ValueError("items must be numbered 1..N")
        self.canonical = {number: title for number, title, _ in items}
        self._titles = tuple(
            _Title(number, canonical_form(title), core_form(canonical_form(title)), tuple(tuple(g) for g in signature))
            for number, title, signature in items
        )

    @classmethod
    def of_round(cls, ruleset: Ruleset) -> "ItemTitles":
        return cls([(item.number, item.title, item.signature) for item in ruleset.items])

    @property
    def numbers(self) -> list[int]:
        return list(self.canonical)

    def title(self, item: int) -> str:
        return self.canonical[item]

    def signature_present(self, item: int, canonical: str) -> bool:
        return all(any(term in canonical for term in group) for group in self._titles[item - 1].signature)

    def score_items(self, canonical: str) -> list[tuple[int, float]]:
        """Every item's similarity to an already canonical text, best first.

        Whole-title similarity (weight .35) plus core similarity (weight .65); the core
        also counts a good partial alignment, so that shortened headings ('专利清单')
        and OCR noise in the boilerplate still score. Signature terms add 8; text much
        longer than the title loses 2 a character.
        """
        if not canonical:
            return []
        core = core_form(canonical)
        scores = []
        for title in self._titles:
            full_score = fuzz.ratio(canonical, title.full)
            core_score = fuzz.ratio(core, title.core) if core else 0.0
            if min(len(core), len(title.core)) >= 3:
                core_score = max(core_score, 0.9 * fuzz.partial_ratio(core, title.core))
            score = 0.35 * full_score + 0.65 * core_score
            if self.signature_present(title.item, canonical):
                score += 8.0
            excess = len(canonical) - (len(title.full) + 6)
            if excess > 0:
                score -= 2.0 * excess
            if title.item == 1 and "申报表" not in canonical and ("申报材料" in canonical or "申报书" in canonical):
                score -= 20.0  # the cover's "…申报材料" is not the 申报表
            scores.append((title.item, score))
        scores.sort(key=lambda pair: -pair[1])
        return scores

    def match_title(self, text: str, numbering: str | None = None) -> TitleMatch | None:
        """The item a heading-like text names, with a score; None when it names nothing."""
        if numbering:
            text = f"{numbering.strip()} {text}"
        number, rest = split_numbering(text)
        ranked = self.score_items(canonical_form(rest))
        if len(ranked) < 2:
            return None
        (best_item, best), (_, second) = ranked[0], ranked[1]
        # A number that names one of the close contenders settles the choice.
        if number is not None and number in self.canonical and number != best_item:
            for item, score in ranked[1:4]:
                if item == number and score >= best - 6:
                    best_item, second, best = item, best, score
                    break
        return TitleMatch(best_item, best, second, number, rest)

    def file_item(self, name: str) -> int | None:
        """The item a file's own name gives ('08 有效发明专利清单.xlsx' → 8), if any."""
        stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", PurePosixPath(name).name)
        match = self.match_title(stem)
        if match is None:
            return None
        if match.number == match.item and match.score >= FILE_NAME_SCORE_WITH_NUMBER:
            return match.item
        if match.score >= FILE_NAME_SCORE and match.score - match.runner_up >= MIN_MARGIN:
            return match.item
        return None


def is_reference(text: str) -> bool:
    """A sentence that points at an item ('详见附件8…') rather than heads it."""
    return bool(_REFERENCE.search(nfkc(text)))


_PAGE_TAIL = re.compile(r"(?P<page>\d{1,3})\s*$")
_LEADER_CHARS = " \t.·…．-—_⋯‥・。:："
_LEADERS = re.compile(r"[.·…．⋯‥・]{2,}|\t|\s{2,}")


def split_page_number(text: str) -> tuple[str, int | None]:
    """'8.集群…清单……12' → ('8.集群…清单', 12); a 目录 line's trailing page number, if any.

    None of the canonical titles ends in a digit, so a trailing number after a
    non-digit is taken as the page (with or without dot leaders between).
    """
    text = nfkc(text).rstrip()
    m = _PAGE_TAIL.search(text)
    if not m:
        return text, None
    head = text[: m.start("page")].rstrip(_LEADER_CHARS)
    if not head or head[-1].isdigit():
        return text, None
    return head, int(m.group("page"))


def has_leaders(text: str) -> bool:
    return bool(_LEADERS.search(nfkc(text)))


_FOOTER = re.compile(
    r"^\s*(?:第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|[-—–]\s*\d+\s*[-—–]|\d{1,4}|\d+\s*/\s*\d+|page\s*\d+(?:\s*of\s*\d+)?)\s*$",
    re.IGNORECASE,
)


def is_page_furniture(text: str) -> bool:
    """Page numbers and footers: '第 3 页', '- 3 -', '3', '3/20'."""
    return bool(_FOOTER.match(nfkc(text)))


# --- what may be a heading --------------------------------------------------------

MIN_MARGIN = 4.0  # over the runner-up item, unless numbering decides
STRONG_HEADING_SCORE = 90.0  # a match this good ends the cover and the 目录
MAX_HEADING_CHARS = 70


def plausible_heading_text(text: str) -> bool:
    compact = re.sub(r"\s+", "", nfkc(text))
    if not 2 <= len(compact) <= MAX_HEADING_CHARS * 2:
        return False
    if text.count("\t") >= 2 or is_page_furniture(text) or is_reference(text):
        return False
    # a 目录 line (leaders and a page number) is never the item's own heading
    if has_leaders(text) and split_page_number(text)[1] is not None:
        return False
    return len(canonical_form(split_numbering(text)[1])) <= MAX_HEADING_CHARS
