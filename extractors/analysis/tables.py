"""Grids from every source: document tables, and OCR/text lines whose columns are tabs or wide gaps.

Also header matching by meaning (rapidfuzz over synonym lists) for the list extractors.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from pipeline.core.document import Line, Provenance, Table

_WIDE_GAP = re.compile(r"\t+|\s{2,}|\u3000+|\s*[|｜]\s*")


@dataclass
class GridCell:
    """A cell of a grid, whatever it was read from (a table cell, or a piece of a line)."""

    text: str
    row: int
    col: int
    prov: Provenance


# A wide gap right after "的" or "为" is inside a sentence, not between columns: OCR reads
# a justified line "…占集群总产值的    82.9%，主导产业…" with a tab there.
_SENTENCE_GAP = re.compile(r"(?<=[的为])\t+")


def split_line_cells(text: str) -> list[str]:
    """Columns of a line: tab-separated, else separated by runs of two or more blanks."""
    text = _SENTENCE_GAP.sub(" ", text)
    if "\t" in text:
        parts = re.split(r"\t|\s*[|｜]\s*", text)  # OCR reads some ruling lines as "|"
    else:
        parts = _WIDE_GAP.split(text)
    return [p.strip() for p in parts if p.strip()]


def is_tabular_line(line: Line) -> bool:
    """A line that holds table columns: a tab or a "|" between two columns, or at least three wide-gap columns."""
    text = _SENTENCE_GAP.sub(" ", line.text.strip())
    if "\t" in text or re.search(r"\S\s*[|｜]\s*\S", text):
        return len(split_line_cells(text)) >= 2
    return len(split_line_cells(text)) >= 3


_ROW_NUMBER_GLUED = re.compile(r"^(\d{1,3})\s+(?=[\u4e00-\u9fff])")


def _row_cells(text: str) -> list[str]:
    """A tabular line's cells; a row number set one blank before the next cell ("1 新乡县…公司")
    is a cell of its own (the 序号 column)."""
    cells = split_line_cells(text)
    glued = _ROW_NUMBER_GLUED.match(cells[0]) if cells else None
    if glued:
        cells = [glued.group(1), cells[0][glued.end():].strip(), *cells[1:]]
    return cells


def line_grid(lines: list[Line]) -> list[list[GridCell]]:
    """Consecutive tabular lines as grid rows (each piece keeps the line's provenance)."""
    return [
        [GridCell(text, r, c, line.prov) for c, text in enumerate(_row_cells(line.text))]
        for r, line in enumerate(lines)
    ]


def _char_width(char: str, size: float) -> float:
    return size / 2 if ord(char) < 0x2E80 else size


def _piece_starts(line: Line) -> list[tuple[float, str]]:
    """The line's pieces with where each starts across the page: the first at the line's left edge,
    the last ending at its right edge, the gaps between pieces shared equally (text is set at the
    font size: CJK one em, Latin and digits half)."""
    pieces = split_line_cells(line.text)
    x0, _, x1, _ = line.prov.bbox  # type: ignore[misc]
    size = line.font_size or (line.prov.bbox[3] - line.prov.bbox[1])  # type: ignore[index]
    widths = [sum(_char_width(ch, size) for ch in piece) for piece in pieces]
    gap = max(0.0, (x1 - x0) - sum(widths)) / (len(pieces) - 1) if len(pieces) > 1 else 0.0
    starts, x = [], x0
    for piece, width in zip(pieces, widths):
        starts.append((x, piece))
        x += width + gap
    return starts


def _text_extent(line: Line) -> tuple[float, float]:
    """The line's vertical extent as its characters' height about the box's middle: an OCR
    engine's boxes carry padding (PP-OCR's overlap the next row's), the font size does not."""
    _, top, _, bottom = line.prov.bbox  # type: ignore[misc]
    height = bottom - top
    if line.font_size:
        height = min(height, line.font_size)
    middle = (top + bottom) / 2
    return middle - height / 2, middle + height / 2


def _overlaps(a: Line, b: Line) -> bool:
    """Two lines on one page whose vertical extents overlap without sharing a baseline: a cell
    wrapped over two lines beside a row set on one (a borderless table's tall row)."""
    if a.prov.page != b.prov.page or a.prov.bbox is None or b.prov.bbox is None:
        return False
    (top_a, bottom_a), (top_b, bottom_b) = _text_extent(a), _text_extent(b)
    overlap = min(bottom_a, bottom_b) - max(top_a, top_b)
    return overlap > 0.15 * min(bottom_a - top_a, bottom_b - top_b) and abs(top_a - top_b) > 1.0


_FRAGMENT_CHARS = 40


def merge_wrapped_rows(lines: list[Line]) -> list[Line]:
    """A table row whose cells wrap over several lines, set with the one-line cells vertically
    centred, comes as interleaved lines ("久盛（新乡县）机械设备科技有限 | 创新型中小企业、高新技术" /
    "11 | 9141…8X | 高频筛" / "公司 | 企业"): lines that overlap the row line vertically are
    merged into it, each piece placed by where it starts across the page, the pieces of one
    column joined top to bottom."""
    out: list[Line] = []
    i = 0
    while i < len(lines):
        band = [lines[i]]
        j = i + 1
        while j < len(lines) and any(_overlaps(lines[j], member) for member in band):
            band.append(lines[j])
            j += 1
        rows = [m for m in band if is_tabular_line(m)]
        if len(band) < 2 or not rows or any(len(m.text) > _FRAGMENT_CHARS for m in band if m not in rows[:1]):
            out.extend(band)
            i = j
            continue
        out.append(_merged(band, max(rows, key=lambda m: len(split_line_cells(m.text)))))
        i = j
    return out


def _merged(band: list[Line], row: Line) -> Line:
    size = row.font_size or (row.prov.bbox[3] - row.prov.bbox[1])  # type: ignore[index]
    pieces = sorted(((x, line.prov.bbox[1], text) for line in band for x, text in _piece_starts(line)),  # type: ignore[index]
                    key=lambda p: p[0])
    columns: list[list[tuple[float, float, str]]] = []
    for piece in pieces:
        if columns and abs(piece[0] - columns[-1][0][0]) < 2 * size and all(piece[1] != p[1] for p in columns[-1]):
            columns[-1].append(piece)
        else:
            columns.append([piece])
    text = "\t".join("".join(p[2] for p in sorted(column, key=lambda p: p[1])) for column in columns)
    boxes = [m.prov.bbox for m in band]
    bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))  # type: ignore[index]
    return row.model_copy(update={"text": text, "prov": row.prov.model_copy(update={"bbox": bbox})})


def line_rows(lines: list[Line]) -> list[tuple[bool, list]]:
    """Split a run of lines into (True, grid rows) for tabular stretches and (False, lines) for prose."""
    groups: list[tuple[bool, list[Line]]] = []
    for line in merge_wrapped_rows(lines):
        tabular = is_tabular_line(line)
        if groups and groups[-1][0] == tabular:
            groups[-1][1].append(line)
        else:
            groups.append((tabular, [line]))
    return [(tabular, line_grid(group) if tabular else group) for tabular, group in groups]


def table_grid(table: Table) -> list[list[GridCell]]:
    return [[GridCell(c.text, c.row, c.col, c.prov) for c in row] for row in table.rows]


def _squash(text: str) -> str:
    return re.sub(r"[\s“”\"'（）()\[\]【】:：*＊]", "", text)


def header_score(cell_text: str, synonyms: tuple[str, ...]) -> float:
    """How well a header cell names a column (0..100): exact synonym, containment, then fuzzy."""
    text = _squash(cell_text)
    if not text or len(text) > 20:
        return 0.0
    best = 0.0
    for position, synonym in enumerate(synonyms):
        preference = 0.01 * position  # equal matches: the synonym listed first wins
        if text == synonym:
            return 100.0 - preference
        if synonym in text:
            best = max(best, 90.0 - (len(text) - len(synonym)) - preference)
        else:
            best = max(best, fuzz.ratio(synonym, text) * 0.9 - preference)
    return best


def match_header(row: list[str], columns: dict[str, tuple[str, ...]], threshold: float = 70.0) -> dict[str, int]:
    """Column index per field for a header row; each cell used once, best matches first."""
    scored = [
        (header_score(text, synonyms), field, index)
        for field, synonyms in columns.items()
        for index, text in enumerate(row)
    ]
    chosen: dict[str, int] = {}
    used: set[int] = set()
    for score, field, index in sorted(scored, key=lambda s: -s[0]):
        if score < threshold or field in chosen or index in used:
            continue
        chosen[field] = index
        used.add(index)
    return chosen
