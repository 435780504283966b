"""report.html: one self-contained page per packet, and the batch index page.

Everything from a packet is untrusted: templates autoescape every value and no
packet text is ever marked safe. The page carries a Content-Security-Policy
that allows no script and no network, only inline styles and data: images.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Mapping

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from pipeline.core.result import PacketResult
from pipeline.reports import view
from pipeline.reports.crops import CropSet, CropSettings, MemberFile, render_evidence_crops

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


def template_environment() -> Environment:
    """The one Jinja environment for reports: autoescape on for every template."""
    return Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )


def _now_text() -> str:
    return datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")


def render_packet_html(
    result: PacketResult,
    members: Mapping[str, MemberFile],
    crop_settings: CropSettings = CropSettings(),
) -> tuple[str, CropSet]:
    """The packet report as HTML, and the crops made for it (for tests and logs)."""
    crops = render_evidence_crops(view.evidence_to_crop(result), members, crop_settings)
    html = template_environment().get_template("packet_report.html.j2").render(
        result=result,
        verdict=view.verdict_label(result.status),
        counts=result.counts(),
        cover=view.cover_rows(result),
        files=view.file_rows(result),
        groups=view.group_findings(result),
        sections=view.section_rows(result),
        indicators=view.indicator_rows(result),
        lists=view.list_tables(result),
        crops=crops,
        generated_at=_now_text(),
    )
    return html, crops


def render_batch_html(rows: list[dict]) -> str:
    """The batch index: one row per packet with its verdict, counts and a link to its report."""
    return template_environment().get_template("batch_report.html.j2").render(rows=rows, generated_at=_now_text())
