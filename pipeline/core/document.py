"""The one document model every reader produces and every later stage reads.

Geometry follows pdfplumber: PDF points, origin at the top-left of the page,
pages counted from 1. Every line and every table cell carries its provenance,
so any value pulled out later can point the reviewer back to its source.
"""

from __future__ import annotations

from enum import Enum
from typing import Iterator, Literal, Union

from pydantic import BaseModel, Field


class FileKind(str, Enum):
    """Contract `files[].kind`, plus the container kind used only while loading."""

    PDF = "pdf"
    DOCX = "docx"
    IMAGE = "image"
    XLSX = "xlsx"
    OFD = "ofd"  # GB/T 33190 fixed-layout document
    OTHER = "other"
    ZIP = "zip"  # never reported: a ZIP is unpacked into its members
    LEGACY_WORD = "legacy-word"  # .doc/.wps/.rtf: converted to DOCX, reported as "docx"
    LEGACY_SHEET = "legacy-sheet"  # .xls/.et: converted to XLSX, reported as "xlsx"

    @property
    def contract_kind(self) -> str:
        return _CONTRACT_KINDS.get(self, self.value)


_CONTRACT_KINDS = {FileKind.ZIP: "other", FileKind.LEGACY_WORD: "docx", FileKind.LEGACY_SHEET: "xlsx"}


class ReadMethod(str, Enum):
    TEXT = "text"  # a PDF text layer (pdfplumber)
    OCR = "ocr"
    DOCX = "docx"
    XLSX = "xlsx"


BBox = tuple[float, float, float, float]
"""[x0, top, x1, bottom] in PDF points, top-left origin."""


class Provenance(BaseModel):
    file: str  # name of the file within the packet (e.g. "08 专利清单.xlsx")
    page: int  # 1-based; a DOCX counts explicit page breaks, an XLSX sheet is a page
    bbox: BBox | None = None
    method: ReadMethod
    confidence: float | None = None  # OCR mean word confidence, 0..100
    figure_confidence: float | None = None  # OCR confidence of the block's weakest digit, 0..100, when scored


class Line(BaseModel):
    """One line of text in reading order."""

    kind: Literal["line"] = "line"
    text: str
    prov: Provenance
    style: str | None = None  # DOCX paragraph style name ("Heading 1", "Title", ...)
    numbering: str | None = None  # DOCX list-numbering text rendered in front, if any
    font_size: float | None = None  # points, when the reader knows it


class Cell(BaseModel):
    text: str
    row: int  # 0-based
    col: int  # 0-based
    prov: Provenance
    row_span: int = 1
    col_span: int = 1


class Table(BaseModel):
    """A grid of cells; merged cells are repeated in every grid slot they cover."""

    kind: Literal["table"] = "table"
    rows: list[list[Cell]]
    prov: Provenance
    name: str | None = None  # sheet name for XLSX

    def text_rows(self) -> list[list[str]]:
        return [[c.text for c in row] for row in self.rows]

    def plain_rows(self) -> list[list[str]]:
        """Rows as a reader sees them: a merged cell once, in its first slot (the rest empty)."""

        def same(a: Cell, b: Cell) -> bool:
            return (a.text, a.row_span, a.col_span, a.prov.bbox) == (b.text, b.row_span, b.col_span, b.prov.bbox)

        plain: list[list[str]] = []
        for r, row in enumerate(self.rows):
            texts = []
            for c, cell in enumerate(row):
                repeat = (cell.col_span > 1 and c > 0 and same(cell, row[c - 1])) or (
                    cell.row_span > 1 and r > 0 and c < len(self.rows[r - 1]) and same(cell, self.rows[r - 1][c]))
                texts.append("" if repeat else cell.text)
            plain.append(texts)
        return plain


Block = Union[Line, Table]


class Page(BaseModel):
    number: int  # 1-based
    width: float | None = None  # points
    height: float | None = None
    method: ReadMethod
    ocr_confidence: float | None = None  # mean over the page's words, when OCR'd
    blocks: list[Block] = Field(default_factory=list)  # reading order

    def lines(self) -> Iterator[Line]:
        for block in self.blocks:
            if isinstance(block, Line):
                yield block

    def tables(self) -> Iterator[Table]:
        for block in self.blocks:
            if isinstance(block, Table):
                yield block

    def text(self) -> str:
        """The page as plain text: lines, and table rows joined by tabs (a merged cell once)."""
        parts: list[str] = []
        for block in self.blocks:
            if isinstance(block, Line):
                parts.append(block.text)
            else:
                parts.extend("\t".join(t for t in r if t) for r in block.plain_rows())
        return "\n".join(parts)


class SourceDocument(BaseModel):
    """One file of a packet as read: its pages with every block's provenance."""

    name: str  # path within the packet, forward slashes
    sha256: str
    kind: FileKind
    pages: list[Page] = Field(default_factory=list)
    page_count: int | None = None  # pages in the file, even if some could not be read

    @property
    def ocr_pages(self) -> list[int]:
        return [p.number for p in self.pages if p.method is ReadMethod.OCR]

    def iter_blocks(self) -> Iterator[tuple[Page, Block]]:
        for page in self.pages:
            for block in page.blocks:
                yield page, block
