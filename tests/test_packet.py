"""Packet loading on real files: kinds by content, folders, and hostile ZIPs."""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from PIL import Image

from pipeline.core.document import FileKind
from pipeline.core.errors import UsageError
from pipeline.core.filetypes import detect_kind
from pipeline.intake.packet import load_packet, natural_key
from pipeline.core.result import FindingCode
from pipeline.core.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", use_cache=False)


def _docx_bytes(text: str = "集群申报表") -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["专利号", "名称"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _image_bytes(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, format=fmt)
    return buffer.getvalue()


def _zip_bytes(entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return buffer.getvalue()


class _GbkName(zipfile.ZipInfo):
    """An entry name stored as GBK bytes without the UTF-8 flag, as Chinese Windows tools write it."""

    def _encodeFilenameFlags(self):  # noqa: N802 (zipfile's hook)
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def _mark_encrypted(data: bytes, name: str) -> bytes:
    """Set the 'encrypted' flag of one entry (zipfile cannot write encrypted entries)."""
    patched = bytearray(data)
    encoded = name.encode()
    for signature, flag_offset, name_offset in ((b"PK\x03\x04", 6, 30), (b"PK\x01\x02", 8, 46)):
        at = patched.find(signature)
        while at != -1:
            if patched[at + name_offset : at + name_offset + len(encoded)] == encoded:
                patched[at + flag_offset] |= 0x1
            at = patched.find(signature, at + 1)
    return bytes(patched)


def _files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file() or p.is_symlink()}


def _codes(packet) -> list[FindingCode]:
    return [f.code for f in packet.findings]


# --------------------------------------------------------------------------- kinds


@pytest.mark.parametrize(
    "content, kind",
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", FileKind.PDF),
        (b"\r\n\x00junk before the header" * 10 + b"%PDF-1.4\n", FileKind.PDF),
        (_image_bytes("PNG"), FileKind.IMAGE),
        (_image_bytes("JPEG"), FileKind.IMAGE),
        (_image_bytes("TIFF"), FileKind.IMAGE),
        (_image_bytes("BMP"), FileKind.IMAGE),
        (_image_bytes("GIF"), FileKind.IMAGE),
        (_docx_bytes(), FileKind.DOCX),
        (_xlsx_bytes(), FileKind.XLSX),
        (_zip_bytes([("a.txt", b"hello")]), FileKind.ZIP),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), FileKind.OTHER),
        (_zip_bytes([("[Content_Types].xml", b"<Types/>"), ("ppt/presentation.xml", b"<p/>")]), FileKind.OTHER),
        (b"just some text\n", FileKind.OTHER),
        (b"", FileKind.OTHER),
    ],
    ids=["pdf", "pdf-after-junk", "png", "jpeg", "tiff", "bmp", "gif", "docx", "xlsx", "zip", "ole2", "pptx", "text", "empty"],
)
def test_detect_kind_by_content(tmp_path: Path, content: bytes, kind: FileKind) -> None:
    path = tmp_path / "file.bin"
    path.write_bytes(content)
    assert detect_kind(path) is kind


def test_docx_named_pdf_is_docx(tmp_path: Path) -> None:
    path = tmp_path / "申报表.pdf"
    path.write_bytes(_docx_bytes())
    assert detect_kind(path) is FileKind.DOCX


def test_damaged_zip_keeps_the_kind_its_extension_promises(tmp_path: Path) -> None:
    broken = b"PK\x03\x04" + bytes(100)
    (tmp_path / "a.docx").write_bytes(broken)
    (tmp_path / "a.zip").write_bytes(broken)
    assert detect_kind(tmp_path / "a.docx") is FileKind.DOCX  # the DOCX reader reports it as corrupt
    assert detect_kind(tmp_path / "a.zip") is FileKind.ZIP  # the unpacker reports it as corrupt


def test_natural_order() -> None:
    names = ["10 治理.pdf", "2 核查.pdf", "1 申报表.docx", "01-附件.pdf"]
    assert sorted(names, key=natural_key) == ["1 申报表.docx", "01-附件.pdf", "2 核查.pdf", "10 治理.pdf"]


# --------------------------------------------------------------------------- files and folders


def test_single_file_packet(tmp_path: Path, settings: Settings) -> None:
    source = tmp_path / "浚县 食品.docx"
    source.write_bytes(_docx_bytes())
    packet = load_packet(source, tmp_path / "work", settings)
    assert packet.packet_id == "浚县_食品"
    assert [(m.name, m.kind) for m in packet.members] == [("浚县 食品.docx", FileKind.DOCX)]
    assert packet.members[0].sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert packet.findings == []


def test_missing_source_is_a_usage_error(tmp_path: Path, settings: Settings) -> None:
    with pytest.raises(UsageError):
        load_packet(tmp_path / "nope", tmp_path / "work", settings)


def test_folder_recursive_in_name_order_without_litter(tmp_path: Path, settings: Settings) -> None:
    root = tmp_path / "packet"
    (root / "附件" / "子目录").mkdir(parents=True)
    (root / "__MACOSX").mkdir()
    (root / "10 治理.pdf").write_bytes(b"%PDF-1.4\n")
    (root / "2 核查.pdf").write_bytes(b"%PDF-1.4\n")
    (root / "附件" / "子目录" / "专利.xlsx").write_bytes(_xlsx_bytes())
    (root / "附件" / "空文件.docx").write_bytes(b"")
    for litter in (".DS_Store", "Thumbs.db", "~$申报表.docx", "__MACOSX/._2 核查.pdf"):
        (root / litter).write_bytes(b"junk")
    packet = load_packet(root, tmp_path / "work", settings)
    assert [m.name for m in packet.members] == ["2 核查.pdf", "10 治理.pdf", "附件/子目录/专利.xlsx", "附件/空文件.docx"]
    assert [m.kind for m in packet.members] == [FileKind.PDF, FileKind.PDF, FileKind.XLSX, FileKind.OTHER]
    assert packet.findings == []  # the empty file is the registry's to report, once


def test_folder_symlink_leaving_the_folder_is_not_read(tmp_path: Path, settings: Settings) -> None:
    root = tmp_path / "packet"
    root.mkdir()
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(b"%PDF-1.4\n")
    (root / "link.pdf").symlink_to(secret)
    packet = load_packet(root, tmp_path / "work", settings)
    assert packet.members == []
    assert _codes(packet) == [FindingCode.FILE_UNREADABLE]
    assert packet.findings[0].evidence[0].file == "link.pdf"


# --------------------------------------------------------------------------- ZIPs


def test_zip_packet_with_gbk_and_utf8_names(tmp_path: Path, settings: Settings) -> None:
    source = tmp_path / "浚县食品.zip"
    source.write_bytes(
        _zip_bytes(
            [
                (_GbkName("01 申报表.docx"), _docx_bytes()),
                (_GbkName("材料/08 专利清单.xlsx"), _xlsx_bytes()),
                ("12 碳排放监测机制.png", _image_bytes("PNG")),  # zipfile sets the UTF-8 flag
                ("__MACOSX/._01 申报表.docx", b"junk"),
                ("材料/", b""),
            ]
        )
    )
    workdir = tmp_path / "work"
    packet = load_packet(source, workdir, settings)
    assert [(m.name, m.kind) for m in packet.members] == [
        ("01 申报表.docx", FileKind.DOCX),
        ("12 碳排放监测机制.png", FileKind.IMAGE),
        ("材料/08 专利清单.xlsx", FileKind.XLSX),
    ]
    assert packet.findings == []
    for member in packet.members:
        assert member.path.is_relative_to(workdir)
        assert member.sha256 == hashlib.sha256(member.path.read_bytes()).hexdigest()


def test_hostile_entries_are_refused_and_nothing_lands_outside(tmp_path: Path, settings: Settings) -> None:
    link = zipfile.ZipInfo("link.pdf")
    link.external_attr = 0o120777 << 16  # a symlink entry (target stored as data)
    source = tmp_path / "packet" / "hostile.zip"
    source.parent.mkdir()
    source.write_bytes(
        _mark_encrypted(_zip_bytes(
            [
                (zipfile.ZipInfo("../evil.pdf"), b"%PDF-1.4 evil"),
                (zipfile.ZipInfo("a/../../evil2.pdf"), b"%PDF-1.4 evil"),
                (zipfile.ZipInfo("/abs/evil3.pdf"), b"%PDF-1.4 evil"),
                (zipfile.ZipInfo("C:/evil4.pdf"), b"%PDF-1.4 evil"),
                (zipfile.ZipInfo("..\\evil5.pdf"), b"%PDF-1.4 evil"),
                (link, b"/etc/passwd"),
                ("secret.pdf", b"%PDF-1.4"),
                ("ok.pdf", b"%PDF-1.4 fine"),
            ]
        ), "secret.pdf")
    )
    before = _files_under(tmp_path)
    workdir = tmp_path / "work"
    packet = load_packet(source, workdir, settings)
    assert [m.name for m in packet.members] == ["ok.pdf"]
    refused = {f.evidence[0].file: f.code for f in packet.findings}
    assert refused == {
        # refused by policy: a warning, the packet is not incomplete because of it
        "../evil.pdf": FindingCode.FILE_UNSUPPORTED,
        "a/../../evil2.pdf": FindingCode.FILE_UNSUPPORTED,
        "/abs/evil3.pdf": FindingCode.FILE_UNSUPPORTED,
        "C:/evil4.pdf": FindingCode.FILE_UNSUPPORTED,
        "../evil5.pdf": FindingCode.FILE_UNSUPPORTED,
        "link.pdf": FindingCode.FILE_UNSUPPORTED,
        "secret.pdf": FindingCode.FILE_ENCRYPTED,
    }
    assert all("拒绝" in f.evidence[0].text or f.code is FindingCode.FILE_ENCRYPTED for f in packet.findings)
    new_files = _files_under(tmp_path) - before
    assert new_files and all(p.is_relative_to(workdir) for p in new_files)
    assert not any(p.is_symlink() for p in new_files)
    assert not list(tmp_path.rglob("evil*"))


def test_zip_bomb_by_ratio_is_refused(tmp_path: Path, settings: Settings) -> None:
    source = tmp_path / "bomb.zip"
    source.write_bytes(_zip_bytes([("zeros.pdf", b"%PDF" + bytes(8 * 1024 * 1024)), ("ok.pdf", b"%PDF-1.4")]))
    packet = load_packet(source, tmp_path / "work", settings)
    assert [m.name for m in packet.members] == ["ok.pdf"]
    assert _codes(packet) == [FindingCode.FILE_UNSUPPORTED]  # refused by policy: a warning
    assert "压缩炸弹" in packet.findings[0].evidence[0].text
    assert packet.findings[0].evidence[0].file == "zeros.pdf"


def test_entry_and_total_size_limits(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", zip_max_entry_bytes=5000, zip_max_total_bytes=8000, use_cache=False)
    noise = hashlib.sha256(b"seed").digest() * 200  # 6400 bytes, barely compressible
    source = tmp_path / "big.zip"
    source.write_bytes(
        _zip_bytes([("a.pdf", b"%PDF" + noise[:4000]), ("b.pdf", b"%PDF" + noise), ("c.pdf", b"%PDF" + noise[:4000])])
    )
    packet = load_packet(source, tmp_path / "work", settings)
    assert [m.name for m in packet.members] == ["a.pdf"]
    texts = {f.evidence[0].file: f.evidence[0].text for f in packet.findings}
    assert "单个文件上限" in texts["b.pdf"]
    assert "总大小" in texts["c.pdf"]


def test_too_many_entries_refuses_the_archive(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", zip_max_entries=3, use_cache=False)
    source = tmp_path / "many.zip"
    source.write_bytes(_zip_bytes([(f"{i}.pdf", b"%PDF-1.4") for i in range(5)]))
    packet = load_packet(source, tmp_path / "work", settings)
    assert packet.members == []
    assert _codes(packet) == [FindingCode.FILE_UNREADABLE]
    assert packet.findings[0].evidence[0].file == "many.zip"


def test_lying_size_header_is_caught_while_extracting(tmp_path: Path, settings: Settings) -> None:
    """The central directory claims 10 bytes; the stream holds more: stop and report, never trust the header."""
    data = bytearray(_zip_bytes([("liar.pdf", b"%PDF-1.4 " + b"x" * 5000)]))
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 10)  # uncompressed size in the central directory
    source = tmp_path / "liar.zip"
    source.write_bytes(bytes(data))
    packet = load_packet(source, tmp_path / "work", settings)
    assert packet.members == []
    assert _codes(packet) == [FindingCode.FILE_UNREADABLE]  # a lying header reads as a damaged entry
    assert packet.findings[0].evidence[0].file == "liar.pdf"


def test_nested_zip_one_level_deep_only(tmp_path: Path, settings: Settings) -> None:
    deepest = _zip_bytes([("b.pdf", b"%PDF-1.4")])
    inner = _zip_bytes([("a.docx", _docx_bytes()), ("deeper.zip", deepest)])
    source = tmp_path / "outer.zip"
    source.write_bytes(_zip_bytes([("inner.zip", inner), ("top.pdf", b"%PDF-1.4")]))
    packet = load_packet(source, tmp_path / "work", settings)
    assert [(m.name, m.kind) for m in packet.members] == [("inner.zip/a.docx", FileKind.DOCX), ("top.pdf", FileKind.PDF)]
    assert _codes(packet) == [FindingCode.FILE_UNSUPPORTED]
    assert packet.findings[0].evidence[0].file == "inner.zip/deeper.zip"
    assert "嵌套" in packet.findings[0].message


def test_zip_inside_a_folder_is_unpacked_under_its_name(tmp_path: Path, settings: Settings) -> None:
    root = tmp_path / "packet"
    root.mkdir()
    (root / "附件.zip").write_bytes(_zip_bytes([(_GbkName("专利.xlsx"), _xlsx_bytes())]))
    packet = load_packet(root, tmp_path / "work", settings)
    assert [(m.name, m.kind) for m in packet.members] == [("附件.zip/专利.xlsx", FileKind.XLSX)]


def test_unreadable_file_in_a_folder_is_a_finding(tmp_path: Path, settings: Settings) -> None:
    root = tmp_path / "packet"
    root.mkdir()
    (root / "01 申报表.pdf").write_bytes(b"%PDF-1.4")
    (root / "02 断开.pdf").symlink_to(root / "missing.pdf")  # a dangling link inside the folder
    packet = load_packet(root, tmp_path / "work", settings)
    assert [m.name for m in packet.members] == ["01 申报表.pdf"]
    assert [(f.code, f.evidence[0].file) for f in packet.findings] == [(FindingCode.FILE_UNREADABLE, "02 断开.pdf")]


def test_zip_of_nothing_but_litter_is_a_finding(tmp_path: Path, settings: Settings) -> None:
    source = tmp_path / "empty.zip"
    source.write_bytes(_zip_bytes([("__MACOSX/._a.pdf", b"x"), (".DS_Store", b"x")]))
    packet = load_packet(source, tmp_path / "work", settings)
    assert packet.members == [] and _codes(packet) == [FindingCode.FILE_UNREADABLE]


def test_corrupt_zip_packet_is_a_finding(tmp_path: Path, settings: Settings) -> None:
    source = tmp_path / "broken.zip"
    source.write_bytes(b"PK\x03\x04" + b"\x00garbage" * 50)
    packet = load_packet(source, tmp_path / "work", settings)
    assert packet.members == []
    assert _codes(packet) == [FindingCode.FILE_UNREADABLE]
    assert packet.findings[0].evidence[0].file == "broken.zip"
    assert "损坏" in packet.findings[0].message


def test_corrupt_entry_data_is_a_finding_and_the_rest_is_read(tmp_path: Path, settings: Settings) -> None:
    data = bytearray(_zip_bytes([("bad.pdf", b"%PDF-1.4 " + bytes(range(256)) * 20), ("good.pdf", b"%PDF-1.4")]))
    start = data.find(b"bad.pdf") + len(b"bad.pdf") + 10
    data[start : start + 40] = b"\xff" * 40  # damage the deflate stream of the first entry
    source = tmp_path / "damaged.zip"
    source.write_bytes(bytes(data))
    packet = load_packet(source, tmp_path / "work", settings)
    assert [m.name for m in packet.members] == ["good.pdf"]
    assert [f.evidence[0].file for f in packet.findings] == ["bad.pdf"]
