"""Cover fields (集群名称, 所在地区, 主导产业, 填报日期, 运营管理机构, 成立时间).

Read as "label: value" from the cover (colons of either width, blanks inside the
label, value on the same line, on the next line, or in the next table cell), and
from the 申报表 (item 1) for the fields the cover lacks. Blank template values
("××县××产业", "2022 年 月 日", nothing after the colon) are not values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from extractors.analysis.numbers import parse_date
from pipeline.core.document import Line, Provenance, Table
from extractors.analysis.headings import is_page_furniture, nfkc
from pipeline.core.result import Cover, Evidence

# Labels per cover key, most specific first (NFKC spelling).
COVER_LABELS: dict[str, tuple[str, ...]] = {
    "cluster_name": ("集群名称", "产业集群名称"),
    "region": ("所在省、市、县(区)", "所在省市县(区)", "所在省、市、县", "所在地区", "所属地区", "所在区域", "所在地"),
    "leading_industry": ("集群主导产业", "主导产业"),
    "fill_date": ("填报日期", "填报时间", "申报日期", "填表日期"),
    "management_body": ("集群运营管理机构", "运营管理机构", "集群管理机构", "管理机构", "运营机构"),
    "established": ("集群成立时间", "成立时间", "成立日期", "设立时间"),
}
DATE_KEYS = frozenset({"fill_date", "established"})

_BLANK_MARKS = re.compile(r"[×xX＊*□_]{2}|\.{3}|…|请填写|待填|填写说明")
_BLANK_DATE = re.compile(r"年\s*月|月\s*日\s*$|^\s*年\s*$")
_TRAILING_NOTES = re.compile(r"[(（]\s*(?:盖章|签章|公章|签字)\s*[)）]\s*$")


def _spaced(label: str) -> str:
    return r"\s*".join(re.escape(ch) for ch in label)


_LABELS_LONGEST_FIRST: tuple[tuple[str, str], ...] = tuple(
    sorted(((key, label) for key, labels in COVER_LABELS.items() for label in labels), key=lambda pair: -len(pair[1]))
)
_KEY_OF_LABEL = {label: key for key, label in _LABELS_LONGEST_FIRST}
# A label opening a line may stand alone or before a blank ('集群名称 浚县…', a table cell);
# anywhere else it needs its colon ('…中心。集群成立时间：2013年4月').
_LABEL_ALTERNATIVES = "|".join(_spaced(label) for _, label in _LABELS_LONGEST_FIRST)
# After a label opening a line, a semicolon or comma stands for the colon ("填报日期;\t2022 年…",
# a table cell "集群成立时间，"): no label is followed by a clause of its own.
_LEADING_LABEL = re.compile(rf"^\s*(?:[-•·]\s*)?(?P<label>{_LABEL_ALTERNATIVES})(?:\s*[:：;；，,]|\s+|$)")
_ANY_LABEL = re.compile(rf"(?P<label>{_LABEL_ALTERNATIVES})\s*[:：]")
_VALUE_END = re.compile(r"[。;；]")


@dataclass(frozen=True)
class LabelHit:
    key: str
    value: str  # raw text after the label ('' when the value is elsewhere)


def _key(label_text: str) -> str:
    return _KEY_OF_LABEL[re.sub(r"\s", "", label_text)]


def label_hits(text: str) -> list[LabelHit]:
    """Every 'label: value' in a line, in order; a value runs to the next label or the sentence end."""
    text = nfkc(text)
    found: list[tuple[int, int, str]] = []  # (label start, value start, key)
    leading = _LEADING_LABEL.match(text)
    if leading:
        found.append((leading.start("label"), leading.end(), _key(leading.group("label"))))
    for m in _ANY_LABEL.finditer(text, leading.end() if leading else 0):
        found.append((m.start(), m.end(), _key(m.group("label"))))
    hits = []
    for n, (_, value_start, key) in enumerate(found):
        value = text[value_start : found[n + 1][0] if n + 1 < len(found) else len(text)]
        sentence_end = _VALUE_END.search(value)
        hits.append(LabelHit(key, (value[: sentence_end.start()] if sentence_end else value).strip()))
    return hits


def match_label(text: str) -> LabelHit | None:
    """'集 群 名 称：浚县食品产业集群' → LabelHit('cluster_name', '浚县食品产业集群'): the first label."""
    hits = label_hits(text)
    return hits[0] if hits else None


def clean_value(key: str, raw: str) -> str | None:
    """The value as reported, or None for a blank template value."""
    value = _TRAILING_NOTES.sub("", nfkc(raw)).strip(" \t:：;；,，。")
    if not value or _BLANK_MARKS.search(value):
        return None
    if key in DATE_KEYS:
        if _BLANK_DATE.search(value) and not re.search(r"\d\s*月", value) and not re.search(r"[一二三四五六七八九十]\s*月", value):
            return None
        return parse_date(value)
    if not re.search(r"[0-9A-Za-z\u3400-\u9fff]", value):
        return None
    return value


@dataclass(frozen=True)
class FieldValue:
    key: str
    value: str
    prov: Provenance
    text: str  # the source text shown as evidence


def _from_row(cells: Sequence[tuple[str, Provenance]]) -> Iterable[FieldValue]:
    """A table row (or an OCR line split at tabs): 'label: value' cells, or a label cell then its value cell."""
    for position, (text, prov) in enumerate(cells):
        hits = label_hits(text)
        for n, hit in enumerate(hits):
            raw, source_text, source_prov = hit.value, text, prov
            if not raw and n == len(hits) - 1:
                later = [(t, p) for t, p in cells[position + 1 :] if t.strip() and t != text]
                if later and not label_hits(later[0][0]):
                    raw, source_text, source_prov = later[0][0], f"{text} {later[0][0]}", later[0][1]
            value = clean_value(hit.key, raw)
            if value is not None:
                yield FieldValue(hit.key, value, source_prov, source_text)


_DATE_CUT_SHORT = re.compile(r"(?:年|年\s*\d{1,2}|\d{4})\s*$")
_DATE_GOES_ON = re.compile(r"^\s*(?:\d{1,2}\s*[月日]|年)")


def _from_lines(lines: Sequence[Line]) -> Iterable[FieldValue]:
    for index, line in enumerate(lines):
        if "\t" in line.text:
            yield from _from_row([(part, line.prov) for part in line.text.split("\t")])
            continue
        hits = label_hits(line.text)
        following = lines[index + 1] if index + 1 < len(lines) else None
        for n, hit in enumerate(hits):
            raw, text = hit.value, line.text
            last = n == len(hits) - 1
            if last and following is not None and not label_hits(following.text):
                if not raw and not is_page_furniture(following.text) and len(following.text) <= 60:
                    raw, text = following.text, f"{line.text} {following.text}"  # the value on the next line
                elif hit.key in DATE_KEYS and _DATE_CUT_SHORT.search(raw) and _DATE_GOES_ON.match(nfkc(following.text)):
                    raw, text = raw + _VALUE_END.split(nfkc(following.text))[0], f"{line.text}{following.text}"
            value = clean_value(hit.key, raw)
            if value is not None:
                yield FieldValue(hit.key, value, line.prov, text)


def _from_table(table: Table) -> Iterable[FieldValue]:
    for row in table.rows:
        yield from _from_row([(cell.text, cell.prov) for cell in row])


def field_values(blocks: Sequence[Line | Table]) -> list[FieldValue]:
    """Every label-value pair in reading order (lines grouped so a value may sit on the next line)."""
    out: list[FieldValue] = []
    run: list[Line] = []
    for block in blocks:
        if isinstance(block, Line):
            run.append(block)
            continue
        out.extend(_from_lines(run))
        run = []
        out.extend(_from_table(block))
    out.extend(_from_lines(run))
    return out


# Prose in the 申报表: "集群运营管理机构为××中心，成立于2015年3月。"
_PROSE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (key, re.compile(pattern))
    for key, pattern in (
        ("management_body", r"运营管理机构\s*(?:为|是|:|：)\s*(?P<v>[^，。；;,]{2,40})"),
        ("established", r"(?:成立|设立)(?:时间|日期)?\s*(?:于|为|是|:|：)\s*(?P<v>[0-9〇零一二三四五六七八九]{4}\s*年(?:\s*[0-9十一二三四五六七八九]{1,2}\s*月)?)"),
        ("cluster_name", r"集群名称\s*(?:为|是|:|：)\s*(?P<v>[^，。；;,]{2,40})"),
        ("region", r"所在地区\s*(?:为|是|:|：)\s*(?P<v>[^，。；;,]{2,40})"),
        # "…产业集群位于福建省泉州市晋江市，…": province, city and county named in turn
        ("region", r"位于(?P<v>[\u4e00-\u9fff]{2,7}(?:省|自治区|市)[\u4e00-\u9fff]{2,8}?(?:市|州|盟|地区)[\u4e00-\u9fff]{1,8}?(?:县|区|市|旗))"),
        ("leading_industry", r"主导产业\s*(?:为|是|:|：)\s*(?P<v>[^，。；;,]{2,30})"),
        ("fill_date", r"填报日期\s*(?:为|是|:|：)\s*(?P<v>[^，。；;,]{4,20})"),
    )
)


def _from_prose(lines: Sequence[Line]) -> Iterable[FieldValue]:
    """Values stated in sentences that may wrap over lines: the lines are read as one text."""
    starts: list[int] = []
    parts: list[str] = []
    offset = 0
    for line in lines:
        starts.append(offset)
        text = nfkc(line.text).strip()
        parts.append(text)
        offset += len(text)
    joined = "".join(parts)
    for key, pattern in _PROSE_PATTERNS:
        for m in pattern.finditer(joined):
            raw = m.group("v")
            following = _ANY_LABEL.search(raw)
            if following:
                raw = raw[: following.start()]
            value = clean_value(key, raw)
            if value is None:
                continue
            first = max(i for i, start in enumerate(starts) if start <= m.start())
            yield FieldValue(key, value, lines[first].prov, joined[m.start() : m.end()])
            break
    for key, raw, at, sentence in _from_founding_sentence(joined):
        value = clean_value(key, raw)
        if value is not None:
            first = max(i for i, start in enumerate(starts) if start <= at)
            yield FieldValue(key, value, lines[first].prov, sentence.strip())


# Prose without a label: "2014年5月经县人民政府批准设立××促进中心，负责集群日常运营管理。" The body
# that the sentence makes responsible for running the cluster is its 运营管理机构, and the date
# before the founding verb is when it (and so the managed cluster) was set up.
_RUNS_THE_CLUSTER = re.compile(r"负责[^。；;]{0,12}(?:运营管理|日常管理|运营|管理和服务|管理服务)|作为[^。；;]{0,8}运营管理机构|承担[^。；;]{0,8}运营管理")
_FOUNDED_BODY = re.compile(
    r"(?:设立|成立|组建|建立|组织成立)了?(?P<org>[^，,。；;、\s]{4,40}?"
    r"(?:服务中心|促进中心|发展中心|中心|管理委员会|委员会|管委会|办公室|协会|商会|联盟|有限公司|公司|管理处|服务站|工作专班|领导小组))"
)
_YEAR_MONTH = re.compile(r"(?:(?:19|20)\d{2}|[〇零一二三四五六七八九]{4})\s*年(?:\s*[0-9十一二三四五六七八九]{1,2}\s*月)?")


def _from_founding_sentence(joined: str) -> Iterable[tuple[str, str, int, str]]:
    """(key, value, offset, sentence) for the body a sentence founds and makes run the cluster."""
    start = 0
    for sentence in re.split(r"(?<=[。；;])", joined):
        runs = _RUNS_THE_CLUSTER.search(sentence)
        if runs:
            bodies = [m for m in _FOUNDED_BODY.finditer(sentence, 0, runs.start())]
            if bodies:
                body = bodies[-1]
                yield "management_body", body.group("org"), start + body.start("org"), sentence
                dates = list(_YEAR_MONTH.finditer(sentence, 0, body.start()))
                if dates:
                    yield "established", dates[-1].group(), start + dates[-1].start(), sentence
        start += len(sentence)


def count_labels(lines: Iterable[Line]) -> int:
    return sum(1 for line in lines if label_hits(line.text))


def extract_cover(front: Sequence[Line | Table], form: Sequence[Line | Table]) -> Cover:
    """Cover fields from the cover (`front`), then the 申报表 (`form`) for what is missing."""
    cover = Cover()
    form_lines = [b for b in form if isinstance(b, Line)]
    for found in [*field_values(front), *field_values(form), *_from_prose(form_lines)]:
        if getattr(cover, found.key) is None:
            setattr(cover, found.key, found.value)
            cover.evidence[found.key] = Evidence.from_prov(found.prov, found.text)
    return cover
