"""Word packets with python-docx: Heading styles, real tables, explicit page breaks.

A DOCX has no fixed pages; the contract counts a page per explicit page break, so
this renderer puts a `w:br w:type="page"` between items (and inside long lists)
and counts them as it goes: the 目录 numbers are those counts.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

from sample_docs.content import Break, CoverDoc, Grid, ItemDoc, Para, Style, TocDoc
from sample_docs.render_pdf import ItemPages

BODY_FONTS = {"zenhei": "宋体", "microhei": "仿宋_GB2312", "uming": "宋体"}
HEADING_FONTS = {"zenhei": "黑体", "microhei": "黑体", "uming": "方正小标宋简体"}
ROWS_PER_PAGE = 16

# numbering style -> (w:numFmt, w:lvlText)
AUTO_NUMBERING = {"cn": ("chineseCounting", "%1、"), "dot": ("decimal", "%1."), "dun": ("decimal", "%1、"),
                  "paren": ("chineseCounting", "（%1）"), "di": ("chineseCounting", "第%1项")}
NUM_ID = 90
ABSTRACT_ID = 90


def _east_asian(run_or_style_element, font: str) -> None:
    """Set the East Asian font, without which Word shows Chinese in a fallback face."""
    rpr = run_or_style_element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = parse_xml(f"<w:rFonts {nsdecls('w')}/>")
        rpr.insert(0, rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        rfonts.set(qn(attr), font)


def _setup_styles(doc, style: Style) -> None:
    body_font, head_font = BODY_FONTS[style.font_key], HEADING_FONTS[style.font_key]
    normal = doc.styles["Normal"]
    normal.font.size = Pt(style.body_size + 1)
    _east_asian(normal.element, body_font)
    for name, size in (("Heading 1", style.heading_size), ("Heading 2", style.heading_size - 2), ("Title", 26)):
        st = doc.styles[name]
        st.font.size = Pt(size)
        st.font.color.rgb = RGBColor(0, 0, 0)
        st.font.bold = True
        _east_asian(st.element, head_font)
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(style.margin_cm))


def _add_numbering(doc, style: Style) -> bool:
    """A list definition for the item headings, when this packet numbers them automatically."""
    if not style.numbering_docx_auto or style.numbering not in AUTO_NUMBERING:
        return False
    fmt, text = AUTO_NUMBERING[style.numbering]
    numbering = doc.part.numbering_part.element
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{ABSTRACT_ID}"><w:multiLevelType w:val="singleLevel"/>'
        f'<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/>'
        f'<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="0" w:firstLine="0"/></w:pPr></w:lvl></w:abstractNum>')
    num = parse_xml(f'<w:num {nsdecls("w")} w:numId="{NUM_ID}"><w:abstractNumId w:val="{ABSTRACT_ID}"/></w:num>')
    first_num = numbering.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    numbering.append(num)
    return True


def _footer(doc, style: Style) -> None:
    para = doc.sections[0].footer.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    before, after = {"di": ("第 ", " 页"), "dash": ("- ", " -"), "plain": ("", "")}[style.footer]
    if before:
        para.add_run(before)
    para._p.append(parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>'))
    if after:
        para.add_run(after)


class _Writer:
    def __init__(self, doc, style: Style, auto_numbering: bool):
        self.doc, self.style, self.auto = doc, style, auto_numbering
        self.page = 1

    def page_break(self) -> None:
        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        self.page += 1

    def para(self, block: Para) -> None:
        p = self.doc.add_paragraph()
        p.alignment = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
                       "right": WD_ALIGN_PARAGRAPH.RIGHT, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}[block.align]
        if block.indent:
            p.paragraph_format.first_line_indent = Pt((self.style.body_size + 1) * 2)
        run = p.add_run(block.text)
        run.bold = block.bold or None

    def grid(self, grid: Grid, split: bool = True) -> None:
        body = grid.rows[grid.header_rows:]
        header = grid.rows[:grid.header_rows]
        chunks = [body[k:k + ROWS_PER_PAGE] for k in range(0, len(body), ROWS_PER_PAGE)] or [[]]
        if grid.spans or not split:  # a form or the 目录: never split
            chunks = [body]
        for n, chunk in enumerate(chunks):
            if n > 0:
                self.page_break()
            rows = header + chunk
            table = self.doc.add_table(rows=len(rows), cols=len(rows[0]))
            table.style = "Table Grid"
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            merged: set[tuple[int, int]] = set()
            for r, c, nr, nc in grid.spans:
                table.cell(r, c).merge(table.cell(r + nr - 1, c + nc - 1))
                merged |= {(rr, cc) for rr in range(r, r + nr) for cc in range(c, c + nc)} - {(r, c)}
            for r, row in enumerate(rows):
                for c, text in enumerate(row):
                    if (r, c) in merged:
                        continue
                    cell = table.cell(r, c)
                    cell.text = text
                    if r < grid.header_rows:
                        for run in cell.paragraphs[0].runs:
                            run.bold = True

    def heading(self, item: ItemDoc) -> None:
        prefix = item.prefix
        lines = list(item.title_lines or item.heading)
        p = self.doc.add_paragraph(style="Heading 1")
        if self.auto:
            p._p.get_or_add_pPr().append(parse_xml(
                f'<w:numPr {nsdecls("w")}><w:ilvl w:val="0"/><w:numId w:val="{NUM_ID}"/></w:numPr>'))
            text_lines = lines
        else:
            text_lines = [prefix + lines[0], *lines[1:]]
        run = p.add_run(text_lines[0])
        for extra in text_lines[1:]:
            run.add_break()  # a heading split over two lines inside one paragraph
            run = p.add_run(extra)


def render_docx(path: Path, style: Style, cover: CoverDoc | None, toc: TocDoc | None, items: list[ItemDoc],
                toc_offsets: dict[int, int] | None = None) -> tuple[dict[int, ItemPages], dict[int, int]]:
    """Write the DOCX; returns where each item sits (explicit-break pages) and the 目录's numbers."""
    offsets = toc_offsets or {}
    pages: dict[int, ItemPages] = {}
    # Pass 1: count pages without a document (the 目录 is one page whatever it says).
    numbers = _layout_pages(cover, toc, items)
    doc = Document()
    _setup_styles(doc, style)
    auto = _add_numbering(doc, style)
    _footer(doc, style)
    w = _Writer(doc, style, auto)
    started = False
    if cover is not None:
        for line in cover.title_lines:
            p = doc.add_paragraph(style="Title")
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.add_run(line)
        for label, value in cover.fields:
            p = doc.add_paragraph()
            p.paragraph_format.left_indent = Cm(2)
            r = p.add_run(f"{label}：")
            r.bold = True
            p.add_run(value)
        if cover.issuer:
            doc.add_paragraph(cover.issuer).alignment = WD_ALIGN_PARAGRAPH.CENTER
        started = True
    printed = {i: numbers[i] + offsets.get(i, 0) for i in numbers}
    if toc is not None:
        if started:
            w.page_break()
        t = doc.add_paragraph()
        t.alignment = WD_ALIGN_PARAGRAPH.CENTER
        tr = t.add_run(toc.title)
        tr.bold = True
        tr.font.size = Pt(18)
        if toc.layout == "table":
            rows = [["序号", "材料名称", "页码"]] + [[str(i), text.split(".", 1)[-1], str(printed[i])]
                                              for i, text in toc.entries]
            w.grid(Grid(rows, header_rows=1), split=False)
        else:
            for item, text in toc.entries:
                p = doc.add_paragraph()
                p.paragraph_format.tab_stops.add_tab_stop(Cm(21 - 2 * style.margin_cm), WD_TAB_ALIGNMENT.RIGHT,
                                                          WD_TAB_LEADER.DOTS)
                p.add_run(f"{text}\t{printed[item]}")
        started = True
    for item in items:
        if started:
            w.page_break()
        started = True
        w.heading(item)
        first = w.page
        for block in item.blocks:
            if isinstance(block, Para):
                w.para(block)
            elif isinstance(block, Grid):
                w.grid(block)
            elif isinstance(block, Break):
                w.page_break()
        pages[item.item] = ItemPages(first, w.page)
    doc.save(str(path))
    if {i: p.first_page for i, p in pages.items()} != numbers:
        raise RuntimeError(f"{path.name}: DOCX page count disagrees with its own layout pass")
    return pages, (printed if toc is not None else {})


def _layout_pages(cover: CoverDoc | None, toc: TocDoc | None, items: list[ItemDoc]) -> dict[int, int]:
    """First page of each item, counting explicit breaks exactly as the writer emits them."""
    page = 1
    started = cover is not None
    if toc is not None:
        page += 1 if started else 0
        started = True
    out: dict[int, int] = {}
    for item in items:
        if started:
            page += 1
        started = True
        out[item.item] = page
        for block in item.blocks:
            if isinstance(block, Break):
                page += 1
            elif isinstance(block, Grid) and not block.spans:
                body = len(block.rows) - block.header_rows
                page += max(0, (body - 1) // ROWS_PER_PAGE)
    return out
