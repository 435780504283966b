"""Indicators stated in running text ("2019—2021年集群产值分别为45.2亿元、51.8亿元和58.9亿元，年均增长14.2%").

Each value span (spaCy rule spans) is named by the words before it in its clause, the
sentence's subject decides a bare "年均增长x%", and a clause whose subject or period is
not the cluster's (the catalogue's `not_the_cluster` filters: national or provincial
aggregates, other periods, plans) gives no candidate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.analysis import nlp
from extractors.analysis.indicator_labels import VALUE_LABELS, Candidate, classify_as, classify_label, label_text, not_the_cluster, words
from pipeline.core.document import Line
from pipeline.core.result import Evidence

GROWTH_KEYS = frozenset({"output_growth_pct", "rd_growth_pct", "patent_growth_pct"})
_ANNUAL = re.compile(r"年均|平均|每年|复合")
_YEAR_ON_YEAR = re.compile(r"同比|环比|较上年|比上年|较去年|比去年|较上一年")
_FROM_TO = re.compile(r"^\s*(?:增长|增加|提高|提升|上升|扩大|跃升|攀升)?\s*(?:到|至)了?\s*$|^\s*增至\s*$")
_SENTENCE_END = re.compile(r"[。；;！!？?\n]")


def _subjects_of_growth() -> tuple[tuple[str, str], ...]:
    return (("研发", "rd_growth_pct"), ("专利", "patent_growth_pct")) + tuple((w, "output_growth_pct") for w in words("output_words"))

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
    for word, key in _subjects_of_growth():
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
        if not_the_cluster(sentence_prefix):
            continue  # 全国…, 2022年上半年…, 规上企业…, 力争到2025年…: the figure is not the cluster's
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
        key = classify_as(context, kind)
        if key is None and kind == "pct" and any(w in label_text(re.split(r"[，,]", context)[-1]) for w in words("share_words")):
            # "中小企业实现产值…万元，占集群总产值的87.0%": the share's subject is named earlier in the sentence
            key = classify_label(sentence_prefix, kind)
        if key is None:
            continue
        if key == "output_growth_pct" and not any(w in label_text(context) for w in words("output_words")):
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
    if any(w in label_text(re.split(r"[，,；;]", prefix)[-1]) for w in words("sub_subjects")):
        return None  # 中小企业产值 / 主导产业产值 / 研发经费 by year: not the cluster's output
    names_output = classify_label(prefix, "money") == "output_yi_by_year" or any(w in prefix for w in words("output_words"))
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


