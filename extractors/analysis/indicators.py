"""The 16 quantitative indicators of item 1 (申报表), found by meaning.

Item 1 comes as a label/value table (merged cells repeated), a form with several
label/value pairs a row, a table read by OCR (lines with tab-separated columns), or
prose ("2019—2021年集群产值分别为45.2亿元、51.8亿元和58.9亿元，年均增长14.2%").
Labels are classified by keyword rules (fuzzy for OCR noise) and a value must be of
the kind the indicator needs (money, %, count, area): that keeps "有效发明专利年均增长率"
from being read as "有效发明专利". A value that is not written stays None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from rapidfuzz import fuzz

from extractors.analysis import nlp, numbers
from extractors.analysis.tables import GridCell, line_rows, table_grid
from pipeline.core.document import Line, SourceDocument, Table
from pipeline.core.result import INDICATOR_KEYS, Evidence, Indicator, empty_indicators
from extractors.analysis.spans import LocatedBlock, SectionIndex


@dataclass(frozen=True)
class LabelRule:
    key: str
    kind: str  # "money" | "pct" | "count" | "area"
    all_of: tuple[tuple[str, ...], ...]  # every group must have one keyword in the label
    none_of: tuple[str, ...] = ()


GROWTH = ("增长", "增速", "增幅", "增长率", "年均")
SHARE = ("占", "比重", "比例", "占比")
OUTPUT_WORDS = ("产值", "营业收入", "营收", "主营业务收入", "销售收入", "工业总产值")

# In priority order: the first rule whose keywords all appear decides.
LABEL_RULES: tuple[LabelRule, ...] = (
    # "有效发明" names the patents too when OCR garbles "专利" ("有效发明云利年均增长率")
    LabelRule("patents_per_10k", "count", (("每万", "万人", "万名"), ("专利", "有效发明"))),
    LabelRule("patent_growth_pct", "pct", (("专利", "有效发明"), GROWTH)),
    LabelRule("valid_invention_patents", "count", (("发明专利", "专利", "有效发明"),), ("增长", "增速", "年均", "每万")),
    LabelRule("rd_growth_pct", "pct", (("研发", "R&D", "研究与试验发展", "研究开发"),)),
    LabelRule("industrial_internet_pct", "pct", (("工业互联网", "互联网平台"),)),
    LabelRule("sme_output_share_pct", "pct", (("中小企业",), SHARE)),
    LabelRule("leading_industry_share_pct", "pct", (("主导产业", "主导"), SHARE)),
    LabelRule("output_growth_pct", "pct", (GROWTH,)),
    LabelRule("employees", "count", (("从业人员", "从业人数", "就业人数", "就业人员", "职工", "员工", "用工"),), ("每万",)),
    LabelRule("area_km2", "area", (("面积", "占地"),), ("建筑面积",)),
    # "制造业单项" alone names it when OCR garbles "冠军" ("制造业单项过守企业", "…迁车企业")
    LabelRule("champion_count", "count", (("单项冠军", "冠军", "制造业单项"),)),
    LabelRule("little_giant_count", "count", (("小巨人",),)),
    LabelRule("specialized_sme_count", "count", (("专精特新",),), ("小巨人",)),
    LabelRule("innovative_sme_count", "count", (("创新型中小企业", "创新型企业", "创新型"),)),
    LabelRule("high_tech_count", "count", (("高新技术企业", "高新技术", "高企"),)),
    LabelRule("output_yi_by_year", "money", (OUTPUT_WORDS,), ("中小企业", "主导产业", "研发", "占", "比重", "增长", "增速", "年均增")),
)
RULE_BY_KEY = {rule.key: rule for rule in LABEL_RULES}
VALUE_LABELS = {"money": "MONEY", "pct": "PERCENT", "count": "COUNT", "area": "AREA"}
SUBJECTS_OF_GROWTH = (("研发", "rd_growth_pct"), ("专利", "patent_growth_pct")) + tuple((w, "output_growth_pct") for w in OUTPUT_WORDS)
_YEAR_CELL = re.compile(r"^\s*((?:19|20)\d{2})\s*(?:年度?)?\s*$")
SHARE_KEYS = frozenset({"sme_output_share_pct", "leading_industry_share_pct"})
GROWTH_KEYS = frozenset({"output_growth_pct", "rd_growth_pct", "patent_growth_pct"})
_ANNUAL = re.compile(r"年均|平均|每年|复合")
_YEAR_ON_YEAR = re.compile(r"同比|环比|较上年|比上年|较去年|比去年|较上一年")
_FROM_TO = re.compile(r"^\s*(?:增长|增加|提高|提升|上升|扩大|跃升|攀升)?\s*(?:到|至)了?\s*$|^\s*增至\s*$")
SUB_SUBJECTS = ("中小企业", "主导产业", "研发")
_UNIT_NOTE = re.compile(r"^\s*[(（]?\s*(?:计量)?单位\s*[:：]")
_LEADING_YEAR = re.compile(r"^\s*(?:19|20)\d{2}\s*年?度?\s*[:：]?")
_SENTENCE_END = re.compile(r"[。；;！!？?\n]")
_QUOTES = re.compile(r"[“”\"'‘’「」\s]")


def label_text(text: str) -> str:
    """Label as compared: width-folded, without blanks and quotes (OCR spaces CJK apart)."""
    return _QUOTES.sub("", nlp.fold_width(text))


def has_keyword(text: str, keyword: str) -> bool:
    """Exact containment, or for longer keywords a near match (one OCR-garbled character)."""
    if keyword in text:
        return True
    return len(keyword) >= 4 and len(text) >= len(keyword) and fuzz.partial_ratio(keyword, text) >= 75


def classify_label(text: str, kind: str | None = None) -> str | None:
    """Indicator key a label names (optionally only keys whose value is of `kind`)."""
    cleaned = label_text(text)
    if not cleaned:
        return None
    for rule in LABEL_RULES:
        if kind is not None and rule.kind != kind:
            continue
        if any(has_keyword(cleaned, word) for word in rule.none_of):
            continue
        if all(any(has_keyword(cleaned, word) for word in group) for group in rule.all_of):
            return rule.key
    return None


@dataclass
class Candidate:
    key: str
    value: float | dict[str, float]
    evidence: Evidence
    order: int  # reading order, for "first written wins"
    annual: bool = True  # a growth rate said to be yearly (年均); "较2019年增长35.6%" is not


# --------------------------------------------------------------------------- units and values


def money_unit_hint(texts: Iterable[str]) -> str | None:
    """"亿元"/"万元"/"元" named in a label, header or 单位 note."""
    for text in texts:
        folded = nlp.fold_width(text)
        for unit in ("亿元", "万元"):
            if unit in folded:
                return unit
        if re.search(r"单位[:：]?\s*元|（元）|\(元\)", folded):
            return "元"
    return None


def area_unit_hint(texts: Iterable[str]) -> str | None:
    for text in texts:
        folded = nlp.fold_width(text).lower()
        for unit in ("平方公里", "平方千米", "km2", "km²", "公顷", "平方米", "亩"):
            if unit in folded:
                return "km2" if unit == "km²" else unit
    return None


def parse_value(key: str, text: str, hints: list[str]) -> float | None:
    """A value cell read as the indicator needs it; a bare number takes the unit from `hints`."""
    kind = RULE_BY_KEY[key].kind
    if kind == "money":
        return numbers.parse_money_yi(text, default_unit=money_unit_hint(hints) or "亿元")
    if kind == "pct":
        value = numbers.parse_percent(text, assume_unit=True)
        written_as_fraction = not re.search(r"[%％]|百分之", text)
        if key in SHARE_KEYS and value is not None and written_as_fraction and 0 < value <= 1:
            value = round(value * 100, 6)  # a share typed as a fraction ("0.842" in a spreadsheet cell)
        return value
    if kind == "area":
        return numbers.parse_area_km2(text, default_unit=area_unit_hint(hints) or "平方公里")
    value = numbers.parse_count(text, assume_unit=True)
    if key == "employees" and value is not None and any("万人" in nlp.fold_width(h) or "万个" in h for h in hints) and "万" not in text:
        if re.fullmatch(r"\s*\d+(?:\.\d+)?\s*", nlp.fold_width(text)):
            value = round(value * 10000, 4)
    return value


# --------------------------------------------------------------------------- prose


@dataclass
class TextPiece:
    """Joined text of consecutive lines, with where each line starts."""

    text: str
    starts: list[tuple[int, Line]]

    def line_at(self, offset: int) -> Line:
        current = self.starts[0][1]
        for start, line in self.starts:
            if start > offset:
                break
            current = line
        return current


def join_lines(lines: list[Line]) -> TextPiece:
    """Join wrapped lines into paragraphs: no separator inside a sentence, "\\n" after one."""
    text = ""
    starts: list[tuple[int, Line]] = []
    for line in lines:
        if text and not re.search(r"[。；;！!？?：:]\s*$", text):
            sep = ""
        elif text:
            sep = "\n"
        else:
            sep = ""
        text += sep
        starts.append((len(text), line))
        text += line.text.strip()
    return TextPiece(text, starts)


def _evidence_at(piece: TextPiece, start: int, end: int) -> Evidence:
    sentence_start = max((m.end() for m in _SENTENCE_END.finditer(piece.text, 0, start)), default=0)
    stop = _SENTENCE_END.search(piece.text, end)
    sentence = piece.text[sentence_start : stop.start() if stop else len(piece.text)]
    return Evidence.from_prov(piece.line_at(start).prov, sentence.strip())


def _growth_subject(prefix: str) -> str:
    """For a bare "年均增长x%": the subject named last before it in the sentence."""
    best_pos, best_key = -1, "output_growth_pct"
    for word, key in SUBJECTS_OF_GROWTH:
        pos = prefix.rfind(word)
        if pos > best_pos:
            best_pos, best_key = pos, key
    return best_key


def prose_candidates(piece: TextPiece, order_base: int, default_years: list[str]) -> list[Candidate]:
    """Values in running text, each labelled by the words just before it."""
    out: list[Candidate] = []
    doc = nlp.analyse(piece.text)
    values = [s for s in doc.ents if s.label_ in VALUE_LABELS.values()]
    text = piece.text
    previous_end = 0
    previous_sentence = -1
    consumed_until = 0
    for index, span in enumerate(values):
        sentence_start = max((m.end() for m in _SENTENCE_END.finditer(text, 0, span.start_char)), default=0)
        if sentence_start != previous_sentence:
            previous_end = sentence_start
            previous_sentence = sentence_start
        context = text[previous_end : span.start_char]
        sentence_prefix = text[sentence_start : span.start_char]
        own_year, previous_end = trailing_year(text, span.end_char)
        kind = next(k for k, label in VALUE_LABELS.items() if label == span.label_)
        order = order_base + span.start_char
        if kind == "money":
            if span.start_char < consumed_until:
                continue  # already read as part of a by-year run
            subject_known = any(c.key == "output_yi_by_year" for c in out)
            mapped = _money_by_year(text, sentence_start, values[index:], default_years, subject_known)
            if mapped is not None:
                by_year_mapping, end_char = mapped
                consumed_until = end_char
                out.append(Candidate("output_yi_by_year", by_year_mapping, _evidence_at(piece, span.start_char, end_char), order))
                continue
            # the clause just before the value names it best ("…明显增长，2020年产值为51.8亿元")
            clause = re.split(r"[，,]", context)[-1]
            key = classify_label(clause, "money") or classify_label(context, "money")
            context_years = nlp.years_in(context)
            # a span of years ("近三年（2019-2021年），…由45.2亿元") names no one year for the value
            year_words = [int(own_year)] if own_year else (nlp.years_in(clause) or (context_years if len(context_years) == 1 else []))
            if key is None and year_words and classify_label(sentence_prefix, "money"):
                key = "output_yi_by_year"
            if key is None and year_words and classify_label(clause) is None and any(
                c.key == "output_yi_by_year" and c.order >= order_base + sentence_start for c in out
            ):
                key = "output_yi_by_year"  # "…产值由a增长到c，其中2020年为b": the sentence's subject
            if key == "output_yi_by_year" and year_words:
                out.append(Candidate(key, {str(year_words[-1]): span._.value}, _evidence_at(piece, span.start_char, span.end_char), order))
            continue
        key = classify_label(context, kind)
        if key is None and kind == "pct" and any(w in label_text(re.split(r"[，,]", context)[-1]) for w in SHARE):
            # "中小企业实现产值…万元，占集群总产值的87.0%": the share's subject is named earlier in the sentence
            key = classify_label(sentence_prefix, kind)
        if key is None:
            continue
        if key == "output_growth_pct" and not any(w in label_text(context) for w in OUTPUT_WORDS):
            key = _growth_subject(label_text(sentence_prefix))
        last_clause = re.split(r"[，,]", context)[-1]
        if key in GROWTH_KEYS and _YEAR_ON_YEAR.search(last_clause) and not _ANNUAL.search(last_clause):
            continue  # 同比增长: one year's change, not the 近三年 yearly rate the indicator asks for
        annual = key not in GROWTH_KEYS or bool(_ANNUAL.search(last_clause))
        out.append(Candidate(key, span._.value, _evidence_at(piece, span.start_char, span.end_char), order, annual))
    return out


def trailing_year(text: str, end: int) -> tuple[str | None, int]:
    """A year written right after a value, "56.9亿元（2019年）": the year and where it ends."""
    match = re.match(r"\s*[（(]\s*((?:19|20)\d{2})\s*年?度?\s*[)）]", text[end:])
    return (match.group(1), end + match.end()) if match else (None, end)


def _money_by_year(text: str, sentence_start: int, money_spans, default_years: list[str], subject_known: bool = False):
    """"2019—2021年…分别为a、b和c", "分别为a（2019年）、b（2020年）…" or "近三年（2019-2021年）产值由a增长到c"
    → ({year: value}, end), else None. With `subject_known` (output was the subject just before),
    "2019年、2020年分别为a、b" needs no output word of its own."""
    first = money_spans[0]
    prefix = text[sentence_start : first.start_char]
    if any(w in label_text(re.split(r"[，,；;]", prefix)[-1]) for w in SUB_SUBJECTS):
        return None  # 中小企业产值 / 主导产业产值 / 研发经费 by year: not the cluster's output
    names_output = classify_label(prefix, "money") == "output_yi_by_year" or any(w in prefix for w in OUTPUT_WORDS)
    if not names_output and not (subject_known and "分别" in prefix and classify_label(prefix) is None):
        return None
    if len(money_spans) >= 2 and _FROM_TO.match(text[first.end_char : money_spans[1].start_char]):
        years = [str(y) for y in nlp.years_in(prefix)] or (default_years if "近三年" in prefix else [])
        if len(years) >= 2:
            return {years[0]: first._.value, years[-1]: money_spans[1]._.value}, money_spans[1].end_char
    run = [first]
    own_years = [trailing_year(text, first.end_char)]
    for span in money_spans[1:]:
        gap = text[own_years[-1][1] : span.start_char]
        if len(gap) > 3 or _SENTENCE_END.search(gap):
            break
        run.append(span)
        own_years.append(trailing_year(text, span.end_char))
    end = own_years[-1][1]
    if len(run) >= 2 and all(year for year, _ in own_years):
        return {year: span._.value for (year, _), span in zip(own_years, run)}, end
    if "分别" not in prefix and "近三年" not in prefix:
        return None
    years = [str(y) for y in nlp.years_in(prefix)] or (default_years if "近三年" in prefix else [])
    if len(years) < 2 or len(run) != len(years):
        return None
    return {year: span._.value for year, span in zip(years, run)}, end


# --------------------------------------------------------------------------- tables


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
        if classify_label(cell.text) is not None:
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
            if any(s.label_ in VALUE_LABELS.values() for s in nlp.analyse(text).ents) and len(text) > 8:
                piece = TextPiece(text, [(0, Line(text=text, prov=cell.prov))])
                out.extend(prose_candidates(piece, order, default_years))
                seen_labels.add(text)
                continue
            key = classify_label(text)
            if key is None:
                continue
            seen_labels.add(text)
            header_text = next((h.text for h in header_row if h.col == cell.col), "") if header_row is not row else ""
            hints = [text, header_text, *notes]
            rest = [x for x in _distinct_after(row, c) if classify_label(x.text) is None]
            hints += [x.text for x in rest if not re.search(r"\d", x.text)]
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
                if below is not None and classify_label(below.text) is None:
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


# --------------------------------------------------------------------------- assembling


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
        block = located.block
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


def extract_indicators(index: SectionIndex, docs: list[SourceDocument]) -> dict[str, Indicator]:
    """The 16 indicators, from item 1 (or the whole packet when item 1 is not found)."""
    blocks = _blocks_for_indicators(index, docs)
    return choose(candidates_from_blocks(blocks, _default_years(index)))

