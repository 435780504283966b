"""The OCR seam: text helpers and geometry (pure), then real Tesseract on a few small pages."""

from __future__ import annotations

import io
import random

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from rapidfuzz.distance import Levenshtein

from extractors.ocr.cleanup import remove_leader_dots
from extractors.ocr.engine import OcrWord
from extractors.ocr.engines import engine_for
from extractors.ocr.geometry import box_to_original, estimate_skew
from extractors.ocr.layout import PlacedWord, group_rows, join_words
from extractors.ocr.orientation import vertical_line_share
from extractors.ocr.cells import _doubtful_figures
from extractors.ocr.geometry import turn as _turn
from extractors.ocr.page import ocr_image
from pipeline.core.text import collapse_cjk_spaces
from pipeline.core.document import ReadMethod
from pipeline.core.errors import UsageError
from pipeline.core.result import FindingCode, Severity
from pipeline.core.settings import Settings

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
LINES = [
    "集群内中小企业有效发明专利清单",
    "有效发明专利共计62件，从业人员12500人。",
    "1\tZL202110234567.8\t一种面粉加工装置",
    "2\tZL201920345678.1\t速冻水饺成型机",
]


def render_lines(lines: list[str], dpi: int = 300, size_pt: tuple[int, int] = (420, 150)) -> Image.Image:
    """Chinese text on a small white page; tab-separated cells drawn as table columns."""
    scale = dpi / 72
    page = Image.new("L", (int(size_pt[0] * scale), int(size_pt[1] * scale)), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, int(11 * scale), index=0)
    for index, line in enumerate(lines):
        y = (20 + index * 28) * scale
        for cell, x in zip(line.split("\t"), (20, 60, 220)):
            draw.text((x * scale, y), cell, font=font, fill=0)
    return page


def degrade(image: Image.Image, degrees: float, seed: int = 1) -> Image.Image:
    """A scan: slight rotation, blur, noise, JPEG."""
    rotated = image.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    blurred = rotated.filter(ImageFilter.GaussianBlur(0.6))
    random.seed(seed)
    noisy = Image.blend(blurred, Image.effect_noise(blurred.size, 20), 0.12)
    buffer = io.BytesIO()
    noisy.save(buffer, format="JPEG", quality=55)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("L")


def cer(read: str, lines: list[str]) -> float:
    reference = "".join("".join(line.split()) for line in lines)
    return Levenshtein.distance("".join(read.split()), reference) / len(reference)


# ---------------------------------------------------------------- pure helpers


def test_spaces_between_cjk_go_latin_and_number_spaces_stay():
    assert collapse_cjk_spaces("专 利 号 ： ZL 2021 1 0234567.X 一 种") == "专利号：ZL 2021 1 0234567.X 一种"
    assert collapse_cjk_spaces("GB/T 19001-2016 质 量 ( 参 与 )") == "GB/T 19001-2016 质量(参与)"
    assert collapse_cjk_spaces("集群名称 : 浚县 , 2021 年") == "集群名称:浚县, 2021 年"


def test_join_words_tab_across_column_gap_nothing_between_cjk():
    words = [
        PlacedWord("序", 0, 0, 10, 10),
        PlacedWord("号", 11, 0, 21, 10),
        PlacedWord("ZL", 80, 0, 95, 10),
        PlacedWord("2021", 98, 0, 120, 10),
        PlacedWord("专利", 200, 0, 220, 10),
    ]
    assert join_words(words) == "序号\tZL 2021\t专利"


def test_a_wrapped_prose_line_under_a_list_number_is_not_a_wrapped_cell():
    """A text PDF's numbered paragraph: "18." and its text a space apart, the last word
    wrapped to the next line at the left margin. Cells stand a gutter apart; this is one."""
    number = PlacedWord("18.", 62.7, 569.2, 75.0, 581.0)
    text = PlacedWord("河南鼎盛起重实业有限公司（统一社会信用代码：91410783MAP0NJ799Q），国家高新技术企", 78.0, 569.2, 524.7, 581.0)
    wrapped = PlacedWord("业", 62.7, 586.0, 73.5, 597.8)
    rows = group_rows([[number], [text], [wrapped]])
    assert [join_words(r) for r in rows] == [join_words([number, text]), "业"]
    # the same three words as cells of a borderless table (a gutter between the columns) do join
    cell = PlacedWord("河南鼎盛起重实业有限", 62.7, 569.2, 180.0, 581.0)
    code = PlacedWord("91410783MAP0NJ799Q", 240.0, 569.2, 400.0, 581.0)
    rest = PlacedWord("公司", 62.7, 586.0, 90.0, 597.8)
    assert len(group_rows([[cell], [code], [rest]])) == 1


def test_a_rows_figure_confidence_is_its_figures_not_its_row_number():
    from extractors.ocr.layout import lowest_figure_confidence

    def word(text, x0, figure=None):
        return PlacedWord(text, x0, 100, x0 + 40, 130, confidence=95, figure_confidence=figure)

    numbered = [word("1", 10, 62.2), word("集群占地面积", 80), word("平方公里", 300), word("45.4", 500, 99.5)]
    assert lowest_figure_confidence(numbered) == 99.5
    assert lowest_figure_confidence([word("（3）", 10, 40), word("产值", 80), word("88.8", 300, 75)]) == 75
    # a figure first in its row is a figure: "45.4" and "2021年" are no ordinals
    assert lowest_figure_confidence([word("45.4", 10, 62.2), word("平方公里", 80)]) == 62.2
    assert lowest_figure_confidence([word("2021年", 10, 70), word("88.8", 80, 99)]) == 70
    assert lowest_figure_confidence([word("1", 10, 62.2)]) == 62.2  # alone, it is what the row holds
    assert lowest_figure_confidence([word("集群", 10)]) is None


def test_group_rows_brings_table_cells_read_as_separate_blocks_into_one_row():
    left = [PlacedWord("1", 0, 100, 8, 112)]
    middle = [PlacedWord("ZL202110234567.8", 50, 101, 150, 113)]
    right = [PlacedWord("一种", 200, 99, 220, 111), PlacedWord("装置", 221, 99, 241, 111)]
    below = [PlacedWord("下一行", 0, 130, 30, 142)]
    rows = group_rows([right, below, left, middle])
    assert [join_words(row) for row in rows] == ["1\tZL202110234567.8\t一种装置", "下一行"]


def test_box_maps_back_through_a_quarter_turn_and_a_small_rotation():
    original = Image.new("L", (300, 200), 255)
    original.paste(0, (40, 30, 42, 32))  # a 2x2 mark: one pixel is smeared grey by a linear rotation
    turned, quarter = _turn(original, 90)
    tilted, small = _turn(turned, 3.0)
    dark = [(x, y) for x in range(tilted.width) for y in range(tilted.height) if tilted.getpixel((x, y)) < 128]
    assert dark, "the marked pixel survives the turns"
    xs, ys = [p[0] for p in dark], [p[1] for p in dark]
    box = box_to_original((min(xs), min(ys), max(xs) + 1, max(ys) + 1), [quarter, small], original.size)
    assert box[0] <= 41 and box[2] >= 41 and box[1] <= 31 and box[3] >= 31
    assert box[2] - box[0] < 6 and box[3] - box[1] < 6
    # the turned page is as large as PIL's own expanding rotation, and white where it grew
    assert tilted.size == turned.rotate(3.0, expand=True).size
    assert tilted.getpixel((0, 0)) == 255 and tilted.getpixel((tilted.width - 1, tilted.height - 1)) == 255


def test_skew_estimate_undoes_a_two_degree_tilt():
    tilted = render_lines(LINES).rotate(2.0, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    assert estimate_skew(tilted) == pytest.approx(-2.0, abs=0.3)
    assert abs(estimate_skew(render_lines(LINES))) <= 0.2


def test_vertical_lines_mark_a_page_read_on_its_side():
    vertical = [OcrWord("集", (10, 0, 30, 20), 90, 1), OcrWord("群", (10, 22, 30, 42), 90, 1),
                OcrWord("名", (10, 44, 30, 64), 90, 1)]
    horizontal = [OcrWord("集群", (0, 0, 40, 20), 90, 2), OcrWord("名称", (42, 0, 82, 20), 90, 2)]
    assert vertical_line_share(vertical) == 1.0
    assert vertical_line_share(horizontal) == 0.0


def test_unknown_engine_is_a_usage_error():
    with pytest.raises(UsageError):
        engine_for(Settings(ocr_engine="nonexistent"))


# ---------------------------------------------------------------- real Tesseract


def test_noisy_tilted_scan_reads_chinese_with_columns_and_point_boxes():
    settings = Settings()
    page, findings = ocr_image(degrade(render_lines(LINES), 1.5), "扫描件.jpg", 3, settings, dpi=300)
    assert findings == []
    assert page.method is ReadMethod.OCR and page.number == 3
    assert (page.width, page.height) == pytest.approx((420, 150), abs=0.5)
    text = page.text()
    assert cer(text, LINES) < 0.08, text
    assert " 专" not in text and "专 " not in text  # no spaces inside Chinese
    rows = [line.text for line in page.lines()]
    assert any(row.count("\t") >= 2 and "0234567" in row for row in rows), rows
    assert page.ocr_confidence and page.ocr_confidence > settings.ocr_confidence_floor
    first = next(page.lines())
    assert first.prov.method is ReadMethod.OCR and first.prov.file == "扫描件.jpg" and first.prov.page == 3
    x0, top, x1, bottom = first.prov.bbox
    assert 10 < x0 < 30 and 12 < top < 30 and x1 < 420 and bottom < 45  # points, near where it was drawn


def test_page_turned_on_its_side_is_read_upright_with_boxes_on_the_page_as_given():
    lines = LINES[:2] + ["集群成立时间：2011年3月，填报日期：2022年10月8日"]
    turned = degrade(render_lines(lines, size_pt=(420, 110)), 0.0).transpose(Image.Transpose.ROTATE_90)
    page, _ = ocr_image(turned, "侧放.png", 1, Settings(), dpi=300)
    assert cer(page.text(), lines) < 0.12, page.text()
    assert (page.width, page.height) == pytest.approx((110, 420), abs=0.5)
    for line in page.lines():
        x0, top, x1, bottom = line.prov.bbox
        assert 0 <= x0 < x1 <= 110.5 and 0 <= top < bottom <= 420.5
        assert bottom - top > x1 - x0  # a text line runs up the page as given


def test_confidence_below_the_floor_is_a_warning_with_the_page_as_evidence():
    page, findings = ocr_image(render_lines(LINES[:1], size_pt=(300, 40)), "a.png", 2, Settings(ocr_confidence_floor=99.5))
    assert [f.code for f in findings] == [FindingCode.OCR_LOW_CONFIDENCE]
    assert findings[0].severity is Severity.WARNING
    assert (findings[0].evidence[0].file, findings[0].evidence[0].page) == ("a.png", 2)
    assert "专利清单" in page.text()


def test_page_time_limit_becomes_a_finding_not_an_exception():
    page, findings = ocr_image(render_lines(LINES), "慢.png", 5, Settings(ocr_page_timeout_s=0.000001))
    assert page.blocks == [] and page.number == 5
    assert [f.code for f in findings] == [FindingCode.FILE_UNREADABLE]
    assert "超时" in findings[0].message and findings[0].evidence[0].page == 5


def test_dot_leaders_are_erased_and_text_punctuation_and_page_numbers_stay():
    scale = 300 / 72
    page = Image.new("L", (int(500 * scale), int(60 * scale)), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, int(11 * scale), index=0)
    draw.text((20 * scale, 10 * scale), "4.产业链图谱", font=font, fill=0)
    draw.text((100 * scale, 10 * scale), "." * 60, font=font, fill=0)
    draw.text((470 * scale, 10 * scale), "4", font=font, fill=0)
    draw.text((20 * scale, 35 * scale), "面积约27.9平方公里。企业、平台", font=font, fill=0)
    page = degrade(page, 0.0)
    cleaned, found = remove_leader_dots(page, 300)
    assert found

    def ink(image: Image.Image, box_pt: tuple[float, float, float, float]) -> int:
        region = image.crop(tuple(int(v * scale) for v in box_pt))
        return int((np.asarray(region) < 128).sum())

    leaders_box, heading_box, number_box, sentence_box = (100, 10, 460, 28), (20, 10, 95, 28), (465, 10, 490, 28), (20, 35, 300, 55)
    assert ink(page, leaders_box) > 200 and ink(cleaned, leaders_box) < 20
    for box in (heading_box, number_box, sentence_box):
        assert ink(cleaned, box) == ink(page, box)
    assert remove_leader_dots(render_lines(LINES), 300) == (render_lines(LINES), False)


def test_a_confident_read_on_its_side_loses_to_the_upright_read():
    from extractors.ocr.page import _Pass, _preference

    blank = Image.new("L", (10, 10), 255)
    sideways = _Pass(blank, [], [OcrWord("集群内重点企业", (10, 0, 30, 140), 95, 1), OcrWord("名单如下", (10, 142, 30, 222), 95, 1)])
    upright = _Pass(blank, [], [OcrWord("集群内重点企业", (0, 10, 140, 30), 80, 1), OcrWord("名单如下", (142, 10, 222, 30), 80, 1)])
    assert sideways.score > upright.score
    assert max((sideways, upright), key=_preference) is upright


def test_only_doubtful_figures_cells_are_read_again():
    def words(text: str, confidence: float) -> list[OcrWord]:
        return [OcrWord(text, (0, 0, 10, 10), confidence)]

    assert _doubtful_figures(words("80.89%", 95))  # Chinese-only Tesseract adds a digit before "%"
    assert _doubtful_figures(words("GB/VT38294-2020", 29))  # an unsure standard code
    assert _doubtful_figures(words("Q/X010-2020", 96))  # a sure one too: its letters get dropped ("Q/JX")
    assert not _doubtful_figures(words("2021", 93))  # a sure year stays as read
    assert not _doubtful_figures(words("集群名称", 20))  # not a figures cell


# ---------------------------------------------------------------- several pages in one engine run


def test_pages_read_together_read_as_each_alone():
    from extractors.ocr import tesseract
    from extractors.ocr.page import ocr_images

    pages = [degrade(render_lines(LINES), 0.8, seed=3), render_lines(LINES[:2]), degrade(render_lines(LINES[2:]), -0.6, seed=5)]
    together = tesseract.recognize_words_many(pages, lang="chi_sim", psm=3, dpi=300)
    alone = [tesseract.recognize_words(page, lang="chi_sim", psm=3, dpi=300) for page in pages]
    assert [[w.text for w in words] for words in together] == [[w.text for w in words] for words in alone]
    assert all(together)

    settings = Settings()
    batched = ocr_images([(page, "扫描件.pdf", n, 300) for n, page in enumerate(pages, 1)], settings)
    single = [ocr_image(page, "扫描件.pdf", n, settings, dpi=300) for n, page in enumerate(pages, 1)]
    assert [p.text() for p, _ in batched] == [p.text() for p, _ in single]
    assert [p.number for p, _ in batched] == [1, 2, 3] and "集群" in batched[0][0].text()


def test_pages_read_together_that_run_out_of_time_fail_one_by_one():
    from extractors.ocr.page import ocr_images

    pages = [(render_lines(LINES), "慢.pdf", n, 300) for n in (4, 5)]
    read = ocr_images(pages, Settings(ocr_page_timeout_s=0.000001))
    assert [page.number for page, _ in read] == [4, 5]
    for page, findings in read:
        assert page.blocks == [] and [f.code for f in findings] == [FindingCode.FILE_UNREADABLE]
        assert "超时" in findings[0].message and findings[0].evidence[0].page == page.number


def test_ocr_pages_go_to_workers_in_chunks_and_the_last_ones_alone():
    from extractors.readers.pdf import OCR_CHUNK_PAGES, _chunks

    ordered = [9, 3, 7, 1, 2, 8, 4, 6, 5, 10, 11]
    chunks = _chunks(ordered, 2)
    assert [n for chunk in chunks for n in chunk] == ordered  # every page once, in the order given
    assert all(len(chunk) == 1 for chunk in chunks[-4:]) and max(map(len, chunks)) == OCR_CHUNK_PAGES
    assert _chunks([5, 6], 2) == [[5], [6]] and _chunks([], 2) == []
