"""Small hand-built packets (SourceDocuments with provenance) for the section and completeness tests."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Callable, Sequence

from pipeline.core.document import Cell, FileKind, Line, Page, Provenance, ReadMethod, SourceDocument, Table
from tests.rounds import CANONICAL_TITLES

CN_NUMBERS = "一二三四五六七八九十"


def cn_number(n: int) -> str:
    if n <= 10:
        return CN_NUMBERS[n - 1]
    if n < 20:
        return "十" + CN_NUMBERS[n - 11]
    return "二十"


NUMBERING: dict[str, Callable[[int], str]] = {
    "cn": lambda n: f"{cn_number(n)}、",
    "dot": lambda n: f"{n}.",
    "dun": lambda n: f"{n}、",
    "paren_cn": lambda n: f"（{cn_number(n)}）",
    "paren_arabic": lambda n: f"({n}) ",
    "di": lambda n: f"第{cn_number(n)}项 ",
    "fujian": lambda n: f"附件{n} ",
    "cailiao": lambda n: f"材料{n}：",
    "none": lambda n: "",
}

BODY: dict[int, list[str]] = {
    1: ["集群名称：浚县食品加工产业集群", "近三年集群总产值分别为45.2亿元、50.1亿元、56.3亿元。"],
    2: ["经现场核查，浚县的申报材料真实有效，符合申报要求。", "（鹤壁市工业和信息化局盖章）"],
    3: ["序号 企业名称 统一社会信用代码 荣誉", "1 河南味丰食品有限公司 专精特新中小企业"],
    4: ["原料种植—初加工—精深加工—冷链物流—品牌销售", "上游：小麦、玉米种植基地12万亩。"],
    5: ["集群建立了共享仓储中心和检测中心，服务企业86家。", "2021年共享设备使用时长超过3万小时。"],
    6: ["集群内企业获得省级质量标杆3项，注册商标120件。", "开展“浚县好粮油”区域品牌建设。"],
    7: ["GB/T 19001-2016 质量管理体系 主持", "T/HNSP 012-2021 速冻面米食品 参与"],
    8: ["ZL 2021 1 0234567.8 一种面粉加工方法 河南味丰食品有限公司", "ZL 2020 1 0123456.X 一种速冻水饺生产线"],
    9: ["与江南大学共建食品研究院，联合攻关项目12项。", "大中小企业融通创新平台3个。"],
    10: ["引入数字化诊断服务机构5家，为62家企业提供诊断服务。", "建成集群工业互联网平台。"],
    11: ["推广网络化协同、个性化定制等新模式，覆盖企业40家。", "直播电商销售额2.3亿元。"],
    12: ["建立重点企业能耗在线监测系统，覆盖规上企业35家。", "每季度发布集群碳排放报告。"],
    13: ["开展碳达峰碳中和专题培训6场，参训人员800人次。", "发布绿色低碳倡议书。"],
    14: ["建成秸秆综合利用项目2个，年利用秸秆15万吨。", "余热回收改造企业18家。"],
    15: ["设立绿色低碳公共服务中心，提供节能诊断服务。", "服务企业累计120家次。"],
    16: ["组织企业参加中国—东盟博览会等展会8次。", "与俄罗斯、哈萨克斯坦企业签订合作协议5项。"],
    17: ["河南味丰食品（泰国）有限公司 泰国", "营业执照编号：0105564012345"],
    18: ["浚县中小企业公共服务平台 省级", "认定文件：豫工信企业〔2020〕15号"],
    19: ["2021年为集群企业提供融资、培训等服务320次。", "服务合同：浚县食品企业培训服务合同（2021年）"],
    20: ["成立集群发展促进中心，制定集群三年发展规划。", "建立联席会议制度，每季度召开一次。"],
}

COVER_LINES = [
    "中小企业特色产业集群申报材料",
    "集群名称：浚县食品加工产业集群",
    "所在地区：河南省鹤壁市浚县",
    "主导产业：食品加工",
    "填报日期：2022年9月29日",
]

PAGE_HEIGHT = 842.0


def prov(file: str, page: int, y: float, method: ReadMethod = ReadMethod.TEXT, confidence: float | None = None) -> Provenance:
    return Provenance(file=file, page=page, bbox=(72.0, y, 520.0, y + 14.0), method=method, confidence=confidence)


@dataclass
class PageSpec:
    lines: list[str | Line | Table] = field(default_factory=list)
    heading_lines: frozenset[int] = frozenset()  # positions of lines drawn in the heading font


def make_doc(
    name: str,
    pages: Sequence[PageSpec | list[str]],
    kind: FileKind = FileKind.PDF,
    method: ReadMethod = ReadMethod.TEXT,
    body_size: float = 11.0,
    heading_size: float = 16.0,
    footer: Callable[[int], str] | None = lambda n: f"第 {n} 页",
) -> SourceDocument:
    built: list[Page] = []
    for number, spec in enumerate(pages, start=1):
        if not isinstance(spec, PageSpec):
            spec = PageSpec(list(spec))
        blocks = []
        y = 72.0
        for position, item in enumerate(spec.lines):
            if isinstance(item, (Line, Table)):
                blocks.append(item)
                continue
            size = heading_size if position in spec.heading_lines else body_size
            blocks.append(Line(text=item, prov=prov(name, number, y, method), font_size=size if method is ReadMethod.TEXT else None))
            y += 20.0
        if footer is not None:
            blocks.append(Line(text=footer(number), prov=prov(name, number, PAGE_HEIGHT - 40, method), font_size=9.0))
        built.append(Page(number=number, width=595.0, height=PAGE_HEIGHT, method=method, blocks=blocks))
    return SourceDocument(
        name=name, sha256=hashlib.sha256(name.encode()).hexdigest(), kind=kind, pages=built, page_count=len(built)
    )


def table(file: str, page: int, rows: list[list[str]], name: str | None = None, method: ReadMethod = ReadMethod.TEXT) -> Table:
    cells = [
        [Cell(text=text, row=r, col=c, prov=prov(file, page, 100.0 + 20 * r, method)) for c, text in enumerate(row)]
        for r, row in enumerate(rows)
    ]
    return Table(rows=cells, prov=prov(file, page, 100.0, method), name=name)


def single_file_packet(
    name: str = "申报材料.pdf",
    numbering: str = "cn",
    titles: dict[int, str] | None = None,
    items: Sequence[int] = tuple(range(1, 21)),
    bodies: dict[int, list[str]] | None = None,
    toc: bool = True,
    toc_pages: dict[int, int] | None = None,
    cover: list[str] | None = None,
    extra_pages: dict[int, int] | None = None,
) -> tuple[SourceDocument, dict[int, int]]:
    """Cover, 目录, then one item per page (plus `extra_pages[item]` continuation pages).

    Returns the document and each item's real first page.
    """
    titles = titles or {}
    bodies = {**BODY, **(bodies or {})}
    extra_pages = extra_pages or {}
    toc_page_count = 1 if toc else 0
    first_pages: dict[int, int] = {}
    page = 2 + toc_page_count
    for item in items:
        first_pages[item] = page
        page += 1 + extra_pages.get(item, 0)
    pages: list[PageSpec] = [PageSpec(list(cover if cover is not None else COVER_LINES), frozenset({0}))]
    if toc:
        numbers = {**first_pages, **(toc_pages or {})}
        toc_lines = ["目  录"] + [
            f"{i}.{CANONICAL_TITLES[i]}……{numbers.get(i, first_pages.get(i, 99))}" for i in range(1, 21)
        ]
        pages.append(PageSpec(toc_lines, frozenset({0})))
    for item in items:
        heading = NUMBERING[numbering](item) + titles.get(item, CANONICAL_TITLES[item])
        heading_parts = heading.split("\n")
        pages.append(PageSpec(heading_parts + bodies[item], frozenset(range(len(heading_parts)))))
        for extra in range(extra_pages.get(item, 0)):
            pages.append(PageSpec([f"{BODY[item][0]}（续{extra + 1}）"]))
    return make_doc(name, pages), first_pages
