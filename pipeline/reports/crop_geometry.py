"""Where an evidence crop should reach on a PDF page: the value's table row, from the table's
left edge (the row label) to its right edge, and the column header above it.

A value alone ("52.9") tells a reviewer nothing; with its row label and its column header
("集群总产值（亿元）", "2019") it can be checked at a glance. Table geometry comes from the
page's ruling lines (pdfplumber); a page without a table (prose, scans) gets no context
here and the crop falls back to the value's whole line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pdfplumber

BBox = tuple[float, float, float, float]

_HEADER_TEXT = re.compile(r"^\D*$|^\s*(?:19|20)\d{2}\s*年?(?:度)?\s*$")  # words, or a year
_SAME_EDGE_PT = 2.0
_MAX_HEADER_SEARCH = 30  # rows above the value's row


@dataclass(frozen=True)
class TableContext:
    row: BBox  # the value's table row, full table width
    header: BBox | None  # the column header row above it, full table width, or None


def _contains(outer, inner, slack: float = 1.0) -> bool:
    cx, cy = (inner[0] + inner[2]) / 2, (inner[1] + inner[3]) / 2
    return outer[0] - slack <= cx <= outer[2] + slack and outer[1] - slack <= cy <= outer[3] + slack


def _near(a: float, b: float) -> bool:
    return abs(a - b) <= _SAME_EDGE_PT


def _text(page, cell: BBox) -> str:
    return (page.crop(cell, strict=False).extract_text() or "").strip()


def _is_label(text: str) -> bool:
    return bool(text) and not re.search(r"\d", text)


def table_context(page, bbox: BBox) -> TableContext | None:
    """The row and column header of the table cell holding `bbox` on a pdfplumber page.

    The row is the value cell's height across the whole table. A column header is looked
    for only when the value has no label of its own on its left (its left neighbour is a
    number, or a label spanning several rows): then the nearest cell above in the same
    column that reads as a header (words, or a year), within the left label's rows and
    without crossing a change of the column grid.
    """
    for table in page.find_tables():
        if not _contains(table.bbox, bbox):
            continue
        cells = [tuple(c) for c in table.cells]
        holding = [c for c in cells if _contains(c, bbox)]
        if not holding:
            return None
        value = min(holding, key=lambda c: (c[2] - c[0]) * (c[3] - c[1]))
        x0, _, x1, _ = table.bbox
        row = (x0, value[1], x1, value[3])
        cy = (value[1] + value[3]) / 2
        left = next((c for c in cells if _near(c[2], value[0]) and c[1] - 0.5 <= cy <= c[3] + 0.5), None)
        left_text = _text(page, left) if left is not None else ""
        own_label = left is not None and _is_label(left_text) and _near(left[1], value[1]) and _near(left[3], value[3])
        header = None
        if not own_label:
            floor = left[1] - 0.5 if left is not None and _is_label(left_text) else table.bbox[1] - 1
            above = sorted((c for c in cells if c[3] <= value[1] + 0.5 and c[1] >= floor
                            and c[0] < value[2] - 0.5 and c[2] > value[0] + 0.5), key=lambda c: -c[3])
            for cell in above[:_MAX_HEADER_SEARCH]:
                if not (_near(cell[0], value[0]) and _near(cell[2], value[2])):
                    break  # the column grid changes (a merged title): no header of this column above
                text = _text(page, cell)
                if text and _HEADER_TEXT.match(text):
                    header = (x0, cell[1], x1, cell[3])
                    break
        return TableContext(row, header)
    return None


def pdf_table_contexts(path, wanted: dict[int, list[BBox]]) -> dict[tuple[int, BBox], TableContext]:
    """Table contexts for the given bboxes by page of one PDF, each page parsed once."""
    out: dict[tuple[int, BBox], TableContext] = {}
    with pdfplumber.open(str(path)) as pdf:
        for page_number, boxes in wanted.items():
            if not 1 <= page_number <= len(pdf.pages):
                continue
            page = pdf.pages[page_number - 1]
            try:
                for box in boxes:
                    context = table_context(page, box)
                    if context is not None:
                        out[(page_number, box)] = context
            finally:
                page.close()
    return out
