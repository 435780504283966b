"""The 补正通知 a county receives: one numbered list of everything to supply or correct (一次性告知).

Every error in force and every confirmed warning of the packet's latest run, after
the reviewers' decisions (never a dismissed finding), grouped by item with file and
page; the addressee is the county's 工业和信息化主管部门 named from the cover's region.
"""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from itertools import groupby
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from pipeline.app.effective import notice_findings
from pipeline.app.schema import local_time
from pipeline.core.atomic import write_bytes_atomic

ISSUER = "市工业和信息化局企业服务科"
FONT = "SimSun"


def addressee(region: str | None) -> str:
    return f"{region}工业和信息化主管部门：" if region else "____县（市、区）工业和信息化主管部门："


def _where(finding: dict[str, Any]) -> str:
    places = []
    for e in finding.get("evidence") or []:
        place = e.get("file") or ""
        if e.get("page"):
            place += f" 第{e['page']}页"
        if place and place not in places:
            places.append(place)
    return "；".join(places)


def _item_heading(item: int | None, titles: dict[int, str]) -> str:
    return f"第{item}项 {titles.get(item, '')}".rstrip() if item else "整体材料"


def _set_font(document) -> None:
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(12)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)


def notice_docx(view: dict[str, Any], *, issued: datetime | None = None, issuer: str = ISSUER) -> bytes:
    """The notice for one packet's effective view (`effective.effective_view`) as DOCX bytes."""
    cover = view.get("cover") or {}
    document = Document()
    _set_font(document)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run("中小企业特色产业集群申报材料补正通知")
    run.bold, run.font.size = True, Pt(18)
    document.add_paragraph(addressee(cover.get("region")))
    name = cover.get("cluster_name") or view.get("packet_id")
    to_fix = notice_findings(view)
    titles = {section["item"]: section["title"] for section in view.get("sections") or []}  # the packet's round
    document.add_paragraph(
        f"    经审查，你单位报送的“{name}”申报材料（材料编号 {view.get('packet_id')}）存在以下{len(to_fix)}项问题，"
        "现一次性告知如下，请逐项补正后重新报送："
    )
    number = 0
    for item, group in groupby(sorted(to_fix, key=lambda f: (f.get("item") or 99)), key=lambda f: f.get("item")):
        heading = document.add_paragraph()
        heading.add_run(_item_heading(item, titles)).bold = True
        for finding in group:
            number += 1
            where = _where(finding)
            text = f"{number}. {finding['message']}" + (f"（{where}）" if where else "")
            document.add_paragraph(text)
    if not to_fix:
        document.add_paragraph("经审查，无需补正的事项。")
    document.add_paragraph("    请于______年____月____日前将补正材料报送我局。逾期未补正的，视为放弃本年度申报。")
    issued = local_time(issued) if issued else None
    for line in (issuer, issued.strftime("%Y年%m月%d日") if issued else "______年____月____日"):
        p = document.add_paragraph(line)
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def write_notice(view: dict[str, Any], path: Path, **kwargs) -> None:
    write_bytes_atomic(path, notice_docx(view, **kwargs))
