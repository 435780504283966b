"""The one spaCy pipeline: `spacy.blank("zh")`, jieba words, rule components for the spans extraction needs.

Labels: ORG (…有限公司/…研究院/…协会/…中心 …), PATENT_NO, STANDARD_NO, USCC, MONEY,
PERCENT, DATE, YEARS (a span of years such as "2019—2021年"), COUNT, AREA, HONOR.
Every span carries its parsed value in `span._.value` (money in 亿元, area in km²,
normalised numbers and dates). Works offline: no trained model is loaded.

jieba's words cut across entities ("2021|年产值"), so the tokenizer is wrapped: tokens are
re-split at digit/CJK boundaries and at the edges of every rule match, which keeps
every rule span aligned with tokens.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Callable, Iterable

import jieba
import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from extractors.analysis import numbers
from pipeline.core.settings import get_settings

jieba.setLogLevel(logging.WARNING)

# 1:1 character folding (full-width ASCII → ASCII, ideographic space, dashes) so that
# span offsets in the folded text are offsets in the original text.
_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FOLD |= {0x3000: 0x20, 0x00A0: 0x20}
_FOLD |= {ord(c): ord("-") for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63"}


def fold_width(text: str) -> str:
    """Full-width ASCII and dash variants → ASCII, keeping every character's offset."""
    return text.translate(_FOLD)


_CN_NUM = "零〇一二两三四五六七八九十百千"
_NUM = rf"(?:\d+(?:,\d{{3}})*(?:\.\d+)?|[{_CN_NUM}]+(?:点[{_CN_NUM}]+)?)"
_QUAL = r"(?:约|近|超过|超|逾|达到|达|共计|共|合计|总计)?"

_ORG_STOP = r"\s，,、；;：:。.“”\"'‘’《》<>【】\[\]由其"
_ORG_SUFFIX = (
    "股份有限公司|有限责任公司|有限公司|集团公司|集团|研究院|研究所|研究中心|服务中心|中心|协会|商会|联盟|大学|学院|合作社"
)

RULES: list[tuple[str, re.Pattern[str]]] = [
    ("USCC", re.compile(r"(?<![0-9A-Za-z])[0-9A-HJ-NP-RTUWXY]{2}\d{6}[0-9A-HJ-NP-RTUWXY]{10}(?![0-9A-Za-z])")),
    (
        "PATENT_NO",
        re.compile(
            r"(?<![0-9A-Za-z])(?:(?:ZL|CN|[Zz][LlIi1]|2[Ll]|[Zz]2[Ll]|21)\s*[.:：]?\s*)?"
            r"(?:(?:19|20)\d{2}\s*[1-9]\s*\d{3}\s*\d{4}(?:\s*[.·]?\s*[0-9Xx])?"
            r"|(?<=ZL)\s*\d{2}[1-9]\d{5}\s*[.·]?\s*[0-9Xx]|\d{2}[1-9]\d{5}\.[0-9Xx])(?![0-9A-Za-z])"
        ),
    ),
    (
        "STANDARD_NO",
        re.compile(
            r"(?<![A-Za-z])(?:[TQ]\s*/\s*[A-Z]{1,12}|DB\s*\d{2,4}\s*/\s*[TZ]?|[A-Z]{1,4}\s*/\s*[TZ]|GB|[A-Z]{2})"
            r"\s*\d{1,10}(?:\.\d+)*[A-Z]?(?:\s*-\s*\d{1,8})?(?![0-9])"
        ),
    ),
    ("DATE", re.compile(r"(?<!\d)(?:19|20)\d{2}\s*年\s*(?:\d{1,2}\s*月\s*(?:\d{1,2}\s*日)?)?")),
    ("DATE", re.compile(r"(?<![\d.])(?:19|20)\d{2}[./-]\d{1,2}(?:[./-]\d{1,2})?(?![\d.])")),
    ("DATE", re.compile(r"[〇零一二三四五六七八九○]{4}\s*年(?:\s*[一二三四五六七八九十]{1,2}\s*月(?:\s*[一二三四五六七八九十]{1,3}\s*日)?)?")),
    (
        "YEARS",
        re.compile(
            r"(?<!\d)(?:19|20)\d{2}\s*年?\s*(?:-|~|至|到)\s*(?:19|20)\d{2}\s*年"
            r"|(?<!\d)(?:(?:19|20)\d{2}\s*年?\s*[、,，和及与]\s*){1,4}(?:19|20)\d{2}\s*年"
        ),
    ),
    ("MONEY", re.compile(rf"{_QUAL}{_NUM}\s*(?:亿\s*零?\s*{_NUM}\s*万元?|亿元|亿|千万元|百万元|万元|元)")),
    ("PERCENT", re.compile(rf"[-负]?\s*\d+(?:\.\d+)?\s*%|负?百分之{_NUM}")),
    ("AREA", re.compile(rf"{_QUAL}{_NUM}\s*万?\s*(?:平方公里|平方千米|km²|km2|KM2|平方米|m²|㎡|公顷|亩)")),
    ("COUNT", re.compile(rf"{_QUAL}{_NUM}\s*万?\s*(?:余|多)?\s*(?:家|个|件|人|项|名|户|位)")),
    (
        "HONOR",
        re.compile(
            r"(?:制造业)?单项冠军(?:示范)?(?:企业|产品)?|专精特新\s*[“\"']?\s*小巨人\s*[”\"']?(?:企业)?|小巨人(?:企业)?"
            r"|(?:省级|市级)?专精特新(?:中小)?企业|创新型中小企业|(?:国家级?)?高新技术企业|高企"
        ),
    ),
    ("ORG", re.compile(rf"[^{_ORG_STOP}\d][^{_ORG_STOP}]{{1,40}}?(?:{_ORG_SUFFIX})")),
]

_VALUE_PARSERS: dict[str, Callable[[str], object]] = {
    "USCC": lambda t: t.upper(),
    "PATENT_NO": numbers.normalize_patent_number,
    "STANDARD_NO": numbers.normalize_standard_number,
    "DATE": numbers.parse_date,
    "MONEY": numbers.parse_money_yi,
    "PERCENT": numbers.parse_percent,
    "AREA": numbers.parse_area_km2,
    "COUNT": numbers.parse_count,
}

if not Span.has_extension("value"):
    Span.set_extension("value", default=None)


def rule_matches(text: str) -> list[tuple[str, int, int]]:
    """(label, start, end) of every rule match in already folded text."""
    found: list[tuple[str, int, int]] = []
    for label, pattern in RULES:
        for match in pattern.finditer(text):
            start, end = match.span()
            # leading/trailing blanks never belong to a span
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if end > start:
                found.append((label, start, end))
    return found


def _char_class(ch: str) -> str:
    if ch.isdigit():
        return "digit"
    if ch.isascii() and ch.isalpha():
        return "latin"
    if ch.isspace():
        return "space"
    if "\u4e00" <= ch <= "\u9fff":
        return "cjk"
    return "other:" + ch


class BoundaryTokenizer:
    """jieba words, re-split at script boundaries and at the edges of rule matches."""

    def __init__(self, base: Callable[[str], Doc]):
        self.base = base

    def __call__(self, text: str) -> Doc:
        base_doc = self.base(text)
        cuts: set[int] = set()
        for _, start, end in rule_matches(text):
            cuts.update((start, end))
        for i in range(1, len(text)):
            a, b = _char_class(text[i - 1]), _char_class(text[i])
            if a != b and {a, b} & {"digit", "cjk"}:
                cuts.add(i)
        words: list[str] = []
        spaces: list[bool] = []
        for token in base_doc:
            start, end = token.idx, token.idx + len(token.text)
            inner = sorted(c for c in cuts if start < c < end)
            edges = [start, *inner, end]
            for piece_start, piece_end in zip(edges, edges[1:]):
                words.append(text[piece_start:piece_end])
                spaces.append(False)
            spaces[-1] = bool(token.whitespace_)
        return Doc(base_doc.vocab, words=words, spaces=spaces)


@Language.component("rule_spans")
def rule_spans(doc: Doc) -> Doc:
    """Label every rule match; overlapping matches stay in doc.spans["rules"], the longest in doc.ents."""
    spans: list[Span] = []
    for label, start, end in rule_matches(doc.text):
        span = doc.char_span(start, end, label=label, alignment_mode="expand")
        if span is None:
            continue
        parser = _VALUE_PARSERS.get(label)
        span._.value = parser(span.text) if parser else None
        if parser is not None and span._.value is None:
            continue  # text that looked like a value but does not parse as one
        spans.append(span)
    doc.spans["rules"] = spans
    doc.ents = filter_spans(spans)
    return doc


def _keep_jieba_cache() -> None:
    """Keep jieba's dictionary cache under the data dir: rebuilt, it costs ~1-3 s more per process."""
    folder = get_settings().cache_dir / "jieba"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:  # a read-only data dir: jieba keeps its default cache in $TMPDIR
        logging.getLogger(__name__).info("jieba cache stays in the temp dir: %s", error)
        return
    jieba.dt.tmp_dir = str(folder)


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    """Build the pipeline once per process."""
    _keep_jieba_cache()
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
    nlp.tokenizer = BoundaryTokenizer(nlp.tokenizer)
    nlp.add_pipe("rule_spans")
    return nlp


@lru_cache(maxsize=8192)
def analyse(text: str) -> Doc:
    """Run the pipeline over `text` (width-folded first; offsets are those of `text`)."""
    return get_nlp()(fold_width(text))


def spans(text: str, labels: Iterable[str] | str | None = None, overlapping: bool = False) -> list[Span]:
    """Spans of the given labels in `text`, in reading order."""
    if isinstance(labels, str):
        labels = {labels}
    wanted = set(labels) if labels is not None else None
    doc = analyse(text)
    source = doc.spans["rules"] if overlapping else doc.ents
    found = [s for s in source if wanted is None or s.label_ in wanted]
    return sorted(found, key=lambda s: (s.start_char, -s.end_char))


def original_text(text: str, span: Span) -> str:
    """The span's characters as written in `text` (span.text is the width-folded form)."""
    return text[span.start_char : span.end_char]


def first_value(text: str, label: str) -> object | None:
    """The parsed value of the first span labelled `label` in `text`, or None."""
    for span in spans(text, label, overlapping=True):
        return span._.value
    return None


def years_in(text: str) -> list[int]:
    """Years named in `text`, in order: "2019—2021年" → [2019, 2020, 2021]; "2019年、2020年" → both."""
    out: list[int] = []
    for span in spans(text, {"YEARS", "DATE"}, overlapping=True):
        if span.label_ == "YEARS":
            found = [int(y) for y in re.findall(r"(?:19|20)\d{2}", span.text)]
            if re.search(r"-|~|至|到", span.text) and len(found) == 2 and 0 < found[1] - found[0] <= 10:
                found = list(range(found[0], found[1] + 1))
            out.extend(y for y in found if y not in out)
        else:
            year = re.match(r"(?:19|20)\d{2}", span.text)
            if year and int(year.group()) not in out:
                out.append(int(year.group()))
    return out
