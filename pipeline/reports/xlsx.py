"""report.xlsx for one packet, and the sheet helpers the batch summary shares.

Packet text is untrusted: a string that a spreadsheet would read as a formula
(leading `=`, `+`, `-`, `@`, also after whitespace, tab or CR) is stored as a
text cell with the quote prefix set, never as a formula. Numbers stay numbers.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.core.atomic import atomic_path
from pipeline.core.result import PacketResult
from pipeline.reports import view
from pipeline.reports.labels import CODE_LABELS, SEVERITY_LABELS

MAX_CELL_CHARS = 32_000  # Excel's limit is 32,767
_FORMULA_START = re.compile(r"^[\s]*[=+\-@]|^[\t\r]")
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE3EA")
_WRAP = Alignment(wrap_text=True, vertical="top")


def looks_like_formula(text: str) -> bool:
    return bool(_FORMULA_START.match(text))


def clean_text(text: str) -> str:
    """Drop the control characters XLSX cannot hold and cut to Excel's cell limit."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)[:MAX_CELL_CHARS]


def set_cell(sheet: Worksheet, row: int, col: int, value: Any) -> None:
    """Write one value: numbers as numbers, every string as text (never a formula)."""
    cell = sheet.cell(row=row, column=col)
    if value is None:
        cell.value = None
    elif isinstance(value, bool):
        cell.value = "是" if value else "否"
    elif isinstance(value, (int, float)):
        cell.value = value
    else:
        text = clean_text(str(value))
        cell.value = text
        cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
        if looks_like_formula(text):
            cell.quotePrefix = True  # Excel keeps it text even when the cell is edited
    cell.alignment = _WRAP


def _display_width(value: Any) -> int:
    text = "" if value is None else str(value)
    longest = max((sum(2 if ord(ch) > 0x2E80 else 1 for ch in line) for line in text.splitlines()), default=0)
    return longest


def write_table(
    sheet: Worksheet,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    max_widths: dict[int, int] | None = None,
    header_row: int = 1,
) -> None:
    """Header row (bold, frozen), data rows wrapped, column widths from content (clamped)."""
    widths = [_display_width(h) for h in headers]
    for col, header in enumerate(headers, start=1):
        set_cell(sheet, header_row, col, header)
        cell = sheet.cell(row=header_row, column=col)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    for r, row in enumerate(rows, start=header_row + 1):
        for col, value in enumerate(row, start=1):
            set_cell(sheet, r, col, value)
            if col - 1 < len(widths):
                widths[col - 1] = max(widths[col - 1], _display_width(value))
    for col, width in enumerate(widths, start=1):
        cap = (max_widths or {}).get(col, 60)
        sheet.column_dimensions[get_column_letter(col)].width = max(6, min(cap, width + 2))
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)


def _evidence_text(ev) -> str:
    return ev.text if ev is not None else ""


def _evidence_page(ev) -> int | None:
    return ev.page if ev is not None else None


def build_packet_workbook(result: PacketResult) -> Workbook:
    """Sheets 检查结果, 指标, 材料目录 and one per list."""
    workbook = Workbook()
    findings_sheet = workbook.active
    findings_sheet.title = "检查结果"

    finding_rows = []
    for group in view.group_findings(result):
        for item_group in group.items:
            for fv in item_group.findings:
                f = fv.finding
                first = f.evidence[0] if f.evidence else None
                more = f.evidence[1:]
                quote = "\n".join([_evidence_text(first)] + [f"[{e.file} 第 {e.page} 页] {e.text}" for e in more]) if first else ""
                finding_rows.append(
                    [
                        SEVERITY_LABELS[f.severity],
                        f.code.value,
                        f.item,
                        f.field or "",
                        f"{CODE_LABELS.get(f.code, f.code.value)}：{f.message}",
                        first.file if first else "",
                        _evidence_page(first),
                        quote,
                    ]
                )
    write_table(
        findings_sheet,
        ["严重程度", "代码", "材料序号", "字段", "说明", "文件", "页码", "原文"],
        finding_rows,
        max_widths={5: 70, 8: 70},
    )

    indicator_sheet = workbook.create_sheet("指标")
    indicator_rows = []
    for row in view.indicator_rows(result):
        values = row.values or [("", None)]
        for suffix, number in values:
            label = f"{row.label}（{suffix}）" if suffix else row.label
            indicator_rows.append(
                [label, number, row.unit, row.threshold, row.status_label, _evidence_text(row.evidence),
                 row.evidence.file if row.evidence else "", _evidence_page(row.evidence)]
            )
    write_table(indicator_sheet, ["指标", "数值", "单位", "认定标准", "是否达标", "依据原文", "文件", "页码"],
                indicator_rows, max_widths={6: 70})

    toc_sheet = workbook.create_sheet("材料目录")
    write_table(
        toc_sheet,
        ["序号", "材料名称", "状态", "文件", "起始页", "结束页", "目录页码", "问题"],
        (
            [s.section.item, s.section.title, s.status_label, s.section.file or "", s.section.first_page,
             s.section.last_page, s.section.toc_page, "、".join(s.issues)]
            for s in view.section_rows(result)
        ),
    )

    for table in view.list_tables(result):
        sheet = workbook.create_sheet(table.label)
        write_table(
            sheet,
            [*table.headers, "文件", "页码", "问题"],
            (
                [*row.cells, row.evidence.file if row.evidence else "", _evidence_page(row.evidence), row.issue_text]
                for row in table.rows
            ),
            max_widths={len(table.headers) + 3: 70},
        )
    return workbook


def write_packet_xlsx(result: PacketResult, target: Path) -> None:
    """Write report.xlsx atomically."""
    workbook = build_packet_workbook(result)
    with atomic_path(target) as tmp_path:
        workbook.save(tmp_path)

