"""The output contract (`../shared/contract/`) as typed models.

Keys, units and codes here are fixed by the contract: add, never rename or drop.
"""

from __future__ import annotations

import hashlib
import json
from enum import Enum
from typing import Any

from pydantic import BaseModel, Field, computed_field

from pipeline.core.document import BBox, Provenance, ReadMethod

SCHEMA_VERSION = "1"

INDICATOR_KEYS: tuple[str, ...] = (
    "area_km2",
    "output_yi_by_year",
    "sme_output_share_pct",
    "leading_industry_share_pct",
    "output_growth_pct",
    "champion_count",
    "little_giant_count",
    "specialized_sme_count",
    "innovative_sme_count",
    "high_tech_count",
    "rd_growth_pct",
    "valid_invention_patents",
    "patent_growth_pct",
    "employees",
    "patents_per_10k",
    "industrial_internet_pct",
)

COVER_KEYS: tuple[str, ...] = (
    "cluster_name",
    "region",
    "leading_industry",
    "management_body",
    "established",
    "fill_date",
)


class Status(str, Enum):
    """A packet's verdict (contract `status`), plus ERROR for a packet that gave no result at all."""

    PASS = "pass"
    REVIEW = "review"
    FAIL = "fail"
    ERROR = "error"

    @property
    def label(self) -> str:
        """The verdict as reviewers read it."""
        return STATUS_LABELS[self.value]


STATUS_LABELS: dict[str, str] = {"pass": "通过", "review": "需人工复核", "fail": "不通过", "error": "处理失败"}


def status_label(status: str) -> str:
    """"pass" → "通过"; an unknown word is shown as it is."""
    return STATUS_LABELS.get(getattr(status, "value", status), str(status))


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class FindingCode(str, Enum):
    SECTION_MISSING = "SECTION_MISSING"
    SECTION_EMPTY = "SECTION_EMPTY"
    SECTION_ORDER = "SECTION_ORDER"
    TOC_MISSING = "TOC_MISSING"
    TOC_PAGE_MISMATCH = "TOC_PAGE_MISMATCH"
    COVER_FIELD_MISSING = "COVER_FIELD_MISSING"
    INDICATOR_MISSING = "INDICATOR_MISSING"
    AREA_OVER_LIMIT = "AREA_OVER_LIMIT"
    OUTPUT_BELOW_THRESHOLD = "OUTPUT_BELOW_THRESHOLD"
    SME_SHARE_LOW = "SME_SHARE_LOW"
    LEADING_SHARE_LOW = "LEADING_SHARE_LOW"
    OUTPUT_GROWTH_LOW = "OUTPUT_GROWTH_LOW"
    ENTERPRISE_TIER_LOW = "ENTERPRISE_TIER_LOW"
    RD_GROWTH_LOW = "RD_GROWTH_LOW"
    PATENT_GROWTH_LOW = "PATENT_GROWTH_LOW"
    PATENT_DENSITY_LOW = "PATENT_DENSITY_LOW"
    INDUSTRIAL_INTERNET_LOW = "INDUSTRIAL_INTERNET_LOW"
    PATENT_NUMBER_INVALID = "PATENT_NUMBER_INVALID"
    PATENT_DUPLICATE = "PATENT_DUPLICATE"
    PATENT_NOT_INVENTION = "PATENT_NOT_INVENTION"
    USCC_INVALID = "USCC_INVALID"
    STANDARD_NUMBER_INVALID = "STANDARD_NUMBER_INVALID"
    COUNT_MISMATCH = "COUNT_MISMATCH"
    GROWTH_INCONSISTENT = "GROWTH_INCONSISTENT"
    DENSITY_INCONSISTENT = "DENSITY_INCONSISTENT"
    ENTERPRISE_DUPLICATE = "ENTERPRISE_DUPLICATE"
    VERIFICATION_STATEMENT_INCOMPLETE = "VERIFICATION_STATEMENT_INCOMPLETE"
    FILE_UNREADABLE = "FILE_UNREADABLE"
    FILE_ENCRYPTED = "FILE_ENCRYPTED"
    FILE_UNSUPPORTED = "FILE_UNSUPPORTED"
    OCR_LOW_CONFIDENCE = "OCR_LOW_CONFIDENCE"
    CROSS_PACKET_DUPLICATE = "CROSS_PACKET_DUPLICATE"
    VALUE_UNCERTAIN = "VALUE_UNCERTAIN"


class Evidence(BaseModel):
    file: str
    page: int | None
    text: str = Field(max_length=400)
    bbox: list[float] | None = None
    # OCR confidence (0..100) of the line the value was read from; only on evidence drawn from OCR
    confidence: float | None = None
    # OCR confidence (0..100) of that line's weakest digit, from an engine that scores each
    # character (PP-OCR); an added key, absent otherwise
    figure_confidence: float | None = None

    @classmethod
    def from_prov(cls, prov: Provenance, text: str) -> "Evidence":
        return cls(
            file=prov.file,
            page=prov.page,
            text=text[:200],
            bbox=list(prov.bbox) if prov.bbox else None,
            confidence=prov.confidence if prov.method is ReadMethod.OCR else None,
            figure_confidence=prov.figure_confidence if prov.method is ReadMethod.OCR else None,
        )

    @classmethod
    def for_file(cls, file: str, text: str, page: int | None = None, bbox: BBox | None = None) -> "Evidence":
        return cls(file=file, page=page, text=text[:200], bbox=list(bbox) if bbox else None)


class Finding(BaseModel):
    code: FindingCode
    severity: Severity
    item: int | None = None
    field: str | None = None
    message: str
    evidence: list[Evidence] = Field(default_factory=list)

    @computed_field  # contract: the same code, item, field and evidence give the same id in every run
    @property
    def id(self) -> str:
        return finding_id(self.code.value, self.item, self.field, [(e.file, e.page, e.text) for e in self.evidence])


def finding_id(code: str, item: int | None, field: str | None, evidence: list[tuple]) -> str:
    """A stable finding identifier: sha256 over code, item, field and each evidence's file, page and text.

    The bbox is left out on purpose: a re-read of the same page may move a box by a
    fraction of a point without the finding being any other.
    """
    key = json.dumps([code, item, field, [list(e) for e in evidence]], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


class FileEntry(BaseModel):
    name: str
    sha256: str
    kind: str  # "pdf" | "docx" | "image" | "xlsx" | "other"
    pages: int | None
    ocr_pages: list[int] = Field(default_factory=list)


class Cover(BaseModel):
    cluster_name: str | None = None
    region: str | None = None
    leading_industry: str | None = None
    management_body: str | None = None
    established: str | None = None
    fill_date: str | None = None
    # evidence per field, for reports (not part of the contract's cover object)
    evidence: dict[str, Evidence] = Field(default_factory=dict, exclude=True)


class SectionResult(BaseModel):
    item: int
    title: str
    present: bool = False
    empty: bool = False
    file: str | None = None
    first_page: int | None = None
    last_page: int | None = None
    toc_page: int | None = None


class Indicator(BaseModel):
    value: float | dict[str, float] | None = None
    evidence: Evidence | None = None


class KeyEnterprise(BaseModel):
    name: str
    uscc: str | None = None
    honors: list[str] = Field(default_factory=list)
    evidence: Evidence | None = None  # added key: where the row was read


class StandardEntry(BaseModel):
    number: str
    title: str | None = None
    role: str = "participate"  # "lead" | "participate"
    rank: int | None = None
    year: int | None = None
    evidence: Evidence | None = None


class PatentEntry(BaseModel):
    number: str
    title: str | None = None
    holder: str | None = None
    kind: str = "invention"
    grant_date: str | None = None
    evidence: Evidence | None = None


class OverseasBranch(BaseModel):
    name: str
    country: str | None = None
    evidence: Evidence | None = None


class ServicePlatform(BaseModel):
    name: str
    level: str | None = None
    evidence: Evidence | None = None


class Lists(BaseModel):
    key_enterprises: list[KeyEnterprise] = Field(default_factory=list)
    standards: list[StandardEntry] = Field(default_factory=list)
    patents: list[PatentEntry] = Field(default_factory=list)
    overseas_branches: list[OverseasBranch] = Field(default_factory=list)
    service_platforms: list[ServicePlatform] = Field(default_factory=list)


def empty_indicators() -> dict[str, Indicator]:
    return {key: Indicator() for key in INDICATOR_KEYS}


class PacketResult(BaseModel):
    schema_version: str = SCHEMA_VERSION
    packet_id: str
    ruleset: str = "2022"
    status: str = "pass"
    files: list[FileEntry] = Field(default_factory=list)
    cover: Cover = Field(default_factory=Cover)
    sections: list[SectionResult] = Field(default_factory=list)  # the round's items, from the driver
    indicators: dict[str, Indicator] = Field(default_factory=empty_indicators)
    lists: Lists = Field(default_factory=Lists)
    findings: list[Finding] = Field(default_factory=list)
    # added keys
    code_version: str | None = None
    intro: str | None = None  # draft 集群简介 (≤150 字) for the 附件4 summary
    timings: dict[str, float] = Field(default_factory=dict)

    def compute_status(self) -> str:
        severities = {f.severity for f in self.findings}
        if Severity.ERROR in severities:
            return "fail"
        if Severity.WARNING in severities:
            return "review"
        return "pass"

    def counts(self) -> dict[str, int]:
        out = {"error": 0, "warning": 0, "info": 0}
        for f in self.findings:
            out[f.severity.value] += 1
        return out

    def to_json_dict(self) -> dict[str, Any]:
        return json.loads(self.model_dump_json())

    def to_json(self) -> str:
        return json.dumps(self.to_json_dict(), ensure_ascii=False, indent=2)
