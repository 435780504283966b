"""Pictures pasted into DOCX/XLSX: a printed table as a picture is OCR'd as a page of its own; a logo is not."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import openpyxl
import pytest
from rapidfuzz import fuzz
from docx.shared import Inches
from openpyxl.drawing.image import Image as SheetImage
from PIL import Image, ImageDraw, ImageFont

from extractors.readers.embedded import holds_text
from extractors.readers.registry import read_member
from pipeline.core.document import ReadMethod
from pipeline.core.filetypes import detect_kind
from pipeline.core.settings import Settings
from pipeline.intake.packet import PacketMember

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
ROWS = [("序号", "专利号", "专利名称"), ("1", "ZL201910123456.7", "一种起重机制动装置"),
        ("2", "ZL202010654321.X", "一种桥式起重机小车"), ("3", "ZL202110987654.3", "起重机远程监测系统")]
pytestmark = pytest.mark.skipif(not FONT.exists(), reason="fonts-wqy-zenhei (make demo) not installed")


def printed_table(scale: int = 1) -> Image.Image:
    """A ruled table of 11 pt text drawn as a 270 dpi scan of it would show it (4.9 inches wide)."""
    font = ImageFont.truetype(str(FONT), 42 * scale)
    widths = [150 * scale, 580 * scale, 560 * scale]
    row_h = 86 * scale
    image = Image.new("L", (sum(widths) + 40 * scale, row_h * len(ROWS) + 40 * scale), 255)
    draw = ImageDraw.Draw(image)
    top = 20 * scale
    for r, row in enumerate(ROWS):
        left = 20 * scale
        for c, text in enumerate(row):
            draw.rectangle([left, top + r * row_h, left + widths[c], top + (r + 1) * row_h], outline=0, width=2)
            draw.text((left + 12 * scale, top + r * row_h + 14 * scale), text, font=font, fill=0)
            left += widths[c]
    return image


def logo() -> Image.Image:
    image = Image.new("RGB", (300, 300), (255, 255, 255))
    ImageDraw.Draw(image).ellipse([30, 30, 270, 270], fill=(200, 30, 30))
    return image


def _png(image: Image.Image) -> io.BytesIO:
    data = io.BytesIO()
    image.save(data, format="PNG")
    data.seek(0)
    return data


def _member(path: Path) -> PacketMember:
    return PacketMember(name=path.name, path=path, kind=detect_kind(path), sha256="0" * 64)


def _settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "d", use_cache=False)


def test_the_cheap_test_tells_text_from_decoration():
    assert holds_text(printed_table())
    assert not holds_text(logo())
    assert not holds_text(Image.new("L", (800, 600), 255))
    assert not holds_text(printed_table().resize((100, 40)))


def test_a_table_pasted_as_a_picture_into_a_docx_is_read(tmp_path):
    word = docx.Document()
    word.add_heading("八、有效发明专利清单", level=1)
    word.add_picture(_png(logo()), width=Inches(0.6))  # a logo: skipped
    word.add_paragraph("本集群有效发明专利如下：")
    word.add_picture(_png(printed_table()), width=Inches(4.9))
    section = word.sections[0]
    section.header.paragraphs[0].text = "长垣市起重装备产业集群申报材料"
    section.footer.paragraphs[0].text = "第 1 页"
    path = tmp_path / "专利.docx"
    word.save(path)

    outcome = read_member(_member(path), _settings(tmp_path))
    doc = outcome.document
    assert [p.method for p in doc.pages] == [ReadMethod.DOCX, ReadMethod.DOCX, ReadMethod.OCR]
    assert doc.page_count == 3 and doc.ocr_pages == [3]
    body, furniture, picture = doc.pages
    # headers and footers: a page of their own, never in the item's text; a page-number footer dropped
    assert "长垣市" not in body.text()
    assert furniture.text().splitlines() == ["〔页眉页脚〕", "长垣市起重装备产业集群申报材料"]
    assert picture.text().splitlines()[0] == "〔嵌入图片：第 1 页第 2 张〕"
    text = picture.text().replace(" ", "")
    for _, number, title in ROWS[1:]:  # numbers exactly (the list's keys); titles as OCR reads them
        assert number in text
        assert fuzz.partial_ratio(title, text) >= 70, (title, text)
    assert all(line.prov.file == path.name and line.prov.page == 3 for line in picture.lines())
    assert picture.width and abs(picture.width - 4.9 * 72) < 3  # points of the picture as shown


def test_a_picture_in_a_workbook_is_read(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "专利"
    sheet["A1"] = "见下图"
    image = SheetImage(_png(printed_table()))
    sheet.add_image(image, "B3")
    path = tmp_path / "专利.xlsx"
    book.save(path)

    doc = read_member(_member(path), _settings(tmp_path)).document
    assert doc.ocr_pages == [2]
    picture = doc.pages[1]
    assert picture.text().splitlines()[0] == "〔嵌入图片：工作表“专利”B3 单元格处〕"
    assert "202010654321.X" in picture.text().replace(" ", "")  # Tesseract reads this font's "ZL" as "Z1" at 300 dpi
