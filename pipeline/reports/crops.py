"""Small PNG crops of the page regions that evidence points to, as data: URIs.

All crops are made in one pass grouped by page, so each page of each file is
rendered (PDF, with pypdfium2) or decoded (image members) at most once per
report and dropped right after its crops are cut. Evidence bboxes are in PDF
points with a top-left origin; an image member's pixels are pt·dpi/72.
DOCX and XLSX evidence has no geometry and gets no image.

A crop shows the value with what gives it meaning: in a table, the whole table row (its
label) and the column header above it (see `crop_geometry`), elsewhere the whole line;
the value itself is boxed in red. Crops are rendered at a resolution that stays legible
at their natural size and are only downscaled beyond `max_width_px`.
"""

from __future__ import annotations

import base64
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

import pypdfium2
from PIL import Image, ImageDraw, ImageOps

from pipeline.core.document import FileKind
from pipeline.core.result import Evidence
from pipeline.reports.crop_geometry import TableContext, pdf_table_contexts

log = logging.getLogger(__name__)

CropKey = tuple[str, int, tuple[float, float, float, float]]
"""(file, page, bbox) — identical evidence regions share one crop."""

DEFAULT_IMAGE_DPI = 300.0


@dataclass(frozen=True)
class CropSettings:
    render_dpi: float = 150.0  # page render resolution for crops: 10.5 pt text about 22 px tall
    margin_x_pt: float = 10.0  # context kept left and right of the bbox
    margin_y_pt: float = 4.0  # above and below: small, so neighbouring lines are not half shown
    max_width_px: int = 1100  # crops wider than this are downscaled
    box_width_px: int = 3  # the red box around the value
    max_crops: int = 400  # per report, to keep the HTML a sensible size
    widen_below: float = 0.5  # a bbox narrower than this share of the page is widened to the full line


@dataclass(frozen=True)
class MemberFile:
    path: Path
    kind: FileKind


@dataclass
class CropSet:
    images: dict[CropKey, str] = field(default_factory=dict)  # key → "data:image/png;base64,..."
    pages_rendered: int = 0
    problems: list[str] = field(default_factory=list)  # why some crops could not be made (for logs)

    def for_evidence(self, evidence: Evidence | None) -> str | None:
        key = crop_key(evidence) if evidence is not None else None
        return self.images.get(key) if key is not None else None


def crop_key(evidence: Evidence) -> CropKey | None:
    """The region an evidence item names, or None when it has no page geometry."""
    if evidence.page is None or not evidence.bbox or len(evidence.bbox) != 4:
        return None
    x0, top, x1, bottom = (float(v) for v in evidence.bbox)
    if x1 <= x0 or bottom <= top:
        return None
    return (evidence.file, int(evidence.page), (x0, top, x1, bottom))


def members_by_name(packet) -> dict[str, MemberFile]:
    """Packet member name → where its bytes are and its kind."""
    if packet is None:
        return {}
    return {m.name: MemberFile(Path(m.path), m.kind) for m in packet.members}


def _png_data_uri(image: Image.Image) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _region(page_image: Image.Image, px_per_pt: float, box: tuple[float, float, float, float],
            mx: float, my: float) -> tuple[int, int, int, int] | None:
    x0, top, x1, bottom = box
    left = max(0, int((x0 - mx) * px_per_pt))
    upper = max(0, int((top - my) * px_per_pt))
    right = min(page_image.width, int((x1 + mx) * px_per_pt + 0.999))
    lower = min(page_image.height, int((bottom + my) * px_per_pt + 0.999))
    if right - left < 2 or lower - upper < 2:
        return None
    return left, upper, right, lower


def _cut(page_image: Image.Image, px_per_pt: float, bbox: tuple[float, float, float, float], settings: CropSettings,
         context: TableContext | None = None) -> Image.Image | None:
    """Crop bbox with its row label and column header (or its whole line), the value boxed;
    None when it falls outside the page."""
    x0, top, x1, bottom = bbox
    page_width_pt = page_image.width / px_per_pt
    mx, my = settings.margin_x_pt, settings.margin_y_pt
    header_box = None
    if context is not None:
        row_box = context.row
        if context.header is not None and context.header[3] >= row_box[1] - 1.0:
            row_box = (row_box[0], context.header[1], row_box[2], row_box[3])  # adjacent: one region
        elif context.header is not None:
            header_box = context.header
        mx, my = 3.0, 2.0  # the table's own lines frame it
    elif x1 - x0 < settings.widen_below * page_width_pt:
        # A lone value (a table cell, a number) means little without its row label: show the whole line.
        row_box = (0.0, top, page_width_pt, bottom)
    else:
        row_box = bbox
    region = _region(page_image, px_per_pt, row_box, mx, my)
    if region is None:
        return None
    strip = page_image.crop(region).convert("RGB")
    draw = ImageDraw.Draw(strip)
    pad = settings.box_width_px
    draw.rectangle(
        (int(x0 * px_per_pt) - region[0] - pad, int(top * px_per_pt) - region[1] - pad,
         int(x1 * px_per_pt) - region[0] + pad, int(bottom * px_per_pt) - region[1] + pad),
        outline=(220, 0, 0), width=settings.box_width_px,
    )
    if header_box is not None:
        header_region = _region(page_image, px_per_pt, header_box, mx, my)
        if header_region is not None:
            header = page_image.crop(header_region).convert("RGB")
            gap = 8
            stacked = Image.new("RGB", (max(header.width, strip.width), header.height + gap + strip.height), "white")
            stacked.paste(header, (0, 0))
            ImageDraw.Draw(stacked).line((0, header.height + gap // 2, stacked.width, header.height + gap // 2),
                                         fill=(150, 150, 150), width=1)
            stacked.paste(strip, (0, header.height + gap))
            strip = stacked
    if strip.width > settings.max_width_px:
        height = max(1, round(strip.height * settings.max_width_px / strip.width))
        strip = strip.resize((settings.max_width_px, height), Image.Resampling.LANCZOS)
    return strip


class _PageSource:
    """Opens each member file once and hands out rendered pages (image, px per point)."""

    def __init__(self, members: Mapping[str, MemberFile], settings: CropSettings) -> None:
        self._members = members
        self._settings = settings
        self._pdfs: dict[str, pypdfium2.PdfDocument] = {}

    def close(self) -> None:
        for pdf in self._pdfs.values():
            pdf.close()
        self._pdfs.clear()

    def render(self, file: str, page: int) -> tuple[Image.Image, float]:
        member = self._members.get(file)
        if member is None:
            raise LookupError(f"{file}: not a member of this packet")
        if member.kind is FileKind.PDF:
            return self._render_pdf(file, member.path, page)
        if member.kind is FileKind.IMAGE:
            return self._decode_image(member.path, page)
        raise LookupError(f"{file}: {member.kind.value} files have no page images")

    def _render_pdf(self, file: str, path: Path, page: int) -> tuple[Image.Image, float]:
        pdf = self._pdfs.get(file)
        if pdf is None:
            pdf = pypdfium2.PdfDocument(str(path))
            self._pdfs[file] = pdf
        if not 1 <= page <= len(pdf):
            raise LookupError(f"{file}: page {page} out of range (1..{len(pdf)})")
        scale = self._settings.render_dpi / 72.0
        pdf_page = pdf[page - 1]
        try:
            bitmap = pdf_page.render(scale=scale)
            image = bitmap.to_pil().convert("RGB")
        finally:
            pdf_page.close()
        return image, scale

    def _decode_image(self, path: Path, page: int) -> tuple[Image.Image, float]:
        with Image.open(path) as source:
            frames = getattr(source, "n_frames", 1)
            if not 1 <= page <= frames:
                raise LookupError(f"{path.name}: frame {page} out of range (1..{frames})")
            source.seek(page - 1)
            dpi = _image_dpi(source)
            # EXIF orientation applied, as a viewer shows the picture (and as OCR should read it).
            frame = ImageOps.exif_transpose(source).convert("RGB")
        # Downscale once to the crop resolution: a 300-dpi scan is much larger than needed.
        scale = dpi / 72.0
        target = self._settings.render_dpi / 72.0
        if scale > target:
            size = (max(1, round(frame.width * target / scale)), max(1, round(frame.height * target / scale)))
            frame = frame.resize(size, Image.Resampling.LANCZOS)
            scale = target
        return frame, scale


def _image_dpi(image: Image.Image) -> float:
    """The image's own resolution if it states a plausible one, else 300 (what readers assume)."""
    dpi = image.info.get("dpi")
    if isinstance(dpi, (tuple, list)) and dpi:
        dpi = dpi[0]
    try:
        value = float(dpi) if dpi is not None else 0.0
    except (TypeError, ValueError):
        value = 0.0
    return value if 50.0 <= value <= 2400.0 else DEFAULT_IMAGE_DPI


def _table_contexts(wanted: dict[tuple[str, int], list[CropKey]], members: Mapping[str, MemberFile],
                    crops: CropSet) -> dict[CropKey, TableContext]:
    """The table row and column header of every PDF crop that sits in a ruled table."""
    by_file: dict[str, dict[int, list]] = {}
    for (file, page), keys in wanted.items():
        if members[file].kind is FileKind.PDF:
            by_file.setdefault(file, {})[page] = [k[2] for k in keys]
    out: dict[CropKey, TableContext] = {}
    for file, pages in by_file.items():
        try:
            found = pdf_table_contexts(members[file].path, pages)
        except Exception as exc:  # pdfminer raises many types on a damaged file; the crop falls back to the line
            crops.problems.append(f"{file}: no table geometry: {exc}")
            continue
        out.update({(file, page, box): context for (page, box), context in found.items()})
    return out


def render_evidence_crops(
    evidences: Iterable[Evidence],
    members: Mapping[str, MemberFile],
    settings: CropSettings = CropSettings(),
) -> CropSet:
    """One data-URI PNG per distinct evidence region, rendering each page once."""
    wanted: dict[tuple[str, int], list[CropKey]] = {}
    seen: set[CropKey] = set()
    for evidence in evidences:
        key = crop_key(evidence)
        if key is None or key in seen or len(seen) >= settings.max_crops:
            continue
        member = members.get(key[0])
        if member is None or member.kind not in (FileKind.PDF, FileKind.IMAGE):
            continue
        seen.add(key)
        wanted.setdefault((key[0], key[1]), []).append(key)

    crops = CropSet()
    contexts = _table_contexts(wanted, members, crops)
    source = _PageSource(members, settings)
    try:
        for (file, page), keys in wanted.items():
            try:
                page_image, px_per_pt = source.render(file, page)
            except (LookupError, OSError, ValueError, Image.DecompressionBombError, pypdfium2.PdfiumError) as exc:
                # The file's own problems are findings from the readers; the report shows the text without an image.
                crops.problems.append(f"{file} p.{page}: {exc}")
                log.warning("no evidence crop for %s page %s: %s", file, page, exc)
                continue
            crops.pages_rendered += 1
            for key in keys:
                region = _cut(page_image, px_per_pt, key[2], settings, contexts.get(key))
                if region is not None:
                    crops.images[key] = _png_data_uri(region)
            del page_image
    finally:
        source.close()
    return crops
