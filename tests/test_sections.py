"""find_sections over hand-built documents: heading styles, noise, splits, traps, files, the 目录, the cover."""

from __future__ import annotations

import pytest

from extractors.analysis.cover import clean_value, extract_cover, match_label
from pipeline.core.document import FileKind, Line, ReadMethod, SourceDocument
from extractors.analysis.headings import split_numbering, split_page_number
from tests.rounds import match_title
from tests.rounds import CANONICAL_TITLES
from tests.rounds import file_item, find_sections
from section_builders import (
    BODY,
    COVER_LINES,
    NUMBERING,
    PageSpec,
    make_doc,
    prov,
    single_file_packet,
    table,
)

ALL_ITEMS = tuple(range(1, 21))


def assert_all_found(index, first_pages: dict[int, int]) -> None:
    for span in index.sections:
        assert span.present, f"item {span.item} not found"
        assert not span.empty, f"item {span.item} taken as empty"
        assert span.first_page == first_pages[span.item], f"item {span.item}"
    assert index.order == list(ALL_ITEMS)


# --- headings --------------------------------------------------------------------------------


@pytest.mark.parametrize("numbering", sorted(NUMBERING))
def test_every_numbering_style_finds_all_twenty_items(numbering):
    doc, first_pages = single_file_packet(numbering=numbering)
    index = find_sections([doc])
    assert_all_found(index, first_pages)
    assert all(s.last_page == s.first_page for s in index.sections)
    assert all(s.file == "申报材料.pdf" for s in index.sections)


REPHRASED = {
    2: "市级工业和信息化主管部门现场核查符合性说明",
    3: "集群内重点企业名单（省级以上“专精特新”中小企业、制造业单项冠军、国家级高新技术企业等）",
    4: "集群产业链图谱",
    5: "集群制造资源共享工作开展情况证明材料",
    6: "集群质量品牌建设工作相关材料",
    7: "集群内企业近三年主持（起草单位排名前三位）或参与制修订的标准目录",
    8: "有效发明专利清单（包括发明专利、国防专利、植物新品种等）",
    9: "集群协同创新工作证明材料",
    10: "数字化服务工作佐证材料",
    11: "集群开展数字化新模式、新业态推广工作证明材料",
    12: "集群碳排放监测机制建设情况",
    13: "碳达峰、碳中和宣传和监测工作证明材料",
    14: "集群能源和资源综合利用工作证明材料",
    15: "绿色低碳公共服务能力证明材料",
    16: "集群国际合作交流活动证明材料",
    17: "集群内企业境外分支机构清单及营业执照",
    18: "中小企业公共服务平台清单及认定文件",
    19: "集群已提供的中小企业公共服务清单及合同",
    20: "集群治理情况证明材料",
}


@pytest.mark.parametrize("numbering", ["cn", "none"])
def test_rephrased_headings_match_by_meaning(numbering):
    doc, first_pages = single_file_packet(numbering=numbering, titles=REPHRASED)
    assert_all_found(find_sections([doc]), first_pages)


def test_similar_items_are_told_apart():
    # items that share most of their words
    for item in (5, 6, 9, 10, 11, 12, 13, 18, 19):
        assert match_title(CANONICAL_TITLES[item]).item == item
    assert match_title("集群已开展的质量品牌建设工作证明材料").item == 6
    assert match_title("集群已提供的中小企业公共服务清单").item == 19
    assert match_title("集群已建设的中小企业公共服务平台清单").item == 18


@pytest.mark.parametrize(
    "text, number, rest",
    [
        ("一、集群治理情况佐证材料", 1, "集群治理情况佐证材料"),
        ("十二、集群碳排放监测机制", 12, "集群碳排放监测机制"),
        ("（三）集群内重点企业名单", 3, "集群内重点企业名单"),
        ("(3) 集群内重点企业名单", 3, "集群内重点企业名单"),
        ("第三项 集群内重点企业名单", 3, "集群内重点企业名单"),
        ("附件8有效发明专利清单", 8, "有效发明专利清单"),
        ("材料 8：有效发明专利清单", 8, "有效发明专利清单"),
        ("08 有效发明专利清单", 8, "有效发明专利清单"),
        ("03-重点企业名单", 3, "重点企业名单"),
        ("8.集群内中小企业有效发明专利清单", 8, "集群内中小企业有效发明专利清单"),
        ("集群治理情况佐证材料", None, "集群治理情况佐证材料"),
        ("2021年产值45亿元", None, "2021年产值45亿元"),
    ],
)
def test_numbering_prefixes_are_stripped(text, number, rest):
    assert split_numbering(text) == (number, rest)


def test_ocr_noise_spaces_and_missing_font_sizes():
    noisy = {
        5: "集群己开展的制造资源共亨工作佐证材料",
        9: "集 群 已 开 展 的 协 同 创 新 工 作 佐 证 材 枓",
        13: "集群开展碳达峰碳中和相关宣传，监测等工作情况佐让材料",
        17: "集群或集群内企业在境外设立分支机枸清单、营业执照等",
    }
    doc, first_pages = single_file_packet(numbering="dun", titles=noisy)
    ocr_doc = make_doc(
        doc.name,
        [PageSpec([b.text for b in page.blocks[:-1]]) for page in doc.pages],
        method=ReadMethod.OCR,
    )
    assert_all_found(find_sections([ocr_doc]), first_pages)


def test_noisy_heading_without_numbering_is_still_found_first_on_its_page():
    doc, first_pages = single_file_packet(numbering="none", titles={9: "集群己开展的协同创祈工作佐证材料"})
    assert find_sections([doc]).section(9).first_page == first_pages[9]


@pytest.mark.parametrize(
    "split",
    [
        "集群内中小企业有效发明专利清单（包括发明专利、国防专利、\n植物新品种、国家级农作物品种等）",
        "集群内中小企业有效\n发明专利清单",
        "集群开展碳达峰碳中和相关宣传、\n监测等工作情况佐证材料",
    ],
)
def test_heading_split_over_two_lines(split):
    item = 8 if "专利" in split else 13
    doc, first_pages = single_file_packet(numbering="cn", titles={item: split})
    index = find_sections([doc])
    assert_all_found(index, first_pages)
    second_line = split.split("\n")[1]
    assert all(b.block.text != second_line for b in index.section(item).blocks)


def test_cross_references_and_sentences_are_not_headings():
    bodies = {
        5: ["集群已开展的制造资源共享工作如下。", "详见附件8有效发明专利清单", "有关专利情况详见附件8有效发明专利清单。"],
        11: ["集群建立了完善的碳排放监测机制，并定期发布监测报告。", "集群碳排放监测机制，覆盖规上企业"],
    }
    doc, _ = single_file_packet(items=[i for i in ALL_ITEMS if i not in (8, 12)], bodies=bodies)
    index = find_sections([doc])
    assert not index.section(8).present
    assert not index.section(12).present
    assert index.section(5).present and index.section(11).present


def test_toc_and_cover_lines_are_not_headings():
    doc, _ = single_file_packet(items=[i for i in ALL_ITEMS if i not in (1, 8)])
    index = find_sections([doc])
    assert not index.section(1).present  # the cover says 申报材料, the 目录 lists 申报表
    assert not index.section(8).present
    assert index.toc_found and len(index.toc) == 20


def test_table_cells_are_not_headings():
    doc, _ = single_file_packet(items=[i for i in ALL_ITEMS if i != 3])
    page = doc.pages[2]  # item 1
    page.blocks.insert(2, table(doc.name, 3, [["材料", "说明"], ["集群内重点企业名单", "另附"], ["产业链图谱", "另附"]]))
    index = find_sections([doc])
    assert not index.section(3).present
    assert index.section(1).present


def test_empty_items():
    bodies = {12: ["无"], 13: [], 14: ["略。", "- 16 -"]}
    doc, _ = single_file_packet(bodies=bodies)
    index = find_sections([doc])
    assert [s.item for s in index.sections if s.empty] == [12, 13, 14]
    assert all(s.present for s in index.sections)


def test_item_over_several_pages_keeps_its_blocks():
    doc, first_pages = single_file_packet(extra_pages={8: 2, 20: 1})
    index = find_sections([doc])
    assert_all_found(index, first_pages)
    assert index.section(8).last_page == first_pages[8] + 2
    assert index.section(20).last_page == first_pages[20] + 1
    assert any("续2" in b.block.text for b in index.section(8).blocks)
    assert not any("续" in b.block.text for b in index.section(9).blocks)


def test_out_of_order_items_are_reported_in_packet_order():
    items = [1, 2, 3, 4, 6, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20, 19]
    doc, first_pages = single_file_packet(items=items)
    index = find_sections([doc])
    assert index.order == items
    assert all(index.section(i).first_page == first_pages[i] for i in items)


def test_several_items_on_one_page_docx_without_page_breaks():
    lines: list[str | Line] = list(COVER_LINES)
    for item in ALL_ITEMS:
        lines.append(
            Line(
                text=CANONICAL_TITLES[item],
                prov=prov("申报材料.docx", 1, 0, ReadMethod.DOCX).model_copy(update={"bbox": None}),
                style="Heading 1",
                numbering=f"{item}.",
            )
        )
        lines.extend(BODY[item])
    doc = make_doc("申报材料.docx", [PageSpec(lines)], kind=FileKind.DOCX, method=ReadMethod.DOCX, footer=None)
    index = find_sections([doc])
    assert all(s.present and not s.empty and s.first_page == 1 for s in index.sections)
    assert index.order == list(ALL_ITEMS)
    assert not index.toc_found
    assert [b.block.text for b in index.section(8).blocks] == BODY[8]
    assert index.cover.cluster_name == "浚县食品加工产业集群"


# --- folder packets: an item per file ----------------------------------------------------------------


def test_file_names_identify_items():
    assert file_item("08 有效发明专利清单.xlsx") == 8
    assert file_item("03-重点企业名单.pdf") == 3
    assert file_item("申报材料/12 集群碳排放监测机制.docx") == 12
    assert file_item("附件3 中小企业特色产业集群申报材料.pdf") is None
    assert file_item("封面.pdf") is None
    assert file_item("目录.pdf") is None


def test_folder_packet_with_one_file_per_item():
    docs = [make_doc("00 封面.pdf", [COVER_LINES])]
    for item in ALL_ITEMS:
        name = f"{item:02d} {CANONICAL_TITLES[item]}"
        if item == 8:
            rows = [["序号", "专利号", "专利名称", "专利权人"], ["1", "ZL202110234567.8", "一种面粉加工方法", "河南味丰食品有限公司"]]
            doc = make_doc(f"{name}.xlsx", [[table(f"{name}.xlsx", 1, rows, name="专利清单")]], kind=FileKind.XLSX, footer=None)
        elif item == 4:  # a file with no heading inside, two pages
            doc = make_doc(f"{name}.pdf", [[BODY[4][0]], [BODY[4][1]]])
        else:
            doc = make_doc(f"{name}.pdf", [[f"{CANONICAL_TITLES[item]}", *BODY[item]]])
        docs.append(doc)
    index = find_sections(docs)
    for span in index.sections:
        assert span.present and not span.empty, span.item
        assert span.file.startswith(f"{span.item:02d} ")
        assert span.first_page == 1
    assert index.section(4).last_page == 2
    assert index.order == list(ALL_ITEMS)
    assert index.cover.region == "河南省鹤壁市浚县"


def test_file_heading_mode_when_a_file_holds_several_items():
    main = single_file_packet(items=list(range(1, 8)), toc=False)[0]
    docs = [main]
    rows = [["集群内中小企业有效发明专利清单", "", ""], ["序号", "专利号", "专利名称"], ["1", "ZL202110234567.8", "一种面粉加工方法"]]
    docs.append(make_doc("附件 专利.xlsx", [[table("附件 专利.xlsx", 1, rows, name="Sheet1")]], kind=FileKind.XLSX, footer=None))
    rest = make_doc("09-20 其他材料.pdf", [[f"{n}、{CANONICAL_TITLES[n]}", *BODY[n]] for n in range(9, 21)])
    docs.append(rest)
    index = find_sections(docs)
    assert all(s.present and not s.empty for s in index.sections)
    assert index.section(8).file == "附件 专利.xlsx"
    assert index.section(12).file == "09-20 其他材料.pdf" and index.section(12).first_page == 4
    assert index.order == list(ALL_ITEMS)


def test_empty_stub_heading_loses_to_the_item_file():
    bodies = {8: ["详见附件。"]}
    main = single_file_packet(bodies=bodies, toc=False)[0]
    rows = [["序号", "专利号"], ["1", "ZL202110234567.8"]]
    patents = make_doc("08 有效发明专利清单.xlsx", [[table("08 有效发明专利清单.xlsx", 1, rows)]], kind=FileKind.XLSX, footer=None)
    index = find_sections([main, patents])
    assert index.section(8).file == "08 有效发明专利清单.xlsx"
    assert not index.section(8).empty
    assert not any("详见附件" in b.block.text for b in index.section(7).blocks)


# --- the 目录 ---------------------------------------------------------------------------------------------


def test_toc_pages_are_read():
    doc, first_pages = single_file_packet()
    index = find_sections([doc])
    assert index.toc_found and index.toc_file == "申报材料.pdf"
    assert {s.item: s.toc_page for s in index.sections} == first_pages
    assert index.toc_offset == 0


@pytest.mark.parametrize(
    "text, head, page",
    [
        ("8.集群内中小企业有效发明专利清单……12", "8.集群内中小企业有效发明专利清单", 12),
        ("12.集群碳排放监测机制\t15", "12.集群碳排放监测机制", 15),
        ("集群治理情况佐证材料 38", "集群治理情况佐证材料", 38),
        ("第十项 数字化服务工作佐证材料 ··········· 9", "第十项 数字化服务工作佐证材料", 9),
        ("1.中小企业特色产业集群申报表;", "1.中小企业特色产业集群申报表;", None),
    ],
)
def test_toc_line_page_numbers(text, head, page):
    assert split_page_number(text) == (head, page)


def packet_with_printed_toc(printed: dict[int, int], wrap_item: int | None = None):
    """A packet whose 目录 (its own page, page 2) gives `printed` page numbers."""
    doc, first_pages = single_file_packet(toc=False)
    toc_lines = ["目 录"]
    for item in ALL_ITEMS:
        if item == wrap_item:
            toc_lines += [f"{item}.{CANONICAL_TITLES[item]}（包括发明专利、国防专利、", f"植物新品种等）……{printed[item]}"]
        else:
            toc_lines.append(f"{item}、{CANONICAL_TITLES[item]}  {printed[item]}")
    pages = [PageSpec([b.text for b in doc.pages[0].blocks[:-1]]), PageSpec(toc_lines)]
    pages += [PageSpec([b.text for b in p.blocks[:-1]]) for p in doc.pages[1:]]
    real_first_pages = {item: page + 1 for item, page in first_pages.items()}
    return make_doc(doc.name, pages), real_first_pages


def test_toc_with_a_wrapped_entry():
    doc, first_pages = packet_with_printed_toc({i: 2 + i for i in ALL_ITEMS}, wrap_item=8)
    index = find_sections([doc])
    assert len(index.toc) == 20
    assert {e.item: e.page for e in index.toc}[8] == first_pages[8]
    assert index.toc_offset == 0
    assert all(s.first_page == s.toc_page for s in index.sections)
    assert not any("植物新品种" in b.block.text for b in index.section(1).blocks)


def test_toc_counting_pages_from_the_first_item_gives_an_offset():
    printed = {i: i for i in ALL_ITEMS}  # cover and 目录 not counted: physical = printed + 2
    printed[8] = 12  # one entry wrong
    doc, first_pages = packet_with_printed_toc(printed)
    index = find_sections([doc])
    assert index.toc_offset == 2
    assert [s.item for s in index.sections if s.toc_page + index.toc_offset != s.first_page] == [8]


def test_toc_as_a_table():
    doc, first_pages = single_file_packet(toc=False)
    rows = [["序号", "材料名称", "页码"]] + [[str(i), CANONICAL_TITLES[i], str(first_pages[i] + 1)] for i in ALL_ITEMS]
    pages = [PageSpec([b.text for b in doc.pages[0].blocks[:-1]]), PageSpec(["目录", table(doc.name, 2, rows)])]
    pages += [PageSpec([b.text for b in p.blocks[:-1]]) for p in doc.pages[1:]]
    index = find_sections([make_doc(doc.name, pages)])
    assert index.toc_found and len(index.toc) == 20
    assert all(s.present and s.toc_page == s.first_page for s in index.sections)


# --- the cover ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, key, value",
    [
        ("集 群 名 称：浚县食品加工产业集群", "cluster_name", "浚县食品加工产业集群"),
        ("所在地区: 河南省鹤壁市浚县", "region", "河南省鹤壁市浚县"),
        ("主导产业：食品加工  填报日期：2022年9月29日", "leading_industry", "食品加工"),
        ("所在省、市、县（区）：河南省鹤壁市浚县", "region", "河南省鹤壁市浚县"),
        ("集群运营管理机构：浚县食品产业集群发展促进中心", "management_body", "浚县食品产业集群发展促进中心"),
    ],
)
def test_cover_labels(text, key, value):
    hit = match_label(text)
    assert hit is not None and hit.key == key and hit.value == value


@pytest.mark.parametrize(
    "key, raw, expected",
    [
        ("fill_date", "2022年9月29日", "2022-09-29"),
        ("fill_date", "2022.09.29", "2022-09-29"),
        ("fill_date", "2022-9-29", "2022-09-29"),
        ("fill_date", "二〇二二年九月", "2022-09"),
        ("fill_date", "2022 年 月 日", None),
        ("established", "2015年", "2015"),
        ("cluster_name", "中小企业特色产业集群（××县××产业）", None),
        ("region", "××省××市", None),
        ("leading_industry", "", None),
        ("management_body", "浚县食品产业集群发展促进中心（盖章）", "浚县食品产业集群发展促进中心"),
    ],
)
def test_cover_values_normalised_and_blank_templates_dropped(key, raw, expected):
    assert clean_value(key, raw) == expected


def test_cover_values_on_next_line_in_table_cells_and_from_the_form():
    front = [
        Line(text="集群名称：", prov=prov("a.pdf", 1, 100)),
        Line(text="浚县食品加工产业集群", prov=prov("a.pdf", 1, 120)),
        table("a.pdf", 1, [["所在地区", "河南省鹤壁市浚县"], ["主导产业：", "食品加工"]]),
        Line(text="填报日期：2022 年 月 日", prov=prov("a.pdf", 1, 300)),
    ]
    form = [table("a.pdf", 3, [["集群运营管理机构", "浚县食品产业发展中心", "集群成立时间", "2012年5月"], ["填报日期", "2022.9.30", "", ""]])]
    cover = extract_cover(front, form)
    assert cover.cluster_name == "浚县食品加工产业集群"
    assert cover.evidence["cluster_name"].page == 1
    assert cover.region == "河南省鹤壁市浚县"
    assert cover.leading_industry == "食品加工"
    assert cover.management_body == "浚县食品产业发展中心"
    assert cover.established == "2012-05"
    assert cover.fill_date == "2022-09-30"
    assert cover.evidence["fill_date"].page == 3


def test_blank_template_cover_leaves_fields_null():
    template = ["中小企业特色产业集群 申报材料", "集群名称：中小企业特色产业集群（××县××产业）", "所在地区：××省××市", "主导产业：", "填报日期：2022 年 月 日"]
    doc, _ = single_file_packet(cover=template, bodies={1: ["近三年集群总产值分别为45.2亿元、50.1亿元、56.3亿元。"]})
    index = find_sections([doc])
    assert index.cover.cluster_name is None and index.cover.region is None
    assert index.cover.leading_industry is None and index.cover.fill_date is None
    assert index.section(1).present


# --- generated packets through the real readers -----------------------------------------------------------

GENERATED = (
    ("text_table", 21, ("section_missing", "section_empty", "toc_page_mismatch")),
    ("text_prose", 22, ("section_order",)),
    ("docx", 23, ("toc_page_mismatch", "cover_field_missing")),
    ("docx", 24, ("toc_missing", "section_missing")),
    ("folder", 25, ("toc_page_mismatch", "section_missing", "section_empty")),
)
COMPLETENESS_CODES = {"SECTION_MISSING", "SECTION_EMPTY", "SECTION_ORDER", "TOC_MISSING", "TOC_PAGE_MISMATCH", "COVER_FIELD_MISSING"}


def _read_packet(source, workdir, settings):
    """The packet's documents as the driver reads them: load_packet, then read_member per member."""
    from extractors.readers.registry import read_member
    from pipeline.intake.packet import load_packet

    packet = load_packet(source, workdir, settings)
    docs = [read_member(member, settings).document for member in packet.members]
    return [doc for doc in docs if doc is not None]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    from pipeline.core.settings import Settings
    from sample_docs.generate import generate_packet

    root = tmp_path_factory.mktemp("generated")
    settings = Settings(data_dir=root / "data", use_cache=False)
    out = []
    for variant, seed, defects in GENERATED:
        truth = generate_packet(variant, root, seed, defects)
        source = next(p for p in (root / "packets").iterdir() if p.name.startswith(f"s{seed:04d}_"))
        out.append((truth, _read_packet(source, root / f"work{seed}", settings)))
    return out


@pytest.mark.parametrize("case", range(len(GENERATED)), ids=[f"{v}-{'+'.join(d)}" for v, _, d in GENERATED])
def test_generated_packets_sections_match_truth(generated, case):
    from tests.rounds import check_completeness

    truth, docs = generated[case]
    index = find_sections(docs)
    for expected in truth["sections"]:
        span = index.section(expected["item"])
        got = {key: getattr(span, key) for key in ("present", "empty", "file", "first_page", "last_page", "toc_page")}
        assert got == {key: expected[key] for key in got}, f"item {expected['item']}"
    for key, value in truth["cover"].items():
        if value is not None or key not in ("management_body", "established"):  # those two may come from the 申报表
            assert getattr(index.cover, key) == value, key
    expected_codes = sorted(
        (f["code"], f["item"], f["field"]) for f in truth["expected_findings"] if f["code"] in COMPLETENESS_CODES
    )
    got_codes = sorted((f.code.value, f.item, f.field) for f in check_completeness(index))
    assert got_codes == expected_codes


def test_a_photo_ocr_could_not_read_is_not_an_empty_item():
    from pipeline.core.document import Page

    photo = SourceDocument(
        name="12 碳排放监测机制.jpg", sha256="0" * 64, kind=FileKind.IMAGE,
        pages=[Page(number=1, method=ReadMethod.OCR, blocks=[])], page_count=1,
    )
    index = find_sections([photo])
    assert index.section(12).present and not index.section(12).empty
    assert (index.section(12).first_page, index.section(12).last_page) == (1, 1)


def test_sub_headings_of_other_items_do_not_stand_in_for_a_missing_item():
    bodies = {1: ["一、集群基本情况", "集群名称：浚县食品加工产业集群", "四、协同创新与数字化", "近三年研发经费年均增长12%。", "（三）协同创新情况"]}
    doc, _ = single_file_packet(items=[i for i in ALL_ITEMS if i != 9], bodies=bodies)
    index = find_sections([doc])
    assert not index.section(9).present
    assert [b.block.text for b in index.section(1).blocks][:5] == bodies[1]


def test_body_size_lines_are_not_headings_when_headings_are_set_large():
    bodies = {3: ["协同创新", "集群内企业与高校开展协同创新。"]}
    doc, _ = single_file_packet(numbering="none", items=[i for i in ALL_ITEMS if i != 9], bodies=bodies)
    assert not find_sections([doc]).section(9).present


def test_each_file_may_number_its_items_from_one():
    main = single_file_packet(items=list(range(1, 17)), toc=False)[0]
    docx_lines = []
    for n, item in enumerate((17, 18, 19, 20), start=1):
        docx_lines.append(Line(text=CANONICAL_TITLES[item], prov=prov("17-20 其他.docx", 1, 0, ReadMethod.DOCX), style="Heading 1", numbering=NUMBERING["cn"](n)))
        docx_lines.extend(BODY[item])
    rest = make_doc("17-20 其他.docx", [PageSpec(docx_lines)], kind=FileKind.DOCX, method=ReadMethod.DOCX, footer=None)
    index = find_sections([main, rest])
    assert all(s.present and not s.empty for s in index.sections)
    assert {index.section(i).file for i in (17, 18, 19, 20)} == {"17-20 其他.docx"}


def test_workbook_with_one_list_per_sheet():
    main = single_file_packet(items=[i for i in ALL_ITEMS if i not in (3, 7, 8)], toc=False)[0]
    name = "清单汇总.xlsx"
    sheets = [
        table(name, 1, [["序号", "企业名称", "统一社会信用代码"], ["1", "河南味丰食品有限公司", "91410621MA44XXXX1X"]], name="重点企业名单"),
        table(name, 2, [["序号", "标准编号", "标准名称"], ["1", "GB/T 19001-2016", "质量管理体系"]], name="标准清单"),
        table(name, 3, [["序号", "专利号", "专利名称"], ["1", "ZL202110234567.8", "一种面粉加工方法"]], name="专利清单"),
    ]
    workbook = make_doc(name, [[sheet] for sheet in sheets], kind=FileKind.XLSX, footer=None)
    index = find_sections([main, workbook])
    assert [(index.section(i).file, index.section(i).first_page) for i in (3, 7, 8)] == [(name, 1), (name, 2), (name, 3)]
    assert not any(index.section(i).empty for i in (3, 7, 8))


def test_items_out_of_order_with_sequential_auto_numbering():
    lines: list[str | Line] = []
    order = [1, 2, 3, 4, 5, 6, 7, 8, 10, 9, *range(11, 21)]
    for position, item in enumerate(order, start=1):
        title = REPHRASED.get(item, CANONICAL_TITLES[item]) if item in (9, 10) else CANONICAL_TITLES[item]
        lines.append(Line(text=title, prov=prov("a.docx", 1, 0, ReadMethod.DOCX), style="Heading 1", numbering=NUMBERING["paren_cn"](position)))
        lines.extend(BODY[item])
    doc = make_doc("a.docx", [PageSpec(lines)], kind=FileKind.DOCX, method=ReadMethod.DOCX, footer=None)
    index = find_sections([doc])
    assert index.order == order


def test_heading_merged_by_ocr_with_a_body_line_is_rescued_between_its_neighbours():
    garbled = "(+5)举办羊绒集群制品集产业国际群内合作企业对接在会境外，邀请设立境外采购分支机商 1075 构清单家参、营业执照和"
    doc, first_pages = single_file_packet(numbering="paren_cn", titles={17: garbled})
    ocr_doc = make_doc(
        doc.name,
        [PageSpec([b.text for b in page.blocks[:-1]], frozenset({0})) for page in doc.pages],
        method=ReadMethod.OCR,
    )
    for page in ocr_doc.pages:  # OCR gives font sizes from line heights
        for position, block in enumerate(page.blocks):
            block.font_size = 15.0 if position == 0 else 11.0
    index = find_sections([ocr_doc])
    assert index.section(17).present and index.section(17).first_page == first_pages[17]
    assert index.section(16).last_page == first_pages[16]


def test_no_rescue_for_an_item_that_is_really_missing():
    bodies = {16: ["集群企业在境外参展8次。", "（二）境外合作成果", "与境外企业签订合作协议。"]}
    doc, _ = single_file_packet(numbering="paren_cn", items=[i for i in ALL_ITEMS if i != 17], bodies=bodies)
    assert not find_sections([doc]).section(17).present


def test_attachment_number_on_its_own_line_above_the_title():
    titles = {item: f"附件{item}\n{CANONICAL_TITLES[item]}" for item in ALL_ITEMS}
    doc, first_pages = single_file_packet(numbering="none", titles=titles)
    index = find_sections([doc])
    assert_all_found(index, first_pages)
    assert index.section(8).heading.block.text == "附件8"
    assert CANONICAL_TITLES[8] not in [b.block.text for b in index.section(8).blocks]


@pytest.mark.parametrize(
    "lines, expected",
    [
        (["集群运营管理机构为宁国经济技术开发区管理委员会，集群成立于2016年3月，规划面积12.5平方公里。"],
         {"management_body": "宁国经济技术开发区管理委员会", "established": "2016-03"}),
        (["集群运营管理机构：长垣市起重装备产业促进中心。集群成立时间：2013年4月。"],
         {"management_body": "长垣市起重装备产业促进中心", "established": "2013-04"}),
        (["（一）基本情况。集群运营管理机构：德化县陶瓷产业发展中心；成立时间：2011年", "9月；集群规划面积5.6平方公里。"],
         {"management_body": "德化县陶瓷产业发展中心", "established": "2011-09"}),
        (["填报单位（盖章）：长葛市工业和信息化局填报日期：2022年9月15日"], {"fill_date": "2022-09-15"}),
    ],
)
def test_form_fields_in_sentences(lines, expected):
    form = [Line(text=text, prov=prov("a.pdf", 2, 100 + 20 * n)) for n, text in enumerate(lines)]
    cover = extract_cover([], form)
    assert {key: getattr(cover, key) for key in expected} == expected


def test_stub_headings_pointing_at_attachment_files_keep_the_packet_order():
    bodies = {3: ["详见附件3。"], 8: ["详见附件8。"]}
    main = single_file_packet(name="01 申报材料正文.pdf", bodies=bodies, toc=False)[0]
    rows = [["序号", "企业名称"], ["1", "河南味丰食品有限公司"]]
    enterprises = make_doc("附件3 集群内重点企业名单.xlsx", [[table("附件3 集群内重点企业名单.xlsx", 1, rows)]], kind=FileKind.XLSX, footer=None)
    index = find_sections([main, enterprises])
    assert index.section(3).file == "附件3 集群内重点企业名单.xlsx" and not index.section(3).empty
    assert index.section(8).file == "01 申报材料正文.pdf" and index.section(8).empty  # its attachment is not there
    assert index.order == list(ALL_ITEMS)


def _headed_packet(header: str, empty_item: int) -> SourceDocument:
    """One item per page, each page topped by the same running header; one item only a heading."""
    pages = [PageSpec([header, *COVER_LINES])]
    for item in range(1, 21):
        body = [] if item == empty_item else BODY[item]
        pages.append(PageSpec([header, f"{item}．{CANONICAL_TITLES[item]}", *body], heading_lines=frozenset({1})))
    return make_doc("申报材料.pdf", pages)


@pytest.mark.parametrize("header", ["某省某市特色机械产业集群申报材料", "鹤壁市浚县食品加工产业集群 申报材料（2022年）"])
def test_a_running_header_is_not_the_content_of_an_item_that_is_only_a_heading(header):
    index = find_sections([_headed_packet(header, empty_item=9)])
    nine = index.section(9)
    assert nine.present and nine.empty and nine.first_page == nine.last_page == 10
    assert [s.item for s in index.sections if s.empty] == [9]
    assert not index.section(8).empty and index.section(8).last_page == 9


def test_a_list_header_repeated_on_every_page_stays_in_the_item():
    """A line at the top of every page of one item is still that item's text (only content, not furniture, counts)."""
    header = "序号 企业名称 统一社会信用代码"
    pages = [PageSpec(COVER_LINES)]
    for item in range(1, 21):
        pages.append(PageSpec([f"{item}．{CANONICAL_TITLES[item]}", *BODY[item]], heading_lines=frozenset({0})))
    pages[3:4] = [PageSpec([f"3．{CANONICAL_TITLES[3]}", header, "1 甲公司 91410600MA3X4ABC1Y"], heading_lines=frozenset({0}))] + [
        PageSpec([header, f"{n} 乙公司{n} 91410600MA3X4ABC1Y"]) for n in range(2, 6)
    ]
    index = find_sections([make_doc("申报材料.pdf", pages)])
    three = index.section(3)
    texts = [b.block.text for b in three.blocks if isinstance(b.block, Line)]
    assert texts.count(header) == 5 and not three.empty and three.last_page == 8
