"""Pictures inside DOCX/XLSX files: found, the decorative ones dropped cheaply, the rest OCR'd as pages.

A scanned licence, a certificate or a table pasted into a Word file as a picture
holds text no Office reader sees. Each picture that holds text becomes a page of
its own, after the file's own pages (the file's page numbers stay those of the
file): page `body_pages + k` for the k-th such picture. Its first line names where
the picture sits (`〔嵌入图片：第 3 页第 1 张〕`, or the sheet and cell for a
workbook), and every OCR'd block carries the file's name and that page.

Cost: a picture is tested on a small thumbnail (size, ink, text-like strokes)
before any OCR, so logos, photos and drawings with little text cost milliseconds.
The OCR itself is a page job like a scanned PDF page: in the worker pool, under the
page time limit.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass

import numpy as np
from lxml import etree
from PIL import Image, ImageOps, UnidentifiedImageError

from extractors.ocr.page import ocr_image, page_failure
from extractors.readers.outcome import PageJob, PageRead
from pipeline.core.document import Line, Page, Provenance, ReadMethod
from pipeline.core.filetypes import ZIP_READ_ERRORS

EMU_PER_POINT = 12700
MIN_SIDE_PX = 120  # smaller pictures are icons and logos
MIN_SIDE_PT = 54.0  # shown smaller than 3/4 inch: an icon, whatever its pixels
THUMB_SIDE = 400
INK_RANGE = (0.01, 0.45)  # share of dark thumbnail pixels a page of text has
MIN_TEXT_ROWS = 0.12  # share of thumbnail rows crossed by many strokes (text lines)
STROKES_PER_TEXT_ROW = 12
DEFAULT_DPI = 300.0
# A picture shown at a scan's resolution is OCR'd at it; one shown at screen size (a workbook
# states 96 dpi) is read as the 300 dpi scan it usually is: the engine sizes text by the dpi.
DPI_RANGE = (150.0, 600.0)

R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
XDR_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


@dataclass(frozen=True)
class Picture:
    part: str  # the picture's entry in the package ("word/media/image1.png")
    where: str  # where it sits, for the reviewer: "第 3 页第 1 张" / "工作表“专利”B4 单元格"
    width_pt: float | None = None  # as shown in the document
    height_pt: float | None = None


def holds_text(image: Image.Image) -> bool:
    """A cheap test on a thumbnail: big enough, some ink but not a photo, rows of strokes like text lines."""
    if min(image.size) < MIN_SIDE_PX:
        return False
    gray = ImageOps.exif_transpose(image).convert("L")
    gray.thumbnail((THUMB_SIDE, THUMB_SIDE))
    pixels = np.asarray(gray, dtype=np.uint8)
    dark = pixels < 128
    ink = float(dark.mean())
    if not INK_RANGE[0] <= ink <= INK_RANGE[1]:
        return False
    strokes = np.count_nonzero(np.diff(dark.astype(np.int8), axis=1) == 1, axis=1)
    return float((strokes >= STROKES_PER_TEXT_ROW).mean()) >= MIN_TEXT_ROWS


def _shown_small(picture: Picture) -> bool:
    sides = [s for s in (picture.width_pt, picture.height_pt) if s]
    return bool(sides) and min(sides) < MIN_SIDE_PT


def _open_picture(data: bytes) -> Image.Image | None:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
        return image
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None  # EMF/WMF vector drawings and damaged pictures: nothing to OCR


def text_pictures(path, pictures: list[Picture], settings) -> list[Picture]:
    """The pictures that hold text, in document order (each opened once, from the package)."""
    chosen = []
    seen: set[str] = set()
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            for picture in pictures:
                if picture.part in seen or picture.part not in names or _shown_small(picture):
                    continue
                seen.add(picture.part)
                info = archive.getinfo(picture.part)
                if info.file_size > settings.zip_max_entry_bytes:
                    continue
                image = _open_picture(archive.read(picture.part))
                if image is None or image.size[0] * image.size[1] > settings.max_image_pixels:
                    continue
                if holds_text(image):
                    chosen.append(picture)
    except ZIP_READ_ERRORS:
        return chosen
    return chosen


def picture_jobs(member, body_pages: int, pictures: list[Picture]) -> list[PageJob]:
    return [PageJob(member, (body_pages + k,), weight=0) for k in range(1, len(pictures) + 1)]


def _dpi(image: Image.Image, picture: Picture) -> float:
    if not picture.width_pt:
        return DEFAULT_DPI
    dpi = image.size[0] / (picture.width_pt / 72.0)
    return dpi if DPI_RANGE[0] <= dpi <= DPI_RANGE[1] else DEFAULT_DPI


def ocr_picture(path, file_name: str, page_no: int, picture: Picture, settings) -> PageRead:
    """One picture OCR'd as page `page_no`, its first line naming where it sits."""
    with zipfile.ZipFile(path) as archive:
        image = _open_picture(archive.read(picture.part))
    if image is None:
        return Page(number=page_no, method=ReadMethod.OCR), [page_failure(file_name, page_no, "嵌入图片无法解码")]
    gray = ImageOps.exif_transpose(image).convert("L")
    page, findings = ocr_image(gray, file_name, page_no, settings, dpi=_dpi(image, picture))
    label = Line(text=f"〔嵌入图片：{picture.where}〕", prov=Provenance(file=file_name, page=page_no, method=ReadMethod.OCR))
    page.blocks = [label, *page.blocks]
    return page, findings


def read_picture_jobs(job: PageJob, path, body_pages: int, pictures: list[Picture], settings) -> list[PageRead]:
    return [ocr_picture(path, job.member.name, n, pictures[n - body_pages - 1], settings) for n in job.pages]


# --------------------------------------------------------------------------- workbooks


def _rels(archive: zipfile.ZipFile, part: str) -> dict[str, str]:
    """Relationship id → target entry for `part`."""
    folder, name = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", f"{name}.rels")
    if rels_name not in archive.namelist():
        return {}
    root = etree.fromstring(archive.read(rels_name), _PARSER)
    targets = {}
    for rel in root.iter(f"{{{PKG_REL_NS}}}Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        resolved = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        targets[rel.get("Id")] = resolved
    return targets


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def workbook_pictures(path) -> list[Picture]:
    """Pictures anchored on each sheet, in sheet order then anchor order (XLSX drawing parts)."""
    pictures: list[Picture] = []
    try:
        with zipfile.ZipFile(path) as archive:
            book = etree.fromstring(archive.read("xl/workbook.xml"), _PARSER)
            book_rels = _rels(archive, "xl/workbook.xml")
            for sheet in book.iter(f"{{{SHEET_NS}}}sheet"):
                sheet_part = book_rels.get(sheet.get(f"{{{R_NS}}}id"))
                if not sheet_part or sheet_part not in archive.namelist():
                    continue
                pictures.extend(_sheet_pictures(archive, sheet_part, sheet.get("name", "")))
    except (*ZIP_READ_ERRORS, KeyError, etree.XMLSyntaxError):
        return pictures
    return pictures


def _sheet_pictures(archive: zipfile.ZipFile, sheet_part: str, sheet_name: str) -> list[Picture]:
    sheet_rels = _rels(archive, sheet_part)
    root = etree.fromstring(archive.read(sheet_part), _PARSER)
    found = []
    for drawing in root.iter(f"{{{SHEET_NS}}}drawing"):
        drawing_part = sheet_rels.get(drawing.get(f"{{{R_NS}}}id"))
        if not drawing_part or drawing_part not in archive.namelist():
            continue
        media = _rels(archive, drawing_part)
        tree = etree.fromstring(archive.read(drawing_part), _PARSER)
        for anchor in tree:
            blip = anchor.find(f".//{{{A_NS}}}blip")
            if blip is None or blip.get(f"{{{R_NS}}}embed") not in media:
                continue
            start = anchor.find(f"{{{XDR_NS}}}from")
            cell = ""
            if start is not None:
                row = start.findtext(f"{{{XDR_NS}}}row", "0")
                col = start.findtext(f"{{{XDR_NS}}}col", "0")
                if row.isdigit() and col.isdigit():
                    cell = f"{_column_letters(int(col))}{int(row) + 1} 单元格处"
            extent = anchor.find(f"{{{XDR_NS}}}ext")
            if extent is None:
                extent = anchor.find(f".//{{{A_NS}}}xfrm/{{{A_NS}}}ext")
            width, height = extent_points(extent)
            found.append(Picture(media[blip.get(f"{{{R_NS}}}embed")], f"工作表“{sheet_name}”{cell}", width, height))
    return found


def extent_points(extent) -> tuple[float | None, float | None]:
    """An `ext`/`extent` element's cx and cy (EMU) in points; None for a missing or broken one."""
    if extent is None:
        return None, None
    try:
        return int(extent.get("cx")) / EMU_PER_POINT, int(extent.get("cy")) / EMU_PER_POINT
    except (TypeError, ValueError):
        return None, None
