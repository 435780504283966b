"""XLSX with its pictures: the sheets as `xlsx` reads them, then a page per anchored picture that holds text."""

from __future__ import annotations

import zipfile

from lxml import etree

from extractors.readers import xlsx
from extractors.readers.embedded import picture_jobs, read_picture_jobs, text_pictures, workbook_pictures
from extractors.readers.outcome import FirstRead, PageJob, PageRead
from pipeline.intake.packet import PacketMember


def read_workbook_first(member: PacketMember, settings) -> FirstRead:
    """The registry's first step: every sheet a page, and a page job per picture that holds text."""
    outcome = xlsx.read_xlsx(member, settings)
    chosen = text_pictures(member.path, workbook_pictures(member.path), settings)
    pages = outcome.document.page_count or 0
    outcome.document = outcome.document.model_copy(update={"page_count": pages + len(chosen)})
    return FirstRead(outcome, picture_jobs(member, pages, chosen))


def read_workbook_pictures(job: PageJob, settings) -> list[PageRead]:
    """The page step: the job's pictures (found again the same way) OCR'd; sheets count from the header."""
    chosen = text_pictures(job.member.path, workbook_pictures(job.member.path), settings)
    return read_picture_jobs(job, job.member.path, _sheet_count(job.member.path), chosen, settings)


def _sheet_count(path) -> int:
    with zipfile.ZipFile(path) as archive:
        book = etree.fromstring(archive.read("xl/workbook.xml"), etree.XMLParser(resolve_entities=False, no_network=True))
    return len(book.findall(f"{{{xlsx.SHEET_NS}}}sheets/{{{xlsx.SHEET_NS}}}sheet"))
