"""A PDF page's text layer: whether it can be trusted, and its lines and ruled tables as blocks.

Speed: plain text pages (text objects only, every char mapped to Unicode) are read by
PDFium and grouped by pdfplumber's word extractor, ~7x faster than pdfminer's
pure-Python content parsing; pages with ruling lines, images or anything unusual stay
with pdfplumber.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any, Iterable, Sequence

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfplumber.utils import extract_words

from extractors.ocr.layout import PlacedWord, group_rows, join_words
from extractors.readers.pdf_open import PDFIUM_LOCK
from pipeline.core.document import BBox, Cell, Line, Page, Provenance, ReadMethod, Table
from pipeline.core.text import collapse_cjk_spaces, count_cjk_ideographs

# ---------------------------------------------------------------- text layer triage

_CJK_FONT_NAME = re.compile(
    r"song|hei|kai|fang|ming|simsun|simhei|stsong|stkaiti|msung|mhei|yahei|zenhei|microhei|wenquanyi|wqy|"
    r"uming|ukai|sourcehan|notosanscjk|notoserifcjk|adobesong|adobeheiti|gbk|gb2312|[\u4e00-\u9fff]",
    re.IGNORECASE,
)


def _is_unusable_char(char: str) -> bool:
    code = ord(char)
    return (
        char == "\ufffd"
        or 0xE000 <= code <= 0xF8FF
        or code >= 0xF0000
        or (code < 0x20 and char not in "\t\n\r")
    )


def text_layer_problem(chars: Sequence[dict], page_area: float, image_area: float) -> str | None:
    """Why the page's text layer cannot be trusted (Chinese text for the log), or None if it can.

    `chars` are pdfplumber char dicts (`text`, `fontname`). A page is OCR'd when
    it is an image with (almost) no text, when the text is `(cid:NN)` codes,
    mostly replacement/private-use characters or Latin-1 mojibake, or when a
    page set in Chinese fonts yields no Chinese at all (a broken ToUnicode map).
    """
    visible = [c for c in chars if c["text"].strip()]
    image_share = min(1.0, image_area / page_area) if page_area > 0 else 0.0
    if len(visible) < 10:
        return "无文字层的扫描页" if image_share >= 0.3 else None
    texts = [c["text"] for c in visible]
    cid_codes = sum(1 for t in texts if t.startswith("(cid:"))
    if cid_codes >= 0.2 * len(texts):
        return "文字层为 (cid:NN) 编码，无法还原文字"
    single = "".join(t for t in texts if not t.startswith("(cid:"))
    if single and sum(_is_unusable_char(ch) for ch in single) >= 0.3 * len(single):
        return "文字层多为替换字符或私用区字符"
    if count_cjk_ideographs(single) == 0:
        if sum(0x80 <= ord(ch) <= 0x24F for ch in single) >= 0.5 * len(single) and len(single) >= 20:
            return "文字层为乱码（无中文，多为西文扩展字符）"
        if image_share >= 0.5 and len(visible) < 200:
            return "扫描页的文字层不含中文"
        cjk_fonts = sum(1 for c in visible if _CJK_FONT_NAME.search(c.get("fontname") or ""))
        if len(visible) >= 40 and cjk_fonts >= 0.5 * len(visible):
            return "中文字体的文字层未解出中文"
    return None


def image_area(page) -> float:
    """Area of the page covered by images, clipped to the page."""
    total = 0.0
    for image in page.images:
        x0, x1 = max(0.0, float(image["x0"])), min(float(page.width), float(image["x1"]))
        top, bottom = max(0.0, float(image["top"])), min(float(page.height), float(image["bottom"]))
        if x1 > x0 and bottom > top:
            total += (x1 - x0) * (bottom - top)
    return total


# ---------------------------------------------------------------- text layer → blocks


def _cell_text(text: str | None) -> str:
    """A cell's wrapped lines joined: nothing between CJK characters, a space elsewhere."""
    if not text:
        return ""
    return collapse_cjk_spaces(" ".join(part.strip() for part in text.splitlines() if part.strip()))


def _bbox(values: Iterable[float]) -> BBox:
    x0, top, x1, bottom = (round(float(v), 2) for v in values)
    return (x0, top, x1, bottom)


def _table_block(table, file_name: str, page_no: int) -> Table | None:
    """A pdfplumber table as a grid; a merged cell is repeated in each slot it covers."""
    texts = table.extract()
    row_boxes = [row.bbox for row in table.rows]
    column_boxes = [column.bbox for column in table.columns]
    found = [
        (r, c, cell_box)
        for r, row in enumerate(table.rows)
        for c, cell_box in enumerate(row.cells)
        if cell_box is not None
    ]
    if not found:
        return None

    def owner(r: int, c: int):
        x = (column_boxes[c][0] + column_boxes[c][2]) / 2 if c < len(column_boxes) else None
        y = (row_boxes[r][1] + row_boxes[r][3]) / 2
        for fr, fc, box in found:
            if x is not None and box[0] <= x <= box[2] and box[1] <= y <= box[3]:
                return fr, fc, box
        return None

    spans: dict[tuple[int, int], list[tuple[int, int]]] = {}
    slots: dict[tuple[int, int], tuple[int, int, Any]] = {}
    for r, row in enumerate(table.rows):
        for c, cell_box in enumerate(row.cells):
            origin = (r, c, cell_box) if cell_box is not None else owner(r, c)
            if origin is None:
                continue
            slots[(r, c)] = origin
            spans.setdefault(origin[:2], []).append((r, c))
    rows: list[list[Cell]] = []
    for r, row in enumerate(table.rows):
        cells: list[Cell] = []
        for c in range(len(row.cells)):
            if (r, c) not in slots:
                continue
            fr, fc, box = slots[(r, c)]
            covered = spans[(fr, fc)]
            cells.append(
                Cell(
                    text=_cell_text(texts[fr][fc] if fr < len(texts) and fc < len(texts[fr]) else ""),
                    row=r,
                    col=c,
                    prov=Provenance(file=file_name, page=page_no, bbox=_bbox(box), method=ReadMethod.TEXT),
                    row_span=len({rr for rr, _ in covered}),
                    col_span=len({cc for _, cc in covered}),
                )
            )
        rows.append(cells)
    return Table(rows=rows, prov=Provenance(file=file_name, page=page_no, bbox=_bbox(table.bbox), method=ReadMethod.TEXT))


def _inside(obj: dict, boxes: Sequence[BBox]) -> bool:
    cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
    return any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in boxes)


def _line_blocks(page, table_boxes: Sequence[BBox], file_name: str, page_no: int) -> list[Line]:
    """Words outside the tables, grouped into visual lines; font size from the chars."""
    outside = page.filter(lambda obj: obj.get("object_type") != "char" or not _inside(obj, table_boxes))
    return lines_from_words(outside.extract_words(return_chars=True), file_name, page_no)


def lines_from_words(words: Sequence[dict], file_name: str, page_no: int) -> list[Line]:
    """pdfplumber words (with their chars) grouped into visual lines; font size from the chars."""
    units = [[PlacedWord(w["text"], w["x0"], w["top"], w["x1"], w["bottom"])] for w in words]
    sizes = {(w["x0"], w["top"]): [ch["size"] for ch in w["chars"]] for w in words}
    lines: list[Line] = []
    for row in group_rows(units):
        text = join_words(row).strip()
        if not text:
            continue
        char_sizes = sorted(s for w in row for s in sizes.get((w.x0, w.top), []))
        lines.append(
            Line(
                text=text,
                prov=Provenance(
                    file=file_name,
                    page=page_no,
                    bbox=_bbox((min(w.x0 for w in row), min(w.top for w in row), max(w.x1 for w in row), max(w.bottom for w in row))),
                    method=ReadMethod.TEXT,
                ),
                font_size=round(char_sizes[len(char_sizes) // 2], 1) if char_sizes else None,
            )
        )
    return lines


def text_page(page, file_name: str, page_no: int) -> Page:
    """One pdfplumber page as lines and tables in reading order (by top)."""
    tables = [t for t in (_table_block(found, file_name, page_no) for found in page.find_tables()) if t is not None]
    table_boxes = [t.prov.bbox for t in tables if t.prov.bbox]
    blocks = [*_line_blocks(page, table_boxes, file_name, page_no), *tables]
    blocks.sort(key=lambda b: (b.prov.bbox[1], b.prov.bbox[0]) if b.prov.bbox else (0.0, 0.0))
    return Page(number=page_no, width=round(float(page.width), 2), height=round(float(page.height), 2),
                method=ReadMethod.TEXT, blocks=blocks)


# ---------------------------------------------------------------- fast path: plain text pages via PDFium
#
# pdfminer interprets content streams in pure Python (~0.07 s a page on this
# machine; most of a 200-page packet's time). A page that holds nothing but
# horizontal text, whose every char PDFium maps to Unicode, has no ruling lines
# (so pdfplumber's table finder finds nothing there) and no images (so it is no
# scan): its chars are read by PDFium (~0.01 s a page) as pdfplumber-style char
# dicts — loose boxes match pdfminer's to 0.2 pt — and grouped into words by
# pdfplumber's own word extractor. Every other page is read by pdfplumber.

_UPRIGHT_TOLERANCE = 1e-3  # radians


def _only_text_objects(pdf_page) -> bool:
    """True when the page's top-level objects are all text (no paths, images or forms)."""
    raw_page = pdf_page.raw
    return all(
        pdfium_c.FPDFPageObj_GetType(pdfium_c.FPDFPage_GetObject(raw_page, i)) == pdfium_c.FPDF_PAGEOBJ_TEXT
        for i in range(pdfium_c.FPDFPage_CountObjects(raw_page))
    )


def _pdfium_chars(textpage, page_height: float) -> list[dict] | None:
    """The page's chars as pdfplumber char dicts (top-left origin), or None when a char is
    not upright or has no Unicode mapping (pdfplumber then reads the page)."""
    raw_text = textpage.raw
    box = pdfium_c.FS_RECTF()
    chars: list[dict] = []
    for i in range(pdfium_c.FPDFText_CountChars(raw_text)):
        if pdfium_c.FPDFText_IsGenerated(raw_text, i) != 0:  # a space or line break PDFium inferred
            continue
        if pdfium_c.FPDFText_HasUnicodeMapError(raw_text, i) != 0:
            return None
        angle = pdfium_c.FPDFText_GetCharAngle(raw_text, i)
        if not (0 <= angle < _UPRIGHT_TOLERANCE or angle > 6.283185307179586 - _UPRIGHT_TOLERANCE):
            return None
        code = pdfium_c.FPDFText_GetUnicode(raw_text, i)
        if not 0 < code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None
        if not pdfium_c.FPDFText_GetLooseCharBox(raw_text, i, box):
            return None
        top = page_height - box.top
        chars.append({
            "object_type": "char",
            "text": chr(code),
            "x0": box.left,
            "x1": box.right,
            "top": top,
            "doctop": top,
            "bottom": page_height - box.bottom,
            "upright": True,
            "size": pdfium_c.FPDFText_GetFontSize(raw_text, i),
            "fontname": "",
        })
    return chars


def fast_text_page(document: pdfium.PdfDocument, page_no: int, file_name: str) -> Page | None:
    """A plain text page read by PDFium (call under `PDFIUM_LOCK`); None when pdfplumber must read it."""
    pdf_page = document[page_no - 1]
    try:
        media, crop = tuple(pdf_page.get_mediabox()), tuple(pdf_page.get_cropbox())
        if pdf_page.get_rotation() % 360 or media != crop or media[:2] != (0.0, 0.0):
            return None
        if not _only_text_objects(pdf_page):
            return None
        width, height = pdf_page.get_size()
        textpage = pdf_page.get_textpage()
        try:
            chars = _pdfium_chars(textpage, height)
        finally:
            textpage.close()
    finally:
        pdf_page.close()
    if chars is None or text_layer_problem(chars, width * height, 0.0):
        return None
    visible = "".join(c["text"] for c in chars if c["text"].strip())
    if len(visible) >= 10 and count_cjk_ideographs(visible) == 0:
        return None  # a text layer without Chinese: pdfplumber's triage decides about it
    lines = lines_from_words(extract_words(chars, return_chars=True), file_name, page_no)
    lines.sort(key=lambda b: (b.prov.bbox[1], b.prov.bbox[0]) if b.prov.bbox else (0.0, 0.0))
    return Page(number=page_no, width=round(float(width), 2), height=round(float(height), 2),
                method=ReadMethod.TEXT, blocks=lines)


def fast_text_pages(path: Path, page_numbers: Sequence[int], page_count: int, file_name: str,
                    password: str | None, deadline: float | None = None) -> dict[int, Page]:
    """Page number → page, for each given page the PDFium fast path can read (others are left out).

    Pages not reached by `deadline` are left out too (the caller flags them).
    """
    read: dict[int, Page] = {}
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(path, password=password)
        except pdfium.PdfiumError:
            return read  # pdfplumber opened it: let pdfplumber read it all
    try:
        if len(document) != page_count:
            return read
        for page_no in page_numbers:
            if deadline is not None and time.monotonic() > deadline:
                break
            with PDFIUM_LOCK:
                try:
                    page = fast_text_page(document, page_no, file_name)
                except pdfium.PdfiumError:
                    page = None
            if page is not None:
                read[page_no] = page
    finally:
        with PDFIUM_LOCK:
            document.close()
    return read
