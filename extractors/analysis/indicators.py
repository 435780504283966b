"""The 16 quantitative indicators of item 1 (申报表), found by meaning.

Item 1 comes as a label/value table (merged cells repeated), a form with several
label/value pairs a row, a table read by OCR (lines with tab-separated columns), or
prose. Labels are classified by the round's indicator catalogue (`indicator_labels`),
grids are read by `indicator_tables`, running text by `indicator_prose`; this module
gathers item 1's blocks, collects the candidates in reading order and chooses one
value per indicator. A value that is not written stays None.
"""

from __future__ import annotations

import re

from extractors.analysis.indicator_labels import Candidate, classify_label, using_catalogue
from extractors.analysis.indicator_prose import join_lines, prose_candidates
from extractors.analysis.indicator_tables import table_candidates
from extractors.analysis.ocr_corrections import corrected_block
from extractors.analysis.spans import LocatedBlock, SectionIndex
from extractors.analysis.tables import GridCell, line_rows, table_grid
from pipeline.core.document import Line, SourceDocument, Table
from pipeline.core.result import INDICATOR_KEYS, Indicator, empty_indicators
from pipeline.rounds.ruleset import Ruleset, choose_ruleset

def _default_years(index: SectionIndex) -> list[str]:
    """近三年 of the round: the three years before the 填报日期 (2019–2021 for 2022)."""
    fill = index.cover.fill_date if index.cover else None
    year = int(fill[:4]) if fill and re.match(r"\d{4}", fill) else 2022
    return [str(year - 3), str(year - 2), str(year - 1)]


def _blocks_for_indicators(index: SectionIndex, docs: list[SourceDocument]) -> list[LocatedBlock]:
    """Item 1's blocks, then those of a 申报表 sent as its own file ("附件1 申报表.xlsx") while the
    body only refers to it; the whole packet when item 1 is not found."""
    span = index.section(1)
    if span.present and span.blocks:
        attached = [
            LocatedBlock(doc=doc, page=page, block=block)
            for doc in docs
            if doc.name != span.file and index.titles.file_item(doc.name) == 1
            for page, block in doc.iter_blocks()
        ]
        return ([span.heading] if span.heading else []) + list(span.blocks) + attached
    return [LocatedBlock(doc=doc, page=page, block=block) for doc in docs for page, block in doc.iter_blocks()]


def candidates_from_blocks(blocks: list[LocatedBlock], default_years: list[str]) -> list[Candidate]:
    """Every labelled value in reading order, from tables, tab-separated lines and prose."""
    out: list[Candidate] = []
    pending_lines: list[Line] = []
    notes: list[str] = []

    def flush(order: int) -> None:
        if not pending_lines:
            return
        for group_is_table, group in join_broken_labels(line_rows(pending_lines)):
            if group_is_table:
                out.extend(table_candidates(group, order, notes[-3:], default_years))
            else:
                out.extend(prose_candidates(join_lines(group), order, default_years))
            order += 10_000
        pending_lines.clear()

    for position, located in enumerate(blocks):
        order = position * 1_000_000
        block = corrected_block(located.block)
        if isinstance(block, Table):
            flush(order)
            out.extend(table_candidates(table_grid(block), order, notes[-3:] + ([block.name] if block.name else []), default_years))
        else:
            if "单位" in block.text:
                notes.append(block.text)
            if pending_lines and pending_lines[-1].prov.page != block.prov.page:
                flush(order)
            pending_lines.append(block)
    flush(len(blocks) * 1_000_000)
    return out


def join_broken_labels(groups: list[tuple[bool, list]]) -> list[tuple[bool, list]]:
    """A short label line just above a scanned table row ("中小企业产值占集群总" / "产值比重\t80.8%")
    belongs to that row's first cell."""
    out: list[tuple[bool, list]] = []
    for tabular, group in groups:
        if tabular and out and not out[-1][0] and group and group[0]:
            last = out[-1][1][-1]
            first = group[0][0]
            joined = last.text.strip() + first.text.strip()
            if len(last.text.strip()) <= 15 and not re.search(r"\d", last.text) and classify_label(joined) not in (None, classify_label(first.text)):
                group = [[GridCell(joined, first.row, first.col, first.prov), *group[0][1:]], *group[1:]]
                out[-1][1].pop()
                if not out[-1][1]:
                    out.pop()
        out.append((tabular, group))
    return out


def choose(candidates: list[Candidate]) -> dict[str, Indicator]:
    """First written value per key; by-year output merged over candidates, first per year."""
    result = empty_indicators()
    ordered = sorted(candidates, key=lambda c: (not c.annual, c.order))  # a yearly rate before a total one
    for key in INDICATOR_KEYS:
        mine = [c for c in ordered if c.key == key]
        if not mine:
            continue
        if key == "output_yi_by_year":
            best = max(mine, key=lambda c: (len(c.value), -c.order))
            merged = dict(best.value)
            for c in mine:
                for year, value in c.value.items():
                    merged.setdefault(year, value)
            result[key] = Indicator(value=dict(sorted(merged.items())), evidence=best.evidence)
        else:
            result[key] = Indicator(value=mine[0].value, evidence=mine[0].evidence)
    return result


def extract_indicators(index: SectionIndex, docs: list[SourceDocument], ruleset: Ruleset | None = None) -> dict[str, Indicator]:
    """The 16 indicators, from item 1 (or the whole packet when item 1 is not found), read with
    the indicator catalogue of `ruleset` (by default the round the cover's 填报日期 falls in)."""
    ruleset = ruleset or choose_ruleset(None, index.cover)
    blocks = _blocks_for_indicators(index, docs)
    with using_catalogue(ruleset.indicator_catalogue):
        return choose(candidates_from_blocks(blocks, _default_years(index)))


