"""What a file is, decided by its bytes, and whether an Office/ZIP container is safe to open.

Loading (`pipeline.intake`) and the readers (`extractors.readers`) both ask; neither owns the answer.
"""

from __future__ import annotations

import lzma
import zipfile
import zlib
from pathlib import Path

from pipeline.core.document import FileKind

MAGIC_WINDOW = 1024  # `%PDF` may follow a little junk within the first KB
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
RTF_MAGIC = b"{\\rtf"
OLE2_SCAN_BYTES = 16 * 1024 * 1024  # OLE2 directory sectors are looked for in this much of the file
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
RATIO_CHECK_FLOOR = 1024 * 1024  # small entries compress well legitimately; test the ratio above 1 MiB
_CHUNK = 1024 * 1024

# What zipfile raises on a damaged archive: a bad structure (BadZipFile, ValueError,
# EOFError, OSError), an unknown "version needed" or compression (NotImplementedError),
# or a corrupt compressed stream (zlib/lzma errors, EOFError).
ZIP_OPEN_ERRORS = (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError)
ZIP_READ_ERRORS = (*ZIP_OPEN_ERRORS, zlib.error, lzma.LZMAError)

# Office-like containers that are ZIPs underneath but are documents, not archives.
_DOCUMENT_CONTAINER_MARKERS = ("[Content_Types].xml", "mimetype", "OFD.xml", "META-INF/MANIFEST.MF")

def _is_image_head(head: bytes) -> bool:
    return (
        head.startswith(b"\x89PNG\r\n\x1a\n")
        or head.startswith(b"\xff\xd8\xff")
        or head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
        or head[:6] in (b"GIF87a", b"GIF89a")
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
        or (head[:2] == b"BM" and len(head) >= 18 and int.from_bytes(head[14:18], "little") in (12, 40, 52, 56, 64, 108, 124))
    )


def zip_kind(path: Path) -> FileKind | None:
    """DOCX / XLSX / ZIP (a plain archive) / OTHER (another document container), None if unreadable."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except ZIP_OPEN_ERRORS:
        return None
    if "word/document.xml" in names:
        return FileKind.DOCX
    if "xl/workbook.xml" in names:
        return FileKind.XLSX
    if "OFD.xml" in names:
        return FileKind.OFD
    if any(marker in names for marker in _DOCUMENT_CONTAINER_MARKERS):
        return FileKind.OTHER  # pptx, xlsb, odt, jar, epub: documents, never unpacked
    return FileKind.ZIP


def detect_kind(path: Path) -> FileKind:
    """Kind by magic bytes (then by a look inside ZIP containers); extension only as a last hint."""
    with open(path, "rb") as handle:
        head = handle.read(MAGIC_WINDOW)
    if not head:
        return FileKind.OTHER  # empty: the registry reports it as unreadable
    if head.startswith(ZIP_MAGICS):
        kind = zip_kind(path)
        if kind is not None:
            return kind
        # A damaged ZIP: the extension says what it was meant to be, so the right reader
        # (or the unpacker) reports it as corrupt rather than as an unsupported type.
        suffix = path.suffix.lower()
        if suffix in (".docx", ".docm"):
            return FileKind.DOCX
        if suffix in (".xlsx", ".xlsm"):
            return FileKind.XLSX
        return FileKind.ZIP
    if b"%PDF" in head:
        return FileKind.PDF
    if _is_image_head(head):
        return FileKind.IMAGE
    if head.startswith(OLE2_MAGIC):
        return ole2_kind(path)
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(RTF_MAGIC):
        return FileKind.LEGACY_WORD
    return FileKind.OTHER  # encrypted Office, RAR, text, ...


def _ole2_stream_names(path: Path) -> bytes:
    """The bytes where an OLE2 file's directory may lie: the whole file up to a bound, else its ends."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        if size <= OLE2_SCAN_BYTES:
            return handle.read()
        head = handle.read(OLE2_SCAN_BYTES // 2)
        handle.seek(size - OLE2_SCAN_BYTES // 2)
        return head + handle.read()


def ole2_kind(path: Path) -> FileKind:
    """A Word 97-2003 / WPS document or an Excel 97-2003 / WPS ET workbook, by its stream names.

    An encrypted OOXML file (an OLE2 holding `EncryptedPackage`) and other OLE2 files
    (.ppt, .msg) are OTHER: the registry reports them as encrypted or unsupported.
    """
    data = _ole2_stream_names(path)
    if _utf16(b"EncryptedPackage") in data:
        return FileKind.OTHER
    if _utf16(b"WordDocument") in data:
        return FileKind.LEGACY_WORD
    if _utf16(b"Workbook\x00") in data or _utf16(b"Book\x00") in data:
        return FileKind.LEGACY_SHEET
    return FileKind.OTHER


def _utf16(name: bytes) -> bytes:
    return name.decode("ascii").encode("utf-16-le")


def office_zip_problem(path: Path, settings) -> str | None:
    """Why a DOCX/XLSX container must not be opened (corrupt, encrypted, or a zip bomb), if so.

    zipfile never inflates past an entry's declared size, so checking the declared
    sizes first bounds what the integrity pass (and later a reader) can be made to
    inflate. The integrity pass inflates every entry once and checks its CRC, so a
    damaged stream is reported here in plain words instead of surfacing as a zlib
    error deep inside python-docx or openpyxl.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            problem = _declared_size_problem(infos, settings)
            if problem:
                return problem
            for info in infos:
                if info.flag_bits & 0x1:
                    return f"文件内部条目“{info.filename}”已加密"
                with archive.open(info) as stream:
                    while stream.read(_CHUNK):
                        pass  # reading to the end is the check: zipfile verifies the CRC-32 at EOF
    except ZIP_READ_ERRORS as error:
        return f"不是有效的 Office 文件（ZIP 结构或压缩数据损坏：{_one_line(error)}）"
    return None


def _declared_size_problem(infos: list[zipfile.ZipInfo], settings) -> str | None:
    if len(infos) > settings.zip_max_entries:
        return f"文件内部条目过多（{len(infos)} 个）"
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > settings.zip_max_entry_bytes or total > settings.zip_max_total_bytes:
            return "文件内部数据解压后过大（疑似压缩炸弹）"
        if info.file_size > RATIO_CHECK_FLOOR and info.file_size > settings.zip_max_ratio * max(info.compress_size, 1):
            return "文件内部压缩比异常（疑似压缩炸弹）"
    return None


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return f"{type(error).__name__}: {text}"[:180]
