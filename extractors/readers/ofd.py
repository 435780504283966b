"""OFD (GB/T 33190, the national fixed-layout format) → SourceDocument.

An OFD file is a ZIP of XML: `OFD.xml` names the document root (`Doc_0/Document.xml`),
which names the page size (`PageArea/PhysicalBox`, millimetres), the resources
(fonts, images) and each page's content. A page's `TextObject`s carry their box
(`Boundary`, mm), font size and `TextCode`s: a run of characters with its start
(`X`, `Y` the baseline, relative to the box) and the advance of each character
(`DeltaX`, with the `g n d` repeat shorthand).

Characters become pdfplumber-style char dicts in points (top-left origin, like
every reader) and are grouped into words and lines by the PDF reader's own line
builder, so an OFD page reads as the same page exported to PDF would. A page that
holds images but no text (a scan) is OCR'd from its largest image.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass

from lxml import etree
from PIL import Image, UnidentifiedImageError
from pdfplumber.table import Table as PlumberTable
from pdfplumber.table import cells_to_tables, edges_to_intersections, intersections_to_cells, merge_edges
from pdfplumber.utils import extract_words

from extractors.ocr.page import ocr_image, page_failure
from extractors.readers.outcome import FirstRead, PageJob, PageRead, ReadOutcome
from extractors.readers.pdf_text import _table_block, lines_from_words  # the PDF reader's grid builder
from pipeline.core.document import FileKind, Page, ReadMethod, SourceDocument
from pipeline.core.errors import FileUnreadable
from pipeline.core.filetypes import ZIP_READ_ERRORS, office_zip_problem
from pipeline.intake.packet import PacketMember

OFD_NS = "http://www.ofdspec.org/2016"
PT_PER_MM = 72.0 / 25.4
ASCENT = 0.88
CJK_START = 0x2E80  # from here on a character is drawn a full em wide
LATIN_EM = 0.5  # share of the font size above the baseline (a CJK font's box)
DEFAULT_BOX_MM = (0.0, 0.0, 210.0, 297.0)  # A4 when the document states no page area
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE]-?\d+)?$")


def _o(tag: str) -> str:
    return f"{{{OFD_NS}}}{tag}"


@dataclass(frozen=True)
class _Package:
    archive: zipfile.ZipFile
    doc_dir: str
    default_box: tuple[float, float, float, float]
    pages: list[str]  # each page's content entry
    media: dict[str, str]  # resource id → image entry

    def xml(self, name: str):
        return etree.fromstring(self.archive.read(name), _PARSER)


def _entry(base_dir: str, location: str) -> str:
    location = location.strip()
    if location.startswith("/"):
        return location.lstrip("/")
    return posixpath.normpath(posixpath.join(base_dir, location))


def _box(text: str | None) -> tuple[float, float, float, float] | None:
    parts = (text or "").split()
    if len(parts) != 4 or not all(_NUMBER.match(p) for p in parts):
        return None
    x, y, width, height = map(float, parts)
    return (x, y, width, height) if width > 0 and height > 0 else None


def _open_package(archive: zipfile.ZipFile, file_name: str) -> _Package:
    root = etree.fromstring(archive.read("OFD.xml"), _PARSER)
    doc_root = root.findtext(f".//{_o('DocBody')}/{_o('DocRoot')}")
    if not doc_root:
        raise FileUnreadable(file_name, "不是有效的 OFD 文件（OFD.xml 中没有 DocRoot）")
    document_entry = _entry("", doc_root)
    doc_dir = posixpath.dirname(document_entry)
    document = etree.fromstring(archive.read(document_entry), _PARSER)
    default_box = _box(document.findtext(f"{_o('CommonData')}/{_o('PageArea')}/{_o('PhysicalBox')}")) or DEFAULT_BOX_MM
    pages = [_entry(doc_dir, page.get("BaseLoc", "")) for page in document.iter(_o("Page")) if page.get("BaseLoc")]
    media: dict[str, str] = {}
    for res_tag in ("PublicRes", "DocumentRes"):
        for res in document.iter(_o(res_tag)):
            if res.text:
                media.update(_media(archive, _entry(doc_dir, res.text)))
    return _Package(archive, doc_dir, default_box, pages, media)


def _media(archive: zipfile.ZipFile, res_entry: str) -> dict[str, str]:
    if res_entry not in archive.namelist():
        return {}
    res = etree.fromstring(archive.read(res_entry), _PARSER)
    base = _entry(posixpath.dirname(res_entry), res.get("BaseLoc", "") or ".")
    found = {}
    for item in res.iter(_o("MultiMedia")):
        media_file = item.findtext(_o("MediaFile"))
        if item.get("ID") and media_file:
            found[item.get("ID")] = _entry(base, media_file)
    return found


def _deltas(text: str | None, count: int) -> list[float]:
    """`DeltaX`/`DeltaY` values expanded (`g 3 2.5` is three advances of 2.5)."""
    tokens = (text or "").split()
    values: list[float] = []
    i = 0
    while i < len(tokens) and len(values) < count:
        if tokens[i] == "g" and i + 2 < len(tokens):
            try:
                values.extend([float(tokens[i + 2])] * min(int(tokens[i + 1]), count))
            except ValueError:
                break
            i += 3
        else:
            try:
                values.append(float(tokens[i]))
            except ValueError:
                break
            i += 1
    return values


def _float(value: str | None, default: float = 0.0) -> float:
    try:
        return float(value) if value is not None else default
    except ValueError:
        return default


def _text_chars(text_object, page_top_left: tuple[float, float]) -> list[dict]:
    """The object's characters as pdfplumber char dicts, in points from the page's top left."""
    box = _box(text_object.get("Boundary"))
    if box is None:
        return []
    size = _float(text_object.get("Size"), 3.5)
    origin_x, origin_y = box[0] - page_top_left[0], box[1] - page_top_left[1]
    chars = []
    x = y = 0.0
    for code in text_object.iter(_o("TextCode")):
        text = code.text or ""
        x = _float(code.get("X"), x)
        y = _float(code.get("Y"), y)
        advances = _deltas(code.get("DeltaX"), max(len(text) - 1, 0))
        for k, char in enumerate(text):
            # the last character's advance is not stored: an em for CJK, half an em for Latin and digits
            step = advances[k] if k < len(advances) else (size if ord(char) >= CJK_START else size * LATIN_EM)
            left = origin_x + x
            baseline = origin_y + y
            width = min(step, size) if step > 0 else size * LATIN_EM
            chars.append({
                "text": char, "x0": left * PT_PER_MM, "x1": (left + width) * PT_PER_MM,
                "top": (baseline - size * ASCENT) * PT_PER_MM, "bottom": (baseline + size * (1 - ASCENT)) * PT_PER_MM,
                "size": round(size * PT_PER_MM, 2), "upright": True, "fontname": text_object.get("Font", ""),
            })
            for key in ("x0", "x1", "top", "bottom"):
                chars[-1][key] = round(chars[-1][key], 3)
            chars[-1]["width"] = chars[-1]["x1"] - chars[-1]["x0"]
            chars[-1]["height"] = chars[-1]["bottom"] - chars[-1]["top"]
            chars[-1]["doctop"] = chars[-1]["top"]
            x += step
    return chars


def _edges(path_object, page_top_left: tuple[float, float]) -> list[dict]:
    """Horizontal and vertical segments of a PathObject (`M`/`L` moves in its box), as pdfplumber edges in points."""
    box = _box(path_object.get("Boundary"))
    tokens = (path_object.findtext(_o("AbstractData")) or "").split()
    if box is None or not tokens:
        return []
    ox, oy = box[0] - page_top_left[0], box[1] - page_top_left[1]
    edges, here, i = [], None, 0
    while i < len(tokens):
        op = tokens[i]
        if op in ("M", "L") and i + 2 < len(tokens) and _NUMBER.match(tokens[i + 1]) and _NUMBER.match(tokens[i + 2]):
            point = ((ox + float(tokens[i + 1])) * PT_PER_MM, (oy + float(tokens[i + 2])) * PT_PER_MM)
            if op == "L" and here is not None:
                edges.extend(_edge(here, point))
            here = point
            i += 3
        else:
            i += 1  # curves, closes and arcs: not ruling lines
    return edges


def _edge(a: tuple[float, float], b: tuple[float, float]) -> list[dict]:
    (x0, y0), (x1, y1) = a, b
    if abs(y0 - y1) < 0.5 and abs(x0 - x1) >= 1:
        orientation = "h"
    elif abs(x0 - x1) < 0.5 and abs(y0 - y1) >= 1:
        orientation = "v"
    else:
        return []
    left, right, top, bottom = min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1)
    return [{"x0": left, "x1": right, "top": top, "bottom": bottom, "width": right - left, "height": bottom - top,
             "orientation": orientation, "object_type": "line", "doctop": top}]


@dataclass
class _CharsPage:
    """What pdfplumber's `Table.extract` needs of a page: its chars."""

    chars: list[dict]


def _tables(chars: list[dict], edges: list[dict], file_name: str, page_no: int):
    """Ruled tables as the PDF reader finds them (pdfplumber's lattice from the ruling lines)."""
    if not edges:
        return []
    merged = merge_edges(edges, snap_x_tolerance=3, snap_y_tolerance=3, join_x_tolerance=3, join_y_tolerance=3)
    cells = intersections_to_cells(edges_to_intersections(merged, 3, 3))
    page = _CharsPage(chars)
    tables = [_table_block(PlumberTable(page, group), file_name, page_no) for group in cells_to_tables(cells)]
    return [t for t in tables if t is not None]


def _inside(char: dict, boxes) -> bool:
    cx, cy = (char["x0"] + char["x1"]) / 2, (char["top"] + char["bottom"]) / 2
    return any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in boxes)


def _page_box(package: _Package, content) -> tuple[float, float, float, float]:
    return _box(content.findtext(f"{_o('Area')}/{_o('PhysicalBox')}")) or package.default_box


def _largest_image(package: _Package, content) -> tuple[str, tuple[float, float, float, float]] | None:
    images = []
    for image in content.iter(_o("ImageObject")):
        box = _box(image.get("Boundary"))
        entry = package.media.get(image.get("ResourceID", ""))
        if box and entry and entry in package.archive.namelist():
            images.append((box[2] * box[3], entry, box))
    if not images:
        return None
    _, entry, box = max(images)
    return entry, box


def _read(path, file_name: str):
    """(package opened, page contents) — the caller closes the archive."""
    archive = zipfile.ZipFile(path)
    try:
        package = _open_package(archive, file_name)
    except (KeyError, etree.XMLSyntaxError) as error:
        archive.close()
        raise FileUnreadable(file_name, f"不是有效的 OFD 文件（{type(error).__name__}：{str(error)[:120]}）") from error
    return package


def read_ofd(member: PacketMember, settings) -> FirstRead:
    """Text pages read from the package; pages with images and no text named as OCR jobs."""
    problem = office_zip_problem(member.path, settings)
    if problem:
        raise FileUnreadable(member.name, problem.replace("Office", "OFD"))
    package = _read(member.path, member.name)
    pages: list[Page] = []
    jobs: list[PageJob] = []
    findings = []
    try:
        for number, entry in enumerate(package.pages, start=1):
            try:
                content = package.xml(entry)
            except (KeyError, etree.XMLSyntaxError, *ZIP_READ_ERRORS) as error:
                findings.append(page_failure(member.name, number, f"OFD 页面内容无法读取（{type(error).__name__}）"))
                pages.append(Page(number=number, method=ReadMethod.TEXT))
                continue
            box = _page_box(package, content)
            chars = [c for t in content.iter(_o("TextObject")) for c in _text_chars(t, box[:2])]
            if not any(c["text"].strip() for c in chars) and _largest_image(package, content) is not None:
                jobs.append(PageJob(member, (number,)))
                continue
            edges = [e for p in content.iter(_o("PathObject")) for e in _edges(p, box[:2])]
            tables = _tables(chars, edges, member.name, number)
            boxes = [t.prov.bbox for t in tables if t.prov.bbox]
            outside = [c for c in chars if not _inside(c, boxes)]
            blocks = [*lines_from_words(extract_words(outside, return_chars=True), member.name, number), *tables]
            blocks.sort(key=lambda b: (b.prov.bbox[1], b.prov.bbox[0]) if b.prov.bbox else (0.0, 0.0))
            pages.append(Page(number=number, width=round(box[2] * PT_PER_MM, 2), height=round(box[3] * PT_PER_MM, 2),
                              method=ReadMethod.TEXT, blocks=blocks))
    finally:
        package.archive.close()
    if not package.pages:
        raise FileUnreadable(member.name, "OFD 文件中没有页面")
    document = SourceDocument(name=member.name, sha256=member.sha256, kind=FileKind.OFD, pages=pages,
                              page_count=len(package.pages))
    return FirstRead(ReadOutcome(document=document, findings=findings), jobs)


def read_ofd_pages(job: PageJob, settings) -> list[PageRead]:
    """The page step: each scanned page's largest image OCR'd at the resolution it is shown at."""
    package = _read(job.member.path, job.member.name)
    reads = []
    try:
        for number in job.pages:
            content = package.xml(package.pages[number - 1])
            entry, box = _largest_image(package, content)
            try:
                image = Image.open(io.BytesIO(package.archive.read(entry)))
                image.load()
            except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as error:
                reads.append((Page(number=number, method=ReadMethod.OCR),
                              [page_failure(job.member.name, number, f"OFD 页面图像无法解码（{type(error).__name__}）")]))
                continue
            dpi = image.size[0] / (box[2] / 25.4)
            reads.append(ocr_image(image.convert("L"), job.member.name, number, settings, dpi=dpi if 100 <= dpi <= 1200 else 300))
    finally:
        package.archive.close()
    return reads
