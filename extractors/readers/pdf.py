"""PDF → `SourceDocument`: the text layer with pdfplumber, OCR where it is unusable.

The first step (`read_text_layer`) reads every page's text layer (`pdf_text`) and
names the pages whose text layer is missing or garbled as page jobs, heaviest first,
a few pages a job; the page step (`read_ocr_pages`) renders a job's pages at their
scan's own resolution and OCRs them. The driver runs both in worker processes.

A damaged file is read as far as it goes: pdfplumber first, then the file repaired
by qpdf (pikepdf), then PDFium's text; the pages that fail become one FILE_UNREADABLE
finding.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from extractors.ocr.page import ocr_images, page_failure
from extractors.readers.outcome import FirstRead, PageJob, PageRead, ReadOutcome
from extractors.readers.pdf_open import (DAMAGE_ERRORS, PDFIUM_LOCK, EmptyPageTree, encrypted, open_pdfium,
                                         open_pdfplumber, password_for)
from extractors.readers.pdf_text import fast_text_pages, image_area, text_layer_problem, text_page
from pipeline.core.document import FileKind, Line, Page, Provenance, ReadMethod, SourceDocument
from pipeline.core.errors import FileEncrypted, FileUnreadable
from pipeline.core.result import Evidence, Finding, FindingCode, Severity
from pipeline.core.text import collapse_cjk_spaces, count_cjk_ideographs
from pipeline.intake.packet import PacketMember

log = logging.getLogger(__name__)

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
    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(member.path, password=password)
        except pdfium.PdfiumError as e:
            if "password" in str(e).lower():
                raise encrypted(member.name, password) from e
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
            problem = text_layer_problem(pdf_page.chars, float(pdf_page.width * pdf_page.height), image_area(pdf_page))
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



def text_pass(member: PacketMember, settings) -> tuple[SourceDocument, list[int], list[Finding]]:
    """Every page's text layer; returns the document, the pages that need OCR, and findings.

    Raises `FileEncrypted` (no or wrong password) or `FileUnreadable` (nothing readable).
    """
    password = password_for(member.name, settings)
    try:
        opened = open_pdfplumber(member.path, member.name, password)
    except FileEncrypted:
        raise
    except (*DAMAGE_ERRORS, pikepdf.PdfError) as e:
        return _pdfium_text_pass(member, password, str(e) if isinstance(e, EmptyPageTree) else type(e).__name__)
    with opened.pdf as pdf:
        page_count = len(pdf.pages)
        deadline = time.monotonic() + settings.file_timeout_s if settings.file_timeout_s > 0 else None
        parts = [_read_text_pages(pdf, member.path, member.name, password, range(1, page_count + 1), opened.repaired,
                                  deadline)]
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
    with PDFIUM_LOCK:
        document = open_pdfium(path, file_name, password)
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


# Pages handed to a worker at a time: their page passes share one Tesseract run. The
# last pages go one by one, so that both workers finish together.
OCR_CHUNK_PAGES = 3


def _chunks(ordered: Sequence[int], workers: int) -> list[list[int]]:
    """Pages in the order given, in chunks of `OCR_CHUNK_PAGES`, the last 2·workers alone."""
    head = max(0, len(ordered) - 2 * workers)
    return [list(ordered[i:min(i + OCR_CHUNK_PAGES, head)]) for i in range(0, head, OCR_CHUNK_PAGES)] + [
        [n] for n in ordered[head:]]


def _page_weights(member: PacketMember, page_numbers: Sequence[int], settings) -> dict[int, int]:
    """Image bytes per page: the heaviest pages are handed out first, so that no worker is
    left with a long page while the other idles at the end (longest-first scheduling)."""
    try:
        with PDFIUM_LOCK:
            document = open_pdfium(member.path, member.name, password_for(member.name, settings))
            try:
                weight = {}
                for n in page_numbers:
                    images = document[n - 1].get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2)
                    weight[n] = sum(len(image.get_data(decode_simple=False)) for image in images)
            finally:
                document.close()
    except Exception:  # noqa: BLE001 - only an ordering hint: a file PDFium cannot list keeps its page order
        return {n: 0 for n in page_numbers}
    return weight


def ocr_jobs(member: PacketMember, page_numbers: Sequence[int], settings) -> list[PageJob]:
    """The pages to OCR as they are handed out: heaviest first, a few at a time (`_chunks`)."""
    weight = _page_weights(member, page_numbers, settings)
    ordered = sorted(page_numbers, key=lambda n: -weight[n])
    return [PageJob(member, tuple(chunk), weight=sum(weight[n] for n in chunk))
            for chunk in _chunks(ordered, max(1, settings.workers))]


def read_text_layer(member: PacketMember, settings) -> FirstRead:
    """The first step: every page's text layer, and the pages that need OCR as page jobs."""
    document, needs_ocr, findings = text_pass(member, settings)
    return FirstRead(ReadOutcome(document=document, findings=findings), ocr_jobs(member, needs_ocr, settings))


def read_ocr_pages(job: PageJob, settings) -> list[PageRead]:
    """The page step: a job's pages rendered and OCR'd."""
    return ocr_pdf_pages(job.member.path, job.member.name, job.pages, settings)
