"""check_completeness: codes, severities, items, fields, messages and evidence."""

from __future__ import annotations

import re

from pipeline.core.result import FindingCode, Severity
from tests.rounds import CANONICAL_TITLES
from tests.rounds import find_sections
from section_builders import COVER_LINES, PageSpec, make_doc, single_file_packet
from tests.rounds import check_completeness
from validators.completeness import out_of_order_items

ALL_ITEMS = tuple(range(1, 21))
CJK = re.compile(r"[\u4e00-\u9fff]")


def findings_for(docs):
    return check_completeness(find_sections(docs))


def codes(findings):
    return sorted((f.code.value, f.item, f.field) for f in findings)


def test_a_complete_packet_has_no_findings():
    doc, _ = single_file_packet()
    assert findings_for([doc]) == []


def test_missing_items_are_errors_that_name_the_item_and_point_at_the_toc():
    doc, _ = single_file_packet(items=[i for i in ALL_ITEMS if i not in (8, 17)])
    findings = findings_for([doc])
    assert codes(findings) == [("SECTION_MISSING", 8, None), ("SECTION_MISSING", 17, None)]
    eight = next(f for f in findings if f.item == 8)
    assert eight.severity is Severity.ERROR
    assert CANONICAL_TITLES[8] in eight.message and eight.message.endswith("。")
    assert eight.evidence and eight.evidence[0].page == 2  # the 目录 line
    assert "有效发明专利清单" in eight.evidence[0].text


def test_empty_items_are_errors_with_the_heading_as_evidence():
    doc, first_pages = single_file_packet(bodies={12: ["无"], 19: []})
    findings = findings_for([doc])
    assert codes(findings) == [("SECTION_EMPTY", 12, None), ("SECTION_EMPTY", 19, None)]
    twelve = next(f for f in findings if f.item == 12)
    assert twelve.severity is Severity.ERROR
    assert twelve.evidence[0].file == "申报材料.pdf"
    assert twelve.evidence[0].page == first_pages[12]
    assert twelve.evidence[0].bbox is not None
    assert f"第{first_pages[12]}页" in twelve.message and CANONICAL_TITLES[12] in twelve.message


def test_order_is_one_warning_naming_the_moved_items():
    items = [1, 2, 3, 4, 6, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]
    doc, first_pages = single_file_packet(items=items, toc_pages={5: 8, 6: 7})
    findings = findings_for([doc])
    assert codes(findings) == [("SECTION_ORDER", None, None)]
    order = findings[0]
    assert order.severity is Severity.WARNING
    assert CANONICAL_TITLES[6] in order.message or CANONICAL_TITLES[5] in order.message


def test_longest_run_keeps_most_items_in_place():
    assert out_of_order_items([1, 2, 3]) == []
    assert out_of_order_items([1, 2, 20, 3, 4, 5]) == [20]
    assert out_of_order_items([2, 1, 3, 4]) in ([2], [1])
    assert out_of_order_items([]) == []


def test_missing_toc_is_a_warning():
    doc, _ = single_file_packet(toc=False)
    findings = findings_for([doc])
    assert codes(findings) == [("TOC_MISSING", None, None)]
    assert findings[0].severity is Severity.WARNING and CJK.search(findings[0].message)


def test_toc_page_mismatch_per_wrong_entry():
    doc, first_pages = single_file_packet(toc_pages={8: 30, 15: 3})
    findings = findings_for([doc])
    assert codes(findings) == [("TOC_PAGE_MISMATCH", 8, None), ("TOC_PAGE_MISMATCH", 15, None)]
    eight = next(f for f in findings if f.item == 8)
    assert "第30页" in eight.message and f"第{first_pages[8]}页" in eight.message
    assert [e.page for e in eight.evidence] == [2, first_pages[8]]


def test_toc_offset_flags_only_entries_that_disagree_with_it():
    doc, first_pages = single_file_packet(toc_pages={i: p - 2 for i, p in single_file_packet()[1].items()} | {11: 2})
    findings = findings_for([doc])
    assert codes(findings) == [("TOC_PAGE_MISMATCH", 11, None)]


def folder_packet(toc_page: dict[int, int]):
    toc_doc = make_doc("00 封面及目录.pdf", [COVER_LINES, ["目录"] + [f"{i}.{CANONICAL_TITLES[i]}……{toc_page[i]}" for i in ALL_ITEMS]])
    items = [make_doc(f"{i:02d}-{CANONICAL_TITLES[i]}.pdf", [[CANONICAL_TITLES[i], "本项材料正文内容若干。"]]) for i in ALL_ITEMS]
    return [toc_doc, *items]


def test_toc_numbered_across_the_bound_volume_is_not_compared_with_file_pages():
    assert findings_for(folder_packet({i: i * 3 for i in ALL_ITEMS})) == []


def test_toc_giving_pages_within_each_file_flags_the_entry_that_disagrees():
    pages = {i: 1 for i in ALL_ITEMS} | {7: 3}
    assert codes(findings_for(folder_packet(pages))) == [("TOC_PAGE_MISMATCH", 7, None)]


def test_cover_fields_missing_are_warnings_with_the_field():
    cover = ["中小企业特色产业集群申报材料", "集群名称：浚县食品加工产业集群", "主导产业：××产业", "填报日期：2022 年 月 日"]
    doc, _ = single_file_packet(cover=cover, bodies={1: ["近三年集群总产值分别为45.2亿元、50.1亿元、56.3亿元。"]})
    findings = findings_for([doc])
    assert codes(findings) == [
        ("COVER_FIELD_MISSING", None, "fill_date"),
        ("COVER_FIELD_MISSING", None, "leading_industry"),
        ("COVER_FIELD_MISSING", None, "region"),
    ]
    assert all(f.severity is Severity.WARNING and "封面" in f.message for f in findings)


def test_cover_fields_found_in_the_form_are_not_missing():
    cover = ["中小企业特色产业集群申报材料", "集群名称：浚县食品加工产业集群"]
    form = ["所在地区：河南省鹤壁市浚县", "主导产业：食品加工", "填报日期：2022年9月29日"]
    doc, _ = single_file_packet(cover=cover, bodies={1: form})
    index = find_sections([doc])
    assert index.cover.fill_date == "2022-09-29"
    assert [f for f in check_completeness(index) if f.code is FindingCode.COVER_FIELD_MISSING] == []


def test_every_message_is_one_chinese_sentence():
    doc, _ = single_file_packet(items=[1, 3, 2, *range(5, 20)], bodies={7: []}, toc_pages={9: 40}, cover=COVER_LINES[:2])
    findings = findings_for([doc])
    assert {f.code for f in findings} >= {
        FindingCode.SECTION_MISSING,
        FindingCode.SECTION_EMPTY,
        FindingCode.SECTION_ORDER,
        FindingCode.TOC_PAGE_MISMATCH,
        FindingCode.COVER_FIELD_MISSING,
    }
    for finding in findings:
        assert CJK.search(finding.message) and finding.message.endswith("。")
        assert finding.message.count("。") == 1


def test_scanned_style_packet_without_footers():
    doc, _ = single_file_packet()
    pages = [PageSpec([b.text for b in p.blocks[:-1]]) for p in doc.pages]
    assert findings_for([make_doc(doc.name, pages, footer=None)]) == []
