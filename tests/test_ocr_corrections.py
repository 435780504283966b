"""OCR corrections live in one module and touch only text whose provenance is OCR.

Each correction: the misread it repairs (as OCR gives it) and a text-layer sentence it
must leave alone.
"""

from __future__ import annotations

import pytest

from extractors.analysis.indicators import extract_indicators
from extractors.analysis.lists import extract_lists
from extractors.analysis.ocr_corrections import corrected_block, repair_ocr_area_unit, repair_ocr_standard_slash
from pipeline.core.document import Cell, FileKind, Line, Page, Provenance, ReadMethod, SourceDocument, Table
from pipeline.core.result import Cover
from tests.rounds import CANONICAL_TITLES, TITLES_2022
from extractors.analysis.spans import LocatedBlock, SectionIndex, SectionSpan


def _line(text: str, method: ReadMethod) -> Line:
    return Line(text=text, prov=Provenance(file="材料.pdf", page=1, bbox=(72.0, 80.0, 520.0, 92.0), method=method))


def _doc(blocks: list, method: ReadMethod) -> SourceDocument:
    return SourceDocument(name="材料.pdf", sha256="0" * 64, kind=FileKind.PDF, page_count=1,
                          pages=[Page(number=1, method=method, blocks=blocks)])


def _index(item: int, doc: SourceDocument) -> SectionIndex:
    spans = []
    for number, title in CANONICAL_TITLES.items():
        span = SectionSpan(item=number, title=title)
        if number == item:
            span.present, span.file, span.first_page, span.last_page = True, doc.name, 1, 1
            span.blocks = [LocatedBlock(doc=doc, page=p, block=b) for p, b in doc.iter_blocks()]
        spans.append(span)
    return SectionIndex(cover=Cover(fill_date="2022-09-29"), toc=[], toc_found=False, sections=spans, order=[item], titles=TITLES_2022)


# --------------------------------------------------------------------------- 平方 + two garbled characters


def test_garbled_km2_is_repaired_in_ocr_text() -> None:
    assert repair_ocr_area_unit("集群规划面积近 88.3 平方后六") == "集群规划面积近 88.3 平方公里"
    assert repair_ocr_area_unit("面积 94.4 平方干米，") == "面积 94.4 平方公里，"


def test_a_word_after_pingfang_is_not_a_garbled_unit() -> None:
    # "左右" is a word: the writer meant square metres loosely, OCR or not
    assert repair_ocr_area_unit("新建厂房5000平方左右") == "新建厂房5000平方左右"


def test_garbled_km2_repair_applies_to_ocr_lines_only() -> None:
    ocr = _line("集群占地面积 88.3 平方后六。", ReadMethod.OCR)
    text = _line("集群占地面积 88.3 平方后六。", ReadMethod.TEXT)
    assert corrected_block(ocr).text == "集群占地面积 88.3 平方公里。"
    assert corrected_block(text) is text
    scanned = _doc([ocr], ReadMethod.OCR)
    assert extract_indicators(_index(1, scanned), [scanned])["area_km2"].value == 88.3
    layer = _doc([text], ReadMethod.TEXT)
    assert extract_indicators(_index(1, layer), [layer])["area_km2"].value is None


def test_square_metres_in_a_text_layer_are_never_km2() -> None:
    """"厂房5000平方左右" in a text PDF: no area of 5,000 km² (the bug this module ended)."""
    doc = _doc([_line("集群内企业新建标准化厂房5000平方左右，集群占地面积12.5平方公里。", ReadMethod.TEXT)], ReadMethod.TEXT)
    assert extract_indicators(_index(1, doc), [doc])["area_km2"].value == 12.5


# --------------------------------------------------------------------------- a standard code's slash


def test_standard_slash_is_repaired_in_ocr_text() -> None:
    assert repair_ocr_standard_slash("QV/JX005-2020") == "Q/JX005-2020"
    assert repair_ocr_standard_slash("GB/VT 1234-2020") == "GB/T 1234-2020"
    assert repair_ocr_standard_slash("TCMIF 283-2020") == "T/CMIF 283-2020"
    assert repair_ocr_standard_slash("TSG 21-2016") == "TSG 21-2016"  # a code of its own


def test_standard_slash_repair_applies_to_ocr_cells_only() -> None:
    def table(method: ReadMethod) -> Table:
        prov = Provenance(file="材料.pdf", page=1, method=method)
        rows = [["序号", "标准号", "标准名称"], ["1", "QV/JX 005-2020", "起重机用钢丝绳"]]
        return Table(rows=[[Cell(text=t, row=r, col=c, prov=prov) for c, t in enumerate(row)] for r, row in enumerate(rows)], prov=prov)

    scanned = _doc([table(ReadMethod.OCR)], ReadMethod.OCR)
    assert [s.number for s in extract_lists(_index(7, scanned), [scanned]).standards] == ["Q/JX 005-2020"]
    layer = _doc([table(ReadMethod.TEXT)], ReadMethod.TEXT)
    assert [s.number for s in extract_lists(_index(7, layer), [layer]).standards] != ["Q/JX 005-2020"]


def test_standard_slash_repair_is_not_applied_outside_the_standards_list() -> None:
    line = _line("TCMIF 283-2020", ReadMethod.OCR)
    assert corrected_block(line).text == "TCMIF 283-2020"
    assert corrected_block(line, standards=True).text == "T/CMIF 283-2020"


# --------------------------------------------------------------------------- look-alike letters in a USCC

from extractors.analysis.ocr_corrections import repair_ocr_uscc  # noqa: E402


@pytest.mark.parametrize(
    ("read", "repaired"),
    [
        ("91330100MAONJUL76Y", "91330100MA0NJUL76Y"),  # O is not in the USCC alphabet
        ("代码：914IO100 MAH9O9NE8G 高新", "代码：91410100MAH909NE8G 高新"),  # I neither; blanks from OCR
        ("9133S1Z0MA0NJUL76Y", "91335120MA0NJUL76Y"),  # the region code is all digits
        ("91410783MA8NSGN48F", "91410783MA8N5GN48F"),  # S→5 where the code then checks
        ("91430281MA31TIHL94", "91430281MA31TJHL94"),  # I read for J: the reading that checks
        ("91430281MA31T1HL94", "91430281MA31T1HL94"),  # no look-alike: kept, the validator reports it
        ("91410783MASNSGN48A", "91410783MA5N5GN48A"),  # no reading checks: the likeliest, for the validator
    ],
)
def test_uscc_lookalikes_are_read_back_in_ocr_text(read: str, repaired: str) -> None:
    assert repair_ocr_uscc(read) == repaired


def test_uscc_lookalikes_in_a_text_layer_are_kept_as_written() -> None:
    typed = _line("统一社会信用代码：91330100MAONJUL76Y", ReadMethod.TEXT)
    assert corrected_block(typed) is typed
    scanned = _line("统一社会信用代码：91330100MAONJUL76Y", ReadMethod.OCR)
    assert corrected_block(scanned).text == "统一社会信用代码：91330100MA0NJUL76Y"


def test_a_word_drawn_like_qianmi_is_still_a_garbled_unit() -> None:
    # "干冰" is a word, but OCR made it of "千米": the unit, not dry ice
    assert repair_ocr_area_unit("集群占地面积近 88.9 平方干冰") == "集群占地面积近 88.9 平方公里"


def test_a_speck_before_the_percent_sign_is_removed_in_ocr_text_only() -> None:
    scanned = _line("主导产业产值占集群总产值比例\t82.1g%", ReadMethod.OCR)
    assert corrected_block(scanned).text == "主导产业产值占集群总产值比例\t82.1%"
    typed = _line("指标B：12.5x%（见附注）", ReadMethod.TEXT)
    assert corrected_block(typed) is typed


def test_a_speck_read_as_a_point_inside_a_patent_number_goes_in_ocr_text_only() -> None:
    from extractors.analysis.ocr_corrections import repair_ocr_patent_dots

    assert repair_ocr_patent_dots("专利号 20161.0690502.0 一种") == "专利号 201610690502.0 一种"
    assert repair_ocr_patent_dots("产值 1.234.5 亿元，版本 3.1.2.0") == "产值 1.234.5 亿元，版本 3.1.2.0"
    ocr = _line("3 20161.0690502.0 一种羊绒面料的染色方法", ReadMethod.OCR)
    text = _line("3 20161.0690502.0 一种羊绒面料的染色方法", ReadMethod.TEXT)
    assert "201610690502.0" in corrected_block(ocr).text
    assert corrected_block(text) is text
