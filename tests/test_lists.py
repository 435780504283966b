"""The five lists from tables, XLSX sheets, OCR'd tables and numbered lines; and on generated packets."""

from __future__ import annotations

from tests.rounds import TITLES_2022

import json
from pathlib import Path

import pytest

from extractors.analysis.lists import extract_lists, parse_honors, patent_kind
from pipeline.core.document import Cell, FileKind, Line, Page, Provenance, ReadMethod, SourceDocument, Table
from pipeline.core.result import Cover
from tests.rounds import CANONICAL_TITLES
from extractors.analysis.spans import LocatedBlock, SectionIndex, SectionSpan

# --------------------------------------------------------------------------- hand-made documents


def make_lines(texts: list[str], file: str = "清单.pdf", method: ReadMethod = ReadMethod.TEXT, right: float = 520.0) -> list[Line]:
    """Lines one under the other; a text ending in "⏎" is drawn up to the right margin (it wraps)."""
    out = []
    for i, text in enumerate(texts):
        wraps = text.endswith("⏎")
        x1 = right if wraps else 300.0
        out.append(Line(text=text.rstrip("⏎"), prov=Provenance(file=file, page=1, bbox=(72.0, 80.0 + 20 * i, x1, 92.0 + 20 * i), method=method)))
    return out


def make_table(rows: list[list[str]], file: str = "清单.docx", page: int = 1, name: str | None = None,
               method: ReadMethod | None = None) -> Table:
    method = method or (ReadMethod.XLSX if file.endswith(".xlsx") else ReadMethod.DOCX)
    prov = Provenance(file=file, page=page, method=method)
    cells = [[Cell(text=t, row=r, col=c, prov=prov) for c, t in enumerate(row)] for r, row in enumerate(rows)]
    return Table(rows=cells, prov=prov, name=name)


def make_doc(pages: list[list], name: str = "清单.pdf", kind: FileKind = FileKind.PDF) -> SourceDocument:
    method = {FileKind.DOCX: ReadMethod.DOCX, FileKind.XLSX: ReadMethod.XLSX}.get(kind, ReadMethod.TEXT)
    return SourceDocument(
        name=name,
        sha256="0" * 64,
        kind=kind,
        pages=[Page(number=i + 1, method=method, blocks=blocks) for i, blocks in enumerate(pages)],
        page_count=len(pages),
    )


def make_index(sections: dict[int, SourceDocument]) -> SectionIndex:
    spans = []
    for item, title in CANONICAL_TITLES.items():
        span = SectionSpan(item=item, title=title)
        if item in sections:
            doc = sections[item]
            span.present, span.file, span.first_page, span.last_page = True, doc.name, 1, len(doc.pages)
            span.blocks = [LocatedBlock(doc=doc, page=p, block=b) for p, b in doc.iter_blocks()]
        spans.append(span)
    return SectionIndex(cover=Cover(), toc=[], toc_found=False, sections=spans, order=sorted(sections), titles=TITLES_2022)


def plain(entries) -> list[dict]:
    return [e.model_dump(exclude={"evidence"}) for e in entries]


# --------------------------------------------------------------------------- key enterprises (item 3)


def test_enterprise_table_with_title_row_and_total_row() -> None:
    table = make_table(
        [
            ["集群内重点企业名单"] * 4,
            ["序号", "企业名称", "统一社会信用代码", "企业荣誉"],
            ["1", "郑州永达机械有限公司", "91410100170034606D", "国家级专精特新“小巨人”企业、国家级高新技术企业"],
            ["2", "华英科技股份有限公司", "91350100M0001TGQXM", "省级专精特新中小企业，创新型中小企业"],
            ["3", "鑫源制造有限公司", "9141010017003460XX", "制造业单项冠军示范企业；高企"],
            ["合计", "3家", "", ""],
        ],
        file="重点企业.docx",
    )
    lists = extract_lists(make_index({3: make_doc([[table]], "重点企业.docx", FileKind.DOCX)}), [])
    assert plain(lists.key_enterprises) == [
        {"name": "郑州永达机械有限公司", "uscc": "91410100170034606D", "honors": ["little_giant", "high_tech"]},
        {"name": "华英科技股份有限公司", "uscc": "91350100M0001TGQXM", "honors": ["specialized_sme", "innovative_sme"]},
        # a wrong check character is kept for the validators to report
        {"name": "鑫源制造有限公司", "uscc": "9141010017003460XX", "honors": ["champion", "high_tech"]},
    ]
    evidence = lists.key_enterprises[0].evidence
    assert evidence.file == "重点企业.docx" and "郑州永达机械有限公司" in evidence.text


def test_enterprise_numbered_lines_wrapped_before_a_long_code() -> None:
    lines = make_lines(
        [
            "集群现有重点企业3家，名单如下：",
            "1. 宁国新宇汽车部件科技股份有限公司（统一社会信用代码：",
            "91341881MAKKM14W3Q），省级专精特新中小企业",
            "2. 晋江祥和体育用品实业有限公司（统一社会信用代码：91350582MAA5L4416Y），⏎",
            "国家级专精特新\"小巨人\"、国家高新技术企业",
            "3. 安徽佳美汽车部件有限公司（统一社会信用代码：91341881MAYB3F6699）",
            "，创新型中小企业",
            "- 5 -",
        ]
    )
    lists = extract_lists(make_index({3: make_doc([lines])}), [])
    assert plain(lists.key_enterprises) == [
        {"name": "宁国新宇汽车部件科技股份有限公司", "uscc": "91341881MAKKM14W3Q", "honors": ["specialized_sme"]},
        {"name": "晋江祥和体育用品实业有限公司", "uscc": "91350582MAA5L4416Y", "honors": ["little_giant", "high_tech"]},
        {"name": "安徽佳美汽车部件有限公司", "uscc": "91341881MAYB3F6699", "honors": ["innovative_sme"]},
    ]


@pytest.mark.parametrize(
    ("text", "honors"),
    [
        ("国家级专精特新“小巨人”企业", ["little_giant"]),
        ("专精特新\"小巨人\"", ["little_giant"]),
        ("河南省专精特新中小企业、国家高新技术企业", ["specialized_sme", "high_tech"]),
        ("制造业单项冠军示范企业", ["champion"]),
        ("省级创新型中小企业", ["innovative_sme"]),
        ("县级龙头企业", []),
    ],
)
def test_honour_text(text: str, honors: list[str]) -> None:
    assert parse_honors(text) == honors


# --------------------------------------------------------------------------- standards (item 7)


def test_standards_from_numbered_lines() -> None:
    lines = make_lines(
        [
            "集群内中小企业近三年主持或参与制修订标准情况如下",
            "：",
            "1. GB/T 25360-2021《酒店用瓷》，株洲盛达陶瓷股份有限公司参与（排名第⏎",
            "14），2021年发布。",
            "2. T/XZYC 00552024《食品级塑料周转箱》，某某有限公司主持（排名第1），2024年发布。",
            "3、DB41/T1646—2021 《镁合金型材质量分级》 参与 第2起草单位",
        ]
    )
    lists = extract_lists(make_index({7: make_doc([lines])}), [])
    assert plain(lists.standards) == [
        {"number": "GB/T 25360-2021", "title": "酒店用瓷", "role": "participate", "rank": 14, "year": 2021},
        {"number": "T/XZYC 0055-2024", "title": "食品级塑料周转箱", "role": "lead", "rank": 1, "year": 2024},
        {"number": "DB41/T 1646-2021", "title": "镁合金型材质量分级", "role": "lead", "rank": 2, "year": 2021},
    ]


def test_standards_table_with_shuffled_columns_and_split_year() -> None:
    table = make_table(
        [
            ["序号", "标准号", "起草单位", "标准名称", "参与方式", "起草单位排名", "发布时间"],
            ["1", "DB41/T 1981-202 0", "鹤壁安泰食品股份有限公司", "调味品", "参与", "9", "2020年"],
            ["2", "T/CNIA040-2021", "河南立新镁业实业有限公司", "镁合金锭检验方法", "参与", "4", "2021年"],
            ["3", "Q/HB 017-2020", "鹤壁东方镁业科技股份有限公司", "镁合金锭检验方法", "主持", "3", "2020年"],
        ]
    )
    lists = extract_lists(make_index({7: make_doc([[table]])}), [])
    assert plain(lists.standards) == [
        {"number": "DB41/T 1981-2020", "title": "调味品", "role": "participate", "rank": 9, "year": 2020},
        {"number": "T/CNIA 040-2021", "title": "镁合金锭检验方法", "role": "participate", "rank": 4, "year": 2021},
        {"number": "Q/HB 017-2020", "title": "镁合金锭检验方法", "role": "lead", "rank": 3, "year": 2020},
    ]


# --------------------------------------------------------------------------- patents (item 8)


def test_patent_table_continuing_over_pages_header_repeated_or_not() -> None:
    header = ["序号", "专利号/申请号", "专利名称", "授权日期", "专利权人", "类型"]
    page1 = make_table(
        [
            header,
            ["1", "ZL 2021 1 0234567.X", "一种高效节能电机", "2022-08-1 0", "郑州永达机械有限公司", "发明专利"],
            ["2", "ZL201720601862.3", "一种新型支架", "2018.05.01", "华英科技股份有限公司", "实用新型"],
        ],
        page=1,
    )
    page2 = make_table([header, ["3", "CNA20190012.5", "某植物品种", "2020年1月1日", "华英科技股份有限公司", "植物新品种"]], page=2)
    page3 = make_table([["4", "202110234568", "一种装置", "2022-01-05", "永达机械有限公司", "发明"]], page=3)
    footer = Line(text="- 10 -", prov=Provenance(file="清单.docx", page=1, method=ReadMethod.DOCX))
    doc = make_doc([[page1, footer], [page2], [page3]])
    lists = extract_lists(make_index({8: doc}), [])
    assert plain(lists.patents) == [
        {"number": "202110234567.X", "title": "一种高效节能电机", "holder": "郑州永达机械有限公司", "kind": "invention", "grant_date": "2022-08-10"},
        {"number": "201720601862.3", "title": "一种新型支架", "holder": "华英科技股份有限公司", "kind": "utility", "grant_date": "2018-05-01"},
        {"number": "CNA20190012.5", "title": "某植物品种", "holder": "华英科技股份有限公司", "kind": "plant_variety", "grant_date": "2020-01-01"},
        {"number": "202110234568", "title": "一种装置", "holder": "永达机械有限公司", "kind": "invention", "grant_date": "2022-01-05"},
    ]
    assert [e.evidence.page for e in lists.patents] == [1, 1, 2, 3]


def test_patents_from_numbered_lines_with_labels_split_over_lines() -> None:
    lines = make_lines(
        [
            "集群内中小企业有效发明专利清单如下：",
            "1. 一种基于低温染色的羊绒衫生产工艺，专利号/申请号：ZL2019107660679⏎",
            "，专利权人（企业）：清河银河绒业股份有限公司，授权日期：2020-08-09",
            "2. 一种羊绒衫及其制备方法，专利号/申请号：ZL 2016 2 0893899.2，专利权人⏎",
            "（企业）：河北泰和绒业股份有限公司，授权日期：2019-12-23",
        ]
    )
    lists = extract_lists(make_index({8: make_doc([lines])}), [])
    assert plain(lists.patents) == [
        {"number": "201910766067.9", "title": "一种基于低温染色的羊绒衫生产工艺", "holder": "清河银河绒业股份有限公司", "kind": "invention", "grant_date": "2020-08-09"},
        {"number": "201620893899.2", "title": "一种羊绒衫及其制备方法", "holder": "河北泰和绒业股份有限公司", "kind": "utility", "grant_date": "2019-12-23"},
    ]


def test_patents_from_an_ocr_table_with_tab_columns() -> None:
    lines = make_lines(
        ["专利号\t专利名称\t权利人\t授权日", "ZL 201710601862.3\t一种装置\t永达机械有限公司\t2018-01-05", "202110234568.1\t一种方法\t华英科技有限公司\t2022年1月5日"],
        method=ReadMethod.OCR,
    )
    lists = extract_lists(make_index({8: make_doc([lines])}), [])
    assert [(p.number, p.title, p.holder, p.grant_date) for p in lists.patents] == [
        ("201710601862.3", "一种装置", "永达机械有限公司", "2018-01-05"),
        ("202110234568.1", "一种方法", "华英科技有限公司", "2022-01-05"),
    ]


def test_a_whole_xlsx_sheet_is_the_item() -> None:
    sheet = make_table(
        [["申请号", "发明名称", "申请人", "授权公告日"], ["2021102345678", "一种电机", "永达机械有限公司", "2022/3/15"]],
        file="08 专利清单.xlsx",
        name="专利",
    )
    lists = extract_lists(make_index({8: make_doc([[sheet]], "08 专利清单.xlsx", FileKind.XLSX)}), [])
    assert plain(lists.patents) == [{"number": "202110234567.8", "title": "一种电机", "holder": "永达机械有限公司", "kind": "invention", "grant_date": "2022-03-15"}]


@pytest.mark.parametrize(
    ("number", "type_text", "kind"),
    [
        ("202110234567.8", None, "invention"),
        ("202180234567.8", None, "invention"),
        ("202120234567.8", "发明专利", "utility"),  # the number says utility model: the validators flag it
        ("202130234567.8", None, "design"),
        ("95115608.X", None, "invention"),
        ("GF2020001", "国防专利", "defense"),
        ("BS.2019500.1", "集成电路布图设计专有权", "ic_layout"),
        ("国药准字Z2020", "国家新药", "new_drug"),
    ],
)
def test_patent_kind(number: str, type_text: str | None, kind: str) -> None:
    assert patent_kind(number, type_text) == kind


# --------------------------------------------------------------------------- branches (17) and platforms (18)


def test_branches_and_platforms_from_lines_and_tables() -> None:
    branches = make_lines(
        [
            "等",
            "集群内企业积极开拓国际市场，已在境外设立分支机构2家：",
            "1. 长垣中天起重（印度尼西亚）有限公司（印度尼西亚），设立于2016年。",
            "2. 华英德国有限责任公司，国家：德国",
            "各境外分支机构营业执照复印件附后。",
        ]
    )
    platforms_lines = make_lines(
        ["集群已建设中小企业公共服务平台4个，具体如下：", "1. 长葛市中小企业公共服务平台（市级，许昌市工业和信息化主管部门认定）", "平台认定文件复印件附后。"]
    )
    platforms_table = make_table([["序号", "平台名称", "认定部门", "认定级别"], ["1", "晋江市运动鞋服产业检验检测中心", "福建省工业和信息化厅", "省级"], ["2", "某某服务站", "", ""]])
    index = make_index({17: make_doc([branches]), 18: make_doc([platforms_lines, [platforms_table]])})
    lists = extract_lists(index, [])
    assert plain(lists.overseas_branches) == [
        {"name": "长垣中天起重（印度尼西亚）有限公司", "country": "印度尼西亚"},
        {"name": "华英德国有限责任公司", "country": "德国"},
    ]
    assert plain(lists.service_platforms) == [
        {"name": "长葛市中小企业公共服务平台", "level": "市级"},
        {"name": "晋江市运动鞋服产业检验检测中心", "level": "省级"},
        {"name": "某某服务站", "level": None},
    ]


def test_absent_items_give_empty_lists() -> None:
    lists = extract_lists(make_index({}), [])
    assert lists.model_dump() == {"key_enterprises": [], "standards": [], "patents": [], "overseas_branches": [], "service_platforms": []}


# --------------------------------------------------------------------------- generated packets


def _f1(predicted: list[dict], gold: list[dict]) -> float:
    def key(entry: dict) -> str:
        entry = dict(entry)
        if "honors" in entry:
            entry["honors"] = sorted(entry["honors"])
        return json.dumps(entry, sort_keys=True, ensure_ascii=False)

    pred, true = [key(p) for p in predicted], [key(g) for g in gold]
    if not pred and not true:
        return 1.0
    hits = sum(min(pred.count(x), true.count(x)) for x in set(pred))
    if hits == 0:
        return 0.0
    precision, recall = hits / len(pred), hits / len(true)
    return 2 * precision * recall / (precision + recall)


@pytest.mark.parametrize(("variant", "seed"), [("text_table", 12), ("text_prose", 10), ("docx", 3)])
def test_generated_packet_lists_match_truth(variant: str, seed: int, tmp_path: Path) -> None:
    from extractors.readers.registry import read_member
    from pipeline.intake.packet import load_packet
    from tests.rounds import find_sections
    from pipeline.core.settings import Settings
    from sample_docs.generate import generate_packet

    truth = generate_packet(variant, tmp_path, seed)
    packet = next(p for p in (tmp_path / "packets").iterdir() if p.name.startswith(f"s{seed:04d}_{variant}"))
    settings = Settings(data_dir=tmp_path / "data", use_cache=False)
    loaded = load_packet(packet, tmp_path / "work", settings)
    docs = [d for d in (read_member(m, settings).document for m in loaded.members) if d is not None]
    lists = extract_lists(find_sections(docs), docs)
    for name, gold in truth["lists"].items():
        predicted = [e.model_dump(exclude={"evidence"}) for e in getattr(lists, name)]
        assert _f1(predicted, gold) >= 0.98, name
        assert all(e.evidence is not None for e in getattr(lists, name))


def test_scanned_patent_rows_with_shifted_columns_keep_their_numbers() -> None:
    lines = make_lines(
        [
            "a 专利号 /申请号。| 授权日期 <P)专利权人《企业)\t专利名称",
            "1 |zi201915654152.8 有\t2021-08- |\t| 利 AAAS | 股份河北方正有限公司绒业科技 | 控制羊绒纱方法线无颖织造装置及",
            "2020-10- | 发明专 | 河北方正绒业科技 | 一种用于羊绒纱线生产的",
            "2 |21201480587755.4 pee Sates\t| 2016-11- 1)\t利 | 发明专股份 | 邢台广有限源公司绒业科技",
        ],
        method=ReadMethod.OCR,
    )
    lists = extract_lists(make_index({8: make_doc([lines])}), [])
    assert [p.number for p in lists.patents] == ["201915654152.8", "201480587755.4"]


def test_enterprise_rows_are_found_when_the_item_3_heading_is_not() -> None:
    """A garbled heading leaves item 3's rows inside item 2's span; rows naming a USCC are still read."""
    lines = make_lines(
        [
            "经现场核查，申报材料真实有效。",
            "1. 郑州永达机械有限公司（统一社会信用代码：91410100170034606D），创新型中小企业",
        ]
    )
    lists = extract_lists(make_index({2: make_doc([lines])}), [])
    assert plain(lists.key_enterprises) == [{"name": "郑州永达机械有限公司", "uscc": "91410100170034606D", "honors": ["innovative_sme"]}]


# --------------------------------------------------------------------------- layouts of other writers


def test_honours_ticked_in_one_column_each() -> None:
    table = make_table(
        [
            ["序号", "企业名称", "统一社会信用代码", "单项冠军", "专精特新“小巨人”", "省级专精特新", "创新型中小企业", "高新技术企业"],
            ["1", "长垣市卫华起重设备有限公司", "91410100170034606D", "√", "", "", "", "√"],
            ["2", "河南中原吊装机械股份有限公司", "91350100M0001TGQXM", "", "✓", "", "", ""],
        ]
    )
    lists = extract_lists(make_index({3: make_doc([[table]], "重点企业.docx", FileKind.DOCX)}), [])
    assert [e.honors for e in lists.key_enterprises] == [["champion", "high_tech"], ["little_giant"]]


def test_a_statement_of_no_entries_is_not_an_entry() -> None:
    lines = make_lines(["集群企业暂未在境外设立分支机构。"])
    lists = extract_lists(make_index({17: make_doc([lines])}), [])
    assert lists.overseas_branches == []


def test_a_list_attached_as_its_own_file() -> None:
    """The body's item 17 only says "详见附件17"; the list is the file named for item 17."""
    body = make_doc([make_lines(["详见附件17。"])], name="正文.docx", kind=FileKind.DOCX)
    sheet = make_doc([[make_table([["境外分支机构清单"] * 3, ["序号", "所在国家", "分支机构名称"], ["1", "荷兰", "寿光种业欧洲研发中心有限公司"]], file="附件17 境外分支机构清单.xlsx")]], name="附件17 境外分支机构清单.xlsx", kind=FileKind.XLSX)
    lists = extract_lists(make_index({17: body}), [body, sheet])
    assert plain(lists.overseas_branches) == [{"name": "寿光种业欧洲研发中心有限公司", "country": "荷兰"}]


@pytest.mark.parametrize(
    "header",
    [
        [["序号", "专利信息", "专利信息", "专利权人", "授权公告日"], ["", "专利号", "专利名称", "", ""]],
        [["序号", "专利号", "专利名称", "授权信息", "授权信息"], ["", "", "", "专利权人", "授权公告日"]],
    ],
)
def test_two_row_list_header(header: list[list[str]]) -> None:
    row = ["1", "ZL202110234567.0", "一种离心泵叶轮", "浙江恒锐精密机械有限公司", "2022-03-15"]
    table = make_table([*header, row])
    lists = extract_lists(make_index({8: make_doc([[table]], "专利.docx", FileKind.DOCX)}), [])
    got = plain(lists.patents)
    assert [(p["number"], p["title"], p["holder"], p["grant_date"]) for p in got] == [
        ("202110234567.0", "一种离心泵叶轮", "浙江恒锐精密机械有限公司", "2022-03-15")
    ]


def test_one_column_list_with_the_level_in_the_name() -> None:
    table = make_table([["序号", "平台名称及级别"], ["1", "晋江市鞋服产业创新服务平台（省级）"], ["2", "泉州市鞋业检测公共服务平台"]])
    lists = extract_lists(make_index({18: make_doc([[table]], "平台.docx", FileKind.DOCX)}), [])
    assert plain(lists.service_platforms) == [
        {"name": "晋江市鞋服产业创新服务平台", "level": "省级"},
        {"name": "泉州市鞋业检测公共服务平台", "level": None},
    ]


def test_branch_table_naming_the_parent_and_the_branch() -> None:
    table = make_table([["序号", "企业名称", "境外机构名称", "所在国家（地区）"], ["1", "浙江恒锐精密机械有限公司", "恒锐机械（越南）有限公司", "越南"]])
    lists = extract_lists(make_index({17: make_doc([[table]], "境外.docx", FileKind.DOCX)}), [])
    assert plain(lists.overseas_branches) == [{"name": "恒锐机械（越南）有限公司", "country": "越南"}]


def test_branch_sentence_naming_the_parent_first() -> None:
    lines = make_lines(["1. 浙江恒锐精密机械有限公司在越南胡志明市设立恒锐机械（越南）有限公司。"])
    lists = extract_lists(make_index({17: make_doc([lines])}), [])
    assert plain(lists.overseas_branches) == [{"name": "恒锐机械（越南）有限公司", "country": "越南"}]


# --------------------------------------------------------------------------- OCR noise on scanned packets


def test_uscc_read_with_letter_o_and_i_is_restored() -> None:
    """The USCC alphabet has no I, O: an OCR'd "MAO…"/"…9O9…" read digits as letters."""
    table = make_table(
        [
            ["序号", "企业名称", "统一社会信用代码", "企业荣誉"],
            ["1", "清河县宏业羊绒制品有限公司", "91330100MAONJUL76Y", "高新技术企业"],
            ["2", "邢台宏达绒毛有限公司", "914IO100MAH9O9NE8G", ""],
        ],
        file="重点企业.pdf", method=ReadMethod.OCR,
    )
    lines = make_lines(["3. 河北衡润纺织有限公司 统一社会信用代码：9I330100MAONJUL76Y 创新型中小企业"], method=ReadMethod.OCR)
    lists = extract_lists(make_index({3: make_doc([[table], lines])}), [])
    assert [(e.name, e.uscc) for e in lists.key_enterprises] == [
        ("清河县宏业羊绒制品有限公司", "91330100MA0NJUL76Y"),
        ("邢台宏达绒毛有限公司", "91410100MAH909NE8G"),
        ("河北衡润纺织有限公司", "91330100MA0NJUL76Y"),
    ]


def test_an_invalid_uscc_is_kept_as_read() -> None:
    table = make_table([["序号", "企业名称", "统一社会信用代码"], ["1", "鑫源制造有限公司", "9141010017003460XX"], ["2", "某某机械有限公司", "91410100"]])
    lists = extract_lists(make_index({3: make_doc([[table]], "重点企业.docx", FileKind.DOCX)}), [])
    assert [e.uscc for e in lists.key_enterprises] == ["9141010017003460XX", "91410100"]


def test_standard_numbers_with_the_slash_misread_or_the_space_dropped() -> None:
    lines = make_lines(
        [
            "1. QV/JX005-2020《起重机用钢丝绳》，河南卫华重型机械股份有限公司主持（排名第1）",
            "2. GB/VT 1234-2020《桥式起重机》，参与（排名第5）",
            "3. JC/T4749-2020《建筑用羊绒保温材料》，主持（排名第2）",
            "4. T/CMIF283-2020《羊绒针织衫》，参与（排名第6）",
            "5. TCMIF 284-2020《电动葫芦》，参与(排名第 4)，",
            "2020 年发布。",
        ],
        method=ReadMethod.OCR,
    )
    table = make_table(
        [["序号", "标准号", "标准名称", "主持或参与"], ["6", "GBV/T 3811-2008", "起重机设计规范", "参与"], ["7", "QVJX 005-2021", "羊绒衫生产技术规范", "主持"], ["8", "jJC/T4749-2020", "日用陶瓷检验方法", "参与"]],
        file="标准.pdf", method=ReadMethod.OCR,
    )
    lists = extract_lists(make_index({7: make_doc([lines, [table]])}), [])
    assert [(s.number, s.title, s.role, s.year) for s in lists.standards] == [
        ("Q/JX 005-2020", "起重机用钢丝绳", "lead", 2020),
        ("GB/T 1234-2020", "桥式起重机", "participate", 2020),
        ("JC/T 4749-2020", "建筑用羊绒保温材料", "lead", 2020),
        ("T/CMIF 283-2020", "羊绒针织衫", "participate", 2020),
        ("T/CMIF 284-2020", "电动葫芦", "participate", 2020),
        ("GB/T 3811-2008", "起重机设计规范", "participate", 2008),
        ("Q/JX 005-2021", "羊绒衫生产技术规范", "lead", 2021),
        ("JC/T 4749-2020", "日用陶瓷检验方法", "participate", 2020),  # a speck read as "j"
    ]


def test_a_standard_number_in_a_text_layer_is_read_as_written() -> None:
    """The slash repairs are OCR corrections: a text layer's "QV/JX" is the applicant's typo,
    which the validators report, not a misread to hide."""
    table = make_table([["序号", "标准号", "标准名称"], ["1", "GBV/T 3811-2008", "起重机设计规范"], ["2", "TCMIF 283-2020", "羊绒针织衫"]],
                       file="标准.pdf", method=ReadMethod.TEXT)
    lists = extract_lists(make_index({7: make_doc([[table]])}), [])
    assert [s.number for s in lists.standards] == ["GBV/T 3811-2008", "TCMIF 283-2020"]


def test_a_prose_line_in_the_overseas_item_is_not_a_branch() -> None:
    """OCR breaks the intro sentence; its first line is prose, not an organisation."""
    lines = make_lines(
        [
            "集群内企业积极开拓国际市场",
            "1. 长垣中天起重（印度尼西亚）有限公司 印度尼西亚",
            "2. 卫华集团迪拜办事处 阿联酋",
            "3. Weihua Crane Vietnam Co., Ltd. 越南",
            "境外营业收入逐年增长，产品远销东南亚",
        ],
        method=ReadMethod.OCR,
    )
    lists = extract_lists(make_index({17: make_doc([lines])}), [])
    assert plain(lists.overseas_branches) == [
        {"name": "长垣中天起重（印度尼西亚）有限公司", "country": "印度尼西亚"},
        {"name": "卫华集团迪拜办事处", "country": "阿联酋"},
        {"name": "Weihua Crane Vietnam Co., Ltd.", "country": "越南"},
    ]


def test_a_branch_name_column_is_trusted_whatever_its_ending() -> None:
    table = make_table([["序号", "境外分支机构名称", "所在国家"], ["1", "恒锐欧洲营销网络", "德国"]], file="境外.docx")
    lists = extract_lists(make_index({17: make_doc([[table]], "境外.docx", FileKind.DOCX)}), [])
    assert plain(lists.overseas_branches) == [{"name": "恒锐欧洲营销网络", "country": "德国"}]


def test_a_headerless_branch_table_row_gives_the_name_without_its_number() -> None:
    table = make_table([["1", "卫华集团迪拜办事处", "2019年", "阿联酋"], ["2", "集群内企业积极开拓国际市场", "", ""]], file="境外.pdf")
    lists = extract_lists(make_index({17: make_doc([[table]], "境外.pdf")}), [])
    assert plain(lists.overseas_branches) == [{"name": "卫华集团迪拜办事处", "country": "阿联酋"}]


def test_a_borderless_table_row_whose_cells_wrap_over_several_lines() -> None:
    """A tall row of a table without rules: the wrapped name and honour cells come as lines that
    overlap the one-line cells vertically, above and below them; the row number and the name
    may be set one blank apart, and a name may run into its code."""

    def at(text: str, x0: float, x1: float, top: float) -> Line:
        return Line(text=text, prov=Provenance(file="名单.pdf", page=4, bbox=(x0, top, x1, top + 9.0), method=ReadMethod.TEXT), font_size=9.0)

    lines = [
        at("序号\t单位名称\t统一社会信用代码\t企业荣誉\t主导产品", 60.0, 520.0, 100.0),
        at("1 豫北精工机械有限公司\t91410700MA44RRKX2R\t高新技术企业\t轴承", 66.0, 510.0, 120.0),
        at("宏图（卫辉）智能装备科技有\t专精特新“小巨人”、高新", 92.0, 440.0, 140.0),
        at("2\t91410781MA45B1EY2B\t减速机", 66.0, 510.0, 146.0),
        at("限公司\t技术企业", 92.0, 377.0, 152.0),  # a line ends where its text ends
        at("3 卫辉市华鑫铸造有限公司 914107813175461780\t创新型中小企业\t铸件", 66.0, 510.0, 172.0),
    ]
    lists = extract_lists(make_index({3: make_doc([lines], "名单.pdf")}), [])
    assert [(e.name, e.uscc, e.honors) for e in lists.key_enterprises] == [
        ("豫北精工机械有限公司", "91410700MA44RRKX2R", ["high_tech"]),
        ("宏图（卫辉）智能装备科技有限公司", "91410781MA45B1EY2B", ["little_giant", "high_tech"]),
        ("卫辉市华鑫铸造有限公司", "914107813175461780", ["innovative_sme"]),
    ]
