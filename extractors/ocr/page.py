"""`ocr_image`: one page image read into a `Page` of lines and tables.

`ocr_image` turns one page image into a `Page` of lines and tables: it straightens
a slight skew, finds ruled tables (`extractors.ocr.grid`) and reads them cell by
cell into `Table` blocks, erases dot leaders (a 目录's "......"), turns a page lying
on its side upright (asking the engine only when the first pass looks wrong),
groups the other words into visual lines (columns of an unruled table joined with
a tab), and maps every box back to PDF points in the frame of the image it was
given (px·72/dpi), so provenance points at the page as the reviewer sees it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Hashable, Sequence

import cv2
import numpy as np
from PIL import Image

cv2.setNumThreads(1)  # pages are read in parallel processes, not threads

from extractors.ocr.cells import CELL_KEY, read_cells, remaining, reread_page_numbers
from extractors.ocr.cleanup import remove_leader_dots
from extractors.ocr.corrections import repair_brackets
from extractors.ocr.engine import OcrEngine, OcrError, OcrTimeout, OcrWord, PixelBox, without_noise
from extractors.ocr.engines import engine_for
from extractors.ocr.geometry import Turn, box_to_original, estimate_skew, level, turn
from extractors.ocr.grid import TableGrid, blank_tables, erase_rules, find_tables, whiten_paper
from extractors.ocr.layout import (PlacedWord, cell_text, enclosing, group_rows, join_words,
                                  lowest_figure_confidence, mean_confidence)
from extractors.ocr.orientation import line_texts, looks_wrong, vertical_line_share
from extractors.ocr.rows import refine_rows
from extractors.ocr.seal import lift_seals
from extractors.ocr.shading import flatten_shading
from extractors.ocr.plausibility import READS_WRONG, is_gibberish, word_share
from pipeline.core.document import Block, Cell, Line, Page, Provenance, ReadMethod, Table
from pipeline.core.result import Evidence, Finding, FindingCode, Severity

OSD_DPI = 150


@dataclass
class _Pass:
    image: Image.Image
    turns: list[Turn]
    words: list[OcrWord]
    tables: list[TableGrid] = field(default_factory=list)  # ruled grids found on `image`

    @property
    def mean_confidence(self) -> float | None:
        return sum(w.confidence for w in self.words) / len(self.words) if self.words else None

    @property
    def score(self) -> float:
        """Characters read, weighted by confidence: a page read on its side scores low."""
        return sum(len(w.text) * w.confidence for w in self.words)



@dataclass
class _AroundTables(_Pass):
    erased: Image.Image | None = None  # the page with its rules erased, for reading the cells


@dataclass
class _Prepared:
    """A page made ready for its page pass: rules erased, tables blanked, paper whitened, leaders gone."""

    image: Image.Image  # upright (deskewed) page
    turns: list[Turn]
    tables: list[TableGrid]
    erased: Image.Image  # rules erased, for reading the cells
    cleaned: Image.Image  # what the page pass reads
    has_leaders: bool


def _prepare_around(image: Image.Image, turns: list[Turn], dpi: float) -> _Prepared:
    # a seal's ink garbles the signature and date under it; shaded rows look like ink
    # to the rules and to the engine
    flat = flatten_shading(lift_seals(image, dpi), dpi)
    rulings = find_tables(flat, dpi)
    erased = erase_rules(flat, rulings)
    tables = [refine_rows(grid, erased, dpi) for grid in rulings.tables]  # rows the rules left out
    around = whiten_paper(blank_tables(erased, tables, pad=max(2.0, dpi * 0.02)))
    cleaned, has_leaders = remove_leader_dots(around, dpi)
    return _Prepared(image, turns, tables, erased, cleaned, has_leaders)


def _around_from_words(prepared: _Prepared, words: list[OcrWord], dpi: float, engine: OcrEngine,
                       deadline: float) -> _AroundTables:
    if prepared.has_leaders:
        words = reread_page_numbers(prepared.cleaned, words, dpi, engine, deadline)
    return _AroundTables(prepared.image, prepared.turns, words, prepared.tables, erased=prepared.erased)


def _read_around_tables(image: Image.Image, turns: list[Turn], dpi: float, engine: OcrEngine,
                        deadline: float) -> _AroundTables:
    """The page pass: ruled tables found, their rules erased, the page read with the tables blanked."""
    prepared = _prepare_around(image, turns, dpi)
    words = engine.recognize(prepared.cleaned, dpi, remaining(deadline), uniform_block=prepared.has_leaders)
    return _around_from_words(prepared, words, dpi, engine, deadline)


def _read_cells_of(page_pass: _AroundTables, dpi: float, engine: OcrEngine, deadline: float) -> _Pass:
    """The page pass completed with its tables' cells."""
    cells = read_cells(page_pass.erased, page_pass.tables, dpi, engine, deadline) if page_pass.tables else []
    return _Pass(page_pass.image, page_pass.turns, page_pass.words + cells, page_pass.tables)


def _read_upright(gray: Image.Image, dpi: float, engine: OcrEngine, settings, deadline: float,
                  first_read: tuple[_Prepared, list[OcrWord]] | None = None) -> _Pass:
    """Deskew, clean and read; if that reads like a page on its side, turn it as OSD says and keep the better pass.

    The orientation is judged on the page pass alone, before the tables' cells are read:
    a page on its side then costs one cell reading, not two. `first_read` is that page
    pass when it was already read with other pages (`ocr_images`).
    """
    if first_read is not None:
        prepared, words = first_read
        image = prepared.image
        turns = prepared.turns
        first = _around_from_words(prepared, words, dpi, engine, deadline)
    else:
        image, turns = level(gray)
        first = _read_around_tables(image, turns, dpi, engine, deadline)
    if not looks_wrong(first.words, settings):
        return _settled(_read_cells_of(first, dpi, engine, deadline), engine)
    # OSD at 150 dpi: as sure as at 300 dpi on these pages, in about 60 % of the time
    # (benchmarks/ocr_tuning.md).
    osd_scale = min(1.0, OSD_DPI / dpi)
    osd_image = image if osd_scale == 1.0 else image.resize(
        (max(1, round(image.width * osd_scale)), max(1, round(image.height * osd_scale))), Image.Resampling.LANCZOS
    )
    rotation = engine.detect_rotation(osd_image, dpi * osd_scale, remaining(deadline))
    best: _Pass = first
    for degrees in _turns_to_try(rotation, first.words):
        upright, step = turn(image, degrees)
        upright_turns = turns + [step]
        skew = estimate_skew(upright)
        if abs(skew) >= 0.2:
            upright, step = turn(upright, skew)
            upright_turns.append(step)
        second = _read_around_tables(upright, upright_turns, dpi, engine, deadline)
        best = max((best, second), key=_preference)
        if rotation or not looks_wrong(best.words, settings):
            break
    return _settled(_read_cells_of(best, dpi, engine, deadline), engine)


def _settled(ocr_pass: _Pass, engine: OcrEngine) -> _Pass:
    """The pass without the lines the engine read too weakly to be text (they told the orientation)."""
    return _Pass(ocr_pass.image, ocr_pass.turns, without_noise(ocr_pass.words, engine), ocr_pass.tables)


def _turns_to_try(rotation: int | None, words: Sequence[OcrWord]) -> list[int]:
    """The engine's verdict when it has one; else the turns that could explain what was read:
    lines running top-to-bottom come from a page on its side, horizontal gibberish from one
    upside down (any engine: not every engine can say a page's orientation)."""
    if rotation:
        return [rotation]
    if vertical_line_share(words) > 0.3:
        return [90, 270]
    share = word_share(line_texts(words))
    # too few characters to judge is a reason too: upside down, PP-OCR reads mostly weak fragments
    return [180] if share is None or share < READS_WRONG else []


def _preference(ocr_pass: _Pass) -> tuple[bool, bool, float]:
    """Lines that run across the page first (a page read on its side can score high), then
    text that makes words (upside down reads confidently too; too little to judge is no
    proof), then the score."""
    share = word_share(line_texts(ocr_pass.words))
    return (vertical_line_share(ocr_pass.words) <= 0.3, share is not None and share >= READS_WRONG, ocr_pass.score)


def _points_box(upright_box: PixelBox, ocr_pass: _Pass, size: tuple[int, int], dpi: float) -> tuple[float, ...]:
    box = box_to_original(upright_box, ocr_pass.turns, size)
    return tuple(round(v * 72.0 / dpi, 2) for v in box)



def _ocr_prov(file_name: str, page_no: int, bbox: tuple[float, ...], words: Sequence[PlacedWord]) -> Provenance:
    return Provenance(file=file_name, page=page_no, bbox=bbox, method=ReadMethod.OCR,
                      confidence=mean_confidence(words), figure_confidence=lowest_figure_confidence(words))


def _table_block(
    grid: TableGrid, cell_words: dict[int, dict[Hashable, list[PlacedWord]]], ocr_pass: _Pass, size: tuple[int, int], dpi: float,
    file_name: str, page_no: int,
) -> Table:
    """A detected grid with its words; a merged cell is repeated in every slot it covers (as for text PDFs)."""
    cells: list[Cell] = []
    for index, cell in enumerate(grid.cells):
        lines = list(cell_words.get(index, {}).values())
        words = [w for line in lines for w in line]
        cells.append(
            Cell(
                text=cell_text(lines),
                row=cell.rows[0],
                col=cell.cols[0],
                row_span=cell.row_span,
                col_span=cell.col_span,
                prov=_ocr_prov(file_name, page_no, _points_box(cell.box, ocr_pass, size, dpi), words),
            )
        )
    rows = [
        [cells[grid.slot_owner[(r, c)]].model_copy(update={"row": r, "col": c}) for c in range(grid.n_cols)]
        for r in range(grid.n_rows)
    ]
    all_words = [w for lines in cell_words.values() for line in lines.values() for w in line]
    return Table(rows=rows, prov=_ocr_prov(file_name, page_no, _points_box(grid.box, ocr_pass, size, dpi), all_words))


def _blocks_from_pass(ocr_pass: _Pass, size: tuple[int, int], dpi: float, file_name: str, page_no: int) -> list[Block]:
    """Tables from the ruled grids, lines from the words outside them; ordered by top on the upright
    image, boxes mapped back to the page as given."""
    units: dict[Hashable, list[PlacedWord]] = {}
    table_words: list[dict[int, dict[Hashable, list[PlacedWord]]]] = [{} for _ in ocr_pass.tables]
    for index, word in enumerate(ocr_pass.words):
        key = word.line_key if word.line_key is not None else ("word", index)
        placed = PlacedWord(word.text, *word.box, confidence=word.confidence, figure_confidence=word.figure_confidence)
        if isinstance(key, tuple) and len(key) == 4 and key[0] == CELL_KEY:
            _, table_index, cell_index, line_key = key
            table_words[table_index].setdefault(cell_index, {}).setdefault(line_key, []).append(placed)
        else:
            units.setdefault(key, []).append(placed)
    to_points = 72.0 / dpi
    placed_blocks: list[tuple[float, Block]] = []
    for row in group_rows(list(units.values())):  # reading order on the upright image
        text = repair_brackets(join_words(row).strip())
        if not text:
            continue
        upright_box = enclosing(row)
        heights = sorted(w.height for w in row)
        line = Line(
            text=text,
            prov=_ocr_prov(file_name, page_no, _points_box(upright_box, ocr_pass, size, dpi), row),
            font_size=round(heights[len(heights) // 2] * to_points, 1),
        )
        placed_blocks.append(((upright_box[1] + upright_box[3]) / 2, line))
    for grid, cell_words in zip(ocr_pass.tables, table_words):
        placed_blocks.append((grid.box[1], _table_block(grid, cell_words, ocr_pass, size, dpi, file_name, page_no)))
    placed_blocks.sort(key=lambda item: item[0])
    return [block for _, block in placed_blocks]


def page_failure(file_name: str, page_no: int, reason: str) -> Finding:
    """A page that could not be read: the rest of the file still counts."""
    return Finding(
        code=FindingCode.FILE_UNREADABLE,
        severity=Severity.ERROR,
        message=f"文件“{file_name}”第{page_no}页无法识别：{reason}。",
        evidence=[Evidence.for_file(file_name, reason, page=page_no)],
    )


INK_SHARE = 0.003
"""Share of a page's pixels clearly darker than its paper above which it holds something to read
(a blank scan's noise stays far below; a page of text is 3–8 %)."""


MIN_CHARS_READ = 3  # fewer characters than this from a page with ink is no reading of it


def has_ink(image: Image.Image) -> bool:
    small = image.convert("L").reduce(4) if min(image.size) >= 400 else image.convert("L")
    pixels = np.asarray(small)
    paper = float(np.median(pixels))
    return float(np.mean(pixels < paper - 80)) > INK_SHARE


def _unread_page(file_name: str, page_no: int, what: str, advice: tuple[str, str]) -> Finding:
    """OCR_LOW_CONFIDENCE for a page whose reading cannot be used: `what` happened, `advice` follows."""
    return Finding(
        code=FindingCode.OCR_LOW_CONFIDENCE,
        severity=Severity.WARNING,
        message=f"文件“{file_name}”第{page_no}页{advice[0]}，{advice[1]}",
        evidence=[Evidence.for_file(file_name, what, page=page_no)],
    )


NO_TEXT = ("有墨迹但未识别出文字", ("有图文墨迹，但未识别出文字（可能是图片、手写或扫描质量问题）", "请人工核对该页内容。"))
GIBBERISH = ("识别文字不成词句", ("的识别文字不成词句（页面方向或扫描质量可能有问题）", "该页内容未用于核查，请人工核对。"))


def ocr_image(
    image: Image.Image,
    file_name: str,
    page_no: int,
    settings,
    dpi: float | None = None,
    engine: OcrEngine | None = None,
    first_read: tuple[_Prepared, list[OcrWord]] | None = None,
) -> tuple[Page, list[Finding]]:
    """OCR one page image into a `Page` (points = px·72/dpi); failures become findings."""
    dpi = float(dpi or settings.ocr_dpi)
    engine = engine or engine_for(settings)
    size = image.size
    page = Page(number=page_no, width=round(size[0] * 72 / dpi, 2), height=round(size[1] * 72 / dpi, 2),
                method=ReadMethod.OCR)
    deadline = time.monotonic() + settings.ocr_page_timeout_s
    try:
        ocr_pass = _read_upright(image.convert("L"), dpi, engine, settings, deadline, first_read)
    except OcrTimeout:
        reason = f"文字识别超时（超过{settings.ocr_page_timeout_s:g}秒）"
        return page, [page_failure(file_name, page_no, reason)]
    except OcrError as e:
        return page, [page_failure(file_name, page_no, f"文字识别失败（{e}）")]
    findings: list[Finding] = []
    if "chi" in settings.ocr_lang and is_gibberish(line_texts(ocr_pass.words)):
        # turned every way it could be, the page still makes no words: nothing read from it
        # may feed a list or a figure (names of gibberish, codes of 19 characters)
        findings.append(_unread_page(file_name, page_no, *GIBBERISH))
        ocr_pass = _Pass(ocr_pass.image, ocr_pass.turns, [], [])
    elif sum(len(w.text.strip()) for w in ocr_pass.words) < MIN_CHARS_READ and has_ink(ocr_pass.image):
        findings.append(_unread_page(file_name, page_no, *NO_TEXT))  # never silence on a page with something on it
    page.blocks = _blocks_from_pass(ocr_pass, size, dpi, file_name, page_no)
    mean = ocr_pass.mean_confidence
    page.ocr_confidence = round(mean, 1) if mean is not None else None
    if mean is not None and mean < settings.ocr_confidence_floor:
        findings.append(
            Finding(
                code=FindingCode.OCR_LOW_CONFIDENCE,
                severity=Severity.WARNING,
                message=(
                    f"文件“{file_name}”第{page_no}页的文字识别平均置信度为{mean:.0f}，"
                    f"低于{settings.ocr_confidence_floor:g}，识别内容可能有误，请人工核对。"
                ),
                evidence=[Evidence.for_file(file_name, f"平均识别置信度 {mean:.1f}", page=page_no)],
            )
        )
    return page, findings


def ocr_images(
    pages: Sequence[tuple[Image.Image, str, int, float]], settings, engine: OcrEngine | None = None
) -> list[tuple[Page, list[Finding]]]:
    """OCR several page images (image, file name, page number, dpi), as `ocr_image` each.

    Their page passes are read in one engine call per kind of page (Tesseract then loads
    its language model once, not once a page: ~8 % of a page's time). If that call fails
    or runs out of time, every page is read again on its own, within its own time limit,
    so one hostile page costs its neighbours nothing but the wait.
    """
    engine = engine or engine_for(settings)
    read_many = getattr(engine, "recognize_many", None)
    if len(pages) < 2 or read_many is None:
        return [ocr_image(image, name, number, settings, dpi=dpi, engine=engine) for image, name, number, dpi in pages]
    prepared = [_prepare_around(*level(image.convert("L")), dpi) for image, _, _, dpi in pages]
    first_words: list[list[OcrWord] | None] = [None] * len(pages)
    groups: dict[tuple[bool, float], list[int]] = {}
    for index, page in enumerate(prepared):
        groups.setdefault((page.has_leaders, pages[index][3]), []).append(index)
    for (leaders, dpi), members in groups.items():
        deadline = time.monotonic() + settings.ocr_page_timeout_s  # the group's pass within one page's limit
        try:
            read = read_many([prepared[i].cleaned for i in members], dpi, remaining(deadline), uniform_block=leaders)
            remaining(deadline)  # Tesseract counts whole seconds: a pass that overran is not used
        except OcrError:  # a timeout too: each page of the group is read on its own below
            continue
        for index, words in zip(members, read):
            first_words[index] = words
    return [
        ocr_image(image, name, number, settings, dpi=dpi, engine=engine,
                  first_read=(prepared[i], first_words[i]) if first_words[i] is not None else None)
        for i, (image, name, number, dpi) in enumerate(pages)
    ]
