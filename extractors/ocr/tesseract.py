"""The one module that knows Tesseract's command line.

Everything else talks to `extractors.ocr.page`; this wrapper builds the arguments,
runs Tesseract through pytesseract and turns its failures into
`TesseractError` / `TesseractTimeout`, like OCRmyPDF's `_exec/tesseract.py`.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Sequence
from pathlib import Path

from PIL import Image

from extractors.ocr.engine import OcrError, OcrTimeout, OcrWord

# Tesseract's OpenMP threads fight each other when pages run side by side:
# unset, a page takes 9-11 s on two cores; with one thread, ~2 s (shared/notes.md).
# pytesseract hands os.environ to the subprocess, so this is where it is set.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")


class TesseractError(Exception):
    """Tesseract ran and failed (bad image, missing language data, crash)."""


class TesseractTimeout(TesseractError):
    """Tesseract did not finish within the time allowed and was killed."""


@dataclass(frozen=True)
class TesseractWord:
    """One word of `image_to_data` output, in pixels of the image given."""

    text: str
    left: int
    top: int
    width: int
    height: int
    confidence: float  # 0..100
    line_key: tuple[int, int, int]  # (block, paragraph, line) as Tesseract numbered them


@dataclass(frozen=True)
class TesseractOrientation:
    rotate: int  # degrees to turn the image counter-clockwise so that text is upright
    orientation_confidence: float
    script: str


def _pytesseract():
    """pytesseract, imported at the first OCR call: it imports pandas (~0.8 s) when that is installed."""
    import pytesseract

    return pytesseract


def _image_file(image: Image.Image, folder: str, name: str = "page.pnm") -> str:
    """Write the image uncompressed: PNG encoding of a 300-dpi page costs more than the read."""
    path = Path(folder) / name
    image.convert("L").save(path, format="PPM")
    return str(path)


def _timeout(timeout_s: float | None) -> int:
    """pytesseract's timeout: whole seconds, 0 for none."""
    return 0 if timeout_s is None else max(1, int(round(timeout_s)))


def _call(func, source: str, timeout: int, **kwargs):
    """A pytesseract call on an image (or list) file, its failures as this module's errors."""
    pytesseract = _pytesseract()
    try:
        return func(source, timeout=timeout, **kwargs)
    except RuntimeError as e:
        if "timeout" in str(e).lower():
            raise TesseractTimeout(f"Tesseract exceeded {timeout} s") from e
        raise TesseractError(str(e)) from e
    except pytesseract.TesseractError as e:
        raise TesseractError(f"Tesseract failed ({e.status}): {e.message}") from e
    except pytesseract.TesseractNotFoundError as e:
        raise TesseractError("tesseract is not installed or not on PATH") from e


def _run(func, image: Image.Image, timeout_s: float | None, **kwargs):
    with tempfile.TemporaryDirectory(prefix="tess-") as folder:
        return _call(func, _image_file(image, folder), _timeout(timeout_s), **kwargs)


def recognize_words(
    image: Image.Image, *, lang: str, psm: int, dpi: int, timeout_s: float | None = None
) -> list[TesseractWord]:
    """Words with pixel boxes and confidence (`tesseract … tsv`), empty entries dropped."""
    config = f"--psm {int(psm)} --dpi {int(dpi)}"
    data = _run(_pytesseract().image_to_data, image, timeout_s, lang=lang, config=config,
                output_type=_pytesseract().Output.DICT)
    return _words(data)


def recognize_words_many(
    images: Sequence[Image.Image], *, lang: str, psm: int, dpi: int, timeout_s: float | None = None
) -> list[list[TesseractWord]]:
    """`recognize_words` for several images in one Tesseract run (a list file): the language
    model is loaded once, not once per image (~0.1 s of a ~1.2 s page with chi_sim)."""
    if not images:
        return []
    pytesseract = _pytesseract()
    config = f"--psm {int(psm)} --dpi {int(dpi)}"
    with tempfile.TemporaryDirectory(prefix="tess-") as folder:
        listing = Path(folder) / "pages.txt"
        names = [_image_file(image, folder, f"page{k}.pnm") for k, image in enumerate(images)]
        listing.write_text("\n".join(names) + "\n", encoding="utf-8")
        data = _call(pytesseract.image_to_data, str(listing), _timeout(timeout_s), lang=lang, config=config,
                     output_type=pytesseract.Output.DICT)
    pages: list[list[TesseractWord]] = [[] for _ in images]
    page_of_row = [int(n) - 1 for n in data["page_num"]]
    for k in range(len(images)):
        rows = [i for i, page in enumerate(page_of_row) if page == k]
        pages[k] = _words({key: [values[i] for i in rows] for key, values in data.items()})
    return pages


def _words(data: dict) -> list[TesseractWord]:
    words: list[TesseractWord] = []
    for i, text in enumerate(data["text"]):
        text = (text or "").strip()
        confidence = float(data["conf"][i])
        if not text or confidence < 0:
            continue
        words.append(
            TesseractWord(
                text=text,
                left=int(data["left"][i]),
                top=int(data["top"][i]),
                width=int(data["width"][i]),
                height=int(data["height"][i]),
                confidence=confidence,
                line_key=(int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i])),
            )
        )
    return words


def detect_orientation(image: Image.Image, *, dpi: int, timeout_s: float | None = None) -> TesseractOrientation | None:
    """Orientation and script detection (`--psm 0`); None when there is too little text to tell."""
    config = f"--psm 0 --dpi {int(dpi)}"
    try:
        osd = _run(_pytesseract().image_to_osd, image, timeout_s, config=config,
                   output_type=_pytesseract().Output.DICT)
    except TesseractTimeout:
        raise
    except TesseractError as e:
        # "Too few characters" / "Invalid resolution": no orientation, not a page failure.
        if "too few characters" in str(e).lower() or "0 dpi" in str(e).lower():
            return None
        raise
    return TesseractOrientation(
        rotate=int(osd.get("rotate", 0)) % 360,
        orientation_confidence=float(osd.get("orientation_conf", 0.0)),
        script=str(osd.get("script", "")),
    )


# ---------------------------------------------------------------- the engine behind the seam


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
            return _ocr_words(recognize_words(image, lang=self.lang, psm=psm, dpi=round(dpi), timeout_s=timeout_s))

    def recognize_many(
        self, images: Sequence[Image.Image], dpi: float, timeout_s: float | None = None, uniform_block: bool = False
    ) -> list[list[OcrWord]]:
        """`recognize` for several images in one Tesseract run (the model loaded once)."""
        psm = 6 if uniform_block else self.psm
        with _engine_errors():
            pages = recognize_words_many(images, lang=self.lang, psm=psm, dpi=round(dpi), timeout_s=timeout_s)
        return [_ocr_words(words) for words in pages]

    def detect_rotation(self, image: Image.Image, dpi: float, timeout_s: float | None = None) -> int | None:
        with _engine_errors():
            osd = detect_orientation(image, dpi=round(dpi), timeout_s=timeout_s)
        if osd is None or osd.orientation_confidence < self.min_orientation_confidence:
            return None
        # Tesseract's "Rotate" is clockwise; PIL turns counter-clockwise.
        return (360 - osd.rotate) % 360


@contextmanager
def _engine_errors():
    """Tesseract's failures as the seam's: a timeout, or any other failure."""
    try:
        yield
    except TesseractTimeout as e:
        raise OcrTimeout(str(e)) from e
    except TesseractError as e:
        raise OcrError(str(e)) from e


def _ocr_words(words: Sequence[TesseractWord]) -> list[OcrWord]:
    return [OcrWord(text=w.text, box=(w.left, w.top, w.left + w.width, w.top + w.height), confidence=w.confidence,
                    line_key=w.line_key) for w in words]
