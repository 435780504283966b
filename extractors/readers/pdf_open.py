"""Opening a PDF: its password, pdfplumber with the page tree parsed, qpdf repair, PDFium."""

from __future__ import annotations

import io
import logging
import threading
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import pdfplumber
import pikepdf
import pypdfium2 as pdfium
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException

from pipeline.core.errors import FileEncrypted

log = logging.getLogger(__name__)

# PDFium is not thread-safe: one render at a time (0.1 s a page, against ~1-2 s of OCR).
PDFIUM_LOCK = threading.Lock()


# ---------------------------------------------------------------- opening


def password_for(file_name: str, settings) -> str | None:
    """The configured password for a file: by its packet path, else by its bare name."""
    passwords: dict[str, str] = settings.pdf_passwords
    return passwords.get(file_name) or passwords.get(PurePosixPath(file_name).name)


def _is_encryption_error(error: BaseException) -> bool:
    causes = [error, *getattr(error, "args", ())]
    return any(isinstance(c, (PDFPasswordIncorrect, PDFEncryptionError)) for c in causes)


def encrypted(file_name: str, password: str | None) -> FileEncrypted:
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
        raise encrypted(file_name, password) from e


@dataclass
class Opened:
    pdf: Any  # pdfplumber.PDF
    repaired: bool
    damage: str | None  # why the file needed repair, for the finding


def open_pdfplumber(path: Path, file_name: str, password: str | None) -> Opened:
    try:
        return Opened(pdfplumber_with_pages(path, password), repaired=False, damage=None)
    except DAMAGE_ERRORS as e:
        if _is_encryption_error(e):
            raise encrypted(file_name, password) from e
        inner = e.args[0] if isinstance(e, PdfminerException) and e.args else e
        damage = str(inner) if isinstance(inner, EmptyPageTree) else type(inner).__name__
    data = _repaired_bytes(path, file_name, password)  # pikepdf.PdfError propagates to the caller
    return Opened(pdfplumber_with_pages(io.BytesIO(data), None), repaired=True, damage=damage)


def pdfplumber_with_pages(source, password: str | None):
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
DAMAGE_ERRORS = (PdfminerException, EmptyPageTree, MalformedPDFException, TypeError, ValueError, KeyError, AttributeError)


def open_pdfium(path: Path, file_name: str, password: str | None) -> pdfium.PdfDocument:
    """PDFium document (call under `PDFIUM_LOCK`); a damaged file is repaired first."""
    try:
        return pdfium.PdfDocument(path, password=password)
    except pdfium.PdfiumError as e:
        if "password" in str(e).lower():
            raise encrypted(file_name, password) from e
        return pdfium.PdfDocument(_repaired_bytes(path, file_name, password), password=None)
