"""The batch outputs: summary.xlsx (附件4 推荐汇总表 + 问题汇总), batch.json, batch report.html.

A packet that could not be processed at all is a `PacketFailure`: it still gets
its line in batch.json and the overview, so a batch never loses a packet silently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence, Union
from urllib.parse import quote

from openpyxl import Workbook

from pipeline.core.atomic import atomic_path, write_text_atomic
from pipeline.core.result import PacketResult
from pipeline.reports import view
from pipeline.reports.html import render_batch_html
from pipeline.reports.xlsx import write_table

SUMMARY_SHEET = "推荐汇总表"
OVERVIEW_SHEET = "问题汇总"
SUMMARY_TITLE = "2022 年度中小企业特色产业集群推荐汇总表"
SUMMARY_HEADERS: tuple[str, ...] = (
    "序号",
    "集群名称",
    "集群运营管理机构",
    "所在省、市、县（区）",
    "主导产业",
    "集群成立时间",
    "集群简介（150 字以内）",
)
OVERVIEW_HEADERS: tuple[str, ...] = ("材料包编号", "集群名称", "状态", "错误数", "警告数", "提示数", "主要问题")


@dataclass(frozen=True)
class PacketFailure:
    """A packet the pipeline could not process; `reason` is one line in Simplified Chinese."""

    packet_id: str
    reason: str


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
        problems=view.first_error_messages(item),
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


def build_summary_workbook(items: Sequence[BatchItem]) -> Workbook:
    workbook = Workbook()
    summary = workbook.active
    summary.title = SUMMARY_SHEET
    results = [i for i in items if isinstance(i, PacketResult)]
    write_table(
        summary,
        list(SUMMARY_HEADERS),
        (
            [
                n,
                r.cover.cluster_name or "",
                r.cover.management_body or "",
                r.cover.region or "",
                r.cover.leading_industry or "",
                r.cover.established or "",
                r.intro or "",
            ]
            for n, r in enumerate(results, start=1)
        ),
        max_widths={7: 80},
    )
    overview = workbook.create_sheet(OVERVIEW_SHEET)
    rows = [batch_row(i) for i in items]
    write_table(
        overview,
        list(OVERVIEW_HEADERS),
        ([r.packet_id, r.cluster_name or "", r.verdict, r.errors, r.warnings, r.infos, "\n".join(r.problems)] for r in rows),
        max_widths={7: 90},
    )
    return workbook


def write_batch_outputs(items: Sequence[BatchItem], out_dir: Path) -> None:
    """summary.xlsx, batch.json and report.html in `out_dir`, each written atomically."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    workbook = build_summary_workbook(items)
    with atomic_path(out_dir / "summary.xlsx") as tmp_path:
        workbook.save(tmp_path)
    write_text_atomic(out_dir / "batch.json", batch_json_text(items))
    write_text_atomic(out_dir / "report.html", render_batch_html([batch_row(i) for i in items]))
