"""One reader per file kind, behind one registry, and the read stage built on it.

Every reader has a first step (`member, settings -> FirstRead | ReadOutcome`) and,
when it OCRs, a page step (`PageJob, settings -> list[PageRead]`). `read_first` and
`read_pages` run those steps and never raise: a `FileProblem` is its finding, and any
other exception (a reader bug, a library failing on hostile input) is a
FILE_UNREADABLE finding too, so one bad file never stops the packet.

`read_members` is the read stage: cached documents are taken from the content-hash
cache, the rest go through `fan_out` (the driver's: worker processes under a time
and memory limit, or Prefect tasks that use the same workers): first steps for
every file, then every file's page jobs, heaviest first. A step lost to its limits
(`WorkerFailed`) becomes the file's or the pages' finding.
"""

from __future__ import annotations

import hashlib
import logging
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Sequence

from extractors.ocr.page import page_failure
from extractors.readers import cache, docx, image, legacy, ofd, pdf, sheets
from extractors.readers.outcome import FirstRead, PageJob, PageRead, ReadOutcome, finish_read
from extractors.readers.unsupported import unsupported_problem
from pipeline.core.document import FileKind, Page, ReadMethod
from pipeline.core.errors import FileProblem, FileUnreadable
from pipeline.core.workers import WorkerFailed, can_start_workers, preload, worker_pool
from pipeline.intake.packet import PacketMember

log = logging.getLogger(__name__)

REGISTRY_VERSION = "2"
preload(__name__)  # workers start with every reader imported


@dataclass(frozen=True)
class Reader:
    first: Callable[[PacketMember, Any], FirstRead | ReadOutcome]
    pages: Callable[[PageJob, Any], list[PageRead]] | None = None
    # The first step stops itself at the file's time limit and keeps what it read (the PDF
    # text pass flags the pages it did not reach); its worker is killed only well after.
    bounds_itself: bool = False

    def version(self) -> str:
        """The reader's source fingerprint: editing a reader (or OCR) invalidates its cached documents."""
        module_file = Path(sys.modules[self.first.__module__].__file__)
        return f"{self.first.__module__}:{_source_digest((module_file, *_READING_SOURCES))}:registry-{REGISTRY_VERSION}"


_READERS_DIR = Path(__file__).resolve().parent
_ROOT = _READERS_DIR.parents[1]
# modules every reader's output depends on, besides the reader's own module
_READING_SOURCES = (
    *sorted((_ROOT / "extractors" / "ocr").glob("*.py")),
    *sorted(_READERS_DIR.glob("*.py")),
    _ROOT / "pipeline" / "core" / "document.py",
)


@lru_cache(maxsize=None)
def _source_digest(paths: tuple[Path, ...]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


READERS: dict[FileKind, Reader] = {
    FileKind.PDF: Reader(pdf.read_text_layer, pdf.read_ocr_pages, bounds_itself=True),
    FileKind.IMAGE: Reader(image.read_image_frames, image.read_frame_pages),
    FileKind.DOCX: Reader(docx.read_docx_first, docx.read_docx_pictures),
    FileKind.XLSX: Reader(sheets.read_workbook_first, sheets.read_workbook_pictures),
    FileKind.OFD: Reader(ofd.read_ofd, ofd.read_ofd_pages),
    FileKind.LEGACY_WORD: Reader(legacy.read_legacy),
    FileKind.LEGACY_SHEET: Reader(legacy.read_legacy),
}

# a worker that overruns a self-bounding step is killed this much later than its limit
SELF_BOUND_GRACE_S = 30.0
# a page job's limit on top of its pages' own OCR limits (rendering, start-up)
PAGE_JOB_SLACK_S = 30.0


# --------------------------------------------------------------------------- the two steps


def _problem(problem: FileProblem) -> FirstRead:
    return FirstRead(ReadOutcome(document=None, findings=[problem.to_finding()]))


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return f"{type(error).__name__}: {text}"[:180]


def read_first(member: PacketMember, settings) -> FirstRead:
    """The reader's first step for this member; problems are findings, never exceptions."""
    try:
        size = member.path.stat().st_size
    except OSError as error:
        return _problem(FileUnreadable(member.name, f"无法打开文件（{_one_line(error)}）"))
    if size == 0:
        return _problem(FileUnreadable(member.name, "文件为空（0 字节）"))
    reader = READERS.get(member.kind)
    if reader is None:
        return _problem(unsupported_problem(member))
    try:
        result = reader.first(member, settings)
    except FileProblem as problem:
        return _problem(problem)
    except MemoryError:
        raise  # the worker's memory cap: reported by the pool as WorkerFailed("memory")
    except Exception as error:  # any reader bug or library failure on hostile input: a finding, not a crash
        log.exception("reader failed on %s", member.name)
        return _problem(FileUnreadable(member.name, f"读取时出错（{_one_line(error)}）"))
    return result if isinstance(result, FirstRead) else FirstRead(result)


def read_pages(job: PageJob, settings) -> list[PageRead]:
    """The reader's page step for one job; a failure is a finding on each of its pages."""
    try:
        return READERS[job.member.kind].pages(job, settings)
    except MemoryError:
        raise
    except Exception as error:  # noqa: BLE001 - see read_first
        log.exception("page step failed on %s", job.label)
        return failed_pages(job, f"识别时出错（{_one_line(error)}）")


def failed_pages(job: PageJob, reason: str) -> list[PageRead]:
    return [(Page(number=n, method=ReadMethod.OCR), [page_failure(job.member.name, n, reason)]) for n in job.pages]


def first_limit(member: PacketMember, settings) -> float | None:
    """Seconds a member's first step may run in its worker (None: no limit)."""
    if not settings.file_timeout_s or settings.file_timeout_s <= 0:
        return None
    reader = READERS.get(member.kind)
    if reader is not None and reader.bounds_itself:
        return settings.file_timeout_s + SELF_BOUND_GRACE_S
    return settings.file_timeout_s


def pages_limit(job: PageJob, settings) -> float:
    return settings.ocr_page_timeout_s * len(job.pages) + PAGE_JOB_SLACK_S


# --------------------------------------------------------------------------- the read stage

FanOut = Callable[[Callable, Sequence, Any, Callable[[Any, Any], float | None]], list]
"""`fan_out(step, items, settings, limit_of)`: `step(item, settings)` for each item, results
in order, a `WorkerFailed` in place of a step lost to its limits."""


def in_process(step: Callable, items: Sequence, settings, limit_of) -> list:
    """A `FanOut` that runs every step here, one after another, without limits."""
    return [step(item, settings) for item in items]


def in_workers(step: Callable, items: Sequence, settings, limit_of) -> list:
    """A `FanOut` over this process's worker pool (`pipeline.core.workers`), each step under its limit."""
    return worker_pool(settings).map(step, items, settings, timeout=lambda item: limit_of(item, settings))


def default_fan_out(settings) -> FanOut:
    """Worker processes, unless limits are off (`file_timeout_s <= 0`) or this process may not start any."""
    if not can_start_workers() or not settings.file_timeout_s or settings.file_timeout_s <= 0:
        return in_process
    return in_workers


def _cache_key(member: PacketMember, settings) -> str | None:
    reader = READERS.get(member.kind)
    if not settings.use_cache or reader is None:
        return None
    return cache.cache_key(member.sha256, reader.version(), settings)


def read_members(members: Sequence[PacketMember], settings, fan_out: FanOut | None = None) -> list[ReadOutcome]:
    """Read every member (the read stage): cache, first steps, page jobs; outcomes in member order."""
    fan_out = fan_out or default_fan_out(settings)
    outcomes: dict[int, ReadOutcome] = {}
    keys = {i: _cache_key(m, settings) for i, m in enumerate(members)}
    for i, key in keys.items():
        hit = cache.load(settings.cache_dir, key, members[i].name) if key else None
        if hit is not None:
            outcomes[i] = ReadOutcome(*hit)
    todo = [i for i in range(len(members)) if i not in outcomes]
    firsts = dict(zip(todo, fan_out(read_first, [members[i] for i in todo], settings, first_limit)))
    for i, first in firsts.items():
        if isinstance(first, WorkerFailed):
            firsts[i] = _problem(FileUnreadable(members[i].name, f"读取{first.reason}"))
    jobs = sorted(((i, job) for i, first in firsts.items() for job in first.page_jobs), key=lambda ij: -ij[1].weight)
    page_reads: dict[int, list[PageRead]] = {i: [] for i in firsts}
    for (i, job), read in zip(jobs, fan_out(read_pages, [job for _, job in jobs], settings, pages_limit)):
        page_reads[i].extend(failed_pages(job, f"文字识别{read.reason}") if isinstance(read, WorkerFailed) else read)
    for i, first in firsts.items():
        outcomes[i] = finish_read(first, page_reads[i])
        if keys[i] and outcomes[i].document is not None:
            try:
                cache.store(settings.cache_dir, keys[i], outcomes[i].document, outcomes[i].findings)
            except OSError as error:
                log.warning("could not cache %s: %s", members[i].name, error)
    return [outcomes[i] for i in range(len(members))]


def read_member(member: PacketMember, settings, fan_out: FanOut | None = None) -> ReadOutcome:
    """One member through the read stage."""
    return read_members([member], settings, fan_out)[0]
