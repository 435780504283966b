"""report.html: one self-contained page per packet, and the batch index page.

Everything from a packet is untrusted: templates autoescape every value, and the one
filter that returns markup (`nobreak`) escapes every piece of text itself before it wraps
numbers and codes in `<span class="nb">` (white-space: nowrap), so a credit code, a patent
number or "617,000万元" never breaks across lines. The page carries a Content-Security-Policy
that allows no script and no network, only inline styles and data: images.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Mapping

import re

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from pipeline.core.result import PacketResult
from pipeline.reports import view
from pipeline.reports.crops import CropSet, CropSettings, MemberFile, render_evidence_crops

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


# a number or code: ASCII letters/digits with the punctuation numbers carry, an optional
# "GB/T "-style prefix, and a unit glued to it; it must hold a digit
_UNBREAKABLE = re.compile(
    r"(?:[A-Z]{1,6}(?:/[A-Z]{1,6})?\s)?[0-9A-Za-z][0-9A-Za-z.,:/%\-–]*(?:%|‰|亿元|万元|平方公里|家|件|人|年|月|日|页|项)?"
)


def nobreak(value) -> Markup:
    """Escaped text with every number and code wrapped in a no-wrap span."""
    text = "" if value is None else str(value)
    out: list[str] = []
    last = 0
    for match in _UNBREAKABLE.finditer(text):
        token = match.group(0)
        if not re.search(r"\d", token):
            continue
        out.append(str(escape(text[last:match.start()])))
        out.append(f'<span class="nb">{escape(token)}</span>')
        last = match.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out))


def template_environment() -> Environment:
    """The one Jinja environment for reports: autoescape on for every template."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    env.filters["nobreak"] = nobreak
    return env


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
        problems=view.main_problems(result),
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
