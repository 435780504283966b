"""What the reports show, computed once from a `PacketResult` for both HTML and XLSX.

Everything here reads the result; nothing re-checks the packet. Whether an
indicator meets its threshold is read from the checks' findings, so the reports
can never disagree with `result.json`.
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from pipeline.core.result import (
    COVER_KEYS,
    INDICATOR_KEYS,
    Evidence,
    Finding,
    FindingCode,
    PacketResult,
    SectionResult,
    Severity,
)
from pipeline.reports.labels import (
    COVER_LABELS,
    FILE_KIND_LABELS,
    HONOR_LABELS,
    INDICATOR_LABELS,
    INDICATOR_UNITS,
    LIST_BY_CODE,
    LIST_LABELS,
    PATENT_KIND_LABELS,
    ROLE_LABELS,
    SEVERITY_LABELS,
    SEVERITY_ORDER,
    THRESHOLD_CODES_BY_INDICATOR,
    VERDICT_LABELS,
    finding_title,
    item_label,
)
from pipeline.rounds.ruleset import RuleDescription, indicator_thresholds, rule_descriptions

LIST_ITEMS: dict[str, int] = {
    "key_enterprises": 3,
    "standards": 7,
    "patents": 8,
    "overseas_branches": 17,
    "service_platforms": 18,
}

_PACKET_LEVEL_CODES = {
    FindingCode.SECTION_MISSING,
    FindingCode.SECTION_EMPTY,
    FindingCode.SECTION_ORDER,
    FindingCode.TOC_MISSING,
    FindingCode.TOC_PAGE_MISMATCH,
    FindingCode.COUNT_MISMATCH,
    FindingCode.FILE_UNREADABLE,
    FindingCode.FILE_ENCRYPTED,
    FindingCode.FILE_UNSUPPORTED,
    FindingCode.OCR_LOW_CONFIDENCE,
}


def format_number(value: float | int | None) -> str:
    """12.0 → "12", 12.345 → "12.35"; no scientific notation, thousands kept plain."""
    if value is None:
        return ""
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return str(value)
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4f}".rstrip("0").rstrip(".")


# ---------------------------------------------------------------- findings


@dataclass
class FindingView:
    finding: Finding
    code_label: str
    severity_label: str
    rule: RuleDescription | None


@dataclass
class ItemGroup:
    item: int | None
    label: str
    findings: list[FindingView]


@dataclass
class SeverityGroup:
    severity: Severity
    label: str
    items: list[ItemGroup]

    @property
    def count(self) -> int:
        return sum(len(g.findings) for g in self.items)


def group_findings(result: PacketResult) -> list[SeverityGroup]:
    """Findings by severity (errors first), then by item (packet-wide last), keeping their order."""
    rules = rule_descriptions(result.ruleset)
    titles = {s.item: s.title for s in result.sections}
    groups: list[SeverityGroup] = []
    for severity in SEVERITY_ORDER:
        of_severity = [f for f in result.findings if f.severity is severity]
        if not of_severity:
            continue
        items = sorted({f.item for f in of_severity}, key=lambda i: (i is None, i or 0))
        item_groups = [
            ItemGroup(
                item=item,
                label=item_label(item, titles.get(item, "") if item is not None else ""),
                findings=[
                    FindingView(f, finding_title(f.code), SEVERITY_LABELS[f.severity], rules.get(f.code.value))
                    for f in of_severity
                    if f.item == item
                ],
            )
            for item in items
        ]
        groups.append(SeverityGroup(severity, SEVERITY_LABELS[severity], item_groups))
    return groups


def main_problems(result: PacketResult, limit: int = 3) -> list[str]:
    """The 主要问题 of a packet: its first few findings, errors before warnings (then notes), each as
    "标题：说明"; when there are more, a last line "等N项" with the total number of findings."""
    ordered = [f for severity in SEVERITY_ORDER for f in result.findings if f.severity is severity]
    shown = [f"{finding_title(f.code)}：{f.message}" for f in ordered[:limit]]
    if len(ordered) > limit:
        shown.append(f"等{len(ordered)}项")
    return shown


# ---------------------------------------------------------------- cover, files, sections


@dataclass
class CoverRow:
    key: str
    label: str
    value: str | None
    evidence: Evidence | None


def cover_rows(result: PacketResult) -> list[CoverRow]:
    cover = result.cover
    return [CoverRow(k, COVER_LABELS[k], getattr(cover, k), cover.evidence.get(k)) for k in COVER_KEYS]


@dataclass
class FileRow:
    name: str
    kind_label: str
    pages: int | None
    ocr_pages_text: str


def _page_ranges(pages: list[int]) -> str:
    """[1,2,3,5] → "1–3、5"."""
    if not pages:
        return ""
    ordered = sorted(set(pages))
    parts: list[str] = []
    start = prev = ordered[0]
    for n in ordered[1:] + [None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        parts.append(str(start) if start == prev else f"{start}–{prev}")
        if n is not None:
            start = prev = n
    return "、".join(parts)


def file_rows(result: PacketResult) -> list[FileRow]:
    return [
        FileRow(f.name, FILE_KIND_LABELS.get(f.kind, f.kind), f.pages, _page_ranges(f.ocr_pages))
        for f in result.files
    ]


@dataclass
class SectionRow:
    section: SectionResult
    status: str  # "present" | "empty" | "missing"
    status_label: str
    pages_text: str
    issues: list[str]  # short labels of the findings about this item


def section_rows(result: PacketResult) -> list[SectionRow]:
    rows = []
    for section in sorted(result.sections, key=lambda s: s.item):
        item = section.item
        if not section.present:
            status, label = "missing", "缺失"
        elif section.empty:
            status, label = "empty", "内容为空"
        else:
            status, label = "present", "齐全"
        if section.first_page and section.last_page and section.last_page != section.first_page:
            pages = f"{section.first_page}–{section.last_page}"
        else:
            pages = str(section.first_page or "")
        issues = [finding_title(f.code) for f in result.findings if f.item == item]
        rows.append(SectionRow(section, status, label, pages, list(dict.fromkeys(issues))))
    return rows


# ---------------------------------------------------------------- indicators


@dataclass
class IndicatorRow:
    key: str
    label: str
    values: list[tuple[str, float]]  # (label, number): one row, or one per year for output_yi_by_year
    value_text: str
    unit: str
    threshold: str
    status: str  # "met" | "not_met" | "missing" | "none"
    status_label: str
    evidence: Evidence | None
    value_evidence: list[Evidence | None] = field(default_factory=list)  # one per entry of `values`


_STATUS_LABELS = {"met": "达标", "not_met": "未达标", "missing": "未找到", "none": "—"}


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _numbers_in(text: str) -> list[float]:
    folded = unicodedata.normalize("NFKC", text).replace(",", "")
    return [float(n) for n in _NUMBER.findall(folded)]


def _quotes_value(evidence: Evidence, value: float) -> bool:
    """Whether the evidence text states `value` (亿元, or the same amount in 万元)."""
    return any(math.isclose(n, value, rel_tol=1e-3) or math.isclose(n, value * 10000, rel_tol=1e-3)
               for n in _numbers_in(evidence.text))


def year_evidence(indicator, values: list[tuple[str, float]]) -> list[Evidence | None]:
    """Each year's own evidence: the indicator's per-year evidence when the result carries it,
    else the indicator's one evidence for the years whose value it states, and None for the
    others (a 2020 row never quotes the text that gave the 2019 value)."""
    by_year = getattr(indicator, "evidence_by_year", None) or {}
    out: list[Evidence | None] = []
    for label, value in values:
        year = label.split()[0]
        own = by_year.get(year)
        if own is None and indicator.evidence is not None and _quotes_value(indicator.evidence, value):
            own = indicator.evidence
        out.append(own)
    return out


def indicator_rows(result: PacketResult) -> list[IndicatorRow]:
    thresholds = indicator_thresholds(result.ruleset)
    rows = []
    for key in INDICATOR_KEYS:
        indicator = result.indicators.get(key)
        value: Any = indicator.value if indicator else None
        values: list[tuple[str, float]] = []
        if isinstance(value, dict):
            values = [(f"{year} 年", float(v)) for year, v in sorted(value.items())]
            value_text = "；".join(f"{label}：{format_number(v)}" for label, v in values)
        elif value is not None:
            values = [("", float(value))]
            value_text = format_number(value)
        else:
            value_text = ""
        codes = THRESHOLD_CODES_BY_INDICATOR.get(key, ())
        failing = any(f.code in codes for f in result.findings)
        if not values:
            status = "missing"
        elif failing:
            status = "not_met"
        elif codes:
            status = "met"
        else:
            status = "none"
        rows.append(
            IndicatorRow(
                key=key,
                label=INDICATOR_LABELS[key],
                values=values,
                value_text=value_text,
                unit=INDICATOR_UNITS[key],
                threshold=thresholds.get(key, "—"),
                status=status,
                status_label=_STATUS_LABELS[status],
                evidence=indicator.evidence if indicator else None,
                value_evidence=(year_evidence(indicator, values) if isinstance(value, dict)
                                else [indicator.evidence if indicator else None] * len(values)),
            )
        )
    return rows


# ---------------------------------------------------------------- lists


@dataclass
class ListRow:
    cells: list[Any]  # display values in header order (numbers stay numbers)
    evidence: Evidence | None
    issues: list[Finding]

    @property
    def issue_text(self) -> str:
        return "；".join(dict.fromkeys(f"{finding_title(f.code)}：{f.message}" for f in self.issues))


@dataclass
class ListTable:
    key: str
    label: str
    item: int
    headers: list[str]
    rows: list[ListRow] = field(default_factory=list)

    @property
    def invalid_count(self) -> int:
        return sum(1 for r in self.rows if r.issues)


def _compact(text: str | None) -> str:
    return re.sub(r"[\W_]+", "", text or "").upper()


def _overlaps(a: list[float] | None, b: list[float] | None) -> bool:
    """Two bboxes share most of the smaller one's area (the same table row or cell)."""
    if not a or not b:
        return False
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width <= 0 or height <= 0:
        return False
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return smaller > 0 and width * height >= 0.5 * smaller


class _CandidateIndex:
    """The per-entry findings of one list, indexed so that matching many entries stays fast.

    A finding is about an entry if one of its evidence regions covers the entry's
    region (same file and page), or if its field, message or evidence text names
    the entry (its number, code or name, compared without spaces and punctuation).
    """

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        self._by_page: dict[tuple[str, int | None], list[tuple[int, Evidence, str]]] = {}
        haystacks = []
        for n, finding in enumerate(findings):
            for ev in finding.evidence:
                self._by_page.setdefault((ev.file, ev.page), []).append((n, ev, _compact(ev.text)))
            haystacks.append(_compact(" ".join([finding.field or "", finding.message, *(ev.text for ev in finding.evidence)])))
        self._text = "\x00".join(haystacks)
        self._starts = list(itertools.accumulate((len(h) + 1 for h in haystacks[:-1]), initial=0))

    def matches(self, keys: list[str], evidence: Evidence | None) -> list[Finding]:
        hits: set[int] = set()
        if evidence is not None:
            entry_text = _compact(evidence.text)
            for n, ev, ev_text in self._by_page.get((evidence.file, evidence.page), []):
                if _overlaps(ev.bbox, evidence.bbox) or (
                    ev.bbox is None and evidence.bbox is None and ev_text and ev_text == entry_text
                ):
                    hits.add(n)
        for key in keys:
            if len(key) < 4:
                continue  # too short to name an entry safely
            pos = self._text.find(key)
            while pos != -1:
                n = bisect.bisect_right(self._starts, pos) - 1
                hits.add(n)
                next_start = self._starts[n + 1] if n + 1 < len(self._starts) else len(self._text)
                pos = self._text.find(key, next_start)
        return [self.findings[n] for n in sorted(hits)]


def _findings_for_list(result: PacketResult, list_key: str) -> _CandidateIndex:
    item = LIST_ITEMS[list_key]
    return _CandidateIndex([
        f
        for f in result.findings
        if LIST_BY_CODE.get(f.code) == list_key
        or (f.item == item and f.code not in _PACKET_LEVEL_CODES and f.code not in LIST_BY_CODE and f.field is not None)
    ])


@dataclass(frozen=True)
class _Column:
    """One column of a list's table: its header, the entry's attribute, and the Chinese
    labels of its values (a list of values is joined with 、)."""

    header: str
    attr: str
    labels: dict[str, str] | None = None
    blank: str | None = ""  # what a missing value shows: "" for text, None (an empty cell) for a number

    def cell(self, entry) -> Any:
        value = getattr(entry, self.attr)
        if isinstance(value, list):
            return "、".join((self.labels or {}).get(v, v) for v in value)
        if value is None:
            return self.blank
        return self.labels.get(value, value) if self.labels else value


# each list's columns, and the attributes that name an entry in a finding's text
_LIST_COLUMNS: dict[str, tuple[list[_Column], tuple[str, ...]]] = {
    "key_enterprises": ([_Column("企业名称", "name"), _Column("统一社会信用代码", "uscc"),
                         _Column("荣誉资质", "honors", HONOR_LABELS)], ("name", "uscc")),
    "standards": ([_Column("标准号", "number"), _Column("标准名称", "title"), _Column("主持/参与", "role", ROLE_LABELS),
                   _Column("起草单位排名", "rank", blank=None), _Column("年份", "year", blank=None)], ("number",)),
    "patents": ([_Column("专利号", "number"), _Column("专利名称", "title"), _Column("专利权人", "holder"),
                 _Column("类型", "kind", PATENT_KIND_LABELS), _Column("授权日期", "grant_date")], ("number",)),
    "overseas_branches": ([_Column("机构名称", "name"), _Column("所在国家/地区", "country")], ("name",)),
    "service_platforms": ([_Column("平台名称", "name"), _Column("级别", "level")], ("name",)),
}


def list_tables(result: PacketResult) -> list[ListTable]:
    tables: list[ListTable] = []
    for key, (columns, key_attrs) in _LIST_COLUMNS.items():
        candidates = _findings_for_list(result, key)
        table = ListTable(key, LIST_LABELS[key], LIST_ITEMS[key], ["序号", *(c.header for c in columns)])
        for n, entry in enumerate(getattr(result.lists, key), start=1):
            entry_keys = [_compact(k) for k in (getattr(entry, a) for a in key_attrs) if k]
            issues = candidates.matches(entry_keys, entry.evidence)
            table.rows.append(ListRow([n, *(c.cell(entry) for c in columns)], entry.evidence, issues))
        tables.append(table)
    return tables


def verdict_label(status: str) -> str:
    return VERDICT_LABELS.get(status, status)


def evidence_to_crop(result: PacketResult) -> list[Evidence]:
    """The evidence the HTML report shows as images: findings and indicators (cover and list rows: text only)."""
    out: list[Evidence] = [ev for f in result.findings for ev in f.evidence]
    out.extend(ind.evidence for ind in result.indicators.values() if ind.evidence is not None)
    return out
