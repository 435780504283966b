"""The front matter: the 目录 (its entries and page numbers) and the cover region before it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.analysis.cover import count_labels
from extractors.analysis.headings import (
    MIN_MARGIN,
    STRONG_HEADING_SCORE,
    ItemTitles,
    TitleMatch,
    is_page_furniture,
    nfkc,
    plausible_heading_text,
    split_numbering,
    split_page_number,
)
from extractors.analysis.spans import Slot, TocEntry
from pipeline.core.document import Block, Cell, Line, SourceDocument, Table


# --- the 目录 ------------------------------------------------------------------------------------

_TOC_TITLE = re.compile(r"^(?:申报材料)?目录$|^目次$|^材料目录$")
TOC_ENTRY_SCORE = 65.0
MIN_TOC_ENTRIES = 3
MAX_TOC_ENTRY_LINES = 4  # a long 目录 entry wraps over at most this many lines


@dataclass
class Toc:
    doc_index: int
    title_slot: Slot
    entries: list[TocEntry]
    used: set[int]  # slot indexes the 目录 occupies (never headings)
    stray_lines: int = 0


def is_toc_title(text: str) -> bool:
    return bool(_TOC_TITLE.match(re.sub(r"\s+", "", nfkc(text))))


def toc_match(text: str, titles: ItemTitles) -> TitleMatch | None:
    head, _ = split_page_number(text)
    match = titles.match_title(head)
    if match is None or match.score < TOC_ENTRY_SCORE or match.score - match.runner_up < MIN_MARGIN:
        return None
    return match


def toc_from_table(table: Table, titles: ItemTitles) -> list[TocEntry]:
    entries = []
    for row in table.rows:
        best: tuple[TitleMatch, Cell] | None = None
        page: int | None = None
        for cell in row:
            text = cell.text.strip()
            if re.fullmatch(r"\d{1,3}", text):
                page = int(text) if best is not None else page
                continue
            match = toc_match(text, titles)
            if match is not None and (best is None or match.score > best[0].score):
                best = (match, cell)
        if best is not None:
            match, cell = best
            line = Line(text=cell.text, prov=cell.prov)
            entries.append(TocEntry(match.item, cell.text, page, line))
    return entries


def is_noise(line: Line) -> bool:
    """OCR debris (dot leaders read as letters, stray marks): neither an entry nor a miss."""
    if line.text.count("\t") >= 2 or (line.prov.confidence is not None and line.prov.confidence < 50):
        return True
    return not re.search(r"[\u4e00-\u9fff]", line.text) and len(line.text.strip()) <= 6


def read_toc(doc_index: int, slots: list[Slot], start: int, title: Slot, titles: ItemTitles) -> Toc:
    """The 目录 entries from `start` on: numbered, wrapped, with or without page numbers."""
    entries: list[TocEntry] = []
    used = {title.index}
    pending: tuple[str, Line, list[int]] | None = None
    misses = 0
    stray_lines = 0  # lines inside the 目录 that are neither entries nor noise

    def finish(text: str, line: Line, indexes: list[int], page: int | None) -> bool:
        match = toc_match(text, titles)
        if match is None and len(indexes) > 1:  # the wrapped part was debris: the first line alone
            text, indexes = line.text, indexes[:1]
            match = toc_match(text, titles)
        if match is None or any(e.item == match.item for e in entries):
            return False
        entries.append(TocEntry(match.item, text, page, line))
        used.update(indexes)
        return True

    for slot in slots[start:]:
        block = slot.block
        if isinstance(block, Table):
            table_entries = toc_from_table(block, titles)
            if table_entries:
                entries.extend(e for e in table_entries if all(e.item != x.item for x in entries))
                used.add(slot.index)
                continue
            break
        text = block.text
        if is_page_furniture(text) or not text.strip() or is_noise(block):
            used.add(slot.index)
            continue
        number, _ = split_numbering(text)
        head, page = split_page_number(text)
        if pending is not None:
            pending_text, pending_line, pending_indexes = pending
            alone = toc_match(text, titles)
            pending_match = toc_match(pending_text, titles)
            names_another_item = (
                alone is not None
                and alone.score >= STRONG_HEADING_SCORE
                and (pending_match is None or alone.item != pending_match.item)
            )
            joined = pending_text + text.strip()
            joined_page = split_page_number(joined)[1]
            joined_match = toc_match(joined, titles)
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
        match = toc_match(text, titles)
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
    return Toc(doc_index, title, entries, used, stray_lines)


UNTITLED_TOC_ENTRIES = 6  # a 目录 whose title was lost (OCR) must list at least this many items
UNTITLED_TOC_SCAN_PAGES = 3


def find_toc(all_slots: list[list[Slot]], titles: ItemTitles) -> Toc | None:
    """The 目录: under a 目录 title, or else a dense run of numbered item titles near a file's start."""
    for doc_index, slots in enumerate(all_slots):
        for position, slot in enumerate(slots):
            if isinstance(slot.block, Line) and is_toc_title(slot.block.text):
                toc = read_toc(doc_index, slots, position + 1, slot, titles)
                if len(toc.entries) >= MIN_TOC_ENTRIES:
                    return toc
    for doc_index, slots in enumerate(all_slots):
        first_pages = {p.number for p in sorted({id(s.page): s.page for s in slots}.values(), key=lambda p: p.number)[:UNTITLED_TOC_SCAN_PAGES]}
        position = 0
        while position < len(slots):
            slot = slots[position]
            if slot.page.number not in first_pages:
                break
            if isinstance(slot.block, Line) and split_numbering(slot.block.text)[0] is not None and toc_match(slot.block.text, titles):
                toc = read_toc(doc_index, slots, position, slot, titles)
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


def cover_slots(slots: list[Slot], titles: ItemTitles) -> set[int]:
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
        if is_toc_title(text):
            break
        if count_labels([slot.block]):
            label_indexes.append(slot.index)
            label_page = slot.page.number
            continue
        match = titles.match_title(text) if plausible_heading_text(text) else None
        if match is not None and match.score >= STRONG_HEADING_SCORE:
            break
    if len(label_indexes) < 2:
        return set()
    return {s.index for s in slots[: label_indexes[-1] + 1]}


def front_blocks(
    docs: list[SourceDocument], all_slots: list[list[Slot]], starts: dict[int, tuple[int, int]], toc: Toc | None
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
