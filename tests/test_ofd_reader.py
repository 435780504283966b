"""OFD packages written by the test read like the PDF they were made from; scanned OFD pages are OCR'd."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from extractors.readers.registry import read_member
from pipeline.core.document import FileKind, ReadMethod
from pipeline.core.filetypes import detect_kind
from pipeline.core.settings import Settings
from pipeline.intake.packet import PacketMember
from sample_docs.generate import generate_packet
from tests.format_packets import comparable, process
from tests.ofd_writer import ofd_from_images, ofd_from_pdf

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


def _member(path: Path) -> PacketMember:
    return PacketMember(name=path.name, path=path, kind=detect_kind(path), sha256="0" * 64)


def test_an_ofd_packet_reads_like_its_pdf(tmp_path):
    generate_packet("text_prose", tmp_path, seed=7)
    pdf = next((tmp_path / "packets").iterdir())
    ofd_dir = tmp_path / "ofd"
    ofd_dir.mkdir()
    ofd = ofd_from_pdf(pdf, ofd_dir / pdf.with_suffix(".bin").name)  # kind by content, not by name
    assert detect_kind(ofd) is FileKind.OFD
    want = process(pdf, tmp_path / "a", tmp_path / "da")
    got = process(ofd, tmp_path / "b", tmp_path / "db")
    assert got["files"][0]["kind"] == "ofd" and got["files"][0]["pages"] == want["files"][0]["pages"]
    assert got["files"][0]["ocr_pages"] == []
    assert sum(v["value"] is not None for v in want["indicators"].values()) >= 10
    assert comparable(got) == comparable(want)
    evidence = next(v["evidence"] for v in got["indicators"].values() if v["evidence"])
    expected = next(v["evidence"] for v in want["indicators"].values() if v["evidence"])
    assert evidence["page"] == expected["page"]
    assert all(abs(a - b) < 1.5 for a, b in zip(evidence["bbox"], expected["bbox"]))  # points, like the PDF's


def test_a_scanned_ofd_page_is_ocrd(tmp_path):
    page = Image.new("L", (1654, 2339), 255)  # A4 at 200 dpi
    ImageDraw.Draw(page).text((200, 260), "集群占地面积为12.5平方公里。", font=ImageFont.truetype(str(FONT), 56), fill=0)
    ofd = ofd_from_images([page], tmp_path / "扫描件.ofd")
    doc = read_member(_member(ofd), Settings(data_dir=tmp_path / "d", use_cache=False)).document
    assert doc.kind is FileKind.OFD and doc.ocr_pages == [1]
    assert doc.pages[0].method is ReadMethod.OCR
    assert "12.5平方公里" in doc.pages[0].text().replace(" ", "")
    assert abs(doc.pages[0].width - 595.3) < 2  # the page in points
