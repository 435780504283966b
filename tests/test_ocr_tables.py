"""Ruled tables on scanned pages: grid detection on drawn images (pure), then real
Tesseract on a table cropped from a generated scanned packet."""

from __future__ import annotations

import re

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw, ImageFont
from rapidfuzz import fuzz

from extractors.ocr.cells import _figures_only
from extractors.ocr.corrections import repair_brackets
from extractors.ocr.geometry import estimate_skew
from extractors.ocr.layout import join_cell_lines
from extractors.ocr.geometry import turn as _turn
from extractors.ocr.page import ocr_image
from extractors.ocr.grid import (
    RuleSegment,
    build_grid,
    cell_strip,
    erase_rules,
    find_tables,
    placement_at,
)
from pipeline.core.document import ReadMethod, Table
from pipeline.core.settings import Settings

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
DPI = 200


def draw_table(merge_first_row: bool = True, skew: float = 0.0) -> Image.Image:
    """A 4×3 ruled table at 200 dpi: a title row spanning all columns (when merged), a
    label cell spanning two rows, and a wrapped two-line cell."""
    page = Image.new("L", (1200, 800), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, 30, index=0)
    xs, ys = [100, 400, 750, 1100], [100, 200, 300, 400, 520]
    for y in ys:
        draw.line([(xs[0], y), (xs[-1], y)], fill=0, width=3)
    for i, x in enumerate(xs):
        for r in range(4):
            if merge_first_row and r == 0 and 0 < i < len(xs) - 1:
                continue  # the title row has no inner column rules
            draw.line([(x, ys[r]), (x, ys[r + 1])], fill=0, width=3)
    # the label cell (rows 1-2, column 0) has no rule between its two rows
    draw.line([(xs[0], ys[2]), (xs[0] + 2, ys[2])], fill=255, width=5)
    draw.rectangle([xs[0] + 3, ys[2] - 3, xs[1] - 3, ys[2] + 3], fill=255)
    draw.text((450, 130), "专利清单", font=font, fill=0)
    draw.text((130, 280), "集群总产值", font=font, fill=0)
    draw.text((430, 230), "2019年", font=font, fill=0)
    draw.text((780, 230), "2020年", font=font, fill=0)
    draw.text((430, 330), "551000万元", font=font, fill=0)
    draw.text((780, 330), "641000万元", font=font, fill=0)
    draw.text((130, 420), "专利名称", font=font, fill=0)
    draw.text((430, 415), "羊绒纱线无缝织造", font=font, fill=0)
    draw.text((430, 465), "装置及控制方法", font=font, fill=0)
    draw.line([(100, 700), (900, 700)], fill=0, width=3)  # a signature underline: not a table
    if skew:
        page = page.rotate(skew, resample=Image.Resampling.BICUBIC, fillcolor=255)
    return page


# ---------------------------------------------------------------- grid detection (pure)


def test_grid_with_merged_cells_is_recovered():
    scan = find_tables(draw_table(), DPI)
    assert len(scan.tables) == 1, "the underline alone is not a table"
    grid = scan.tables[0]
    assert (grid.n_rows, grid.n_cols) == (4, 3)
    assert [round(x / 10) for x in grid.xs] == [10, 40, 75, 110]
    assert [round(y / 10) for y in grid.ys] == [10, 20, 30, 40, 52]
    title = grid.cells[grid.slot_owner[(0, 0)]]
    assert (title.row_span, title.col_span) == (1, 3)
    label = grid.cells[grid.slot_owner[(1, 0)]]
    assert grid.slot_owner[(2, 0)] == grid.slot_owner[(1, 0)]
    assert (label.row_span, label.col_span) == (2, 1)
    assert len(grid.cells) == 1 + 1 + 2 + 2 + 3  # title, label, four values, the last row's three cells


def test_slightly_skewed_grid_still_found_after_deskew():
    image = draw_table(skew=1.2)
    upright, _ = _turn(image, estimate_skew(image))
    grid = find_tables(upright, DPI).tables[0]
    assert (grid.n_rows, grid.n_cols) == (4, 3)


def test_rules_are_erased_and_text_kept():
    image = draw_table(merge_first_row=False)
    scan = find_tables(image, DPI)
    erased = np.asarray(erase_rules(image, scan))
    assert erased[100, 250] > 200 and erased[300, 400] > 200, "rule pixels painted white"
    assert (erased[415:460, 430:700] < 128).sum() > 200, "cell text survives"
    assert (erased[695:705, 100:900] < 128).sum() > 1000, "the underline outside the table stays"


def test_page_without_rules_has_no_tables():
    page = Image.new("L", (800, 400), 255)
    ImageDraw.Draw(page).text((50, 50), "一二三 —— 正文", font=ImageFont.truetype(FONT, 30, index=0), fill=0)
    scan = find_tables(page, DPI)
    assert scan.tables == [] and scan.rule_mask is None


def test_big_title_characters_are_not_a_table():
    page = Image.new("L", (1600, 500), 255)
    ImageDraw.Draw(page).text((50, 50), "中小企业特色产业集群", font=ImageFont.truetype(FONT, 110, index=0), fill=0)
    assert find_tables(page, 300).tables == []


def test_missing_inner_rule_merges_two_slots():
    horizontal = [RuleSegment(0, 0, 300), RuleSegment(100, 0, 300), RuleSegment(200, 0, 300)]
    vertical = [RuleSegment(0, 0, 200), RuleSegment(300, 0, 200), RuleSegment(150, 100, 200)]
    grid = build_grid(horizontal, vertical, tolerance=3)
    assert (grid.n_rows, grid.n_cols) == (2, 2)
    assert grid.slot_owner[(0, 0)] == grid.slot_owner[(0, 1)]
    assert grid.slot_owner[(1, 0)] != grid.slot_owner[(1, 1)]


def test_cell_strip_skips_empty_cells_and_maps_back():
    image = draw_table()
    scan = find_tables(image, DPI)
    grid = scan.tables[0]
    strip, placements = cell_strip(erase_rules(image, scan), grid, DPI)
    assert len(placements) == len(grid.cells) - 1  # the empty last cell is skipped
    wrapped = grid.slot_owner[(3, 1)]
    placement = next(p for p in placements if p.cell == wrapped)
    assert placement_at(placements, (placement.top + placement.bottom) / 2) is placement
    x0, y0, x1, y1 = grid.cells[wrapped].box
    page_top = placement.offset_y + placement.top
    assert y0 < page_top < y0 + 10 and x0 < placement.offset_x + 8 < x0 + 10, "crop sits just inside its cell"
    assert strip.height >= sum(p.bottom - p.top for p in placements)


def test_a_tall_cell_strip_is_read_in_pieces_no_taller_than_the_page_that_map_back_alike():
    from extractors.ocr.cells import strip_pieces

    image = draw_table()
    scan = find_tables(image, DPI)
    strip, placements = cell_strip(erase_rules(image, scan), scan.tables[0], DPI)
    tallest = max(p.bottom - p.top for p in placements)
    limit = tallest + 70  # about two cells a piece
    pieces = strip_pieces(strip, placements, limit)
    assert 1 < len(pieces) < len(placements)
    assert all(piece.height <= limit + 60 and piece.width == strip.width for piece, _ in pieces)  # + the gaps' halves
    cut = [q for _, qs in pieces for q in qs]
    assert [q.cell for q in cut] == [p.cell for p in placements]
    for whole, part in zip(placements, cut):  # the same page rows, and the same pixels
        assert whole.offset_y + whole.top == part.offset_y + part.top and whole.offset_x == part.offset_x
    for piece, qs in pieces:
        for q in qs:
            original = next(p for p in placements if p.cell == q.cell)
            assert np.array_equal(np.asarray(piece)[q.top:q.bottom], np.asarray(strip)[original.top:original.bottom])
    assert len(strip_pieces(strip, placements, strip.height)) == 1


def test_wrapped_cell_lines_join_without_a_space():
    assert join_cell_lines(["DB13/T 2059-202", "1"]) == "DB13/T 2059-2021"
    assert join_cell_lines(["羊绒纱线无缝织造装置及", "控制方法"]) == "羊绒纱线无缝织造装置及控制方法"
    assert join_cell_lines(["Smart", "Factory"]) == "Smart Factory"


def test_misread_opening_bracket_is_repaired_only_when_closed_by_a_parenthesis():
    assert repair_brackets("优质企业梯度培育情况〈家)") == "优质企业梯度培育情况(家)"
    assert repair_brackets("公共服务平台〈市级）") == "公共服务平台(市级）"
    assert repair_brackets("河北恒信绒业《印度尼西亚)有限公司") == "河北恒信绒业(印度尼西亚)有限公司"
    assert repair_brackets("〈标准化法〉") == "〈标准化法〉" and repair_brackets("《中华人民共和国标准化法》") == "《中华人民共和国标准化法》"
    assert repair_brackets("甲〈乙") == "甲〈乙"


def test_cells_of_figures_are_told_from_cells_of_words():
    assert _figures_only("80.89%") and _figures_only("6,200 人") and _figures_only("ZL201915654152.8")
    assert not _figures_only("河北方正绒业科技股份有限公司") and not _figures_only("高新技术企业")


# ---------------------------------------------------------------- real Tesseract on a generated scan


@pytest.fixture(scope="module")
def scanned_packet(tmp_path_factory) -> tuple[pdfium.PdfDocument, dict]:
    from sample_docs.generate import generate_packet

    out = tmp_path_factory.mktemp("scan")
    truth = generate_packet("scanned", out, seed=1)
    return pdfium.PdfDocument(str(out / "packets" / truth["sections"][0]["file"])), truth


def first_page_of_item(packet: tuple[pdfium.PdfDocument, dict], item: int) -> Image.Image:
    """The page of a generated scanned packet where an item starts, as scanned (200 dpi)."""
    pdf, truth = packet
    section = next(s for s in truth["sections"] if s["item"] == item)
    return pdf[section["first_page"] - 1].render(scale=DPI / 72).to_pil().convert("L")


@pytest.fixture(scope="module")
def scanned_patent_page(scanned_packet) -> tuple[Image.Image, dict]:
    return first_page_of_item(scanned_packet, 8), scanned_packet[1]


def test_scanned_patent_table_cells_match_truth(scanned_patent_page):
    image, truth = scanned_patent_page
    upright, _ = _turn(image, estimate_skew(image))
    tables = find_tables(upright, DPI).tables
    # the patent table: the last on the page (the standards table may sit above it)
    x0, y0, x1, y1 = tables[-1].box
    crop = upright.crop((max(0, int(x0) - 20), max(0, int(y0) - 20), int(x1) + 20, int(y1) + 20))
    page, findings = ocr_image(crop, "scan.pdf", 5, Settings(), dpi=DPI)
    assert findings == []
    blocks = [b for b in page.blocks if isinstance(b, Table)]
    assert len(blocks) == 1
    table = blocks[0]
    assert table.prov.method is ReadMethod.OCR and table.rows[1][1].prov.confidence is not None
    by_number = {p["number"]: p for p in truth["lists"]["patents"]}
    matched = []
    for row in table.text_rows()[1:]:
        digits = re.sub(r"[^0-9X.]", "", "".join(row))
        number = next((n for n in by_number if n in digits), None)
        if number is None:
            continue
        patent = by_number[number]
        holder = max(fuzz.ratio(cell, patent["holder"]) for cell in row)
        title = max(fuzz.ratio(cell, patent["title"]) for cell in row)
        matched.append((holder, title))
    assert len(matched) >= 4, table.text_rows()
    assert sum(h for h, _ in matched) / len(matched) >= 90
    assert sum(t for _, t in matched) / len(matched) >= 90


def test_scanned_application_form_keeps_labels_and_values_in_their_rows(scanned_packet):
    """The 申报表: two label/value pairs a row, merged label cells; the figures read right."""
    page, findings = ocr_image(first_page_of_item(scanned_packet, 1), "scan.pdf", 3, Settings(), dpi=DPI)
    tables = [b for b in page.blocks if isinstance(b, Table)]
    assert findings == [] and len(tables) == 1
    rows = tables[0].text_rows()
    indicators = scanned_packet[1]["indicators"]

    def value_right_of(label: str) -> str:
        for row in rows:
            for c, text in enumerate(row):
                if fuzz.ratio(text, label) >= 85:
                    return next(t for t in row[c + 1:] if t != text)
        raise AssertionError(f"{label} not found in {rows}")

    assert value_right_of("中小企业产值占集群总产值比重").replace(" ", "") == f"{indicators['sme_output_share_pct']:g}%"
    assert value_right_of("主导产业占比").replace(" ", "") == f"{indicators['leading_industry_share_pct']:g}%"
    assert value_right_of("万人发明专利拥有量(件)") == f"{indicators['patents_per_10k']:g}"
    merged = [row[0] for row in rows if row[0].startswith("优质企业")]
    assert len(merged) == 5, "the tier label spans its five rows"
