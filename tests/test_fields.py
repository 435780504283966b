"""Indicators from item 1 in every shape: label/value tables, forms, OCR'd tables, prose; and on generated packets."""

from __future__ import annotations

from tests.rounds import TITLES_2022

from pathlib import Path

import pytest

from extractors.analysis.indicators import classify_label, extract_indicators
from pipeline.core.document import Cell, FileKind, Line, Page, Provenance, ReadMethod, SourceDocument, Table
from pipeline.core.result import INDICATOR_KEYS, Cover
from tests.rounds import CANONICAL_TITLES
from extractors.analysis.spans import LocatedBlock, SectionIndex, SectionSpan

# --------------------------------------------------------------------------- hand-made documents


def make_lines(texts: list[str], file: str = "申报表.pdf", method: ReadMethod = ReadMethod.TEXT) -> list[Line]:
    return [
        Line(text=t, prov=Provenance(file=file, page=1, bbox=(72.0, 80.0 + 20 * i, 520.0, 92.0 + 20 * i), method=method))
        for i, t in enumerate(texts)
    ]


def make_table(rows: list[list[str]], file: str = "申报表.docx") -> Table:
    prov = Provenance(file=file, page=1, method=ReadMethod.DOCX)
    cells = [[Cell(text=t, row=r, col=c, prov=prov) for c, t in enumerate(row)] for r, row in enumerate(rows)]
    return Table(rows=cells, prov=prov)


def make_doc(blocks: list, name: str = "申报表.pdf", kind: FileKind = FileKind.PDF) -> SourceDocument:
    method = ReadMethod.DOCX if kind is FileKind.DOCX else ReadMethod.TEXT
    return SourceDocument(name=name, sha256="0" * 64, kind=kind, pages=[Page(number=1, method=method, blocks=blocks)], page_count=1)


def make_index(sections: dict[int, SourceDocument], fill_date: str | None = "2022-09-29") -> SectionIndex:
    spans = []
    for item, title in CANONICAL_TITLES.items():
        span = SectionSpan(item=item, title=title)
        if item in sections:
            doc = sections[item]
            span.present, span.file, span.first_page, span.last_page = True, doc.name, 1, 1
            span.blocks = [LocatedBlock(doc=doc, page=p, block=b) for p, b in doc.iter_blocks()]
        spans.append(span)
    return SectionIndex(cover=Cover(fill_date=fill_date), toc=[], toc_found=False, sections=spans, order=sorted(sections), titles=TITLES_2022)


def values(indicators) -> dict:
    return {k: v.value for k, v in indicators.items()}


# --------------------------------------------------------------------------- shapes

PROSE = [
    "集群基本情况：集群占地面积约12.5平方公里，2019—2021年集群产值分别为45.2亿元、51.8亿元和58.9",
    "亿元，年均增长14.2%。中小企业产值占集群总产值比重为85.3%，主导产业产值占比78.6%。",
    "集群内拥有制造业单项冠军企业2家，其中国家级专精特新“小巨人”企业5家、省级专精特新中小企业33家、创新型中小企业21家、国家级高新技术企业18家。",
    "近三年中小企业研发经费支出年均增长12.3%，有效发明专利560件，有效发明专利年均增长率18.5%，集群从业人员1.2万人，",
    "每万人有效发明专利拥有量46.7件，工业互联网平台应用普及率达到23.5%。",
]
EXPECTED = {
    "area_km2": 12.5,
    "output_yi_by_year": {"2019": 45.2, "2020": 51.8, "2021": 58.9},
    "sme_output_share_pct": 85.3,
    "leading_industry_share_pct": 78.6,
    "output_growth_pct": 14.2,
    "champion_count": 2,
    "little_giant_count": 5,
    "specialized_sme_count": 33,
    "innovative_sme_count": 21,
    "high_tech_count": 18,
    "rd_growth_pct": 12.3,
    "valid_invention_patents": 560,
    "patent_growth_pct": 18.5,
    "employees": 12000,
    "patents_per_10k": 46.7,
    "industrial_internet_pct": 23.5,
}


def test_prose_with_wrapped_lines() -> None:
    doc = make_doc(make_lines(PROSE))
    found = extract_indicators(make_index({1: doc}), [doc])
    assert values(found) == EXPECTED
    evidence = found["output_growth_pct"].evidence
    assert evidence.file == "申报表.pdf" and evidence.page == 1 and evidence.bbox is not None
    assert "年均增长14.2%" in evidence.text and len(evidence.text) <= 200


def test_label_value_table_with_merged_cells_and_year_columns() -> None:
    table = make_table(
        [
            ["中小企业特色产业集群申报表"] * 4,
            ["集群名称", "某某集群", "某某集群", "某某集群"],
            ["集群成立时间", "2016年10月", "占地面积", "近12.5平方千米"],
            ["集群总产值（万元）", "2019年", "2020年", "2021年"],
            ["集群总产值（万元）", "452000", "518,000", "589000"],
            ["产值年均增速", "14.2%", "从业人员数", "12,000人"],
            ["中小企业产值占比", "85.3%", "主导产业占比", "78.6%"],
            ["优质企业梯度培育情况（家）", "制造业单项冠军企业", "2", "2"],
            ["优质企业梯度培育情况（家）", "专精特新“小巨人”企业", "5", "5"],
            ["优质企业梯度培育情况（家）", "省级专精特新中小企业", "33", "33"],
            ["优质企业梯度培育情况（家）", "创新型中小企业", "21", "21"],
            ["优质企业梯度培育情况（家）", "国家级高新技术企业", "18", "18"],
            ["中小企业研发投入年均增长率", "12.3%", "工业互联网平台应用普及率", "23.5%"],
            ["拥有有效发明专利（件）", "560", "有效发明专利年均增长率", "18.5%"],
            ["每万人有效发明专利拥有量（件）", "46.7", "46.7", "46.7"],
        ]
    )
    doc = make_doc([table], name="申报表.docx", kind=FileKind.DOCX)
    found = extract_indicators(make_index({1: doc}), [doc])
    assert values(found) == EXPECTED
    assert found["patents_per_10k"].evidence.text == "每万人有效发明专利拥有量（件）：46.7"


def test_label_above_value_and_years_in_rows() -> None:
    table = make_table(
        [
            ["占地面积（亩）", "从业人员（万人）", "工业互联网平台应用普及率（%）"],
            ["18750", "1.2", "23.5"],
            ["年份", "集群总产值（亿元）", "备注"],
            ["2019", "45.2", ""],
            ["2020", "51.8", ""],
            ["2021", "五十八点九", ""],
        ]
    )
    doc = make_doc([table], name="申报表.docx", kind=FileKind.DOCX)
    found = values(extract_indicators(make_index({1: doc}), [doc]))
    assert found["area_km2"] == 12.5
    assert found["employees"] == 12000
    assert found["industrial_internet_pct"] == 23.5
    assert found["output_yi_by_year"] == {"2019": 45.2, "2020": 51.8, "2021": 58.9}


def test_ocr_table_lines_with_tabs_and_gaps() -> None:
    lines = make_lines(
        [
            "中小企业特色产业集群申报表",
            "指标\t2019年\t2020年\t2021年",
            "集群总产值(亿元)\t45.2\t51.8\t58.9",
            "集群占地面积   12.5 平方公里   从 业 人 员   12,000人",
            "有效发明专利数  560件  有效发明专利年均增长率  18.5％",
            "每万人有效发明专利拥有量\t46.7",
        ],
        method=ReadMethod.OCR,
    )
    doc = make_doc(lines)
    found = values(extract_indicators(make_index({1: doc}), [doc]))
    assert found["output_yi_by_year"] == {"2019": 45.2, "2020": 51.8, "2021": 58.9}
    assert found["area_km2"] == 12.5
    assert found["employees"] == 12000
    assert found["valid_invention_patents"] == 560
    assert found["patent_growth_pct"] == 18.5
    assert found["patents_per_10k"] == 46.7
    assert found["rd_growth_pct"] is None  # not written: never guessed


def test_ocr_prose_with_a_wide_gap_inside_a_sentence() -> None:
    """Justified prose read by OCR: a tab after "的" is a gap in a sentence, not a column (as read on a scan)."""
    lines = make_lines(
        [
            "集群规划面积 94.4 平方干米，集群从业人员 0.68 万人。",
            "2021 年中小企业产值占集群总产值的\t82.9%，主导产业产值占集群总",
            "产值比例为 79.6%。",
        ],
        method=ReadMethod.OCR,
    )
    doc = make_doc(lines)
    found = values(extract_indicators(make_index({1: doc}), [doc]))
    assert found["sme_output_share_pct"] == 82.9 and found["leading_industry_share_pct"] == 79.6
    assert found["area_km2"] == 94.4  # "千" misread as "干": "平方" + two characters is still km²
    assert found["employees"] == 6800


def test_years_written_after_each_value() -> None:
    doc = make_doc(make_lines(["近三年集群总产值分别为５６．９亿元（2019年）、64.2亿元（2020年）、71.8亿元（2021年），产值年均增速１２．３％。"]))
    found = values(extract_indicators(make_index({1: doc}), [doc]))
    assert found["output_yi_by_year"] == {"2019": 56.9, "2020": 64.2, "2021": 71.8}
    assert found["output_growth_pct"] == 12.3


def test_one_year_per_clause_in_wan() -> None:
    doc = make_doc(make_lines(["2019年集群总产值452000万元，2020年518000万元，2021年589000万元。"]))
    found = values(extract_indicators(make_index({1: doc}), [doc]))
    assert found["output_yi_by_year"] == {"2019": 45.2, "2020": 51.8, "2021": 58.9}


def test_growth_after_another_subject_is_not_output_growth() -> None:
    doc = make_doc(make_lines(["集群中小企业研发经费支出2021年达3.2亿元，年均增长12.3%。集群产值年均增长14.2%。"]))
    found = values(extract_indicators(make_index({1: doc}), [doc]))
    assert found["rd_growth_pct"] == 12.3
    assert found["output_growth_pct"] == 14.2
    assert found["output_yi_by_year"] is None  # 研发经费 is not 产值


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("有效发明专利年均增长率", "patent_growth_pct"),
        ("有效发明专利（件）", "valid_invention_patents"),
        ("每万名从业人员有效发明专利拥有量", "patents_per_10k"),
        ("万人发明专利拥有量（件）", "patents_per_10k"),
        ("专精特新中小企业", "specialized_sme_count"),
        ("国家级专精特新“小巨人”企业", "little_giant_count"),
        ("中小企业产值占集群总产值比重", "sme_output_share_pct"),
        ("主导产业产值占比", "leading_industry_share_pct"),
        ("中小企业研发投入年均增长率", "rd_growth_pct"),
        ("工业互联网平台普及率", "industrial_internet_pct"),
        ("规划面积", "area_km2"),
        ("集群从业人员总数", "employees"),
        ("近三年产值（亿元）", "output_yi_by_year"),
        ("有效发朋专利年均増长率", "patent_growth_pct"),  # OCR-garbled characters
        ("制造业单项过守企业", "champion_count"),  # "冠军" garbled, as read on a generated scan
        ("制造业单项冠军企业", "champion_count"),
        ("集群名称", None),
        ("填报单位", None),
    ],
)
def test_labels_by_meaning_without_cross_talk(label: str, key: str | None) -> None:
    assert classify_label(label) == key


def test_whole_packet_is_searched_when_item_1_is_not_found() -> None:
    doc = make_doc(make_lines(PROSE))
    found = extract_indicators(make_index({}), [doc])
    assert values(found) == EXPECTED


def test_nothing_written_gives_nulls_for_every_key() -> None:
    doc = make_doc(make_lines(["中小企业特色产业集群申报表", "集群名称：某某集群", "填报日期：2022年9月29日"]))
    found = extract_indicators(make_index({1: doc}), [doc])
    assert set(found) == set(INDICATOR_KEYS)
    assert all(v.value is None and v.evidence is None for v in found.values())


# --------------------------------------------------------------------------- generated packets

GENERATED = [("text_table", 17), ("text_prose", 3), ("docx", 15)]


def read_generated(variant: str, seed: int, out: Path):
    """Generate one packet and read it through the real stages up to find_sections."""
    from extractors.readers.registry import read_member
    from pipeline.intake.packet import load_packet
    from tests.rounds import find_sections
    from pipeline.core.settings import Settings
    from sample_docs.generate import generate_packet

    truth = generate_packet(variant, out, seed)
    packet = next(p for p in (out / "packets").iterdir() if p.name.startswith(f"s{seed:04d}_{variant}"))
    settings = Settings(data_dir=out / "data", use_cache=False)
    loaded = load_packet(packet, out / "work", settings)
    docs = [d for d in (read_member(m, settings).document for m in loaded.members) if d is not None]
    return truth, docs, find_sections(docs)


@pytest.mark.parametrize(("variant", "seed"), GENERATED)
def test_generated_packet_indicators_are_exact(variant: str, seed: int, tmp_path: Path) -> None:
    truth, docs, index = read_generated(variant, seed, tmp_path)
    found = extract_indicators(index, docs)
    for key, expected in truth["indicators"].items():
        assert found[key].value == expected, key
        if expected is not None:
            assert found[key].evidence is not None and found[key].evidence.file


def test_scanned_table_lines_with_a_label_broken_over_two_lines() -> None:
    lines = make_lines(
        [
            "2019 年\t2020 年\t2021 年",
            "集群总产值\t一",
            "551000 万元\t641000 万元\t740000 万元",
            "中小企业产值占集群总",
            "产值比重\t80.8%\t主导产业占比\t86%",
            "制造业单项冠军企业 | 1",
        ],
        method=ReadMethod.OCR,
    )
    doc = make_doc(lines)
    found = values(extract_indicators(make_index({1: doc}), [doc]))
    assert found["output_yi_by_year"] == {"2019": 55.1, "2020": 64.1, "2021": 74.0}
    assert found["sme_output_share_pct"] == 80.8
    assert found["leading_industry_share_pct"] == 86
    assert found["champion_count"] == 1


# --------------------------------------------------------------------------- layouts of other writers


def test_unit_in_its_own_column() -> None:
    """序号 | 指标 | 单位 | 数值: the unit cell is a hint, not the value."""
    table = make_table(
        [
            ["序号", "指标", "单位", "数值"],
            ["1", "集群规划面积", "亩", "4,800"],
            ["2", "集群产值（2019年）", "万元", "2,081,600"],
            ["3", "集群产值（2020年）", "万元", "2,263,000"],
            ["4", "集群产值（2021年）", "万元", "2,514,700"],
            ["5", "从业人员", "万人", "6.3"],
            ["6", "高新技术企业", "家", "98"],
        ]
    )
    doc = make_doc([table], name="申报表.docx", kind=FileKind.DOCX)
    found = values(extract_indicators(make_index({1: doc}), [doc]))
    assert found["area_km2"] == 3.2
    assert found["output_yi_by_year"] == {"2019": 208.16, "2020": 226.3, "2021": 251.47}
    assert found["employees"] == 63000
    assert found["high_tech_count"] == 98


def test_years_as_rows_give_the_latest_year() -> None:
    table = make_table(
        [
            ["年份", "研发经费投入增长率（%）", "有效发明专利（件）", "从业人员（万人）"],
            ["2019", "9.8", "180", "3.1"],
            ["2020", "10.6", "205", "3.3"],
            ["2021", "12.1", "236", "3.5"],
        ]
    )
    doc = make_doc([table], name="申报表.docx", kind=FileKind.DOCX)
    found = values(extract_indicators(make_index({1: doc}), [doc]))
    assert (found["rd_growth_pct"], found["valid_invention_patents"], found["employees"]) == (12.1, 236, 35000)


def test_year_named_inside_each_output_cell() -> None:
    table = make_table([["近三年产值（亿元）", "2019年：36.7", "2020年：41.2", "2021年：47.5"], ["中小企业产值占比", "87%", "", ""]])
    doc = make_doc([table], name="申报表.docx", kind=FileKind.DOCX)
    found = values(extract_indicators(make_index({1: doc}), [doc]))
    assert found["output_yi_by_year"] == {"2019": 36.7, "2020": 41.2, "2021": 47.5}
    assert found["sme_output_share_pct"] == 87.0


def test_prose_years_in_separate_clauses_and_a_share_named_earlier() -> None:
    lines = make_lines(
        [
            "集群2021年实现总产值58.9亿元，较2019年的45.2亿元明显增长，2020年产值为51.8亿元，近三年产值年均增长14.2%。",
            "2021年集群中小企业实现产值3,237,270万元，占集群总产值的87.0%；主导产业产值占比为百分之九十。",
        ]
    )
    doc = make_doc(lines)
    found = values(extract_indicators(make_index({1: doc}), [doc]))
    assert found["output_yi_by_year"] == {"2019": 45.2, "2020": 51.8, "2021": 58.9}
    assert found["output_growth_pct"] == 14.2
    assert found["sme_output_share_pct"] == 87.0
    assert found["leading_industry_share_pct"] == 90.0


def test_unit_row_inside_the_table_governs_bare_numbers() -> None:
    table = make_table(
        [
            ["中小企业特色产业集群申报表", "中小企业特色产业集群申报表"],
            ["单位：万元、平方公里、家、人、%", "单位：万元、平方公里、家、人、%"],
            ["2019年集群产值", "3152000"],
            ["2020年集群产值", "3398600"],
            ["2021年集群产值", "3867500"],
            ["集群规划面积", "15.8"],
        ],
        file="附件1 申报表.xlsx",
    )
    doc = make_doc([table], name="附件1 申报表.xlsx", kind=FileKind.XLSX)
    found = values(extract_indicators(make_index({1: doc}), [doc]))
    assert found["output_yi_by_year"] == {"2019": 315.2, "2020": 339.86, "2021": 386.75}
    assert found["area_km2"] == 15.8


def test_item_1_body_referring_to_an_attached_form() -> None:
    """Item 1 in the body says "见附件1申报表"; the values are in the file named for item 1."""
    body = make_doc(make_lines(["见附件1申报表（Excel）。"]), name="申报材料.pdf")
    form = make_doc([make_table([["有效发明专利数（件）", "733"], ["工业互联网平台普及率", "39.4%"]], file="附件1 申报表.xlsx")], name="附件1 申报表.xlsx", kind=FileKind.XLSX)
    found = values(extract_indicators(make_index({1: body}), [body, form]))
    assert (found["valid_invention_patents"], found["industrial_internet_pct"]) == (733, 39.4)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            ["近三年（2019-2021年），集群产值由45.2亿元增长到58.9亿元，年均增长14.2%，其中2020年为51.8亿元。"],
            {"output_yi_by_year": {"2019": 45.2, "2020": 51.8, "2021": 58.9}, "output_growth_pct": 14.2},
        ),
        (
            # the years of the second sentence belong to the output named in the first; 同比 is not 年均
            ["2021年，集群实现营业收入58.9亿元，同比增长13.7%。2019年、2020年分别为45.2亿元、51.8亿元。"],
            {"output_yi_by_year": {"2019": 45.2, "2020": 51.8, "2021": 58.9}, "output_growth_pct": None},
        ),
        (
            ["集群有效发明专利总量达到1,024件，较2019年增长35.6%，年均增长16.4%。"],
            {"valid_invention_patents": 1024, "patent_growth_pct": 16.4},
        ),
        (
            # 中小企业 output by year is not the cluster's output
            ["其中中小企业产值2019年、2020年分别为40.1亿元、45.3亿元。"],
            {"output_yi_by_year": None},
        ),
        (
            # a 研发 named in an earlier clause does not make the output a sub-subject's
            ["集群坚持研发创新，2019—2021年集群产值分别为45.2亿元、51.8亿元和58.9亿元。"],
            {"output_yi_by_year": {"2019": 45.2, "2020": 51.8, "2021": 58.9}},
        ),
    ],
)
def test_prose_by_year_and_growth_variants(lines: list[str], expected: dict) -> None:
    doc = make_doc(make_lines(lines))
    found = values(extract_indicators(make_index({1: doc}), [doc]))
    assert {k: found[k] for k in expected} == expected


def test_output_years_continued_in_the_rows_below() -> None:
    table = make_table([["集群产值（亿元）", "2019", "45.2"], ["", "2020", "51.8"], ["", "2021", "58.9"], ["从业人员（人）", "12000", ""]])
    doc = make_doc([table], name="申报表.docx", kind=FileKind.DOCX)
    found = values(extract_indicators(make_index({1: doc}), [doc]))
    assert found["output_yi_by_year"] == {"2019": 45.2, "2020": 51.8, "2021": 58.9}
    assert found["employees"] == 12000


def test_a_share_typed_as_a_fraction() -> None:
    table = make_table([["中小企业产值占比", "0.842"], ["主导产业产值占比", "86.4"], ["工业互联网平台普及率", "0.5"]], file="申报表.xlsx")
    doc = make_doc([table], name="申报表.xlsx", kind=FileKind.XLSX)
    found = values(extract_indicators(make_index({1: doc}), [doc]))
    assert (found["sme_output_share_pct"], found["leading_industry_share_pct"], found["industrial_internet_pct"]) == (84.2, 86.4, 0.5)


def test_ocr_garbled_patent_labels_still_name_the_patents() -> None:
    """OCR garbles "专利" ("云利", "支刊"); "有效发明" still says which indicator the row is."""
    table = make_table(
        [
            ["有效发明专利(件)", "15", "角效发明云利年均增长率", "19.6%"],
            ["每万人有效发明支刊拥有量(件)", "23.4", "23.4", "23.4"],
            ["中小企业研发经费年均增长", "15.5%", "工业互联网平台应用普及率", "19.7%"],
        ],
        file="申报表.pdf",
    )
    got = values(extract_indicators(make_index({1: make_doc([table])}), []))
    assert {k: got[k] for k in ("valid_invention_patents", "patent_growth_pct", "patents_per_10k", "rd_growth_pct", "industrial_internet_pct")} == {
        "valid_invention_patents": 15,
        "patent_growth_pct": 19.6,
        "patents_per_10k": 23.4,
        "rd_growth_pct": 15.5,
        "industrial_internet_pct": 19.7,
    }
