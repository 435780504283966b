"""The fast paths of issue 7 give what the slow paths give: PDFium's plain text pages
match pdfplumber's, a text pass split over two processes matches a serial one, and an
unchanged inbox needs no processing (so the CLI starts no Prefect server)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pdfplumber
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

from extractors.readers.pdf_text import fast_text_pages, text_page
from pipeline.app.batch import inbox_needs_processing, run_batch
from pipeline.core.document import FileKind
from pipeline.intake.packet import PacketMember
from pipeline.core.settings import Settings

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
pdfmetrics.registerFont(TTFont("wqy-speed", FONT, subfontIndex=0))


def write_pdf(path: Path, pages: int) -> Path:
    """Prose pages in two sizes, one page with a ruled table, and a Latin-only page."""
    heading = ParagraphStyle("h", fontName="wqy-speed", fontSize=16, leading=22)
    body = ParagraphStyle("b", fontName="wqy-speed", fontSize=11, leading=16)
    story = []
    for number in range(1, pages + 1):
        if number > 1:
            story.append(PageBreak())
        story += [Paragraph(f"第{number}章 集群发展情况", heading),
                  Paragraph(f"2023年集群主导产业产值 {number * 3.5:.1f} 亿元，企业 {number + 40} 家，"
                            "专精特新“小巨人”企业 3 家。集群内中小企业协同创新，产业链配套完善。" * 3, body)]
        if number == 2:
            table = Table([["序号", "企业名称", "产值（亿元）"], ["1", "浚县丰源食品有限公司", "12.5"]])
            table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), "wqy-speed"), ("GRID", (0, 0), (-1, -1), 0.5, "black")]))
            story.append(table)
        if number == 3:
            story.append(Paragraph("Annex: ISO 9001 certificate, issued 2022-05-01 by SGS." * 2, body))
    SimpleDocTemplate(str(path), pagesize=A4).build(story)
    return path


def member(path: Path) -> PacketMember:
    return PacketMember(path.name, path, FileKind.PDF, hashlib.sha256(path.read_bytes()).hexdigest())


def test_pdfium_plain_pages_read_like_pdfplumber(tmp_path):
    path = write_pdf(tmp_path / "材料.pdf", 4)
    fast = fast_text_pages(path, [1, 2, 3, 4], 4, path.name, None)
    assert 2 not in fast  # ruling lines: pdfplumber's table finder reads that page
    assert {1, 4} <= set(fast)
    with pdfplumber.open(path) as pdf:
        for number, page in fast.items():
            reference = text_page(pdf.pages[number - 1], path.name, number)
            assert [(b.text, b.font_size) for b in page.blocks] == [(b.text, b.font_size) for b in reference.blocks]
            for ours, theirs in zip(page.blocks, reference.blocks):
                assert ours.prov.bbox == pytest.approx(theirs.prov.bbox, abs=1.5)
            assert (page.width, page.height) == (reference.width, reference.height)


def test_unchanged_inbox_needs_no_processing(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    write_pdf(inbox / "甲集群申报材料.pdf", 2)
    settings = Settings(data_dir=tmp_path / "data")
    assert inbox_needs_processing(inbox, settings)
    run_batch(inbox, tmp_path / "out", settings)
    assert not inbox_needs_processing(inbox, settings)
    write_pdf(inbox / "乙集群申报材料.pdf", 1)  # a new packet
    assert inbox_needs_processing(inbox, settings)
