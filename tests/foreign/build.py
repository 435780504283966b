"""Packets written the way a county bureau clerk would write them, independent of sample_docs.

Our generator's wording and layout are deliberately not reused here: the 申报表 is a
two-column Word table in 万元, or running prose, or a table with a multi-row header
and one with years as rows; lists come as tables with other column orders, XLSX sheets
with a title row above the header, or numbered paragraphs. Each builder returns the
packet path and what a reader should extract from it (`Expected`).

Only python-docx, reportlab and openpyxl are used; the content is made up for these tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import openpyxl
from docx import Document
from docx.shared import Pt
from stdnum.cn import uscc as uscc_lib

FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"

# Item titles as a clerk rewords them (证明材料, 名录, dropped parentheses).
TITLES: dict[int, str] = {
    1: "中小企业特色产业集群申报表",
    2: "省辖市级工业和信息化主管部门现场核查符合性说明",
    3: "集群内重点企业名录",
    4: "产业链图谱",
    5: "集群已开展的制造资源共享工作证明材料",
    6: "集群已开展的质量品牌建设工作证明材料",
    7: "集群内中小企业近三年主持或参与制修订标准清单",
    8: "集群内中小企业有效发明专利清单",
    9: "集群已开展的协同创新工作证明材料",
    10: "集群开展的数字化服务工作证明材料",
    11: "集群开展数字化新模式新业态推广工作证明材料",
    12: "集群碳排放监测机制",
    13: "集群开展碳达峰碳中和相关宣传、监测等工作情况证明材料",
    14: "集群开展的能源和资源综合利用工作证明材料",
    15: "集群已具备绿色低碳公共服务能力证明材料",
    16: "集群开展的国际合作交流活动证明材料",
    17: "集群内企业在境外设立分支机构清单",
    18: "集群已建设的中小企业公共服务平台清单及认定文件",
    19: "集群已提供的中小企业公共服务清单、合同等",
    20: "集群治理情况证明材料",
}

FILLER: dict[int, str] = {
    2: "经我局组织人员赴现场核查，该集群申报材料真实、准确，集群主导产业特色鲜明，符合申报条件。",
    4: "集群已形成从原材料供应、零部件加工到整机装配、售后服务的完整链条，上游、中游、下游企业协作紧密。",
    5: "依托共享工厂，集群企业共享检测设备和加工产能，设备利用率明显提高。",
    6: "集群推行质量标杆企业培育，组织企业开展品牌宣传和质量提升活动。",
    9: "集群企业与高校、科研院所共建联合实验室，共同承担技术攻关项目。",
    10: "引入数字化服务商为中小企业提供上云用云、设备联网等服务。",
    11: "推广网络化协同、个性化定制、服务化延伸等新模式。",
    12: "园区建立能耗在线监测系统，按月统计重点企业碳排放数据。",
    13: "组织碳达峰碳中和政策宣讲会，发放宣传资料，开展企业能耗监测。",
    14: "推进余热回收和固废综合利用，工业固废综合利用率逐年提升。",
    15: "建成绿色低碳服务站，为企业提供节能诊断和碳核算服务。",
    16: "组织企业参加国际展会，与境外商协会签署合作备忘录。",
    19: "集群平台为企业提供政策咨询、融资对接、人才培训等服务，签订服务合同。",
    20: "集群设立理事会，制定章程，定期召开联席会议，统筹集群发展事项。",
}


def uscc(seed: int) -> str:
    """A valid 统一社会信用代码 (check character from python-stdnum)."""
    body = f"91{330000 + seed % 9999:06d}MA{seed * 7919 % 10**7:07d}"
    body = body[:17]
    return body + uscc_lib.calc_check_digit(body)


def patent_check(digits: str) -> str:
    weights = [2, 3, 4, 5, 6, 7, 8, 9]
    total = sum(int(d) * weights[i % 8] for i, d in enumerate(digits))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def patent_body(year: int, kind_digit: int, serial: int) -> str:
    return f"{year}{kind_digit}{serial:07d}"


# --------------------------------------------------------------------------- what should be read


@dataclass
class Expected:
    cover: dict[str, str | None]
    indicators: dict[str, object]
    key_enterprises: list[dict] = field(default_factory=list)  # name, uscc, honors
    standards: list[dict] = field(default_factory=list)  # number, role, rank, year
    patents: list[dict] = field(default_factory=list)  # number, holder, kind, grant_date
    overseas_branches: list[dict] = field(default_factory=list)  # name, country
    service_platforms: list[dict] = field(default_factory=list)  # name, level


# --------------------------------------------------------------------------- a tiny block model


@dataclass
class Block:
    kind: str  # "title" | "heading" | "p" | "li" (a Word-numbered list paragraph) | "table" | "break"
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)
    spans: list[tuple[int, int, int, int]] = field(default_factory=list)  # (r0, c0, r1, c1) merged


def heading(text: str) -> Block:
    return Block("heading", text)


def para(text: str) -> Block:
    return Block("p", text)


def table(rows: list[list[str]], spans: list[tuple[int, int, int, int]] | None = None) -> Block:
    return Block("table", rows=rows, spans=spans or [])


def page_break() -> Block:
    return Block("break")


def write_docx(path: Path, blocks: list[Block], heading_style: str | None = "Heading 1") -> Path:
    """Headings either as Word heading styles or as bold, larger plain paragraphs (clerk style)."""
    doc = Document()
    for block in blocks:
        if block.kind == "break":
            doc.add_page_break()
        elif block.kind in ("heading", "title"):
            if heading_style and block.kind == "heading":
                doc.add_paragraph(block.text, style=heading_style)
            else:
                run = doc.add_paragraph().add_run(block.text)
                run.bold = True
                run.font.size = Pt(18 if block.kind == "title" else 15)
        elif block.kind == "p":
            doc.add_paragraph(block.text)
        elif block.kind == "li":
            doc.add_paragraph(block.text, style="List Number")
        else:
            ncols = max(len(r) for r in block.rows)
            grid = doc.add_table(rows=len(block.rows), cols=ncols)
            grid.style = "Table Grid"
            covered: set[tuple[int, int]] = set()
            for r0, c0, r1, c1 in block.spans:
                grid.cell(r0, c0).merge(grid.cell(r1, c1))
                covered |= {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)} - {(r0, c0)}
            for r, row in enumerate(block.rows):
                for c, text in enumerate(row):
                    if (r, c) not in covered and text:
                        grid.cell(r, c).text = text
    doc.save(path)
    return path


def write_pdf(path: Path, blocks: list[Block]) -> Path:
    """A text PDF through reportlab platypus (WenQuanYi Zen Hei), tables with grid lines."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if "WQYForeign" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("WQYForeign", FONT_PATH, subfontIndex=0))
    body = ParagraphStyle("body", fontName="WQYForeign", fontSize=10.5, leading=16, wordWrap="CJK")
    head = ParagraphStyle("head", parent=body, fontSize=14, leading=22, spaceBefore=6, spaceAfter=6)
    title = ParagraphStyle("title", parent=body, fontSize=20, leading=30, alignment=1)
    cell = ParagraphStyle("cell", parent=body, fontSize=9, leading=12)
    story = []
    for block in blocks:
        if block.kind == "break":
            story.append(PageBreak())
        elif block.kind == "title":
            story += [Spacer(1, 80), Paragraph(block.text, title), Spacer(1, 40)]
        elif block.kind == "heading":
            story.append(Paragraph(block.text, head))
        elif block.kind in ("p", "li"):
            story.append(Paragraph(block.text, body))
        else:
            data = [[Paragraph(text, cell) if text else "" for text in row] for row in block.rows]
            ncols = max(len(r) for r in block.rows)
            grid = Table(data, colWidths=[440 / ncols] * ncols, repeatRows=0)
            style = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("FONTNAME", (0, 0), (-1, -1), "WQYForeign")]
            style += [("SPAN", (c0, r0), (c1, r1)) for r0, c0, r1, c1 in block.spans]
            grid.setStyle(TableStyle(style))
            story += [grid, Spacer(1, 8)]
    SimpleDocTemplate(str(path), pagesize=A4, leftMargin=60, rightMargin=60, topMargin=60, bottomMargin=60).build(story)
    return path


def write_xlsx(path: Path, title: str, header: list[str], rows: list[list[object]], note: str | None = None) -> Path:
    """A sheet with a merged title row above the header (and an optional 填表说明 row below)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet.append([title] + [None] * (len(header) - 1))
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    if note:
        sheet.append([note])
    book.save(path)
    return path


def filler_items(numbering: Callable[[int], str], skip: set[int]) -> dict[int, list[Block]]:
    return {item: [heading(numbering(item) + TITLES[item]), para(text)] for item, text in FILLER.items() if item not in skip}


def assemble(items: dict[int, list[Block]]) -> list[Block]:
    out: list[Block] = []
    for item in sorted(items):
        out += [page_break(), *items[item]]
    return out


CN_NUMERALS = "零一二三四五六七八九十"


def cn_number(n: int) -> str:
    if n <= 10:
        return CN_NUMERALS[n]
    if n < 20:
        return "十" + CN_NUMERALS[n - 10]
    return CN_NUMERALS[n // 10] + "十" + (CN_NUMERALS[n % 10] if n % 10 else "")


# --------------------------------------------------------------------------- packet A: DOCX, two-column 申报表 in 万元


def packet_docx_form(out: Path) -> tuple[Path, Expected]:
    """Cover as a label table; 申报表 a two-column Word table, 产值 in 万元 with separators;
    lists as tables with their own column orders."""
    firms = [
        ("浙江恒锐精密机械有限公司", uscc(101), "国家级专精特新“小巨人”企业", ["little_giant"]),
        ("台州市东岳泵业股份有限公司", uscc(102), "省级专精特新中小企业/高新技术企业", ["specialized_sme", "high_tech"]),
        ("温岭市联丰电机有限公司", uscc(103), "创新型中小企业", ["innovative_sme"]),
    ]
    p1 = patent_body(2021, 1, 234567)
    p2 = patent_body(2020, 1, 887766)
    p3 = patent_body(2019, 1, 104455)
    patents = [
        ("一种高效离心泵叶轮", f"ZL{p1}.{patent_check(p1)}", "发明专利", "2022-03-15", firms[0][0]),
        ("电机定子绕线装置", f"CN {p2[:4]} {p2[4]} {p2[5:]}.{patent_check(p2)}", "发明", "2021年11月2日", firms[1][0]),
        ("泵体密封结构及其装配方法", f"{p3}{patent_check(p3)}", "发明专利", "2020.08.21", firms[2][0]),
    ]
    cover = {
        "cluster_name": "温岭市泵与电机产业集群",
        "region": "浙江省台州市温岭市",
        "leading_industry": "泵与电机",
        "management_body": "温岭市泵与电机产业发展服务中心",
        "established": "2015-06",
        "fill_date": "2022-09-20",
    }
    item1 = [
        heading("附件1：" + TITLES[1]),
        table(
            [
                ["项目", "内容"],
                ["集群名称", cover["cluster_name"]],
                ["集群运营管理机构", cover["management_body"]],
                ["集群成立时间", "2015年6月"],
                ["集群规划面积（平方公里）", "18.6"],
                ["2019年产值（万元）", "1,452,000"],
                ["2020年产值（万元）", "1,518,300"],
                ["2021年产值（万元）", "1,689,500"],
                ["中小企业产值占比", "75％"],
                ["主导产业产值占集群总产值比重", "百分之八十二"],
                ["近三年产值年均增长率", "7.9%"],
                ["制造业单项冠军企业数（家）", "2"],
                ["国家级专精特新“小巨人”企业数（家）", "6"],
                ["省级专精特新中小企业数（家）", "41"],
                ["创新型中小企业数（家）", "25"],
                ["高新技术企业数（家）", "63"],
                ["研发经费投入年均增长率", "11.3%"],
                ["有效发明专利数（件）", "486"],
                ["有效发明专利年均增长率", "15.2%"],
                ["从业人员数（人）", "52,300"],
                ["每万名从业人员拥有有效发明专利数（件）", "92.9"],
                ["工业互联网平台普及率", "46.5%"],
            ]
        ),
    ]
    item3 = [
        heading("附件3：" + TITLES[3]),
        table([["序号", "企业名称", "统一社会信用代码", "荣誉/资质"]] + [[str(i + 1), f[0], f[1], f[2]] for i, f in enumerate(firms)]),
    ]
    item7 = [
        heading("附件7：" + TITLES[7]),
        table(
            [
                ["序号", "标准名称", "标准编号", "起草单位", "起草单位排名", "发布时间"],
                ["1", "小型潜水电泵", "GB/T 2816-2021", firms[1][0], "1", "2021-10-11"],
                ["2", "清水离心泵能效限定值", "T/ZZB 1234-2020", firms[0][0], "第5", "2020-05-30"],
            ]
        ),
    ]
    item8 = [
        heading("附件8：" + TITLES[8]),
        table([["序号", "专利名称", "专利号", "专利类型", "授权公告日", "专利权人"]] + [[str(i + 1), *p[:4], p[4]] for i, p in enumerate(patents)]),
    ]
    item17 = [
        heading("附件17：" + TITLES[17]),
        table([["序号", "境外机构名称", "所在国家（地区）", "设立时间"], ["1", "恒锐机械（越南）有限公司", "越南", "2019年"]]),
    ]
    item18 = [
        heading("附件18：" + TITLES[18]),
        table(
            [
                ["序号", "平台名称", "认定部门", "认定级别"],
                ["1", "温岭市泵业检测公共服务平台", "浙江省经济和信息化厅", "省级"],
                ["2", "台州市中小企业数字化服务平台", "台州市经信局", "市级"],
            ]
        ),
    ]
    items = filler_items(lambda n: f"附件{n}：", set()) | {1: item1, 3: item3, 7: item7, 8: item8, 17: item17, 18: item18}
    front = [
        Block("title", "中小企业特色产业集群申报材料"),
        table(
            [
                ["集群名称", cover["cluster_name"]],
                ["所在地区", cover["region"]],
                ["主导产业", cover["leading_industry"]],
                ["填报日期", "2022年9月20日"],
            ]
        ),
    ]
    path = write_docx(out / "温岭市泵与电机集群申报材料.docx", front + assemble(items))
    expected = Expected(
        cover=cover,
        indicators={
            "area_km2": 18.6,
            "output_yi_by_year": {"2019": 145.2, "2020": 151.83, "2021": 168.95},
            "sme_output_share_pct": 75.0,
            "leading_industry_share_pct": 82.0,
            "output_growth_pct": 7.9,
            "champion_count": 2,
            "little_giant_count": 6,
            "specialized_sme_count": 41,
            "innovative_sme_count": 25,
            "high_tech_count": 63,
            "rd_growth_pct": 11.3,
            "valid_invention_patents": 486,
            "patent_growth_pct": 15.2,
            "employees": 52300,
            "patents_per_10k": 92.9,
            "industrial_internet_pct": 46.5,
        },
        key_enterprises=[{"name": f[0], "uscc": f[1], "honors": f[3]} for f in firms],
        standards=[
            {"number": "GB/T 2816-2021", "role": "lead", "rank": 1, "year": 2021},
            {"number": "T/ZZB 1234-2020", "role": "participate", "rank": 5, "year": 2020},
        ],
        patents=[
            {"number": f"{p1}.{patent_check(p1)}", "holder": firms[0][0], "kind": "invention", "grant_date": "2022-03-15"},
            {"number": f"{p2}.{patent_check(p2)}", "holder": firms[1][0], "kind": "invention", "grant_date": "2021-11-02"},
            {"number": f"{p3}.{patent_check(p3)}", "holder": firms[2][0], "kind": "invention", "grant_date": "2020-08-21"},
        ],
        overseas_branches=[{"name": "恒锐机械（越南）有限公司", "country": "越南"}],
        service_platforms=[
            {"name": "温岭市泵业检测公共服务平台", "level": "省级"},
            {"name": "台州市中小企业数字化服务平台", "level": "市级"},
        ],
    )
    return path, expected


# --------------------------------------------------------------------------- packet B: text PDF, prose and numbered paragraphs


def packet_pdf_prose(out: Path, as_docx: bool = False) -> tuple[Path, Expected]:
    """申报表 written as prose; lists as numbered paragraphs; standards as 主持制定《…》（…） lines.
    As DOCX the lists use Word's own numbering (style "List Number"), no number typed."""

    def item_para(n: int, text: str) -> Block:
        return Block("li", text) if as_docx else para(f"（{n}）{text}")

    firms = [
        ("安徽宁国华宇橡塑有限公司", uscc(201), "国家级专精特新“小巨人”企业", ["little_giant"]),
        ("宁国市中鼎密封件股份有限公司", uscc(202), "省级专精特新中小企业、高新技术企业", ["specialized_sme", "high_tech"]),
        ("宁国市锐达汽车零部件有限公司", uscc(203), "创新型中小企业", ["innovative_sme"]),
    ]
    p1 = patent_body(2021, 1, 345678)
    p2 = patent_body(2018, 1, 556677)
    cover = {
        "cluster_name": "宁国市汽车橡胶零部件产业集群",
        "region": "安徽省宣城市宁国市",
        "leading_industry": "汽车橡胶零部件",
        "management_body": "宁国经济技术开发区管理委员会",
        "established": "2016-03",
        "fill_date": "2022-09-26",
    }
    item1 = [
        heading("一、" + TITLES[1]),
        para(f"集群运营管理机构为{cover['management_body']}，集群成立于2016年3月，规划面积12.5平方公里。"),
        para(
            "集群2021年实现总产值58.9亿元，较2019年的45.2亿元明显增长，2020年产值为51.8亿元，近三年产值年均增长14.2%。"
            "其中中小企业产值占集群总产值的比重为百分之八十一，主导产业产值占比达到78.5％。"
        ),
        para(
            "集群拥有制造业单项冠军企业1家，拥有国家级专精特新“小巨人”企业5家、省级专精特新中小企业33家、创新型中小企业12家、高新技术企业21家。"
        ),
        para(
            "近三年研发经费投入年均增长12.6%，拥有有效发明专利303件，有效发明专利年均增长10.4%；"
            "集群从业人员约1.2万人，每万名从业人员拥有有效发明专利25.3件；工业互联网平台普及率达到41.3%。"
        ),
    ]
    item3 = [heading("三、" + TITLES[3]), para("集群内重点企业如下：")] + [
        item_para(i + 1, f"{f[0]}，统一社会信用代码：{f[1]}，{f[2]}") for i, f in enumerate(firms)
    ]
    item7 = [
        heading("七、" + TITLES[7]),
        para(f"1. {firms[1][0]}主持制定《汽车用橡胶密封条》（GB/T 12345-2020）。"),
        para(f"2. {firms[0][0]}参与制定《汽车减振橡胶制品技术条件》（T/CRIA 11002-2021），起草单位排名第4。"),
        para(f"3. {firms[2][0]}主持制定企业标准《橡胶衬套》（Q/NGRD 004-20218）。"),
    ]
    item8 = [
        heading("八、" + TITLES[8]),
        item_para(1, f"发明名称：一种耐高温橡胶密封圈及其制备方法，专利号：ZL {p1[:4]} {p1[4]} {p1[5:]}.{patent_check(p1)}，专利权人：{firms[1][0]}，授权日期：2022年4月8日。"),
        item_para(2, f"发明名称：减振衬套硫化模具，专利号：{p2}.{patent_check(p2)}，专利权人：{firms[0][0]}，授权日期：2019年12月27日。"),
    ]
    item17 = [heading("十七、" + TITLES[17]), para("1. 华宇橡塑（泰国）有限公司，注册地：泰国罗勇府。")]
    item18 = [
        heading("十八、" + TITLES[18]),
        para("（1）宁国市橡塑产品检测中心（国家级）"),
        para("（2）宣城市中小企业公共服务平台宁国分中心（省级）"),
    ]
    items = filler_items(lambda n: cn_number(n) + "、", set()) | {1: item1, 3: item3, 7: item7, 8: item8, 17: item17, 18: item18}
    front = [
        Block("title", "中小企业特色产业集群申报材料"),
        para(f"集群名称：{cover['cluster_name']}"),
        para(f"所在地区：{cover['region']}"),
        para(f"主导产业：{cover['leading_industry']}"),
        para("填 报 日 期：２０２２年９月２６日"),
    ]
    if as_docx:
        path = write_docx(out / "宁国市汽车橡胶零部件集群申报材料.docx", front + assemble(items))
    else:
        path = write_pdf(out / "宁国市汽车橡胶零部件集群申报材料.pdf", front + assemble(items))
    expected = Expected(
        cover=cover,
        indicators={
            "area_km2": 12.5,
            "output_yi_by_year": {"2019": 45.2, "2020": 51.8, "2021": 58.9},
            "sme_output_share_pct": 81.0,
            "leading_industry_share_pct": 78.5,
            "output_growth_pct": 14.2,
            "champion_count": 1,
            "little_giant_count": 5,
            "specialized_sme_count": 33,
            "innovative_sme_count": 12,
            "high_tech_count": 21,
            "rd_growth_pct": 12.6,
            "valid_invention_patents": 303,
            "patent_growth_pct": 10.4,
            "employees": 12000,
            "patents_per_10k": 25.3,
            "industrial_internet_pct": 41.3,
        },
        key_enterprises=[{"name": f[0], "uscc": f[1], "honors": f[3]} for f in firms],
        standards=[
            {"number": "GB/T 12345-2020", "role": "lead", "rank": None, "year": 2020},
            {"number": "T/CRIA 11002-2021", "role": "participate", "rank": 4, "year": 2021},
            {"number": "Q/NGRD 004-20218", "role": "lead", "rank": None, "year": None},
        ],
        patents=[
            {"number": f"{p1}.{patent_check(p1)}", "holder": firms[1][0], "kind": "invention", "grant_date": "2022-04-08"},
            {"number": f"{p2}.{patent_check(p2)}", "holder": firms[0][0], "kind": "invention", "grant_date": "2019-12-27"},
        ],
        overseas_branches=[{"name": "华宇橡塑（泰国）有限公司", "country": "泰国"}],
        service_platforms=[
            {"name": "宁国市橡塑产品检测中心", "level": "国家级"},
            {"name": "宣城市中小企业公共服务平台宁国分中心", "level": "省级"},
        ],
    )
    return path, expected


# --------------------------------------------------------------------------- packet C: DOCX, multi-row header, years as rows


def packet_docx_matrix(out: Path, as_pdf: bool = False) -> tuple[Path, Expected]:
    """申报表 as three tables: a multi-row header (近三年产值 over three year columns), a
    主要指标 table with the years as rows, and a four-column form; full-width digits.
    As a PDF the merged header cells are not repeated (pdfplumber leaves them empty)."""
    firms = [
        ("清河县宏达羊绒制品有限公司", uscc(301), "单项冠军示范企业", ["champion"]),
        ("河北聚羊绒业科技有限公司", uscc(302), "国家级专精特新小巨人企业；高新技术企业", ["little_giant", "high_tech"]),
    ]
    p1 = patent_body(2022, 1, 120034)
    cover = {
        "cluster_name": "清河县羊绒制品产业集群",
        "region": "河北省邢台市清河县",
        "leading_industry": "羊绒制品",
        "management_body": "清河县羊绒产业发展中心",
        "established": "2012-08",
        "fill_date": "2022-09-28",
    }
    item1 = [
        heading(f"材料1  {TITLES[1]}", ),
        para("表1  集群近三年产值情况"),
        table(
            [
                ["指标", "近三年产值（亿元）", "", ""],
                ["", "2019年", "2020年", "2021年"],
                ["集群总产值", "１２０．５", "１３３．２", "１５０．８"],
            ],
            spans=[(0, 0, 1, 0), (0, 1, 0, 3)],
        ),
        para("表2  主要指标"),
        table(
            [
                ["年份", "研发经费投入增长率（%）", "有效发明专利（件）", "从业人员（万人）"],
                ["2019", "9.8", "180", "3.1"],
                ["2020", "10.6", "205", "3.3"],
                ["2021", "12.1", "236", "3.5"],
            ]
        ),
        para("表3  其他指标"),
        table(
            [
                ["集群面积", "8.2平方公里", "中小企业产值占比", "83.6%"],
                ["主导产业占比", "90.2%", "产值年均增长率", "11.9%"],
                ["单项冠军企业", "1家", "专精特新“小巨人”企业", "3家"],
                ["省级专精特新企业", "27家", "创新型中小企业", "9家"],
                ["高新技术企业", "44家", "有效发明专利年均增长", "14.5%"],
                ["每万名从业人员有效发明专利", "67.4件", "工业互联网平台普及率", "38%"],
            ]
        ),
    ]
    item3 = [
        heading(f"材料3  {TITLES[3]}"),
        table([["序号", "统一社会信用代码", "企业名称", "企业类型"]] + [[str(i + 1), f[1], f[0], f[2]] for i, f in enumerate(firms)]),
    ]
    item7 = [
        heading(f"材料7  {TITLES[7]}"),
        table(
            [
                ["序号", "标准编号", "标准名称", "主持/参与", "发布年份"],
                ["1", "FZ/T 24011-2019", "羊绒机织围巾、披肩", "主持", "2019"],
            ]
        ),
    ]
    item8 = [
        heading(f"材料8  {TITLES[8]}"),
        table(
            [
                ["序号", "专利权人", "专利名称", "专利号", "授权公告日"],
                ["1", firms[1][0], "一种羊绒纤维分梳装置", f"{p1}.{patent_check(p1)}", "２０２２－１０－１１"],
            ]
        ),
    ]
    item17 = [heading(f"材料17  {TITLES[17]}"), para("集群企业暂未在境外设立分支机构。")]
    item18 = [heading(f"材料18  {TITLES[18]}"), table([["平台名称", "级别"], ["清河县羊绒产业公共服务平台", "县级"]])]
    items = filler_items(lambda n: f"材料{n}  ", set()) | {1: item1, 3: item3, 7: item7, 8: item8, 17: item17, 18: item18}
    front = [
        Block("title", "清河县羊绒制品产业集群申报书"),
        para(f"集群名称：{cover['cluster_name']}"),
        para(f"所在地区：{cover['region']}"),
        para(f"主导产业：{cover['leading_industry']}"),
        para(f"运营管理机构：{cover['management_body']}"),
        para("成立时间：2012年8月"),
        para("填报日期：2022年9月28日"),
    ]
    if as_pdf:
        path = write_pdf(out / "清河羊绒集群申报书.pdf", front + assemble(items))
    else:
        path = write_docx(out / "清河羊绒集群申报书.docx", front + assemble(items), heading_style=None)
    expected = Expected(
        cover=cover,
        indicators={
            "area_km2": 8.2,
            "output_yi_by_year": {"2019": 120.5, "2020": 133.2, "2021": 150.8},
            "sme_output_share_pct": 83.6,
            "leading_industry_share_pct": 90.2,
            "output_growth_pct": 11.9,
            "champion_count": 1,
            "little_giant_count": 3,
            "specialized_sme_count": 27,
            "innovative_sme_count": 9,
            "high_tech_count": 44,
            "rd_growth_pct": 12.1,
            "valid_invention_patents": 236,
            "patent_growth_pct": 14.5,
            "employees": 35000,
            "patents_per_10k": 67.4,
            "industrial_internet_pct": 38.0,
        },
        key_enterprises=[{"name": f[0], "uscc": f[1], "honors": f[3]} for f in firms],
        standards=[{"number": "FZ/T 24011-2019", "role": "lead", "rank": None, "year": 2019}],
        patents=[{"number": f"{p1}.{patent_check(p1)}", "holder": firms[1][0], "kind": "invention", "grant_date": "2022-10-11"}],
        overseas_branches=[],
        service_platforms=[{"name": "清河县羊绒产业公共服务平台", "level": "县级"}],
    )
    return path, expected


# --------------------------------------------------------------------------- packet D: folder, DOCX body + XLSX lists with a title row


def packet_folder_xlsx(out: Path) -> tuple[Path, Expected]:
    """A folder: the body as DOCX, lists 3/8 as XLSX sheets whose first row is a merged title."""
    root = out / "寿光市蔬菜种业集群申报材料"
    root.mkdir(parents=True, exist_ok=True)
    firms = [
        ("寿光蔬菜种业集团有限公司", uscc(401), "国家级专精特新“小巨人”企业、高新技术企业", ["little_giant", "high_tech"]),
        ("山东永盛农业发展有限公司", uscc(402), "省级“专精特新”中小企业", ["specialized_sme"]),
    ]
    p1 = patent_body(2020, 1, 667788)
    p2 = patent_body(2021, 2, 223344)  # a utility model written into the invention list
    cover = {
        "cluster_name": "寿光市蔬菜种业产业集群",
        "region": "山东省潍坊市寿光市",
        "leading_industry": "蔬菜种业",
        "management_body": "寿光市蔬菜种业发展服务中心",
        "established": "2014-05",
        "fill_date": "2022-09-15",
    }
    item1 = [
        heading("一、" + TITLES[1]),
        table(
            [
                ["集群名称", cover["cluster_name"], "", ""],
                ["运营管理机构", cover["management_body"], "成立时间", "2014年5月"],
                ["规划面积", "2.3万亩", "从业人员", "2.86万人"],
                ["近三年产值（亿元）", "2019年：36.7", "2020年：41.2", "2021年：47.5"],
                ["中小企业产值占比", "87%", "主导产业产值占比", "79%"],
                ["产值年均增长率", "13.8%", "研发投入年均增长率", "15.1%"],
                ["单项冠军企业（家）", "0", "专精特新小巨人企业（家）", "2"],
                ["省级专精特新中小企业（家）", "16", "创新型中小企业（家）", "10"],
                ["高新技术企业（家）", "18", "有效发明专利（件）", "142"],
                ["有效发明专利年均增长率", "9.7%", "每万名从业人员有效发明专利（件）", "49.7"],
                ["工业互联网平台普及率", "33.5%", "", ""],
            ],
            spans=[(0, 1, 0, 3), (10, 1, 10, 3)],
        ),
    ]
    items = filler_items(lambda n: cn_number(n) + "、", set()) | {1: item1}
    items[7] = [heading("七、" + TITLES[7]), para("寿光蔬菜种业集团有限公司参与制定《设施蔬菜育苗技术规程》（NY/T 3689-2020），排名第二。")]
    for n in (3, 8, 17, 18):
        items[n] = [heading(cn_number(n) + "、" + TITLES[n]), para(f"详见附件{n}。")]
    front = [
        Block("title", "中小企业特色产业集群申报材料"),
        para(f"集群名称：{cover['cluster_name']}"),
        para(f"所在地区：{cover['region']}"),
        para(f"主导产业：{cover['leading_industry']}"),
        para("填报日期：2022年9月15日"),
    ]
    write_docx(root / "01 申报材料正文.docx", front + assemble(items))
    write_xlsx(
        root / "附件3 集群内重点企业名单.xlsx",
        "集群内重点企业名单",
        ["序号", "企业名称", "统一社会信用代码", "荣誉称号"],
        [[i + 1, f[0], f[1], f[2]] for i, f in enumerate(firms)],
    )
    write_xlsx(
        root / "附件8 有效发明专利清单.xlsx",
        "集群内中小企业有效发明专利清单（截至2022年6月）",
        ["序号", "专利号", "专利名称", "专利权人", "专利类型", "授权日"],
        [
            [1, f"ZL{p1}.{patent_check(p1)}", "一种番茄抗病品种选育方法", firms[0][0], "发明", "2021/5/18"],
            # typed into Excel as a number (no dot): the cell holds an integer
            [2, int(f"{p2}{patent_check(p2)}") if patent_check(p2) != "X" else f"{p2}X", "育苗穴盘", firms[1][0], "实用新型", "2022/1/7"],
        ],
        note="填表说明：专利号请填写完整。",
    )
    write_xlsx(
        root / "附件17 境外分支机构清单.xlsx",
        "境外分支机构清单",
        ["序号", "所在国家", "分支机构名称"],
        [[1, "荷兰", "寿光种业欧洲研发中心有限公司"]],
    )
    write_xlsx(
        root / "附件18 公共服务平台清单.xlsx",
        "中小企业公共服务平台清单",
        ["序号", "平台名称", "平台级别", "认定文件"],
        [[1, "寿光市蔬菜种业公共服务平台", "省级", "鲁工信字〔2020〕12号"]],
    )
    expected = Expected(
        cover=cover,
        indicators={
            "area_km2": round(23000 / 1500, 6),
            "output_yi_by_year": {"2019": 36.7, "2020": 41.2, "2021": 47.5},
            "sme_output_share_pct": 87.0,
            "leading_industry_share_pct": 79.0,
            "output_growth_pct": 13.8,
            "champion_count": 0,
            "little_giant_count": 2,
            "specialized_sme_count": 16,
            "innovative_sme_count": 10,
            "high_tech_count": 18,
            "rd_growth_pct": 15.1,
            "valid_invention_patents": 142,
            "patent_growth_pct": 9.7,
            "employees": 28600,
            "patents_per_10k": 49.7,
            "industrial_internet_pct": 33.5,
        },
        key_enterprises=[{"name": f[0], "uscc": f[1], "honors": f[3]} for f in firms],
        standards=[{"number": "NY/T 3689-2020", "role": "lead", "rank": 2, "year": 2020}],
        patents=[
            {"number": f"{p1}.{patent_check(p1)}", "holder": firms[0][0], "kind": "invention", "grant_date": "2021-05-18"},
            {"number": f"{p2}.{patent_check(p2)}", "holder": firms[1][0], "kind": "utility", "grant_date": "2022-01-07"},
        ],
        overseas_branches=[{"name": "寿光种业欧洲研发中心有限公司", "country": "荷兰"}],
        service_platforms=[{"name": "寿光市蔬菜种业公共服务平台", "level": "省级"}],
    )
    return root, expected


# --------------------------------------------------------------------------- packet E: text PDF, tables throughout


def packet_pdf_tables(out: Path) -> tuple[Path, Expected]:
    """A text PDF whose 申报表 is a ruled two-column table (万元, full-width ％) and whose
    lists are ruled tables with the 起草单位排名 and 专利权人 columns in other places."""
    firms = [
        ("醴陵市华联瓷业有限公司", uscc(501), "专精特新“小巨人”", ["little_giant"]),
        ("湖南玉祥陶瓷股份有限公司", uscc(502), "高新技术企业", ["high_tech"]),
    ]
    p1 = patent_body(2019, 1, 778899)
    cover = {
        "cluster_name": "醴陵市日用陶瓷产业集群",
        "region": "湖南省株洲市醴陵市",
        "leading_industry": "日用陶瓷",
        "management_body": "醴陵经济开发区管理委员会",
        "established": "2010-11",
        "fill_date": "2022-09-21",
    }
    item1 = [
        heading("（一）" + TITLES[1]),
        table(
            [
                ["指标名称", "填报内容"],
                ["集群运营管理机构", cover["management_body"]],
                ["集群成立时间", "2010年11月"],
                ["规划面积（平方公里）", "26"],
                ["2019年集群产值（万元）", "2,365,000"],
                ["2020年集群产值（万元）", "2,511,800"],
                ["2021年集群产值（万元）", "2,873,400"],
                ["中小企业产值占集群总产值比重", "88.5％"],
                ["主导产业产值占集群总产值比重", "92％"],
                ["近三年集群产值年均增长率", "10.2％"],
                ["国家级制造业单项冠军企业（家）", "1"],
                ["专精特新“小巨人”企业（家）", "4"],
                ["省级专精特新中小企业（家）", "38"],
                ["创新型中小企业（家）", "20"],
                ["高新技术企业（家）", "72"],
                ["R&D经费支出年均增长率", "13.4％"],
                ["有效发明专利数量（件）", "517"],
                ["有效发明专利数量年均增长率", "12.9％"],
                ["集群从业人员（人）", "61,200"],
                ["每万名从业人员拥有有效发明专利（件）", "84.5"],
                ["工业互联网平台普及率", "52.3％"],
            ]
        ),
    ]
    item3 = [
        heading("（三）" + TITLES[3]),
        table([["序号", "企业名称", "统一社会信用代码", "荣誉/资质"]] + [[str(i + 1), f[0], f[1], f[2]] for i, f in enumerate(firms)]),
    ]
    item7 = [
        heading("（七）" + TITLES[7]),
        table(
            [
                ["序号", "标准编号", "标准名称", "起草单位排名", "发布日期"],
                ["1", "QB/T 2580-2021", "精细陶瓷烹饪器", "3", "2021-03-05"],
                ["2", "T/CCIA 0012-2020", "日用陶瓷釉面耐磨性", "7", "2020-11-20"],
            ]
        ),
    ]
    item8 = [
        heading("（八）" + TITLES[8]),
        table(
            [
                ["序号", "专利名称", "专利号", "专利类型", "授权公告日", "专利权人"],
                ["1", "一种高白度日用瓷坯料", f"ZL{p1}.{patent_check(p1)}", "发明专利", "2021-07-13", firms[0][0]],
            ]
        ),
    ]
    item17 = [heading("（十七）" + TITLES[17]), table([["序号", "分支机构名称", "国家"], ["1", "华联瓷业美国销售有限公司", "美国"]])]
    item18 = [heading("（十八）" + TITLES[18]), table([["序号", "平台名称", "级别"], ["1", "醴陵市陶瓷产业公共服务平台", "国家级"]])]
    items = filler_items(lambda n: f"（{cn_number(n)}）", set()) | {1: item1, 3: item3, 7: item7, 8: item8, 17: item17, 18: item18}
    front = [
        Block("title", "中小企业特色产业集群申报材料"),
        table(
            [
                ["集群名称", cover["cluster_name"]],
                ["所在地区", cover["region"]],
                ["主导产业", cover["leading_industry"]],
                ["填报日期", "2022年9月21日"],
            ]
        ),
    ]
    path = write_pdf(out / "醴陵日用陶瓷集群申报材料.pdf", front + assemble(items))
    expected = Expected(
        cover=cover,
        indicators={
            "area_km2": 26.0,
            "output_yi_by_year": {"2019": 236.5, "2020": 251.18, "2021": 287.34},
            "sme_output_share_pct": 88.5,
            "leading_industry_share_pct": 92.0,
            "output_growth_pct": 10.2,
            "champion_count": 1,
            "little_giant_count": 4,
            "specialized_sme_count": 38,
            "innovative_sme_count": 20,
            "high_tech_count": 72,
            "rd_growth_pct": 13.4,
            "valid_invention_patents": 517,
            "patent_growth_pct": 12.9,
            "employees": 61200,
            "patents_per_10k": 84.5,
            "industrial_internet_pct": 52.3,
        },
        key_enterprises=[{"name": f[0], "uscc": f[1], "honors": f[3]} for f in firms],
        standards=[
            {"number": "QB/T 2580-2021", "role": "lead", "rank": 3, "year": 2021},
            {"number": "T/CCIA 0012-2020", "role": "participate", "rank": 7, "year": 2020},
        ],
        patents=[{"number": f"{p1}.{patent_check(p1)}", "holder": firms[0][0], "kind": "invention", "grant_date": "2021-07-13"}],
        overseas_branches=[{"name": "华联瓷业美国销售有限公司", "country": "美国"}],
        service_platforms=[{"name": "醴陵市陶瓷产业公共服务平台", "level": "国家级"}],
    )
    return path, expected


# --------------------------------------------------------------------------- packet F: DOCX, 序号|指标|单位|数值 and tick-box honours


def packet_docx_unit_column(out: Path) -> tuple[Path, Expected]:
    """The 申报表 as 序号 | 指标 | 单位 | 数值 (the unit in its own column, 亩 and 万元); key
    enterprises with one tick column per honour; patents and platforms as numbered paragraphs."""
    firms = [
        ("长垣市卫华起重设备有限公司", uscc(601), ["champion", "high_tech"]),
        ("河南中原吊装机械股份有限公司", uscc(602), ["little_giant"]),
        ("长垣县豫飞重工有限公司", uscc(603), ["specialized_sme", "innovative_sme"]),
    ]
    honour_cols = ["champion", "little_giant", "specialized_sme", "innovative_sme", "high_tech"]
    p1 = patent_body(2020, 1, 445566)
    p2 = patent_body(2021, 1, 990011)
    cover = {
        "cluster_name": "长垣市起重装备产业集群",
        "region": "河南省新乡市长垣市",
        "leading_industry": "起重装备",
        "management_body": "长垣市起重装备产业集群促进中心",
        "established": "2013-04",
        "fill_date": "2022-09-23",
    }
    item1 = [
        heading("附件一  " + TITLES[1]),
        table(
            [
                ["序号", "指标", "单位", "数值"],
                ["1", "集群规划面积", "亩", "4,800"],
                ["2", "集群产值（2019年）", "万元", "2,081,600"],
                ["3", "集群产值（2020年）", "万元", "2,263,000"],
                ["4", "集群产值（2021年）", "万元", "2,514,700"],
                ["5", "中小企业产值占集群总产值比重", "%", "76.3"],
                ["6", "主导产业产值占集群总产值比重", "%", "85.1"],
                ["7", "近三年产值年均增长率", "%", "9.9"],
                ["8", "制造业单项冠军企业", "家", "1"],
                ["9", "专精特新“小巨人”企业", "家", "7"],
                ["10", "省级专精特新中小企业", "家", "52"],
                ["11", "创新型中小企业", "家", "31"],
                ["12", "高新技术企业", "家", "98"],
                ["13", "研发经费年均增长率", "%", "16.8"],
                ["14", "有效发明专利", "件", "611"],
                ["15", "有效发明专利年均增长率", "%", "18.2"],
                ["16", "从业人员", "万人", "6.3"],
                ["17", "每万名从业人员拥有有效发明专利", "件", "97.0"],
                ["18", "工业互联网平台普及率", "%", "44.0"],
            ]
        ),
        para(f"集群运营管理机构：{cover['management_body']}。集群成立时间：2013年4月。"),
    ]
    tick_rows = [["序号", "企业名称", "统一社会信用代码", "单项冠军", "专精特新“小巨人”", "省级专精特新", "创新型中小企业", "高新技术企业"]]
    for i, (name, code, honours) in enumerate(firms):
        tick_rows.append([str(i + 1), name, code] + ["√" if h in honours else "" for h in honour_cols])
    item3 = [heading("附件三  " + TITLES[3]), table(tick_rows)]
    item7 = [
        heading("附件七  " + TITLES[7]),
        table(
            [
                ["序号", "标准类别", "标准号", "标准名称", "参与形式", "发布年份"],
                ["1", "国家标准", "GB/T 14406-2021", "通用门式起重机", "主持起草", "2021年"],
                ["2", "行业标准", "JB/T 7688.15-2019", "冶金起重机技术条件 第15部分", "参与起草", "2019年"],
            ]
        ),
    ]
    item8 = [
        heading("附件八  " + TITLES[8]),
        para(f"1. ＺＬ{p1}.{patent_check(p1)}  一种桥式起重机防摇摆控制方法（发明专利，授权日2021年6月1日，专利权人：{firms[0][0]}）"),
        para(f"2. {p2}{patent_check(p2)}  起重机主梁焊接变形矫正工艺（发明专利，授权日2022年8月30日，专利权人：{firms[1][0]}）"),
    ]
    item17 = [heading("附件十七  " + TITLES[17]), para("1. 卫华起重（印度尼西亚）有限公司，设立于印度尼西亚雅加达。")]
    item18 = [
        heading("附件十八  " + TITLES[18]),
        para("（1）长垣市起重装备产业技术服务平台，2020年被认定为省级中小企业公共服务示范平台。"),
        para("（2）新乡市起重机械检测公共服务平台，市级。"),
    ]
    items = filler_items(lambda n: f"附件{cn_number(n)}  ", set()) | {1: item1, 3: item3, 7: item7, 8: item8, 17: item17, 18: item18}
    front = [
        Block("title", "中小企业特色产业集群申报材料"),
        para(f"集群名称：{cover['cluster_name']}"),
        para(f"所在地区：{cover['region']}"),
        para(f"主导产业：{cover['leading_industry']}"),
        para("填报日期：2022年9月23日"),
    ]
    path = write_docx(out / "长垣起重装备集群申报材料.docx", front + assemble(items), heading_style=None)
    expected = Expected(
        cover=cover,
        indicators={
            "area_km2": round(4800 / 1500, 6),
            "output_yi_by_year": {"2019": 208.16, "2020": 226.3, "2021": 251.47},
            "sme_output_share_pct": 76.3,
            "leading_industry_share_pct": 85.1,
            "output_growth_pct": 9.9,
            "champion_count": 1,
            "little_giant_count": 7,
            "specialized_sme_count": 52,
            "innovative_sme_count": 31,
            "high_tech_count": 98,
            "rd_growth_pct": 16.8,
            "valid_invention_patents": 611,
            "patent_growth_pct": 18.2,
            "employees": 63000,
            "patents_per_10k": 97.0,
            "industrial_internet_pct": 44.0,
        },
        key_enterprises=[{"name": f[0], "uscc": f[1], "honors": f[2]} for f in firms],
        standards=[
            {"number": "GB/T 14406-2021", "role": "lead", "rank": None, "year": 2021},
            {"number": "JB/T 7688.15-2019", "role": "participate", "rank": None, "year": 2019},
        ],
        patents=[
            {"number": f"{p1}.{patent_check(p1)}", "holder": firms[0][0], "kind": "invention", "grant_date": "2021-06-01"},
            {"number": f"{p2}.{patent_check(p2)}", "holder": firms[1][0], "kind": "invention", "grant_date": "2022-08-30"},
        ],
        overseas_branches=[{"name": "卫华起重（印度尼西亚）有限公司", "country": "印度尼西亚"}],
        service_platforms=[
            {"name": "长垣市起重装备产业技术服务平台", "level": "省级"},
            {"name": "新乡市起重机械检测公共服务平台", "level": "市级"},
        ],
    )
    return path, expected


# --------------------------------------------------------------------------- packet G: text PDF, years as columns for several indicators


def packet_pdf_year_columns(out: Path) -> tuple[Path, Expected]:
    """A 主要经济指标 table with one column a year for several indicators (the latest year is
    the one asked for), rates in prose, 万元 in prose; enterprises numbered with the code in
    parentheses; patents in a table with full-width digits and no check-digit dot."""
    firms = [
        ("德化县佳美陶瓷工艺品有限公司", uscc(701), "国家级专精特新“小巨人”企业", ["little_giant"]),
        ("福建德化顺美陶瓷有限公司", uscc(702), "高新技术企业、创新型中小企业", ["innovative_sme", "high_tech"]),
    ]
    p1 = patent_body(2021, 1, 556600)
    fw = str.maketrans("0123456789.", "０１２３４５６７８９．")
    cover = {
        "cluster_name": "德化县陶瓷工艺品产业集群",
        "region": "福建省泉州市德化县",
        "leading_industry": "陶瓷工艺品",
        "management_body": "德化县陶瓷产业发展服务中心",
        "established": "2011-09",
        "fill_date": "2022-09-19",
    }
    item1 = [
        heading("一、" + TITLES[1]),
        para(f"（一）基本情况。集群运营管理机构：{cover['management_body']}；成立时间：2011年9月；集群规划面积5.6平方公里。"),
        para("（二）主要经济指标"),
        table(
            [
                ["指标", "2019年", "2020年", "2021年"],
                ["集群产值（亿元）", "312.4", "335.9", "372.1"],
                ["从业人员（人）", "98,500", "101,200", "104,800"],
                ["有效发明专利（件）", "402", "455", "521"],
                ["高新技术企业（家）", "58", "64", "71"],
            ]
        ),
        para(
            "（三）发展质量。2021年集群中小企业实现产值3,237,270万元，占集群总产值的87.0%；主导产业产值占比为百分之九十。"
            "近三年集群产值年均增长9.1%，研发经费年均增长13.7%，有效发明专利年均增长13.8%；每万名从业人员拥有有效发明专利49.7件；"
            "工业互联网平台普及率为35.2%。"
        ),
        para("集群现有制造业单项冠军企业2家，专精特新“小巨人”企业四家，省级专精特新中小企业二十九家，创新型中小企业46家。"),
    ]
    item3 = [heading("三、" + TITLES[3])] + [
        para(f"{i + 1}. {f[0]}（统一社会信用代码{f[1]}）—— {f[2]}") for i, f in enumerate(firms)
    ]
    item7 = [
        heading("七、" + TITLES[7]),
        para(f"{firms[0][0]}作为第一起草单位，主持制定了《陶瓷工艺品釉面耐化学腐蚀性》（QB/T 4892-2020）行业标准。"),
    ]
    item8 = [
        heading("八、" + TITLES[8]),
        table(  # a two-row header: 专利信息 over 专利号 | 发明名称
            [
                ["序号", "专利信息", "", "权利人", "授权日期"],
                ["", "专利号（申请号）", "发明名称", "", ""],
                ["1", f"{p1}{patent_check(p1)}".translate(fw), "一种高透光白瓷及其制备方法", firms[1][0], "２０２２．３．１５"],
            ],
            spans=[(0, 0, 1, 0), (0, 1, 0, 2), (0, 3, 1, 3), (0, 4, 1, 4)],
        ),
    ]
    item17 = [heading("十七、" + TITLES[17]), table([["序号", "国别", "机构名称"], ["1", "西班牙", "佳美陶瓷欧洲贸易有限公司"]])]
    item18 = [heading("十八、" + TITLES[18]), para("德化县陶瓷产业公共服务平台（国家级中小企业公共服务示范平台）")]
    items = filler_items(lambda n: cn_number(n) + "、", set()) | {1: item1, 3: item3, 7: item7, 8: item8, 17: item17, 18: item18}
    front = [
        Block("title", "中小企业特色产业集群申报书"),
        para(f"集群名称：{cover['cluster_name']}"),
        para(f"所在地区：{cover['region']}"),
        para(f"主导产业：{cover['leading_industry']}"),
        para("填报日期：二〇二二年九月十九日"),
    ]
    path = write_pdf(out / "德化陶瓷工艺品集群申报书.pdf", front + assemble(items))
    expected = Expected(
        cover=cover,
        indicators={
            "area_km2": 5.6,
            "output_yi_by_year": {"2019": 312.4, "2020": 335.9, "2021": 372.1},
            "sme_output_share_pct": 87.0,
            "leading_industry_share_pct": 90.0,
            "output_growth_pct": 9.1,
            "champion_count": 2,
            "little_giant_count": 4,
            "specialized_sme_count": 29,
            "innovative_sme_count": 46,
            "high_tech_count": 71,
            "rd_growth_pct": 13.7,
            "valid_invention_patents": 521,
            "patent_growth_pct": 13.8,
            "employees": 104800,
            "patents_per_10k": 49.7,
            "industrial_internet_pct": 35.2,
        },
        key_enterprises=[{"name": f[0], "uscc": f[1], "honors": f[3]} for f in firms],
        standards=[{"number": "QB/T 4892-2020", "role": "lead", "rank": 1, "year": 2020}],
        patents=[{"number": f"{p1}.{patent_check(p1)}", "holder": firms[1][0], "kind": "invention", "grant_date": "2022-03-15"}],
        overseas_branches=[{"name": "佳美陶瓷欧洲贸易有限公司", "country": "西班牙"}],
        service_platforms=[{"name": "德化县陶瓷产业公共服务平台", "level": "国家级"}],
    )
    return path, expected


# --------------------------------------------------------------------------- packet H: folder, 申报表 as XLSX with a 单位 row


def packet_folder_xlsx_form(out: Path) -> tuple[Path, Expected]:
    """The 申报表 as its own XLSX (title row, a "单位：万元" row, bare numbers), the body a
    text PDF numbered 第N项, key enterprises as numbered paragraphs with 【honours】, the
    standards an XLSX with 主持/参与 and 排名 columns."""
    root = out / "晋江市运动鞋服集群申报材料"
    root.mkdir(parents=True, exist_ok=True)
    firms = [
        ("晋江市恒捷鞋业有限公司", uscc(801), "【省级专精特新中小企业】【高新技术企业】", ["specialized_sme", "high_tech"]),
        ("福建安泰体育用品股份有限公司", uscc(802), "【制造业单项冠军企业】", ["champion"]),
    ]
    p1 = patent_body(2021, 1, 300400)
    cover = {
        "cluster_name": "晋江市运动鞋服产业集群",
        "region": "福建省泉州市晋江市",
        "leading_industry": "运动鞋服",
        "management_body": "晋江市鞋服产业发展促进中心",
        "established": "2009-12",
        "fill_date": "2022-09-27",
    }
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "申报表"
    rows = [
        ["中小企业特色产业集群申报表", None, None],
        ["单位：万元、平方公里、家、人、%", None, None],
        ["指标", "数值", "备注"],
        ["集群名称", cover["cluster_name"], None],
        ["集群运营管理机构", cover["management_body"], None],
        ["集群成立时间", "2009年12月", None],
        ["集群规划面积", 15.8, None],
        ["2019年集群产值", 3152000, "统计口径：规上"],
        ["2020年集群产值", 3398600, None],
        ["2021年集群产值", 3867500, None],
        ["中小企业产值占比", 0.842, "以小数填写"],
        ["主导产业产值占比", 0.864, "以小数填写"],
        ["近三年产值年均增长率", "10.8", None],
        ["单项冠军企业数", 3, None],
        ["专精特新“小巨人”企业数", 8, None],
        ["省级专精特新中小企业数", 46, None],
        ["创新型中小企业数", 37, None],
        ["高新技术企业数", 125, None],
        ["研发经费年均增长率", "14.9", None],
        ["有效发明专利数", 733, None],
        ["有效发明专利年均增长率", "16.1", None],
        ["从业人员数", 128000, None],
        ["每万名从业人员拥有有效发明专利数", 57.3, None],
        ["工业互联网平台普及率", "39.4", None],
    ]
    for row in rows:
        sheet.append(row)
    sheet.merge_cells("A1:C1")
    sheet.merge_cells("A2:C2")
    sheet["B11"].number_format = "0.0%"
    book.save(root / "附件1 申报表.xlsx")

    items = filler_items(lambda n: f"第{cn_number(n)}项  ", set())
    items[1] = [heading(f"第一项  {TITLES[1]}"), para("见附件1申报表（Excel）。")]
    items[3] = [heading(f"第三项  {TITLES[3]}")] + [para(f"{i + 1}、{f[0]} {f[1]} {f[2]}") for i, f in enumerate(firms)]
    items[7] = [heading(f"第七项  {TITLES[7]}"), para("详见附件7。")]
    items[8] = [
        heading(f"第八项  {TITLES[8]}"),
        table([["序号", "专利名称", "专利号", "专利权人", "授权公告日"], ["1", "一种飞织鞋面及其编织方法", f"ZL {p1}.{patent_check(p1)}", firms[0][0], "2022年3月8日"]]),
    ]
    items[17] = [heading(f"第十七项  {TITLES[17]}"), para("1. 安泰体育（柬埔寨）有限公司（柬埔寨金边）")]
    items[18] = [heading(f"第十八项  {TITLES[18]}"), table([["序号", "平台名称及级别"], ["1", "晋江市鞋服产业创新服务平台（省级）"]])]
    front = [
        Block("title", "中小企业特色产业集群申报材料"),
        para(f"集群名称：{cover['cluster_name']}"),
        para(f"所在地区：{cover['region']}"),
        para(f"主导产业：{cover['leading_industry']}"),
        para("填报日期：2022年9月27日"),
    ]
    write_pdf(root / "申报材料.pdf", front + assemble(items))
    write_xlsx(
        root / "附件7 标准清单.xlsx",
        "集群内中小企业近三年主持或参与制修订标准清单",
        ["序号", "标准名称", "标准号", "标准级别", "主持/参与", "起草单位排名", "发布时间"],
        [
            [1, "运动鞋", "QB/T 4331-2021", "行业标准", "参与", 2, "2021-08-21"],
            [2, "鞋类 飞织鞋面技术条件", "T/FJSX 0003-2020", "团体标准", "参与", 6, "2020-12-01"],
        ],
    )
    expected = Expected(
        cover=cover,
        indicators={
            "area_km2": 15.8,
            "output_yi_by_year": {"2019": 315.2, "2020": 339.86, "2021": 386.75},
            "sme_output_share_pct": 84.2,
            "leading_industry_share_pct": 86.4,
            "output_growth_pct": 10.8,
            "champion_count": 3,
            "little_giant_count": 8,
            "specialized_sme_count": 46,
            "innovative_sme_count": 37,
            "high_tech_count": 125,
            "rd_growth_pct": 14.9,
            "valid_invention_patents": 733,
            "patent_growth_pct": 16.1,
            "employees": 128000,
            "patents_per_10k": 57.3,
            "industrial_internet_pct": 39.4,
        },
        key_enterprises=[{"name": f[0], "uscc": f[1], "honors": f[3]} for f in firms],
        standards=[
            {"number": "QB/T 4331-2021", "role": "lead", "rank": 2, "year": 2021},
            {"number": "T/FJSX 0003-2020", "role": "participate", "rank": 6, "year": 2020},
        ],
        patents=[{"number": f"{p1}.{patent_check(p1)}", "holder": firms[0][0], "kind": "invention", "grant_date": "2022-03-08"}],
        overseas_branches=[{"name": "安泰体育（柬埔寨）有限公司", "country": "柬埔寨"}],
        service_platforms=[{"name": "晋江市鞋服产业创新服务平台", "level": "省级"}],
    )
    return root, expected


# --------------------------------------------------------------------------- packet I: DOCX, one column a year for every indicator


def packet_docx_year_grid(out: Path, as_pdf: bool = False) -> tuple[Path, Expected]:
    """Every indicator a row with one column a year (指标 | 单位 | 2019年 | 2020年 | 2021年 | 备注),
    the rates written once in the 2021 column; lists over two pages with the header repeated,
    a 合计 row, standards without a year in the number but a 发布年份 column."""
    firms = [
        ("平湖市嘉诚光电科技有限公司", uscc(901), "国家级专精特新“小巨人”企业", ["little_giant"]),
        ("浙江平湖华龙实业股份有限公司", uscc(902), "省级专精特新中小企业", ["specialized_sme"]),
        ("平湖市万盛电子有限公司", uscc(903), "高新技术企业", ["high_tech"]),
    ]
    numbers = [patent_body(2020, 1, 100000 + 37 * k) for k in range(4)]
    cover = {
        "cluster_name": "平湖市光机电产业集群",
        "region": "浙江省嘉兴市平湖市",
        "leading_industry": "光机电",
        "management_body": "平湖经济技术开发区管理委员会",
        "established": "2008-10",
        "fill_date": "2022-09-22",
    }
    item1 = [
        heading("附件1  " + TITLES[1]),
        para(f"集群运营管理机构：{cover['management_body']}"),
        para("集群成立时间：2008年10月"),
        table(
            [
                ["指标", "单位", "2019年", "2020年", "2021年", "备注"],
                ["集群规划面积", "平方公里", "21.4", "21.4", "21.4", ""],
                ["集群产值", "亿元", "265.3", "287.9", "331.6", ""],
                ["中小企业产值占比", "%", "79.2", "80.1", "81.5", ""],
                ["主导产业产值占比", "%", "70.4", "71.0", "72.3", ""],
                ["产值年均增长率", "%", "", "", "11.8", "近三年"],
                ["单项冠军企业", "家", "1", "1", "2", ""],
                ["专精特新“小巨人”企业", "家", "3", "5", "6", ""],
                ["省级专精特新中小企业", "家", "20", "28", "35", ""],
                ["创新型中小企业", "家", "", "", "26", ""],
                ["高新技术企业", "家", "88", "97", "112", ""],
                ["研发经费年均增长率", "%", "", "", "17.5", ""],
                ["有效发明专利", "件", "401", "468", "540", ""],
                ["有效发明专利年均增长率", "%", "", "", "16.0", ""],
                ["从业人员", "人", "70,100", "72,400", "76,900", ""],
                ["每万名从业人员有效发明专利", "件", "57.2", "64.6", "70.2", ""],
                ["工业互联网平台普及率", "%", "30.5", "36.2", "42.8", ""],
            ]
        ),
    ]
    header = ["序号", "专利名称", "专利号", "专利类型", "授权公告日", "专利权人"]
    rows = [
        [str(k + 1), f"光学镜头调焦机构{k + 1}", f"ZL{n[:4]} {n[4]} {n[5:]}.{patent_check(n)}", "发明专利", f"2021-0{k + 1}-15", firms[k % 3][0]]
        for k, n in enumerate(numbers)
    ]
    item8 = [
        heading("附件8  " + TITLES[8]),
        table([header, *rows[:2]]),
        page_break(),
        table([header, *rows[2:], ["合计", "4件", "", "", "", ""]]),
    ]
    item3 = [
        heading("附件3  " + TITLES[3]),
        table([["序号", "企业名称", "统一社会信用代码", "荣誉/资质"]] + [[str(i + 1), f[0], f[1], f[2]] for i, f in enumerate(firms)] + [["合计", "3家", "", ""]]),
    ]
    item7 = [
        heading("附件7  " + TITLES[7]),
        table(
            [
                ["序号", "标准号", "标准名称", "主持/参与", "发布年份"],
                ["1", "GB/T 38120", "光学元件表面疵病检测方法", "参与", "2021年"],
                ["2", "T/ZJAEPI 005—2022", "激光测距模组", "主持", "2022年"],
            ]
        ),
    ]
    item17 = [heading("附件17  " + TITLES[17]), para("无。")]
    item18 = [heading("附件18  " + TITLES[18]), table([["序号", "平台名称", "级别"], ["1", "平湖市光机电产业创新服务综合体", "省级"]])]
    items = filler_items(lambda n: f"附件{n}  ", set()) | {1: item1, 3: item3, 7: item7, 8: item8, 17: item17, 18: item18}
    front = [
        Block("title", "中小企业特色产业集群申报材料"),
        para(f"集群名称：{cover['cluster_name']}"),
        para(f"所在地区：{cover['region']}"),
        para(f"主导产业：{cover['leading_industry']}"),
        para("填报日期：2022年9月22日"),
    ]
    if as_pdf:
        path = write_pdf(out / "平湖光机电集群申报材料.pdf", front + assemble(items))
    else:
        path = write_docx(out / "平湖光机电集群申报材料.docx", front + assemble(items))
    expected = Expected(
        cover=cover,
        indicators={
            "area_km2": 21.4,
            "output_yi_by_year": {"2019": 265.3, "2020": 287.9, "2021": 331.6},
            "sme_output_share_pct": 81.5,
            "leading_industry_share_pct": 72.3,
            "output_growth_pct": 11.8,
            "champion_count": 2,
            "little_giant_count": 6,
            "specialized_sme_count": 35,
            "innovative_sme_count": 26,
            "high_tech_count": 112,
            "rd_growth_pct": 17.5,
            "valid_invention_patents": 540,
            "patent_growth_pct": 16.0,
            "employees": 76900,
            "patents_per_10k": 70.2,
            "industrial_internet_pct": 42.8,
        },
        key_enterprises=[{"name": f[0], "uscc": f[1], "honors": f[3]} for f in firms],
        standards=[
            {"number": "GB/T 38120", "role": "participate", "rank": None, "year": 2021},
            {"number": "T/ZJAEPI 005-2022", "role": "lead", "rank": None, "year": 2022},
        ],
        patents=[
            {"number": f"{n}.{patent_check(n)}", "holder": firms[k % 3][0], "kind": "invention", "grant_date": f"2021-0{k + 1}-15"}
            for k, n in enumerate(numbers)
        ],
        overseas_branches=[],
        service_platforms=[{"name": "平湖市光机电产业创新服务综合体", "level": "省级"}],
    )
    return path, expected


BUILDERS: dict[str, Callable[[Path], tuple[Path, Expected]]] = {
    "docx_form": packet_docx_form,
    "pdf_prose": packet_pdf_prose,
    "docx_matrix": packet_docx_matrix,
    "folder_xlsx": packet_folder_xlsx,
    "pdf_tables": packet_pdf_tables,
    "docx_unit_column": packet_docx_unit_column,
    "pdf_year_columns": packet_pdf_year_columns,
    "folder_xlsx_form": packet_folder_xlsx_form,
    "pdf_matrix": lambda out: packet_docx_matrix(out, as_pdf=True),
    "docx_year_grid": packet_docx_year_grid,
    "docx_prose_numbered": lambda out: packet_pdf_prose(out, as_docx=True),
    "pdf_year_grid": lambda out: packet_docx_year_grid(out, as_pdf=True),
}
