"""Completeness: are the 20 items there, with substance, in order, with a 目录 and a cover?"""

from __future__ import annotations

from pipeline.core.document import Line
from extractors.analysis.spans import LocatedBlock, SectionIndex, SectionSpan, TocEntry
from pipeline.core.result import Evidence, Finding, FindingCode
from pipeline.rounds.ruleset import Ruleset


def _block_evidence(located: LocatedBlock) -> Evidence:
    block = located.block
    if isinstance(block, Line):
        return Evidence.from_prov(block.prov, block.text)
    first_row = " ".join(text for text in (block.text_rows() or [[]])[0] if text)
    return Evidence.from_prov(block.prov, block.name or first_row)


def _span_evidence(span: SectionSpan) -> list[Evidence]:
    if span.heading is not None:
        return [_block_evidence(span.heading)]
    if span.file is not None:
        return [Evidence.for_file(span.file, span.title, page=span.first_page)]
    return []


def _toc_evidence(entry: TocEntry) -> Evidence:
    return Evidence.from_prov(entry.line.prov, entry.text)


def _where(span: SectionSpan, ruleset: Ruleset) -> str:
    return ruleset.completeness.where.format(file=span.file, page=span.first_page)


def _missing_hint(entry: TocEntry | None, ruleset: Ruleset) -> str:
    hints = ruleset.completeness.missing_hints
    if entry is None:
        return hints.nowhere
    return hints.toc_with_page.format(toc_page=entry.page) if entry.page is not None else hints.toc


def missing_sections(index: SectionIndex, ruleset: Ruleset) -> list[Finding]:
    toc_by_item = {e.item: e for e in index.toc}
    out = []
    for span in index.sections:
        if span.present:
            continue
        entry = toc_by_item.get(span.item)
        out.append(
            ruleset.finding(
                FindingCode.SECTION_MISSING,
                item=span.item,
                evidence=[_toc_evidence(entry)] if entry is not None else [],
                title=span.title,
                hint=_missing_hint(entry, ruleset),
            )
        )
    return out


def empty_sections(index: SectionIndex, ruleset: Ruleset) -> list[Finding]:
    return [
        ruleset.finding(
            FindingCode.SECTION_EMPTY, item=span.item, evidence=_span_evidence(span),
            title=span.title, where=_where(span, ruleset),
        )
        for span in index.sections
        if span.present and span.empty
    ]


def out_of_order_items(order: list[int]) -> list[int]:
    """Items outside one longest increasing run of the packet order: the ones that moved."""
    if not order:
        return []
    best_len = [1] * len(order)
    previous = [-1] * len(order)
    for i in range(len(order)):
        for j in range(i):
            if order[j] < order[i] and best_len[j] + 1 > best_len[i]:
                best_len[i], previous[i] = best_len[j] + 1, j
    end = max(range(len(order)), key=lambda i: best_len[i])
    kept = set()
    while end != -1:
        kept.add(order[end])
        end = previous[end]
    return [item for item in order if item not in kept]


def order_findings(index: SectionIndex, ruleset: Ruleset) -> list[Finding]:
    moved = out_of_order_items(index.order)
    if not moved:
        return []
    names = "、".join(f"第{item}项“{ruleset.item_title(item)}”" for item in moved)
    evidence = [e for item in moved for e in _span_evidence(index.section(item))][:5]
    order = "、".join(str(item) for item in index.order)
    return [ruleset.finding(FindingCode.SECTION_ORDER, evidence=evidence, names=names, order=order, count=len(ruleset.items))]


def toc_mismatches(index: SectionIndex) -> list[tuple[TocEntry, SectionSpan]]:
    """目录 entries whose page disagrees with where their item starts.

    Entries for items in the 目录's own file are compared with physical pages, shifted
    by the offset most entries share (printed page numbers that skip the cover).
    In a folder packet the 目录 may give each item's page within its own file; those
    entries are compared only when most of them agree with that reading, so a 目录
    numbered across the bound volume is not flagged entry by entry.
    """
    same_file: list[tuple[TocEntry, SectionSpan]] = []
    other_file: list[tuple[TocEntry, SectionSpan]] = []
    for entry in index.toc:
        span = index.section(entry.item)
        if entry.page is None or not span.present or span.first_page is None:
            continue
        (same_file if span.file == index.toc_file else other_file).append((entry, span))
    wrong = [(e, s) for e, s in same_file if e.page + index.toc_offset != s.first_page]  # type: ignore[operator]
    agreeing = sum(1 for e, s in other_file if e.page == s.first_page)
    if len(other_file) >= 2 and agreeing * 2 > len(other_file):
        wrong += [(e, s) for e, s in other_file if e.page != s.first_page]
    return sorted(wrong, key=lambda pair: pair[0].item)


def toc_findings(index: SectionIndex, ruleset: Ruleset) -> list[Finding]:
    if not index.toc_found:
        return [ruleset.finding(FindingCode.TOC_MISSING, count=len(ruleset.items))]
    return [
        ruleset.finding(
            FindingCode.TOC_PAGE_MISMATCH,
            item=entry.item,
            evidence=[_toc_evidence(entry)] + _span_evidence(span),
            title=span.title, toc_page=entry.page, actual_page=span.first_page, where=_where(span, ruleset),
        )
        for entry, span in toc_mismatches(index)
    ]


def cover_findings(index: SectionIndex, ruleset: Ruleset) -> list[Finding]:
    return [
        ruleset.finding(FindingCode.COVER_FIELD_MISSING, field=key, label=label)
        for key, label in ruleset.completeness.cover_fields.items()
        if getattr(index.cover, key) is None
    ]


def check_completeness(index: SectionIndex, ruleset: Ruleset) -> list[Finding]:
    """SECTION_MISSING/EMPTY/ORDER, TOC_MISSING/PAGE_MISMATCH and COVER_FIELD_MISSING, worded by the round."""
    return (
        missing_sections(index, ruleset)
        + empty_sections(index, ruleset)
        + order_findings(index, ruleset)
        + toc_findings(index, ruleset)
        + cover_findings(index, ruleset)
    )
