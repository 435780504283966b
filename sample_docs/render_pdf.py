"""Text-layer PDFs with reportlab platypus, and where each item landed.

The 目录 needs the pages items start on, which only layout knows: the document is
built once with placeholder numbers, then again with the real ones (the 目录 has
the same size both times, so nothing moves).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import BaseDocTemplate, Frame, PageBreak, PageTemplate, Paragraph, Spacer, Table, TableStyle
from xml.sax.saxutils import escape

from sample_docs.content import Break, CoverDoc, Grid, ItemDoc, Para, Style, TocDoc

rl_config.invariant = 1  # no timestamps or random IDs: the same seed gives the same bytes

FONT_FILES: dict[str, tuple[str, int]] = {
    "zenhei": ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    "microhei": ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    "uming": ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),  # AR PL UMing CN
}


def font_name(key: str) -> str:
    """Register the TrueType CJK font once and return its reportlab name."""
    name = f"CJK-{key}"
    if name not in pdfmetrics.getRegisteredFontNames():
        path, index = FONT_FILES[key]
        pdfmetrics.registerFont(TTFont(name, path, subfontIndex=index))
    return name


@dataclass
class ItemPages:
    first_page: int
    last_page: int


class _TrackingDoc(BaseDocTemplate):
    """Records the page each item heading and each item's last content fall on."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.item_pages: dict[int, ItemPages] = {}
        self._current: int | None = None

    def afterFlowable(self, flowable):  # noqa: N802 (reportlab hook name)
        item = getattr(flowable, "_item_start", None)
        if item is not None:
            self._current = item
            self.item_pages[item] = ItemPages(self.page, self.page)
            return
        if self._current is not None and isinstance(flowable, (Paragraph, Table)):
            self.item_pages[self._current].last_page = self.page


def footer_text(style_key: str, n: int) -> str:
    return {"di": f"第 {n} 页", "dash": f"- {n} -", "plain": f"{n}"}[style_key]


class PdfStyles:
    def __init__(self, style: Style):
        self.font = font_name(style.font_key)
        self.heading_font = font_name("zenhei" if style.font_key != "zenhei" else "microhei")
        size = style.body_size
        self.size = size
        self.body = ParagraphStyle("body", fontName=self.font, fontSize=size, leading=size * 1.6,
                                   wordWrap="CJK", alignment=TA_JUSTIFY, firstLineIndent=2 * size)
        self.body_flat = ParagraphStyle("flat", parent=self.body, firstLineIndent=0, alignment=TA_LEFT)
        self.cell = ParagraphStyle("cell", fontName=self.font, fontSize=size - 1.5, leading=(size - 1.5) * 1.35,
                                   wordWrap="CJK", alignment=TA_LEFT)
        self.cell_head = ParagraphStyle("cellh", parent=self.cell, fontName=self.heading_font, alignment=TA_CENTER)
        self.heading = ParagraphStyle("heading", fontName=self.heading_font, fontSize=style.heading_size,
                                      leading=style.heading_size * 1.5, wordWrap="CJK", alignment=TA_LEFT,
                                      spaceBefore=6, spaceAfter=6, keepWithNext=1)
        self.title = ParagraphStyle("title", fontName=self.heading_font, fontSize=26, leading=40, alignment=TA_CENTER,
                                    wordWrap="CJK")
        self.cover_field = ParagraphStyle("cf", fontName=self.font, fontSize=15, leading=30, wordWrap="CJK")
        self.toc_title = ParagraphStyle("tt", fontName=self.heading_font, fontSize=18, leading=30, alignment=TA_CENTER)
        self.toc_line = ParagraphStyle("tl", fontName=self.font, fontSize=size, leading=size * 1.55, wordWrap="CJK")


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def para_flowable(block: Para, st: PdfStyles) -> Paragraph:
    style = ParagraphStyle("x", parent=st.body if block.indent else st.body_flat,
                           alignment={"left": TA_LEFT, "center": TA_CENTER, "right": TA_RIGHT,
                                      "justify": TA_JUSTIFY}[block.align],
                           fontName=st.heading_font if block.bold else st.font,
                           fontSize=st.size * block.scale, leading=st.size * block.scale * 1.6)
    return _p(block.text, style)


def grid_flowable(grid: Grid, st: PdfStyles, width: float) -> Table:
    widths = grid.widths or [1.0] * len(grid.rows[0])
    total = sum(widths)
    col_widths = [width * w / total for w in widths]
    rows = [[_p(text, st.cell_head if r < grid.header_rows else st.cell) for text in row]
            for r, row in enumerate(grid.rows)]
    commands = [("GRID", (0, 0), (-1, -1), 0.6, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3)]
    for r, c, nr, nc in grid.spans:
        commands.append(("SPAN", (c, r), (c + nc - 1, r + nr - 1)))
    table = Table(rows, colWidths=col_widths, repeatRows=grid.header_rows if len(grid.rows) > 12 else 0)
    table.setStyle(TableStyle(commands))
    return table


def cover_flowables(cover: CoverDoc, st: PdfStyles) -> list:
    out: list = [Spacer(1, 4 * cm)]
    out += [_p(line, st.title) for line in cover.title_lines]
    out.append(Spacer(1, 3 * cm))
    for label, value in cover.fields:
        out.append(_p(f"{label}：{value}", st.cover_field))
    if cover.issuer:
        out += [Spacer(1, 2 * cm), _p(cover.issuer, ParagraphStyle("iss", parent=st.cover_field, alignment=TA_CENTER))]
    out.append(PageBreak())
    return out


def toc_flowables(toc: TocDoc, numbers: dict[int, int], st: PdfStyles, width: float) -> list:
    out: list = [_p(toc.title, st.toc_title), Spacer(1, 0.4 * cm)]
    if toc.layout == "table":
        rows = [[_p("序号", st.cell_head), _p("材料名称", st.cell_head), _p("页码", st.cell_head)]]
        for item, text in toc.entries:
            title = text.split(".", 1)[1] if "." in text[:3] else text
            rows.append([_p(str(item), st.cell), _p(title, st.cell), _p(str(numbers[item]), st.cell)])
        table = Table(rows, colWidths=[width * 0.08, width * 0.8, width * 0.12])
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                                   ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        out.append(table)
    else:
        number_width = width * 0.1
        rows = []
        for item, text in toc.entries:
            avail = width - number_width - 6 - 2 * st.size  # the cell's right padding and a safety margin
            line = text
            text_width = pdfmetrics.stringWidth(text + " ", st.font, st.size)
            if text_width < avail - 3 * pdfmetrics.stringWidth(".", st.font, st.size):
                dots = int((avail - text_width) / pdfmetrics.stringWidth(".", st.font, st.size))
                line = text + " " + "." * dots
            rows.append([_p(line, st.toc_line), _p(str(numbers[item]), ParagraphStyle("n", parent=st.toc_line,
                                                                                       alignment=TA_RIGHT))])
        table = Table(rows, colWidths=[width - number_width, number_width])
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
        out.append(table)
    out.append(PageBreak())
    return out


def item_flowables(item: ItemDoc, st: PdfStyles, width: float) -> list:
    heads = [_p(line, st.heading) for line in item.heading]
    heads[0]._item_start = item.item  # type: ignore[attr-defined]
    out: list = list(heads)
    for block in item.blocks:
        if isinstance(block, Para):
            out.append(para_flowable(block, st))
        elif isinstance(block, Grid):
            out += [Spacer(1, 4), grid_flowable(block, st, width), Spacer(1, 6)]
        elif isinstance(block, Break):
            out.append(PageBreak())
    return out


def render_pdf(path: Path, style: Style, cover: CoverDoc | None, toc: TocDoc | None, items: list[ItemDoc],
               toc_offsets: dict[int, int] | None = None, footer_on_first: bool = False,
               fixed_toc: dict[int, int] | None = None) -> tuple[dict[int, ItemPages], dict[int, int]]:
    """Write the PDF; returns where each item sits and the page numbers the 目录 prints."""
    st = PdfStyles(style)
    margin = style.margin_cm * cm
    width = A4[0] - 2 * margin
    offsets = toc_offsets or {}

    def build(numbers: dict[int, int]) -> dict[int, ItemPages]:
        doc = _TrackingDoc(str(path), pagesize=A4, leftMargin=margin, rightMargin=margin, topMargin=margin,
                           bottomMargin=margin, title="中小企业特色产业集群申报材料", author="", subject="",
                           creator="", producer="")
        frame = Frame(margin, margin, width, A4[1] - 2 * margin, id="body")

        def on_page(canvas, doc_):
            n = canvas.getPageNumber()
            if n == 1 and cover is not None and not footer_on_first:
                return
            canvas.setFont(st.font, 9)
            canvas.drawCentredString(A4[0] / 2, margin / 2, footer_text(style.footer, n))

        doc.addPageTemplates([PageTemplate(id="p", frames=[frame], onPage=on_page)])
        story: list = []
        if cover is not None:
            story += cover_flowables(cover, st)
        if toc is not None:
            story += toc_flowables(toc, numbers, st, width)
        for k, item in enumerate(items):
            if k > 0 and style.items_new_page:
                story.append(PageBreak())
            story += item_flowables(item, st, width)
        doc.build(story)
        return doc.item_pages

    if fixed_toc is not None:  # a cover-and-目录 file whose items live in other files
        return build(fixed_toc), dict(fixed_toc)
    placeholder = {it.item: 88 for it in items}
    pages = build(placeholder)
    for _ in range(3):
        printed = {i: p.first_page + offsets.get(i, 0) for i, p in pages.items()}
        if toc is None:
            return pages, {}
        again = build(printed)
        if {i: p.first_page for i, p in again.items()} == {i: p.first_page for i, p in pages.items()}:
            return again, printed
        pages = again
    raise RuntimeError(f"{path.name}: item pages did not settle after rebuilding the 目录")
