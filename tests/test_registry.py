"""The reader registry: dispatch, problems as findings, the per-file time limit and the content cache."""

from __future__ import annotations

import hashlib
import shutil
import zipfile
from pathlib import Path

import docx
import pytest

import json

from extractors.readers.registry import READERS, ReadOutcome, Reader, read_member
from extractors.readers import cache
from pipeline.core.document import FileKind, Table
from pipeline.core.filetypes import detect_kind
from pipeline.intake.packet import PacketMember
from pipeline.core.result import FindingCode, Severity
from pipeline.core.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", use_cache=False, file_timeout_s=60)


def _member(path: Path, name: str | None = None, kind: FileKind | None = None) -> PacketMember:
    return PacketMember(
        name=name or path.name,
        path=path,
        kind=kind or detect_kind(path),
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
    )


def _write_docx(path: Path, paragraphs: int = 3) -> Path:
    document = docx.Document()
    document.add_heading("集群内重点企业名单", level=1)
    for i in range(paragraphs):
        document.add_paragraph(f"第{i + 1}段：鹤壁天成食品科技股份有限公司")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "企业名称", "荣誉"
    document.save(str(path))
    return path


def _only_finding(outcome: ReadOutcome):
    assert outcome.document is None
    assert len(outcome.findings) == 1
    return outcome.findings[0]


# --------------------------------------------------------------------------- dispatch and problems


def test_docx_is_read_in_a_worker(tmp_path: Path, settings: Settings) -> None:
    outcome = read_member(_member(_write_docx(tmp_path / "03 重点企业名单.docx")), settings)
    assert outcome.findings == []
    doc = outcome.document
    assert doc.name == "03 重点企业名单.docx" and doc.kind is FileKind.DOCX
    assert [line.text for line in doc.pages[0].lines()][:2] == ["集群内重点企业名单", "第1段：鹤壁天成食品科技股份有限公司"]


def test_docx_read_in_process_when_the_time_limit_is_off(tmp_path: Path, settings: Settings) -> None:
    member = _member(_write_docx(tmp_path / "a.docx"))
    in_worker = read_member(member, settings)
    in_process = read_member(member, settings.model_copy(update={"file_timeout_s": 0}))
    assert in_process.document == in_worker.document


def test_zero_byte_file_is_unreadable_not_unsupported(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "22 情况说明.docx"
    path.write_bytes(b"")
    finding = _only_finding(read_member(_member(path), settings))
    assert finding.code is FindingCode.FILE_UNREADABLE and finding.severity is Severity.ERROR
    assert "为空" in finding.message and finding.evidence[0].file == "22 情况说明.docx"


@pytest.mark.parametrize(
    "name, content, code, says",
    [
        ("宣传片.mp4", b"\x00\x00\x00\x20ftypisom" + bytes(200), FindingCode.FILE_UNSUPPORTED, ".mp4"),
        ("申报表.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1000), FindingCode.FILE_UNSUPPORTED, "旧版 Office"),
        ("加密.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "EncryptedPackage".encode("utf-16-le") + bytes(500),
         FindingCode.FILE_ENCRYPTED, "密码"),
        ("材料.rar", b"Rar!\x1a\x07\x01\x00" + bytes(100), FindingCode.FILE_UNSUPPORTED, "RAR"),
        ("损坏.pdf", b"\x00\x01garbage that is no PDF at all", FindingCode.FILE_UNREADABLE, "不是有效的PDF"),
        ("伪装.docx", "纯文本内容".encode(), FindingCode.FILE_UNREADABLE, "不是有效的Word"),
    ],
)
def test_unread_kinds_say_what_they_are(tmp_path: Path, settings: Settings, name: str, content: bytes, code, says: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    member = _member(path)
    assert member.kind is FileKind.OTHER
    finding = _only_finding(read_member(member, settings))
    assert finding.code is code
    assert says in finding.message + finding.evidence[0].text
    assert finding.evidence[0].file == name


def test_office_presentation_is_unsupported(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "汇报.pptx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("ppt/presentation.xml", "<p/>")
    finding = _only_finding(read_member(_member(path), settings))
    assert finding.code is FindingCode.FILE_UNSUPPORTED and "PowerPoint" in finding.message


def test_corrupt_docx_is_a_finding_from_the_worker(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "01 申报表.docx"
    path.write_bytes(b"PK\x03\x04" + b"\x00damaged" * 30)
    member = _member(path)
    assert member.kind is FileKind.DOCX
    finding = _only_finding(read_member(member, settings))
    assert finding.code is FindingCode.FILE_UNREADABLE and "损坏" in finding.message


def test_docx_named_pdf_is_read_as_docx(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "申报表.pdf"
    shutil.copy(_write_docx(tmp_path / "src.docx"), path)
    outcome = read_member(_member(path), settings)
    assert outcome.findings == [] and outcome.document.kind is FileKind.DOCX


def test_a_reader_that_runs_too_long_is_stopped(tmp_path: Path, settings: Settings) -> None:
    # long enough to outlast pebble's timeout poll (every 0.1 s) on a fast machine (4000 paragraphs were read before it looked, 1 run in 6)
    member = _member(_write_docx(tmp_path / "长文档.docx", paragraphs=20000))
    finding = _only_finding(read_member(member, settings.model_copy(update={"file_timeout_s": 0.02})))
    assert finding.code is FindingCode.FILE_UNREADABLE and "超时" in finding.message


def test_an_unexpected_reader_error_becomes_a_finding(tmp_path: Path, settings: Settings, monkeypatch) -> None:
    member = _member(_write_docx(tmp_path / "a.docx"))
    monkeypatch.setitem(READERS, FileKind.DOCX, Reader(json.loads))  # a real function that rejects these arguments
    in_process = settings.model_copy(update={"file_timeout_s": 0})  # the patched registry lives in this process
    finding = _only_finding(read_member(member, in_process))
    assert finding.code is FindingCode.FILE_UNREADABLE and "TypeError" in finding.message


def test_pdf_members_go_to_the_pdf_reader(tmp_path: Path, settings: Settings) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("WQY", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", subfontIndex=0))
    path = tmp_path / "02 核查说明.pdf"
    page = canvas.Canvas(str(path))
    page.setFont("WQY", 14)
    page.drawString(72, 720, "现场核查符合性说明")
    page.save()
    outcome = read_member(_member(path), settings)
    assert outcome.document is not None and outcome.document.kind is FileKind.PDF
    assert "现场核查符合性说明" in outcome.document.pages[0].text().replace(" ", "")


# --------------------------------------------------------------------------- cache


def test_cache_hit_is_restamped_with_the_current_name(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", use_cache=True, file_timeout_s=60)
    original = _member(_write_docx(tmp_path / "03 名单.docx"))
    first = read_member(original, settings)
    entries = list((settings.cache_dir / "documents").rglob("*.json"))
    assert len(entries) == 1 and not list((settings.cache_dir / "documents").rglob("*.tmp"))

    # Same bytes under another name; the path now points at junk, so only the cache can answer.
    junk = tmp_path / "junk.docx"
    junk.write_bytes(b"not a docx")
    renamed = PacketMember(name="附件/重点企业名单.docx", path=junk, kind=FileKind.DOCX, sha256=original.sha256)
    second = read_member(renamed, settings)
    assert second.findings == []
    assert second.document.name == "附件/重点企业名单.docx"
    assert second.document.pages[0].text() == first.document.pages[0].text()
    for _, block in second.document.iter_blocks():
        assert block.prov.file == "附件/重点企业名单.docx"
        if isinstance(block, Table):
            assert all(c.prov.file == "附件/重点企业名单.docx" for row in block.rows for c in row)

    # A setting that changes reading is part of the key: a miss, so the junk is read and reported.
    other = read_member(renamed, settings.model_copy(update={"ocr_dpi": 200}))
    assert other.document is None and other.findings[0].code is FindingCode.FILE_UNREADABLE


def test_cached_findings_follow_the_rename(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", use_cache=True)
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "=1+1"  # a formula-only sheet: one finding naming the file
    path = tmp_path / "旧名.xlsx"
    workbook.save(str(path))
    member = _member(path)
    assert read_member(member, settings).findings[0].evidence[0].file == "旧名.xlsx"
    renamed = PacketMember(name="新名.xlsx", path=path, kind=FileKind.XLSX, sha256=member.sha256)
    finding = read_member(renamed, settings).findings[0]
    assert finding.evidence[0].file == "新名.xlsx" and "新名.xlsx" in finding.message and "旧名" not in finding.message


def test_failures_are_not_cached_and_a_damaged_entry_is_a_miss(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", use_cache=True)
    broken = tmp_path / "坏.docx"
    broken.write_bytes(b"PK\x03\x04broken")
    read_member(_member(broken), settings)
    assert not (settings.cache_dir / "documents").exists()

    member = _member(_write_docx(tmp_path / "好.docx"))
    read_member(member, settings)
    (entry,) = (settings.cache_dir / "documents").rglob("*.json")
    entry.write_text("{half an entry", encoding="utf-8")
    again = read_member(member, settings)
    assert again.document is not None and again.findings == []
    assert cache.load(settings.cache_dir, entry.stem, "好.docx") is not None  # rewritten whole


def test_cache_key_depends_on_reading_settings_only(tmp_path: Path) -> None:
    base = Settings(data_dir=tmp_path / "a")
    same = Settings(data_dir=tmp_path / "b", workers=8, ruleset="2022")
    assert cache.cache_key("ab" * 32, "docx-1", base) == cache.cache_key("ab" * 32, "docx-1", same)
    for change in ({"ocr_engine": "rapidocr"}, {"ocr_lang": "chi_sim+eng"}, {"ocr_dpi": 200}, {"ocr_psm": 6}):
        assert cache.cache_key("ab" * 32, "docx-1", base) != cache.cache_key("ab" * 32, "docx-1", base.model_copy(update=change))
    assert cache.cache_key("ab" * 32, "docx-1", base) != cache.cache_key("ab" * 32, "docx-2", base)


def test_cache_write_is_atomic_and_readable(tmp_path: Path) -> None:
    doc = read_member(_member(_write_docx(tmp_path / "a.docx")), Settings(data_dir=tmp_path / "d", use_cache=False)).document
    cache.store(tmp_path / "c", "ff" + "0" * 62, doc, [])
    loaded, findings = cache.load(tmp_path / "c", "ff" + "0" * 62, "b.docx")
    assert loaded.name == "b.docx" and findings == []
    assert [p.name for p in (tmp_path / "c" / "documents" / "ff").iterdir()] == ["ff" + "0" * 62 + ".json"]
    assert "a.docx" not in loaded.model_dump_json()
