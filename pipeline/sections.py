"""Finding the cover, the 目录 and the 20 required items in a packet's documents."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.document import Block, Line, Page, SourceDocument
from pipeline.result import Cover, Finding


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


@dataclass
class SectionIndex:
    cover: Cover
    toc: list[TocEntry]
    toc_found: bool
    sections: list[SectionSpan]  # exactly 20, item 1..20
    order: list[int]  # items in the order they appear in the packet

    def section(self, item: int) -> SectionSpan:
        return self.sections[item - 1]


def find_sections(docs: list[SourceDocument]) -> SectionIndex:
    """Locate cover fields, 目录 and items 1..20 across the packet's documents (in packet order)."""
    raise NotImplementedError
