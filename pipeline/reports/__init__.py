"""Reviewer outputs: result.json, text.jsonl, report.html, report.xlsx per packet; the batch summary."""

from __future__ import annotations

from pathlib import Path

from pipeline.core.atomic import write_text_atomic
from pipeline.reports.crops import members_by_name
from pipeline.reports.html import render_packet_html
from pipeline.reports.intro import draft_intro
from pipeline.reports.summary import PacketFailure, SummaryForm, write_batch_outputs
from pipeline.reports.text_dump import text_jsonl
from pipeline.reports.xlsx import write_packet_xlsx

__all__ = ["write_packet_outputs", "write_batch_outputs", "PacketFailure", "SummaryForm"]


def write_packet_outputs(result, packet, docs, packet_out_dir: Path) -> None:
    """Write result.json, text.jsonl, report.html and report.xlsx for one packet (each atomically).

    `packet` (a `LoadedPacket`) gives the member files on disk that evidence crops
    are cut from. When the driver has not drafted `result.intro` (the 附件4
    集群简介), it is drafted here from `docs` and the cover, so result.json and the
    batch summary always carry one.
    """
    packet_out_dir = Path(packet_out_dir)
    packet_out_dir.mkdir(parents=True, exist_ok=True)
    if result.intro is None:
        result.intro = draft_intro(list(docs or []), cover=result.cover, indicators=result.indicators) or None
    write_text_atomic(packet_out_dir / "text.jsonl", text_jsonl(docs or []))
    write_text_atomic(packet_out_dir / "result.json", result.to_json() + "\n")
    html, _crops = render_packet_html(result, members_by_name(packet))
    write_text_atomic(packet_out_dir / "report.html", html)
    write_packet_xlsx(result, packet_out_dir / "report.xlsx")
