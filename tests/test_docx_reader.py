"""The DOCX reader on real Word files built with python-docx (plus raw XML where Word features need it)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.section import WD_SECTION
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.shared import Pt

from rapidfuzz import fuzz

from extractors.readers.docx import format_number, read_docx
from pipeline.core.document import FileKind, Line, ReadMethod, Table
from pipeline.core.errors import FileUnreadable
from pipeline.intake.packet import PacketMember
from tests.rounds import CANONICAL_TITLES
from pipeline.core.settings import Settings

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
MC = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
VML = 'xmlns:v="urn:schemas-microsoft-com:vml"'
WPS = 'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"'


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", use_cache=False)


def _member(path: Path, name: str | None = None) -> PacketMember:
    return PacketMember(name=name or path.name, path=path, kind=FileKind.DOCX, sha256=hashlib.sha256(path.read_bytes()).hexdigest())


def _save(document, path: Path) -> PacketMember:
    document.save(str(path))
    return _member(path)


def _lines(doc) -> list[tuple[int, str]]:
    return [(page.number, line.text) for page in doc.pages for line in page.lines()]


def _add_list(document, levels: list[tuple[str, str]], start: int = 1) -> str:
    """A numbering definition (level → numFmt, lvlText) in the document's numbering part; returns its numId."""
    numbering = document.part.part_related_by(RT.NUMBERING).element
    abstract_id = str(900 + len(numbering))
    lvls = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/></w:lvl>'
        for i, (fmt, text) in enumerate(levels)
    )
    numbering.insert(0, parse_xml(f'<w:abstractNum {W} w:abstractNumId="{abstract_id}">{lvls}</w:abstractNum>'))
    num_id = str(800 + len(numbering))
    numbering.append(parse_xml(f'<w:num {W} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/></w:num>'))
    return num_id


def _numbered(document, text: str, num_id: str, level: int = 0, style: str | None = None):
    paragraph = document.add_paragraph(text, style=style)
    paragraph._p.get_or_add_pPr().append(
        parse_xml(f'<w:numPr {W}><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>')
    )
    return paragraph


# --------------------------------------------------------------------------- order, styles, numbering


def test_paragraphs_and_tables_in_body_order_with_styles(tmp_path: Path, settings: Settings) -> None:
    document = docx.Document()
    document.add_heading("中小企业特色产业集群申报表", level=1)
    document.add_paragraph("集群名称：浚县食品加工产业集群")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "指标", "数值"
    table.cell(1, 0).text, table.cell(1, 1).text = "占地面积", "12.5平方公里"
    run = document.add_paragraph().add_run("表后说明")
    run.font.size = Pt(16)
    doc = read_docx(_save(document, tmp_path / "a.docx"), settings).document

    assert doc.kind is FileKind.DOCX and doc.page_count == 1
    blocks = doc.pages[0].blocks
    assert [type(b).__name__ for b in blocks] == ["Line", "Line", "Table", "Line"]
    heading, body, grid, after = blocks
    assert (heading.text, heading.style) == ("中小企业特色产业集群申报表", "Heading 1")
    assert heading.font_size == 14.0  # python-docx's Heading 1 style size
    assert (body.text, body.style) == ("集群名称：浚县食品加工产业集群", "Normal")
    assert grid.text_rows() == [["指标", "数值"], ["占地面积", "12.5平方公里"]]
    assert after.font_size == 16.0
    for block in (heading, grid, grid.rows[1][1]):
        assert block.prov.file == "a.docx" and block.prov.page == 1
        assert block.prov.bbox is None and block.prov.method is ReadMethod.DOCX


def test_list_numbering_is_rendered(tmp_path: Path, settings: Settings) -> None:
    document = docx.Document()
    chapters = _add_list(document, [("chineseCounting", "%1、"), ("chineseCounting", "（%2）"), ("decimal", "%3.")])
    _numbered(document, "集群基本情况", chapters)
    _numbered(document, "集群名称", chapters, level=1)
    _numbered(document, "所在地区", chapters, level=1)
    _numbered(document, "县城", chapters, level=2)
    _numbered(document, "核心竞争力", chapters)
    _numbered(document, "占地面积", chapters, level=1)  # restarts under a new chapter
    for _ in range(9):
        _numbered(document, "后续", chapters)
    legal = _add_list(document, [("decimal", "%1."), ("decimal", "%1.%2")])
    _numbered(document, "第一条", legal)
    _numbered(document, "细则", legal, level=1)
    document.add_paragraph("普通列表一", style="List Number")
    document.add_paragraph("普通列表二", style="List Number")
    document.add_paragraph("没有编号")
    lines = list(read_docx(_save(document, tmp_path / "n.docx"), settings).document.pages[0].lines())

    numbered = [(line.numbering, line.text) for line in lines]
    assert numbered[:6] == [
        ("一、", "集群基本情况"),
        ("（一）", "集群名称"),
        ("（二）", "所在地区"),
        ("1.", "县城"),
        ("二、", "核心竞争力"),
        ("（一）", "占地面积"),
    ]
    assert numbered[14] == ("十一、", "后续")
    assert numbered[15:] == [
        ("1.", "第一条"),
        ("1.1", "细则"),
        ("1.", "普通列表一"),  # numbering from the style (List Number)
        ("2.", "普通列表二"),
        (None, "没有编号"),
    ]
    assert lines[-2].style == "List Number"


def test_headings_numbered_through_a_style_linked_list(tmp_path: Path, settings: Settings) -> None:
    """Word's multilevel heading lists: the style carries numId, the level is found by w:lvl/w:pStyle."""
    document = docx.Document()
    numbering = document.part.part_related_by(RT.NUMBERING).element
    numbering.insert(0, parse_xml(
        f'<w:abstractNum {W} w:abstractNumId="77">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:pStyle w:val="Heading1"/>'
        '<w:lvlText w:val="%1、"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:pStyle w:val="Heading2"/>'
        '<w:lvlText w:val="（%2）"/></w:lvl></w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {W} w:numId="77"><w:abstractNumId w:val="77"/></w:num>'))
    for style_name in ("Heading 1", "Heading 2"):
        document.styles[style_name].element.get_or_add_pPr().append(
            parse_xml(f'<w:numPr {W}><w:numId w:val="77"/></w:numPr>'))
    document.add_heading("核心竞争力", level=1)
    document.add_heading("占地面积", level=2)
    document.add_heading("产值", level=2)
    document.add_heading("梯度培育", level=1)
    lines = read_docx(_save(document, tmp_path / "h.docx"), settings).document.pages[0].lines()
    assert [(line.numbering, line.text) for line in lines] == [
        ("一、", "核心竞争力"), ("（一）", "占地面积"), ("（二）", "产值"), ("二、", "梯度培育")]


@pytest.mark.parametrize(
    "n, fmt, text",
    [(3, "chineseCounting", "三"), (12, "chineseCountingThousand", "十二"), (2, "ideographTraditional", "乙"),
     (4, "decimalEnclosedCircle", "④"), (14, "upperRoman", "XIV"), (28, "lowerLetter", "bb"), (7, "decimalZero", "07"),
     (3, "chineseLegalSimplified", "叁"), (5, "decimalFullWidth", "５")],
)
def test_number_formats(n: int, fmt: str, text: str) -> None:
    assert format_number(n, fmt) == text


# --------------------------------------------------------------------------- pages


def test_pages_follow_explicit_breaks_and_sections(tmp_path: Path, settings: Settings) -> None:
    document = docx.Document()
    document.add_paragraph("封面")
    document.add_page_break()
    document.add_paragraph("目录")
    split = document.add_paragraph("断页前")
    split.add_run().add_break(docx.enum.text.WD_BREAK.PAGE)
    split.add_run("断页后")
    before = document.add_paragraph("段前分页")
    before.paragraph_format.page_break_before = True
    document.add_section(WD_SECTION.NEW_PAGE)
    document.add_paragraph("新节")
    document.add_section(WD_SECTION.CONTINUOUS)
    document.add_paragraph("连续节")
    doc = read_docx(_save(document, tmp_path / "p.docx"), settings).document

    assert _lines(doc) == [(1, "封面"), (2, "目录"), (2, "断页前"), (3, "断页后"), (4, "段前分页"), (5, "新节"), (5, "连续节")]
    assert doc.page_count == 5 and [p.number for p in doc.pages] == [1, 2, 3, 4, 5]
    assert doc.pages[0].width == pytest.approx(612.0) and doc.pages[0].height == pytest.approx(792.0)


def test_page_break_before_on_first_paragraph_is_not_a_blank_page(tmp_path: Path, settings: Settings) -> None:
    document = docx.Document()
    first = document.add_paragraph("第一段")
    first.paragraph_format.page_break_before = True
    doc = read_docx(_save(document, tmp_path / "f.docx"), settings).document
    assert _lines(doc) == [(1, "第一段")]


def test_empty_document_has_one_empty_page(tmp_path: Path, settings: Settings) -> None:
    doc = read_docx(_save(docx.Document(), tmp_path / "e.docx"), settings).document
    assert doc.page_count == 1 and doc.pages[0].blocks == []


# --------------------------------------------------------------------------- tables


def test_merged_cells_repeat_in_every_slot(tmp_path: Path, settings: Settings) -> None:
    document = docx.Document()
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "企业名称"
    table.cell(0, 2).text = "荣誉"
    table.cell(1, 0).merge(table.cell(2, 0)).text = "鹤壁天成食品"
    table.cell(1, 1).text, table.cell(1, 2).text = "甲", "小巨人"
    table.cell(2, 1).text, table.cell(2, 2).text = "乙", "高新技术企业"
    grid = next(read_docx(_save(document, tmp_path / "m.docx"), settings).document.pages[0].tables())

    assert grid.text_rows() == [
        ["企业名称", "企业名称", "荣誉"],
        ["鹤壁天成食品", "甲", "小巨人"],
        ["鹤壁天成食品", "乙", "高新技术企业"],
    ]
    assert [(c.row_span, c.col_span) for c in grid.rows[0]] == [(1, 2), (1, 2), (1, 1)]
    assert [(c.row, c.col, c.row_span) for c in (grid.rows[1][0], grid.rows[2][0])] == [(1, 0, 2), (2, 0, 2)]


def test_nested_table_text_is_kept_in_its_cell(tmp_path: Path, settings: Settings) -> None:
    document = docx.Document()
    outer = document.add_table(rows=1, cols=2)
    outer.cell(0, 0).text = "附表"
    inner = outer.cell(0, 1).add_table(rows=2, cols=2)
    inner.cell(0, 0).text, inner.cell(0, 1).text = "2019", "45.2"
    inner.cell(1, 0).text, inner.cell(1, 1).text = "2020", "50.1"
    grid = next(read_docx(_save(document, tmp_path / "t.docx"), settings).document.pages[0].tables())
    assert grid.rows[0][0].text == "附表"
    assert "2019\t45.2" in grid.rows[0][1].text and "2020\t50.1" in grid.rows[0][1].text


# --------------------------------------------------------------------------- Word features python-docx's API skips


def test_text_boxes_content_controls_and_tracked_changes(tmp_path: Path, settings: Settings) -> None:
    document = docx.Document()
    host = document.add_paragraph("正文")
    box = f"""<w:r {W} {MC} {VML} {WPS}><mc:AlternateContent>
      <mc:Choice Requires="wps"><w:drawing><wps:wsp><wps:txbx><w:txbxContent>
        <w:p><w:r><w:t>文本框里的集群名称</w:t></w:r></w:p></w:txbxContent></wps:txbx></wps:wsp></w:drawing></mc:Choice>
      <mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>
        <w:p><w:r><w:t>文本框里的集群名称</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback>
    </mc:AlternateContent></w:r>"""
    host._p.append(parse_xml(box))
    body = document.element.body
    body.insert(len(body) - 1, parse_xml(f"<w:sdt {W}><w:sdtContent><w:p><w:r><w:t>内容控件里的段落</w:t></w:r></w:p></w:sdtContent></w:sdt>"))
    body.insert(
        len(body) - 1,
        parse_xml(
            f'<w:p {W}><w:r><w:t xml:space="preserve">产值 </w:t></w:r>'
            f'<w:del w:id="1" w:author="a"><w:r><w:delText>40</w:delText></w:r></w:del>'
            f'<w:ins w:id="2" w:author="a"><w:r><w:t>45.6</w:t></w:r></w:ins><w:r><w:t>亿元</w:t></w:r></w:p>'
        ),
    )
    doc = read_docx(_save(document, tmp_path / "x.docx"), settings).document
    assert [text for _, text in _lines(doc)] == ["正文", "文本框里的集群名称", "内容控件里的段落", "产值 45.6亿元"]


def test_soft_line_breaks_split_lines_and_keep_the_number_in_front(tmp_path: Path, settings: Settings) -> None:
    document = docx.Document()
    num_id = _add_list(document, [("decimal", "%1、")])
    heading = _numbered(document, "集群内重点企业名单", num_id, style="Heading 1")
    heading.runs[0].add_break()
    heading.add_run("（省级以上“专精特新”中小企业等）")
    lines = list(read_docx(_save(document, tmp_path / "s.docx"), settings).document.pages[0].lines())
    assert [(line.numbering, line.text, line.style) for line in lines] == [
        ("1、", "集群内重点企业名单", "Heading 1"),
        (None, "（省级以上“专精特新”中小企业等）", "Heading 1"),
    ]


# --------------------------------------------------------------------------- bad files


def test_not_a_zip_is_unreadable(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "申报表.docx"
    path.write_text("这不是 Word 文件", encoding="utf-8")
    with pytest.raises(FileUnreadable) as raised:
        read_docx(_member(path), settings)
    assert raised.value.file == "申报表.docx"
    assert "无法读取" in raised.value.to_finding().message


def test_zip_without_word_parts_is_unreadable(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "假的.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<not-closed")
    with pytest.raises(FileUnreadable):
        read_docx(_member(path), settings)


def test_docx_whose_parts_inflate_like_a_bomb_is_refused(tmp_path: Path, settings: Settings) -> None:
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
        target.writestr("word/media/padding.bin", bytes(16 * 1024 * 1024))
    with pytest.raises(FileUnreadable) as raised:
        read_docx(_member(path), settings)
    assert "压缩炸弹" in raised.value.reason


# --------------------------------------------------------------------------- a generated packet


def test_generated_docx_packet_pages_match_the_truth(tmp_path: Path, settings: Settings) -> None:
    from sample_docs import generate
    truth = generate.generate_packet("docx", tmp_path / "gen", seed=7)
    path = next((tmp_path / "gen" / "packets").glob("*.docx"))
    doc = read_docx(_member(path), settings).document
    assert json.loads(doc.model_dump_json())["kind"] == "docx"
    for section in truth["sections"]:
        if not section["present"]:
            continue
        assert section["file"] == path.name
        page = doc.pages[section["first_page"] - 1]
        heading = next(page.lines())  # each item starts a page with its heading
        assert fuzz.partial_ratio(CANONICAL_TITLES[section["item"]], heading.text) >= 70, (section, heading.text)
    assert isinstance(doc.pages[0].blocks[0], (Line, Table))
