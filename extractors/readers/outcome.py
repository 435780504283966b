"""What reading a file gives, in the two steps every reader is split into.

A reader's first step reads the file as far as it can without OCR and names the
pages still to OCR, as `PageJob`s of a few pages each; its page step OCRs one such
job. The driver fans both steps out over worker processes (and a Prefect flow over
tasks); `finish_read` puts a file's pages back in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.core.document import Page, SourceDocument
from pipeline.core.result import Finding
from pipeline.intake.packet import PacketMember


@dataclass
class ReadOutcome:
    document: SourceDocument | None  # None when nothing could be read
    findings: list[Finding] = field(default_factory=list)


@dataclass(frozen=True)
class PageJob:
    """Pages of one file to OCR together (their engine runs share one model load)."""

    member: PacketMember
    pages: tuple[int, ...]
    weight: int = 0  # image bytes: the heaviest jobs are handed out first

    @property
    def label(self) -> str:
        return f"{self.member.name} p{','.join(map(str, self.pages))}"


PageRead = tuple[Page, list[Finding]]


@dataclass
class FirstRead:
    """A file read as far as it goes without OCR, and the pages still to OCR."""

    outcome: ReadOutcome
    page_jobs: list[PageJob] = field(default_factory=list)


def finish_read(first: FirstRead, page_reads: list[PageRead]) -> ReadOutcome:
    """The first step's document with the OCR'd pages put in page order, findings in order."""
    document = first.outcome.document
    findings = list(first.outcome.findings) + [f for _, page_findings in page_reads for f in page_findings]
    if document is not None and page_reads:
        pages = sorted([*document.pages, *(page for page, _ in page_reads)], key=lambda p: p.number)
        document = document.model_copy(update={"pages": pages})
    return ReadOutcome(document=document, findings=findings)
