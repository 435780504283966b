"""Reading the cells of ruled tables, and the re-reads that fix what Chinese-only Tesseract misreads."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from typing import Hashable, Sequence

from PIL import Image

from extractors.ocr.engine import OcrEngine, OcrTimeout, OcrWord, without_noise
from extractors.ocr.grid import StripPlacement, TableGrid, cell_strip, placement_at, stack_crops
from extractors.ocr.tesseract import TesseractEngine
from pipeline.core.text import CJK_IDEOGRAPH, count_cjk_ideographs

def remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise OcrTimeout("page time limit reached")
    return left


CELL_KEY = "table-cell"


def strip_pieces(strip: Image.Image, placements: Sequence[StripPlacement],
                 max_height: int) -> list[tuple[Image.Image, list[StripPlacement]]]:
    """The strip cut between cells into pieces no taller than `max_height` (a taller cell
    stands alone), each with its placements.

    A table of sixty rows stacks into a strip five pages tall, and the detector's working
    memory grows with the largest image it has seen and stays: one piece a page tall
    costs what a page costs.
    """
    groups: list[list[StripPlacement]] = []
    for placement in placements:
        if groups and placement.bottom - groups[-1][0].top <= max_height:
            groups[-1].append(placement)
        else:
            groups.append([placement])
    pieces = []
    for index, group in enumerate(groups):
        top = 0 if index == 0 else (groups[index - 1][-1].bottom + group[0].top) // 2
        bottom = strip.height if index == len(groups) - 1 else (group[-1].bottom + groups[index + 1][0].top) // 2
        pieces.append((strip.crop((0, top, strip.width, bottom)),
                       [replace(p, top=p.top - top, bottom=p.bottom - top, offset_y=p.offset_y + top) for p in group]))
    return pieces


def _strip_words(strip: Image.Image, placements, dpi: float, engine: OcrEngine, table_index: int,
                 deadline: float, max_height: int) -> dict[int, list[OcrWord]]:
    """A cell strip read as uniform blocks of at most `max_height` pixels; words per cell, in page pixels."""
    by_cell: dict[int, list[OcrWord]] = {}
    for piece, piece_placements in strip_pieces(strip, placements, max_height):
        _read_piece(piece, piece_placements, dpi, engine, table_index, deadline, by_cell)
    return by_cell


def _read_piece(strip: Image.Image, placements, dpi: float, engine: OcrEngine, table_index: int,
                deadline: float, by_cell: dict[int, list[OcrWord]]) -> None:
    for word in without_noise(engine.recognize(strip, dpi, remaining(deadline), uniform_block=True), engine):
        placement = placement_at(placements, (word.box[1] + word.box[3]) / 2)
        if placement is None:
            continue
        box = (word.box[0] + placement.offset_x, word.box[1] + placement.offset_y,
               word.box[2] + placement.offset_x, word.box[3] + placement.offset_y)
        by_cell.setdefault(placement.cell, []).append(
            OcrWord(word.text, box, word.confidence, line_key=(CELL_KEY, table_index, placement.cell, word.line_key),
                    figure_confidence=word.figure_confidence))


def _numbers_engine(engine: OcrEngine) -> OcrEngine | None:
    """The engine again with English added, for cells of figures; None when it has no such variant.

    Chinese-only Tesseract reads a narrow "%" as "9%" or "5%" ("80.8%" → "80.89%",
    "86%" → "865%"); with English it reads them right, but it turns whole Chinese
    cells into Latin garbage, so it only re-reads cells of figures.
    """
    if isinstance(engine, TesseractEngine) and "eng" not in engine.lang.split("+"):
        return replace(engine, lang=f"{engine.lang}+eng")
    return None


def _figures_only(text: str) -> bool:
    return bool(re.search(r"\d", text)) and count_cjk_ideographs(text) <= 2


# A figures cell read with this confidence or more, and without a "%", is kept as read:
# re-reading every figures cell cost a third of the table time and changed only cells
# with a "%" or an unsure word (a standard code) on the generated scanned packets.
FIGURES_SURE_CONFIDENCE = 70.0


# A standard's code: Latin letters at a slash ("GB/T", "DB13/T", "Q/JX"). Chinese-only
# Tesseract drops or swaps its letters ("Q/JX010-2020" → "Q/X010-2020") even when sure.
_STANDARD_CODE = re.compile(r"[A-Za-z]\s*/|/\s*[A-Za-z]")


def _doubtful_figures(words: Sequence[OcrWord]) -> bool:
    """A figures cell worth reading again with English: it has a "%", a standard's code or an unsure word."""
    text = "".join(w.text for w in words)
    return _figures_only(text) and ("%" in text or bool(_STANDARD_CODE.search(text))
                                    or min(w.confidence for w in words) < FIGURES_SURE_CONFIDENCE)


def _cjk_of(words: Sequence[OcrWord]) -> str:
    return "".join(CJK_IDEOGRAPH.findall("".join(w.text for w in words)))


def read_cells(erased: Image.Image, grids: Sequence[TableGrid], dpi: float, engine: OcrEngine,
                deadline: float) -> list[OcrWord]:
    """Each table's cells read as one stacked strip; words come back in page pixels, their
    line key naming (marker, table, cell, the engine's line). Doubtful cells of figures are
    read again with English added; that reading wins when it keeps the cell's Chinese characters."""
    numbers_engine = _numbers_engine(engine)
    words: list[OcrWord] = []
    for table_index, grid in enumerate(grids):
        stacked = cell_strip(erased, grid, dpi)
        if stacked is None:
            continue
        by_cell = _strip_words(*stacked, dpi, engine, table_index, deadline, erased.height)
        figures = [c for c, ws in by_cell.items() if ws and _doubtful_figures(ws)]
        restacked = cell_strip(erased, grid, dpi, only=set(figures)) if figures and numbers_engine else None
        if restacked is not None:
            again = _strip_words(*restacked, dpi, numbers_engine, table_index, deadline, erased.height)
            for cell, reread in again.items():
                if _cjk_of(reread) == _cjk_of(by_cell[cell]) and _figures_only("".join(w.text for w in reread)):
                    by_cell[cell] = reread
        for cell_words in by_cell.values():
            words.extend(cell_words)
    return words


def reread_page_numbers(image: Image.Image, words: list[OcrWord], dpi: float, engine: OcrEngine,
                         deadline: float) -> list[OcrWord]:
    """A 目录's page numbers read again with English added: Chinese-only Tesseract reads a
    lone "4" at the end of a leader line as "1" or "上". A line's last word, short and at
    the right edge, is replaced when the second reading is all digits."""
    numbers_engine = _numbers_engine(engine)
    if numbers_engine is None or not words:
        return words
    right_edge = max(w.box[2] for w in words)
    left_edge = min(w.box[0] for w in words)
    last_of_line: dict[Hashable, int] = {}
    for index, word in enumerate(words):
        key = word.line_key if word.line_key is not None else ("word", index)
        if key not in last_of_line or word.box[2] > words[last_of_line[key]].box[2]:
            last_of_line[key] = index
    candidates = [
        i for i in last_of_line.values()
        if len(words[i].text) <= 3 and words[i].box[0] > left_edge + 0.7 * (right_edge - left_edge)
    ]
    crops = []
    for i in candidates:
        x0, top, x1, bottom = words[i].box
        pad = max(4, round(0.4 * (bottom - top)))
        box = (max(0, int(x0 - pad)), max(0, int(top - pad)), min(image.width, int(x1 + pad)), min(image.height, int(bottom + pad)))
        crops.append((i, image.crop(box), box[:2]))
    stacked = stack_crops(image, crops, dpi)
    if stacked is None:
        return words
    strip, placements = stacked
    reread: dict[int, list[str]] = {}
    for word in without_noise(numbers_engine.recognize(strip, dpi, remaining(deadline), uniform_block=True),
                              numbers_engine):
        placement = placement_at(placements, (word.box[1] + word.box[3]) / 2)
        if placement is not None:
            reread.setdefault(placement.cell, []).append(word.text)
    fixed = list(words)
    for i, texts in reread.items():
        text = "".join(texts)
        if text.isdigit() and text != words[i].text:
            fixed[i] = replace(words[i], text=text)
    return fixed
