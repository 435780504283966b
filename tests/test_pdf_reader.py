"""PDF reader on generated files: text layer with a table, an image-only page (real
Tesseract), (cid:NN) triage, encryption, and damaged files."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from extractors.readers.pdf import text_pass
from extractors.readers.pdf_text import text_layer_problem
from extractors.readers.registry import read_member as read_pdf
from pipeline.core.document import FileKind, ReadMethod
from pipeline.core.errors import FileEncrypted, FileUnreadable
from pipeline.intake.packet import PacketMember
from pipeline.core.result import FindingCode
from pipeline.core.settings import Settings

FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
pdfmetrics.registerFont(TTFont("wqy", FONT, subfontIndex=0))

PATENT_ROWS = [
    ["序号", "专利号", "专利名称", "专利权人"],
    ["1", "ZL202110234567.8", "一种面粉加工装置", "浚县丰源食品有限公司"],
    ["2", "ZL201920345678.1", "速冻水饺成型机", "鹤壁市金穗食品有限公司"],
    ["合计", "", "", "2 件"],
]


def member(path: Path, name: str | None = None) -> PacketMember:
    return PacketMember(name or path.name, path, FileKind.PDF, hashlib.sha256(path.read_bytes()).hexdigest())


def write_text_pdf(path: Path, pages: int = 2) -> Path:
    """Heading, prose, a ruled table (last row merged over three columns), prose after it."""
    body = ParagraphStyle("body", fontName="wqy", fontSize=11, leading=16)
    heading = ParagraphStyle("heading", fontName="wqy", fontSize=16, leading=22)
    table = Table(PATENT_ROWS)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), "wqy"), ("GRID", (0, 0), (-1, -1), 0.5, "black"),
                               ("SPAN", (0, 3), (2, 3))]))
    story = [Paragraph("八、集群内中小企业有效发明专利清单", heading),
             Paragraph("集群内中小企业有效发明专利共 2 件，明细如下：", body), Spacer(1, 6), table,
             Paragraph("以上专利均处于有效状态。", body)]
    for number in range(2, pages + 1):
        story += [PageBreak(), Paragraph(f"第{number}页：集群治理情况佐证材料。", body)]
    SimpleDocTemplate(str(path), pagesize=A4).build(story)
    return path


def scanned_page_png(lines: list[str], dpi: int = 200) -> bytes:
    """A half-height A4 page of Chinese text as a PNG, like a scanner would give."""
    scale = dpi / 72
    image = Image.new("L", (int(595 * scale), int(300 * scale)), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, int(12 * scale), index=0)
    for index, line in enumerate(lines):
        draw.text((60 * scale, (40 + 30 * index) * scale), line, font=font, fill=0)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# ---------------------------------------------------------------- text layer


def test_text_layer_gives_lines_and_a_table_with_cell_provenance(tmp_path):
    outcome = read_pdf(member(write_text_pdf(tmp_path / "08 专利清单.pdf")), Settings())
    doc = outcome.document
    assert outcome.findings == []
    assert doc.page_count == 2 and doc.ocr_pages == [] and doc.kind is FileKind.PDF
    first = doc.pages[0]
    assert first.method is ReadMethod.TEXT and first.width == pytest.approx(595.28, abs=0.1)
    kinds = [block.kind for block in first.blocks]
    assert kinds == ["line", "line", "table", "line"]  # reading order by top
    heading = first.blocks[0]
    assert heading.text == "八、集群内中小企业有效发明专利清单" and heading.font_size == 16.0
    assert first.blocks[1].text == "集群内中小企业有效发明专利共 2 件，明细如下："
    table = first.blocks[2]
    assert table.text_rows()[:3] == PATENT_ROWS[:3]
    cell = table.rows[1][1]
    assert (cell.text, cell.row, cell.col, cell.prov.page, cell.prov.method) == ("ZL202110234567.8", 1, 1, 1, ReadMethod.TEXT)
    x0, top, x1, bottom = cell.prov.bbox
    assert x0 < x1 and top < bottom and table.prov.bbox[1] <= top
    merged = table.rows[3]
    assert [c.text for c in merged] == ["合计", "合计", "合计", "2 件"]
    assert merged[0].col_span == 3 and merged[1].prov.bbox == merged[0].prov.bbox
    # the page's plain text gives a merged cell once, as a reader sees it
    assert "合计\t2 件" in first.text() and "合计\t合计" not in first.text()
    # words inside the table are not repeated as lines
    assert not any("ZL2021" in line.text for line in first.lines())
    assert doc.pages[1].blocks[0].text == "第2页：集群治理情况佐证材料。"


def chars(text: str, fontname: str = "AAAAAA+SimSun") -> list[dict]:
    return [{"text": ch, "fontname": fontname} for ch in text]


def test_text_layer_triage():
    area = 595.0 * 842.0
    good = chars("集群内中小企业有效发明专利共62件，从业人员12500人。")
    assert text_layer_problem(good, area, 0.0) is None
    cid = [{"text": f"(cid:{n})", "fontname": "F1"} for n in range(30)] + chars("2021")
    assert "cid" in text_layer_problem(cid, area, 0.0)
    private_use = chars("\ue001\ue002\ue003\ue004\ue005\ue006\ue007\ue008\ufffd\ufffd12")
    assert text_layer_problem(private_use, area, 0.0)
    mojibake = chars("Ã¤Â¸Â­Ã¥Â°ÂÃ¤Â¼ÂÃ¤Â¸ÂÃ§ÂÂ¹Ã¨ÂÂ²")
    assert text_layer_problem(mojibake, area, 0.0)
    broken_to_unicode = chars("Bc`dE fGh! iJkl mNoP qrSt uVwx yZab cDef gHij kLmn oPqr", fontname="BCDEEE+SimSun")
    assert text_layer_problem(broken_to_unicode, area, 0.0)
    english = chars("Certificate of Incorporation, Company Number 12345678, Singapore", fontname="Helvetica")
    assert text_layer_problem(english, area, 0.0) is None
    assert text_layer_problem(chars("3"), area, area * 0.95)  # a scan with a page-number stamp
    assert text_layer_problem([], area, 0.0) is None  # a blank page is not OCR'd


def test_image_only_page_is_ocred_and_text_page_is_not(tmp_path):
    path = tmp_path / "扫描件.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pdf.setFont("wqy", 12)
    pdf.drawString(72, 770, "第一页为文字层：集群名称：浚县食品加工特色产业集群")
    pdf.showPage()
    scan_lines = ["二十、集群治理情况佐证材料", "集群建立联席会议制度，每季度召开一次协调会。"]
    pdf.drawImage(ImageReader(io.BytesIO(scanned_page_png(scan_lines))), 0, 842 - 300, width=595, height=300)
    pdf.showPage()
    pdf.save()
    outcome = read_pdf(member(path), Settings(workers=2))
    doc = outcome.document
    assert doc.page_count == 2 and doc.ocr_pages == [2]
    assert [p.number for p in doc.pages] == [1, 2]
    assert "浚县食品加工特色产业集群" in doc.pages[0].text()
    scanned = doc.pages[1]
    assert scanned.method is ReadMethod.OCR and scanned.ocr_confidence > 60
    assert "集群治理情况佐证材料" in scanned.text() and "联席会议制度" in scanned.text()
    first = next(scanned.lines())
    assert first.prov.method is ReadMethod.OCR and 40 < first.prov.bbox[0] < 80 and first.prov.bbox[1] < 80
    assert (scanned.width, scanned.height) == pytest.approx((595, 842), abs=1)


# ---------------------------------------------------------------- encryption and damage


def test_encrypted_pdf_needs_its_configured_password(tmp_path):
    plain = write_text_pdf(tmp_path / "plain.pdf", pages=1)
    locked = tmp_path / "加密.pdf"
    with pikepdf.open(plain) as pdf:
        pdf.save(locked, encryption=pikepdf.Encryption(user="s3cret", owner="owner"))
    with pytest.raises(FileEncrypted):
        text_pass(member(locked), Settings())
    with pytest.raises(FileEncrypted) as wrong:
        text_pass(member(locked), Settings(pdf_passwords={"加密.pdf": "nope"}))
    assert "密码不正确" in wrong.value.reason
    outcome = read_pdf(member(locked, "材料/加密.pdf"), Settings(pdf_passwords={"加密.pdf": "s3cret"}))
    assert outcome.findings == [] and "有效发明专利清单" in outcome.document.pages[0].text()


def three_page_pdf_with_a_long_last_page() -> bytes:
    """Catalog and page tree first, page 3's (long) content stream last, as many writers lay files out."""
    texts = [b"BT /F1 12 Tf 72 770 Td (Page 1: list of valid invention patents) Tj ET",
             b"BT /F1 12 Tf 72 770 Td (Page 2: service platforms of the cluster) Tj ET",
             b"".join(b"%d 0 m %d 800 l S\n" % (i % 500, (i * 7) % 500) for i in range(4000))
             + b"BT /F1 12 Tf 72 770 Td (Page 3: governance) Tj ET"]
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R 4 0 R 5 0 R] /Count 3 >>",
        **{3 + k: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
                  b"/Resources << /Font << /F1 6 0 R >> >> >>" % (7 + k) for k in range(3)},
        6: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        **{7 + k: b"<< /Length %d >>\nstream\n%s\nendstream" % (len(t), t) for k, t in enumerate(texts)},
    }
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, objects[number])
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offsets[n] for n in sorted(objects))
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_truncated_pdf_reads_the_pages_that_survive_and_names_the_lost_one(tmp_path):
    data = three_page_pdf_with_a_long_last_page()
    whole = tmp_path / "whole.pdf"
    whole.write_bytes(data)
    assert "Page 3" in read_pdf(member(whole), Settings()).document.pages[2].text()

    truncated = tmp_path / "截断.pdf"  # the download broke off inside page 3's content
    truncated.write_bytes(data[: data.index(b"9 0 obj") + 3000])
    outcome = read_pdf(member(truncated), Settings())
    doc = outcome.document
    assert doc.page_count == 3
    assert "Page 1: list of valid invention patents" in doc.pages[0].text()
    assert "Page 2" in doc.pages[1].text()
    assert [f.code for f in outcome.findings] == [FindingCode.FILE_UNREADABLE]
    assert "第3页" in outcome.findings[0].message
    assert [e.page for e in outcome.findings[0].evidence] == [3]


@pytest.mark.parametrize("keep", [0, 0.02, 0.5])
def test_pdf_with_nothing_readable_is_file_unreadable(tmp_path, keep):
    data = write_text_pdf(tmp_path / "source.pdf").read_bytes()
    broken = tmp_path / "坏.pdf"
    broken.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(FileUnreadable) as problem:
        text_pass(member(broken), Settings())
    assert problem.value.file == "坏.pdf" and str(tmp_path) not in problem.value.reason


# ---------------------------------------------------------------- a generated scanned packet


def test_generated_scanned_packet_cover_and_toc_read_close_to_the_truth(tmp_path):
    """The 目录 page is the hard one for OCR (dot leaders); both pages within 10 % character errors."""
    import re

    from rapidfuzz.distance import Levenshtein

    from extractors.readers.pdf import ocr_pdf_page, text_pass as pdf_text_pass
    from sample_docs.generate import generate_packet

    truth = generate_packet("scanned", tmp_path, seed=3)
    (file_name, page_texts), = truth["page_text"].items()
    path = tmp_path / "packets" / file_name
    document, needs_ocr, findings = pdf_text_pass(member(path), Settings())
    assert findings == [] and needs_ocr == list(range(1, document.page_count + 1)) and document.pages == []

    def comparable(text: str) -> str:
        import unicodedata

        # full-width and half-width punctuation are the same text to a reader ("：" vs ":")
        return re.sub(r"[.…·]{3,}", "", "".join(unicodedata.normalize("NFKC", text).split()))

    for page_no in (1, 2):
        page, page_findings = ocr_pdf_page(path, file_name, page_no, Settings())
        assert page_findings == [] and page.method is ReadMethod.OCR
        read, reference = comparable(page.text()), comparable(page_texts[str(page_no)])
        assert Levenshtein.distance(read, reference) / len(reference) < 0.10, page.text()


def test_scanned_pages_read_in_worker_processes_match_the_in_process_reading(tmp_path):
    path = tmp_path / "多页扫描件.pdf"
    pdf = canvas.Canvas(str(path), pagesize=A4)
    pages_lines = [["一、集群基本情况", "集群位于河北省清河县。"], ["二、主导产业情况", "羊绒制品年产值八十亿元。"]]
    for lines in pages_lines:
        pdf.drawImage(ImageReader(io.BytesIO(scanned_page_png(lines))), 0, 842 - 300, width=595, height=300)
        pdf.showPage()
    pdf.save()
    pooled = read_pdf(member(path), Settings(workers=2, use_cache=False))
    in_process = read_pdf(member(path), Settings(file_timeout_s=0, use_cache=False))  # limits off: read here
    assert pooled.document.ocr_pages == [1, 2] and [p.number for p in pooled.document.pages] == [1, 2]
    assert [p.text() for p in pooled.document.pages] == [p.text() for p in in_process.document.pages]
    assert "集群基本情况" in pooled.document.pages[0].text() and "主导产业情况" in pooled.document.pages[1].text()


# ---------------------------------------------------------------- scan resolution and page order


def full_page_scan_pdf(path: Path, dpis: list[int]) -> Path:
    """One A4 page per dpi, each a full-page grayscale scan made at that resolution."""
    pdf = canvas.Canvas(str(path), pagesize=A4)
    for dpi in dpis:
        scale = dpi / 72
        image = Image.new("L", (round(595 * scale), round(842 * scale)), 255)
        ImageDraw.Draw(image).text((60 * scale, 60 * scale), "集群基本情况", fill=0,
                                   font=ImageFont.truetype(FONT, int(12 * scale), index=0))
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        pdf.drawImage(ImageReader(buffer), 0, 0, width=595, height=842)
        pdf.showPage()
    pdf.save()
    return path


def test_a_scan_is_rendered_for_ocr_at_its_own_resolution_within_bounds(tmp_path):
    import pypdfium2

    from extractors.readers.pdf import render_pdf_page, scan_resolution

    path = full_page_scan_pdf(tmp_path / "scans.pdf", [100, 200, 250, 600])
    document = pypdfium2.PdfDocument(str(path))
    assert [round(scan_resolution(document[i])) for i in range(4)] == [100, 200, 250, 600]
    document.close()
    rendered = [render_pdf_page(path, path.name, n, 300, None, min_dpi=200) for n in (1, 2, 3, 4)]
    # a 100-dpi scan is read at the floor, a 600-dpi one at the ceiling, the others as scanned
    assert [round(image.info["dpi"][0]) for image in rendered] == [200, 200, 250, 300]
    assert rendered[1].size == pytest.approx((1653, 2339), abs=2)
    text_pdf = write_text_pdf(tmp_path / "text.pdf")
    document = pypdfium2.PdfDocument(str(text_pdf))
    assert scan_resolution(document[0]) is None  # not a scan: rendered at the configured dpi
    document.close()
    assert round(render_pdf_page(text_pdf, "text.pdf", 1, 300, None, min_dpi=200).info["dpi"][0]) == 300


def test_generated_scan_resolution_matches_the_image_in_the_file(tmp_path):
    """Checked against pikepdf's own reading of the page's image and its placement."""
    import pypdfium2

    from extractors.readers.pdf import scan_resolution
    from sample_docs.generate import generate_packet

    truth = generate_packet("scanned", tmp_path, seed=5)
    path = tmp_path / "packets" / next(iter(truth["page_text"]))
    with pikepdf.open(path) as pdf:
        page = pdf.pages[0]
        image = next(iter(page.get_images().values()))
        expected = int(image.Width) / (float(page.mediabox[2] - page.mediabox[0]) / 72)
    document = pypdfium2.PdfDocument(str(path))
    assert scan_resolution(document[0]) == pytest.approx(expected, rel=0.01)
    document.close()


def test_ocr_pages_are_handed_out_heaviest_first(tmp_path):
    from extractors.readers.pdf import ocr_jobs

    def order(path, pages):
        return [n for job in ocr_jobs(member(path), pages, Settings(workers=1)) for n in job.pages]

    path = full_page_scan_pdf(tmp_path / "scans.pdf", [100, 250, 150, 200])
    assert order(path, [1, 2, 3, 4]) == [2, 4, 3, 1]
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.7 nothing else")
    assert order(broken, [3, 1, 2]) == [3, 1, 2]
