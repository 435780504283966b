"""The OCR seam: an engine protocol, the engines by name, and `ocr_image`.

`ocr_image` turns one page image into a `Page` of lines and tables: it straightens
a slight skew, finds ruled tables (`extractors.ocr.grid`) and reads them cell by
cell into `Table` blocks, erases dot leaders (a 目录's "......"), turns a page lying
on its side upright (asking the engine only when the first pass looks wrong),
groups the other words into visual lines (columns of an unruled table joined with
a tab), and maps every box back to PDF points in the frame of the image it was
given (px·72/dpi), so provenance points at the page as the reviewer sees it.
"""

from __future__ import annotations

import math
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Callable, Hashable, Protocol, Sequence

import cv2
import numpy as np
from PIL import Image

cv2.setNumThreads(1)  # pages are read in parallel processes, not threads

from extractors.ocr import tesseract
from extractors.ocr.grid import (TableGrid, blank_tables, cell_strip, erase_rules, find_tables, placement_at, stack_crops,
                                   whiten_paper)
from pipeline.core.document import Block, Cell, Line, Page, Provenance, ReadMethod, Table
from pipeline.core.errors import UsageError
from pipeline.core.result import Evidence, Finding, FindingCode, Severity

# ---------------------------------------------------------------- engine seam

PixelBox = tuple[float, float, float, float]
"""(x0, top, x1, bottom) in pixels of the image the engine was given."""


class OcrError(Exception):
    """The engine could not read the image."""


class OcrTimeout(OcrError):
    """The engine ran out of the time allowed for the page."""


@dataclass(frozen=True)
class OcrWord:
    text: str
    box: PixelBox
    confidence: float  # 0..100
    line_key: Hashable | None = None  # the engine's own line id, when it has one


class OcrEngine(Protocol):
    name: str

    def recognize(
        self, image: Image.Image, dpi: float, timeout_s: float | None = None, uniform_block: bool = False
    ) -> list[OcrWord]:
        """Words of the image with pixel boxes and confidence.

        `uniform_block`: the page is one block of text lines (a 目录), so short
        items far to the right (page numbers) belong to their lines.
        """
        ...

    def detect_rotation(self, image: Image.Image, dpi: float, timeout_s: float | None = None) -> int | None:
        """Degrees (0/90/180/270) to turn the image counter-clockwise to make it upright; None if unknown."""
        ...


@dataclass
class TesseractEngine:
    """Tesseract through `extractors.ocr.tesseract`; the default engine."""

    lang: str = "chi_sim+eng"
    psm: int = 3
    name: str = "tesseract"
    min_orientation_confidence: float = 2.0

    @classmethod
    def from_settings(cls, settings) -> "TesseractEngine":
        return cls(lang=settings.ocr_lang, psm=settings.ocr_psm)

    def recognize(
        self, image: Image.Image, dpi: float, timeout_s: float | None = None, uniform_block: bool = False
    ) -> list[OcrWord]:
        # psm 3 drops a 目录's lone page numbers as noise; psm 6 keeps them (benchmarks/ocr_tuning.md)
        psm = 6 if uniform_block else self.psm
        with _engine_errors():
            return _ocr_words(tesseract.recognize_words(image, lang=self.lang, psm=psm, dpi=round(dpi), timeout_s=timeout_s))

    def recognize_many(
        self, images: Sequence[Image.Image], dpi: float, timeout_s: float | None = None, uniform_block: bool = False
    ) -> list[list[OcrWord]]:
        """`recognize` for several images in one Tesseract run (the model loaded once)."""
        psm = 6 if uniform_block else self.psm
        with _engine_errors():
            pages = tesseract.recognize_words_many(images, lang=self.lang, psm=psm, dpi=round(dpi), timeout_s=timeout_s)
        return [_ocr_words(words) for words in pages]

    def detect_rotation(self, image: Image.Image, dpi: float, timeout_s: float | None = None) -> int | None:
        with _engine_errors():
            osd = tesseract.detect_orientation(image, dpi=round(dpi), timeout_s=timeout_s)
        if osd is None or osd.orientation_confidence < self.min_orientation_confidence:
            return None
        # Tesseract's "Rotate" is clockwise; PIL turns counter-clockwise.
        return (360 - osd.rotate) % 360


@contextmanager
def _engine_errors():
    """Tesseract's failures as the seam's: a timeout, or any other failure."""
    try:
        yield
    except tesseract.TesseractTimeout as e:
        raise OcrTimeout(str(e)) from e
    except tesseract.TesseractError as e:
        raise OcrError(str(e)) from e


def _ocr_words(words: Sequence[tesseract.TesseractWord]) -> list[OcrWord]:
    return [OcrWord(text=w.text, box=(w.left, w.top, w.left + w.width, w.top + w.height), confidence=w.confidence,
                    line_key=w.line_key) for w in words]


EngineFactory = Callable[[object], OcrEngine]


def _rapidocr_engine(settings) -> OcrEngine:
    # imported on demand: extractors.ocr.rapidocr imports this module, and its
    # ONNX models cost ~100 MB that a Tesseract run should not pay
    from extractors.ocr.rapidocr import RapidOcrEngine

    return RapidOcrEngine.from_settings(settings)


OCR_ENGINES: dict[str, EngineFactory] = {
    "tesseract": TesseractEngine.from_settings,
    "rapidocr": _rapidocr_engine,  # a further engine plugs in here the same way
}


def engine_for(settings) -> OcrEngine:
    try:
        factory = OCR_ENGINES[settings.ocr_engine]
    except KeyError:
        known = "、".join(sorted(OCR_ENGINES))
        raise UsageError(f"未知的 OCR 引擎“{settings.ocr_engine}”，可选：{known}") from None
    return factory(settings)


# ---------------------------------------------------------------- text helpers

_CJK_IDEOGRAPH = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CJK_WIDE = r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_PUNCT = r"\u3000-\u303f\uff00-\uffef"
_SPACE_BETWEEN_CJK = re.compile(
    rf"(?<=[{_CJK_WIDE}])[ \u00a0]+(?=[{_CJK_WIDE}])"  # between two CJK characters
    rf"|(?<=[{_CJK_PUNCT}])[ \u00a0]+|[ \u00a0]+(?=[{_CJK_PUNCT}])"  # beside full-width punctuation
    rf"|(?<=[{_CJK_WIDE}])[ \u00a0]+(?=[:;,!?()\[\]])|(?<=[:;,!?()\[\]])[ \u00a0]+(?=[{_CJK_WIDE}])"  # "名称 : 值"
    rf"|(?<=[(\[])[ \u00a0]+|[ \u00a0]+(?=[)\]])"  # "( 参与 )"
)
_IS_CJK_WIDE = re.compile(rf"[{_CJK_WIDE}]")


def is_cjk_wide(char: str) -> bool:
    """A CJK ideograph, CJK punctuation or full-width form: no space belongs next to it."""
    return bool(_IS_CJK_WIDE.fullmatch(char))


def count_cjk_ideographs(text: str) -> int:
    return len(_CJK_IDEOGRAPH.findall(text))


def collapse_cjk_spaces(text: str) -> str:
    """Remove spaces between two CJK characters and beside full-width punctuation;
    keep those in Latin text and numbers ("ZL 2021 1 0234567.X")."""
    return _SPACE_BETWEEN_CJK.sub("", text)


@dataclass(frozen=True)
class PlacedWord:
    """A word with its box, in whatever unit the caller uses (pixels or points)."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    confidence: float | None = None

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


# ---------------------------------------------------------------- geometry


@dataclass(frozen=True)
class _Turn:
    """One counter-clockwise rotation (PIL convention, expand=True) applied to the image."""

    degrees: float
    before: tuple[int, int]  # image size before the turn
    after: tuple[int, int]

    def to_before(self, x: float, y: float) -> tuple[float, float]:
        a = math.radians(self.degrees)
        dx, dy = x - self.after[0] / 2, y - self.after[1] / 2
        return (
            self.before[0] / 2 + dx * math.cos(a) - dy * math.sin(a),
            self.before[1] / 2 + dx * math.sin(a) + dy * math.cos(a),
        )


def _turn(image: Image.Image, degrees: float) -> tuple[Image.Image, _Turn]:
    exact = {90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_270}
    if degrees in exact:
        turned = image.transpose(exact[int(degrees)])
    else:
        turned = _rotate_expand(image, degrees)
    return turned, _Turn(degrees, image.size, turned.size)


def _rotate_expand(image: Image.Image, degrees: float) -> Image.Image:
    """The image turned `degrees` counter-clockwise about its centre, grown to hold every
    corner, new area white (as PIL's `rotate(expand=True)`, in a tenth of the time)."""
    width, height = image.size
    # sized exactly as PIL sizes it: the corners through PIL's (inverse) matrix
    a = -math.radians(degrees)
    cos, sin = round(math.cos(a), 15), round(math.sin(a), 15)
    cx, cy = width / 2, height / 2
    shift_x, shift_y = cos * -cx + sin * -cy + cx, -sin * -cx + cos * -cy + cy
    xs = [cos * x + sin * y + shift_x for x, y in ((0, 0), (width, 0), (width, height), (0, height))]
    ys = [-sin * x + cos * y + shift_y for x, y in ((0, 0), (width, 0), (width, height), (0, height))]
    new_width = math.ceil(max(xs)) - math.floor(min(xs))
    new_height = math.ceil(max(ys)) - math.floor(min(ys))
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    matrix[0, 2] += new_width / 2 - width / 2
    matrix[1, 2] += new_height / 2 - height / 2
    turned = cv2.warpAffine(np.asarray(image.convert("L")), matrix, (new_width, new_height), flags=cv2.INTER_CUBIC,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=255)
    return Image.fromarray(turned)


def box_to_original(box: PixelBox, turns: Sequence[_Turn], size: tuple[int, int]) -> PixelBox:
    """Map a box found on the turned image back onto the image as given."""
    corners = [(box[0], box[1]), (box[2], box[1]), (box[0], box[3]), (box[2], box[3])]
    for turn in reversed(turns):
        corners = [turn.to_before(x, y) for x, y in corners]
    xs = [min(max(x, 0.0), size[0]) for x, _ in corners]
    ys = [min(max(y, 0.0), size[1]) for _, y in corners]
    return (min(xs), min(ys), max(xs), max(ys))


def estimate_skew(gray: Image.Image, max_degrees: float = 5.0, work_width: int = 800) -> float:
    """Degrees to turn the page counter-clockwise so that its text lines run level.

    Projection profile on a downscaled, binarised copy: ink rows are sharpest
    (highest sum of squared row counts) at the right angle.
    """
    scale = min(1.0, work_width / max(1, gray.width))
    small = gray if scale == 1.0 else gray.resize((max(1, int(gray.width * scale)), max(1, int(gray.height * scale))))
    pixels = np.asarray(small, dtype=np.uint8)
    threshold = min(160, int(pixels.mean()) - 30)
    ys, xs = np.nonzero(pixels < threshold)
    if len(xs) < 200:
        return 0.0
    xs = xs - small.width / 2
    ys = ys - small.height / 2

    def sharpness(degrees: float) -> float:
        a = math.radians(degrees)
        # floor into 2-px bins (np.round would pair up rows at .5 and favour 0°)
        projected = np.floor((-xs * math.sin(a) + ys * math.cos(a)) / 2.0).astype(np.int64)
        counts = np.bincount(projected - projected.min())
        return float(np.dot(counts, counts))

    coarse = np.arange(-max_degrees, max_degrees + 1e-9, 0.5)
    best = max(coarse, key=sharpness)
    fine = np.arange(best - 0.5, best + 0.5 + 1e-9, 0.1)
    return float(round(max(fine, key=sharpness), 2))


def _box_count(mask: np.ndarray, half: int) -> np.ndarray:
    """True pixels in the (2·half+1)² box around each pixel (clipped at the edges)."""
    return cv2.boxFilter(mask.astype(np.uint8), cv2.CV_32S, (2 * half + 1, 2 * half + 1),
                         normalize=False, borderType=cv2.BORDER_CONSTANT)


def _row_count(mask: np.ndarray, half: int) -> np.ndarray:
    """True pixels within `half` pixels to the left or right on the same row."""
    return cv2.boxFilter(mask.astype(np.uint8), cv2.CV_32S, (2 * half + 1, 1),
                         normalize=False, borderType=cv2.BORDER_CONSTANT)


def _leader_pixels(gray: Image.Image, dpi: float) -> np.ndarray:
    """Ink pixels that belong to dot leaders: small isolated blobs repeating along a line."""
    scale = dpi / 300.0
    pixels = np.asarray(gray)
    ink = pixels < min(160, int(pixels.mean()) - 30)
    inner, ring = max(2, round(5 * scale)), 2
    in_box = _box_count(ink, inner)
    isolated = ink & (_box_count(ink, inner + ring) == in_box) & (in_box <= 0.5 * (2 * inner + 1) ** 2)
    if not isolated.any():
        return isolated
    near_dot = _row_count(isolated, max(3, round(15 * scale))) > 0  # leader dots sit up to ~30 px apart
    span = max(10, round(40 * scale))
    in_run = _row_count(near_dot, span) == 2 * span + 1  # dots all along a stretch of line
    return isolated & (_row_count(in_run, span) > 0)


def remove_leader_dots(gray: Image.Image, dpi: float) -> tuple[Image.Image, bool]:
    """Erase dot leaders ("标题 ........ 3") before OCR.

    Tesseract reads a row of dots as a string of made-up characters and garbles
    the heading beside it; on a scanned 目录 page this took the error rate from
    33 % to under 2 % (benchmarks/ocr_tuning.md). A leader is a run of small
    isolated blobs (nothing else in a ring around them) along a line; punctuation
    inside text touches its neighbours or stands alone, so it stays. A half-size
    copy is checked first (a quarter of the work) and the page is cleaned at full
    size only when it has leaders. Returns the image and whether it had leaders.
    """
    if dpi >= 250 and not _leader_pixels(gray.reduce(2), dpi / 2).any():
        return gray, False
    leaders = _leader_pixels(gray, dpi)
    if not leaders.any():
        return gray, False
    erase = Image.fromarray(((_box_count(leaders, 2) > 0) * 255).astype(np.uint8))
    cleaned = gray.copy()
    cleaned.paste(255, mask=erase)
    return cleaned, True


# ---------------------------------------------------------------- ocr_image


OSD_DPI = 150


@dataclass
class _Pass:
    image: Image.Image
    turns: list[_Turn]
    words: list[OcrWord]
    tables: list[TableGrid] = field(default_factory=list)  # ruled grids found on `image`

    @property
    def mean_confidence(self) -> float | None:
        return sum(w.confidence for w in self.words) / len(self.words) if self.words else None

    @property
    def score(self) -> float:
        """Characters read, weighted by confidence: a page read on its side scores low."""
        return sum(len(w.text) * w.confidence for w in self.words)


def vertical_line_share(words: Sequence[OcrWord]) -> float:
    """Share of characters in engine lines that run top-to-bottom.

    Read on its side, a Chinese page still gives confident characters (Tesseract
    reads them as vertical text), but its lines come out taller than wide.
    """
    units: dict[Hashable, list[OcrWord]] = {}
    for index, word in enumerate(words):
        units.setdefault(word.line_key if word.line_key is not None else index, []).append(word)
    vertical = total = 0
    for unit in units.values():
        chars = sum(len(w.text) for w in unit)
        total += chars
        width = max(w.box[2] for w in unit) - min(w.box[0] for w in unit)
        height = max(w.box[3] for w in unit) - min(w.box[1] for w in unit)
        if len(unit) >= 2 and height > 1.5 * width:
            vertical += chars
    return vertical / total if total else 0.0


def _looks_wrong(ocr_pass: _Pass, settings) -> bool:
    """Worth asking for the orientation: low confidence, lines running top-to-bottom,
    or no Chinese where Chinese is expected."""
    mean = ocr_pass.mean_confidence
    if mean is None:
        return False  # a blank page: nothing to turn
    text = "".join(w.text for w in ocr_pass.words)
    expects_chinese = "chi" in settings.ocr_lang
    cjk_share = count_cjk_ideographs(text) / max(1, len(text))
    return (
        mean < settings.ocr_confidence_floor
        or vertical_line_share(ocr_pass.words) > 0.3
        or (expects_chinese and cjk_share < 0.3)
    )


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise OcrTimeout("page time limit reached")
    return left


_CELL_KEY = "table-cell"


def _strip_words(strip: Image.Image, placements, dpi: float, engine: OcrEngine, table_index: int,
                 deadline: float) -> dict[int, list[OcrWord]]:
    """A cell strip read as one uniform block; words per cell, in page pixels."""
    by_cell: dict[int, list[OcrWord]] = {}
    for word in engine.recognize(strip, dpi, _remaining(deadline), uniform_block=True):
        placement = placement_at(placements, (word.box[1] + word.box[3]) / 2)
        if placement is None:
            continue
        box = (word.box[0] + placement.offset_x, word.box[1] + placement.offset_y,
               word.box[2] + placement.offset_x, word.box[3] + placement.offset_y)
        by_cell.setdefault(placement.cell, []).append(
            OcrWord(word.text, box, word.confidence, line_key=(_CELL_KEY, table_index, placement.cell, word.line_key)))
    return by_cell


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
    return "".join(_CJK_IDEOGRAPH.findall("".join(w.text for w in words)))


def _read_cells(erased: Image.Image, grids: Sequence[TableGrid], dpi: float, engine: OcrEngine,
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
        by_cell = _strip_words(*stacked, dpi, engine, table_index, deadline)
        figures = [c for c, ws in by_cell.items() if ws and _doubtful_figures(ws)]
        restacked = cell_strip(erased, grid, dpi, only=set(figures)) if figures and numbers_engine else None
        if restacked is not None:
            again = _strip_words(*restacked, dpi, numbers_engine, table_index, deadline)
            for cell, reread in again.items():
                if _cjk_of(reread) == _cjk_of(by_cell[cell]) and _figures_only("".join(w.text for w in reread)):
                    by_cell[cell] = reread
        for cell_words in by_cell.values():
            words.extend(cell_words)
    return words


def _reread_page_numbers(image: Image.Image, words: list[OcrWord], dpi: float, engine: OcrEngine,
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
    for word in numbers_engine.recognize(strip, dpi, _remaining(deadline), uniform_block=True):
        placement = placement_at(placements, (word.box[1] + word.box[3]) / 2)
        if placement is not None:
            reread.setdefault(placement.cell, []).append(word.text)
    fixed = list(words)
    for i, texts in reread.items():
        text = "".join(texts)
        if text.isdigit() and text != words[i].text:
            fixed[i] = replace(words[i], text=text)
    return fixed


def _read_page(image: Image.Image, turns: list[_Turn], dpi: float, engine: OcrEngine, deadline: float) -> _Pass:
    """Find ruled tables and erase their rules; read the page around the tables, then the
    tables cell by cell (wrapped cells no longer mix, a lone number in a cell is kept)."""
    return _read_cells_of(_read_around_tables(image, turns, dpi, engine, deadline), dpi, engine, deadline)


@dataclass
class _AroundTables(_Pass):
    erased: Image.Image | None = None  # the page with its rules erased, for reading the cells


@dataclass
class _Prepared:
    """A page made ready for its page pass: rules erased, tables blanked, paper whitened, leaders gone."""

    image: Image.Image  # upright (deskewed) page
    turns: list[_Turn]
    tables: list[TableGrid]
    erased: Image.Image  # rules erased, for reading the cells
    cleaned: Image.Image  # what the page pass reads
    has_leaders: bool


def _prepare_around(image: Image.Image, turns: list[_Turn], dpi: float) -> _Prepared:
    rulings = find_tables(image, dpi)
    erased = erase_rules(image, rulings)
    around = whiten_paper(blank_tables(erased, rulings.tables, pad=max(2.0, dpi * 0.02)))
    cleaned, has_leaders = remove_leader_dots(around, dpi)
    return _Prepared(image, turns, rulings.tables, erased, cleaned, has_leaders)


def _around_from_words(prepared: _Prepared, words: list[OcrWord], dpi: float, engine: OcrEngine,
                       deadline: float) -> _AroundTables:
    if prepared.has_leaders:
        words = _reread_page_numbers(prepared.cleaned, words, dpi, engine, deadline)
    return _AroundTables(prepared.image, prepared.turns, words, prepared.tables, erased=prepared.erased)


def _read_around_tables(image: Image.Image, turns: list[_Turn], dpi: float, engine: OcrEngine,
                        deadline: float) -> _AroundTables:
    """The page pass: ruled tables found, their rules erased, the page read with the tables blanked."""
    prepared = _prepare_around(image, turns, dpi)
    words = engine.recognize(prepared.cleaned, dpi, _remaining(deadline), uniform_block=prepared.has_leaders)
    return _around_from_words(prepared, words, dpi, engine, deadline)


def _level(gray: Image.Image) -> tuple[Image.Image, list[_Turn]]:
    """The page turned so that its lines run level (a slight skew only)."""
    skew = estimate_skew(gray)
    if abs(skew) < 0.2:
        return gray, []
    image, turn = _turn(gray, skew)
    return image, [turn]


def _read_cells_of(page_pass: _AroundTables, dpi: float, engine: OcrEngine, deadline: float) -> _Pass:
    """The page pass completed with its tables' cells."""
    cells = _read_cells(page_pass.erased, page_pass.tables, dpi, engine, deadline) if page_pass.tables else []
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
        image, turns = _level(gray)
        first = _read_around_tables(image, turns, dpi, engine, deadline)
    if not _looks_wrong(first, settings):
        return _read_cells_of(first, dpi, engine, deadline)
    # OSD at 150 dpi: as sure as at 300 dpi on these pages, in about 60 % of the time
    # (benchmarks/ocr_tuning.md).
    osd_scale = min(1.0, OSD_DPI / dpi)
    osd_image = image if osd_scale == 1.0 else image.resize(
        (max(1, round(image.width * osd_scale)), max(1, round(image.height * osd_scale))), Image.Resampling.LANCZOS
    )
    rotation = engine.detect_rotation(osd_image, dpi * osd_scale, _remaining(deadline))
    if not rotation:
        return _read_cells_of(first, dpi, engine, deadline)
    upright, turn = _turn(image, rotation)
    upright_turns = turns + [turn]
    skew = estimate_skew(upright)
    if abs(skew) >= 0.2:
        upright, turn = _turn(upright, skew)
        upright_turns.append(turn)
    second = _read_around_tables(upright, upright_turns, dpi, engine, deadline)
    return _read_cells_of(max((first, second), key=_preference), dpi, engine, deadline)


def _preference(ocr_pass: _Pass) -> tuple[bool, float]:
    """Lines that run across the page first (a page read on its side can score high), then the score."""
    return (vertical_line_share(ocr_pass.words) <= 0.3, ocr_pass.score)


def _mean_confidence(words: Sequence[PlacedWord]) -> float | None:
    confidences = [w.confidence for w in words if w.confidence is not None]
    return round(sum(confidences) / len(confidences), 1) if confidences else None


def _points_box(upright_box: PixelBox, ocr_pass: _Pass, size: tuple[int, int], dpi: float) -> tuple[float, ...]:
    box = box_to_original(upright_box, ocr_pass.turns, size)
    return tuple(round(v * 72.0 / dpi, 2) for v in box)


def _enclosing(words: Sequence[PlacedWord]) -> PixelBox:
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


_MISREAD_OPENING = re.compile(r"[〈《]([^〈〉《》()（）]*[)）])")


def repair_brackets(text: str) -> str:
    """Tesseract reads a full-width "（" as "〈" or "《": "情况〈家)", "绒业《印度尼西亚)有限公司".
    An "〈"/"《" closed by a parenthesis (not by "〉"/"》") was a parenthesis."""
    return _MISREAD_OPENING.sub(r"(\1", text)


def cell_text(lines: Sequence[Sequence[PlacedWord]]) -> str:
    """One cell's text: its pieces of the engine's lines, merged into visual lines top to bottom."""
    rows = group_rows(lines)
    return repair_brackets(join_cell_lines([join_words(row, tab_gap_factor=1e9) for row in rows]))


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
                prov=Provenance(file=file_name, page=page_no, bbox=_points_box(cell.box, ocr_pass, size, dpi),
                                method=ReadMethod.OCR, confidence=_mean_confidence(words)),
            )
        )
    rows = [
        [cells[grid.slot_owner[(r, c)]].model_copy(update={"row": r, "col": c}) for c in range(grid.n_cols)]
        for r in range(grid.n_rows)
    ]
    all_words = [w for lines in cell_words.values() for line in lines.values() for w in line]
    return Table(rows=rows, prov=Provenance(file=file_name, page=page_no, bbox=_points_box(grid.box, ocr_pass, size, dpi),
                                            method=ReadMethod.OCR, confidence=_mean_confidence(all_words)))


def _blocks_from_pass(ocr_pass: _Pass, size: tuple[int, int], dpi: float, file_name: str, page_no: int) -> list[Block]:
    """Tables from the ruled grids, lines from the words outside them; ordered by top on the upright
    image, boxes mapped back to the page as given."""
    units: dict[Hashable, list[PlacedWord]] = {}
    table_words: list[dict[int, dict[Hashable, list[PlacedWord]]]] = [{} for _ in ocr_pass.tables]
    for index, word in enumerate(ocr_pass.words):
        key = word.line_key if word.line_key is not None else ("word", index)
        placed = PlacedWord(word.text, *word.box, confidence=word.confidence)
        if isinstance(key, tuple) and len(key) == 4 and key[0] == _CELL_KEY:
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
        upright_box = _enclosing(row)
        heights = sorted(w.height for w in row)
        line = Line(
            text=text,
            prov=Provenance(file=file_name, page=page_no, bbox=_points_box(upright_box, ocr_pass, size, dpi),
                            method=ReadMethod.OCR, confidence=_mean_confidence(row)),
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
    page.blocks = _blocks_from_pass(ocr_pass, size, dpi, file_name, page_no)
    mean = ocr_pass.mean_confidence
    page.ocr_confidence = round(mean, 1) if mean is not None else None
    findings: list[Finding] = []
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
    prepared = [_prepare_around(*_level(image.convert("L")), dpi) for image, _, _, dpi in pages]
    first_words: list[list[OcrWord] | None] = [None] * len(pages)
    groups: dict[tuple[bool, float], list[int]] = {}
    for index, page in enumerate(prepared):
        groups.setdefault((page.has_leaders, pages[index][3]), []).append(index)
    for (leaders, dpi), members in groups.items():
        deadline = time.monotonic() + settings.ocr_page_timeout_s  # the group's pass within one page's limit
        try:
            read = read_many([prepared[i].cleaned for i in members], dpi, _remaining(deadline), uniform_block=leaders)
            _remaining(deadline)  # Tesseract counts whole seconds: a pass that overran is not used
        except OcrError:  # a timeout too: each page of the group is read on its own below
            continue
        for index, words in zip(members, read):
            first_words[index] = words
    return [
        ocr_image(image, name, number, settings, dpi=dpi, engine=engine,
                  first_read=(prepared[i], first_words[i]) if first_words[i] is not None else None)
        for i, (image, name, number, dpi) in enumerate(pages)
    ]
