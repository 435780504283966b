""".doc/.wps/.rtf and .xls/.et → DOCX/XLSX by LibreOffice headless, then read by those readers.

This module is the one place that knows LibreOffice's command line. Each conversion
runs inside the reader's worker (so it is under the same time and memory limits as
every reader: the address-space cap is inherited by `soffice`), in a private
temporary directory that also holds its own LibreOffice profile
(`-env:UserInstallation`), so parallel conversions never share one. The conversion
is given a share of the file's time limit and its whole process group is killed
past it, so no `soffice` outlives its worker.

The document read from the converted file keeps the original's name and hash, and
is of the family it was read as (DOCX or XLSX); a conversion that fails or times
out is FILE_UNREADABLE with the reason.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Iterator

from extractors.readers import docx, xlsx
from extractors.readers.embedded import ocr_picture, text_pictures, workbook_pictures
from extractors.readers.outcome import FirstRead, ReadOutcome, finish_read
from pipeline.core.document import FileKind
from pipeline.core.errors import FileUnreadable
from pipeline.core.filetypes import RTF_MAGIC
from pipeline.core.workers import run_program
from pipeline.intake.packet import PacketMember

SOFFICE = "soffice"
# the conversion's share of the file's time limit: the rest is for reading the result
CONVERT_SHARE = 0.75
CONVERT_TIMEOUT_NO_LIMIT_S = 300.0  # when limits are off (`file_timeout_s <= 0`)
_TARGETS = {
    FileKind.LEGACY_WORD: ("docx", "docx:MS Word 2007 XML", FileKind.DOCX),
    FileKind.LEGACY_SHEET: ("xlsx", "xlsx:Calc MS Excel 2007 XML", FileKind.XLSX),
}
_LABELS = {FileKind.LEGACY_WORD: "Word/WPS 文字文档", FileKind.LEGACY_SHEET: "Excel/WPS 表格"}


def convert_timeout(settings) -> float:
    limit = settings.file_timeout_s
    return limit * CONVERT_SHARE if limit and limit > 0 else CONVERT_TIMEOUT_NO_LIMIT_S


def _source_suffix(member: PacketMember) -> str:
    if member.kind is FileKind.LEGACY_SHEET:
        return ".xls"
    with open(member.path, "rb") as handle:
        head = handle.read(64)
    return ".rtf" if RTF_MAGIC in head else ".doc"


def _tail(text: bytes) -> str:
    return " ".join(text.decode("utf-8", "replace").split())[-160:]


@contextmanager
def converted(member: PacketMember, settings) -> Iterator[Path]:
    """The member converted to DOCX/XLSX in a private directory, removed afterwards."""
    if shutil.which(SOFFICE) is None:
        raise FileUnreadable(member.name, "无法转换旧版 Office/WPS 文件：未安装 LibreOffice（soffice），请运行 make demo 安装")
    extension, target, _ = _TARGETS[member.kind]
    label = _LABELS[member.kind]
    work = Path(tempfile.mkdtemp(prefix="ci-convert-"))
    try:
        source = work / f"source{_source_suffix(member)}"
        shutil.copyfile(member.path, source)  # a plain ASCII name: LibreOffice and the shell never see the packet's
        command = [SOFFICE, "--headless", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
                   f"-env:UserInstallation={(work / 'profile').as_uri()}", "--convert-to", target,
                   "--outdir", str(work / "out"), str(source)]
        timeout = convert_timeout(settings)
        run = run_program(command, timeout, env={**os.environ, "HOME": str(work)})
        if run.returncode is None:
            raise FileUnreadable(member.name, f"{label}转换为 {extension.upper()} 超时（超过 {timeout:.0f} 秒），已中止")
        result = work / "out" / f"source.{extension}"
        if run.returncode != 0 or not result.is_file() or result.stat().st_size == 0:
            detail = _tail(run.output) or f"退出码 {run.returncode}"
            raise FileUnreadable(member.name, f"{label}无法转换为 {extension.upper()}（文件可能已损坏或加密：{detail}）")
        yield result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def read_legacy(member: PacketMember, settings) -> FirstRead | ReadOutcome:
    """Convert, then read with the DOCX/XLSX reader under the original's name and hash."""
    _, _, family = _TARGETS[member.kind]
    with converted(member, settings) as path:
        as_family = replace(member, path=path, kind=family)
        if family is FileKind.DOCX:
            outcome, pictures = docx.read_docx_body(as_family, settings)
        else:
            outcome, pictures = xlsx.read_xlsx(as_family, settings), workbook_pictures(path)
        # the converted file lives only here: its pictures are OCR'd in this step, under the file's limit
        chosen = text_pictures(path, pictures, settings)
        pages = outcome.document.page_count or 0
        outcome.document = outcome.document.model_copy(update={"page_count": pages + len(chosen)})
        reads = [ocr_picture(path, member.name, pages + k, picture, settings) for k, picture in enumerate(chosen, start=1)]
    return finish_read(FirstRead(outcome), reads)
