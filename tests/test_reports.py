"""Reviewer outputs on a real generated packet: result.json, report.html, report.xlsx, batch summary.

The packet text carries an HTML/script payload and a spreadsheet-formula payload:
both must come out as plain text everywhere.
"""

from __future__ import annotations

from tests.rounds import CANONICAL_TITLES

import base64
import functools
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import openpyxl
import pytest
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from pipeline.core.atomic import atomic_path, write_text_atomic
from pipeline.core.document import FileKind, Line, Page, Provenance, ReadMethod, SourceDocument, Table, Cell
from pipeline.intake.packet import LoadedPacket, PacketMember
from pipeline.reports import PacketFailure, write_batch_outputs, write_packet_outputs
from pipeline.reports.crops import members_by_name
from pipeline.reports.html import render_packet_html
from pipeline.rounds.ruleset import rule_descriptions
from pipeline.reports.intro import clip_intro, draft_intro
from pipeline.reports.labels import finding_title
from pipeline.reports.summary import OVERVIEW_HEADERS, SUMMARY_HEADER_ROW, SUMMARY_HEADERS
from pipeline.reports.xlsx import looks_like_formula
from pipeline.core.result import (
    Cover,
    Evidence,
    FileEntry,
    Finding,
    FindingCode,
    Indicator,
    KeyEnterprise,
    Lists,
    PacketResult,
    PatentEntry,
    SectionResult,
    Severity,
    StandardEntry,
    empty_indicators,
)

SCHEMA_PATH = Path("/work/shared/contract/result.schema.json")
FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
SCRIPT_PAYLOAD = "<script>window.__pwned=1;alert(1)</script><img src=x onerror=\"window.__pwned=2\">"
FORMULA_PAYLOAD = "=cmd|' /C calc'!A0"
PDF_NAME = "01 申报表.pdf"
IMAGE_NAME = "03 重点企业名单.png"
DOCX_NAME = "02 说明.docx"
IMAGE_DPI = 200


@dataclass
class SamplePacket:
    result: PacketResult
    packet: LoadedPacket
    docs: list[SourceDocument]
    boxes: dict[str, tuple[float, float, float, float]]  # label → bbox in points (top-left origin)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@functools.lru_cache(maxsize=1)
def _pdf_bytes() -> tuple[bytes, dict[str, tuple[float, float, float, float]]]:
    """A two-page Chinese PDF (made once per session) and the top-left-origin bboxes of its lines."""
    pdfmetrics.registerFont(TTFont("WQY", FONT_PATH, subfontIndex=0))
    width, height = A4
    boxes: dict[str, tuple[float, float, float, float]] = {}
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=A4)

    def draw(label: str, text: str, x: float, y_top: float, size: float = 12) -> None:
        c.setFont("WQY", size)
        baseline = height - y_top - size
        c.drawString(x, baseline, text)
        boxes[label] = (x, y_top, x + pdfmetrics.stringWidth(text, "WQY", size), y_top + size * 1.25)

    draw("cover_name", "集群名称：" + SCRIPT_PAYLOAD, 60, 120)
    draw("cover_region", "所在地区：河南省鹤壁市浚县", 60, 150)
    c.showPage()
    draw("heading", "一、集群概况", 60, 80, 14)
    draw("sme_share", "中小企业产值占集群总产值比例为65%。", 60, 120)
    draw("output", "2019年产值45.2亿元，2020年产值48.0亿元，2021年产值52.3亿元。", 60, 150)
    draw("patent_row", "专利号 " + FORMULA_PAYLOAD + " 一种食品加工装置", 60, 200)
    c.showPage()
    c.save()
    return buffer.getvalue(), boxes


def _make_pdf(path: Path) -> dict[str, tuple[float, float, float, float]]:
    data, boxes = _pdf_bytes()
    path.write_bytes(data)
    return dict(boxes)


def _make_image(path: Path) -> tuple[float, float, float, float]:
    data, box = _image_bytes()
    path.write_bytes(data)
    return box


@functools.lru_cache(maxsize=1)
def _image_bytes() -> tuple[bytes, tuple[float, float, float, float]]:
    """A 200-dpi PNG with one line of text (made once per session); that line's bbox in points."""
    image = Image.new("RGB", (1654, 2339), "white")  # A4 at 200 dpi
    font = ImageFont.truetype(FONT_PATH, 48, index=0)
    draw = ImageDraw.Draw(image)
    draw.text((200, 400), "统一社会信用代码 91410621MA00000000", fill="black", font=font)
    left, top, right, bottom = draw.textbbox((200, 400), "统一社会信用代码 91410621MA00000000", font=font)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(IMAGE_DPI, IMAGE_DPI))
    return buffer.getvalue(), tuple(v * 72 / IMAGE_DPI for v in (left, top, right, bottom))  # type: ignore[return-value]


def build_sample_packet(root: Path, packet_id: str = "浚县_食品") -> SamplePacket:
    """A real packet on disk (PDF + PNG + a DOCX-like member) and a PacketResult pointing into it."""
    packet_dir = root / packet_id
    packet_dir.mkdir(parents=True)
    pdf_path = packet_dir / PDF_NAME
    boxes = _make_pdf(pdf_path)
    image_path = packet_dir / IMAGE_NAME
    boxes["uscc_line"] = _make_image(image_path)
    docx_path = packet_dir / DOCX_NAME
    docx_path.write_bytes(b"PK\x03\x04 not really a docx")

    members = [
        PacketMember(PDF_NAME, pdf_path, FileKind.PDF, _sha(pdf_path)),
        PacketMember(IMAGE_NAME, image_path, FileKind.IMAGE, _sha(image_path)),
        PacketMember(DOCX_NAME, docx_path, FileKind.DOCX, _sha(docx_path)),
    ]
    packet = LoadedPacket(packet_id=packet_id, source=packet_dir, members=members)

    def ev(label: str, text: str, file: str = PDF_NAME, page: int = 2) -> Evidence:
        return Evidence(file=file, page=page, text=text, bbox=list(boxes[label]))

    cover = Cover(
        cluster_name=SCRIPT_PAYLOAD,
        region="河南省鹤壁市浚县",
        leading_industry="食品加工",
        management_body=FORMULA_PAYLOAD,
        established="2015",
        fill_date="2022-10-10",
        evidence={"cluster_name": ev("cover_name", "集群名称：" + SCRIPT_PAYLOAD, page=1)},
    )
    sections = [SectionResult(item=i, title=t) for i, t in CANONICAL_TITLES.items()]
    for s in sections:
        if s.item != 19:
            s.present, s.file, s.first_page, s.last_page, s.toc_page = True, PDF_NAME, s.item + 2, s.item + 2, s.item + 2
    sections[5].empty = True

    indicators = empty_indicators()
    indicators["output_yi_by_year"] = Indicator(
        value={"2019": 45.2, "2020": 48.0, "2021": 52.3}, evidence=ev("output", "2019年产值45.2亿元……")
    )
    indicators["sme_output_share_pct"] = Indicator(value=65.0, evidence=ev("sme_share", "中小企业产值占集群总产值比例为65%"))
    indicators["leading_industry_share_pct"] = Indicator(value=82.5)
    indicators["employees"] = Indicator(value=12000)

    lists = Lists(
        key_enterprises=[
            KeyEnterprise(name=SCRIPT_PAYLOAD + "有限公司", uscc="91410621MA00000000", honors=["high_tech"],
                          evidence=Evidence(file=IMAGE_NAME, page=1, text="统一社会信用代码 91410621MA00000000",
                                            bbox=list(boxes["uscc_line"]))),
            KeyEnterprise(name="浚县永达食品有限公司", uscc="91410621MA3X4Y5Z6A", honors=["specialized_sme"]),
        ],
        standards=[StandardEntry(number="GB/T 19001-2016", title="质量管理体系", role="lead", rank=1, year=2021)],
        patents=[
            PatentEntry(number=FORMULA_PAYLOAD, title="一种食品加工装置", holder="浚县永达食品有限公司",
                        evidence=ev("patent_row", "专利号 " + FORMULA_PAYLOAD)),
            PatentEntry(number="201710601862.3", title="一种面粉", holder="浚县永达食品有限公司", grant_date="2019-05-01"),
        ],
    )
    findings = [
        Finding(code=FindingCode.SME_SHARE_LOW, severity=Severity.ERROR, item=1, field="sme_output_share_pct",
                message="中小企业产值占集群总产值比例为 65%，低于 70%。",
                evidence=[ev("sme_share", "中小企业产值占集群总产值比例为65%。")]),
        Finding(code=FindingCode.SECTION_MISSING, severity=Severity.ERROR, item=19,
                message="缺少第 19 项材料：集群已提供的中小企业公共服务清单、合同等。"),
        Finding(code=FindingCode.SECTION_EMPTY, severity=Severity.ERROR, item=6,
                message="第 6 项材料只有标题，没有实质内容。"),
        Finding(code=FindingCode.PATENT_NUMBER_INVALID, severity=Severity.WARNING, item=8, field="patents",
                message="专利号格式不正确：" + FORMULA_PAYLOAD,
                evidence=[ev("patent_row", "专利号 " + FORMULA_PAYLOAD + " 一种食品加工装置")]),
        Finding(code=FindingCode.USCC_INVALID, severity=Severity.WARNING, item=3, field="uscc",
                message="统一社会信用代码 91410621MA00000000 校验未通过，请人工核对。",
                evidence=[Evidence(file=IMAGE_NAME, page=1, text="统一社会信用代码 91410621MA00000000",
                                   bbox=list(boxes["uscc_line"]))]),
        Finding(code=FindingCode.FILE_UNSUPPORTED, severity=Severity.WARNING, item=None,
                message="文件“02 说明.docx”无法识别。", evidence=[Evidence.for_file(DOCX_NAME, SCRIPT_PAYLOAD)]),
        Finding(code=FindingCode.OCR_LOW_CONFIDENCE, severity=Severity.INFO, item=3,
                message="第 1 页文字识别置信度较低。",
                evidence=[Evidence(file=IMAGE_NAME, page=1, text="统一社会信用代码 91410621MA00000000",
                                   bbox=list(boxes["uscc_line"]))]),
    ]
    files = [
        FileEntry(name=PDF_NAME, sha256=members[0].sha256, kind="pdf", pages=2, ocr_pages=[]),
        FileEntry(name=IMAGE_NAME, sha256=members[1].sha256, kind="image", pages=1, ocr_pages=[1]),
        FileEntry(name=DOCX_NAME, sha256=members[2].sha256, kind="docx", pages=None, ocr_pages=[]),
    ]
    result = PacketResult(packet_id=packet_id, files=files, cover=cover, sections=sections, indicators=indicators,
                          lists=lists, findings=findings, code_version="0.1.0",
                          intro="浚县食品产业集群位于河南省鹤壁市浚县。" + FORMULA_PAYLOAD)
    result.status = result.compute_status()
    return SamplePacket(result, packet, [], boxes)


class _TagCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture()
def sample(tmp_path: Path) -> SamplePacket:
    return build_sample_packet(tmp_path / "in")


def _decode_data_uri(uri: str) -> Image.Image:
    assert uri.startswith("data:image/png;base64,")
    return Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))


# ---------------------------------------------------------------- result.json


def test_result_json_is_written_and_validates(sample: SamplePacket, tmp_path: Path) -> None:
    out = tmp_path / "out" / sample.result.packet_id
    write_packet_outputs(sample.result, sample.packet, sample.docs, out)
    assert sorted(p.name for p in out.iterdir()) == ["report.html", "report.xlsx", "result.json", "text.jsonl"]
    data = json.loads((out / "result.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))).validate(data)
    assert data["status"] == "fail"
    assert data["cover"]["cluster_name"] == SCRIPT_PAYLOAD
    assert "evidence" not in data["cover"]


# ---------------------------------------------------------------- report.html


def test_html_escapes_packet_text_and_has_no_script(sample: SamplePacket) -> None:
    html, _ = render_packet_html(sample.result, members_by_name(sample.packet))
    assert "<script>" not in html.lower()
    assert "onerror=" not in html.replace("onerror=&#34;", "")  # only ever as escaped text
    parser = _TagCollector()
    parser.feed(html)
    tags = [t for t, _ in parser.tags]
    assert "script" not in tags
    assert all(not any(k.startswith("on") for k in attrs) for _, attrs in parser.tags)
    text = "".join(parser.text)
    assert SCRIPT_PAYLOAD in text  # shown to the reviewer, as plain text
    assert FORMULA_PAYLOAD in text
    images = [attrs for t, attrs in parser.tags if t == "img"]
    assert all(a["src"].startswith("data:image/png;base64,") for a in images)
    assert not any(a.get("src") == "x" for a in images)
    assert 'http-equiv="Content-Security-Policy"' in html


def test_html_structure_verdict_groups_checklist_indicators_lists(sample: SamplePacket) -> None:
    html, _ = render_packet_html(sample.result, members_by_name(sample.packet))
    assert "不通过" in html
    assert "错误 3 项" in html and "警告 3 项" in html and "提示 1 项" in html
    # errors before warnings before infos; within errors item 1 before item 6 before item 19
    assert html.index('data-code="SME_SHARE_LOW"') < html.index('data-code="SECTION_EMPTY"') < html.index(
        'data-code="SECTION_MISSING"') < html.index('data-code="PATENT_NUMBER_INVALID"') < html.index(
        'data-code="OCR_LOW_CONFIDENCE"')
    sme_rule = rule_descriptions(sample.result.ruleset)["SME_SHARE_LOW"]
    assert f"认定标准：{sme_rule.criterion}<br>判定要求：{sme_rule.threshold}" in html  # the rule the finding tests  # the rule the finding tests
    parser = _TagCollector()
    parser.feed(html)
    text = "".join(parser.text)
    for expected in ("材料目录核对（20 项）", "缺失", "内容为空", "量化指标", "未达标", "达标", "未找到",
                     "重点企业", "专利", "境外分支机构", "公共服务平台", "经文字识别（OCR）的页"):
        assert expected in text, expected
    invalid_rows = [a for t, a in parser.tags if t == "tr" and a.get("data-invalid") == "1"]
    assert len(invalid_rows) == 2  # the formula "patent number" and the failing USCC
    assert "@page" in html and "break-inside: avoid" in html


def test_evidence_crops_render_each_page_once_and_show_the_region(sample: SamplePacket) -> None:
    html, crops = render_packet_html(sample.result, members_by_name(sample.packet))
    # PDF page 2 (indicators, findings) and image frame 1; each rendered once
    assert crops.pages_rendered == 2
    assert not crops.problems
    # sme_share (finding + indicator), output, patent_row, uscc_line: 4 distinct regions
    assert len(crops.images) == 4
    for uri in crops.images.values():
        assert uri in html
        image = _decode_data_uri(uri)
        assert 0 < image.width <= 1100
        dark = sum(1 for px in image.convert("L").get_flattened_data() if px < 128)
        assert dark > 20, "the crop shows the text it points to"
    # DOCX evidence has no image, yet its text is listed
    assert "02 说明.docx" in html


def test_crop_of_image_member_uses_its_dpi(sample: SamplePacket) -> None:
    _, crops = render_packet_html(sample.result, members_by_name(sample.packet))
    key = next(k for k in crops.images if k[0] == IMAGE_NAME)
    image = _decode_data_uri(crops.images[key])
    x0, top, x1, bottom = sample.boxes["uscc_line"]
    expected_width = (x1 - x0 + 20) * 150 / 72  # bbox + 2×10 pt margin at the 150-dpi crop scale
    assert abs(image.width - min(1100, expected_width)) <= 3


def test_html_with_missing_member_file_still_renders(sample: SamplePacket) -> None:
    (sample.packet.members[0].path).unlink()
    html, crops = render_packet_html(sample.result, members_by_name(sample.packet))
    assert crops.problems  # the PDF is gone: no crops from it, reason recorded
    assert all(k[0] == IMAGE_NAME for k in crops.images)
    assert "中小企业产值占集群总产值比例为" in html and '<span class="nb">65%</span>' in html


# ---------------------------------------------------------------- report.xlsx


def test_xlsx_has_sheets_text_cells_and_numbers(sample: SamplePacket, tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_packet_outputs(sample.result, sample.packet, sample.docs, out)
    workbook = openpyxl.load_workbook(out / "report.xlsx")
    assert workbook.sheetnames == ["审查结论", "检查结果", "指标", "材料目录", "重点企业", "标准", "专利", "境外分支机构", "公共服务平台"]
    formula_cells = [
        (ws.title, c.coordinate) for ws in workbook for row in ws.iter_rows() for c in row if c.data_type == "f"
    ]
    assert formula_cells == []
    all_values = [c.value for ws in workbook for row in ws.iter_rows() for c in row]
    assert FORMULA_PAYLOAD in all_values  # kept verbatim, as text
    assert SCRIPT_PAYLOAD + "有限公司" in all_values

    findings = workbook["检查结果"]
    assert [c.value for c in findings[1]] == ["严重程度", "问题", "材料", "指标或字段", "说明", "文件", "页码", "原文"]
    assert findings.freeze_panes == "A2"
    assert findings.max_row == 1 + len(sample.result.findings)
    assert findings["A2"].value == "错误" and findings["C2"].value.startswith("第 1 项") and findings["G2"].value == 2

    indicators = workbook["指标"]
    rows = {r[0].value: r for r in indicators.iter_rows(min_row=2)}
    assert rows["近三年集群总产值（2019 年）"][1].value == pytest.approx(45.2)
    assert isinstance(rows["集群从业人员"][1].value, (int, float))
    assert rows["中小企业产值占集群总产值比例"][4].value == "未达标"

    toc = workbook["材料目录"]
    assert toc.max_row == 21
    assert toc["C20"].value == "缺失" and toc["C7"].value == "内容为空"

    with zipfile.ZipFile(out / "report.xlsx") as package:
        sheets_xml = [package.read(n).decode("utf-8") for n in package.namelist() if n.startswith("xl/worksheets/")]
    assert sheets_xml and not any("<f>" in xml or "<f " in xml for xml in sheets_xml)

    patents = workbook["专利"]
    assert patents["B2"].quotePrefix is True  # stays text even when a reviewer edits the cell
    patent_rows = list(patents.iter_rows(min_row=2, values_only=True))
    assert patent_rows[0][1] == FORMULA_PAYLOAD and "专利号有误" in patent_rows[0][-1]
    assert patent_rows[1][-1] in ("", None)
    assert patents.column_dimensions["B"].width >= 10


@pytest.mark.parametrize(
    "text, dangerous",
    [("=1+1", True), ("  =1", True), ("\t=1", True), ("\r=1", True), ("+86 123", True), ("-5", True),
     ("@SUM(A1)", True), ("\tplain", True), ("集群", False), ("a=b", False), ("", False)],
)
def test_formula_detection(text: str, dangerous: bool) -> None:
    assert looks_like_formula(text) is dangerous


# ---------------------------------------------------------------- batch


def test_batch_outputs(tmp_path: Path) -> None:
    first = build_sample_packet(tmp_path / "a", "浚县_食品").result
    second = build_sample_packet(tmp_path / "b", "淇县#2?%").result
    second.findings = [f for f in second.findings if f.severity is not Severity.ERROR]
    second.status = second.compute_status()
    second.findings = [f for f in second.findings if f.severity is not Severity.WARNING]
    second.status = second.compute_status()
    second.cover.cluster_name = "淇县缝纫机械产业集群"
    failure = PacketFailure("坏包", "无法解压：文件已损坏。")
    out = tmp_path / "batch"
    write_batch_outputs([first, failure, second], out)

    workbook = openpyxl.load_workbook(out / "summary.xlsx")
    summary = workbook["推荐汇总表"]
    assert tuple(c.value for c in summary[SUMMARY_HEADER_ROW]) == SUMMARY_HEADERS
    data = list(summary.iter_rows(min_row=SUMMARY_HEADER_ROW + 1, values_only=True))
    assert data == [(1, "淇县缝纫机械产业集群", FORMULA_PAYLOAD, "河南省鹤壁市浚县", "食品加工", "2015", second.intro)]
    not_recommended = list(workbook["未推荐材料包"].iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in not_recommended] == ["浚县_食品", "坏包"]
    assert not_recommended[0][2] == SCRIPT_PAYLOAD
    overview = workbook["问题汇总"]
    assert tuple(c.value for c in overview[1]) == OVERVIEW_HEADERS
    rows = list(overview.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == ["浚县_食品", "坏包", "淇县#2?%"]
    assert rows[0][2:6] == ("不通过", 3, 3, 1)
    problems = rows[0][6].splitlines()
    errors = [f for f in first.findings if f.severity is Severity.ERROR]
    assert problems[0].endswith(errors[0].message) and problems[-1] == f"等{len(first.findings)}项"
    assert rows[1][2] == "处理失败" and rows[1][6] == "无法解压：文件已损坏。"
    assert rows[2][2] == "通过" and rows[2][3] == 0
    assert not [c for ws in workbook for row in ws.iter_rows() for c in row if c.data_type == "f"]

    text = (out / "batch.json").read_text(encoding="utf-8")
    records = json.loads(text)
    lines = text.strip().splitlines()
    assert lines[0] == "[" and lines[-1] == "]" and len(lines) == 5
    assert [json.loads(line.rstrip(",")) for line in lines[1:-1]] == records
    assert records[0] == {"packet_id": "浚县_食品", "status": "fail", "errors": 3, "warnings": 3, "infos": 1,
                          "report": "浚县_食品/report.html"}
    assert records[2]["status"] == "pass"
    assert records[1]["status"] == "error" and records[1]["reason"] == "无法解压：文件已损坏。"

    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in html
    assert 'href="%E6%B5%9A%E5%8E%BF_%E9%A3%9F%E5%93%81/report.html"' in html
    assert "%23" in html and "%3F" in html  # '#' and '?' in a packet id do not break its link
    assert "处理失败" in html


def test_batch_outputs_empty(tmp_path: Path) -> None:
    write_batch_outputs([], tmp_path)
    assert json.loads((tmp_path / "batch.json").read_text(encoding="utf-8")) == []
    summary = openpyxl.load_workbook(tmp_path / "summary.xlsx")["推荐汇总表"]
    assert summary.max_row == SUMMARY_HEADER_ROW


# ---------------------------------------------------------------- atomic writes


def test_atomic_write_replaces_and_cleans_up(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "result.json"
    write_text_atomic(target, "一")
    write_text_atomic(target, "二")
    assert target.read_text(encoding="utf-8") == "二"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("半", encoding="utf-8")
            raise RuntimeError("writer failed")
    assert target.read_text(encoding="utf-8") == "二"
    assert [p.name for p in target.parent.iterdir()] == ["result.json"]


# ---------------------------------------------------------------- intro


def _line(text: str, page: int = 1, y: float = 0) -> Line:
    return Line(text=text, prov=Provenance(file="a.pdf", page=page, bbox=(0, y, 100, y + 10), method=ReadMethod.TEXT))


def _doc(blocks) -> SourceDocument:
    return SourceDocument(name="a.pdf", sha256="0" * 64, kind=FileKind.PDF,
                          pages=[Page(number=1, method=ReadMethod.TEXT, blocks=blocks)], page_count=1)


def test_intro_from_labelled_passage() -> None:
    long_text = "浚县食品产业集群位于河南省鹤壁市浚县，" + "集群以面粉加工和速冻食品为主导产业，" * 8 + "形成了完整的产业链。"
    doc = _doc([
        _line("集群名称：浚县食品产业集群"),
        _line("一、集群 概况"),
        _line(long_text[:40]),
        _line(long_text[40:]),
        _line("二、主要指标"),
        _line("2021年产值52.3亿元。"),
    ])
    intro = draft_intro([doc], cover=Cover(cluster_name="浚县食品产业集群"))
    assert intro.startswith("浚县食品产业集群位于河南省鹤壁市浚县")
    assert len(intro) <= 150
    assert intro.endswith(("。", "，", "；")) or intro.endswith("…")
    assert "主要指标" not in intro


def test_intro_from_table_cell() -> None:
    prov = Provenance(file="a.xlsx", page=1, method=ReadMethod.XLSX)
    passage = "淇县缝纫机械产业集群始建于2010年，现有规模以上企业86家，2021年实现产值61亿元。"
    rows = [[Cell(text="集群名称", row=0, col=0, prov=prov), Cell(text="淇县缝纫机械产业集群", row=0, col=1, prov=prov)],
            [Cell(text="集群简介", row=1, col=0, prov=prov), Cell(text=passage, row=1, col=1, prov=prov)]]
    doc = _doc([Table(rows=rows, prov=prov)])
    assert draft_intro([doc]) == passage


def test_intro_falls_back_to_cover_facts() -> None:
    cover = Cover(cluster_name="浚县食品产业集群", region="河南省鹤壁市浚县", leading_industry="食品加工")
    indicators = empty_indicators()
    indicators["output_yi_by_year"] = Indicator(value={"2019": 45.2, "2021": 52.3})
    intro = draft_intro([_doc([_line("目录")])], cover=cover, indicators=indicators)
    assert intro == "浚县食品产业集群位于河南省鹤壁市浚县，主导产业为食品加工，2021年集群总产值52.3亿元。"


def test_clip_intro_limits() -> None:
    sentence = "集群发展良好，" * 40
    clipped = clip_intro(sentence)
    assert len(clipped) <= 150 and clipped.endswith("。")
    assert clip_intro("甲" * 400).endswith("…") and len(clip_intro("甲" * 400)) == 150


def test_a_result_of_a_retired_round_still_renders_without_criteria_text(sample: SamplePacket) -> None:
    """The criteria text comes only from the round's rule file: no second copy in Python."""
    sample.result.ruleset = "1999"
    html, _ = render_packet_html(sample.result, members_by_name(sample.packet))
    assert "中小企业产值占集群总产值" in html and "认定标准：一、具有较强核心竞争力" not in html


def test_atomic_write_gives_new_files_normal_permissions(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    write_text_atomic(target, "x")
    import os
    umask = os.umask(0o022)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    target.chmod(0o640)
    write_text_atomic(target, "y")
    assert target.stat().st_mode & 0o777 == 0o640


def test_narrow_evidence_is_widened_to_its_whole_line(sample: SamplePacket) -> None:
    _, crops = render_packet_html(sample.result, members_by_name(sample.packet))
    box = sample.boxes["sme_share"]
    image = _decode_data_uri(crops.images[(PDF_NAME, 2, box)])
    assert image.width == 1100  # full A4 width at 150 dpi (1240 px), downscaled to the cap
    assert image.height < 75  # still just the line, not the page


def test_intro_prefers_the_jianjie_passage_and_stops_at_form_fields() -> None:
    doc = _doc([
        _line("一、集群基本情况"),
        _line("集群名称：长垣市起重装备中小企业特色产业集群。所在地区：河南省新乡市长垣市。"),
        _line("五、集群简介"),
        _line("集群以桥式起重机、电动葫芦为主导产品，形成了钢材—整机制造—港口物流的完整产业链"),
        _line("第 3 页"),
        _line("，产品销往全国，是长垣市的支柱产业。"),
        _line("填报单位（盖章）：长垣市工业和信息化局"),
    ])
    intro = draft_intro([doc], cover=Cover(cluster_name="长垣市起重装备产业集群"))
    assert intro == ("长垣市起重装备产业集群以桥式起重机、电动葫芦为主导产品，形成了钢材—整机制造—港口物流的完整产业链，"
                     "产品销往全国，是长垣市的支柱产业。")


def test_write_packet_outputs_drafts_intro_when_driver_did_not(sample: SamplePacket, tmp_path: Path) -> None:
    sample.result.intro = None
    write_packet_outputs(sample.result, sample.packet, [], tmp_path / "out")
    assert sample.result.intro and len(sample.result.intro) <= 150
    assert json.loads((tmp_path / "out" / "result.json").read_text(encoding="utf-8"))["intro"] == sample.result.intro


# ---------------------------------------------------------------- end to end on a generated packet


@pytest.mark.slow
def test_reports_for_a_generated_packet_through_the_driver(tmp_path: Path) -> None:
    """A generated packet with list defects: the real checks' findings mark the right list rows."""
    from sample_docs import generate
    from pipeline.app.driver import process_packet
    from pipeline.core.settings import Settings

    defects = ("patent_number_invalid", "uscc_invalid", "sme_share_low")
    truth = generate.generate_packet("text_table", tmp_path / "gen", seed=7, defects=defects)
    source = next((tmp_path / "gen" / "packets").iterdir())
    result = process_packet(source, tmp_path / "out", Settings(data_dir=tmp_path / "data", use_cache=False))
    out = tmp_path / "out" / result.packet_id
    assert result.packet_id == truth["packet_id"]

    data = json.loads((out / "result.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))).validate(data)
    assert data["intro"] and len(data["intro"]) <= 150

    html = (out / "report.html").read_text(encoding="utf-8")
    parser = _TagCollector()
    parser.feed(html)
    invalid_rows = [a for t, a in parser.tags if t == "tr" and a.get("data-invalid") == "1"]
    assert len(invalid_rows) == 2  # the patent with a wrong check digit, the enterprise with a bad USCC
    crops = [a for t, a in parser.tags if t == "img" and a.get("data-evidence-crop")]
    assert len(crops) >= len(result.findings)  # every finding here points into the PDF

    workbook = openpyxl.load_workbook(out / "report.xlsx")
    titles = [row[1] for row in workbook["检查结果"].iter_rows(min_row=2, values_only=True)]
    assert sorted(titles) == sorted(finding_title(f["code"]) for f in truth["expected_findings"])
    assert sum(1 for row in workbook["专利"].iter_rows(min_row=2, values_only=True) if row[-1]) == 1
    assert sum(1 for row in workbook["重点企业"].iter_rows(min_row=2, values_only=True) if row[-1]) == 1
