"""The plain batch runner: every packet under an inbox, one failure never stops the rest.

Prefect-free on purpose: the CLI's `batch` command and the nightly flow both call
it (the flow version fans the same steps out as tasks). Each packet's outcome is
recorded in the results store, which doubles as a packet-level cache keyed by
(packet hash, requested ruleset, code version).
"""

from __future__ import annotations

import hashlib
import logging
import shutil
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from pipeline.core.document import FileKind
from pipeline.core.filetypes import detect_kind
from pipeline.core.version import CODE_VERSION
from pipeline.intake.packet import packet_id_for
from pipeline.core.result import PacketResult, status_label
from pipeline.core.settings import Settings
from pipeline.app.driver import process_packet
from pipeline.app.cross_packet import mark_cross_packet_duplicates
from pipeline.app.store import ResultStore, StoredRun, requested_ruleset
from pipeline.reports import write_batch_outputs
from pipeline.reports.summary import PacketFailure

log = logging.getLogger(__name__)

PacketOutcome = PacketResult | PacketFailure
Progress = Callable[[str, PacketOutcome], None]
Processor = Callable[[Path, Path, Settings], PacketResult]

_CHUNK = 1024 * 1024
IGNORED_NAMES = (".DS_Store", "Thumbs.db", "desktop.ini")


# hashing -------------------------------------------------------------------


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def packet_files(path: Path) -> list[Path]:
    """A folder packet's files in name order (hidden files and OS litter left out)."""
    if path.is_file():
        return [path]
    return sorted(
        (p for p in path.rglob("*") if p.is_file() and not _ignored(p.relative_to(path))),
        key=lambda p: p.relative_to(path).as_posix(),
    )


def _ignored(relative: Path) -> bool:
    return any(part.startswith(".") or part in IGNORED_NAMES for part in relative.parts)


def file_hashes(path: Path) -> dict[str, str]:
    """Member name (forward slashes, relative to a folder packet) → sha256."""
    if not path.is_file() and not path.is_dir():
        raise FileNotFoundError(f"既不是文件也不是文件夹（可能是失效的链接）：{path.name}")
    if path.is_file():
        return {path.name: file_sha256(path)}
    return {p.relative_to(path).as_posix(): file_sha256(p) for p in packet_files(path)}


def packet_hash(path: Path, hashes: dict[str, str] | None = None) -> str:
    """sha256 of a file's bytes; for a folder, over its member names and file hashes."""
    if path.is_file():
        return (hashes or {}).get(path.name) or file_sha256(path)
    hashes = hashes if hashes is not None else file_hashes(path)
    digest = hashlib.sha256(b"cluster-intake folder packet\n")
    for name in sorted(hashes):
        digest.update(f"{name}\0{hashes[name]}\n".encode())
    return digest.hexdigest()


def inbox_packets(inbox: Path) -> list[Path]:
    """Each file or sub-folder directly under the inbox is one packet (hidden entries skipped)."""
    return sorted(p for p in inbox.iterdir() if not p.name.startswith(".") and p.name not in IGNORED_NAMES)


# what is a packet -----------------------------------------------------------

# Names that announce a document the pipeline reads (or reports as damaged, encrypted or
# in a legacy format): a file of these is a packet even when its bytes are broken.
DOCUMENT_SUFFIXES = frozenset(
    ".pdf .docx .docm .doc .wps .rtf .xlsx .xlsm .xls .et .ofd .zip "
    ".png .jpg .jpeg .tif .tiff .bmp .gif .webp".split()
)
_READ_KINDS = (FileKind.PDF, FileKind.DOCX, FileKind.XLSX, FileKind.IMAGE, FileKind.ZIP)


def is_document(path: Path) -> bool:
    """A file the pipeline reads, by its bytes or (for a damaged one) by its name."""
    if path.suffix.lower() in DOCUMENT_SUFFIXES:
        return True
    try:
        return detect_kind(path) in _READ_KINDS
    except OSError:
        return False


def not_a_packet(source: Path) -> str | None:
    """Why `source` is not a packet (Chinese, one clause), or None when it holds a document."""
    if not source.exists():
        return "路径不存在"
    if source.is_file():
        return None if is_document(source) else f"“{source.name}”不是可读取的申报文件（支持 PDF、Word、Excel、图片、ZIP）"
    if not source.is_dir():
        return "既不是文件也不是文件夹"
    files = packet_files(source)
    if not files:
        return f"文件夹“{source.name}”是空的"
    if not any(is_document(p) for p in files):
        return f"文件夹“{source.name}”中没有可读取的申报文件（支持 PDF、Word、Excel、图片、ZIP）"
    return None


# one packet ----------------------------------------------------------------


def one_line_reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"处理失败（{type(exc).__name__}）：{text}"[:300]


def default_processor(source: Path, out_dir: Path, settings: Settings) -> PacketResult:
    """The stages run directly (no Prefect)."""
    return process_packet(source, out_dir, settings)


def reuse_cached(run: StoredRun | None, packet_id: str, out_dir: Path) -> PacketResult | None:
    """The stored result of an unchanged packet, its outputs copied to `out_dir` if needed."""
    if not reusable(run, packet_id):
        return None
    stored_dir = Path(run.output_dir)
    target = out_dir / packet_id
    if stored_dir.resolve() != target.resolve():
        staging = target.with_name(f".{target.name}.copying")
        shutil.rmtree(staging, ignore_errors=True)
        shutil.copytree(stored_dir, staging)
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    return PacketResult.model_validate_json((target / "result.json").read_text(encoding="utf-8"))


def reusable(run: StoredRun | None, packet_id: str) -> bool:
    """Whether `reuse_cached` can serve this stored run for the packet."""
    return (
        run is not None and run.completed and run.packet_id == packet_id and bool(run.output_dir)
        and (Path(run.output_dir) / "result.json").is_file()
    )


def packets_to_process(inbox: Path, settings: Settings, store: ResultStore) -> list[Path]:
    """The inbox packets with no reusable stored result (new, changed, failed before, or unreadable).

    Hashing is cheap next to processing: the CLI asks this before it starts a
    Prefect server, which an unchanged re-run does not need.
    """
    if not settings.use_cache:
        return inbox_packets(inbox)
    ruleset_key = requested_ruleset(settings)
    pending = []
    for source in inbox_packets(inbox):
        try:
            digest = packet_hash(source, file_hashes(source))
        except OSError:
            pending.append(source)  # process_one records the failure
            continue
        if not reusable(store.latest_for(digest, ruleset_key, CODE_VERSION), packet_id_for(source)):
            pending.append(source)
    return pending


def inbox_needs_processing(inbox: Path, settings: Settings) -> bool:
    """Whether any inbox packet lacks a reusable stored result (the CLI starts Prefect only then)."""
    store = ResultStore.from_settings(settings)
    try:
        return bool(packets_to_process(inbox, settings, store))
    finally:
        store.close()


def process_one(
    source: Path,
    out_dir: Path,
    settings: Settings,
    store: ResultStore | None,
    *,
    processor: Processor = default_processor,
    origin: str = "batch",
    kept_at: Path | None = None,
    failed_at: Path | None = None,
    use_cache: bool = True,
) -> PacketOutcome:
    """Process one packet (or reuse its cached result) and record it; never raises for a bad packet.

    `kept_at`/`failed_at`: where the packet's bytes will be kept after success/failure
    (the watcher moves it there), stored so the nightly re-check can find them.
    """
    packet_id = packet_id_for(source)
    started = datetime.now(timezone.utc)
    ruleset_key = requested_ruleset(settings)
    reason = not_a_packet(source)
    if reason is not None:  # listed with its reason, never a 附件4 row
        log.warning("%s 不是申报材料：%s", source.name, reason)
        return PacketFailure(packet_id=packet_id, reason=f"不是申报材料：{reason}", not_a_packet=True)
    try:
        hashes = file_hashes(source)
        digest = packet_hash(source, hashes)
    except OSError as exc:
        log.warning("packet %s unreadable: %s", source, exc)
        return PacketFailure(packet_id=packet_id, reason=one_line_reason(exc))

    if store is not None and use_cache and settings.use_cache:
        cached = reuse_cached(store.latest_for(digest, ruleset_key, CODE_VERSION), packet_id, out_dir)
        if cached is not None:
            log.info("packet %s unchanged (%s…): stored result reused", packet_id, digest[:12])
            return cached

    try:
        result = processor(source, out_dir, settings)
    except Exception as exc:  # one broken packet must not stop the batch: recorded as a failure
        reason = one_line_reason(exc)
        log.debug("packet %s failed", packet_id, exc_info=True)
        if store is not None:
            store.record_failure(
                packet_id=packet_id,
                packet_hash=digest,
                ruleset_requested=ruleset_key,
                code_version=CODE_VERSION,
                reason=reason,
                started_at=started,
                source_path=failed_at or source,
                origin=origin,
            )
        return PacketFailure(packet_id=packet_id, reason=reason)

    if store is not None:
        store.record(
            result,
            packet_hash=digest,
            ruleset_requested=ruleset_key,
            started_at=started,
            output_dir=out_dir / result.packet_id,
            source_path=kept_at or source,
            origin=origin,
        )
        result = mark_cross_packet_duplicates([result], out_dir, store)[0]  # against the round in the store
    return result


# the batch -----------------------------------------------------------------


def describe(outcome: PacketOutcome) -> str:
    """One line per packet for logs (Chinese, as the reviewers read them)."""
    if isinstance(outcome, PacketFailure):
        return outcome.reason
    counts = outcome.counts()
    status = status_label(outcome.status)
    return f"{status}（错误 {counts['error']}，警告 {counts['warning']}，提示 {counts['info']}）"


def write_summary(outcomes: list[PacketOutcome], out_dir: Path) -> None:
    write_batch_outputs(outcomes, out_dir)


def run_batch(
    inbox: Path,
    out_dir: Path,
    settings: Settings,
    progress: Progress | None = None,
    *,
    store: ResultStore | None = None,
    processor: Processor = default_processor,
) -> list[PacketOutcome]:
    """Every packet directly under `inbox` → outputs under `out_dir`, then the batch summary."""
    out_dir.mkdir(parents=True, exist_ok=True)
    own_store = store is None
    store = store if store is not None else ResultStore.from_settings(settings)
    try:
        outcomes: list[PacketOutcome] = []
        for source in inbox_packets(inbox):
            outcome = process_one(source, out_dir, settings, store, processor=processor)
            outcomes.append(outcome)
            log.info("%s: %s", source.name, describe(outcome))
            if progress is not None:
                progress(source.name, outcome)
        outcomes = mark_cross_packet_duplicates(outcomes, out_dir, store)  # earlier packets learn of later ones
        write_summary(outcomes, out_dir)
        return outcomes
    finally:
        if own_store:
            store.close()
