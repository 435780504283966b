"""`process` as a recorded run: one packet processed, its run (or its failure) kept in the store.

`batch` and `watch` record through `batch.process_one`; the single-packet command
records here, with origin "process", so `history` lists every run. A usage
error (not a packet) is not a run and is not recorded.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from pipeline.app.batch import file_hashes, one_line_reason, packet_hash
from pipeline.app.cross_packet import mark_cross_packet_duplicates
from pipeline.app.driver import process_packet
from pipeline.app.store import ResultStore, requested_ruleset
from pipeline.core.errors import IntakeError
from pipeline.core.result import PacketResult
from pipeline.core.settings import Settings
from pipeline.core.version import CODE_VERSION
from pipeline.intake.packet import packet_id_for

ORIGIN = "process"


def process_recorded(source: Path, out_dir: Path, settings: Settings, processor=process_packet,
                     progress=None) -> PacketResult:
    started = datetime.now(timezone.utc)
    hashes = file_hashes(source)
    digest = packet_hash(source, hashes)
    store = ResultStore.from_settings(settings)
    try:
        try:
            result = processor(source, out_dir, settings, progress=progress) if progress else processor(source, out_dir, settings)
        except IntakeError:
            raise
        except Exception as exc:
            store.record_failure(packet_id=packet_id_for(source), packet_hash=digest,
                                 ruleset_requested=requested_ruleset(settings), code_version=CODE_VERSION,
                                 reason=one_line_reason(exc), started_at=started, source_path=source, origin=ORIGIN)
            raise
        store.record(result, packet_hash=digest, ruleset_requested=requested_ruleset(settings),
                     started_at=started, output_dir=out_dir / result.packet_id, source_path=source, origin=ORIGIN)
        return mark_cross_packet_duplicates([result], out_dir, store)[0]
    finally:
        store.close()
