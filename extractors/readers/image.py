"""Image files (JPEG, PNG, TIFF, BMP) → OCR'd `SourceDocument`, one page per frame.

Pillow opens lazily: the header gives the pixel count before anything is
decoded, so an oversized image (a decompression bomb) is refused without
allocating it. Each frame is decoded inside the worker that OCRs it, so at most
`workers` frames are held in memory at once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from extractors.ocr.page import ocr_image, page_failure
from extractors.readers.photo import flatten_photographed_page
from extractors.readers.outcome import FirstRead, PageJob, PageRead, ReadOutcome
from pipeline.core.document import FileKind, Page, ReadMethod, SourceDocument
from pipeline.core.errors import FileUnreadable
from pipeline.intake.packet import PacketMember
from pipeline.core.result import Finding

DEFAULT_DPI = 300
MAX_PAGE_INCHES = 20.0  # a longer side than this means the stated DPI is not a scan resolution


def scan_dpi(info: dict, size: tuple[int, int]) -> float:
    """The image's stated resolution when it is plausible for a scanned page, else 300.

    Cameras and screenshots often state 72 dpi for a 4000-pixel photo (a 55-inch
    page): Tesseract then misjudges the text size, so such values are ignored.
    """
    dpi = info.get("dpi")
    try:
        value = float(dpi[0]) if isinstance(dpi, (tuple, list)) else float(dpi)
    except (TypeError, ValueError, IndexError):
        return DEFAULT_DPI
    if not 100 <= value <= 1200 or max(size) / value > MAX_PAGE_INCHES:
        return DEFAULT_DPI
    return value


def _too_large(size: tuple[int, int], settings) -> str | None:
    pixels = size[0] * size[1]
    if pixels <= settings.max_image_pixels:
        return None
    return (
        f"图像为 {size[0]}×{size[1]} 像素（{pixels / 1e8:.1f} 亿像素），超过上限 "
        f"{settings.max_image_pixels / 1e8:.1f} 亿像素，疑似解压炸弹，未解码"
    )


def _open(path: Path, file_name: str) -> Image.Image:
    """Open lazily (header only); Pillow's own bomb check and unknown formats become `FileUnreadable`."""
    try:
        return Image.open(path)
    except Image.DecompressionBombError as e:
        raise FileUnreadable(file_name, f"图像像素数过大，疑似解压炸弹，未解码（{e}）") from e
    except UnidentifiedImageError as e:
        raise FileUnreadable(file_name, "不是可识别的图像文件，或文件已损坏") from e
    except OSError as e:
        raise FileUnreadable(file_name, f"图像文件无法打开（{e}）") from e


def _upright_gray(frame: Image.Image) -> Image.Image:
    """The frame as a viewer shows it (EXIF orientation applied), grey on white, a photographed page flattened."""
    frame = ImageOps.exif_transpose(frame)
    if frame.mode in ("RGBA", "LA", "PA") or (frame.mode == "P" and "transparency" in frame.info):
        rgba = frame.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        frame = Image.alpha_composite(white, rgba)
    if frame.mode.startswith("I") or frame.mode == "F":  # 16/32-bit grey: scale to 8 bits
        values = np.asarray(frame, dtype=np.float64)
        top = float(values.max()) or 1.0
        frame = Image.fromarray(np.clip(values * (255.0 / top), 0, 255).astype(np.uint8))
    return flatten_photographed_page(frame.convert("L"))


# Pillow raises SyntaxError for a broken PNG chunk or an unknown TIFF layout met while decoding,
# and TypeError for a TIFF frame header with missing dimensions.
_DECODE_ERRORS = (OSError, EOFError, ValueError, SyntaxError, TypeError, Image.DecompressionBombError)


def _frame_count(image: Image.Image, file_name: str) -> tuple[int, list[Finding]]:
    """Frames that can be reached; a damaged later frame header keeps the frames before it."""
    try:
        return getattr(image, "n_frames", 1), []
    except _DECODE_ERRORS:
        reachable = 1
        while True:
            try:
                image.seek(reachable)
            except _DECODE_ERRORS:
                break
            reachable += 1
        reason = f"第 {reachable + 1} 帧起的图像数据已损坏，仅读取前 {reachable} 帧"
        return reachable, [page_failure(file_name, reachable + 1, reason)]


def read_image_frame(path: Path, file_name: str, index: int, settings) -> tuple[Page, list[Finding]]:
    """Decode frame `index` (0-based) and OCR it as page `index + 1`; failures become findings."""
    page_no = index + 1
    try:
        with _open(path, file_name) as image:
            image.seek(index)
            reason = _too_large(image.size, settings)
            if reason:
                return Page(number=page_no, method=ReadMethod.OCR), [page_failure(file_name, page_no, reason)]
            dpi = scan_dpi(image.info, image.size)
            frame = _upright_gray(image)
    except FileUnreadable as e:
        return Page(number=page_no, method=ReadMethod.OCR), [page_failure(file_name, page_no, e.reason)]
    except _DECODE_ERRORS as e:
        reason = f"图像数据无法解码（{type(e).__name__}）"
        return Page(number=page_no, method=ReadMethod.OCR), [page_failure(file_name, page_no, reason)]
    return ocr_image(frame, file_name, page_no, settings, dpi=dpi)


# Frames OCR'd in one job: a multi-page TIFF is spread over the workers like a scanned PDF.
FRAMES_PER_JOB = 1


def read_image_frames(member: PacketMember, settings) -> FirstRead:
    """The first step: open the file (header only) and name its frames as page jobs.

    A file that cannot be opened at all, or a single frame over the pixel limit,
    raises `FileUnreadable`; a damaged later frame is a finding on that page.
    """
    with _open(member.path, member.name) as image:
        frame_count, findings = _frame_count(image, member.name)
        if frame_count == 1:
            reason = _too_large(image.size, settings)
            if reason:
                raise FileUnreadable(member.name, reason)
    document = SourceDocument(name=member.name, sha256=member.sha256, kind=FileKind.IMAGE, pages=[], page_count=frame_count)
    pages = list(range(1, frame_count + 1))
    jobs = [PageJob(member, tuple(pages[i:i + FRAMES_PER_JOB])) for i in range(0, frame_count, FRAMES_PER_JOB)]
    return FirstRead(ReadOutcome(document=document, findings=findings), jobs)


def read_frame_pages(job: PageJob, settings) -> list[PageRead]:
    """The page step: each frame of the job decoded and OCR'd."""
    return [read_image_frame(job.member.path, job.member.name, n - 1, settings) for n in job.pages]
