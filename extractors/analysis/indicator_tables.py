"""Indicators in grids: label/value tables (merged cells repeated), forms with several
label/value pairs a row, year columns or year rows, and OCR'd tables read as lines.

A label's value is the first cell after it that reads as the indicator's kind, else the
latest year's, else the cell below. A label that joins two indicators of different
kinds ("有效发明专利数量及年均增长率 | 34件，年均增长24.3%") gives both.
"""

from __future__ import annotations

import re

from extractors.analysis import nlp, numbers
from extractors.analysis.indicator_labels import (
    VALUE_LABELS,
    Candidate,
    classify_compound,
    classify_label,
    not_the_cluster,
    parse_value,
)
from extractors.analysis.indicator_prose import TextPiece, prose_candidates
from extractors.analysis.tables import GridCell
from pipeline.core.document import Line
from pipeline.core.result import Evidence

def cell_label(text: str) -> str | None:
    """The indicator a cell names as a label; a cell that opens with a value ("34件，年均增长24.3%")
    is a value cell, whatever words follow the value."""
    found = [s for s in nlp.analyse(text).ents if s.label_ in VALUE_LABELS.values()]
    if found and not re.search(r"[\u4e00-\u9fffA-Za-z]", text[: found[0].start_char].replace("约", "").replace("近", "")):
        return None
    return classify_label(text)


_YEAR_CELL = re.compile(r"^\s*((?:19|20)\d{2})\s*(?:年度?)?\s*$")
_UNIT_NOTE = re.compile(r"^\s*[(（]?\s*(?:计量)?单位\s*[:：]")
_LEADING_YEAR = re.compile(r"^\s*(?:19|20)\d{2}\s*年?度?\s*[:：]?")

def _distinct_after(row: list[GridCell], col: int) -> list[GridCell]:
    """Cells right of `col`, merged repeats of the label (and of each other) collapsed."""
    out: list[GridCell] = []
    label = row[col].text.strip()
    last = label
    for cell in row[col + 1 :]:
        text = cell.text.strip()
        if text == last and text:
            continue
        last = text
        out.append(cell)
    return out


def _cells_until_next_label(row: list[GridCell], col: int) -> list[GridCell]:
    """Non-empty cells right of a label, stopping at the next label (a form with two pairs a row)."""
    out: list[GridCell] = []
    for cell in _distinct_after(row, col):
        if not cell.text.strip():
            continue
        if cell_label(cell.text) is not None:
            break
        out.append(cell)
    return out


def _year_columns(row: list[GridCell]) -> dict[int, str]:
    cols = {}
    for cell in row:
        match = _YEAR_CELL.match(nlp.fold_width(cell.text))
        if match:
            cols[cell.col] = match.group(1)
    return cols if len(cols) >= 2 else {}


def _cell_evidence(label: GridCell, value: GridCell | None, text: str | None = None) -> Evidence:
    shown = text if text is not None else f"{label.text.strip()}：{value.text.strip() if value else ''}"
    return Evidence.from_prov((value or label).prov, shown)


def table_candidates(rows: list[list[GridCell]], order_base: int, notes: list[str], default_years: list[str]) -> list[Candidate]:
    """Label/value pairs of a grid: value to the right of its label, else below it."""
    out: list[Candidate] = []
    # a "单位：万元、%、家" row inside the table governs its bare numbers like a note above it
    notes = notes + [cell.text for row in rows for cell in row[:1] if _UNIT_NOTE.match(nlp.fold_width(cell.text))]
    year_cols: dict[int, str] = {}
    recent_years: list[str] = []  # the last year header seen, for a values row that sits under a label row
    header_row: list[GridCell] = rows[0] if rows else []
    for r, row in enumerate(rows):
        found_years = _year_columns(row)
        if found_years:
            year_cols = found_years
            recent_years = sorted(found_years.values())
            header_row = row
            out.extend(_year_row_labels(rows, r, year_cols, notes, order_base + r * 100))
            continue
        if year_cols and not all(_numberish(x.text) for x in row if x.col in year_cols and x.text.strip()):
            year_cols = {}  # the year header no longer governs these rows
        seen_labels: set[str] = set()
        for c, cell in enumerate(row):
            text = cell.text.strip()
            if not text or text in seen_labels:
                continue
            order = order_base + r * 100 + c
            # a whole sentence in one cell: read as prose
            # (not the value cell of a label on its left: "有效发明专利数量及年均增长率 | 34件，年均增长24.3%")
            left = next((x.text for x in reversed(row[:c]) if x.text.strip() and x.text.strip() != text), "")
            if (any(s.label_ in VALUE_LABELS.values() for s in nlp.analyse(text).ents) and len(text) > 8
                    and not (left and classify_compound(left))):
                piece = TextPiece(text, [(0, Line(text=text, prov=cell.prov))])
                out.extend(prose_candidates(piece, order, default_years))
                seen_labels.add(text)
                continue
            keys = classify_compound(text)  # one indicator, or two a joined label names
            if not keys or not_the_cluster(text):
                continue  # "2022年1-6月产值", "全省集群平均增速": a label that is not the cluster's
            seen_labels.add(text)
            header_text = next((h.text for h in header_row if h.col == cell.col), "") if header_row is not row else ""
            hints = [text, header_text, *notes]
            rest = [x for x in _distinct_after(row, c) if cell_label(x.text) is None]
            hints += [x.text for x in rest if not re.search(r"\d", x.text)]
            for key in keys:
                if key == "output_yi_by_year":
                    mapping, evidence = _table_output(rows, r, c, rest, year_cols, hints, recent_years or default_years)
                    if mapping:
                        out.append(Candidate(key, mapping, evidence, order))
                    continue
                if year_cols:
                    in_years = [x for x in row if x.col in year_cols and x.text.strip()]
                    parsed = [(year_cols[x.col], x, parse_value(key, x.text, hints)) for x in in_years]
                    parsed = [p for p in parsed if p[2] is not None]
                    if len(parsed) >= 2:  # one value a year: the latest year's
                        _, latest, value = max(parsed, key=lambda p: p[0])
                        out.append(Candidate(key, value, _cell_evidence(cell, latest), order))
                        continue
                # the value is the first cell up to the next label that reads as one: a unit column
                # (序号 | 指标 | 单位 | 数值) only adds to the hints
                value_cell, value = None, None
                for x in _cells_until_next_label(row, c):
                    parsed = parse_value(key, x.text, hints)
                    if parsed is not None:
                        value_cell, value = x, parsed
                        break
                if value is None:
                    by_year_row = _latest_year_row_value(rows, r, cell.col, key, hints)
                    if by_year_row is not None:
                        value_cell, value = by_year_row
                if value is None:
                    below = _cell_below(rows, r, cell.col)
                    if below is not None and cell_label(below.text) is None:
                        value_cell, value = below, parse_value(key, below.text, hints)
                if value is not None and value_cell is not None:
                    out.append(Candidate(key, value, _cell_evidence(cell, value_cell), order))
    return out


_UNIT_WORDS = re.compile(r"亿元|万元|元|平方公里|平方千米|公顷|亩|万人|人|家|个|件|项|%|km2|约|近|超|逾|\s")


def _numberish(text: str) -> bool:
    """A cell holding a number (with units or qualifiers), not a label."""
    stripped = _UNIT_WORDS.sub("", nlp.fold_width(text))
    return bool(re.fullmatch(r"[-+]?[\d,]+(?:\.\d+)?", stripped)) or bool(re.fullmatch(r"[零〇一二两三四五六七八九十百千点]+", stripped))


def _year_row_labels(rows, r, year_cols, notes, order) -> list[Candidate]:
    """A label sharing the row with the year headers: its values are in the next row, under the years."""
    out: list[Candidate] = []
    if r + 1 >= len(rows):
        return out
    below = {x.col: x for x in rows[r + 1]}
    for cell in rows[r]:
        if cell.col in year_cols:
            continue
        key = classify_label(cell.text)
        if key is None:
            continue
        hints = [cell.text, *notes]
        values = {year_cols[c]: (x, parse_value(key, x.text, hints)) for c, x in below.items() if c in year_cols}
        values = {y: v for y, v in values.items() if v[1] is not None}
        if not values:
            continue
        first_cell = next(iter(values.values()))[0]
        if key == "output_yi_by_year":
            out.append(Candidate(key, {y: v for y, (_, v) in sorted(values.items())}, _cell_evidence(cell, first_cell), order + cell.col))
        else:
            latest = max(values)
            out.append(Candidate(key, values[latest][1], _cell_evidence(cell, values[latest][0]), order + cell.col))
    return out


def _latest_year_row_value(rows, r: int, col: int, key: str, hints: list[str]) -> tuple[GridCell, float] | None:
    """A label heading a column whose rows below each start with a year (年份 | 研发… | 专利…):
    the latest year's value, as the indicator asks for the current state."""
    found: dict[str, tuple[GridCell, float]] = {}
    for below in rows[r + 1 :]:
        year = next((m.group(1) for x in below if x.col != col and (m := _YEAR_CELL.match(nlp.fold_width(x.text)))), None)
        value_cell = next((x for x in below if x.col == col), None)
        if year is None or value_cell is None:
            break
        value = parse_value(key, value_cell.text, hints)
        if value is not None:
            found[year] = (value_cell, value)
    return found[max(found)] if len(found) >= 2 else None


def _cell_below(rows: list[list[GridCell]], r: int, col: int) -> GridCell | None:
    if r + 1 >= len(rows):
        return None
    return next((x for x in rows[r + 1] if x.col == col), None)


def _table_output(rows, r, c, rest, year_cols, hints, default_years):
    """The by-year output next to an output label: year columns, pairs in the row, a year in the label, or rows below."""
    label = rows[r][c]
    mapping: dict[str, float] = {}
    evidence_cell = None
    label_years = [str(y) for y in nlp.years_in(label.text)]
    if year_cols:
        for cell in rows[r]:
            if cell.col in year_cols and cell.col != label.col:
                value = parse_value("output_yi_by_year", cell.text, hints)
                if value is not None:
                    mapping.setdefault(year_cols[cell.col], value)
                    evidence_cell = evidence_cell or cell
    if not mapping and rest:
        pending_year: str | None = None
        bare: list[tuple[float, GridCell]] = []
        for cell in rest:
            year_match = _YEAR_CELL.match(nlp.fold_width(cell.text))
            if year_match:
                pending_year = year_match.group(1)
                continue
            inline = nlp.years_in(cell.text)
            value = parse_value("output_yi_by_year", cell.text, hints)
            if value is None and inline:  # "2019年：36.7" – the year names the value, it is not one
                value = parse_value("output_yi_by_year", _LEADING_YEAR.sub("", nlp.fold_width(cell.text), count=1), hints)
            if value is None:
                continue
            evidence_cell = evidence_cell or cell
            if inline:
                mapping[str(inline[0])] = value
            elif pending_year:
                mapping[pending_year] = value
                pending_year = None
            else:
                bare.append((value, cell))
            several = numbers.find_money_yi(cell.text)
            if len(several) > 1:
                years = [str(y) for y in nlp.years_in(cell.text)] or label_years or default_years
                if len(years) == len(several):
                    mapping = {y: v for y, (v, _) in zip(years, several)}
                    break
        if not mapping and bare:
            years = label_years if len(label_years) == len(bare) else default_years if len(bare) == len(default_years) else []
            if len(bare) == 1 and len(label_years) == 1:
                years = label_years
            mapping = {y: v for y, (v, _) in zip(years, bare)}
    if mapping and len(mapping) < 3:
        # "集群产值 | 2019 | 45.2" with the next years in the rows below, their label cell empty or merged
        for below in rows[r + 1 :]:
            head = next((x for x in below if x.col == label.col), None)
            if head is None or head.text.strip() not in ("", label.text.strip()):
                break
            after = [x for x in below if x.col > label.col and x.text.strip()]
            year_match = _YEAR_CELL.match(nlp.fold_width(after[0].text)) if len(after) == 2 else None
            value = parse_value("output_yi_by_year", after[1].text, hints) if year_match else None
            if value is None:
                break
            mapping.setdefault(year_match.group(1), value)
    if not mapping:
        # vertical: the label heads a column, rows below start with a year
        for below in rows[r + 1 :]:
            year = next((_YEAR_CELL.match(nlp.fold_width(x.text)) for x in below if _YEAR_CELL.match(nlp.fold_width(x.text))), None)
            value_cell = next((x for x in below if x.col == label.col), None)
            if year is None or value_cell is None:
                continue
            value = parse_value("output_yi_by_year", value_cell.text, hints)
            if value is not None:
                mapping[year.group(1)] = value
                evidence_cell = evidence_cell or value_cell
    if not mapping and r + 1 < len(rows):
        # a scanned table: the label row holds no value, the next row holds one value a year
        below = [(x, parse_value("output_yi_by_year", x.text, hints)) for x in rows[r + 1] if x.text.strip()]
        if len(below) == len(default_years) and all(v is not None for _, v in below):
            mapping = {year: value for year, (_, value) in zip(default_years, below)}
            evidence_cell = below[0][0]
    if not mapping:
        return {}, None
    return mapping, _cell_evidence(label, evidence_cell)


