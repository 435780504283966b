"""Shaded rows and bands to paper: zebra tables, grey header bars, uneven light.

A shaded band on a scan binarises as ink (its edges then look like ruling lines),
and an engine's layout analysis takes a dark band for a picture and skips its words.
The page's background is estimated with a grey-level closing larger than any
stroke or rule (dark things narrower than the window vanish from it, wide flat
shading stays), and wherever that background is darker than the paper the pixel is
scaled back up to the paper's tone: text and rules keep their contrast, the shading
goes. Paper that is not shaded is left as it is.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

WINDOW_INCH = 0.1
"""Wider than the strokes of body text and any rule, narrower than a shaded row."""

SHADED_BY = 20
"""Background this much darker than the paper counts as shading."""


def flatten_shading(gray: Image.Image, dpi: float, paper: int | None = None) -> Image.Image:
    pixels = np.asarray(gray.convert("L"))
    if paper is None:
        small = pixels[::4, ::4] if min(pixels.shape) >= 64 else pixels
        paper = int(np.median(small))
    size = max(3, int(round(dpi * WINDOW_INCH)) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    background = cv2.morphologyEx(pixels, cv2.MORPH_CLOSE, kernel)
    shaded = background < paper - SHADED_BY
    if not shaded.any():
        return gray
    lifted = np.clip(pixels.astype(np.float32) * paper / np.maximum(background, 1).astype(np.float32), 0, 255)
    return Image.fromarray(np.where(shaded, lifted.astype(np.uint8), pixels))
