"""Legacy Word/Excel (.doc/.xls, and WPS/RTF by content) read through LibreOffice like their originals.

The originals are generated packets; LibreOffice converts their DOCX/XLSX files to
.doc/.xls (and RTF), and the converted packet must give the same indicators, lists,
sections and findings, with files under their own names and kinds of their family.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from extractors.readers.registry import read_member
from pipeline.core.document import FileKind
from pipeline.core.filetypes import detect_kind
from pipeline.core.settings import Settings
from pipeline.intake.packet import PacketMember
from sample_docs.generate import generate_packet
from tests.format_packets import comparable, process, soffice_convert

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (make demo) not installed")


def _member(path: Path) -> PacketMember:
    return PacketMember(name=path.name, path=path, kind=detect_kind(path), sha256="0" * 64)


@pytest.fixture(scope="module")
def docx_packet(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("legacy-docx")
    generate_packet("docx", root, seed=21)
    original = next((root / "packets").iterdir())
    legacy_dir = root / "legacy"
    legacy_dir.mkdir()
    (doc,) = soffice_convert([original], "doc", legacy_dir)
    return original, doc


def test_kinds_are_detected_by_content(docx_packet, tmp_path):
    _, doc = docx_packet
    disguised = tmp_path / "申报书.bin"
    shutil.copyfile(doc, disguised)
    assert detect_kind(disguised) is FileKind.LEGACY_WORD
    assert FileKind.LEGACY_WORD.contract_kind == "docx" and FileKind.LEGACY_SHEET.contract_kind == "xlsx"
    rtf = tmp_path / "x.dat"
    rtf.write_bytes(b"{\\rtf1\\ansi hello}")
    assert detect_kind(rtf) is FileKind.LEGACY_WORD


def test_a_doc_packet_reads_like_its_docx(docx_packet, tmp_path):
    original, doc = docx_packet
    want = process(original, tmp_path / "a", tmp_path / "da")
    got = process(doc, tmp_path / "b", tmp_path / "db")
    assert got["files"][0]["name"] == doc.name and got["files"][0]["kind"] == "docx"
    assert any(v["evidence"] and v["evidence"]["file"] == doc.name for v in got["indicators"].values())
    assert sum(v["value"] is not None for v in want["indicators"].values()) >= 10
    assert comparable(got) == comparable(want)


def test_xls_sheets_read_like_their_xlsx(tmp_path):
    generate_packet("folder", tmp_path, seed=5)
    original = next((tmp_path / "packets").iterdir())
    for picture in original.glob("*.png"):
        picture.unlink()  # keep OCR out of this test: the sheets are what it is about
    legacy = tmp_path / "legacy" / original.name
    shutil.copytree(original, legacy)
    sheets = sorted(legacy.glob("*.xlsx"))
    assert sheets
    soffice_convert(sheets, "xls", legacy)
    for sheet in sheets:
        sheet.unlink()
    want = process(original, tmp_path / "a", tmp_path / "da")
    got = process(legacy, tmp_path / "b", tmp_path / "db")
    kinds = {f["name"]: f["kind"] for f in got["files"]}
    assert all(kinds[s.with_suffix(".xls").name] == "xlsx" for s in sheets)
    assert got["lists"]["patents"] and got["lists"]["key_enterprises"]
    assert comparable(got) == comparable(want)


def test_rtf_is_read_as_docx(docx_packet, tmp_path):
    original, _ = docx_packet
    (rtf,) = soffice_convert([original], "rtf", tmp_path)
    outcome = read_member(_member(rtf), Settings(data_dir=tmp_path / "d", use_cache=False))
    assert outcome.document is not None and outcome.document.kind is FileKind.DOCX
    assert outcome.document.name == rtf.name
    assert "申报" in "\n".join(p.text() for p in outcome.document.pages)


def test_a_broken_legacy_file_is_unreadable_with_the_reason(tmp_path):
    broken = tmp_path / "坏文件.doc"
    ole_header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    broken.write_bytes(ole_header + "WordDocument".encode("utf-16-le") + b"\x00" * 4000)
    outcome = read_member(_member(broken), Settings(data_dir=tmp_path / "d", use_cache=False))
    assert outcome.document is None
    (finding,) = outcome.findings
    assert finding.code.value == "FILE_UNREADABLE" and "转换" in finding.message


def test_a_conversion_past_its_limit_is_unreadable(docx_packet, tmp_path):
    _, doc = docx_packet
    settings = Settings(data_dir=tmp_path / "d", use_cache=False, file_timeout_s=0.4)
    outcome = read_member(_member(doc), settings)
    assert outcome.document is None
    assert outcome.findings[0].code.value == "FILE_UNREADABLE"
    assert "超时" in outcome.findings[0].message
