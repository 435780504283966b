"""Scanned pages without full ruling, and pages fed the wrong way round.

The pages are drawn here (PIL, 200 dpi, grey paper, noise, JPEG), in layouts of their
own: a framed zebra table whose only rules are its frame and shading edges, and a
short page of prose turned 90/180/270 degrees. Only a few small pages are OCR'd.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from rapidfuzz import fuzz

from extractors.ocr.grid import find_tables
from extractors.ocr.page import ocr_image
from extractors.ocr.plausibility import is_gibberish, reads_wrong, word_share
from pipeline.core.document import Table
from pipeline.core.settings import Settings

FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
DPI = 200

ROWS = [
    ("1", "园区规划面积", "平方公里", "12.7"),
    ("2", "2021年主营业务收入", "亿元", "96.3"),
    ("3", "规上工业企业", "家", "41"),
    ("4", "研发投入强度", "%", "3.6"),
    ("5", "授权发明专利", "件", "208"),
    ("6", "从业人员", "人", "15230"),
]

PROSE = [
    "本园区位于江西省赣州市南康区，是当地家具制造的集聚区。",
    "近年来园区坚持创新驱动发展，积极推进数字化改造和绿色转型，",
    "建成了公共检测中心和工业设计中心，服务企业超过三百家。",
    "园区企业参与制定行业标准十余项，品牌影响力持续提升。",
]


def _scanned(page: Image.Image, seed: int = 3) -> Image.Image:
    """Grey paper, noise, a little blur, JPEG: what a scanner hands over."""
    rng = np.random.default_rng(seed)
    pixels = np.asarray(page, dtype=np.float32) * 0.92 + 8
    pixels += rng.normal(0, 6, pixels.shape)
    noisy = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.5))
    buffer = io.BytesIO()
    noisy.save(buffer, "JPEG", quality=60)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("L")


def zebra_table(shade: int = 150) -> Image.Image:
    """A framed table of alternately shaded rows, no inner rules: rows and columns are only
    in the words' places (a shade this dark binarises as ink, and its edges look like rules)."""
    font = ImageFont.truetype(FONT, 30)
    page = Image.new("L", (1500, 900), 255)
    draw = ImageDraw.Draw(page)
    xs = [120, 240, 760, 1000]
    top, height = 120, 80
    draw.rectangle([xs[0] - 20, top, 1300, top + height], fill=110)  # header band
    for x, title in zip(xs, ("序号", "项目", "单位", "数值")):
        draw.text((x, top + 22), title, font=font, fill=255)
    for index, row in enumerate(ROWS):
        y = top + height * (index + 1)
        if index % 2:
            draw.rectangle([xs[0] - 20, y, 1300, y + height], fill=shade)
        for x, text in zip(xs, row):
            draw.text((x, y + 22), text, font=font, fill=0)
    bottom = top + height * (len(ROWS) + 1)
    draw.rectangle([xs[0] - 20, top, 1300, bottom], outline=0, width=3)
    draw.line([(xs[1] - 20, top), (xs[1] - 20, bottom)], fill=0, width=2)  # one column rule, no row rules
    return _scanned(page)


def three_line_table() -> Image.Image:
    """A three-line table (rules above and below the header and under the last row, none
    between rows or columns), then a borderless label/value form under it."""
    font = ImageFont.truetype(FONT, 30)
    page = Image.new("L", (1500, 1200), 255)
    draw = ImageDraw.Draw(page)
    xs = [120, 240, 760, 1000]
    draw.line([(100, 100), (1300, 100)], fill=0, width=4)
    for x, title in zip(xs, ("序号", "项目", "单位", "数值")):
        draw.text((x, 115), title, font=font, fill=0)
    draw.line([(100, 170), (1300, 170)], fill=0, width=2)
    for index, row in enumerate(ROWS):
        for x, text in zip(xs, row):
            draw.text((x, 190 + 70 * index), text, font=font, fill=0)
    draw.line([(100, 190 + 70 * len(ROWS)), (1300, 190 + 70 * len(ROWS))], fill=0, width=4)
    for index, (label, value) in enumerate((("运营管理机构", "南康区家具产业促进中心"), ("成立时间", "2016年3月"))):
        draw.text((120, 760 + 80 * index), label, font=font, fill=0)
        draw.text((600, 760 + 80 * index), value, font=font, fill=0)
    return _scanned(page)


def prose_page() -> Image.Image:
    font = ImageFont.truetype(FONT, 34)
    page = Image.new("L", (1400, 600), 255)
    draw = ImageDraw.Draw(page)
    for index, line in enumerate(PROSE):
        draw.text((80, 100 + 90 * index), line, font=font, fill=0)
    return _scanned(page)


def _text(page) -> str:
    parts = []
    for block in page.blocks:
        if isinstance(block, Table):
            parts.extend(cell.text for row in block.rows for cell in row)
        else:
            parts.append(block.text)
    return "\n".join(parts)


# ---------------------------------------------------------------- pure


def test_word_share_tells_language_from_characters_in_disorder():
    assert word_share(PROSE) > 0.7
    shuffled = "".join(sorted("".join(PROSE), key=lambda ch: (ord(ch) * 7919) % 101))
    assert reads_wrong([shuffled]) and is_gibberish([shuffled])
    assert word_share(["45.4", "第3页"]) is None  # too few characters to judge
    assert not reads_wrong(["河北方正绒业科技股份有限公司", "一种碳化硅微粉的制备方法"])


def test_a_frame_around_zebra_rows_is_not_a_grid():
    """Its rules split no row into cells: read cell by cell it would run the columns together."""
    assert find_tables(zebra_table(), DPI).tables == []


# ---------------------------------------------------------------- OCR


@pytest.fixture(scope="module")
def settings() -> Settings:
    return Settings()


@pytest.mark.parametrize("shade", [150, 200])
def test_zebra_table_rows_and_columns_come_from_the_words(settings, shade):
    """Each row's label and value on one line, the value in its own column: dark and
    light shading alike (the values of the shaded rows were lost to a dark band)."""
    page, findings = ocr_image(zebra_table(shade), "扫描件.pdf", 1, settings, dpi=DPI)
    lines = [b.text for b in page.blocks if not isinstance(b, Table)]
    found = 0
    for number, label, unit, value in ROWS:
        row = next((line for line in lines if fuzz.partial_ratio(label, line) >= 70), None)
        assert row is not None, (label, lines)
        found += row.split("\t")[-1].strip() == value
    assert found >= len(ROWS) - 1, lines  # one OCR slip allowed ("96.3" read as "9633")


def test_three_line_table_and_borderless_form_keep_their_rows(settings):
    page, findings = ocr_image(three_line_table(), "扫描件.pdf", 1, settings, dpi=DPI)
    lines = [b.text for b in page.blocks if not isinstance(b, Table)]
    found = 0
    for number, label, unit, value in ROWS:
        row = next((line for line in lines if fuzz.partial_ratio(label, line) >= 70), None)
        assert row is not None, (label, lines)
        found += row.split("\t")[-1].strip() == value
    assert found >= len(ROWS) - 1, lines
    form = next(line for line in lines if "成立时间" in line)
    assert re.sub(r"\s", "", form.split("\t")[-1]) == "2016年3月", form


@pytest.mark.parametrize("degrees", [180, 90])
def test_page_fed_the_wrong_way_is_turned_before_it_is_read(settings, degrees):
    turned = prose_page().rotate(degrees, expand=True, fillcolor=235)
    page, findings = ocr_image(turned, "扫描件.pdf", 2, settings, dpi=DPI)
    text = re.sub(r"\s", "", _text(page))
    assert "家具制造" in text and "工业设计中心" in text, text
    assert not is_gibberish(text.splitlines())


def test_a_page_of_characters_that_make_no_words_feeds_nothing(settings):
    """Upright or turned, it reads as characters in disorder: said, not passed on as names or codes."""
    font = ImageFont.truetype(FONT, 34)
    image = Image.new("L", (1400, 500), 255)
    draw = ImageDraw.Draw(image)
    chars = "".join(PROSE).replace("，", "").replace("。", "")
    jumbled = "".join(chars[(i * 37) % len(chars)] for i in range(len(chars)))
    for index in range(3):
        draw.text((80, 100 + 90 * index), jumbled[index * 26:(index + 1) * 26], font=font, fill=0)
    page, findings = ocr_image(_scanned(image), "扫描件.pdf", 3, settings, dpi=DPI)
    assert [f.code.value for f in findings] == ["OCR_LOW_CONFIDENCE"]
    assert "不成词句" in findings[0].message
    assert page.blocks == []


def stamped_statement(tone: int = 120) -> Image.Image:
    """A signature line and date with a round seal (ring, star, arc of characters) over both."""
    font = ImageFont.truetype(FONT, 32)
    small = ImageFont.truetype(FONT, 24)
    page = Image.new("L", (1400, 800), 255)
    draw = ImageDraw.Draw(page)
    draw.text((100, 120), "经实地核查，该集群申报材料真实有效。", font=font, fill=0)
    draw.text((620, 380), "某某市工业和信息化局（盖章）", font=font, fill=0)
    draw.text((760, 460), "2023年6月18日", font=font, fill=0)
    seal = Image.new("L", page.size, 255)
    ink = ImageDraw.Draw(seal)
    cx, cy, r = 930, 440, 160
    ink.ellipse([cx - r, cy - r, cx + r, cy + r], outline=0, width=9)
    ink.regular_polygon((cx, cy, 40), 5, fill=0)
    for index, char in enumerate("某某市工业和信息化局"):
        angle = np.pi * (1.15 + 0.7 * index / 9)
        ink.text((cx + 0.75 * r * np.cos(angle) - 12, cy + 0.75 * r * np.sin(angle) - 12), char, font=small, fill=0)
    seal_ink = np.asarray(seal) < 128
    pixels = np.asarray(page).astype(np.float32)
    pixels = np.where(seal_ink, pixels * tone / 255, pixels)  # ink over ink stays dark
    return _scanned(Image.fromarray(pixels.astype(np.uint8)))


def test_a_seal_is_found_by_its_shape_and_only_where_there_is_one():
    from extractors.ocr.seal import find_seals

    seals = find_seals(stamped_statement(), DPI)
    assert len(seals) == 1 and abs(seals[0].x - 930) < 25 and abs(seals[0].radius - 160) < 25
    assert find_seals(zebra_table(), DPI) == [] and find_seals(prose_page(), DPI) == []


def test_the_words_under_a_seal_are_read(settings):
    page, findings = ocr_image(stamped_statement(), "核查说明.jpg", 1, settings, dpi=DPI)
    text = re.sub(r"\s", "", _text(page))
    assert "盖章" in text and "2023年6月18日" in text, text


def test_rows_missing_their_rules_come_back_from_the_ink():
    """Column rules, a frame and a rule under the first row, no others, one wrapped cell: a row per
    record, the wrap kept in its row."""
    from extractors.ocr.rows import refine_rows

    font = ImageFont.truetype(FONT, 30)
    page = Image.new("L", (1500, 1000), 255)
    draw = ImageDraw.Draw(page)
    xs, top, pitch = [100, 220, 800, 1300], 100, 90
    records = [("1", "授权发明专利", "208"), ("2", "研发投入强度", "3.6"), ("3", "从业人员", "15230"),
               ("4", "规上工业企业", "41")]
    bottom = top + pitch * (len(records) + 1)
    draw.rectangle([xs[0], top, xs[-1], bottom], outline=0, width=3)
    for x in xs[1:-1]:
        draw.line([(x, top), (x, bottom)], fill=0, width=3)
    draw.line([(xs[0], top + pitch), (xs[-1], top + pitch)], fill=0, width=3)
    for index, record in enumerate(records):
        y = top + 20 + pitch * index
        for x, text in zip(xs, record):
            draw.text((x + 20, y + 12), text, font=font, fill=0)
    draw.text((xs[1] + 20, top + 20 + pitch * len(records)), "合计", font=font, fill=0)
    draw.text((xs[2] + 20, top + 20 + pitch * len(records)), "一个折行的", font=font, fill=0)
    draw.text((xs[2] + 20, top + 60 + pitch * len(records)), "单元格", font=font, fill=0)
    image = _scanned(page)
    grids = find_tables(image, DPI).tables
    assert len(grids) == 1 and grids[0].n_rows == 2
    refined = refine_rows(grids[0], image, DPI)
    assert refined.n_rows == len(records) + 1 and refined.n_cols == 3
    last = refined.ys[-2]
    assert top + pitch * len(records) - 20 < last < top + 20 + pitch * len(records)  # the wrap stays in its row


@pytest.mark.parametrize("engine", ["ppocr", "tesseract"])
def test_a_page_with_ink_and_no_text_is_said_and_a_blank_one_is_not(engine):
    """A diagram with no words (boxes, arrows, a ring) reads as nothing: OCR_LOW_CONFIDENCE
    says so rather than passing the page over in silence; a blank scan says nothing."""
    drawing = Image.new("L", (1400, 1000), 255)
    draw = ImageDraw.Draw(drawing)
    for index in range(6):
        x = 100 + index * 210
        draw.rectangle([x, 300, x + 150, 420], outline=0, width=6)
        if index < 5:
            draw.line([x + 150, 360, x + 210, 360], fill=0, width=6)
    draw.ellipse([500, 600, 900, 900], outline=0, width=8)
    settings = Settings(use_cache=False, ocr_engine=engine)
    _, findings = ocr_image(_scanned(drawing), "扫描件.pdf", 4, settings, dpi=DPI)
    assert [f.code.value for f in findings] == ["OCR_LOW_CONFIDENCE"], findings
    assert "未识别出文字" in findings[0].message and findings[0].evidence[0].page == 4
    _, quiet = ocr_image(_scanned(Image.new("L", (1400, 1000), 255)), "扫描件.pdf", 5, settings, dpi=DPI)
    assert quiet == []
