"""DOCX → SourceDocument: paragraphs and tables in body order, with styles and list numbers.

The body XML is walked directly (python-docx opens the package and resolves
styles) because its high-level API skips tracked insertions, content controls,
text boxes and the positions of page breaks, all of which real packets use.

Pages are what the file states: a new page at every explicit page break
(`w:br w:type="page"`, `w:pageBreakBefore`) and every section break that starts a
new page; page 1 at the start. DOCX carries no layout, so bbox is None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from lxml import etree

from pipeline.core.document import Block, Cell, FileKind, Line, Page, Provenance, ReadMethod, SourceDocument, Table
from pipeline.core.errors import FileUnreadable
from extractors.readers.docx_styles import Styles, half_points
from extractors.readers.docx_numbering import Numbering, format_number  # noqa: F401 - format_number is this reader's API
from extractors.readers.docx_xml import A_NS, MC_NS, R_NS, V_NS, W_NS, W_VAL, WP_NS, int_attr, on, w
from extractors.readers.embedded import Picture, extent_points, picture_jobs, read_picture_jobs, text_pictures
from extractors.readers.outcome import FirstRead, PageJob, PageRead
from extractors.readers.outcome import ReadOutcome
from pipeline.core.filetypes import ZIP_READ_ERRORS, office_zip_problem
from pipeline.intake.packet import PacketMember


TXBX = w("txbxContent")
MAX_TABLE_COLUMNS = 256  # Word allows 63; a huge gridSpan/gridBefore would otherwise fill billions of slots
_PAGE_BREAK = object()  # token: an explicit page break inside a paragraph
_WRAPPERS = {w("sdt"), w("sdtContent"), w("customXml"), w("smartTag")}
_SKIPPED_INLINE = {w(t) for t in ("del", "moveFrom", "pPr", "rPr", "instrText", "delText", "delInstrText", "fldData", "sym",
                                   "footnoteReference", "endnoteReference", "commentReference")}
_NO_NEW_PAGE_SECTIONS = {"continuous", "nextColumn"}
_BLIP = f"{{{A_NS}}}blip"
_VML_IMAGE = f"{{{V_NS}}}imagedata"
_DRAWING_FRAMES = {f"{{{WP_NS}}}inline", f"{{{WP_NS}}}anchor"}


def _shown_size(blip) -> tuple[float | None, float | None]:
    """The picture's size as the document shows it (wp:extent, EMU), in points."""
    frame = blip.getparent()
    while frame is not None and frame.tag not in _DRAWING_FRAMES:
        frame = frame.getparent()
    return extent_points(frame.find(f"{{{WP_NS}}}extent") if frame is not None else None)


def read_docx(member: PacketMember, settings) -> ReadOutcome:
    """The document's own pages (body, then headers and footers); not a valid DOCX raises FileUnreadable."""
    return read_docx_body(member, settings)[0]


def read_docx_body(member: PacketMember, settings) -> tuple[ReadOutcome, list[Picture]]:
    """The document's own pages and the pictures in its body, in order (not yet tested for text)."""
    problem = office_zip_problem(member.path, settings)
    if problem:
        raise FileUnreadable(member.name, problem)
    try:
        word = docx.Document(str(member.path))
    except (PackageNotFoundError, KeyError, etree.XMLSyntaxError, *ZIP_READ_ERRORS) as error:
        raise FileUnreadable(member.name, f"不是有效的 Word 文档（{_one_line(error)}）") from error
    body = getattr(word.element, "body", None)  # a root that is not <w:document> has no `body`
    if body is None:
        raise FileUnreadable(member.name, "不是有效的 Word 文档（word/document.xml 中没有正文 w:body）")
    walk = _BodyWalk(
        file=member.name, styles=Styles(word), numbering=Numbering(_numbering_root(word)), section_props=_section_props(body)
    )
    walk.blocks(body)
    pages = walk.finished_pages()
    furniture = page_furniture(word, walk, len(pages) + 1)
    if furniture is not None:
        pages.append(furniture)
    pictures = _pictures(word, walk, len(pages))
    document = SourceDocument(name=member.name, sha256=member.sha256, kind=FileKind.DOCX, pages=pages, page_count=len(pages))
    return ReadOutcome(document=document), pictures


def _pictures(word, walk: "_BodyWalk", pages: int) -> list[Picture]:
    parts = word.part.rels
    pictures = []
    on_page: dict[int, int] = {}
    for rel_id, page, width, height in walk.pictures:
        rel = parts.get(rel_id)
        if rel is None or rel.is_external:
            continue
        on_page[page] = on_page.get(page, 0) + 1
        where = f"第 {min(page, pages)} 页第 {on_page[page]} 张"
        pictures.append(Picture(rel.target_part.partname.lstrip("/"), where, width, height))
    return pictures


def read_docx_first(member: PacketMember, settings) -> FirstRead:
    """The registry's first step: the document's pages, and a page job per picture that holds text."""
    outcome, pictures = read_docx_body(member, settings)
    chosen = text_pictures(member.path, pictures, settings)
    document = outcome.document
    pages = document.page_count or 0
    outcome.document = document.model_copy(update={"page_count": pages + len(chosen)})
    return FirstRead(outcome, picture_jobs(member, pages, chosen))


def read_docx_pictures(job: PageJob, settings) -> list[PageRead]:
    """The page step: the job's pictures (found again the same way) OCR'd."""
    outcome, pictures = read_docx_body(job.member, settings)
    chosen = text_pictures(job.member.path, pictures, settings)
    return read_picture_jobs(job, job.member.path, outcome.document.page_count or 0, chosen, settings)


def _section_props(body) -> list:
    """Section properties in order: those closing sections inside the body, then the final one."""
    sections = [s for s in body.iter(w("sectPr")) if s.getparent().tag == w("pPr") and s.getparent().getparent().tag == w("p")]
    final = body.find(w("sectPr"))
    return sections + ([final] if final is not None else [])


def _one_line(error: BaseException) -> str:
    return (" ".join(str(error).split()) or type(error).__name__)[:160]




def _numbering_root(word) -> etree._Element | None:
    try:
        return word.part.part_related_by(RT.NUMBERING).element
    except KeyError:
        return None


# --------------------------------------------------------------------------- body walk


def _top_textboxes(element) -> list:
    """Text-box contents directly under `element` (nested ones are reached through their host)."""
    found = []
    for box in element.iter(TXBX):
        ancestor = box.getparent()
        while ancestor is not None and ancestor is not element and ancestor.tag != TXBX:
            ancestor = ancestor.getparent()
        if ancestor is element or ancestor is None:
            found.append(box)
    return found


def _inline_tokens(element, tokens: list, textboxes: list) -> None:
    """Text of a paragraph in order, page breaks as tokens, text boxes collected aside."""
    for child in element:
        tag = child.tag
        if not isinstance(tag, str):
            continue  # comments, processing instructions
        if tag == w("t"):
            tokens.append(child.text or "")
        elif tag in (w("tab"), w("ptab")):
            tokens.append("\t")
        elif tag == w("br"):
            kind = child.get(w("type"), "textWrapping")
            tokens.append(_PAGE_BREAK if kind == "page" else "\n")
        elif tag == w("cr"):
            tokens.append("\n")
        elif tag == w("noBreakHyphen"):
            tokens.append("-")
        elif tag in _SKIPPED_INLINE:
            continue
        elif tag in (w("drawing"), w("pict"), w("object")):
            textboxes.extend(_top_textboxes(child))
        elif tag == f"{{{MC_NS}}}AlternateContent":
            branch = child.find(f"{{{MC_NS}}}Choice")
            if branch is None:
                branch = child.find(f"{{{MC_NS}}}Fallback")
            if branch is not None:
                _inline_tokens(branch, tokens, textboxes)
        elif tag.startswith(f"{{{W_NS}}}") or tag.startswith(f"{{{MC_NS}}}"):
            _inline_tokens(child, tokens, textboxes)  # runs, hyperlinks, insertions, fields, content controls


def _children(element, local: str):
    """Children with tag `local`, looking through content controls and custom XML wrappers."""
    for child in element:
        if child.tag == w(local):
            yield child
        elif child.tag in _WRAPPERS:
            yield from _children(child, local)


def _twips_to_points(value: str | None) -> float | None:
    """A page dimension in twentieths of a point, or None when absent or not a sane number."""
    try:
        twips = float(value) if value else None
    except ValueError:
        return None
    if twips is None or not 0 < twips < 20 * 14400:  # PDF's largest page is 14400 pt; also rejects nan/inf
        return None
    return twips / 20






@dataclass
class _Origin:
    text: str
    row: int
    col_span: int
    row_span: int = 1


@dataclass
class _BodyWalk:
    file: str
    styles: Styles
    numbering: Numbering
    page: int = 1
    page_has_flow: bool = False
    pages: dict[int, list[Block]] = field(default_factory=dict)
    section_props: list = field(default_factory=list)  # every w:sectPr of the body, in order
    section_of_page: dict[int, int] = field(default_factory=lambda: {1: 0})
    section: int = 0
    pictures: list[tuple[str, int, float | None, float | None]] = field(default_factory=list)  # rId, page, shown size

    def note_pictures(self, element) -> None:
        """The pictures inside a top-level block, on the page the block starts on."""
        for blip in element.iter(_BLIP, _VML_IMAGE):
            rel_id = blip.get(f"{{{R_NS}}}embed") or blip.get(f"{{{R_NS}}}id")
            if rel_id:
                width, height = _shown_size(blip)
                self.pictures.append((rel_id, self.page, width, height))

    def prov(self) -> Provenance:
        return Provenance(file=self.file, page=self.page, bbox=None, method=ReadMethod.DOCX)

    def new_page(self) -> None:
        self.page += 1
        self.page_has_flow = False
        self.section_of_page[self.page] = self.section

    def emit(self, block: Block) -> None:
        self.pages.setdefault(self.page, []).append(block)

    # -- blocks

    def blocks(self, container, top: bool = True) -> None:
        for child in container:
            if top and child.tag in (w("p"), w("tbl")):
                self.note_pictures(child)
            if child.tag == w("p"):
                self.paragraph(child)
            elif child.tag == w("tbl"):
                self.table(child)
            elif child.tag in _WRAPPERS:
                self.blocks(child, top)

    def paragraph(self, p) -> None:
        ppr = p.find(w("pPr"))
        style_el = ppr.find(w("pStyle")) if ppr is not None else None
        style_id = style_el.get(W_VAL) if style_el is not None else None
        if ppr is not None and on(ppr.find(w("pageBreakBefore"))) and self.page_has_flow:
            self.new_page()
        self.page_has_flow = True

        number = self._number(ppr, style_id)
        tokens: list = []
        textboxes: list = []
        _inline_tokens(p, tokens, textboxes)
        style = self.styles.name(style_id)
        size = self._font_size(p, style_id)
        segment: list[str] = []
        for token in tokens + [None]:
            if isinstance(token, str):
                segment.append(token)
                continue
            for text in "".join(segment).split("\n"):
                if text.strip():
                    self.emit(Line(text=text.strip(), prov=self.prov(), style=style, numbering=number, font_size=size))
                    number = None  # the number belongs in front of the paragraph's first line only
            segment = []
            if token is _PAGE_BREAK:
                self.new_page()
                self.page_has_flow = True  # the rest of the paragraph sits on the new page
        for box in textboxes:
            self.blocks(box, top=False)  # its pictures were noted with the paragraph's

        if ppr is not None and ppr.find(w("sectPr")) is not None:
            # The section ending here is followed by the next one; *its* w:type says how it starts.
            self.section += 1
            following = self.section_props[self.section] if self.section < len(self.section_props) else None
            kind = following.find(w("type")) if following is not None else None
            if kind is None or kind.get(W_VAL, "nextPage") not in _NO_NEW_PAGE_SECTIONS:
                self.new_page()

    def _number(self, ppr, style_id: str | None) -> str | None:
        """The list number drawn in front of a paragraph: its own numPr, else its style's.

        A style-linked multilevel list (headings numbered 一、/（一）) names the level by
        the style (`w:lvl/w:pStyle`), not by `w:ilvl`.
        """
        num_pr = ppr.find(w("numPr")) if ppr is not None else None
        own_id = num_pr.find(w("numId")) if num_pr is not None else None
        own_level = num_pr.find(w("ilvl")) if num_pr is not None else None
        from_style = self.styles.numbering(style_id)
        if own_id is None and from_style is None:
            return None
        num_id = own_id.get(W_VAL) if own_id is not None else from_style[0]
        if own_level is not None:
            ilvl = int_attr(own_level, 0)
        elif from_style is not None and from_style[1] is not None:
            ilvl = from_style[1]
        else:
            ilvl = self.numbering.level_for_style(num_id, from_style[2] if from_style else style_id)
        return self.numbering.render(num_id, ilvl)

    def _font_size(self, p, style_id: str | None) -> float | None:
        sizes = [s for s in (half_points(sz) for sz in p.iterfind(f".//{w('r')}/{w('rPr')}/{w('sz')}")) if s]
        return max(sizes) if sizes else self.styles.font_size(style_id)

    # -- tables

    def cell_text(self, container) -> tuple[str, int]:
        """Plain text of a cell (nested tables as tab-joined rows) and the page breaks met in it."""
        parts: list[str] = []
        breaks = 0
        for child in container:
            if child.tag == w("p"):
                ppr = child.find(w("pPr"))
                style_el = ppr.find(w("pStyle")) if ppr is not None else None
                number = self._number(ppr, style_el.get(W_VAL) if style_el is not None else None)
                tokens: list = []
                textboxes: list = []
                _inline_tokens(child, tokens, textboxes)
                breaks += sum(1 for t in tokens if t is _PAGE_BREAK)
                text = "".join(t if isinstance(t, str) else "\n" for t in tokens).strip()
                if text:
                    parts.append(f"{number} {text}" if number else text)
                for box in textboxes:
                    box_text, box_breaks = self.cell_text(box)
                    breaks += box_breaks
                    if box_text:
                        parts.append(box_text)
            elif child.tag == w("tbl"):
                for row in _children(child, "tr"):
                    texts = []
                    for tc in _children(row, "tc"):
                        text, nested_breaks = self.cell_text(tc)
                        breaks += nested_breaks
                        texts.append(text.replace("\n", " "))
                    if any(texts):
                        parts.append("\t".join(texts))
            elif child.tag in _WRAPPERS:
                text, nested_breaks = self.cell_text(child)
                breaks += nested_breaks
                if text:
                    parts.append(text)
        return "\n".join(parts), breaks

    def table(self, tbl) -> None:
        """One Table; a merged cell's text is repeated in every grid slot it covers."""
        self.page_has_flow = True
        slots: dict[tuple[int, int], _Origin] = {}
        breaks = 0
        rows = list(_children(tbl, "tr"))
        for r, tr in enumerate(rows):
            trpr = tr.find(w("trPr"))
            col = int_attr(trpr.find(w("gridBefore")), 0) if trpr is not None else 0
            col = min(max(0, col), MAX_TABLE_COLUMNS - 1)
            for tc in _children(tr, "tc"):
                tcpr = tc.find(w("tcPr"))
                span = max(1, int_attr(tcpr.find(w("gridSpan")), 1)) if tcpr is not None else 1
                span = max(1, min(span, MAX_TABLE_COLUMNS - col))
                vmerge = tcpr.find(w("vMerge")) if tcpr is not None else None
                above = slots.get((r - 1, col))
                if vmerge is not None and vmerge.get(W_VAL, "continue") == "continue" and above is not None:
                    origin = above
                    origin.row_span = max(origin.row_span, r - origin.row + 1)
                    _, cell_breaks = self.cell_text(tc)
                else:
                    text, cell_breaks = self.cell_text(tc)
                    origin = _Origin(text=text, row=r, col_span=span)
                breaks += cell_breaks
                for c in range(col, col + span):
                    slots[(r, c)] = origin
                col += span
        if not slots:
            return
        width = max(c for _, c in slots) + 1
        prov = self.prov()
        grid = []
        for r in range(len(rows)):
            row_cells = []
            for c in range(width):
                origin = slots.get((r, c))
                if origin is None:
                    row_cells.append(Cell(text="", row=r, col=c, prov=prov))
                else:
                    row_cells.append(
                        Cell(text=origin.text, row=r, col=c, prov=prov, row_span=origin.row_span, col_span=origin.col_span)
                    )
            grid.append(row_cells)
        self.emit(Table(rows=grid, prov=prov))
        for _ in range(breaks):
            self.new_page()
            self.page_has_flow = True

    # -- pages

    def finished_pages(self) -> list[Page]:
        """Pages 1..last (empty ones kept inside, trailing flowless ones dropped), sized by their section."""
        last = self.page
        while last > 1 and not self.pages.get(last) and not (last == self.page and self.page_has_flow):
            last -= 1
        sections = self.section_props
        pages = []
        for number in range(1, last + 1):
            width = height = None
            index = self.section_of_page.get(number, 0)
            if sections:
                size = sections[min(index, len(sections) - 1)].find(w("pgSz"))
                if size is not None:
                    width, height = _twips_to_points(size.get(w("w"))), _twips_to_points(size.get(w("h")))
            pages.append(Page(number=number, width=width, height=height, method=ReadMethod.DOCX, blocks=self.pages.get(number, [])))
        return pages


# --------------------------------------------------------------------------- headers and footers

_FURNITURE_PARTS = (("header", "页眉"), ("first_page_header", "首页页眉"), ("even_page_header", "偶数页页眉"),
                    ("footer", "页脚"), ("first_page_footer", "首页页脚"), ("even_page_footer", "偶数页页脚"))
_PAGE_NUMBER_ONLY = re.compile(r"^[\s\d第页共/\-—–.·]*$")


def _furniture_lines(part_element) -> list[str]:
    lines = []
    for p in part_element.iter(w("p")):
        text = "".join(t.text or "" for t in p.iter(w("t"), w("tab"))).strip()
        if text and not _PAGE_NUMBER_ONLY.match(text):
            lines.append(" ".join(text.split()))
    return lines


def page_furniture(word, walk: "_BodyWalk", page_no: int) -> Page | None:
    """Headers and footers (each distinct line once) as a page of their own after the body, or None.

    They are kept out of the body pages so that a running header never joins an item's
    text; the page's first line says what it is, each line's style names its part.
    """
    seen: set[str] = set()
    blocks: list[Block] = []
    prov = Provenance(file=walk.file, page=page_no, bbox=None, method=ReadMethod.DOCX)
    for section in word.sections:
        for attribute, label in _FURNITURE_PARTS:
            try:
                part = getattr(section, attribute)
                if part.is_linked_to_previous:
                    continue
                element = part._element  # python-docx has no public accessor for the part's XML
            except (AttributeError, KeyError, ValueError):
                continue
            for text in _furniture_lines(element):
                if text not in seen:
                    seen.add(text)
                    blocks.append(Line(text=text, prov=prov, style=label))
    if not blocks:
        return None
    title = Line(text="〔页眉页脚〕", prov=prov, style="页眉页脚")
    return Page(number=page_no, method=ReadMethod.DOCX, blocks=[title, *blocks])
