"""Small PNG crops of the page regions that evidence points to, as data: URIs.

All crops are made in one pass grouped by page, so each page of each file is
rendered (PDF, with pypdfium2) or decoded (image members) at most once per
report and dropped right after its crops are cut. Evidence bboxes are in PDF
points with a top-left origin; an image member's pixels are pt·dpi/72.
DOCX and XLSX evidence has no geometry and gets no image.
"""

from __future__ import annotations

import base64
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

import pypdfium2
from PIL import Image, ImageOps

from pipeline.core.document import FileKind
from pipeline.core.result import Evidence

log = logging.getLogger(__name__)

CropKey = tuple[str, int, tuple[float, float, float, float]]
"""(file, page, bbox) — identical evidence regions share one crop."""

DEFAULT_IMAGE_DPI = 300.0


@dataclass(frozen=True)
class CropSettings:
    render_dpi: float = 120.0  # page render resolution for crops
    margin_x_pt: float = 10.0  # context kept left and right of the bbox
    margin_y_pt: float = 4.0  # above and below: small, so neighbouring lines are not half shown
    max_width_px: int = 720  # crops wider than this are downscaled
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


def _cut(page_image: Image.Image, px_per_pt: float, bbox: tuple[float, float, float, float], settings: CropSettings) -> Image.Image | None:
    """Crop bbox (+ margin) out of a rendered page; None when it falls outside the page."""
    x0, top, x1, bottom = bbox
    page_width_pt = page_image.width / px_per_pt
    if x1 - x0 < settings.widen_below * page_width_pt:
        # A lone value (a table cell, a number) means little without its row label: show the whole line.
        x0, x1 = 0.0, page_width_pt
    mx, my = settings.margin_x_pt, settings.margin_y_pt
    left = max(0, int((x0 - mx) * px_per_pt))
    upper = max(0, int((top - my) * px_per_pt))
    right = min(page_image.width, int((x1 + mx) * px_per_pt + 0.999))
    lower = min(page_image.height, int((bottom + my) * px_per_pt + 0.999))
    if right - left < 2 or lower - upper < 2:
        return None
    region = page_image.crop((left, upper, right, lower))
    if region.width > settings.max_width_px:
        height = max(1, round(region.height * settings.max_width_px / region.width))
        region = region.resize((settings.max_width_px, height), Image.Resampling.LANCZOS)
    return region


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
                region = _cut(page_image, px_per_pt, key[2], settings)
                if region is not None:
                    crops.images[key] = _png_data_uri(region)
            del page_image
    finally:
        source.close()
    return crops
