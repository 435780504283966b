"""Where the required items sit: the spans, the packet as a sequence of slots, and substance.

The data every stage after section finding reads (`SectionIndex`), and the test for
whether an item's blocks hold anything beyond its heading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import ConfigDict, Field

from extractors.analysis.headings import ItemTitles, is_page_furniture, is_reference, nfkc
from pipeline.core.document import Block, Line, Page, SourceDocument, Table
from pipeline.core.result import Cover, SectionResult



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


class SectionSpan(SectionResult):
    """Where one required item sits: the contract's section fields, and the heading and the
    blocks under it that the stages after section finding read."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    heading: LocatedBlock | None = None
    blocks: list[LocatedBlock] = Field(default_factory=list)  # content after the heading, up to the next item
    whole_file: bool = False  # the item is a file of its own (found by file name)

    def result(self) -> SectionResult:
        """The contract's part of the span (what `result.json` lists under `sections`)."""
        return SectionResult(**{name: getattr(self, name) for name in SectionResult.model_fields})


@dataclass
class SectionIndex:
    cover: Cover
    toc: list[TocEntry]
    toc_found: bool
    sections: list[SectionSpan]  # exactly 20, item 1..20
    order: list[int]  # items in the order they appear in the packet
    titles: ItemTitles  # the round's items the spans were found for
    toc_file: str | None = None  # the file the 目录 is in
    toc_offset: int = 0  # physical page − 目录 page number, when the 目录 counts differently
    toc_heading: LocatedBlock | None = None  # the 目录 title line, for evidence

    def section(self, item: int) -> SectionSpan:
        return self.sections[item - 1]


# --- the packet as a sequence of slots ---------------------------------------------


@dataclass(frozen=True)
class Slot:
    doc_index: int
    index: int  # position within the document
    page: Page
    block: Block


def slots_of(doc_index: int, doc: SourceDocument) -> list[Slot]:
    out = []
    for page in doc.pages:
        for block in page.blocks:
            out.append(Slot(doc_index, len(out), page, block))
    return out


RUNNING_EDGE_LINES = 2  # a running header or footer is among the first or last lines of a page
RUNNING_MIN_PAGES = 3
RUNNING_MIN_SHARE = 0.4  # of a document's pages


def _edge_key(text: str) -> str:
    """A page-edge line with its digits dropped: '申报材料 第3页' and '申报材料 第4页' are one line."""
    return re.sub(r"[\d\s]+", "", nfkc(text))


def running_lines(slots: list[Slot]) -> set[int]:
    """Slots of running headers and footers: the same line at a page edge on many pages.

    A packet printed with '某某集群申报材料' atop every page would otherwise give an item that
    is only a heading the next page's header as its content."""
    by_page: dict[int, list[Slot]] = {}
    for slot in slots:
        if isinstance(slot.block, Line):
            by_page.setdefault(slot.page.number, []).append(slot)
    if len(by_page) < RUNNING_MIN_PAGES:
        return set()
    pages_with: dict[str, set[int]] = {}
    edge_slots: dict[str, list[int]] = {}
    for number, lines in by_page.items():
        edges = lines[:RUNNING_EDGE_LINES] + lines[-RUNNING_EDGE_LINES:]
        for slot in {s.index: s for s in edges}.values():
            key = _edge_key(slot.block.text)
            if len(key) >= 4:
                pages_with.setdefault(key, set()).add(number)
                edge_slots.setdefault(key, []).append(slot.index)
    needed = max(RUNNING_MIN_PAGES, RUNNING_MIN_SHARE * len(by_page))
    return {index for key, pages in pages_with.items() if len(pages) >= needed for index in edge_slots[key]}


def located(doc: SourceDocument, slot: Slot) -> LocatedBlock:
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
