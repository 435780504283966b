"""XLSX → SourceDocument: every sheet is one page holding one Table named after the sheet.

Values are the text a reviewer sees in Excel: integers without ".0", dates as
YYYY-MM-DD, percentages as "12.5%"; merged cells repeated in every slot they cover.
The table starts at the first used row and column of the sheet.

Formulas: the cached results Excel saved are read (`data_only`). A formula the file
holds no result for (written by a program, never opened in Excel) reads as empty.
A sheet where *nothing* but such formulas is found cannot be read at all: that is a
FILE_UNREADABLE finding for the sheet ("open and save it in Excel"). Sheets with
some values still read without a finding: the values that are there are real.

Hostile workbooks: a stray cell at the sheet's far corner or a merged range over
the whole sheet would make openpyxl (and a dense grid) hold billions of slots. Only
the cells the file holds are walked, a used range over `MAX_GRID_SLOTS` keeps just
its non-empty rows and columns (a warning), and merged ranges covering more than
that refuse the workbook before openpyxl loads it.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from xml.etree.ElementTree import ParseError

import openpyxl
from lxml import etree
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.core.document import Cell, FileKind, Page, Provenance, ReadMethod, SourceDocument, Table
from pipeline.core.errors import FileUnreadable
from extractors.readers.outcome import ReadOutcome
from pipeline.core.filetypes import ZIP_READ_ERRORS, office_zip_problem
from pipeline.intake.packet import PacketMember
from pipeline.core.result import Evidence, Finding, FindingCode, Severity


SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]')


STRICT_SHEET_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"  # ISO 29500 Strict ("Strict Open XML")
MAX_EXPANDED_TEXT_CHARS = 32 * 1024 * 1024
"""Cell text once every shared string is expanded into each cell that uses it: a 110 KB file
whose one 1 MB string fills 12,000 cells would be 12 G characters of page text."""


def _expansion_problem(member: PacketMember) -> str | None:
    """Why the workbook cannot be read, judged from its XML before openpyxl expands anything:
    Strict Open XML (openpyxl would see no sheet), or cell text past `MAX_EXPANDED_TEXT_CHARS`."""
    try:
        with zipfile.ZipFile(member.path) as archive:
            names = {name.lower(): name for name in archive.namelist()}
            if "xl/workbook.xml" in names:
                head = archive.read(names["xl/workbook.xml"])[:4096]
                if STRICT_SHEET_NS.encode() in head:
                    return "是“Strict Open XML”格式的工作簿，无法读取，请在 Excel 中另存为普通“Excel 工作簿 (*.xlsx)”后提交"
            lengths = _shared_string_lengths(archive, names.get("xl/sharedstrings.xml"))
            total = 0
            for lower, name in sorted(names.items()):
                if lower.startswith("xl/worksheets/") and lower.endswith(".xml"):
                    total = _sheet_text_chars(archive, name, lengths, total)
                    if total > MAX_EXPANDED_TEXT_CHARS:
                        return (f"展开共享字符串后单元格文字超过 {MAX_EXPANDED_TEXT_CHARS // (1024 * 1024)} M 字符"
                                "（同一长文本被大量单元格重复引用），为防止耗尽内存未读取")
    except (*ZIP_READ_ERRORS, etree.XMLSyntaxError, KeyError):
        return None  # openpyxl gives the precise reason below
    return None


def _shared_string_lengths(archive: zipfile.ZipFile, name: str | None) -> list[int]:
    lengths: list[int] = []
    if name is None:
        return lengths
    with archive.open(name) as handle:
        for _, element in etree.iterparse(handle, tag=f"{{{SHEET_NS}}}si", huge_tree=True):
            lengths.append(sum(len(t.text or "") for t in element.iter(f"{{{SHEET_NS}}}t")))
            element.clear()
    return lengths


def _sheet_text_chars(archive: zipfile.ZipFile, name: str, lengths: list[int], total: int) -> int:
    """`total` plus the characters of this sheet's cells, stopping once past the cap."""
    value_tag = f"{{{SHEET_NS}}}v"
    with archive.open(name) as handle:
        for _, element in etree.iterparse(handle, tag=f"{{{SHEET_NS}}}c", huge_tree=True):
            value = element.find(value_tag)
            text = value.text if value is not None else None
            if element.get("t") == "s" and text and text.strip().isdigit():
                index = int(text)
                total += lengths[index] if index < len(lengths) else 0
            else:
                total += sum(len(t or "") for t in element.itertext())
            element.clear()
            if total > MAX_EXPANDED_TEXT_CHARS:
                break
    return total


def read_xlsx(member: PacketMember, settings) -> ReadOutcome:
    """Read every sheet of a workbook; a file that is not a valid XLSX raises FileUnreadable."""
    problem = office_zip_problem(member.path, settings) or _oversized_merges(member) or _expansion_problem(member)
    if problem:
        raise FileUnreadable(member.name, problem)
    try:
        workbook = openpyxl.load_workbook(member.path, data_only=True)
    except (InvalidFileException, KeyError, TypeError, etree.XMLSyntaxError, ParseError, *ZIP_READ_ERRORS) as error:
        raise FileUnreadable(member.name, f"不是有效的 Excel 工作簿（{_one_line(error)}）") from error
    formula_sheets = _formula_sheets_without_results(member)
    pages: list[Page] = []
    findings = []
    try:
        for number, title in enumerate(workbook.sheetnames, start=1):
            sheet = workbook[title]
            prov = Provenance(file=member.name, page=number, bbox=None, method=ReadMethod.XLSX)
            rows, trimmed = sheet_grid(sheet, prov) if isinstance(sheet, Worksheet) else ([], None)
            if trimmed:
                findings.append(_trimmed_finding(member.name, title, number, trimmed))
            pages.append(Page(number=number, method=ReadMethod.XLSX, blocks=[Table(rows=rows, prov=prov, name=title)]))
            if not rows and formula_sheets.get(title):
                findings.append(
                    FileUnreadable(
                        member.name,
                        f"工作表“{title}”只有公式、没有保存计算结果（{formula_sheets[title]} 个公式单元格），"
                        "请在 Excel 中打开并重新保存后提交",
                        page=number,
                    ).to_finding()
                )
    finally:
        workbook.close()
    document = SourceDocument(name=member.name, sha256=member.sha256, kind=FileKind.XLSX, pages=pages, page_count=len(pages))
    return ReadOutcome(document=document, findings=findings)


def _one_line(error: BaseException) -> str:
    return (" ".join(str(error).split()) or type(error).__name__)[:160]


# --------------------------------------------------------------------------- values


def _general_number(value: float) -> str:
    if value.is_integer():
        return str(int(value))
    return f"{value:.15g}"


def display_text(value, number_format: str = "General") -> str:
    """A cell value as Excel shows it, in the forms later stages parse."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S" if value.second else "%H:%M")
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if "%" in _QUOTED.sub("", number_format or ""):
            return _general_number(round(value * 100, 10)) + "%"
        return _general_number(value)
    return str(value).replace("\r\n", "\n").strip()


MAX_GRID_SLOTS = 500_000  # cells in one sheet's table; far beyond any real list, well below a memory problem


def _sheet_texts(sheet: Worksheet) -> dict[tuple[int, int], str]:
    """(row, column) → displayed text of every non-empty cell.

    Walks only the cells the file holds: `iter_rows` would create every slot of the
    bounding box, and one cell at XFD1048576 makes that 17 billion slots.
    """
    texts: dict[tuple[int, int], str] = {}
    for (row, column), cell in sheet._cells.items():  # openpyxl's sparse cell store; no public sparse iterator
        if cell.value is None:
            continue
        text = display_text(cell.value, cell.number_format)
        if text:
            texts[(row, column)] = text
    return texts


def sheet_grid(sheet: Worksheet, prov: Provenance) -> tuple[list[list[Cell]], str | None]:
    """The sheet as a grid, and why it was trimmed (Chinese, for a finding) if it had to be.

    A used range over `MAX_GRID_SLOTS` (cells scattered to the far corners of the
    sheet) keeps only the rows and columns that hold text; if that is still too
    large, the first rows up to the limit.
    """
    texts = _sheet_texts(sheet)
    spans: dict[tuple[int, int], tuple[int, int, str]] = {}
    for merged in sheet.merged_cells.ranges:
        text = texts.get((merged.min_row, merged.min_col), "")
        if not text:
            continue
        row_span = merged.max_row - merged.min_row + 1
        col_span = merged.max_col - merged.min_col + 1
        for r in range(merged.min_row, merged.max_row + 1):
            for c in range(merged.min_col, merged.max_col + 1):
                spans[(r, c)] = (row_span, col_span, text)
                texts[(r, c)] = text
    if not texts:
        return [], None
    first_row, last_row = min(r for r, _ in texts), max(r for r, _ in texts)
    first_col, last_col = min(c for _, c in texts), max(c for _, c in texts)
    rows = list(range(first_row, last_row + 1))
    columns = list(range(first_col, last_col + 1))
    trimmed = None
    if len(rows) * len(columns) > MAX_GRID_SLOTS:
        rows = sorted({r for r, _ in texts})
        columns = sorted({c for _, c in texts})
        trimmed = f"的使用区域异常大（{last_row - first_row + 1} 行 × {last_col - first_col + 1} 列），已略去空行和空列"
        if len(rows) * len(columns) > MAX_GRID_SLOTS:
            rows = rows[: max(1, MAX_GRID_SLOTS // len(columns))]
            trimmed = f"内容过多（超过 {MAX_GRID_SLOTS} 个单元格），只读取了前 {len(rows)} 行"
    grid = []
    for r_index, r in enumerate(rows):
        cells = []
        for c_index, c in enumerate(columns):
            row_span, col_span, _ = spans.get((r, c), (1, 1, ""))
            cells.append(Cell(text=texts.get((r, c), ""), row=r_index, col=c_index, prov=prov, row_span=row_span, col_span=col_span))
        grid.append(cells)
    return grid, trimmed


def _trimmed_finding(file_name: str, title: str, page: int, trimmed: str) -> Finding:
    """The sheet was read, but not as laid out: a warning, so the reviewer checks it by eye."""
    return Finding(
        code=FindingCode.FILE_UNREADABLE,
        severity=Severity.WARNING,
        message=f"文件“{file_name}”的工作表“{title}”{trimmed}，请核对该表内容。",
        evidence=[Evidence.for_file(file_name, f"工作表“{title}”{trimmed}", page=page)],
    )


def _oversized_merges(member: PacketMember) -> str | None:
    """Why the workbook must not be loaded: merged ranges covering an absurd area (openpyxl fills every slot)."""
    row_tag, merge_tag = f"{{{SHEET_NS}}}row", f"{{{SHEET_NS}}}mergeCell"
    covered = 0
    with zipfile.ZipFile(member.path) as archive:
        for part in archive.namelist():
            if not (part.startswith("xl/worksheets/") and part.endswith(".xml")):
                continue
            with archive.open(part) as stream:
                try:
                    for _, element in etree.iterparse(stream, events=("end",), tag=(row_tag, merge_tag), huge_tree=True):
                        if element.tag == merge_tag:
                            covered += _range_area(element.get("ref", ""))
                            if covered > MAX_GRID_SLOTS:
                                return f"含有异常巨大的合并单元格区域（{element.get('ref')}），疑似恶意构造的文件，未读取"
                        element.clear()
                        while element.getprevious() is not None:
                            del element.getparent()[0]
                except etree.XMLSyntaxError:
                    continue  # openpyxl reports a broken sheet in its own words
    return None


def _range_area(ref: str) -> int:
    try:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
    except (ValueError, TypeError):
        return 0
    if None in (min_col, min_row, max_col, max_row):
        return 0
    return (max_row - min_row + 1) * (max_col - min_col + 1)


# --------------------------------------------------------------------------- formulas without results


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet title → worksheet part name, from workbook.xml and its relationships."""
    rel_ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg_ns = "http://schemas.openxmlformats.org/package/2006/relationships"
    workbook = etree.fromstring(archive.read("xl/workbook.xml"))
    rels = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {}
    for rel in rels.iter(f"{{{pkg_ns}}}Relationship"):
        target = rel.get("Target", "")
        targets[rel.get("Id")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    parts = {}
    for sheet in workbook.iter(f"{{{SHEET_NS}}}sheet"):
        rid = sheet.get(f"{{{rel_ns}}}id")
        if rid in targets:
            parts[sheet.get("name")] = targets[rid]
    return parts


def _formula_sheets_without_results(member: PacketMember) -> dict[str, int]:
    """Sheet title → how many formula cells carry no saved result (streamed, cheap)."""
    counts: dict[str, int] = {}
    cell_tag, formula_tag, value_tag = (f"{{{SHEET_NS}}}{t}" for t in ("c", "f", "v"))
    with zipfile.ZipFile(member.path) as archive:
        try:
            parts = _sheet_parts(archive)
        except (KeyError, etree.XMLSyntaxError):
            return counts  # openpyxl already read the workbook; without the map there is nothing to add
        names = set(archive.namelist())
        for title, part in parts.items():
            if part not in names:
                continue
            missing = 0
            with archive.open(part) as stream:
                for _, cell in etree.iterparse(stream, events=("end",), tag=cell_tag, huge_tree=True):
                    if cell.find(formula_tag) is not None:
                        value = cell.find(value_tag)
                        if value is None or not (value.text or ""):
                            missing += 1
                    cell.clear()
            if missing:
                counts[title] = missing
    return counts
