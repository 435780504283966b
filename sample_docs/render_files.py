"""XLSX lists, photographed pages, scanned PDFs, GBK-named ZIPs and broken files."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import numpy as np
import pdfplumber
import pikepdf
import pypdfium2
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from PIL import Image, ImageFilter, ImageOps
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas as rl_canvas

from sample_docs.content import Grid, ItemDoc, Para

# --------------------------------------------------------------------------- XLSX


def render_xlsx(path: Path, item: ItemDoc) -> None:
    """One sheet: the item heading in a merged title row, then its list table."""
    grids = [b for b in item.blocks if isinstance(b, Grid)]
    wb = Workbook()
    ws = wb.active
    if not grids:  # the item is written as lines: one column of text
        ws.title = "清单"
        ws.append(["".join(item.heading)])
        for block in item.blocks:
            if isinstance(block, Para):
                ws.append([block.text])
        ws.column_dimensions["A"].width = 100
        wb.save(str(path))
        return
    grid = grids[0]
    ws.title = grid.sheet or "Sheet1"
    n_cols = len(grid.rows[0])
    ws.append(["".join(item.heading)] + [None] * (n_cols - 1))
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=n_cols)
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.cell(1, 1).alignment = Alignment(horizontal="center")
    thin = Side(style="thin")
    for r, row in enumerate(grid.rows, start=2):
        for c, text in enumerate(row, start=1):
            value: object = int(text) if text.isdigit() and c == 1 else text
            cell = ws.cell(r, c, value)
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)
            if r - 2 < grid.header_rows:
                cell.font = Font(bold=True)
    for c, w in enumerate(grid.widths or [1.0] * n_cols, start=1):
        ws.column_dimensions[chr(64 + c)].width = max(8, 9 * w)
    wb.save(str(path))


# --------------------------------------------------------------------------- scanning


def _scan_effects(img: Image.Image, rng: random.Random, turn: int, noise_sigma: float = 5.0) -> Image.Image:
    """Grey paper, speckle noise, a slight skew, optionally a page fed upside down or sideways."""
    angle = rng.uniform(-1.5, 1.5)
    img = img.convert("L").rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
    arr = np.asarray(img, dtype=np.float32)
    noise = np.random.default_rng(rng.randint(0, 2**31)).normal(0, noise_sigma, arr.shape)
    arr = np.clip(arr * 0.93 + 12 + noise, 0, 255).astype(np.uint8)
    img = Image.fromarray(arr).filter(ImageFilter.GaussianBlur(radius=0.8))
    if turn:
        img = img.rotate(turn, expand=True)
    return img


def _jpeg(img: Image.Image, quality: int, dpi: int) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=quality, dpi=(dpi, dpi))
    return buf.getvalue()


def page_texts(pdf_path: Path) -> dict[str, str]:
    """The text drawn on each page of a text PDF (truth for its scanned copy)."""
    with pdfplumber.open(str(pdf_path)) as pdf:
        return {str(k): (page.extract_text() or "") for k, page in enumerate(pdf.pages, 1)}


def scan_pdf(source: Path, target: Path, rng: random.Random, dpi: int = 200, quality: int = 50,
             turned_page: int | None = None, turn: int = 180) -> None:
    """Rasterise `source` and write an image-only PDF: no text layer survives."""
    pdf = pypdfium2.PdfDocument(str(source))
    c = rl_canvas.Canvas(str(target), pagesize=A4)
    c.setTitle("扫描件")
    for k in range(len(pdf)):
        bitmap = pdf[k].render(scale=dpi / 72, grayscale=True)
        img = _scan_effects(bitmap.to_pil(), rng, turn if turned_page == k + 1 else 0)
        size = landscape(A4) if img.width > img.height else A4
        c.setPageSize(size)
        c.drawImage(ImageReader(io.BytesIO(_jpeg(img, quality, dpi))), 0, 0, width=size[0], height=size[1])
        c.showPage()
    c.save()
    pdf.close()


def photo_of_pdf_page(source: Path, target: Path, rng: random.Random, dpi: int = 200) -> None:
    """A phone-camera style JPG/PNG of the first page of `source`."""
    pdf = pypdfium2.PdfDocument(str(source))
    png = target.suffix.lower() == ".png"
    page = pdf[0].render(scale=dpi / 72, grayscale=True).to_pil()
    pdf.close()
    if png:  # a flatbed scan saved as a 4-grey PNG: skewed, no speckle
        img = page.convert("L").rotate(rng.uniform(-1.5, 1.5), resample=Image.BICUBIC, fillcolor=255)
        ImageOps.posterize(img, 2).save(str(target), format="PNG", dpi=(dpi, dpi), optimize=True)
        return
    target.write_bytes(_jpeg(_scan_effects(page, rng, 0), 60, dpi))


# --------------------------------------------------------------------------- broken files


def truncate_file(source: Path, target: Path, keep_fraction: float = 0.02) -> None:
    """A PDF cut off early (an interrupted copy): header and a few bytes, no trailer, no pages."""
    data = source.read_bytes()
    target.write_bytes(data[: max(200, int(len(data) * keep_fraction))])


def encrypt_pdf(source: Path, target: Path, password: str) -> None:
    with pikepdf.open(str(source)) as pdf:
        pdf.save(str(target), encryption=pikepdf.Encryption(user=password, owner=password + "-owner", R=6))


def write_unsupported(target: Path) -> None:
    """A short MP4 (ftyp box and padding): a real type the pipeline does not read."""
    ftyp = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41"
    target.write_bytes(ftyp + b"\x00\x00\x00\x08free" + bytes(2048))


# --------------------------------------------------------------------------- ZIP with GBK names


class _GbkZipInfo(zipfile.ZipInfo):
    """Stores the name as CP936 bytes without the UTF-8 flag, as Windows' zip tools do."""

    def _encodeFilenameFlags(self):  # noqa: N802 (zipfile's private hook)
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def zip_folder_gbk(folder: Path, target: Path) -> list[str]:
    """Zip every file of `folder` (flat, name order); returns the member names."""
    names: list[str] = []
    with zipfile.ZipFile(str(target), "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(p for p in folder.iterdir() if p.is_file()):
            info = _GbkZipInfo(path.name, date_time=(2022, 10, 9, 10, 30, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, path.read_bytes())
            names.append(path.name)
    return names
