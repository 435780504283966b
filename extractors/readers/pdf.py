"""PDF → `SourceDocument`: the text layer with pdfplumber, OCR where it is unusable.

Two steps, so that a Prefect flow can fan the OCR pages out as tasks:
`pdf_text_pass` reads every page's text layer (lines and ruled tables) and
lists the pages whose text layer is missing or garbled; `ocr_pdf_page`
renders one such page and OCRs it. `read_pdf` runs both, the OCR pages in a
pool of `workers` spawned processes (the per-page image work holds the GIL;
each worker renders its own page, so at most `workers` rendered pages are held
at once).

Speed (issue 7): plain text pages (text objects only, every char mapped to
Unicode) are read by PDFium and grouped by pdfplumber's word extractor, ~7x
faster than pdfminer's pure-Python content parsing; pages with ruling lines,
images or anything unusual stay with pdfplumber. A big file's text pass is
split with a worker process.

A damaged file is read as far as it goes: pdfplumber first, then the file
repaired by qpdf (pikepdf), then PDFium's text; the pages that fail become one
FILE_UNREADABLE finding.
"""

from __future__ import annotations

import io
import logging
import os
import pickle
import re
import subprocess
import sys
import tempfile
import time
import threading
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Sequence

import pdfplumber
import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfplumber.utils import extract_words
from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException

from extractors.ocr.layout import PlacedWord, group_rows, join_words
from extractors.ocr.page import ocr_images, page_failure
from pipeline.core.text import collapse_cjk_spaces, count_cjk_ideographs
from extractors.readers.registry import ReadOutcome
from pipeline.core.document import BBox, Cell, FileKind, Line, Page, Provenance, ReadMethod, SourceDocument, Table
from pipeline.core.errors import FileEncrypted, FileUnreadable
from pipeline.intake.packet import PacketMember
from pipeline.core.result import Evidence, Finding, FindingCode, Severity

log = logging.getLogger(__name__)

# PDFium is not thread-safe: one render at a time (0.1 s a page, against ~1-2 s of OCR).
_PDFIUM_LOCK = threading.Lock()


# ---------------------------------------------------------------- opening


def password_for(file_name: str, settings) -> str | None:
    """The configured password for a file: by its packet path, else by its bare name."""
    passwords: dict[str, str] = settings.pdf_passwords
    return passwords.get(file_name) or passwords.get(PurePosixPath(file_name).name)


def _is_encryption_error(error: BaseException) -> bool:
    causes = [error, *getattr(error, "args", ())]
    return any(isinstance(c, (PDFPasswordIncorrect, PDFEncryptionError)) for c in causes)


def _encrypted(file_name: str, password: str | None) -> FileEncrypted:
    reason = "配置的密码不正确" if password else "文件设有打开密码"
    return FileEncrypted(file_name, reason)


def _repaired_bytes(path: Path, file_name: str, password: str | None) -> bytes:
    """The file rewritten by qpdf, which rebuilds a damaged cross-reference table."""
    try:
        with pikepdf.open(path, password=password or "") as pdf:
            buffer = io.BytesIO()
            pdf.save(buffer)
            return buffer.getvalue()
    except pikepdf.PasswordError as e:
        raise _encrypted(file_name, password) from e


@dataclass
class _Opened:
    pdf: Any  # pdfplumber.PDF
    repaired: bool
    damage: str | None  # why the file needed repair, for the finding


def _open_pdfplumber(path: Path, file_name: str, password: str | None) -> _Opened:
    try:
        return _Opened(_pdfplumber_with_pages(path, password), repaired=False, damage=None)
    except _DAMAGE_ERRORS as e:
        if _is_encryption_error(e):
            raise _encrypted(file_name, password) from e
        inner = e.args[0] if isinstance(e, PdfminerException) and e.args else e
        damage = str(inner) if isinstance(inner, EmptyPageTree) else type(inner).__name__
    data = _repaired_bytes(path, file_name, password)  # pikepdf.PdfError propagates to the caller
    return _Opened(_pdfplumber_with_pages(io.BytesIO(data), None), repaired=True, damage=damage)


def _pdfplumber_with_pages(source, password: str | None):
    """Open with pdfplumber and parse the page tree now (it is lazy), so a broken one fails here."""
    pdf = pdfplumber.open(source, password=password or "")
    try:
        if len(pdf.pages) == 0:  # a broken page tree reads as no pages at all, silently
            raise EmptyPageTree("页面树损坏，未找到任何页面")
    except BaseException:
        try:
            pdf.close()
        except Exception:  # noqa: BLE001 - closing iterates the broken page tree again
            log.debug("closing a damaged PDF failed", exc_info=True)
        raise
    return pdf


class EmptyPageTree(Exception):
    """pdfplumber found no page: the page tree is damaged (or the file holds none)."""


# What pdfplumber raises for a damaged file beyond its own PdfminerException: a bad
# MediaBox, a page tree of the wrong types. All of them mean: repair, then PDFium.
_DAMAGE_ERRORS = (PdfminerException, EmptyPageTree, MalformedPDFException, TypeError, ValueError, KeyError, AttributeError)


def _open_pdfium(path: Path, file_name: str, password: str | None) -> pdfium.PdfDocument:
    """PDFium document (call under `_PDFIUM_LOCK`); a damaged file is repaired first."""
    try:
        return pdfium.PdfDocument(path, password=password)
    except pdfium.PdfiumError as e:
        if "password" in str(e).lower():
            raise _encrypted(file_name, password) from e
        return pdfium.PdfDocument(_repaired_bytes(path, file_name, password), password=None)


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


def _image_area(page) -> float:
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
    """A plain text page read by PDFium (call under `_PDFIUM_LOCK`); None when pdfplumber must read it."""
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
    with _PDFIUM_LOCK:
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
            with _PDFIUM_LOCK:
                try:
                    page = fast_text_page(document, page_no, file_name)
                except pdfium.PdfiumError:
                    page = None
            if page is not None:
                read[page_no] = page
    finally:
        with _PDFIUM_LOCK:
            document.close()
    return read


# ---------------------------------------------------------------- the passes


def _damage_finding(file_name: str, damage: str | None, failed: dict[int, str]) -> Finding:
    numbers = sorted(failed)
    pages = "、".join(str(n) for n in numbers[:10]) + (f"等 {len(numbers)} " if len(numbers) > 10 else "")
    what = f"第{pages}页无法读取" if failed else "部分内容可能缺失"
    cause = f"（{damage}）" if damage else ""
    if failed and all("超时" in why for why in failed.values()):
        return Finding(
            code=FindingCode.FILE_UNREADABLE,
            severity=Severity.ERROR,
            message=f"文件“{file_name}”读取超时，第{pages}页未读取，其余页面已读取：请单独复核这些页面。",
            evidence=[Evidence.for_file(file_name, failed[n], page=n) for n in numbers[:20]],
        )
    return Finding(
        code=FindingCode.FILE_UNREADABLE,
        severity=Severity.ERROR,
        message=f"文件“{file_name}”已损坏或不完整{cause}，{what}，其余页面已尽量读取。",
        evidence=[Evidence.for_file(file_name, reason, page=n) for n, reason in sorted(failed.items())[:20]]
        or [Evidence.for_file(file_name, damage or "文件已损坏")],
    )


def _pdfium_text_pass(member: PacketMember, password: str | None, damage: str) -> tuple[SourceDocument, list[int], list[Finding]]:
    """Last resort for a file neither pdfminer nor qpdf can parse: PDFium's plain text, no geometry."""
    pages: list[Page] = []
    needs_ocr: list[int] = []
    with _PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(member.path, password=password)
        except pdfium.PdfiumError as e:
            if "password" in str(e).lower():
                raise _encrypted(member.name, password) from e
            raise FileUnreadable(member.name, f"文件已损坏或不完整，无法打开（{damage}）") from e
        failed: dict[int, str] = {}
        try:
            page_count = len(document)
            for index in range(page_count):
                try:
                    pdf_page = document[index]
                    width, height = pdf_page.get_size()
                    text = pdf_page.get_textpage().get_text_range()
                except pdfium.PdfiumError as e:
                    failed[index + 1] = f"该页无法载入（{e}）"
                    continue
                lines = [
                    Line(text=collapse_cjk_spaces(t.strip()),
                         prov=Provenance(file=member.name, page=index + 1, method=ReadMethod.TEXT))
                    for t in text.splitlines() if t.strip()
                ]
                if count_cjk_ideographs(text) == 0 and len(text.strip()) < 10:
                    needs_ocr.append(index + 1)
                else:
                    pages.append(Page(number=index + 1, width=round(width, 2), height=round(height, 2),
                                      method=ReadMethod.TEXT, blocks=lines))
        finally:
            document.close()
    if page_count == 0 or len(failed) == page_count:
        raise FileUnreadable(member.name, f"文件已损坏，没有可读取的页面（{damage}）")
    doc = SourceDocument(name=member.name, sha256=member.sha256, kind=FileKind.PDF, pages=pages, page_count=page_count)
    return doc, needs_ocr, [_damage_finding(member.name, damage, failed)]


@dataclass
class _TextPassPart:
    """What reading some of a file's pages gave: pages read, pages that need OCR, failures."""

    pages: list[Page]
    needs_ocr: list[int]
    failed: dict[int, str]


def _read_text_pages(pdf, path: Path, file_name: str, password: str | None, page_numbers: Sequence[int],
                     repaired: bool, deadline: float | None = None) -> _TextPassPart:
    """The given pages: plain text pages by PDFium, every other page by pdfplumber.

    Past `deadline` (monotonic seconds) the remaining pages are flagged, not read.
    """
    fast = {} if repaired else fast_text_pages(path, page_numbers, len(pdf.pages), file_name, password, deadline)
    part = _TextPassPart(pages=list(fast.values()), needs_ocr=[], failed={})
    for page_no in page_numbers:
        if page_no in fast:
            continue
        if deadline is not None and time.monotonic() > deadline:
            part.failed[page_no] = "读取超时，未读取该页"
            continue
        pdf_page = pdf.pages[page_no - 1]
        # pdfminer raises a zoo of exception types on a broken page: each one is
        # recorded as that page's failure, and the other pages are still read.
        try:
            problem = text_layer_problem(pdf_page.chars, float(pdf_page.width * pdf_page.height), _image_area(pdf_page))
            if problem:
                part.needs_ocr.append(page_no)
            else:
                page = text_page(pdf_page, file_name, page_no)
                if repaired and not page.blocks and not pdf_page.images:
                    part.failed[page_no] = "修复后该页无可读内容"
                part.pages.append(page)
        except Exception as e:  # noqa: BLE001 - see above
            part.failed[page_no] = f"该页解析失败（{type(e).__name__}）"
        finally:
            pdf_page.close()
    return part


def run_text_pass_worker() -> None:
    """Entry of the worker process: pickled (path, file name, password, pages, result path) on stdin."""
    path, file_name, password, page_numbers, result_path, seconds_left = pickle.load(sys.stdin.buffer)
    deadline = time.monotonic() + seconds_left if seconds_left is not None else None
    with _pdfplumber_with_pages(path, password) as pdf:
        part = _read_text_pages(pdf, Path(path), file_name, password, page_numbers, repaired=False, deadline=deadline)
    Path(result_path).write_bytes(pickle.dumps(part))


def _read_text_pages_split(pdf, member: PacketMember, password: str | None, here: list[int],
                           elsewhere: list[int], deadline: float | None = None) -> list[_TextPassPart]:
    """`here` read in this process while a worker process reads `elsewhere`.

    The worker is a plain interpreter (not multiprocessing), so callers need no
    `if __name__ == "__main__"` guard; it hands its pages back through a file.
    """
    with tempfile.TemporaryDirectory(prefix="text-pass-") as folder:
        result_path = Path(folder) / "part.pickle"
        worker = subprocess.Popen(
            [sys.executable, "-c", "from extractors.readers.pdf import run_text_pass_worker; run_text_pass_worker()"],
            stdin=subprocess.PIPE, env={**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)},
        )
        try:
            assert worker.stdin is not None
            seconds_left = None if deadline is None else max(0.0, deadline - time.monotonic())
            worker.stdin.write(pickle.dumps((str(member.path), member.name, password, elsewhere, str(result_path),
                                             seconds_left)))
            worker.stdin.close()
        except BrokenPipeError:  # the worker already exited: its return code below says so
            log.debug("text pass worker for %s exited before reading its task", member.name)
        parts = [_read_text_pages(pdf, member.path, member.name, password, here, repaired=False, deadline=deadline)]
        if worker.wait() == 0 and result_path.is_file():
            parts.append(pickle.loads(result_path.read_bytes()))
        else:
            log.warning("text pass worker for %s exited with %s; reading its pages here", member.name, worker.returncode)
            parts.append(_read_text_pages(pdf, member.path, member.name, password, elsewhere, repaired=False,
                                          deadline=deadline))
    return parts


# A worker process costs ~1 s to start (a fresh interpreter importing this module):
# worth it from about this many pages. It takes the larger share, since this
# process also builds the analysis stages meanwhile (see pipeline.app.driver.read_packet).
PARALLEL_MIN_PAGES = 60
WORKER_SHARE = 0.75


def _worker_pages(page_count: int, settings, repaired: bool) -> list[int]:
    """The pages a second process reads (none for small, repaired, or single-worker runs)."""
    if repaired or page_count < PARALLEL_MIN_PAGES or settings.workers < 2:
        return []
    return list(range(page_count - int(page_count * WORKER_SHARE) + 1, page_count + 1))


def pdf_text_pass(member: PacketMember, settings) -> tuple[SourceDocument, list[int], list[Finding]]:
    """Every page's text layer; returns the document, the pages that need OCR, and findings.

    A big file's pages are read by two processes (pdfminer is pure Python).
    Raises `FileEncrypted` (no or wrong password) or `FileUnreadable` (nothing readable).
    """
    password = password_for(member.name, settings)
    try:
        opened = _open_pdfplumber(member.path, member.name, password)
    except FileEncrypted:
        raise
    except (*_DAMAGE_ERRORS, pikepdf.PdfError) as e:
        return _pdfium_text_pass(member, password, str(e) if isinstance(e, EmptyPageTree) else type(e).__name__)
    with opened.pdf as pdf:
        page_count = len(pdf.pages)
        elsewhere = _worker_pages(page_count, settings, opened.repaired)
        here = sorted(set(range(1, page_count + 1)) - set(elsewhere))
        deadline = time.monotonic() + settings.file_timeout_s if settings.file_timeout_s > 0 else None
        if elsewhere:
            parts = _read_text_pages_split(pdf, member, password, here, elsewhere, deadline)
        else:
            parts = [_read_text_pages(pdf, member.path, member.name, password, here, opened.repaired, deadline)]
    pages = sorted((p for part in parts for p in part.pages), key=lambda p: p.number)
    needs_ocr = sorted(n for part in parts for n in part.needs_ocr)
    failed = {n: why for part in parts for n, why in part.failed.items()}
    findings = [_damage_finding(member.name, opened.damage, failed)] if failed else []
    if page_count and len(failed) == page_count and not any("超时" in why for why in failed.values()):
        raise FileUnreadable(member.name, f"文件已损坏，所有页面均无法读取（{opened.damage or '页面解析失败'}）")
    doc = SourceDocument(name=member.name, sha256=member.sha256, kind=FileKind.PDF, pages=pages, page_count=page_count)
    return doc, needs_ocr, findings


def scan_resolution(page) -> float | None:
    """The resolution of the scan a page is made of: its largest image, when that covers
    most of the page; None for a page that is not a scan."""
    width, height = page.get_size()
    best: tuple[float, float] | None = None  # (area in points², dpi)
    for image in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2):
        try:
            left, bottom, right, top = image.get_bounds()
            px_width, px_height = image.get_px_size()
        except pdfium.PdfiumError:
            continue
        shown = max(right - left, 1e-6), max(top - bottom, 1e-6)
        area = shown[0] * shown[1]
        if px_width <= 0 or px_height <= 0 or (best and area <= best[0]):
            continue
        # long side against long side: right for an image placed turned, too
        best = (area, max(px_width, px_height) / (max(shown) / 72))
    if best is None or best[0] < 0.5 * width * height:
        return None
    return best[1]


def render_pdf_page(path: Path, file_name: str, page_no: int, dpi: int, password: str | None,
                    max_pixels: int | None = None, min_dpi: int | None = None):
    """One page as a grayscale PIL image at `dpi` (PDFium, under the lock).

    With `min_dpi`, a scanned page is rendered at its scan's own resolution when that
    lies between `min_dpi` and `dpi` (rendering a 200-dpi scan at 300 dpi adds pixels,
    not detail). With `max_pixels`, a giant page is rendered at a lower resolution
    instead, so it can never exhaust memory. The dpi used is in `image.info["dpi"]`.
    """
    with _PDFIUM_LOCK:
        document = _open_pdfium(path, file_name, password)
        try:
            page = document[page_no - 1]
            scale = dpi / 72
            if min_dpi:
                native = scan_resolution(page)
                if native:
                    scale = min(scale, max(native, min_dpi) / 72)
            if max_pixels:
                width, height = page.get_size()
                scale = min(scale, (max_pixels / max(width * height, 1.0)) ** 0.5)
            bitmap = page.render(scale=scale, grayscale=True)
            image = bitmap.to_pil().copy()  # own the pixels before PDFium frees the bitmap
            image.info["dpi"] = (scale * 72, scale * 72)
            return image
        finally:
            document.close()


def ocr_pdf_page(path: Path, file_name: str, page_no: int, settings) -> tuple[Page, list[Finding]]:
    """Render one page (at its scan's resolution, within the settings' bounds) and OCR it;
    a failure is a finding on an empty page."""
    return ocr_pdf_pages(path, file_name, [page_no], settings)[0]


def ocr_pdf_pages(path: Path, file_name: str, page_numbers: Sequence[int], settings) -> list[tuple[Page, list[Finding]]]:
    """`ocr_pdf_page` for several pages, their page passes read in one engine call (`ocr_images`)."""
    read: dict[int, tuple[Page, list[Finding]]] = {}
    rendered = []
    for page_no in page_numbers:
        try:
            image = render_pdf_page(Path(path), file_name, page_no, settings.ocr_dpi, password_for(file_name, settings),
                                    max_pixels=settings.ocr_max_page_pixels, min_dpi=settings.ocr_min_dpi)
        except (pdfium.PdfiumError, pikepdf.PdfError, FileEncrypted, IndexError) as e:
            read[page_no] = (Page(number=page_no, method=ReadMethod.OCR),
                             [page_failure(file_name, page_no, f"页面无法渲染（{type(e).__name__}）")])
            continue
        rendered.append((image, file_name, page_no, image.info.get("dpi", (settings.ocr_dpi,))[0]))
    for (_, _, page_no, _), outcome in zip(rendered, ocr_images(rendered, settings)):
        read[page_no] = outcome
    return [read[n] for n in page_numbers]


def with_ocr_pages(document: SourceDocument, ocr_pages: Iterable[Page]) -> SourceDocument:
    """The document with its OCR'd pages put in page order."""
    pages = sorted([*document.pages, *ocr_pages], key=lambda p: p.number)
    return document.model_copy(update={"pages": pages})


# A spawned worker costs ~1 s to start (a fresh interpreter importing this module).
# Spawn, not fork: this process has threads (the analysis preparation, PDFium's lock)
# whose locks a forked child would inherit held.
OCR_POOL_CONTEXT = "spawn"
# Slack on top of the per-page limit before a page's worker counts as hung (start-up, render).
OCR_POOL_SLACK_S = 30.0


def _ocr_pages_in_worker(path: str, file_name: str, page_numbers: list[int], settings) -> list[tuple[Page, list[Finding]]]:
    """Entry of an OCR worker process: render these pages from the file and OCR them."""
    return ocr_pdf_pages(Path(path), file_name, page_numbers, settings)


# Pages handed to a worker at a time: their page passes share one Tesseract run. The
# last pages go one by one, so that both workers finish together.
OCR_CHUNK_PAGES = 3


def _chunks(ordered: Sequence[int], workers: int) -> list[list[int]]:
    """Pages in the order given, in chunks of `OCR_CHUNK_PAGES`, the last 2·workers alone."""
    head = max(0, len(ordered) - 2 * workers)
    return [list(ordered[i:min(i + OCR_CHUNK_PAGES, head)]) for i in range(0, head, OCR_CHUNK_PAGES)] + [
        [n] for n in ordered[head:]]


def ocr_batches(member: PacketMember, page_numbers: Sequence[int], settings) -> list[list[int]]:
    """The pages to OCR as they are handed out: heaviest first, a few at a time (`_chunks`)."""
    return _chunks(_heaviest_first(member, page_numbers, settings), max(1, settings.workers))


def _heaviest_first(member: PacketMember, page_numbers: Sequence[int], settings) -> list[int]:
    """The pages in the order to hand them out: the most image data first, so that no worker
    is left with a long page while the other idles at the end (longest-first scheduling)."""
    try:
        with _PDFIUM_LOCK:
            document = _open_pdfium(member.path, member.name, password_for(member.name, settings))
            try:
                weight = {}
                for n in page_numbers:
                    images = document[n - 1].get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2)
                    weight[n] = sum(len(image.get_data(decode_simple=False)) for image in images)
            finally:
                document.close()
    except Exception:  # noqa: BLE001 - only an ordering hint: a file PDFium cannot list keeps its page order
        return list(page_numbers)
    return sorted(page_numbers, key=lambda n: -weight[n])


def _ocr_pages_in_processes(member: PacketMember, page_numbers: Sequence[int],
                            settings) -> list[tuple[Page, list[Finding]]]:
    """OCR pages on `settings.workers` processes: the per-page image work is Python (numpy
    plus loops) that holds the GIL, so threads could not use the second core.

    Each worker renders its own page, so at most `workers` page images exist at once;
    only the small `Page` comes back. A page whose worker hangs past its time limit
    becomes a finding; a broken pool hands the remaining pages to this process.
    """
    workers = min(settings.workers, len(page_numbers))
    results: dict[int, tuple[Page, list[Finding]]] = {}
    page_limit = settings.ocr_page_timeout_s + OCR_POOL_SLACK_S
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(OCR_POOL_CONTEXT))
    hung = False
    try:
        chunks = ocr_batches(member, page_numbers, settings)
        futures = [(chunk, pool.submit(_ocr_pages_in_worker, str(member.path), member.name, chunk, settings))
                   for chunk in chunks]
        for chunk, future in futures:
            try:
                # chunks finish roughly in the order given, so waiting in it bounds each wait
                results.update(zip(chunk, future.result(timeout=page_limit * (1 + len(page_numbers) // workers))))
            except FutureTimeout:
                hung = True
                log.warning("OCR worker for %s pages %s did not finish in time", member.name, chunk)
                reason = f"文字识别超时（超过{settings.ocr_page_timeout_s:g}秒）"
                results.update((n, (Page(number=n, method=ReadMethod.OCR), [page_failure(member.name, n, reason)]))
                               for n in chunk)
            except BrokenProcessPool as e:
                log.warning("OCR worker pool for %s broke (%s); reading pages %s here", member.name, e, chunk)
                results.update(zip(chunk, ocr_pdf_pages(member.path, member.name, chunk, settings)))
    finally:
        pool.shutdown(wait=not hung, cancel_futures=True)
    return [results[n] for n in page_numbers]


def read_pdf(member: PacketMember, settings) -> ReadOutcome:
    """Text pass, then the pages that need it OCR'd on `settings.workers` processes
    (in this process for one worker or one page)."""
    document, needs_ocr, findings = pdf_text_pass(member, settings)
    if settings.workers > 1 and len(needs_ocr) > 1:
        read = _ocr_pages_in_processes(member, needs_ocr, settings)
    else:
        read = [ocr_pdf_page(member.path, member.name, n, settings) for n in needs_ocr]
    ocr_pages = [page for page, _ in read]
    findings.extend(f for _, page_findings in read for f in page_findings)
    return ReadOutcome(document=with_ocr_pages(document, ocr_pages), findings=findings)
