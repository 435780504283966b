"""A draft 集群简介 (≤ 150 字) for the 附件4 summary, from the packet's own words.

First choice: the text under a 集群简介/集群概况/基本情况-like heading (or the
table cell beside such a label) in item 1; then the first substantive
paragraph about the 集群; last, a sentence built from the cover facts and the
latest output. The reviewer edits the draft; it never invents facts.
"""

from __future__ import annotations

import re
from typing import Iterable, Iterator, Mapping

from pipeline.core.document import Cell, Line, SourceDocument, Table
from pipeline.core.result import Cover, Indicator
from extractors.analysis.spans import SectionIndex

INTRO_LIMIT = 150

_INTRO_LABELS = (  # most specific first: a 集群简介 passage beats a 基本情况 passage
    "集群简介",
    "简介",
    "集群概况",
    "集群发展概况",
    "概况",
    "集群介绍",
    "集群发展情况",
    "发展概况",
    "总体情况",
    "集群基本情况",
    "基本情况",
)
_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d{1,2}\s*[、.．](?!\d))")
_CJK = r"\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+|\s+(?=[{_CJK}])")
_SENTENCE_END = "。！？；"
_PAGE_NUMBER = re.compile(r"^\s*(?:第\s*\d+\s*页(?:\s*[/，,]?\s*共\s*\d+\s*页)?|[-—]?\s*\d{1,4}\s*[-—]?)\s*$")
_FIELD_LINE = re.compile(r"^\s*\S{2,10}\s*[:：]")  # "集群名称：…", a form field, not prose
_MAX_PAGES_SCANNED = 40


def _normalise(text: str) -> str:
    """Join OCR/PDF line fragments: no spaces next to CJK characters, single spaces elsewhere."""
    text = re.sub(r"\s+", " ", text).strip()
    return _SPACE_BETWEEN_CJK.sub("", text)


def _label_of(text: str) -> str | None:
    """The intro label a short line or cell starts with, if any."""
    compact = re.sub(r"\s+", "", text)
    compact = _HEADING.sub("", compact)
    for label in _INTRO_LABELS:
        if compact.startswith(label) or (len(compact) <= 20 and label in compact):
            return label
    return None


def _after_label(text: str) -> str:
    """What follows "集群简介：" on the same line, if anything."""
    match = re.search(r"[:：]\s*(.+)$", text)
    return match.group(1).strip() if match else ""


def _is_heading(text: str) -> bool:
    stripped = text.strip()
    return bool(_HEADING.match(stripped)) and len(stripped) <= 30 and not stripped.endswith(tuple(_SENTENCE_END))


def clip_intro(text: str, limit: int = INTRO_LIMIT) -> str:
    """Cut at the last sentence end within `limit`; a single long sentence at its last comma."""
    text = _normalise(text)
    if len(text) <= limit:
        return text
    head = text[:limit]
    cut = max(head.rfind(ch) for ch in _SENTENCE_END)
    if cut >= 20:
        return head[: cut + 1]
    comma = max(head.rfind("，"), head.rfind(","), head.rfind("、"))
    if comma >= 20:
        return head[:comma] + "。"
    return head[: limit - 1] + "…"


def _blocks_of(docs: Iterable[SourceDocument], index: SectionIndex | None) -> Iterator[Line | Table]:
    if index is not None:
        span = index.section(1)
        if span.present and span.blocks:
            for located in span.blocks:
                yield located.block
            return
    for doc in docs:
        for page in doc.pages[:_MAX_PAGES_SCANNED]:
            yield from page.blocks


def _from_table(table: Table) -> str | None:
    """A labelled cell's neighbour: right in the same row, else the cell below."""
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row):
            if len(cell.text.strip()) > 24 or not _label_of(cell.text):
                continue
            inline = _after_label(cell.text)
            if len(inline) >= 20:
                return inline
            right: list[Cell] = [x for x in row[c + 1 :] if x.text.strip() and x.text.strip() != cell.text.strip()]
            if right and len(right[0].text.strip()) >= 20:
                return right[0].text
            if r + 1 < len(table.rows) and c < len(table.rows[r + 1]):
                below = table.rows[r + 1][c].text
                if len(below.strip()) >= 20:
                    return below
    return None


def _labelled_passages(blocks: list[Line | Table]) -> Iterator[tuple[int, str]]:
    """(label rank, passage) for every labelled passage, in reading order."""
    for i, block in enumerate(blocks):
        if isinstance(block, Table):
            found = _from_table(block)
            if found:
                yield _INTRO_LABELS.index("集群简介"), found
            continue
        label = _label_of(block.text)
        if label is None:
            continue
        parts = [_after_label(block.text)] if len(block.text.strip()) > 12 else []
        for follower in blocks[i + 1 :]:
            if isinstance(follower, Table) or _is_heading(follower.text) or _label_of(follower.text):
                break
            if _PAGE_NUMBER.match(follower.text):
                continue
            if _FIELD_LINE.match(follower.text):
                break
            parts.append(follower.text)
            if sum(len(p) for p in parts) > INTRO_LIMIT * 2:
                break
        text = _normalise("".join(parts))
        if len(text) >= 20:
            yield _INTRO_LABELS.index(label), text


def _from_blocks(blocks: list[Line | Table]) -> str | None:
    # 1. the labelled passage with the most specific label (the first one among equals)
    passages = list(_labelled_passages(blocks))
    if passages:
        return min(passages, key=lambda p: p[0])[1]
    # 2. the first substantive paragraph about the cluster
    for i, block in enumerate(blocks):
        if (
            isinstance(block, Line)
            and "集群" in block.text
            and len(block.text.strip()) >= 30
            and not _is_heading(block.text)
            and not _FIELD_LINE.match(block.text)
        ):
            parts = [block.text]
            for follower in blocks[i + 1 :]:
                if isinstance(follower, Table) or _PAGE_NUMBER.match(follower.text):
                    continue
                if _is_heading(follower.text) or _FIELD_LINE.match(follower.text) or len(follower.text.strip()) < 6:
                    break
                parts.append(follower.text)
                if sum(len(p) for p in parts) > INTRO_LIMIT * 2:
                    break
            return _normalise("".join(parts))
    return None


def _from_cover(cover: Cover, indicators: Mapping[str, Indicator] | None) -> str:
    """A plain sentence of cover facts, when the packet has no descriptive passage."""
    name = cover.cluster_name or "该集群"
    facts: list[str] = []
    if cover.region:
        facts.append(f"位于{cover.region}")
    if cover.leading_industry:
        facts.append(f"主导产业为{cover.leading_industry}")
    if cover.management_body:
        facts.append(f"运营管理机构为{cover.management_body}")
    if cover.established:
        facts.append(f"成立于{cover.established}")
    output = indicators.get("output_yi_by_year") if indicators else None
    if output is not None and isinstance(output.value, dict) and output.value:
        year = max(output.value)
        value = output.value[year]
        facts.append(f"{year}年集群总产值{value:g}亿元")
    if not facts:
        return "" if name == "该集群" else f"{name}。"
    return f"{name}{'，'.join(facts)}。"


def _with_name(passage: str, cluster_name: str | None) -> str:
    """"集群以……" → "<集群名称>以……": the summary row then reads on its own."""
    if not cluster_name:
        return passage
    for opening in ("本集群", "该集群", "集群"):
        if passage.startswith(opening) and not passage.startswith(opening + "名称"):
            return cluster_name + passage[len(opening):]
    return passage


def draft_intro(
    docs: list[SourceDocument],
    index: SectionIndex | None = None,
    cover: Cover | None = None,
    indicators: Mapping[str, Indicator] | None = None,
    limit: int = INTRO_LIMIT,
) -> str:
    """A ≤ `limit`-character draft 集群简介 from the packet's own text (or its cover facts)."""
    cover = cover or (index.cover if index is not None else Cover())
    passage = _from_blocks(list(_blocks_of(docs, index)))
    if passage and len(passage) >= 20:
        named = _with_name(passage, cover.cluster_name)
        return clip_intro(named if len(named) <= limit else passage, limit)
    return clip_intro(_from_cover(cover, indicators), limit)
