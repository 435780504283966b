"""The OCR engine seam: what every engine gives (words with pixel boxes and confidence) and its errors.

Engines live in their own modules (`extractors.ocr.tesseract`, `extractors.ocr.rapidocr`);
`extractors.ocr.engines` picks one by name. Nothing here knows an engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable, Protocol

from PIL import Image

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
    # the lowest confidence (0..100) of a digit in the word, from an engine that scores each
    # character; None without digits or without such scores (a figure is only as sure as its weakest digit)
    figure_confidence: float | None = None


def without_noise(words: list[OcrWord], engine: "OcrEngine") -> list[OcrWord]:
    """The words worth keeping: an engine may report lines it read too weakly to be text
    (`noise_below`, 0–100), because a page full of them is a page read the wrong way round;
    once the orientation is settled they are noise."""
    floor = getattr(engine, "noise_below", 0.0)
    return [w for w in words if w.confidence >= floor] if floor else words


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
