"""PDF → `SourceDocument`: the text layer with pdfplumber, OCR where it is unusable.

Two steps, so that a Prefect flow can fan the OCR pages out as tasks:
`pdf_text_pass` reads every page's text layer (lines and ruled tables) and
lists the pages whose text layer is missing or garbled; `ocr_pdf_page`
renders one such page and OCRs it. `read_pdf` runs both, the OCR pages in a
thread pool (Tesseract is a subprocess; each worker renders its own page, so
at most `workers` rendered pages are held at once).

A damaged file is read as far as it goes: pdfplumber first, then the file
repaired by qpdf (pikepdf), then PDFium's text; the pages that fail become one
FILE_UNREADABLE finding.
"""

from __future__ import annotations

import io
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Iterable, Sequence

import pdfplumber
import pikepdf
import pypdfium2 as pdfium
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfplumber.utils.exceptions import PdfminerException

from extractors.ocr import PlacedWord, collapse_cjk_spaces, count_cjk_ideographs, group_rows, join_words, ocr_image, page_failure
from extractors.registry import ReadOutcome
from pipeline.document import BBox, Cell, FileKind, Line, Page, Provenance, ReadMethod, SourceDocument, Table
from pipeline.errors import FileEncrypted, FileUnreadable
from pipeline.packet import PacketMember
from pipeline.result import Evidence, Finding, FindingCode, Severity

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
    except PdfminerException as e:
        if _is_encryption_error(e):
            raise _encrypted(file_name, password) from e
        damage = f"{type(e.args[0]).__name__ if e.args else type(e).__name__}"
    data = _repaired_bytes(path, file_name, password)  # pikepdf.PdfError propagates to the caller
    return _Opened(_pdfplumber_with_pages(io.BytesIO(data), None), repaired=True, damage=damage)


def _pdfplumber_with_pages(source, password: str | None):
    """Open with pdfplumber and parse the page tree now (it is lazy), so a broken one fails here."""
    pdf = pdfplumber.open(source, password=password or "")
    try:
        len(pdf.pages)
    except BaseException:
        pdf.close()
        raise
    return pdf


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
    words = outside.extract_words(return_chars=True)
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


# ---------------------------------------------------------------- the passes


def _damage_finding(file_name: str, damage: str | None, failed: dict[int, str]) -> Finding:
    pages = "、".join(str(n) for n in sorted(failed))
    what = f"第{pages}页无法读取" if failed else "部分内容可能缺失"
    cause = f"（{damage}）" if damage else ""
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
        try:
            page_count = len(document)
            for index in range(page_count):
                pdf_page = document[index]
                width, height = pdf_page.get_size()
                text = pdf_page.get_textpage().get_text_range()
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
    doc = SourceDocument(name=member.name, sha256=member.sha256, kind=FileKind.PDF, pages=pages, page_count=page_count)
    return doc, needs_ocr, [_damage_finding(member.name, damage, {})]


def pdf_text_pass(member: PacketMember, settings) -> tuple[SourceDocument, list[int], list[Finding]]:
    """Every page's text layer; returns the document, the pages that need OCR, and findings.

    Raises `FileEncrypted` (no or wrong password) or `FileUnreadable` (nothing readable).
    """
    password = password_for(member.name, settings)
    try:
        opened = _open_pdfplumber(member.path, member.name, password)
    except FileEncrypted:
        raise
    except (PdfminerException, pikepdf.PdfError) as e:
        return _pdfium_text_pass(member, password, type(e).__name__)
    pages: list[Page] = []
    needs_ocr: list[int] = []
    failed: dict[int, str] = {}
    with opened.pdf as pdf:
        page_count = len(pdf.pages)
        for index, pdf_page in enumerate(pdf.pages):
            page_no = index + 1
            # pdfminer raises a zoo of exception types on a broken page: each one is
            # recorded as that page's failure, and the other pages are still read.
            try:
                problem = text_layer_problem(pdf_page.chars, float(pdf_page.width * pdf_page.height), _image_area(pdf_page))
                if problem:
                    needs_ocr.append(page_no)
                else:
                    page = text_page(pdf_page, member.name, page_no)
                    if opened.repaired and not page.blocks and not pdf_page.images:
                        failed[page_no] = "修复后该页无可读内容"
                    pages.append(page)
            except Exception as e:  # noqa: BLE001 - see above
                failed[page_no] = f"该页解析失败（{type(e).__name__}）"
            finally:
                pdf_page.close()
    findings = [_damage_finding(member.name, opened.damage, failed)] if failed else []
    if page_count and len(failed) == page_count:
        raise FileUnreadable(member.name, f"文件已损坏，所有页面均无法读取（{opened.damage or '页面解析失败'}）")
    doc = SourceDocument(name=member.name, sha256=member.sha256, kind=FileKind.PDF, pages=pages, page_count=page_count)
    return doc, needs_ocr, findings


def render_pdf_page(path: Path, file_name: str, page_no: int, dpi: int, password: str | None):
    """One page as a grayscale PIL image at `dpi` (PDFium, under the lock)."""
    with _PDFIUM_LOCK:
        document = _open_pdfium(path, file_name, password)
        try:
            page = document[page_no - 1]
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            return bitmap.to_pil().copy()  # own the pixels before PDFium frees the bitmap
        finally:
            document.close()


def ocr_pdf_page(path: Path, file_name: str, page_no: int, settings) -> tuple[Page, list[Finding]]:
    """Render one page at `settings.ocr_dpi` and OCR it; a failure is a finding on an empty page."""
    dpi = settings.ocr_dpi
    try:
        image = render_pdf_page(Path(path), file_name, page_no, dpi, password_for(file_name, settings))
    except (pdfium.PdfiumError, pikepdf.PdfError, FileEncrypted, IndexError) as e:
        page = Page(number=page_no, method=ReadMethod.OCR)
        return page, [page_failure(file_name, page_no, f"页面无法渲染（{type(e).__name__}）")]
    page, findings = ocr_image(image, file_name, page_no, settings, dpi=dpi)
    return page, findings


def with_ocr_pages(document: SourceDocument, ocr_pages: Iterable[Page]) -> SourceDocument:
    """The document with its OCR'd pages put in page order."""
    pages = sorted([*document.pages, *ocr_pages], key=lambda p: p.number)
    return document.model_copy(update={"pages": pages})


def read_pdf(member: PacketMember, settings) -> ReadOutcome:
    """Text pass, then the pages that need it OCR'd on `settings.workers` threads."""
    document, needs_ocr, findings = pdf_text_pass(member, settings)
    ocr_pages: list[Page] = []
    if needs_ocr:
        with ThreadPoolExecutor(max_workers=max(1, settings.workers), thread_name_prefix="ocr") as pool:
            for page, page_findings in pool.map(
                lambda n: ocr_pdf_page(member.path, member.name, n, settings), needs_ocr
            ):
                ocr_pages.append(page)
                findings.extend(page_findings)
    return ReadOutcome(document=with_ocr_pages(document, ocr_pages), findings=findings)
