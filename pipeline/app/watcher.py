"""The drop folder: each packet put in the inbox is processed once, even across crashes.

A packet (a file or a folder directly under the inbox) is taken once it has stopped
changing for `quiet_seconds`: the size and mtime of the file, or of every file in
the folder. It then moves by atomic `os.rename` through the state folders

    <state>/processing/  →  <state>/done/  |  <state>/failed/

where `<state>` is `<inbox>/../<inbox name>.state/` unless a work dir is given.

Exactly once: a packet is claimed by the rename into `processing/` and hashed
there; its run is recorded in the results store (by packet hash and requested
ruleset) *before* the final rename. On start-up, whatever is still in
`processing/` is looked up first: already recorded → only the rename is finished;
not recorded → processed again (its outputs are written atomically, so a
half-finished earlier attempt leaves nothing behind). The same content dropped
again is recognised by its hash and moved to `done/` unprocessed.

The look-up ignores the code version on purpose: `CODE_VERSION` fingerprints the
source files, so any edit or upgrade while the watcher is down would otherwise
make every recorded packet look new and process it a second time. Re-checking
runs made by older code is the nightly flow's job (it finds them in `done/`).

watchdog wakes the loop early; a periodic rescan of the inbox is what guarantees
nothing is missed (events can be dropped by the OS under load). Readiness is
re-checked before every claim, so a packet that changed while another one was
being processed waits for its quiet period again.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from pipeline.core.version import CODE_VERSION
from pipeline.app.batch import (
    PacketFailure,
    PacketOutcome,
    Processor,
    default_processor,
    inbox_packets,
    packet_hash,
    process_one,
    reusable,
    reuse_cached,
)
from pipeline.intake.packet import packet_id_for
from pipeline.core.result import status_label
from pipeline.core.settings import Settings
from pipeline.app.store import ResultStore, StoredRun, requested_ruleset

log = logging.getLogger("cluster_intake.watch")

CRASH_AT_ENV = "CLUSTER_INTAKE_WATCHER_CRASH_AT"
"""Tests only: the name of a point (see `crash_point`) where the watcher SIGKILLs itself."""


def crash_point(point: str) -> None:
    """Let the crash-recovery tests kill the real process exactly between two steps."""
    if os.environ.get(CRASH_AT_ENV) == point:
        log.warning("测试用崩溃点：%s", point)
        os.kill(os.getpid(), signal.SIGKILL)

Signature = tuple


@dataclass(frozen=True)
class StateDirs:
    root: Path
    processing: Path
    done: Path
    failed: Path

    @classmethod
    def for_inbox(cls, inbox: Path, work_dir: Path | None = None) -> "StateDirs":
        root = work_dir or inbox.parent / f"{inbox.name}.state"
        return cls(root=root, processing=root / "processing", done=root / "done", failed=root / "failed")

    def create(self) -> None:
        for folder in (self.processing, self.done, self.failed):
            folder.mkdir(parents=True, exist_ok=True)


# stability -----------------------------------------------------------------


def signature(path: Path) -> Signature | None:
    """What must stay the same for a packet to count as finished: sizes and mtimes of its files."""
    try:
        if path.is_file():
            st = path.stat()
            return (st.st_size, st.st_mtime_ns)
        if path.is_dir():
            entries = []
            for p in sorted(path.rglob("*")):
                st = p.stat()
                entries.append((p.relative_to(path).as_posix(), p.is_dir(), st.st_size, st.st_mtime_ns))
            return tuple(entries)
    except FileNotFoundError:  # moved or deleted while we looked: seen again on the next pass
        return None
    return None


def has_files(path: Path) -> bool:
    return path.is_file() or any(p.is_file() for p in path.rglob("*"))


class StabilityTracker:
    """Remembers when each inbox entry last changed; thread-safe (watchdog calls `touch`)."""

    def __init__(self, quiet_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.quiet_seconds = quiet_seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._seen: dict[str, tuple[Signature | None, float]] = {}

    def touch(self, name: str) -> None:
        """An event for this entry: it changed just now, whatever its signature says."""
        with self._lock:
            self._seen[name] = (None, self.clock())

    def ready(self, inbox: Path) -> list[str]:
        """Entries whose signature has not changed for the quiet period, in name order."""
        now = self.clock()
        ready: list[str] = []
        with self._lock:
            names = set(self._seen) | {p.name for p in inbox_packets(inbox)}
            for name in sorted(names):
                path = inbox / name
                current = signature(path)
                if current is None:
                    self._seen.pop(name, None)
                    continue
                previous = self._seen.get(name)
                if previous is None or previous[0] != current:
                    self._seen[name] = (current, now)
                elif now - previous[1] >= self.quiet_seconds and has_files(path):
                    ready.append(name)
            return ready

    def forget(self, name: str) -> None:
        with self._lock:
            self._seen.pop(name, None)


class _InboxEvents(FileSystemEventHandler):
    def __init__(self, inbox: Path, tracker: StabilityTracker, wake: threading.Event) -> None:
        self.inbox = inbox
        self.tracker = tracker
        self.wake = wake

    def on_any_event(self, event: FileSystemEvent) -> None:
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if not raw:
                continue
            path = Path(os.fsdecode(raw))
            try:
                relative = path.relative_to(self.inbox)
            except ValueError:
                continue
            if relative.parts and not relative.parts[0].startswith("."):
                self.tracker.touch(relative.parts[0])
                self.wake.set()


# moving packets ----------------------------------------------------------------


def free_name(name: str, *folders: Path) -> str:
    """`name`, or `name~2`, `name~3`… (before the suffix) so it is free in every folder."""
    stem, suffix = _split_name(name)
    candidate, n = name, 1
    while any((folder / candidate).exists() for folder in folders):
        n += 1
        candidate = f"{stem}~{n}{suffix}"
    return candidate


def _split_name(name: str) -> tuple[str, str]:
    path = Path(name)
    return (path.stem, path.suffix) if path.suffix else (name, "")


def move(path: Path, folder: Path, name: str | None = None) -> Path:
    """Atomic rename into `folder` (same file system), never over an existing entry."""
    target = folder / (name or free_name(path.name, folder))
    if target.exists():
        target = folder / free_name(target.name, folder)
    os.rename(path, target)
    return target


# the watcher -------------------------------------------------------------------


class Watcher:
    def __init__(
        self,
        inbox: Path,
        out_dir: Path,
        settings: Settings,
        *,
        work_dir: Path | None = None,
        processor: Processor = default_processor,
        store: ResultStore | None = None,
    ) -> None:
        self.inbox = inbox.resolve()
        self.out_dir = out_dir
        self.settings = settings
        self.dirs = StateDirs.for_inbox(self.inbox, work_dir)
        self.processor = processor
        self.store = store or ResultStore.from_settings(settings)
        self.ruleset_key = requested_ruleset(settings)

    def resume(self) -> None:
        """Start-up: finish or redo whatever a previous run left in `processing/`."""
        for path in sorted(self.dirs.processing.iterdir()):
            if path.name.startswith("."):
                continue
            log.info("恢复上次中断的申报材料：%s", path.name)
            self.handle_claimed(path, retry_failed=False)

    def take(self, name: str) -> None:
        """Claim a stable inbox entry (atomic rename into `processing/`) and handle it."""
        source = self.inbox / name
        try:
            claimed = move(source, self.dirs.processing, free_name(name, self.dirs.processing))
        except FileNotFoundError:  # taken away meanwhile: nothing to do, the next scan decides
            log.warning("申报材料 %s 已不在收件夹中，跳过", name)
            return
        crash_point("claimed")
        self.handle_claimed(claimed, retry_failed=True)

    def handle_claimed(self, path: Path, retry_failed: bool) -> PacketOutcome | StoredRun:
        """Process a packet that sits in `processing/`, unless its content was already done.

        `retry_failed`: a packet dropped anew whose earlier run failed is tried again;
        one found in `processing/` at start-up with a recorded failure is only moved on.
        """
        started = time.perf_counter()
        digest = packet_hash(path)  # of the claimed bytes: nothing in the inbox can change them now
        # Any code version counts for a packet resumed from processing/ (it was taken once already);
        # a packet dropped anew is processed again when the code (or ruleset) changed since.
        prior = self.store.latest_of_content(digest, self.ruleset_key)
        if prior is not None and not prior.completed and retry_failed:
            log.info("重新处理 %s：相同内容上次处理失败（%s）", path.name, prior.reason)
        elif prior is not None and retry_failed and prior.code_version != CODE_VERSION:
            log.info("重新处理 %s：相同内容此前由程序版本 %s 处理，当前版本为 %s", path.name, prior.code_version, CODE_VERSION)
        elif prior is not None and prior.completed and not reusable(prior, packet_id_for(path)):
            # the same bytes under another packet id, or the stored outputs are gone: the watcher
            # still owes this packet its outputs in out_dir/<packet_id>/, so it is processed again
            log.info("重新处理 %s：内容与已处理的“%s”相同，但其结果不能直接复用（%s）", path.name, prior.packet_id,
                     "申报材料编号不同" if prior.packet_id != packet_id_for(path) else "原结果文件已不存在")
        elif prior is not None:
            if prior.completed:
                reuse_cached(prior, packet_id_for(path), self.out_dir)  # outputs copied into our out_dir
            folder = self.dirs.done if prior.completed else self.dirs.failed
            final = move(path, folder, self._kept_name(prior, path, folder))
            log.info(
                "跳过 %s：内容与已处理的“%s”相同（%s），未重复处理，结果见 %s → %s%s",
                path.name, prior.packet_id, status_label(prior.status),
                self.out_dir / prior.packet_id if prior.completed else "（无）", _rel(final, self.dirs.root),
                "" if prior.code_version == CODE_VERSION
                else f"（该结果由程序版本 {prior.code_version} 生成，夜间复查将按当前版本 {CODE_VERSION} 重新审查）",
            )
            return prior

        final_name = free_name(path.name, self.dirs.done, self.dirs.failed)
        outcome = process_one(
            path,
            self.out_dir,
            self.settings,
            self.store,
            processor=self.processor,
            origin="watch",
            kept_at=self.dirs.done / final_name,
            failed_at=self.dirs.failed / final_name,
            use_cache=False,  # decided above, by hash alone
        )
        seconds = time.perf_counter() - started
        crash_point("recorded")
        if isinstance(outcome, PacketFailure):
            final = move(path, self.dirs.failed, final_name)
            log.error("处理失败 %s：%s → %s", outcome.packet_id, outcome.reason, _rel(final, self.dirs.root))
        else:
            final = move(path, self.dirs.done, final_name)
            counts = outcome.counts()
            log.info(
                "已处理 %s：%s（错误 %d，警告 %d，提示 %d），用时 %.1f 秒 → %s",
                outcome.packet_id, status_label(outcome.status),
                counts["error"], counts["warning"], counts["info"], seconds, _rel(final, self.dirs.root),
            )
        return outcome

    def _kept_name(self, prior: StoredRun, path: Path, folder: Path) -> str:
        """Where the store says this packet was to be kept, if that name is still free."""
        if prior.source_path:
            kept = Path(prior.source_path)
            if kept.parent == folder and not kept.exists():
                return kept.name
        return free_name(path.name, folder)


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def run_watcher(
    inbox: Path,
    out_dir: Path,
    settings: Settings,
    quiet_seconds: float = 5.0,
    stop_event: threading.Event | None = None,
    *,
    work_dir: Path | None = None,
    processor: Processor = default_processor,
    rescan_seconds: float = 2.0,
) -> None:
    """Watch `inbox` until `stop_event` is set: resume `processing/`, then take stable packets."""
    inbox = Path(inbox)
    if not inbox.is_dir():
        raise FileNotFoundError(f"收件夹不存在：{inbox}")
    stop_event = stop_event or threading.Event()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    watcher = Watcher(
        inbox, out_dir, settings, work_dir=work_dir,
        processor=processor,
    )
    watcher.dirs.create()
    tracker = StabilityTracker(quiet_seconds)
    wake = threading.Event()
    observer = Observer()
    observer.schedule(_InboxEvents(watcher.inbox, tracker, wake), str(watcher.inbox), recursive=True)
    observer.start()
    log.info(
        "开始监视 %s（静默 %.0f 秒后处理；状态目录 %s；%s）",
        watcher.inbox, quiet_seconds, watcher.dirs.root, "直接调用处理程序" if processor is default_processor else "经 Prefect 流程",
    )
    try:
        watcher.resume()
        poll = max(0.2, min(rescan_seconds, quiet_seconds / 4))
        while not stop_event.is_set():
            # one packet per scan: after a long run the rest are re-checked, not taken on stale readiness
            ready = tracker.ready(watcher.inbox)
            if ready:
                tracker.forget(ready[0])
                watcher.take(ready[0])
                continue
            wake.wait(poll)
            wake.clear()
    finally:
        observer.stop()
        observer.join(timeout=5)
        watcher.store.close()
        log.info("停止监视 %s", watcher.inbox)
