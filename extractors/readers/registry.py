"""One reader per file kind, behind one registry.

A reader takes a packet member and the settings and returns a `ReadOutcome`:
the document (possibly partial) and the findings met while reading. A reader
never raises for a bad file: `FileProblem` subclasses are turned into findings here,
and so is any other exception (one bad file never stops the packet).

DOCX and XLSX are read in a forked worker process that is killed after
`settings.file_timeout_s` (a timeout is a finding); PDF and image readers run in
this process and bound their own work per page (OCR timeouts). Inside a daemonic
process (which may not fork children) or with `file_timeout_s <= 0` every reader
runs in this process.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import multiprocessing
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Callable

from extractors.readers import cache
from pipeline.core.document import FileKind, SourceDocument
from pipeline.core.errors import FileEncrypted, FileProblem, FileUnreadable, FileUnsupported
from pipeline.core.filetypes import OLE2_MAGIC, ZIP_OPEN_ERRORS
from pipeline.intake.packet import PacketMember
from pipeline.core.result import Finding

log = logging.getLogger(__name__)

REGISTRY_VERSION = "1"


@dataclass
class ReadOutcome:
    document: SourceDocument | None  # None when nothing could be read
    findings: list[Finding] = field(default_factory=list)


Reader = Callable[[PacketMember, "Settings"], ReadOutcome]  # noqa: F821


@dataclass(frozen=True)
class _ReaderRef:
    """Where a reader lives; imported lazily so one missing reader never breaks the others."""

    module: str
    function: str
    in_worker: bool  # run in a killable worker process with the per-file time limit

    def load(self) -> Callable:
        return getattr(importlib.import_module(self.module), self.function)

    def version(self) -> str:
        """The reader's source fingerprint: editing a reader (or OCR) invalidates its cached documents."""
        module_file = Path(importlib.import_module(self.module).__file__)
        return f"{self.module}:{_source_digest((module_file, *_READING_SOURCES))}:registry-{REGISTRY_VERSION}"


_READERS_DIR = Path(__file__).resolve().parent
_ROOT = _READERS_DIR.parents[1]
# modules every reader's output depends on, besides the reader's own module
_READING_SOURCES = (
    *sorted((_ROOT / "extractors" / "ocr").glob("*.py")),
    _READERS_DIR / "registry.py",
    _ROOT / "pipeline" / "core" / "document.py",
)


@lru_cache(maxsize=None)
def _source_digest(paths: tuple[Path, ...]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


READERS: dict[FileKind, _ReaderRef] = {
    FileKind.PDF: _ReaderRef("extractors.readers.pdf", "read_pdf", in_worker=False),
    FileKind.IMAGE: _ReaderRef("extractors.readers.image", "read_image", in_worker=False),
    FileKind.DOCX: _ReaderRef("extractors.readers.docx", "read_docx", in_worker=True),
    FileKind.XLSX: _ReaderRef("extractors.readers.xlsx", "read_xlsx", in_worker=True),
}

_KIND_LABELS = {".pdf": "PDF", ".docx": "Word（DOCX）", ".xlsx": "Excel（XLSX）", ".jpg": "JPEG 图片", ".jpeg": "JPEG 图片",
                ".png": "PNG 图片", ".tif": "TIFF 图片", ".tiff": "TIFF 图片", ".bmp": "BMP 图片", ".gif": "GIF 图片",
                ".zip": "ZIP 压缩包"}


def read_member(member: PacketMember, settings) -> ReadOutcome:
    """Read one member with the reader registered for its kind."""
    try:
        size = member.path.stat().st_size
    except OSError as error:
        return _problem(FileUnreadable(member.name, f"无法打开文件（{_one_line(error)}）"))
    if size == 0:
        return _problem(FileUnreadable(member.name, "文件为空（0 字节）"))
    reader = READERS.get(member.kind)
    if reader is None:
        return _problem(unsupported_problem(member))

    key = None
    if settings.use_cache:
        try:
            key = cache.cache_key(member.sha256, reader.version(), settings)
        except Exception as error:  # the reader module itself fails to import: report, never crash
            return _problem(FileUnreadable(member.name, f"读取程序出错（{_one_line(error)}）"))
        hit = cache.load(settings.cache_dir, key, member.name)
        if hit is not None:
            return ReadOutcome(*hit)

    if reader.in_worker and settings.file_timeout_s and settings.file_timeout_s > 0 and not multiprocessing.current_process().daemon:
        outcome = _read_in_worker(reader, member, settings)
    else:
        outcome = _read_here(reader, member, settings)

    if key is not None and outcome.document is not None:
        try:
            cache.store(settings.cache_dir, key, outcome.document, outcome.findings)
        except OSError as error:
            log.warning("could not cache %s: %s", member.name, error)
    return outcome


def _problem(problem: FileProblem) -> ReadOutcome:
    return ReadOutcome(document=None, findings=[problem.to_finding()])


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return f"{type(error).__name__}: {text}"[:180]


def _normalise(result) -> ReadOutcome:
    """Accept what a reader returns: a ReadOutcome, a bare document, or (document, findings)."""
    if isinstance(result, ReadOutcome):
        return result
    if isinstance(result, SourceDocument):
        return ReadOutcome(document=result)
    if isinstance(result, tuple) and len(result) == 2:
        return ReadOutcome(document=result[0], findings=list(result[1]))
    raise TypeError(f"reader returned {type(result).__name__}, expected ReadOutcome")


def _read_here(reader: _ReaderRef, member: PacketMember, settings) -> ReadOutcome:
    try:
        return _normalise(reader.load()(member, settings))
    except FileProblem as problem:
        return _problem(problem)
    except Exception as error:  # any reader bug or library failure on hostile input: a finding, not a crash
        log.exception("reader failed on %s", member.name)
        return _problem(FileUnreadable(member.name, f"读取时出错（{_one_line(error)}）"))


# --------------------------------------------------------------------------- worker process


def _worker_main(reader: _ReaderRef, member: PacketMember, settings, conn) -> None:
    """Runs in the worker: send back JSON (exceptions with custom __init__ do not pickle)."""
    outcome = _read_here(reader, member, settings)
    document_json = outcome.document.model_dump_json() if outcome.document is not None else None
    conn.send((document_json, [f.model_dump_json() for f in outcome.findings]))
    conn.close()


def _worker_context():
    # fork: ~10 ms a file, and no re-import of the __main__ module (spawn/forkserver would
    # re-run the caller's script). CPython takes the import lock around fork and logging
    # re-creates its locks in the child, so a fork from a threaded flow runner is safe here.
    return multiprocessing.get_context("fork")


def _read_in_worker(reader: _ReaderRef, member: PacketMember, settings) -> ReadOutcome:
    try:
        reader.load()  # import in the parent, so each forked worker starts with it loaded
    except Exception as error:  # a broken reader module: report it on the file, never crash the packet
        return _problem(FileUnreadable(member.name, f"读取程序出错（{_one_line(error)}）"))
    context = _worker_context()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_worker_main, args=(reader, member, settings, sender), daemon=True)
    try:
        process.start()
    except OSError as error:  # no process to spare (limits, memory): read here, without the time limit
        log.warning("cannot start a reader process for %s (%s); reading in this process", member.name, error)
        receiver.close()
        sender.close()
        return _read_here(reader, member, settings)
    sender.close()
    try:
        if not receiver.poll(settings.file_timeout_s):
            process.kill()
            return _problem(FileUnreadable(member.name, f"读取超时（超过 {settings.file_timeout_s:g} 秒），已跳过该文件"))
        try:
            document_json, findings_json = receiver.recv()
        except EOFError:
            process.join(5)
            return _problem(FileUnreadable(member.name, f"读取进程异常退出（退出码 {process.exitcode}），文件可能已损坏或过大"))
    finally:
        receiver.close()
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join()
    document = SourceDocument.model_validate_json(document_json) if document_json is not None else None
    return ReadOutcome(document=document, findings=[Finding.model_validate_json(f) for f in findings_json])


# --------------------------------------------------------------------------- unsupported kinds


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
