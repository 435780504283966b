"""The batch outputs: summary.xlsx (附件4 推荐汇总表, 问题清单, 未推荐材料包, 问题汇总), batch.json,
batch report.html.

The 推荐汇总表 sheet is the 附件4 form as a bureau prints, seals and sends it: the title
with the round's year, 填报单位（盖章）, 联系人及手机 and the date above the table, only
the recommended packets in recommendation order (status pass; from the workbench, the
packets a reviewer gave a 推荐排序, whatever the machine's verdict), landscape A4 fitted to
the page width. The packets not recommended are listed on their own sheet, and every
finding of the batch is one row of 问题清单, to be filtered and sent back to counties.

A packet that could not be processed at all is a `PacketFailure`: it still gets
its line in batch.json and the overview, so a batch never loses a packet silently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Collection, Sequence, Union
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from pipeline.core.atomic import atomic_path, write_text_atomic
from pipeline.core.result import PacketResult
from pipeline.reports import view
from pipeline.reports.html import render_batch_html
from pipeline.reports.labels import SEVERITY_LABELS, SEVERITY_ORDER, finding_title
from pipeline.reports.printing import frame_table, page_setup
from pipeline.reports.xlsx import set_cell, write_table

SUMMARY_SHEET = "推荐汇总表"
FINDINGS_SHEET = "问题清单"
NOT_RECOMMENDED_SHEET = "未推荐材料包"
OVERVIEW_SHEET = "问题汇总"
SUMMARY_HEADERS: tuple[str, ...] = (
    "序号",
    "集群名称",
    "集群运营管理机构",
    "所在省、市、县（区）",
    "主导产业",
    "集群成立时间",
    "集群简介（150 字以内）",
)
# Column widths in spreadsheet units: no header wraps, and 集群简介 holds 150 字 in ≤ 5 lines.
SUMMARY_WIDTHS: tuple[float, ...] = (6, 20, 20, 20, 13, 13, 62)
SUMMARY_HEADER_ROW = 4  # title, 填报单位, 联系人 / 日期 above it
FINDINGS_HEADERS: tuple[str, ...] = ("集群", "材料序号", "文件", "页码", "问题", "严重程度")
FINDINGS_WIDTHS: tuple[float, ...] = (28, 10, 26, 8, 80, 10)
NOT_RECOMMENDED_HEADERS: tuple[str, ...] = ("序号", "材料包编号", "集群名称", "所在省、市、县（区）", "审查结论",
                                            "错误数", "警告数", "主要问题")
NOT_RECOMMENDED_WIDTHS: tuple[float, ...] = (6, 26, 26, 20, 14, 8, 8, 70)
OVERVIEW_HEADERS: tuple[str, ...] = ("材料包编号", "集群名称", "状态", "错误数", "警告数", "提示数", "主要问题")
RECOMMENDED_STATUS = "pass"


def summary_title(ruleset: str | None) -> str:
    """「2022年度中小企业特色产业集群推荐汇总表」, the year being the round's."""
    year = ruleset if ruleset and ruleset.isdigit() else str(date.today().year)
    return f"{year}年度中小企业特色产业集群推荐汇总表"


@dataclass(frozen=True)
class SummaryForm:
    """What the bureau fills in above the 附件4 table; blanks are left for pen and seal."""

    unit: str = ""
    contact: str = ""
    filled_on: date | None = None

    def date_text(self) -> str:
        day = self.filled_on or date.today()
        return f"填报日期：{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class PacketFailure:
    """A packet the pipeline could not process; `reason` is one line in Simplified Chinese."""

    packet_id: str
    reason: str
    not_a_packet: bool = False  # a stray file or an empty folder: in batch.json with its reason, not in summary.xlsx


BatchItem = Union[PacketResult, PacketFailure]


@dataclass(frozen=True)
class BatchRow:
    packet_id: str
    cluster_name: str | None
    status: str  # pass | review | fail | error
    verdict: str
    errors: int
    warnings: int
    infos: int
    problems: list[str]
    report_href: str | None


def batch_row(item: BatchItem) -> BatchRow:
    if isinstance(item, PacketFailure):
        return BatchRow(item.packet_id, None, "error", view.verdict_label("error"), 0, 0, 0, [item.reason], None)
    counts = item.counts()
    return BatchRow(
        packet_id=item.packet_id,
        cluster_name=item.cover.cluster_name,
        status=item.status,
        verdict=view.verdict_label(item.status),
        errors=counts["error"],
        warnings=counts["warning"],
        infos=counts["info"],
        problems=view.main_problems(item),
        report_href=quote(item.packet_id, safe="") + "/report.html",
    )


def batch_json_text(items: Sequence[BatchItem]) -> str:
    """A JSON array with one packet object per line: valid JSON and greppable line by line."""
    lines = []
    for item in items:
        row = batch_row(item)
        record: dict = {
            "packet_id": row.packet_id,
            "status": row.status,
            "errors": row.errors,
            "warnings": row.warnings,
            "infos": row.infos,
        }
        if isinstance(item, PacketFailure):
            record["reason"] = item.reason
        else:
            record["report"] = f"{item.packet_id}/report.html"
        lines.append(json.dumps(record, ensure_ascii=False))
    if not lines:
        return "[]\n"
    return "[\n" + ",\n".join(lines) + "\n]\n"


def recommended(items: Sequence[BatchItem], chosen: Collection[str] | None = None) -> list[PacketResult]:
    """The packets the 附件4 table recommends, in recommendation order (the batch's order).

    `chosen` is the reviewers' own choice (the packets they ranked): when given, it decides;
    without it, the machine recommends what passed."""
    def is_recommended(r: PacketResult) -> bool:
        return r.packet_id in chosen if chosen is not None else r.status == RECOMMENDED_STATUS
    return [i for i in items if isinstance(i, PacketResult) and is_recommended(i)]


def _set_widths(sheet: Worksheet, widths: Sequence[float]) -> None:
    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width


def _form_line(sheet: Worksheet, row: int, first: int, last: int, text: str, **font) -> None:
    set_cell(sheet, row, first, text)
    cell = sheet.cell(row=row, column=first)
    cell.font = Font(**font) if font else Font(size=11)
    cell.alignment = Alignment(horizontal="center" if font.get("bold") else "left", vertical="center")
    if last > first:
        sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)


def _header(sheet: Worksheet, row: int, headers: Sequence[str]) -> None:
    for col, text in enumerate(headers, start=1):
        set_cell(sheet, row, col, text)
        cell = sheet.cell(row=row, column=col)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _table(sheet: Worksheet, header_row: int, headers: Sequence[str], widths: Sequence[float], rows) -> int:
    """Header, rows (wrapped, bordered, heights fitted); returns the last row written."""
    _set_widths(sheet, widths)
    _header(sheet, header_row, headers)
    last = header_row
    for last, values in enumerate(rows, start=header_row + 1):
        for col, value in enumerate(values, start=1):
            set_cell(sheet, last, col, value)
    frame_table(sheet, header_row, last, len(headers))
    sheet.freeze_panes = f"A{header_row + 1}"  # a string: a cell object would add an empty row
    page_setup(sheet, title_rows=f"{header_row}:{header_row}")
    return last


def _write_summary_sheet(sheet: Worksheet, items: Sequence[BatchItem], form: SummaryForm,
                         chosen: Collection[str] | None) -> None:
    results = [i for i in items if isinstance(i, PacketResult)]
    ruleset = results[0].ruleset if results else None
    columns = len(SUMMARY_HEADERS)
    _form_line(sheet, 1, 1, columns, summary_title(ruleset), bold=True, size=16)
    sheet.row_dimensions[1].height = 30
    _form_line(sheet, 2, 1, columns, f"填报单位（盖章）：{form.unit}")
    _form_line(sheet, 3, 1, 4, f"联系人及手机：{form.contact}")
    _form_line(sheet, 3, 5, columns, form.date_text())
    for row in (2, 3):
        sheet.row_dimensions[row].height = 24
    _table(
        sheet,
        SUMMARY_HEADER_ROW,
        SUMMARY_HEADERS,
        SUMMARY_WIDTHS,
        (
            [n, r.cover.cluster_name or "", r.cover.management_body or "", r.cover.region or "",
             r.cover.leading_industry or "", r.cover.established or "", r.intro or ""]
            for n, r in enumerate(recommended(items, chosen), start=1)
        ),
    )
    _centre(sheet, SUMMARY_HEADER_ROW + 1, (1, 6))  # 序号, 集群成立时间


def _centre(sheet: Worksheet, first_row: int, columns: Sequence[int]) -> None:
    if first_row > sheet.max_row:
        return  # no data rows (iterating would create empty ones)
    for col in columns:
        for cells in sheet.iter_rows(min_row=first_row, min_col=col, max_col=col):
            cells[0].alignment = Alignment(horizontal="center", vertical="top", wrap_text=True)


def findings_rows(items: Sequence[BatchItem]) -> list[list]:
    """One row per finding across the batch, packets in batch order, errors first within a packet."""
    rows: list[list] = []
    for item in items:
        if isinstance(item, PacketFailure):
            rows.append([item.packet_id, None, "", None, item.reason, view.verdict_label("error")])
            continue
        cluster = item.cover.cluster_name or item.packet_id
        for severity in SEVERITY_ORDER:
            for f in item.findings:
                if f.severity is not severity:
                    continue
                first = f.evidence[0] if f.evidence else None
                rows.append([cluster, f.item, first.file if first else "", first.page if first else None,
                             f"{finding_title(f.code)}：{f.message}", SEVERITY_LABELS[f.severity]])
    return rows


def _write_findings_sheet(sheet: Worksheet, items: Sequence[BatchItem]) -> None:
    last = _table(sheet, 1, FINDINGS_HEADERS, FINDINGS_WIDTHS, findings_rows(items))
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(FINDINGS_HEADERS))}{max(last, 2)}"
    _centre(sheet, 2, (2, 4, 6))  # 材料序号, 页码, 严重程度


def _write_not_recommended_sheet(sheet: Worksheet, items: Sequence[BatchItem], chosen: Collection[str] | None) -> None:
    kept = {r.packet_id for r in recommended(items, chosen)}
    others = [i for i in items if i.packet_id not in kept]
    rows = []
    for n, item in enumerate(others, start=1):
        row = batch_row(item)
        region = item.cover.region if isinstance(item, PacketResult) else None
        rows.append([n, row.packet_id, row.cluster_name or "", region or "", row.verdict, row.errors, row.warnings,
                     "\n".join(row.problems)])
    _table(sheet, 1, NOT_RECOMMENDED_HEADERS, NOT_RECOMMENDED_WIDTHS, rows)
    _centre(sheet, 2, (1, 5, 6, 7))


def build_summary_workbook(items: Sequence[BatchItem], form: SummaryForm | None = None,
                           chosen: Collection[str] | None = None) -> Workbook:
    form = form or SummaryForm()
    items = [i for i in items if not (isinstance(i, PacketFailure) and i.not_a_packet)]
    workbook = Workbook()
    summary = workbook.active
    summary.title = SUMMARY_SHEET
    _write_summary_sheet(summary, items, form, chosen)
    _write_findings_sheet(workbook.create_sheet(FINDINGS_SHEET), items)
    _write_not_recommended_sheet(workbook.create_sheet(NOT_RECOMMENDED_SHEET), items, chosen)
    overview = workbook.create_sheet(OVERVIEW_SHEET)
    rows = [batch_row(i) for i in items]
    write_table(
        overview,
        list(OVERVIEW_HEADERS),
        ([r.packet_id, r.cluster_name or "", r.verdict, r.errors, r.warnings, r.infos, "\n".join(r.problems)] for r in rows),
        max_widths={7: 90},
    )
    frame_table(overview, 1, overview.max_row, len(OVERVIEW_HEADERS))
    page_setup(overview, title_rows="1:1")
    return workbook


def write_batch_outputs(items: Sequence[BatchItem], out_dir: Path, form: SummaryForm | None = None,
                        chosen: Collection[str] | None = None) -> None:
    """summary.xlsx, batch.json and report.html in `out_dir`, each written atomically.

    `form` fills 填报单位 and 联系人及手机 above the 附件4 table (blank for pen and seal by default)
    and its date (today by default); `chosen` is the reviewers' recommendation (see `recommended`).
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    workbook = build_summary_workbook(items, form, chosen)
    with atomic_path(out_dir / "summary.xlsx") as tmp_path:
        workbook.save(tmp_path)
    write_text_atomic(out_dir / "batch.json", batch_json_text(items))
    write_text_atomic(out_dir / "report.html", render_batch_html([batch_row(i) for i in items]))
