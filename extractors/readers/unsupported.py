"""The finding for a file no reader takes: say what it is and what to send instead."""

from __future__ import annotations

import zipfile
from pathlib import PurePosixPath

from pipeline.core.document import FileKind
from pipeline.core.errors import FileEncrypted, FileProblem, FileUnreadable, FileUnsupported
from pipeline.core.filetypes import OLE2_MAGIC, ZIP_OPEN_ERRORS
from pipeline.intake.packet import PacketMember

_KIND_LABELS = {".pdf": "PDF", ".docx": "Word（DOCX）", ".xlsx": "Excel（XLSX）", ".jpg": "JPEG 图片", ".jpeg": "JPEG 图片",
                ".png": "PNG 图片", ".tif": "TIFF 图片", ".tiff": "TIFF 图片", ".bmp": "BMP 图片", ".gif": "GIF 图片",
                ".zip": "ZIP 压缩包"}


def _head(member: PacketMember, size: int) -> bytes:
    with open(member.path, "rb") as handle:
        return handle.read(size)


def unsupported_problem(member: PacketMember) -> FileProblem:
    """The finding for a member no reader takes: say what it is and what to send instead."""
    head = _head(member, 1024 * 1024)
    suffix = PurePosixPath(member.name).suffix.lower()
    if head.startswith(OLE2_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in head:
            return FileEncrypted(member.name, "Office 文件已加密")
        return FileUnsupported(member.name, "旧版 Office 格式（.doc/.xls/.ppt），请另存为 .docx/.xlsx 或 PDF 后提交")
    if head.startswith(b"Rar!\x1a\x07") or head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return FileUnsupported(member.name, "RAR/7z 压缩包，请改用 ZIP 格式")
    if head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc"):
        return FileUnsupported(member.name, "HEIC 图片，请转换为 JPEG 或 PDF")
    if head.startswith(b"PK"):
        zip_label = _zip_document_label(member)
        return FileUnsupported(member.name, f"{zip_label}，请转换为 PDF 后提交")
    if member.kind is FileKind.OTHER and suffix in _KIND_LABELS:
        # Named like a type we read, but its content is not: damaged or truncated, not unsupported.
        return FileUnreadable(member.name, f"扩展名为 {suffix}，但内容不是有效的{_KIND_LABELS[suffix]}文件（可能已损坏或被截断）")
    label = f"扩展名 {suffix}" if suffix else "未知类型"
    return FileUnsupported(member.name, label)


def _zip_document_label(member: PacketMember) -> str:
    try:
        with zipfile.ZipFile(member.path) as archive:
            names = set(archive.namelist())
    except ZIP_OPEN_ERRORS:
        return "已损坏的压缩格式文件"
    if "ppt/presentation.xml" in names:
        return "PowerPoint 演示文稿（PPTX）"
    if "OFD.xml" in names:
        return "OFD 版式文件"
    if "mimetype" in names:
        return "OpenDocument 文档"
    if "xl/workbook.bin" in names:
        return "Excel 二进制工作簿（XLSB）"
    return "未知的压缩格式文档"
