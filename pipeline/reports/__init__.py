"""Reviewer outputs: result.json, report.html, report.xlsx per packet; the batch summary."""

from __future__ import annotations

from pathlib import Path


def write_packet_outputs(result, packet, docs, packet_out_dir: Path) -> None:
    """Write result.json, report.html and report.xlsx for one packet (atomically)."""
    raise NotImplementedError


def write_batch_outputs(results, out_dir: Path) -> None:
    """Write summary.xlsx (附件4 + 问题汇总), batch.json and the batch report.html."""
    raise NotImplementedError
