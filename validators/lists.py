"""Checks of the entries of the item-3, item-7 and item-8 lists, one entry at a time.

Identifiers are judged by `validators.identifiers`; duplicates by a key that ignores
how the applicant spaced or bracketed a name.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

from pipeline.core.result import Evidence, Finding, FindingCode, KeyEnterprise, Lists, PatentEntry
from validators.identifiers import (
    canonical_patent_number,
    patent_type,
    validate_patent_number,
    validate_standard_number,
    validate_uscc,
)
from pipeline.rounds.ruleset import Ruleset

ITEM_ENTERPRISES = 3
ITEM_STANDARDS = 7
ITEM_PATENTS = 8
MAX_EVIDENCE = 5

KIND_LABELS = {"invention": "发明", "utility": "实用新型", "design": "外观设计"}


def enterprise_name_key(name: str) -> str:
    """A name as compared for duplicates: NFKC (full-width → ASCII), no spaces, one bracket style."""
    text = unicodedata.normalize("NFKC", name)
    text = text.replace("〔", "(").replace("〕", ")").replace("【", "(").replace("】", ")")
    return re.sub(r"\s+", "", text)


def uscc_key(code: str | None) -> str:
    return re.sub(r"[\s-]+", "", unicodedata.normalize("NFKC", code or "")).upper()


def patent_key(number: str) -> str:
    """The number as compared for duplicates: prefix, spaces and a lost dot do not matter."""
    return canonical_patent_number(unicodedata.normalize("NFKC", number))


def effective_patent_kind(entry: PatentEntry, ruleset: Ruleset) -> str:
    """The kind a CNIPA number proves (its type digit) when the number is valid; else the listed kind."""
    if entry.kind in ruleset.consistency.numbered_patent_kinds and validate_patent_number(entry.number) is None:
        return patent_type(entry.number)
    return entry.kind


def _evidence(entries: list) -> list[Evidence]:
    return [e.evidence for e in entries[:MAX_EVIDENCE] if e.evidence is not None]


# --- item 3: key enterprises ------------------------------------------------------------------


def enterprise_groups(enterprises: list[KeyEnterprise]) -> list[list[KeyEnterprise]]:
    """Entries grouped as one enterprise: same normalised name or same USCC, in list order."""
    group_of_name: dict[str, int] = {}
    group_of_uscc: dict[str, int] = {}
    groups: list[list[KeyEnterprise]] = []
    for entry in enterprises:
        name, code = enterprise_name_key(entry.name), uscc_key(entry.uscc)
        index = group_of_name.get(name)
        if index is None and code:
            index = group_of_uscc.get(code)
        if index is None:
            index = len(groups)
            groups.append([])
        groups[index].append(entry)
        group_of_name.setdefault(name, index)
        if code:
            group_of_uscc.setdefault(code, index)
    return groups


def check_enterprises(enterprises: list[KeyEnterprise], ruleset: Ruleset) -> list[Finding]:
    """USCC_INVALID per failing code, ENTERPRISE_DUPLICATE per enterprise listed more than once."""
    findings: list[Finding] = []
    for entry in enterprises:
        if not entry.uscc:
            continue
        reason = validate_uscc(entry.uscc)
        if reason:
            findings.append(_entry_finding(ruleset, FindingCode.USCC_INVALID, ITEM_ENTERPRISES, entry,
                                           name=entry.name, uscc=entry.uscc, reason=reason))
    for group in enterprise_groups(enterprises):
        if len(group) < 2:
            continue
        first = group[0]
        same_name = all(enterprise_name_key(e.name) == enterprise_name_key(first.name) for e in group)
        if same_name:
            reason = f"名称相同，共出现{len(group)}次"
        else:
            names = "、".join(dict.fromkeys(f"“{e.name}”" for e in group))
            reason = f"统一社会信用代码{uscc_key(first.uscc) or uscc_key(group[1].uscc)}相同：{names}"
        findings.append(
            ruleset.finding(
                FindingCode.ENTERPRISE_DUPLICATE,
                item=ITEM_ENTERPRISES,
                evidence=_evidence(group),
                name=first.name,
                uscc=first.uscc or "",
                reason=reason,
            )
        )
    return findings


def _entry_finding(ruleset: Ruleset, code: FindingCode, item: int, entry, **fields) -> Finding:
    """A finding about one list entry; its evidence is the entry's row."""
    return ruleset.finding(code, item=item, evidence=_evidence([entry]), **fields)


def _number_invalid(code: FindingCode, item: int, entry, reason: str, ruleset: Ruleset) -> Finding:
    """A list entry whose number fails its scheme (a standard's or a patent's)."""
    return _entry_finding(ruleset, code, item, entry, number=entry.number, reason=reason, title=entry.title or "")


# --- item 7: standards ------------------------------------------------------------------------


def check_standards(lists: Lists, ruleset: Ruleset) -> list[Finding]:
    findings: list[Finding] = []
    for entry in lists.standards:
        reason = validate_standard_number(entry.number)
        if reason:
            findings.append(_number_invalid(FindingCode.STANDARD_NUMBER_INVALID, ITEM_STANDARDS, entry, reason, ruleset))
    return findings


# --- item 8: patents --------------------------------------------------------------------------


def check_patents(patents: list[PatentEntry], ruleset: Ruleset) -> list[Finding]:
    """PATENT_NUMBER_INVALID, PATENT_NOT_INVENTION per entry, then PATENT_DUPLICATE per repeated number.

    Numbers of 国防专利, 植物新品种 and the other non-CNIPA kinds follow their own
    schemes and are not checked.
    """
    findings: list[Finding] = []
    numbered = set(ruleset.consistency.numbered_patent_kinds)
    for entry in patents:
        if entry.kind not in numbered:
            continue
        reason = validate_patent_number(entry.number)
        if reason:
            findings.append(_number_invalid(FindingCode.PATENT_NUMBER_INVALID, ITEM_PATENTS, entry, reason, ruleset))
        kind = effective_patent_kind(entry, ruleset)
        if kind in ruleset.consistency.non_invention_kinds:
            findings.append(_entry_finding(ruleset, FindingCode.PATENT_NOT_INVENTION, ITEM_PATENTS, entry,
                                           number=entry.number, kind=kind, kind_label=KIND_LABELS.get(kind, kind),
                                           title=entry.title or ""))
    by_number: dict[str, list[PatentEntry]] = defaultdict(list)
    for entry in patents:
        if entry.number.strip():
            by_number[patent_key(entry.number)].append(entry)
    for entries in by_number.values():
        if len(entries) > 1:
            findings.append(
                ruleset.finding(
                    FindingCode.PATENT_DUPLICATE,
                    item=ITEM_PATENTS,
                    evidence=_evidence(entries),
                    number=entries[0].number,
                    times=len(entries),
                    title=entries[0].title or "",
                )
            )
    return findings


def check_lists(lists: Lists, ruleset: Ruleset) -> list[Finding]:
    """All entry checks, in item order (3, 7, 8)."""
    return (
        check_enterprises(lists.key_enterprises, ruleset)
        + check_standards(lists, ruleset)
        + check_patents(lists.patents, ruleset)
    )
