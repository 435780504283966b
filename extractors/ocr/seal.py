"""A round seal stamped over the signature and date: its ink lifted so the words under it read.

A seal is a ring of ink 3–5 cm across, printed in one colour (red, or a mid grey on a
grey scan) lighter than the black text it overlaps; the engine reads its ring and its
arc of characters into the date beside it ("2022年10月10日" came out garbled). The ring is
found by its shape (Hough circles on a reduced copy) and kept only when ink lies all
along it in one tone clearly lighter than the page's text; inside it, pixels no darker
than the seal's tone go to paper, and where text and seal overlap the darker text stays.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

WORK_DPI = 50
RADIUS_INCH = (0.55, 1.1)  # seals of 28–56 mm across


@dataclass(frozen=True)
class Seal:
    x: float
    y: float
    radius: float  # pixels of the image given
    tone: int  # the seal ink's grey


_ANGLES = np.linspace(0, 2 * np.pi, 180, endpoint=False)
_RADIAL_STEPS = np.linspace(-0.06, 0.06, 7)  # of the radius: the ring's width and a little play
_OFF_PAGE = 256  # brighter than any grey: a sample off the page never counts as ink


def _ring_tone(pixels: np.ndarray, x: float, y: float, r: float, ink_below: int) -> tuple[float, int, int]:
    """Share of the circle's perimeter with ink near it, the median grey of that ink and its spread (IQR)."""
    height, width = pixels.shape
    radii = r + _RADIAL_STEPS * r
    px = np.rint(x + radii[None, :] * np.cos(_ANGLES)[:, None]).astype(np.int64)
    py = np.rint(y + radii[None, :] * np.sin(_ANGLES)[:, None]).astype(np.int64)
    inside = (px >= 0) & (px < width) & (py >= 0) & (py < height)
    samples = np.where(inside, pixels[np.clip(py, 0, height - 1), np.clip(px, 0, width - 1)].astype(np.int64),
                       _OFF_PAGE)
    darkest = samples.min(axis=1)  # per angle: the ink nearest the circle, if any
    tones = darkest[darkest < ink_below]
    if tones.size == 0:
        return 0.0, 255, 255
    q1, median, q3 = np.percentile(tones, [25, 50, 75])
    return tones.size / len(_ANGLES), int(median), int(q3 - q1)


def find_seals(gray: Image.Image, dpi: float) -> list[Seal]:
    factor = max(1, int(dpi // WORK_DPI))
    small = gray.convert("L").reduce(factor) if factor > 1 else gray.convert("L")
    work_dpi = dpi / factor
    pixels = np.asarray(small)
    paper = int(np.median(pixels))
    blurred = cv2.GaussianBlur(pixels, (3, 3), 0)
    circles = cv2.HoughCircles(
        blurred, cv2.HOUGH_GRADIENT, dp=1, minDist=work_dpi * 1.0, param1=60, param2=18,
        minRadius=int(work_dpi * RADIUS_INCH[0]), maxRadius=int(work_dpi * RADIUS_INCH[1]),
    )
    if circles is None:
        return []
    full = np.asarray(gray.convert("L"))
    sample = full[::2, ::2]
    text_tone = int(np.percentile(sample[sample < paper - 60], 10)) if (sample < paper - 60).any() else 0
    seals: list[Seal] = []
    for x, y, r in circles[0][:8]:
        # a ring crossing lines of text also meets ink most of the way round, but in the
        # text's tone; a seal's ring is one lighter tone all round
        share, tone, spread = _ring_tone(full, x * factor, y * factor, r * factor, paper - 25)
        if share >= 0.85 and tone >= text_tone + 60 and spread <= 45:
            seals.append(Seal(float(x * factor), float(y * factor), float(r * factor), tone))
    return seals


def lift_seals(gray: Image.Image, dpi: float) -> Image.Image:
    """The page with every seal's ink turned to paper (the text under it left as it is)."""
    seals = find_seals(gray, dpi)
    if not seals:
        return gray
    pixels = np.asarray(gray.convert("L")).copy()
    paper = int(np.median(pixels[::4, ::4]))
    ys, xs = np.ogrid[: pixels.shape[0], : pixels.shape[1]]
    for seal in seals:
        disc = (xs - seal.x) ** 2 + (ys - seal.y) ** 2 <= (seal.radius * 1.08) ** 2
        lighter = pixels >= seal.tone - 35  # seal ink, and paper; text is darker than this
        pixels[disc & lighter] = paper
    return Image.fromarray(pixels)
