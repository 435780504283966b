"""Words into lines: visual rows from word boxes, and the text of a row or a table cell."""

from __future__ import annotations

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
    for before, after in zip(words, words[1:]):
        gap = after.x0 - before.x1
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
    return [sorted(members, key=lambda w: w.x0) for _, _, members in rows]


def lowest_figure_confidence(words: Sequence[PlacedWord]) -> float | None:
    scores = [w.figure_confidence for w in words if w.figure_confidence is not None]
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
