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


def line_grid(lines: list[Line]) -> list[list[GridCell]]:
    """Consecutive tabular lines as grid rows (each piece keeps the line's provenance)."""
    return [
        [GridCell(text, r, c, line.prov) for c, text in enumerate(split_line_cells(line.text))]
        for r, line in enumerate(lines)
    ]


def line_rows(lines: list[Line]) -> list[tuple[bool, list]]:
    """Split a run of lines into (True, grid rows) for tabular stretches and (False, lines) for prose."""
    groups: list[tuple[bool, list[Line]]] = []
    for line in lines:
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
