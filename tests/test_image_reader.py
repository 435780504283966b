"""Image reader: decompression-bomb guard (bounded memory), multi-frame TIFF, DPI metadata."""

from __future__ import annotations

import hashlib
import struct
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from extractors.readers.image import read_image_frames as read_image, scan_dpi
from extractors.readers.registry import read_member
from pipeline.core.document import FileKind, ReadMethod
from pipeline.core.errors import FileUnreadable
from pipeline.intake.packet import PacketMember
from pipeline.core.result import FindingCode
from pipeline.core.settings import Settings

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
PROJECT = Path(__file__).resolve().parent.parent


def member(path: Path) -> PacketMember:
    return PacketMember(path.name, path, FileKind.IMAGE, hashlib.sha256(path.read_bytes()).hexdigest())


def png_header_only(path: Path, width: int, height: int) -> Path:
    """A valid-looking PNG whose header declares width×height but holds one tiny IDAT."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
                     + chunk(b"IEND", b""))
    return path


def text_frame(lines: list[str], dpi: int) -> Image.Image:
    scale = dpi / 72
    image = Image.new("L", (int(360 * scale), int(30 + 26 * len(lines)) * int(scale)), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, int(12 * scale), index=0)
    for index, line in enumerate(lines):
        draw.text((18 * scale, (14 + 26 * index) * scale), line, font=font, fill=0)
    return image


def test_header_declaring_30000_squared_pixels_is_refused_without_decoding(tmp_path):
    """In a fresh interpreter: the peak memory must not grow by anything like 900 MB."""
    bomb = png_header_only(tmp_path / "炸弹.png", 30_000, 30_000)
    assert bomb.stat().st_size < 200
    script = textwrap.dedent(f"""
        import hashlib, resource
        from pathlib import Path
        from extractors.readers.image import read_image_frames as read_image
        from pipeline.core.document import FileKind
        from pipeline.core.errors import FileUnreadable
        from pipeline.intake.packet import PacketMember
        from pipeline.core.settings import Settings
        path = Path({str(bomb)!r})
        from tests.hostile_files import own_peak_mb
        before = own_peak_mb()
        try:
            read_image(PacketMember(path.name, path, FileKind.IMAGE, "x"), Settings())
            print("READ")
        except FileUnreadable as e:
            print("UNREADABLE", e.reason)
        print("GROWTH_KB", int((own_peak_mb() - before) * 1024))
    """)
    run = subprocess.run([sys.executable, "-c", script], cwd=PROJECT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith("UNREADABLE") and "解压炸弹" in lines[0]
    assert int(lines[-1].split()[1]) < 50_000  # KB


def test_oversized_image_below_pillows_own_limit_is_refused_by_the_setting(tmp_path):
    big = png_header_only(tmp_path / "大图.png", 12_000, 11_000)  # 132 M pixels > 120 M default
    with pytest.warns(Image.DecompressionBombWarning):
        with pytest.raises(FileUnreadable) as problem:
            read_image(member(big), Settings())
    assert "12000×11000" in problem.value.reason and "上限" in problem.value.reason
    small = tmp_path / "小图.png"
    Image.new("L", (200, 100), 255).save(small)
    with pytest.raises(FileUnreadable):
        read_image(member(small), Settings(max_image_pixels=10_000))


def test_not_an_image_is_unreadable(tmp_path):
    junk = tmp_path / "扫描.jpg"
    junk.write_bytes(b"\xff\xd8\xff\xe0 this JPEG stops here")
    with pytest.raises(FileUnreadable):
        read_image(member(junk), Settings())


def test_every_tiff_frame_is_a_page(tmp_path):
    first = text_frame(["第一帧：集群名称", "浚县食品加工特色产业集群"], dpi=300)
    second = text_frame(["第二帧：填报日期", "2022年10月8日"], dpi=300)
    path = tmp_path / "多页扫描.tif"
    first.save(path, save_all=True, append_images=[second], compression="tiff_deflate", dpi=(300, 300))
    outcome = read_member(member(path), Settings(workers=2, use_cache=False))
    doc = outcome.document
    assert doc.kind is FileKind.IMAGE and doc.page_count == 2
    assert [p.number for p in doc.pages] == [1, 2]
    assert all(p.method is ReadMethod.OCR for p in doc.pages)
    assert "食品加工特色产业集群" in doc.pages[0].text() and "集群名称" in doc.pages[0].text()
    assert "填报日期" in doc.pages[1].text() and "2022" in doc.pages[1].text()
    assert doc.pages[0].width == pytest.approx(360, abs=1) and doc.pages[1].width == pytest.approx(360, abs=1)
    assert not [f for f in outcome.findings if f.code is not FindingCode.OCR_LOW_CONFIDENCE]


def test_scan_dpi_trusts_plausible_metadata_only():
    assert scan_dpi({"dpi": (200, 200)}, (1654, 2339)) == 200
    assert scan_dpi({}, (2480, 3508)) == 300
    assert scan_dpi({"dpi": (72, 72)}, (4000, 3000)) == 300  # a phone photo, not a 55-inch page
    assert scan_dpi({"dpi": (0, 0)}, (100, 100)) == 300
