"""Finding the cover, the 目录 and the 20 required items in a packet's documents.

The packet is read as one sequence of blocks, document after document (packet
order). Items are found two ways:

* by heading: a short line that names an item (see `extractors.analysis.headings`), with cues
  that make it a heading rather than a mention — numbering that agrees with the item,
  a heading style, a larger font, first line on its page — and guards against the
  目录, the cover, cross references, sentences and table cells;
* by file: in a folder packet a file named after an item (`08 有效发明专利清单.xlsx`)
  is that item as a whole, unless it holds the headings of other items.

An item runs from its heading to the next item heading in the same file.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from extractors.analysis.ocr_corrections import repair_ocr_cover
from extractors.analysis.cover import count_labels, extract_cover
from pipeline.core.document import Block, Cell, FileKind, Line, Page, SourceDocument, Table
from extractors.analysis.headings import (
    TitleMatch,
    canonical_form,
    has_leaders,
    is_page_furniture,
    is_reference,
    match_title,
    nfkc,
    score_items,
    signature_present,
    split_numbering,
    split_page_number,
)
from pipeline.core.result import CANONICAL_TITLES, Cover


@dataclass
class TocEntry:
    item: int  # 1..20
    text: str  # the 目录 line as written
    page: int | None  # the page number the 目录 gives
    line: Line


@dataclass
class LocatedBlock:
    """A block with the document and page it sits on."""

    doc: SourceDocument
    page: Page
    block: Block


@dataclass
class SectionSpan:
    """Where one required item sits: its heading and the blocks under it."""

    item: int
    title: str  # canonical title
    present: bool = False
    empty: bool = False
    file: str | None = None
    first_page: int | None = None
    last_page: int | None = None
    toc_page: int | None = None
    heading: LocatedBlock | None = None
    blocks: list[LocatedBlock] = field(default_factory=list)  # content after the heading, up to the next item
    whole_file: bool = False  # the item is a file of its own (found by file name)


@dataclass
class SectionIndex:
    cover: Cover
    toc: list[TocEntry]
    toc_found: bool
    sections: list[SectionSpan]  # exactly 20, item 1..20
    order: list[int]  # items in the order they appear in the packet
    toc_file: str | None = None  # the file the 目录 is in
    toc_offset: int = 0  # physical page − 目录 page number, when the 目录 counts differently
    toc_heading: LocatedBlock | None = None  # the 目录 title line, for evidence

    def section(self, item: int) -> SectionSpan:
        return self.sections[item - 1]


# --- the packet as a sequence of slots ---------------------------------------------


@dataclass(frozen=True)
class _Slot:
    doc_index: int
    index: int  # position within the document
    page: Page
    block: Block


def _slots(doc_index: int, doc: SourceDocument) -> list[_Slot]:
    out = []
    for page in doc.pages:
        for block in page.blocks:
            out.append(_Slot(doc_index, len(out), page, block))
    return out


def _located(doc: SourceDocument, slot: _Slot) -> LocatedBlock:
    return LocatedBlock(doc, slot.page, slot.block)


# --- substance ------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"^(?:无|略|暂无|空|空白|待补充|待定|不适用|此页无正文|本页无正文|以下空白|此处无内容|见附件)$")
_WORDS = re.compile(r"[0-9A-Za-z\u3400-\u9fff]")


MAX_POINTER_CHARS = 30  # a line this short that only points elsewhere ('详见附件8。') is no content
MIN_SUBSTANCE_CHARS = 6  # fewer characters of content than this is an empty item


def _line_substance(text: str) -> int:
    """Characters of substance in a line: 0 for page furniture and placeholders like '无'."""
    if is_page_furniture(text):
        return 0
    compact = re.sub(r"\s+", "", nfkc(text)).strip("。.;；:：,，")
    if _PLACEHOLDER.match(compact) or (is_reference(compact) and len(compact) <= MAX_POINTER_CHARS):
        return 0  # '无', or only a pointer elsewhere ('详见附件8。')
    return len(_WORDS.findall(compact))


def _table_substance(table: Table) -> int:
    """Characters in the table's data rows (a merged title row and the header row do not count)."""
    rows = [row for row in table.rows if any(c.text.strip() for c in row)]
    if rows and len({c.text for c in rows[0] if c.text.strip()}) == 1 and len(rows) > 1:
        rows = rows[1:]  # a title row spanning the table
    data = rows[1:] if len(rows) > 1 else rows
    return sum(_line_substance(c.text) for row in data for c in row)




def has_substance(blocks: list[LocatedBlock]) -> bool:
    total = 0
    for located in blocks:
        block = located.block
        total += _line_substance(block.text) if isinstance(block, Line) else _table_substance(block)
        if total >= MIN_SUBSTANCE_CHARS:
            return True
    return False


# --- headings -----------------------------------------------------------------------------


@dataclass
class _Candidate:
    item: int
    score: float
    slot: _Slot
    end_index: int  # last slot of the heading (a heading split over two lines ends one later)
    text: str
    number: int | None
    large_font: bool | None = None  # drawn larger than the file's body text (None: no font sizes)
    similarity: float = 0.0  # the title match alone, before cues

    @property
    def position(self) -> tuple[int, int]:
        return (self.slot.doc_index, self.slot.index)


LARGE_FONT_RATIO = 1.15
ACCEPT_SCORE = 75.0  # heading score (similarity + cues) an item heading must reach
MIN_MARGIN = 4.0  # over the runner-up item, unless numbering decides
MAX_HEADING_CHARS = 70
_SENTENCE_MARKS = re.compile(r"[。;!?]|了")  # after NFKC: ；！？ are ;!?
_HEADING_STYLE = re.compile(r"heading|title|标题|toc|caption", re.IGNORECASE)


def _median_font(doc: SourceDocument) -> float | None:
    sizes = sorted(b.font_size for _, b in doc.iter_blocks() if isinstance(b, Line) and b.font_size)
    return sizes[len(sizes) // 2] if sizes else None


def _cues(line: Line, match: TitleMatch, median_font: float | None, first_on_page: bool) -> float:
    """What makes a line a heading rather than a mention, as score adjustments."""
    bonus = 0.0
    if match.number is not None:
        bonus += 10.0 if match.number == match.item else -10.0
    if line.style and _HEADING_STYLE.search(line.style):
        bonus += 10.0
    if line.font_size and median_font and line.font_size >= LARGE_FONT_RATIO * median_font:
        bonus += 6.0
    if first_on_page:
        bonus += 5.0
    body = nfkc(line.text).strip().rstrip("。;；:：")
    if _SENTENCE_MARKS.search(body):
        bonus -= 15.0
    elif "," in body and match.score < UNMISTAKABLE_TITLE:  # OCR writes 、 as ，(NFKC ","): only loose matches pay
        bonus -= 15.0
    return bonus


def _plausible_heading_text(text: str) -> bool:
    compact = re.sub(r"\s+", "", nfkc(text))
    if not 2 <= len(compact) <= MAX_HEADING_CHARS * 2:
        return False
    if text.count("\t") >= 2 or is_page_furniture(text) or is_reference(text):
        return False
    # a 目录 line (leaders and a page number) is never the item's own heading
    if has_leaders(text) and split_page_number(text)[1] is not None:
        return False
    return len(canonical_form(split_numbering(text)[1])) <= MAX_HEADING_CHARS


def _opens_parenthesis(text: str) -> bool:
    text = nfkc(text)
    return text.count("(") > text.count(")")


def _accepts(match: TitleMatch, score: float) -> bool:
    decided_by_number = match.number == match.item
    return score >= ACCEPT_SCORE and (match.score - match.runner_up >= MIN_MARGIN or decided_by_number)


def _line_candidate(
    slots: list[_Slot], position: int, median_font: float | None, first_on_page: bool
) -> _Candidate | None:
    slot = slots[position]
    line = slot.block
    assert isinstance(line, Line)
    if not _plausible_heading_text(line.text):
        return None
    match = match_title(line.text, line.numbering)
    end_index = slot.index
    # a heading split over two lines: join a short line with the next when that reads better
    following = slots[position + 1] if position + 1 < len(slots) else None
    if (
        following is not None
        and following.page is slot.page
        and isinstance(following.block, Line)
        and following.block.numbering is None
        and len(canonical_form(line.text)) <= 30
        and len(nfkc(following.block.text).strip()) <= 40
        and split_numbering(following.block.text)[0] is None
        and _plausible_heading_text(following.block.text)
    ):
        joined = match_title(line.text.rstrip() + following.block.text.strip(), line.numbering)
        if _opens_parenthesis(line.text) and joined is not None and match is not None and joined.item == match.item:
            end_index = following.index  # the parenthetical remark goes on on the next line
        elif joined is not None and (match is None or joined.score > match.score + 3):
            alone = match_title(following.block.text)
            number, rest = split_numbering(line.text)
            numbering_only = number is not None and not rest  # '附件8' above its title
            if numbering_only or alone is None or alone.item != joined.item or alone.score < joined.score - 3:
                match, end_index = joined, following.index
    if match is None:
        return None
    score = match.score + _cues(line, match, median_font, first_on_page)
    if not _accepts(match, score):
        return None
    large = None if not (line.font_size and median_font) else line.font_size >= LARGE_FONT_RATIO * median_font
    return _Candidate(match.item, score, slot, end_index, line.text, match.number, large, match.score)


def _table_candidates(slot: _Slot, first_on_page: bool) -> list[_Candidate]:
    """A sheet name or a title row spanning the table may name an item (lists in XLSX)."""
    table = slot.block
    assert isinstance(table, Table)
    texts: list[str] = []
    if table.name and not re.fullmatch(r"(?i)sheet\s*\d*|工作表\s*\d*", table.name.strip()):
        texts.append(table.name)
    if table.rows:
        first_row = {c.text.strip() for c in table.rows[0] if c.text.strip()}
        if len(first_row) == 1:
            texts.append(first_row.pop())
    out = []
    for text in texts:
        if not _plausible_heading_text(text):
            continue
        match = match_title(text)
        if match is None:
            continue
        score = match.score + (5.0 if first_on_page else 0.0) - 3.0  # prefer a line heading to a caption
        if match.number is not None:
            score += 10.0 if match.number == match.item else -10.0
        if _accepts(match, score):
            out.append(_Candidate(match.item, score, slot, slot.index, text, match.number, None, match.score))
    return out


def _heading_candidates(doc: SourceDocument, slots: list[_Slot], excluded: set[int]) -> list[_Candidate]:
    median_font = _median_font(doc)
    out: list[_Candidate] = []
    seen_on_page: set[int] = set()
    for position, slot in enumerate(slots):
        if slot.index in excluded:
            continue
        block = slot.block
        first_on_page = slot.page.number not in seen_on_page
        if isinstance(block, Line) and is_page_furniture(block.text):
            continue
        seen_on_page.add(slot.page.number)
        if isinstance(block, Line):
            candidate = _line_candidate(slots, position, median_font, first_on_page)
            if candidate is not None:
                out.append(candidate)
        else:
            out.extend(_table_candidates(slot, first_on_page))
    return out


# --- whole files ----------------------------------------------------------------------------

FILE_NAME_SCORE = 78.0
FILE_NAME_SCORE_WITH_NUMBER = 55.0


def file_item(name: str) -> int | None:
    """The item a file's own name gives ('08 有效发明专利清单.xlsx' → 8), if any."""
    stem = PurePosixPath(name).name
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", stem)
    match = match_title(stem)
    if match is None:
        return None
    if match.number == match.item and match.score >= FILE_NAME_SCORE_WITH_NUMBER:
        return match.item
    if match.score >= FILE_NAME_SCORE and match.score - match.runner_up >= MIN_MARGIN:
        return match.item
    return None


# --- the 目录 ------------------------------------------------------------------------------------

_TOC_TITLE = re.compile(r"^(?:申报材料)?目录$|^目次$|^材料目录$")
TOC_ENTRY_SCORE = 65.0
MIN_TOC_ENTRIES = 3
MAX_TOC_ENTRY_LINES = 4  # a long 目录 entry wraps over at most this many lines


@dataclass
class _Toc:
    doc_index: int
    title_slot: _Slot
    entries: list[TocEntry]
    used: set[int]  # slot indexes the 目录 occupies (never headings)
    stray_lines: int = 0


def _is_toc_title(text: str) -> bool:
    return bool(_TOC_TITLE.match(re.sub(r"\s+", "", nfkc(text))))


def _toc_match(text: str) -> TitleMatch | None:
    head, _ = split_page_number(text)
    match = match_title(head)
    if match is None or match.score < TOC_ENTRY_SCORE or match.score - match.runner_up < MIN_MARGIN:
        return None
    return match


def _toc_from_table(table: Table) -> list[TocEntry]:
    entries = []
    for row in table.rows:
        best: tuple[TitleMatch, Cell] | None = None
        page: int | None = None
        for cell in row:
            text = cell.text.strip()
            if re.fullmatch(r"\d{1,3}", text):
                page = int(text) if best is not None else page
                continue
            match = _toc_match(text)
            if match is not None and (best is None or match.score > best[0].score):
                best = (match, cell)
        if best is not None:
            match, cell = best
            line = Line(text=cell.text, prov=cell.prov)
            entries.append(TocEntry(match.item, cell.text, page, line))
    return entries


def _is_noise(line: Line) -> bool:
    """OCR debris (dot leaders read as letters, stray marks): neither an entry nor a miss."""
    if line.text.count("\t") >= 2 or (line.prov.confidence is not None and line.prov.confidence < 50):
        return True
    return not re.search(r"[\u4e00-\u9fff]", line.text) and len(line.text.strip()) <= 6


def _read_toc(doc_index: int, slots: list[_Slot], start: int, title: _Slot) -> _Toc:
    """The 目录 entries from `start` on: numbered, wrapped, with or without page numbers."""
    entries: list[TocEntry] = []
    used = {title.index}
    pending: tuple[str, Line, list[int]] | None = None
    misses = 0
    stray_lines = 0  # lines inside the 目录 that are neither entries nor noise

    def finish(text: str, line: Line, indexes: list[int], page: int | None) -> bool:
        match = _toc_match(text)
        if match is None and len(indexes) > 1:  # the wrapped part was debris: the first line alone
            text, indexes = line.text, indexes[:1]
            match = _toc_match(text)
        if match is None or any(e.item == match.item for e in entries):
            return False
        entries.append(TocEntry(match.item, text, page, line))
        used.update(indexes)
        return True

    for slot in slots[start:]:
        block = slot.block
        if isinstance(block, Table):
            table_entries = _toc_from_table(block)
            if table_entries:
                entries.extend(e for e in table_entries if all(e.item != x.item for x in entries))
                used.add(slot.index)
                continue
            break
        text = block.text
        if is_page_furniture(text) or not text.strip() or _is_noise(block):
            used.add(slot.index)
            continue
        number, _ = split_numbering(text)
        head, page = split_page_number(text)
        if pending is not None:
            pending_text, pending_line, pending_indexes = pending
            alone = _toc_match(text)
            pending_match = _toc_match(pending_text)
            names_another_item = (
                alone is not None
                and alone.score >= STRONG_HEADING_SCORE
                and (pending_match is None or alone.item != pending_match.item)
            )
            joined = pending_text + text.strip()
            joined_page = split_page_number(joined)[1]
            joined_match = _toc_match(joined)
            reads_on = page is not None or (
                joined_match is not None
                and (pending_match is None or joined_match.score >= pending_match.score - 5)
            )
            continuation = number is None and not names_another_item and reads_on
            if continuation and len(pending_indexes) < MAX_TOC_ENTRY_LINES:
                if joined_page is None:
                    pending = (joined, pending_line, pending_indexes + [slot.index])
                    continue
                pending = None
                if finish(joined, pending_line, pending_indexes + [slot.index], joined_page):
                    misses = 0
                    continue
                break
            pending = None
            finish(pending_text, pending_line, pending_indexes, None)
        match = _toc_match(text)
        if match is not None and entries and (
            any(e.item == match.item for e in entries) or match.item < entries[-1].item - 2
        ):
            if match.score >= STRONG_HEADING_SCORE:
                break  # an item heading after the 目录: the 目录 lists items in order, once
            match = None
        if match is not None:
            misses = 0
            if page is not None:
                finish(text, block, [slot.index], page)
            else:
                pending = (text, block, [slot.index])
            continue
        if number is not None and page is None and len(text) <= 60:
            pending = (text, block, [slot.index])  # a wrapped entry's first part
            continue
        misses += 1
        stray_lines += 1
        if misses >= 3 or (entries and len(entries) >= 20):
            break
    if pending is not None:
        finish(pending[0], pending[1], pending[2], None)
    return _Toc(doc_index, title, entries, used, stray_lines)


UNTITLED_TOC_ENTRIES = 6  # a 目录 whose title was lost (OCR) must list at least this many items
UNTITLED_TOC_SCAN_PAGES = 3


def _find_toc(all_slots: list[list[_Slot]]) -> _Toc | None:
    """The 目录: under a 目录 title, or else a dense run of numbered item titles near a file's start."""
    for doc_index, slots in enumerate(all_slots):
        for position, slot in enumerate(slots):
            if isinstance(slot.block, Line) and _is_toc_title(slot.block.text):
                toc = _read_toc(doc_index, slots, position + 1, slot)
                if len(toc.entries) >= MIN_TOC_ENTRIES:
                    return toc
    for doc_index, slots in enumerate(all_slots):
        first_pages = {p.number for p in sorted({id(s.page): s.page for s in slots}.values(), key=lambda p: p.number)[:UNTITLED_TOC_SCAN_PAGES]}
        position = 0
        while position < len(slots):
            slot = slots[position]
            if slot.page.number not in first_pages:
                break
            if isinstance(slot.block, Line) and split_numbering(slot.block.text)[0] is not None and _toc_match(slot.block.text):
                toc = _read_toc(doc_index, slots, position, slot)
                items = [e.item for e in toc.entries]
                pages = {e.line.prov.page for e in toc.entries}
                if (
                    len(items) >= UNTITLED_TOC_ENTRIES
                    and len(pages) <= 3
                    and toc.stray_lines <= max(2, len(items) // 3)
                    and sum(a < b for a, b in zip(items, items[1:])) >= 0.8 * (len(items) - 1)
                ):
                    return toc
                position = max(position + 1, max(toc.used, default=position))
                continue
            position += 1
    return None


# --- the cover region ------------------------------------------------------------------------------

COVER_SCAN_SLOTS = 40


def _cover_slots(slots: list[_Slot]) -> set[int]:
    """Slots of a cover at the start of a file: up to its last 'label: value' line.

    The scan stops at the 目录 title, at a strong item heading and after the first
    page with labels, so the 申报表's own labels are never taken for the cover.
    """
    label_indexes: list[int] = []
    label_page: int | None = None
    for slot in slots[:COVER_SCAN_SLOTS]:
        if label_page is not None and slot.page.number != label_page:
            break
        if not isinstance(slot.block, Line):
            continue
        text = slot.block.text
        if _is_toc_title(text):
            break
        if count_labels([slot.block]):
            label_indexes.append(slot.index)
            label_page = slot.page.number
            continue
        match = match_title(text) if _plausible_heading_text(text) else None
        if match is not None and match.score >= STRONG_HEADING_SCORE:
            break
    if len(label_indexes) < 2:
        return set()
    return {s.index for s in slots[: label_indexes[-1] + 1]}


STRONG_HEADING_SCORE = 90.0


# --- putting it together ----------------------------------------------------------------------------


def _choose(candidates: list[_Candidate]) -> dict[int, _Candidate]:
    """One heading per item: the best; among near-best ones, the one that fits the item order."""
    by_item: dict[int, list[_Candidate]] = {}
    for c in candidates:
        by_item.setdefault(c.item, []).append(c)
    chosen = {item: max(cs, key=lambda c: (c.score, [-p for p in c.position])) for item, cs in by_item.items()}
    for item, cs in by_item.items():
        near = sorted((c for c in cs if c.score >= chosen[item].score - 3), key=lambda c: c.position)
        if len(near) < 2:
            continue
        before = [chosen[i].position for i in chosen if i < item]
        after = [chosen[i].position for i in chosen if i > item]
        low = max(before) if before else (-1, -1)
        high = min(after) if after else (10**9, 10**9)
        fitting = [c for c in near if low < c.position < high]
        chosen[item] = fitting[0] if fitting else near[0]
    return chosen


CONSISTENT_SHARE = 0.8  # share of chosen headings that must share a cue before it is required
CONSISTENT_MIN = 5
UNMISTAKABLE_TITLE = 95.0  # a title matched this well stays a heading whatever its number or font


def _consistent_with_packet(candidates: list[_Candidate], chosen: dict[int, _Candidate]) -> list[_Candidate]:
    """Drop candidates that break a file's own heading habits (sub-headings, mentions).

    When nearly all item headings chosen in a file carry their own item number, a line
    numbered for another item ('四、协同创新与数字化' inside item 1) is a sub-heading;
    when nearly all are set in a larger font, a body-size line is not an item heading.
    Judged per file (in a folder packet each file may number its items from 1), and
    never against a full title: items out of order keep auto-numbering in sequence.
    """
    by_doc: dict[int, list[_Candidate]] = {}
    for head in chosen.values():
        by_doc.setdefault(head.slot.doc_index, []).append(head)
    numbered_docs: set[int] = set()
    sized_docs: set[int] = set()
    for doc_index, heads in by_doc.items():
        if len(heads) < CONSISTENT_MIN:
            continue
        if sum(1 for c in heads if c.number == c.item) >= CONSISTENT_SHARE * len(heads):
            numbered_docs.add(doc_index)
        sized = [c for c in heads if c.large_font is not None]
        if len(sized) >= CONSISTENT_MIN and sum(1 for c in sized if c.large_font) >= CONSISTENT_SHARE * len(sized):
            sized_docs.add(doc_index)
    return [
        c
        for c in candidates
        if c.similarity >= UNMISTAKABLE_TITLE
        or not (
            (c.slot.doc_index in numbered_docs and c.number is not None and c.number != c.item)
            or (c.slot.doc_index in sized_docs and c.large_font is False)
        )
    ]


_GARBLED_NUMBERING = re.compile(r"^\s*[(（\[【〔][^)）\]】〕]{0,4}[)）\]】〕]|^\s*\S{1,3}[、.．]")


def _rescue_missing(
    docs: list[SourceDocument], all_slots: list[list[_Slot]], excluded: list[set[int]], chosen: dict[int, _Candidate]
) -> dict[int, _Candidate]:
    """A missing item whose neighbours were found: look between them for a garbled heading.

    OCR can merge a heading with the line beside it ('(+5)举办…境外…营业执照和'); such a
    line still sits where the item belongs, in the heading font or behind a numbering
    bracket, and still holds the item's key terms.
    """
    rescued: dict[int, _Candidate] = {}
    for item in CANONICAL_TITLES:
        if item in chosen:
            continue
        before = [c for i, c in chosen.items() if i < item]
        after = [c for i, c in chosen.items() if i > item]
        if not before or not after:
            continue
        low = max(before, key=lambda c: c.item)
        high = min(after, key=lambda c: c.item)
        if low.slot.doc_index != high.slot.doc_index or not low.position < high.position:
            continue
        doc, slots = docs[low.slot.doc_index], all_slots[low.slot.doc_index]
        median_font = _median_font(doc)
        best: _Candidate | None = None
        for slot in slots[low.end_index + 1 : high.slot.index]:
            line = slot.block
            if not isinstance(line, Line) or slot.index in excluded[low.slot.doc_index] or is_reference(line.text):
                continue
            large = bool(line.font_size and median_font and line.font_size >= LARGE_FONT_RATIO * median_font)
            if not (large or line.style and _HEADING_STYLE.search(line.style) or _GARBLED_NUMBERING.match(nfkc(line.text))):
                continue
            if not signature_present(item, canonical_form(line.text)):
                continue
            similarity = dict(score_items(canonical_form(split_numbering(line.text)[1]))).get(item, 0.0)
            if best is None or similarity > best.similarity:
                best = _Candidate(item, similarity, slot, slot.index, line.text, None, large, similarity)
        if best is not None:
            rescued[item] = best
    return rescued


def _page_span(blocks: list[LocatedBlock], heading_page: int) -> int:
    pages = [b.page.number for b in blocks if not (isinstance(b.block, Line) and is_page_furniture(b.block.text))]
    return max(pages + [heading_page])


def _has_textless_page(doc: SourceDocument) -> bool:
    return any(not page.blocks for page in doc.pages) or len(doc.pages) < (doc.page_count or 0)


def _last_page(doc: SourceDocument) -> int:
    if doc.page_count:
        return doc.page_count
    return max((p.number for p in doc.pages), default=1)


def _heading_spans(
    docs: list[SourceDocument], all_slots: list[list[_Slot]], excluded: list[set[int]], chosen: dict[int, _Candidate]
) -> dict[int, SectionSpan]:
    """Each chosen heading's span: from the heading to the next chosen heading in the same file."""
    by_doc: dict[int, list[_Candidate]] = {}
    for head in chosen.values():
        by_doc.setdefault(head.slot.doc_index, []).append(head)
    spans: dict[int, SectionSpan] = {}
    for doc_index, heads in by_doc.items():
        doc, slots = docs[doc_index], all_slots[doc_index]
        heads.sort(key=lambda c: c.slot.index)
        for n, head in enumerate(heads):
            stop = heads[n + 1].slot.index if n + 1 < len(heads) else len(slots)
            body = [_located(doc, s) for s in slots[head.end_index + 1 : stop] if s.index not in excluded[doc_index]]
            if isinstance(head.slot.block, Table):  # a sheet name or title row: the table is the content
                body.insert(0, _located(doc, head.slot))
            spans[head.item] = SectionSpan(
                item=head.item,
                title=CANONICAL_TITLES[head.item],
                present=True,
                empty=not has_substance(body),
                file=doc.name,
                first_page=head.slot.page.number,
                last_page=_page_span(body, head.slot.page.number),
                heading=_located(doc, head.slot),
                blocks=body,
            )
    return spans


def _file_span(doc: SourceDocument, slots: list[_Slot], excluded: set[int], item: int, own: list[_Candidate]) -> SectionSpan:
    """A file that is one item as a whole: every page of it (after its own heading, if any)."""
    heading_slot = own[0].slot if own else None
    skip_to = own[0].end_index if own else -1
    body = [_located(doc, s) for s in slots if s.index > skip_to and s.index not in excluded]
    if heading_slot is not None and isinstance(heading_slot.block, Table):
        body.insert(0, _located(doc, heading_slot))
    return SectionSpan(
        item=item,
        title=CANONICAL_TITLES[item],
        present=True,
        # a photo is evidence even when OCR reads no text from it
        empty=not has_substance(body) and not (doc.kind is FileKind.IMAGE and _has_textless_page(doc)),
        file=doc.name,
        first_page=min((p.number for p in doc.pages), default=1),
        last_page=_last_page(doc),
        heading=_located(doc, heading_slot) if heading_slot else None,
        blocks=body,
        whole_file=True,
    )


def find_sections(docs: list[SourceDocument]) -> SectionIndex:
    """Locate cover fields, 目录 and items 1..20 across the packet's documents (in packet order)."""
    all_slots = [_slots(i, doc) for i, doc in enumerate(docs)]
    toc = _find_toc(all_slots)
    excluded = [
        _cover_slots(slots) | (toc.used if toc is not None and toc.doc_index == doc_index else set())
        for doc_index, slots in enumerate(all_slots)
    ]
    candidates_by_doc = [_heading_candidates(doc, all_slots[i], excluded[i]) for i, doc in enumerate(docs)]

    # files named after one item and holding no other item's heading are that item whole
    whole_file: dict[int, int] = {}
    for doc_index, doc in enumerate(docs):
        named = file_item(doc.name)
        if named is not None and not ({c.item for c in candidates_by_doc[doc_index]} - {named}):
            whole_file[doc_index] = named

    heading_candidates = [c for i, cs in enumerate(candidates_by_doc) if i not in whole_file for c in cs]
    chosen = _choose(_consistent_with_packet(heading_candidates, _choose(heading_candidates)))
    chosen |= _rescue_missing(docs, all_slots, excluded, chosen)
    options: dict[int, list[tuple[SectionSpan, tuple[int, int]]]] = {}
    for item, span in _heading_spans(docs, all_slots, excluded, chosen).items():
        options.setdefault(item, []).append((span, chosen[item].position))
    for doc_index, item in whole_file.items():
        own = [c for c in candidates_by_doc[doc_index] if c.item == item]
        span = _file_span(docs[doc_index], all_slots[doc_index], excluded[doc_index], item, own)
        options.setdefault(item, []).append((span, (doc_index, 0)))

    # an item found twice (a stub heading '详见附件8' and its own file): the content is the one
    # with substance, the place in the packet's order is the heading's (where a reader meets it)
    spans = {item: SectionSpan(item=item, title=title) for item, title in CANONICAL_TITLES.items()}
    starts: dict[int, tuple[int, int]] = {}
    for item, found in options.items():
        spans[item] = min(found, key=lambda option: (option[0].empty, option[1]))[0]
        starts[item] = chosen[item].position if item in chosen else min(position for _, position in found)

    if toc is not None:
        for entry in toc.entries:
            spans[entry.item].toc_page = entry.page
    toc_file = docs[toc.doc_index].name if toc is not None else None
    return SectionIndex(
        cover=repair_ocr_cover(extract_cover(_front_blocks(docs, all_slots, starts, toc), _blocks_of(spans[1])), docs),
        toc=toc.entries if toc else [],
        toc_found=toc is not None,
        sections=[spans[i] for i in sorted(spans)],
        order=[item for item, _ in sorted(starts.items(), key=lambda pair: pair[1])],
        toc_file=toc_file,
        toc_offset=_toc_offset(toc.entries if toc else [], spans, toc_file),
        toc_heading=_located(docs[toc.doc_index], toc.title_slot) if toc else None,
    )


def _blocks_of(span: SectionSpan) -> list[Block]:
    out: list[Block] = [span.heading.block] if span.heading is not None and isinstance(span.heading.block, Line) else []
    return out + [b.block for b in span.blocks]


def _front_blocks(
    docs: list[SourceDocument], all_slots: list[list[_Slot]], starts: dict[int, tuple[int, int]], toc: _Toc | None
) -> list[Block]:
    """The blocks before the first item and the 目录: where the cover is."""
    limits = list(starts.values())
    if toc is not None:
        limits.append((toc.doc_index, toc.title_slot.index))
    end = min(limits) if limits else (0, COVER_SCAN_SLOTS)
    out: list[Block] = []
    for doc_index, slots in enumerate(all_slots):
        for slot in slots:
            if (doc_index, slot.index) >= end:
                return out
            if len(out) >= 4 * COVER_SCAN_SLOTS:
                return out
            out.append(slot.block)
    return out


def _toc_offset(entries: list[TocEntry], spans: dict[int, SectionSpan], toc_file: str | None) -> int:
    """Physical page − 目录 page, when most entries agree on one non-zero difference."""
    differences = [
        spans[e.item].first_page - e.page  # type: ignore[operator]
        for e in entries
        if e.page is not None and spans[e.item].present and spans[e.item].file == toc_file
    ]
    if len(differences) < 2:
        return 0
    offset, count = Counter(differences).most_common(1)[0]
    return offset if count * 2 > len(differences) else 0


__all__ = [
    "LocatedBlock",
    "SectionIndex",
    "SectionSpan",
    "TocEntry",
    "file_item",
    "find_sections",
    "has_substance",
]
