"""Phone photos: a JPEG whose pixels are stored sideways with an EXIF orientation reads like the upright page."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from extractors.readers.registry import read_member
from pipeline.core.filetypes import detect_kind
from pipeline.core.settings import Settings
from pipeline.intake.packet import PacketMember

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
LINES = ["集群从业人员 35620 人", "有效发明专利 412 件"]
pytestmark = pytest.mark.skipif(not FONT.exists(), reason="fonts-wqy-zenhei (make demo) not installed")
ORIENTATION = 0x0112


def _page() -> Image.Image:
    page = Image.new("RGB", (1400, 500), (250, 250, 246))
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(FONT), 56)
    for i, line in enumerate(LINES):
        draw.text((120, 120 + i * 140), line, font=font, fill=(20, 20, 20))
    return page


def _read_text(path: Path, tmp_path: Path) -> str:
    member = PacketMember(name=path.name, path=path, kind=detect_kind(path), sha256="0" * 64)
    doc = read_member(member, Settings(data_dir=tmp_path / "d", use_cache=False)).document
    return doc.pages[0].text().replace(" ", "")


@pytest.mark.parametrize("orientation, stored", [(6, Image.Transpose.ROTATE_90), (3, Image.Transpose.ROTATE_180)])
def test_exif_orientation_is_applied(tmp_path, orientation, stored):
    upright = tmp_path / "upright.jpg"
    _page().save(upright, quality=92, dpi=(300, 300))
    sideways = tmp_path / "photo.jpg"
    exif = Image.Exif()
    exif[ORIENTATION] = orientation  # 6: shown turned 90° clockwise; 3: shown turned 180°
    _page().transpose(stored).save(sideways, quality=92, dpi=(300, 300), exif=exif)
    want = _read_text(upright, tmp_path)
    assert all(line.replace(" ", "") in want for line in LINES)
    assert _read_text(sideways, tmp_path) == want
