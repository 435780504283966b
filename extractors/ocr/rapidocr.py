"""RapidOCR (PP-OCRv4 on ONNX Runtime) behind the OCR engine seam of `extractors.ocr.page`.

RapidOCR finds text lines (a quadrilateral each) and reads each line whole. The
seam wants words with pixel boxes, so every line is cut into word-like units
where its text has spaces, each unit given the share of the line's length its
characters take (a CJK character counts as one, anything else as half). A line
standing on end (a page lying on its side) is cut into single characters stacked
down the line, so `extractors.ocr.page` sees its lines run top-to-bottom and asks for
the orientation, which Tesseract's OSD answers (RapidOCR's own classifier only
tells 0° from 180° per line).

The models ship inside the `rapidocr_onnxruntime` wheel; nothing is downloaded.
Loading them takes about half a second and ~50 MB, so instances are built lazily
and kept in a per-process pool: a thread borrows one for a page and gives it back,
so two OCR threads never share one (RapidOCR keeps per-call state on the
instance) and no thread builds a second one after the first page.
"""

from __future__ import annotations

import importlib.util
import os
import queue
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator, Sequence

import numpy as np
from PIL import Image

from extractors.ocr.engine import OcrError, OcrTimeout, OcrWord, PixelBox
from extractors.ocr.tesseract import TesseractEngine
from pipeline.core.text import is_cjk_wide
from pipeline.core.errors import UsageError

# RapidOCR often writes "丶" (a radical never used in running text) for "、", and
# "一" for a dash between digits ("2019一2021").
_RADICAL_DOT = str.maketrans({"丶": "、"})
_DASH_BETWEEN_DIGITS = re.compile(r"(?<=\d)一(?=\d)")


def normalize_rapidocr_text(text: str) -> str:
    """Undo RapidOCR's two systematic misreadings that are safe to undo.

    "一" between two CJK characters stays: there it is far more often the numeral
    (统一、第一) than a dash, so only the dash between digits is restored.
    """
    return _DASH_BETWEEN_DIGITS.sub("—", text.translate(_RADICAL_DOT))


def default_thread_count(workers: int) -> int:
    """ONNX threads per page: the cores shared among the pages read side by side.

    The readers OCR `workers` pages at once; more ONNX threads than cores per page
    only make them fight (the same lesson as Tesseract's OMP_THREAD_LIMIT=1).
    """
    return max(1, (os.cpu_count() or 1) // max(1, workers))


# Resolution RapidOCR reads at: the image is scaled down to it and boxes scaled back.
# ~110 dpi is an A4 page at 1280 px tall. On two generated scanned pages (a list
# and a table) 1280 px read with 1.4 % / 1.9 % character errors in 5.0 / 6.4 CPU s,
# RapidOCR's default 2000 px with 4.8 % / 8.7 % in 8.2 / 7.8 CPU s. Scaling by
# resolution, not by the longest side (RapidOCR's own max_side_len), keeps the
# characters of a tall strip of stacked table cells (extractors.ocr.grid.cell_strip)
# as large as on a page: scaled by its 7400 px height, such a strip read as garbage.
DEFAULT_TARGET_DPI = 110.0
_NO_INTERNAL_DOWNSCALE = 100_000  # max_side_len: the engine scales, RapidOCR must not again

# RapidOCR's detector scales an image up until its short side is this long (Det
# limit_side_len, limit_type "min"). A narrow strip of table cells from a page on
# its side (106 × 8474 px at 300 dpi) became 736 × ~58 000 px: 80 CPU s, 6 min.
_DETECTOR_MIN_SIDE = 736


def _pad_to_detector_minimum(image: Image.Image) -> Image.Image:
    """White margin to the right and below up to the detector's minimum side, so that
    it does not scale a narrow image up (boxes keep their coordinates)."""
    width, height = max(image.width, _DETECTOR_MIN_SIDE), max(image.height, _DETECTOR_MIN_SIDE)
    if (width, height) == image.size:
        return image
    padded = Image.new("L", (width, height), 255)
    padded.paste(image, (0, 0))
    return padded


# ---------------------------------------------------------------- instance pool

_POOLS: dict[int, "queue.SimpleQueue"] = {}
_POOLS_LOCK = threading.Lock()


def _build(threads: int):
    from rapidocr_onnxruntime import RapidOCR  # import here: onnxruntime loads only when this engine is used

    # text_score 0: every detected line comes back, so that a line the recogniser
    # misread on its tight crop can be read again (see `_reread`)
    return RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1, max_side_len=_NO_INTERNAL_DOWNSCALE,
                    text_score=0.0)


@contextmanager
def _borrowed_model(threads: int) -> Iterator[object]:
    """A RapidOCR instance for this thread alone, built on first need and reused after."""
    with _POOLS_LOCK:
        pool = _POOLS.setdefault(threads, queue.SimpleQueue())
    try:
        model = pool.get_nowait()
    except queue.Empty:
        model = _build(threads)
    try:
        yield model
    finally:
        pool.put(model)


# ---------------------------------------------------------------- lines → words


def _char_weight(char: str) -> float:
    return 1.0 if is_cjk_wide(char) else 0.5


def _axis_box(quad: Sequence[Sequence[float]], size: tuple[int, int]) -> PixelBox:
    xs = [min(max(float(p[0]), 0.0), size[0]) for p in quad]
    ys = [min(max(float(p[1]), 0.0), size[1]) for p in quad]
    return (min(xs), min(ys), max(xs), max(ys))


def _has_digit(text: str) -> bool:
    return any(c.isdigit() for c in text)


def split_line(text: str, box: PixelBox, confidence: float, line_key: object,
               figure_confidence: float | None = None) -> list[OcrWord]:
    """Cut one recognised line into word-like units with boxes along the line.

    A line wider than tall is cut at its spaces (a CJK character takes a full
    share of the width, anything else half); a line at least 1.5 times taller
    than wide is read top-down, one character per unit. `figure_confidence` (the
    line's weakest digit, 0..100) goes to every unit that holds a digit.
    """
    x0, top, x1, bottom = box
    width, height = x1 - x0, bottom - top
    if height >= 1.5 * width and len(text.replace(" ", "")) >= 2:
        chars = [c for c in text if not c.isspace()]
        step = height / len(chars)
        return [
            OcrWord(c, (x0, top + i * step, x1, top + (i + 1) * step), confidence, line_key,
                    figure_confidence if c.isdigit() else None)
            for i, c in enumerate(chars)
        ]
    total = sum(_char_weight(c) for c in text) or 1.0
    words: list[OcrWord] = []
    position = 0.0
    for match in re.finditer(r"\S+|\s+", text):
        span = match.group()
        share = sum(_char_weight(c) for c in span) / total
        if not span.isspace():
            words.append(OcrWord(span, (x0 + position * width, top, x0 + (position + share) * width, bottom),
                                 confidence, line_key, figure_confidence if _has_digit(span) else None))
        position += share
    return words


# ---------------------------------------------------------------- the engine

MIN_LINE_SCORE = 0.5  # RapidOCR's default text_score


def _reread(model, pixels: np.ndarray, box: PixelBox, margin: float = 0.3) -> tuple[str, float]:
    """Read one detected line again from a crop with a margin of 30 % of its height.

    On a page turned by a fraction of a degree (deskew) the recogniser sometimes
    returns nothing for a line on the detector's tight crop; with a margin it
    reads the line (measured: score 0.0 → 0.99 on a generated 目录 page).
    """
    x0, top, x1, bottom = box
    pad = margin * (bottom - top)
    crop = pixels[int(max(0, top - pad)): int(bottom + pad) + 1, int(max(0, x0 - pad)): int(x1 + pad) + 1]
    if crop.size == 0:
        return "", 0.0
    result, _ = model(crop, use_det=False, use_cls=False)
    if not result:
        return "", 0.0
    text, score = result[0]
    return str(text), float(score)


@dataclass
class RapidOcrEngine:
    """RapidOCR's PP-OCRv4 Chinese models; orientation from Tesseract OSD."""

    threads: int = field(default_factory=lambda: default_thread_count(2))
    target_dpi: float = DEFAULT_TARGET_DPI
    name: str = "rapidocr"
    orientation: TesseractEngine = field(default_factory=TesseractEngine)

    @classmethod
    def from_settings(cls, settings) -> "RapidOcrEngine":
        if importlib.util.find_spec("rapidocr_onnxruntime") is None:
            raise UsageError("OCR 引擎“rapidocr”需要安装 rapidocr_onnxruntime："
                             "pip install 'cluster-intake[bench]'，或改用 tesseract。")
        return cls(threads=default_thread_count(settings.workers),
                   orientation=TesseractEngine.from_settings(settings))

    def recognize(
        self, image: Image.Image, dpi: float, timeout_s: float | None = None, uniform_block: bool = False
    ) -> list[OcrWord]:
        """Words of the image, read at `target_dpi`; `uniform_block` does not change how RapidOCR reads.

        ONNX Runtime cannot be stopped mid-run, so the time limit is checked
        before the page starts; a page already running finishes (a few seconds).
        """
        if timeout_s is not None and timeout_s <= 0:
            raise OcrTimeout("page time limit reached before RapidOCR started")
        gray = image.convert("L")
        pixels = np.asarray(gray)
        scale = min(1.0, self.target_dpi / dpi) if dpi > 0 else 1.0
        small = gray if scale == 1.0 else gray.resize(
            (max(1, round(gray.width * scale)), max(1, round(gray.height * scale))), Image.Resampling.LANCZOS)
        small = _pad_to_detector_minimum(small)
        size = (image.width, image.height)
        lines: list[tuple[str, PixelBox, float]] = []
        with _borrowed_model(self.threads) as model:
            try:
                result, _ = model(np.asarray(small))
                for quad, text, score in result or []:  # None: nothing found on the page
                    box = _axis_box([(x / scale, y / scale) for x, y in quad], size)
                    if float(score) < MIN_LINE_SCORE:
                        text, score = _reread(model, pixels, box)
                    if float(score) >= MIN_LINE_SCORE:  # RapidOCR's own cut-off: below it the text is noise
                        lines.append((str(text), box, float(score)))
            except Exception as e:  # ONNX Runtime and OpenCV raise their own types; all mean "could not read"
                raise OcrError(f"RapidOCR failed: {type(e).__name__}: {e}") from e
        words: list[OcrWord] = []
        for index, (text, box, score) in enumerate(lines):
            text = normalize_rapidocr_text(text).strip()
            if text:
                words += split_line(text, box, round(score * 100, 1), ("rapidocr", index))
        return words

    def detect_rotation(self, image: Image.Image, dpi: float, timeout_s: float | None = None) -> int | None:
        return self.orientation.detect_rotation(image, dpi, timeout_s)
