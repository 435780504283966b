"""Words into lines: visual rows from word boxes, and the text of a row or a table cell."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from extractors.ocr.corrections import repair_brackets
from extractors.ocr.engine import PixelBox
from pipeline.core.text import collapse_cjk_spaces, is_cjk_wide

@dataclass(frozen=True)
class PlacedWord:
    """A word with its box, in whatever unit the caller uses (pixels or points)."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    confidence: float | None = None
    figure_confidence: float | None = None  # its weakest digit's, when the engine scores characters

    @property
    def height(self) -> float:
        return self.bottom - self.top


def join_words(words: Sequence[PlacedWord], tab_gap_factor: float = 2.0) -> str:
    """Join one visual line's words (sorted by x): a tab across a column-sized gap,
    nothing between two CJK characters, a space otherwise."""
    if not words:
        return ""
    heights = sorted(w.height for w in words if w.height > 0)
    char_size = heights[len(heights) // 2] if heights else 10.0
    parts = [words[0].text]
    right = words[0].x1  # a wrapped cell's short last line must not open a gap inside its column
    for before, after in zip(words, words[1:]):
        gap = after.x0 - right
        right = max(right, after.x1)
        if gap > tab_gap_factor * char_size:
            parts.append("\t")
        elif not (is_cjk_wide(before.text[-1]) and is_cjk_wide(after.text[0])):
            parts.append(" ")
        parts.append(after.text)
    return collapse_cjk_spaces("".join(parts))


def group_rows(units: Sequence[Sequence[PlacedWord]], min_overlap: float = 0.5) -> list[list[PlacedWord]]:
    """Merge word groups (an engine's lines, or single words) into visual rows.

    Two groups share a row when their vertical extents overlap by at least
    `min_overlap` of the smaller height: table cells that an engine read as
    separate blocks come back together as one row of columns.
    """
    boxed = [
        (min(w.top for w in u), max(w.bottom for w in u), list(u)) for u in units if u
    ]
    boxed.sort(key=lambda b: (b[0] + b[1]) / 2)
    rows: list[tuple[float, float, list[PlacedWord]]] = []
    for top, bottom, members in boxed:
        for i, (r_top, r_bottom, r_members) in enumerate(rows[-3:], start=max(0, len(rows) - 3)):
            overlap = min(bottom, r_bottom) - max(top, r_top)
            smaller = max(1e-6, min(bottom - top, r_bottom - r_top))
            if overlap / smaller >= min_overlap:
                rows[i] = (min(top, r_top), max(bottom, r_bottom), r_members + members)
                break
        else:
            rows.append((top, bottom, members))
    return [_left_to_right(members) for members in _attach_wrapped_cells([m for _, _, m in rows])]


def _centre(words: Sequence[PlacedWord]) -> float:
    return (min(w.top for w in words) + max(w.bottom for w in words)) / 2


def _x_overlap(a: PlacedWord, b: PlacedWord) -> float:
    return (min(a.x1, b.x1) - max(a.x0, b.x0)) / max(1e-6, min(a.x1 - a.x0, b.x1 - b.x0))


CELL_GUTTER = 0.8  # line heights between two cells of a row, wider than any word space


def _wrap_partner(lone: list[PlacedWord], row: list[PlacedWord]) -> tuple[PlacedWord, float, bool] | None:
    """(the word of `row` that `lone` continues in its column, the gap between them in line
    heights, whether the row's other cells sit centred between the two), or None.

    `lone` is one cell's line when it lies over exactly one word of a row that has
    other cells too, stacked within a line's gap of it: a prose line spans several
    columns, and a row of one cell is no table row."""
    over = [w for w in row if any(_x_overlap(w, l) > 0.5 for l in lone)]
    others = [w for w in row if w not in over]
    if len(over) != 1 or not others:
        return None
    partner = over[0]
    if not all(_stacked(partner, l) for l in lone):
        return None
    height = max(1e-6, min(partner.height, *(l.height for l in lone)))
    # cells stand apart by a gutter; "18. 河南鼎盛…" with a wrapped prose line under it is one cell
    if min(max(o.x0 - partner.x1, partner.x0 - o.x1) for o in others) < CELL_GUTTER * height:
        return None
    top, bottom = min(l.top for l in lone), max(l.bottom for l in lone)
    below = top >= partner.top
    gap = (top - partner.bottom if below else partner.top - bottom) / height
    if gap > 0.8:
        return None
    # a cell wraps when its line is full: the upper line reaches at least as far right as
    # the lower (a 目录 entry whose title wraps is not the continuation of the shorter one above)
    lone_right = max(l.x1 for l in lone)
    upper_right, lower_right = (partner.x1, lone_right) if below else (lone_right, partner.x1)
    if upper_right < lower_right - height:
        return None
    low, high = sorted((_centre(lone), _centre([partner])))
    return partner, gap, low < _centre(others) < high


def _attach_wrapped_cells(rows: list[list[PlacedWord]]) -> list[list[PlacedWord]]:
    """A wrapped cell's line that shares no row with the rest (its row's other cells sit
    centred between its lines, or below the first) joins the row it belongs to: the
    neighbour whose other cells sit between it and its column's other line, else the
    nearer one. Rows that hold several cells are never merged."""
    rows = [list(r) for r in rows]
    i = 0
    while i < len(rows):
        lone = rows[i]
        choices = []
        for j in (i - 1, i + 1):
            if 0 <= j < len(rows) and len(_columns(lone)) == 1:
                found = _wrap_partner(lone, rows[j])
                if found is not None:
                    _, gap, centred = found
                    choices.append((not centred, gap, j))
        if choices:
            _, _, j = min(choices)
            rows[j] = rows[j] + lone
            del rows[i]
            i = max(0, min(i, j) - 1)
            continue
        i += 1
    return rows


def _columns(words: Sequence[PlacedWord]) -> list[list[PlacedWord]]:
    """Words grouped into columns: those over one another (a wrapped cell's lines) share one."""
    columns: list[list[PlacedWord]] = []
    for word in sorted(words, key=lambda w: w.x0):
        if columns:
            last = columns[-1]
            x0, x1 = min(w.x0 for w in last), max(w.x1 for w in last)
            overlap = min(x1, word.x1) - max(x0, word.x0)
            if overlap > 0.5 * min(word.x1 - word.x0, x1 - x0) and all(_stacked(word, w) for w in last):
                last.append(word)
                continue
        columns.append([word])
    return columns


def _left_to_right(words: Sequence[PlacedWord]) -> list[PlacedWord]:
    """A row's words by x, except that words stacked in one column (a wrapped cell's lines:
    "襄城恒通半导体材料有限责任" over "公司") keep their top-to-bottom order."""
    return [w for column in _columns(words) for w in sorted(column, key=lambda w: w.top + w.bottom)]


def _stacked(a: PlacedWord, b: PlacedWord) -> bool:
    """One above the other: their heights overlap by less than half the smaller (an engine's
    line boxes are padded, so the lines of a wrapped cell overlap a little)."""
    overlap = min(a.bottom, b.bottom) - max(a.top, b.top)
    return overlap < 0.5 * min(a.height, b.height)


# A row's leading ordinal: "1", "12.", "3、", "（4）" numbers the row; no check reads it.
_ORDINAL = re.compile(r"[（(]?\d{1,3}[)）.．、]?")


def lowest_figure_confidence(words: Sequence[PlacedWord]) -> float | None:
    """The weakest digit of the row's figures (0..100), None when none was scored.

    `words` in reading order. The row's leading ordinal does not count: a faint "1" in the
    number column of a form doubted "集群占地面积 45.4" read surely beside it.
    """
    figures = list(words)
    if len(figures) > 1 and _ORDINAL.fullmatch(figures[0].text.strip()):
        figures = figures[1:]
    scores = [w.figure_confidence for w in figures if w.figure_confidence is not None]
    return min(scores) if scores else None


def mean_confidence(words: Sequence[PlacedWord]) -> float | None:
    confidences = [w.confidence for w in words if w.confidence is not None]
    return round(sum(confidences) / len(confidences), 1) if confidences else None


def enclosing(words: Sequence[PlacedWord]) -> PixelBox:
    return (min(w.x0 for w in words), min(w.top for w in words), max(w.x1 for w in words), max(w.bottom for w in words))


def join_cell_lines(lines: Sequence[str]) -> str:
    """A wrapped cell's lines as one text: a cell wraps mid-word ("DB13/T 2059-202" / "1"),
    so lines join directly, with a space only between two Latin letters."""
    text = ""
    for line in (part.strip() for part in lines):
        if not line:
            continue
        if text and text[-1].isascii() and text[-1].isalpha() and line[0].isascii() and line[0].isalpha():
            text += " "
        text += line
    return text


def cell_text(lines: Sequence[Sequence[PlacedWord]]) -> str:
    """One cell's text: its pieces of the engine's lines, merged into visual lines top to bottom."""
    rows = group_rows(lines)
    return repair_brackets(join_cell_lines([join_words(row, tab_gap_factor=1e9) for row in rows]))
