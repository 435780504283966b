"""Completeness: are the 20 items there, with substance, in order, with a 目录 and a cover?"""

from __future__ import annotations

from pipeline.core.document import Line
from pipeline.core.result import CANONICAL_TITLES, Evidence, Finding, FindingCode, Severity
from extractors.analysis.sections import LocatedBlock, SectionIndex, SectionSpan, TocEntry

COVER_FIELDS_REQUIRED: dict[str, str] = {
    "cluster_name": "集群名称",
    "region": "所在地区",
    "leading_industry": "主导产业",
    "fill_date": "填报日期",
}


def _item_name(item: int) -> str:
    return f"第{item}项“{CANONICAL_TITLES[item]}”"


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


def _where(span: SectionSpan) -> str:
    return f"文件“{span.file}”第{span.first_page}页"


def missing_sections(index: SectionIndex) -> list[Finding]:
    toc_by_item = {e.item: e for e in index.toc}
    out = []
    for span in index.sections:
        if span.present:
            continue
        entry = toc_by_item.get(span.item)
        hint = (
            f"目录中列有该项（第{entry.page}页），但正文中未找到对应标题或文件"
            if entry is not None and entry.page is not None
            else ("目录中列有该项，但正文中未找到对应标题或文件" if entry is not None else "正文和文件名中均未找到该项")
        )
        out.append(
            Finding(
                code=FindingCode.SECTION_MISSING,
                severity=Severity.ERROR,
                item=span.item,
                message=f"申报材料缺少{_item_name(span.item)}：{hint}，请补充该项材料。",
                evidence=[_toc_evidence(entry)] if entry is not None else [],
            )
        )
    return out


def empty_sections(index: SectionIndex) -> list[Finding]:
    return [
        Finding(
            code=FindingCode.SECTION_EMPTY,
            severity=Severity.ERROR,
            item=span.item,
            message=f"{_item_name(span.item)}在{_where(span)}有标题，但其后没有实质内容，请补充该项材料。",
            evidence=_span_evidence(span),
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


def order_findings(index: SectionIndex) -> list[Finding]:
    moved = out_of_order_items(index.order)
    if not moved:
        return []
    names = "、".join(_item_name(item) for item in moved)
    evidence = [e for item in moved for e in _span_evidence(index.section(item))][:5]
    return [
        Finding(
            code=FindingCode.SECTION_ORDER,
            severity=Severity.WARNING,
            message=f"申报材料未按规定顺序排列：{names}的位置与规定顺序不符，请按第1至20项的顺序装订。",
            evidence=evidence,
        )
    ]


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


def toc_findings(index: SectionIndex) -> list[Finding]:
    if not index.toc_found:
        return [
            Finding(
                code=FindingCode.TOC_MISSING,
                severity=Severity.WARNING,
                message="申报材料中未找到目录：请在封面之后按第1至20项添加目录，并标注页码。",
            )
        ]
    return [
        Finding(
            code=FindingCode.TOC_PAGE_MISMATCH,
            severity=Severity.WARNING,
            item=entry.item,
            message=(
                f"目录中{_item_name(entry.item)}标注的页码为第{entry.page}页，"
                f"但该项实际从{_where(span)}开始，请更正目录页码。"
            ),
            evidence=[_toc_evidence(entry)] + _span_evidence(span),
        )
        for entry, span in toc_mismatches(index)
    ]


def cover_findings(index: SectionIndex) -> list[Finding]:
    out = []
    for key, label in COVER_FIELDS_REQUIRED.items():
        if getattr(index.cover, key) is not None:
            continue
        out.append(
            Finding(
                code=FindingCode.COVER_FIELD_MISSING,
                severity=Severity.WARNING,
                field=key,
                message=f"封面和申报表中均未找到“{label}”的填写内容，请在封面上补填。",
            )
        )
    return out


def check_completeness(index: SectionIndex) -> list[Finding]:
    """SECTION_MISSING/EMPTY/ORDER, TOC_MISSING/PAGE_MISMATCH and COVER_FIELD_MISSING findings."""
    return (
        missing_sections(index)
        + empty_sections(index)
        + order_findings(index)
        + toc_findings(index)
        + cover_findings(index)
    )
