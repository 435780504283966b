"""report.xlsx for one packet, and the sheet helpers the batch summary shares.

The workbook opens on 审查结论 (cluster, verdict, counts, 主要问题); every label is Chinese
(finding titles, indicator names), never a contract key or a finding code; every sheet
prints on A4 one page wide, with its header row repeated.

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
from pipeline.reports.labels import SEVERITY_LABELS, field_label, finding_title
from pipeline.reports.printing import frame_table, page_setup

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
    sheet.freeze_panes = f"A{header_row + 1}"


def _evidence_text(ev) -> str:
    return ev.text if ev is not None else ""


def _evidence_page(ev) -> int | None:
    return ev.page if ev is not None else None


def _finish(sheet: Worksheet, columns: int, landscape: bool = True) -> None:
    """Borders, fitted row heights and the print layout of a sheet written by `write_table`."""
    frame_table(sheet, 1, sheet.max_row, columns)
    page_setup(sheet, landscape=landscape, title_rows="1:1")


def _conclusion_sheet(sheet: Worksheet, result: PacketResult) -> None:
    """审查结论: what a reviewer reads first and signs."""
    counts = result.counts()
    cover = result.cover
    sections = view.section_rows(result)
    missing = [s.section.item for s in sections if s.status == "missing"]
    empty = [s.section.item for s in sections if s.status == "empty"]
    completeness = "20 项材料齐全" if not missing and not empty else "；".join(
        part for part in (
            f"缺失 {len(missing)} 项（第 {'、'.join(map(str, missing))} 项）" if missing else "",
            f"内容为空 {len(empty)} 项（第 {'、'.join(map(str, empty))} 项）" if empty else "",
        ) if part
    )
    rows = [
        ("集群名称", cover.cluster_name or "未找到"),
        ("所在地区", cover.region or "未找到"),
        ("主导产业", cover.leading_industry or "未找到"),
        ("集群运营管理机构", cover.management_body or "未找到"),
        ("材料包编号", result.packet_id),
        ("适用认定标准", f"{result.ruleset} 年版"),
        ("审查结论", view.verdict_label(result.status)),
        ("错误", f"{counts['error']} 项"),
        ("警告", f"{counts['warning']} 项"),
        ("提示", f"{counts['info']} 项"),
        ("材料齐全情况", completeness),
        ("主要问题", "\n".join(view.main_problems(result, limit=5)) or "未发现问题"),
        ("说明", "本表为机器初审结果，结论须经审核人员复核；各项问题见“检查结果”表，指标见“指标”表。"),
        ("审核人员（签字）", ""),
        ("审核日期", ""),
    ]
    set_cell(sheet, 1, 1, "中小企业特色产业集群申报材料审查结论")
    sheet.cell(row=1, column=1).font = Font(bold=True, size=15)
    sheet.cell(row=1, column=1).alignment = Alignment(horizontal="center", vertical="center")
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=2)
    sheet.row_dimensions[1].height = 28
    for r, (label, value) in enumerate(rows, start=2):
        set_cell(sheet, r, 1, label)
        set_cell(sheet, r, 2, value)
        sheet.cell(row=r, column=1).font = _HEADER_FONT
        sheet.cell(row=r, column=1).fill = _HEADER_FILL
    verdict = sheet.cell(row=8, column=2)
    verdict.font = Font(bold=True, size=13, color={"pass": "1E7B34", "review": "A15C00"}.get(result.status, "B3261E"))
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 80
    frame_table(sheet, 2, sheet.max_row, 2)
    page_setup(sheet, landscape=False)


def _finding_rows(result: PacketResult) -> list[list]:
    rows = []
    for group in view.group_findings(result):
        for item_group in group.items:
            for fv in item_group.findings:
                f = fv.finding
                first = f.evidence[0] if f.evidence else None
                more = f.evidence[1:]
                quote = "\n".join([_evidence_text(first)] + [f"[{e.file} 第 {e.page} 页] {e.text}" for e in more]) if first else ""
                rows.append([
                    SEVERITY_LABELS[f.severity],
                    finding_title(f.code),
                    item_group.label if f.item else "整体",
                    field_label(f.field),
                    f.message,
                    first.file if first else "",
                    _evidence_page(first),
                    quote,
                ])
    return rows


FINDING_HEADERS = ["严重程度", "问题", "材料", "指标或字段", "说明", "文件", "页码", "原文"]
INDICATOR_HEADERS = ["指标", "数值", "单位", "认定标准", "是否达标", "依据原文", "文件", "页码"]


def _indicator_rows(result: PacketResult) -> list[list]:
    """One row per indicator, one per year for the yearly output: each with its own evidence."""
    out = []
    for row in view.indicator_rows(result):
        values = row.values or [("", None)]
        evidences = row.value_evidence or [row.evidence]
        for (suffix, number), evidence in zip(values, evidences, strict=True):
            label = f"{row.label}（{suffix}）" if suffix else row.label
            quote = _evidence_text(evidence) if evidence is not None else ("（该年数值的出处未单独记录）" if suffix else "")
            out.append([label, number, row.unit, row.threshold, row.status_label, quote,
                        evidence.file if evidence else "", _evidence_page(evidence)])
    return out


def build_packet_workbook(result: PacketResult) -> Workbook:
    """Sheets 审查结论 (opened first), 检查结果, 指标, 材料目录 and one per list."""
    workbook = Workbook()
    conclusion = workbook.active
    conclusion.title = "审查结论"
    _conclusion_sheet(conclusion, result)

    findings_sheet = workbook.create_sheet("检查结果")
    write_table(findings_sheet, FINDING_HEADERS, _finding_rows(result), max_widths={2: 20, 3: 30, 5: 60, 6: 24, 8: 50})
    _finish(findings_sheet, len(FINDING_HEADERS))

    indicator_sheet = workbook.create_sheet("指标")
    write_table(indicator_sheet, INDICATOR_HEADERS, _indicator_rows(result), max_widths={1: 30, 4: 30, 6: 50, 7: 24})
    _finish(indicator_sheet, len(INDICATOR_HEADERS))

    toc_sheet = workbook.create_sheet("材料目录")
    toc_headers = ["序号", "材料名称", "状态", "文件", "起始页", "结束页", "目录页码", "问题"]
    write_table(
        toc_sheet,
        toc_headers,
        (
            [s.section.item, s.section.title, s.status_label, s.section.file or "", s.section.first_page,
             s.section.last_page, s.section.toc_page, "、".join(s.issues)]
            for s in view.section_rows(result)
        ),
        max_widths={2: 44, 4: 24, 8: 30},
    )
    _finish(toc_sheet, len(toc_headers))

    for table in view.list_tables(result):
        sheet = workbook.create_sheet(table.label)
        headers = [*table.headers, "文件", "页码", "问题"]
        write_table(
            sheet,
            headers,
            (
                [*row.cells, row.evidence.file if row.evidence else "", _evidence_page(row.evidence), row.issue_text]
                for row in table.rows
            ),
            max_widths={len(table.headers) + 1: 24, len(table.headers) + 3: 50},
        )
        _finish(sheet, len(headers))
    workbook.active = 0
    return workbook


def write_packet_xlsx(result: PacketResult, target: Path) -> None:
    """Write report.xlsx atomically."""
    workbook = build_packet_workbook(result)
    with atomic_path(target) as tmp_path:
        workbook.save(tmp_path)
