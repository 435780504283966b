"""Phone photos: a JPEG whose pixels are stored sideways with an EXIF orientation reads like the upright page."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from extractors.readers.photo import flatten_photographed_page
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


def _photographed(page: Image.Image) -> Image.Image:
    """The page as a phone sees it: on a dark desk, seen at an angle (a perspective quadrilateral)."""
    src = np.asarray(page.convert("L"))
    h, w = src.shape
    canvas = (w + 500, h + 500)
    corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    seen = np.float32([[300, 260], [w + 180, 330], [w + 240, h + 300], [230, h + 220]])
    matrix = cv2.getPerspectiveTransform(corners, seen)
    photo = cv2.warpPerspective(src, matrix, canvas, borderValue=60)
    return Image.fromarray(photo)


def test_a_photographed_page_is_flattened(tmp_path):
    photo = tmp_path / "photo.jpg"
    seen = _photographed(_page())
    flat = flatten_photographed_page(seen)
    assert abs(flat.width - 1400) < 70 and abs(flat.height - 500) < 50  # the page itself, the desk cut away
    seen.save(photo, quality=92)
    text = _read_text(photo, tmp_path)
    assert all(line.replace(" ", "") in text for line in LINES), text


def test_a_scan_is_left_as_it_is():
    scan = _page().convert("L")
    ImageDraw.Draw(scan).rectangle([60, 60, 1340, 440], outline=0, width=3)  # a table border on white paper
    assert flatten_photographed_page(scan) is scan
