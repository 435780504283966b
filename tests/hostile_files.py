"""Builders of valid and hostile input files for the hostile-input tests and the fuzz script.

Every builder writes real files with the real libraries (reportlab, pikepdf,
python-docx, openpyxl, Pillow, zipfile) or, for what no library will write on
purpose (a lying PNG header, a path-traversal ZIP entry), with a few raw bytes.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import struct
import zipfile
import zlib
from pathlib import Path

import docx
import openpyxl
import pikepdf
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from pipeline.core.document import FileKind
from pipeline.core.filetypes import detect_kind
from pipeline.intake.packet import PacketMember

CJK_FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
_PDF_FONT = "HostileZenHei"


def own_peak_mb() -> float:
    """This process's peak resident memory since its exec, in MB.

    Not ru_maxrss: Linux carries that across fork and exec, so a fresh interpreter started by
    a large pytest process reports pytest's peak as its own.
    """
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) / 1024


def member_for(path: Path, name: str | None = None, kind: FileKind | None = None) -> PacketMember:
    """A packet member for a file on disk, its kind decided by content as the loader does."""
    return PacketMember(
        name=name or path.name,
        path=path,
        kind=kind or detect_kind(path),
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
    )


# --------------------------------------------------------------------------- PDF


def _pdf_font() -> str:
    if _PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(_PDF_FONT, CJK_FONT_PATH, subfontIndex=0))
    return _PDF_FONT


def pdf_bytes(pages: list[list[str]]) -> bytes:
    """A text PDF, one list of Chinese lines per page (no compression: byte edits stay local)."""
    buffer = io.BytesIO()
    page_canvas = canvas.Canvas(buffer, pagesize=A4, pageCompression=0, invariant=1)
    font = _pdf_font()
    for lines in pages:
        page_canvas.setFont(font, 12)
        for index, text in enumerate(lines):
            page_canvas.drawString(72, A4[1] - 72 - 18 * index, text)
        page_canvas.showPage()
    page_canvas.save()
    return buffer.getvalue()


def text_pdf(path: Path, pages: list[list[str]] | None = None) -> Path:
    pages = pages or [[f"第{n}页：集群内重点企业名单", "鹤壁天成食品科技股份有限公司"] for n in range(1, 4)]
    path.write_bytes(pdf_bytes(pages))
    return path


def truncated_pdf(path: Path, keep_share: float = 0.55) -> Path:
    """A multi-page PDF cut off part-way (an interrupted upload): no trailer, no xref."""
    data = pdf_bytes([[f"第{n}页：截断文件的内容"] for n in range(1, 7)])
    path.write_bytes(data[: int(len(data) * keep_share)])
    return path


def damaged_xref_pdf(path: Path) -> Path:
    """Four pages; every xref offset 7 bytes off (the table must be rebuilt) and page 3's text operator garbled."""
    data = pdf_bytes([[f"第{n}页：损坏的交叉引用表"] for n in range(1, 5)])
    xref_at = data.rindex(b"\nxref") + 1
    body, table = data[:xref_at], data[xref_at:]
    page_three = re.search(rb"\(\\0013[^)]*\) Tj", body)
    assert page_three is not None, "reportlab changed how it writes page text"
    garbled = page_three.group(0)[:-2] + b"Zq"  # same length, an unknown operator: the text never shows
    body = body[: page_three.start()] + garbled + body[page_three.end():]
    table = re.sub(rb"(\d{10}) 00000 n", lambda m: b"%010d 00000 n" % (int(m.group(1)) + 7), table)
    path.write_bytes(body + table)
    return path


def _two_page_pdf() -> bytes:
    return pdf_bytes([["第1页：集群内重点企业名单", "鹤壁天成食品科技股份有限公司"], ["第2页：标准清单"]])


def pdf_with_bad_mediabox(path: Path) -> Path:
    """Page 1's /MediaBox holds a non-number (one byte flipped, as the fuzzer found); page 2 is intact."""
    data = _two_page_pdf()
    assert data.count(b"/MediaBox [ 0 0 595") == 2
    path.write_bytes(data.replace(b"/MediaBox [ 0 0 595", b"/MediaBox [ 0 0\xbf595", 1))
    return path


def pdf_with_broken_page_tree(path: Path, shift_offsets: bool) -> Path:
    """One byte of the /Kids array garbled (as the fuzzer found); optionally every later xref offset 16 bytes off."""
    data = _two_page_pdf()
    kids = data.index(b"/Kids [ 3 0 R ") + len(b"/Kids [ 3 0 R")
    data = data[:kids] + b"\xb3" + data[kids + 1:]
    if shift_offsets:
        at = data.index(b"5 0 obj")
        data = data[:at] + b" " * 16 + data[at:]
    path.write_bytes(data)
    return path


def pdf_with_a_giant_scanned_page(path: Path) -> Path:
    """Page 1 ordinary text; page 2 a 200 × 200-inch page (PDF's maximum) holding only a small image.

    Page 2 has no text layer, so it goes to OCR: rendered at 300 dpi it would be
    60,000 × 60,000 pixels (3.6 GB of grey) — a decompression bomb inside a PDF.
    """
    page_canvas = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    page_canvas.setFont(_pdf_font(), 12)
    page_canvas.drawString(72, 760, "第1页：正常页面")
    page_canvas.showPage()
    page_canvas.setPageSize((14400, 14400))
    buffer = io.BytesIO()
    text_image("巨幅页面", (400, 400)).save(buffer, format="PNG")
    buffer.seek(0)
    from reportlab.lib.utils import ImageReader

    page_canvas.drawImage(ImageReader(buffer), 0, 0, 14400, 14400)
    page_canvas.showPage()
    page_canvas.save()
    return path


def encrypted_pdf(path: Path, password: str) -> Path:
    source = pikepdf.open(io.BytesIO(pdf_bytes([["加密文件：集群发展规划"]])))
    source.save(path, encryption=pikepdf.Encryption(owner=password + "-owner", user=password, R=6))
    return path


def many_page_pdf(path: Path, page_count: int) -> Path:
    """`page_count` pages, each one short line (page objects share one content stream: cheap to write)."""
    template = pikepdf.open(io.BytesIO(pdf_bytes([["长文件：每页一行文字"]])))
    pdf = pikepdf.new()
    first = pdf.copy_foreign(template.pages[0].obj)
    pdf.pages.append(pikepdf.Page(first))
    for _ in range(page_count - 1):
        clone = pikepdf.Dictionary(first)  # shallow copy: same /Contents and /Resources objects
        pdf.pages.append(pikepdf.Page(pdf.make_indirect(clone)))
    pdf.save(path)
    return path


# --------------------------------------------------------------------------- Office


def docx_file(path: Path, heading: str = "七、集群内企业参与制修订标准清单", rows: int = 2, paragraphs: int = 1) -> Path:
    document = docx.Document()
    document.add_heading(heading, level=1)
    document.add_paragraph("本集群企业主导或参与制修订的标准如下。")
    for i in range(1, paragraphs):  # text that varies, so the file does not look like a zip bomb
        document.add_paragraph(f"第{i}段：{hashlib.sha256(str(i).encode()).hexdigest()}")
    table = document.add_table(rows=rows + 1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "标准编号", "标准名称"
    for r in range(rows):
        table.cell(r + 1, 0).text, table.cell(r + 1, 1).text = f"GB/T 3{r}001-2021", f"羊绒制品第{r + 1}部分"
    document.save(str(path))
    return path


def xlsx_file(path: Path) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "重点企业名单"
    sheet.append(["序号", "企业名称", "统一社会信用代码"])
    sheet.append([1, "鹤壁天成食品科技股份有限公司", "91410600MA3X4ABC1Y"])
    workbook.save(path)
    return path


def formulas_only_xlsx(path: Path) -> Path:
    """A workbook written by a program that saved formulas but no computed results."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "产值测算"
    for r in range(1, 6):
        sheet.cell(row=r, column=1, value=f"=ROW()*{r}")
        sheet.cell(row=r, column=2, value=f"=A{r}*2")
    workbook.save(path)
    return path


# --------------------------------------------------------------------------- images


def text_image(text: str, size: tuple[int, int] = (900, 160)) -> Image.Image:
    """A clean grey image of one line of Chinese, large enough for Tesseract at 300 dpi."""
    image = Image.new("L", size, 255)
    font = ImageFont.truetype(CJK_FONT_PATH, 56)
    ImageDraw.Draw(image).text((30, 40), text, fill=0, font=font)
    return image


def multi_frame_tiff(path: Path, texts: list[str]) -> Path:
    frames = [text_image(t) for t in texts]
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(300, 300), compression="tiff_deflate")
    return path


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def huge_png(path: Path, width: int, height: int) -> Path:
    """A PNG whose header claims `width`×`height` grey pixels; only a few hundred bytes on disk.

    The image data is one deflated row (the rest is missing): a reader that trusts
    the header and decodes would allocate width×height bytes first.
    """
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    row = zlib.compress(b"\x00" + b"\xff" * min(width, 4096))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", row) + _png_chunk(b"IEND", b""))
    return path


# --------------------------------------------------------------------------- ZIP


def zip_with(path: Path, entries: list[tuple[str | zipfile.ZipInfo, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return path


def symlink_info(name: str) -> zipfile.ZipInfo:
    """A ZIP entry marked as a Unix symlink (its data is the link target)."""
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (0o120777 << 16)
    return info


class _GbkZipInfo(zipfile.ZipInfo):
    """An entry whose name is written as GBK bytes with the UTF-8 flag unset (zipfile has no option for it)."""

    def _encodeFilenameFlags(self):  # noqa: N802 - zipfile's own hook
        return self.filename.encode("gbk"), self.flag_bits & ~0x800


def gbk_named_zip(path: Path, names_and_data: list[tuple[str, bytes]]) -> Path:
    """A ZIP as Chinese Windows writes it: names in GBK, the UTF-8 flag unset."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in names_and_data:
            archive.writestr(_GbkZipInfo(name), data)
    return path

# --------------------------------------------------------------------------- fuzzing


def fuzz_seed_files(folder: Path) -> dict[str, bytes]:
    """Small valid files of each fuzzed kind (PDF and the ZIP's members uncompressed, so flips hit structure)."""
    folder.mkdir(parents=True, exist_ok=True)
    pdf = _two_page_pdf()
    docx_data = docx_file(folder / "seed.docx").read_bytes()
    xlsx_data = xlsx_file(folder / "seed.xlsx").read_bytes()
    archive = zip_with(
        folder / "seed.zip",
        [("申报材料/01 申报表.pdf", pdf), ("申报材料/07 标准清单.docx", docx_data), ("申报材料/说明.txt", "说明文字".encode() * 20)],
        compression=zipfile.ZIP_STORED,
    ).read_bytes()
    return {"pdf": pdf, "docx": docx_data, "xlsx": xlsx_data, "zip": archive,
            "docx-xml": _rich_docx(folder / "rich.docx").read_bytes(), "xlsx-xml": _rich_xlsx(folder / "rich.xlsx").read_bytes()}


OFFICE_XML_PARTS = {"docx-xml": ("word/document.xml", "word/numbering.xml", "word/styles.xml"),
                    "xlsx-xml": ("xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/styles.xml")}


def _rich_docx(path: Path) -> Path:
    """Headings, a numbered list, a page break and a table with merged cells: every branch of the DOCX reader."""
    document = docx.Document()
    document.add_heading("十七、境外分支机构清单", level=1)
    for text in ("第一家：越南分公司", "第二家：泰国工厂"):
        document.add_paragraph(text, style="List Number")
    document.add_page_break()
    table = document.add_table(rows=3, cols=3)
    for r in range(3):
        for c in range(3):
            table.cell(r, c).text = f"单元{r}{c}"
    table.cell(1, 0).merge(table.cell(2, 0))
    table.cell(0, 1).merge(table.cell(0, 2))
    document.save(str(path))
    return path


def _rich_xlsx(path: Path) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "专利清单"
    sheet.append(["专利号", "名称", "授权日期", "占比"])
    sheet.append(["ZL202110000001.X", "一种羊绒分梳装置", "2021-05-01", 0.125])
    sheet["D2"].number_format = "0.0%"
    sheet.merge_cells("A4:B5")
    sheet["A4"] = "合计"
    workbook.create_sheet("说明")["A1"] = "本表按授权日期排序"
    workbook.save(path)
    return path


def mutate_office_xml(seed: bytes, seed_name: str, part_choice: float, mutations: list[Mutation]) -> bytes:
    """Mutate one XML part inside an Office file and zip it again (valid ZIP, damaged or odd XML)."""
    candidates = OFFICE_XML_PARTS[seed_name]
    part = candidates[min(len(candidates) - 1, int(part_choice * len(candidates)))]
    source = zipfile.ZipFile(io.BytesIO(seed))
    out = io.BytesIO()
    with source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info.filename, mutate(data, mutations) if info.filename == part else data)
    return out.getvalue()


def fuzz_input(seeds: dict[str, bytes], seed_name: str, part_choice: float, mutations: list[Mutation]) -> tuple[bytes, str]:
    """The mutated bytes and the file name to give them, for one seed kind."""
    if seed_name in OFFICE_XML_PARTS:
        return mutate_office_xml(seeds[seed_name], seed_name, part_choice, mutations), f"fuzz.{seed_name.split('-')[0]}"
    return mutate(seeds[seed_name], mutations), f"fuzz.{seed_name}"


Mutation = tuple[str, float, bytes]  # (operation, position as a share of the length, payload)


def mutate(seed: bytes, mutations: list[Mutation]) -> bytes:
    """Apply bit flips, truncation, inserted and overwritten bytes, each at a relative position."""
    data = bytearray(seed)
    for operation, where, payload in mutations:
        at = min(len(data), int(where * len(data)))
        if operation == "flip" and data:
            at = min(at, len(data) - 1)
            data[at] ^= payload[0] | 1
        elif operation == "truncate":
            del data[at:]
        elif operation == "insert":
            data[at:at] = payload
        elif operation == "overwrite":
            data[at:at + len(payload)] = payload
        elif operation == "digits":  # a long number: huge spans, counters, sizes in numeric attributes
            data[at:at] = b"9" * (len(payload) * 2)
    return bytes(data)


def fuzz_settings(data_dir: Path):
    """OCR effectively off (a page hits its time limit at once); the per-file limit as a hang guard."""
    from pipeline.core.settings import Settings

    return Settings(data_dir=data_dir, use_cache=False, ocr_page_timeout_s=0.001, file_timeout_s=20, workers=1)


UNEXPECTED_ERROR_MARK = "读取时出错（"  # the registry's catch-all: a reader raised something it did not expect


def check_one_input(data: bytes, name: str, case_dir: Path, settings, allow_unexpected: bool = False) -> list[str]:
    """Load `data` as a one-file packet and read every member; return what went wrong (empty: fine).

    Wrong is: an exception escaping `load_packet` or `read_member`, a member that
    yields neither a document nor a finding, a document with no page and no
    finding (content lost in silence), a malformed document, or (unless
    allowed) a finding from the registry's catch-all, which means a reader met an
    exception it does not handle itself.
    """
    import traceback

    from extractors.readers.registry import read_member
    from pipeline.intake.packet import load_packet
    from pipeline.core.result import Finding

    problems: list[str] = []
    case_dir.mkdir(parents=True, exist_ok=True)
    source = case_dir / name
    source.write_bytes(data)
    try:
        try:
            packet = load_packet(source, case_dir / "work", settings)
        except Exception:  # noqa: BLE001 - the fuzzer's job is to catch exactly this
            return [f"load_packet raised:\n{traceback.format_exc()}"]
        if not packet.members and not packet.findings:
            problems.append("load_packet: no member and no finding")
        for member in packet.members:
            try:
                outcome = read_member(member, settings)
            except Exception:  # noqa: BLE001
                problems.append(f"read_member({member.name}, {member.kind.value}) raised:\n{traceback.format_exc()}")
                continue
            if outcome.document is None and not outcome.findings:
                problems.append(f"{member.name}: neither a document nor a finding")
            if not all(isinstance(f, Finding) for f in outcome.findings):
                problems.append(f"{member.name}: a finding is not a Finding")
            if outcome.document is not None and not outcome.document.pages and not outcome.findings:
                problems.append(f"{member.name} ({member.kind.value}): silently empty (no page, no finding)")
            if outcome.document is not None:
                numbers = [p.number for p in outcome.document.pages]
                if numbers != sorted(set(numbers)) or any(n < 1 for n in numbers):
                    problems.append(f"{member.name}: page numbers {numbers[:20]}")
            if not allow_unexpected:
                problems.extend(
                    f"{member.name} ({member.kind.value}): unexpected reader error: {f.message}"
                    for f in outcome.findings
                    if UNEXPECTED_ERROR_MARK in f.message
                )
    finally:
        shutil.rmtree(case_dir, ignore_errors=True)
    return problems


def png_with_broken_chunk_after_data(path: Path) -> Path:
    """A PNG whose IDAT length is 16 bytes short: the header opens, decoding meets a garbage chunk."""
    buffer = io.BytesIO()
    text_image("扫描件", (300, 80)).save(buffer, format="PNG")
    data = bytearray(buffer.getvalue())
    idat = data.index(b"IDAT") - 4
    length = struct.unpack_from(">I", data, idat)[0]
    struct.pack_into(">I", data, idat, length - 16)
    path.write_bytes(bytes(data))
    return path


def tiff_second_frame_without_width(path: Path, texts: tuple[str, str] = ("第一页集群名单", "第二页专利清单")) -> Path:
    """A two-frame TIFF whose second IFD lost its ImageWidth tag (a damaged scan batch)."""
    buffer = io.BytesIO()
    frames = [text_image(t) for t in texts]
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:], dpi=(300, 300))
    data = bytearray(buffer.getvalue())
    assert data[:2] == b"II", "Pillow writes little-endian TIFF"
    first_ifd = struct.unpack_from("<I", data, 4)[0]
    entries = struct.unpack_from("<H", data, first_ifd)[0]
    second_ifd = struct.unpack_from("<I", data, first_ifd + 2 + 12 * entries)[0]
    for index in range(struct.unpack_from("<H", data, second_ifd)[0]):
        entry = second_ifd + 2 + 12 * index
        if struct.unpack_from("<H", data, entry)[0] == 256:  # ImageWidth → an unknown private tag
            struct.pack_into("<H", data, entry, 0x7FFF)
    path.write_bytes(bytes(data))
    return path


def xlsx_with_far_cell(path: Path) -> Path:
    """A real list in A1:B2 and one stray cell at XFD1048576 (the last cell of a sheet): a 17-billion-slot range."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "重点企业名单"
    sheet.append(["序号", "企业名称"])
    sheet.append([1, "鹤壁天成食品科技股份有限公司"])
    sheet["XFD1048576"] = "远处的单元格"
    workbook.save(path)
    return path


def xlsx_with_giant_merge(path: Path) -> Path:
    """A merged range A1:XFD1048576 (written by hand: openpyxl itself would create every merged slot)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"] = "合并标题"
    sheet.merge_cells("A1:B2")
    workbook.save(path)
    with zipfile.ZipFile(path) as archive:
        parts = {info: archive.read(info.filename) for info in archive.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in parts.items():
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'ref="A1:B2"', b'ref="A1:XFD1048576"')
            archive.writestr(info, data)
    return path


def _rewrite_docx_part(path: Path, part: str, edit) -> Path:
    with zipfile.ZipFile(path) as archive:
        parts = [(info, archive.read(info.filename)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in parts:
            archive.writestr(info, edit(data) if info.filename == part else data)
    return path


def docx_with_giant_grid_span(path: Path) -> Path:
    """A table cell claiming to span 100,000,000 grid columns (Word allows 63)."""
    document = docx.Document()
    document.add_paragraph("七、标准清单")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "标准编号", "标准名称"
    table.cell(1, 0).text, table.cell(1, 1).text = "GB/T 30001-2021", "羊绒制品"
    document.save(str(path))
    marker = b"<w:tcPr>"
    return _rewrite_docx_part(path, "word/document.xml",
                              lambda xml: xml.replace(marker, marker + b'<w:gridSpan w:val="100000000"/>', 1))


def docx_with_giant_list_counter(path: Path) -> Path:
    """A numbered list starting at 10^15 in upper-case Roman numerals (a string of 10^12 "M")."""
    document = docx.Document()
    document.add_paragraph("第一项", style="List Number")
    document.add_paragraph("第二项", style="List Number")
    document.save(str(path))
    return _rewrite_docx_part(
        path, "word/numbering.xml",
        lambda xml: xml.replace(b'<w:start w:val="1"/>', b'<w:start w:val="1000000000000000"/>')
        .replace(b'w:numFmt w:val="decimal"', b'w:numFmt w:val="upperRoman"'),
    )


def docx_with_wrong_root(path: Path) -> Path:
    """word/document.xml whose root element is not <w:document> (found by the fuzzer)."""
    docx_file(path)
    return _rewrite_docx_part(path, "word/document.xml",
                              lambda xml: xml.replace(b"<w:document ", b"<w:documenX ").replace(b"</w:document>", b"</w:documenX>"))


def docx_with_bad_page_size(path: Path) -> Path:
    """A section whose page width is "158m0" twips (found by the fuzzer)."""
    docx_file(path)
    return _rewrite_docx_part(path, "word/document.xml", lambda xml: re.sub(rb'(<w:pgSz w:w=")\d+', rb"\g<1>158m0", xml))


def docx_with_unknown_style_type(path: Path) -> Path:
    """styles.xml with one style of an unknown w:type (found by the fuzzer: python-docx raises ValueError)."""
    docx_file(path)
    return _rewrite_docx_part(path, "word/styles.xml", lambda xml: xml.replace(b'w:type="character"', b'w:type="characUer"', 1))
