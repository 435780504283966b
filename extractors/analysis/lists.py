"""The five lists: key enterprises (item 3), standards (7), patents (8), overseas branches (17), platforms (18).

Each item's content is read as grids (document tables, XLSX sheets, OCR lines with
tab or wide-gap columns) whose header row is matched by meaning, tables continuing
over pages keep the last header, and as numbered records ("1. 某某有限公司 统一社会
信用代码：…") read with the spaCy rule spans. Numbers are normalised but never
dropped for a bad check digit: the validators report those.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import cn2an

from extractors.analysis import nlp, numbers
from extractors.analysis.ocr_corrections import PacketLexicon
from extractors.analysis.tables import GridCell, line_rows, match_header, table_grid
from pipeline.core.document import Line, ReadMethod, SourceDocument, Table
from pipeline.core.result import (
    Evidence,
    KeyEnterprise,
    Lists,
    OverseasBranch,
    PatentEntry,
    ServicePlatform,
    StandardEntry,
)
from extractors.analysis.headings import ItemTitles
from extractors.analysis.spans import LocatedBlock, SectionIndex

HONOR_ORDER = ("champion", "little_giant", "specialized_sme", "innovative_sme", "high_tech")

COLUMNS: dict[int, dict[str, tuple[str, ...]]] = {
    3: {
        "name": ("企业名称", "单位名称", "名称", "企业", "公司名称"),
        "uscc": ("统一社会信用代码", "社会信用代码", "信用代码", "统一代码", "组织机构代码"),
        "honors": ("荣誉", "企业荣誉", "荣誉称号", "称号", "企业类型", "类别", "类型", "资质", "认定类型", "认定情况", "企业类别"),
    },
    7: {
        "number": ("标准号", "标准编号", "编号", "标准代号"),
        "title": ("标准名称", "名称"),
        "role": ("主持或参与", "主持/参与", "角色", "参与方式", "主持参与", "参与类型", "类型", "性质"),
        "rank": ("排名", "起草单位排名", "排序", "位次", "起草排名", "单位排名"),
        "year": ("年份", "发布年份", "发布时间", "发布日期", "实施日期", "发布年度"),
    },
    8: {
        "number": ("专利号", "申请号", "授权号", "专利申请号", "专利号申请号", "证书号", "登记号", "品种权号"),
        "title": ("专利名称", "名称", "发明名称", "发明创造名称", "成果名称"),
        "holder": ("专利权人", "权利人", "申请人", "企业名称", "所属企业", "单位名称", "专利权人名称"),
        "kind": ("专利类型", "类型", "类别", "种类", "知识产权类型"),
        "grant_date": ("授权日", "授权日期", "授权公告日", "公告日", "授权时间", "发证日期"),
    },
    17: {
        # the branch's own name before the parent enterprise's, when a table has both
        "name": ("境外机构名称", "分支机构名称", "境外分支机构名称", "机构名称", "境外分支机构", "名称", "企业名称"),
        "country": ("国家", "所在国家", "国家地区", "国别", "所在国家地区", "所在地", "地区"),
    },
    18: {
        "name": ("平台名称", "名称", "服务平台名称", "公共服务平台名称"),
        "level": ("级别", "平台级别", "认定级别", "层级", "等级", "认定层级"),
    },
}
KEY_FIELD = {3: "name", 7: "number", 8: "number", 17: "name", 18: "name"}

_NUMBERING = re.compile(r"^\s*(?:\d{1,3}\s*[.、．)），,。](?!\d)|[（(]\s*\d{1,3}\s*[)）]|[一二三四五六七八九十]{1,3}\s*、|第\s*\d+\s*[项条])\s*")
_TOTAL_ROW = re.compile(r"^(?:合\s*计|总\s*计|小\s*计|共\s*计|以下空白|此页无正文)")
_LEVELS = (("国家级", "国家级"), ("国家", "国家级"), ("省级", "省级"), ("省", "省级"), ("市级", "市级"), ("市", "市级"), ("县级", "县级"), ("县", "县级"), ("区级", "县级"))
COUNTRIES = (
    "越南", "泰国", "马来西亚", "新加坡", "印度尼西亚", "印尼", "菲律宾", "柬埔寨", "老挝", "缅甸", "印度", "巴基斯坦",
    "孟加拉国", "斯里兰卡", "日本", "韩国", "蒙古", "哈萨克斯坦", "乌兹别克斯坦", "吉尔吉斯斯坦", "塔吉克斯坦",
    "俄罗斯", "白俄罗斯", "乌克兰", "土耳其", "阿联酋", "沙特阿拉伯", "沙特", "卡塔尔", "伊朗", "以色列", "埃及",
    "德国", "法国", "英国", "意大利", "西班牙", "葡萄牙", "荷兰", "比利时", "瑞士", "瑞典", "挪威", "丹麦", "芬兰",
    "波兰", "捷克", "匈牙利", "塞尔维亚", "希腊", "奥地利", "爱尔兰", "美国", "加拿大", "墨西哥", "巴西", "阿根廷",
    "智利", "秘鲁", "哥伦比亚", "澳大利亚", "新西兰", "南非", "尼日利亚", "肯尼亚", "埃塞俄比亚", "坦桑尼亚",
    "阿尔及利亚", "摩洛哥", "中国香港", "香港", "中国澳门", "澳门", "中国台湾",
)
PATENT_KIND_WORDS = (
    ("国防", "defense"),
    ("植物新品种", "plant_variety"),
    ("农作物", "crop_variety"),
    ("新药", "new_drug"),
    ("中药", "tcm_protected"),
    ("集成电路", "ic_layout"),
    ("布图", "ic_layout"),
    ("实用新型", "utility"),
    ("外观", "design"),
    ("发明", "invention"),
)
SPECIAL_PATENT_KINDS = {"defense", "plant_variety", "crop_variety", "new_drug", "tcm_protected", "ic_layout"}


# --------------------------------------------------------------------------- field parsers


def parse_honors(text: str) -> list[str]:
    """Honour keys named in `text`, in contract order: 小巨人 is not also 专精特新中小企业."""
    found: set[str] = set()
    for fragment in re.split(r"[、，,；;/\n|]|和|及", nlp.fold_width(text)):
        squashed = re.sub(r"[\s“”\"'‘’]", "", fragment)
        if "单项冠军" in squashed:
            found.add("champion")
        if "小巨人" in squashed:
            found.add("little_giant")
        elif "专精特新" in squashed:
            found.add("specialized_sme")
        if "创新型" in squashed:
            found.add("innovative_sme")
        if "高新技术企业" in squashed or "高企" in squashed or squashed.endswith("高新技术"):
            found.add("high_tech")
    return [h for h in HONOR_ORDER if h in found]


def patent_kind(number: str | None, type_text: str | None) -> str:
    """Special kinds from the type column; else digit 5 (or 3 of the old form); else the type column."""
    written_kind = None
    if type_text:
        squashed = re.sub(r"\s", "", type_text)
        written_kind = next((kind for word, kind in PATENT_KIND_WORDS if word in squashed), None)
    if written_kind in SPECIAL_PATENT_KINDS:
        return written_kind
    if number:
        match = re.fullmatch(r"(\d{12})(?:\.[0-9X])?|(\d{8})(?:\.?[0-9X])?", number)
        if match:
            digit = match.group(1)[4] if match.group(1) else match.group(2)[2]
            by_digit = {"1": "invention", "8": "invention", "2": "utility", "9": "utility", "3": "design"}.get(digit)
            if by_digit:
                return by_digit
    return written_kind or "invention"


def parse_rank(text: str | None) -> int | None:
    if not text:
        return None
    folded = nlp.fold_width(text)
    match = re.search(r"\d+", folded)
    if match:
        return int(match.group())
    match = re.search(r"[一二三四五六七八九十]+", folded)
    if match:
        try:
            return int(cn2an.cn2an(match.group(), "normal"))
        except ValueError:
            return None
    return None


def parse_level(text: str | None) -> str | None:
    if not text:
        return None
    squashed = re.sub(r"\s", "", text)
    for word, level in _LEVELS[::2]:  # explicit 级 first
        if word in squashed:
            return level
    for word, level in _LEVELS[1::2]:
        if squashed.startswith(word) or squashed.endswith(word):
            return level
    return None


def find_country(text: str) -> str | None:
    folded = nlp.fold_width(text)
    labelled = re.search(r"(?:国家|国别|所在国)(?:（地区）|\(地区\)|/地区|和地区)?[:：]\s*([\u4e00-\u9fff]{2,8})", folded)
    if labelled:
        return labelled.group(1)
    positions = [(folded.find(c), -len(c), c) for c in COUNTRIES if c in folded]
    return min(positions)[2] if positions else None


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    cleaned = re.sub(r"\s+", " ", text).strip().strip("《》")
    return cleaned or None


def _title_of(text: str) -> str | None:
    quoted = re.search(r"《([^》]+)》", text)
    return quoted.group(1).strip() if quoted else None


# --------------------------------------------------------------------------- records


@dataclass
class Record:
    """One row of a list, as field → text, with where it was read."""

    fields: dict[str, str]
    text: str  # the whole row/record, for evidence and span fallbacks
    evidence: Evidence
    free: bool = False  # a text record (or a grid without header): fields missing from `fields` may be in `text`


def _row_record(row: list[GridCell], mapping: dict[str, int]) -> Record | None:
    by_col = {cell.col: cell for cell in row}
    fields = {name: by_col[col].text.strip() for name, col in mapping.items() if col in by_col}
    texts = []
    for cell in row:  # merged repeats collapsed
        if not texts or texts[-1] != cell.text.strip():
            texts.append(cell.text.strip())
    joined = " ".join(t for t in texts if t)
    if not joined:
        return None
    anchor = by_col.get(mapping.get("number", mapping.get("name", -1))) or row[0]
    return Record(fields, joined, Evidence.from_prov(anchor.prov, joined), free=not mapping)


def _header_mapping(row: list[GridCell], item: int) -> dict[str, int]:
    texts = [c.text for c in row]
    mapping = match_header(texts, COLUMNS[item])
    cols = [c.col for c in row]
    mapping = {name: cols[index] for name, index in mapping.items()}
    if item == 3:
        mapping |= _tick_columns(row, set(mapping.values()))
    if KEY_FIELD[item] not in mapping:
        return {}
    if len(mapping) >= 2:
        return mapping
    # a one-column list ("序号 | 平台名称及级别"): the header is the key column plus row numbers only
    others = [c.text for c in row if c.col != mapping[KEY_FIELD[item]] and c.text.strip()]
    return mapping if others and all(_INDEX_HEADER.match(_squash_header(t)) for t in others) else {}


_INDEX_HEADER = re.compile(r"^(?:序号|编号|序|No\.?|NO\.?|#)$")


def _squash_header(text: str) -> str:
    return re.sub(r"\s", "", nlp.fold_width(text))


def _partial_header(row: list[GridCell], item: int, used_cols: set[int]) -> dict[str, int]:
    """Columns a header row names, without requiring the key column (the other row of a two-row header)."""
    texts = [c.text for c in row]
    found = {name: row[index].col for name, index in match_header(texts, COLUMNS[item]).items()}
    return {name: col for name, col in found.items() if col not in used_cols}


TICK_PREFIX = "tick:"
_TICK = re.compile(r"^\s*(?:[√✓✔☑●■▲★是有Yy]|[Yy]es)\s*$")


def _tick_columns(row: list[GridCell], used: set[int]) -> dict[str, int]:
    """Honour columns ticked per enterprise (单项冠军 | 小巨人 | … with "√"): field "tick:<header>"."""
    out: dict[str, int] = {}
    for cell in row:
        if cell.col not in used and len(parse_honors(cell.text)) == 1 and len(cell.text.strip()) <= 16:
            out.setdefault(TICK_PREFIX + cell.text.strip(), cell.col)
    return out


def _ticked_honours(fields: dict[str, str]) -> str:
    """The headers of the ticked honour columns, as honour text."""
    return "、".join(name[len(TICK_PREFIX) :] for name, value in fields.items() if name.startswith(TICK_PREFIX) and _TICK.match(value))


def grid_records(grids: list[list[list[GridCell]]], item: int) -> list[Record]:
    """Rows of the item's grids as records; a grid without a header continues the last one."""
    out: list[Record] = []
    mapping: dict[str, int] = {}
    for grid in grids:
        start = 0
        for r, row in enumerate(grid[:4]):
            found = _header_mapping(row, item)
            if found:
                mapping, start = found, r + 1
                # a two-row header ("专利信息" over 专利号 | 专利名称): the other row names more columns
                for other_r in (r - 1, r + 1):
                    if not 0 <= other_r < len(grid):
                        continue
                    other = grid[other_r]
                    if nlp.spans(" ".join(c.text for c in other), {"USCC", "PATENT_NO", "STANDARD_NO"}):
                        continue  # a data row, not a header
                    extra = _partial_header(other, item, set(mapping.values()))
                    extra = {k: v for k, v in extra.items() if k not in mapping}
                    if extra:
                        mapping = mapping | extra
                        start = max(start, other_r + 1)
                break
        for row in grid[start:]:
            if mapping and _header_mapping(row, item):  # header repeated on a new page
                continue
            record = _row_record(row, mapping) if mapping else _row_record(row, {})
            if record is None or _TOTAL_ROW.match(record.text.replace(" ", "")):
                continue
            if mapping and record.fields.get(KEY_FIELD[item], "") in COLUMNS[item][KEY_FIELD[item]]:
                continue
            out.append(record)
    return out


def line_records(lines: list[Line], item: int) -> list[Record]:
    """Numbered lines ("1. …", "（2）…", DOCX auto-numbering) as records.

    A line continues the record above when that line ran to the right margin (a
    wrapped line); otherwise an unnumbered line is a record of its own. Intro lines
    ("…如下：", "…附后。") without an identifier are not records.
    """
    out: list[Record] = []
    current: list[Line] = []
    edges = [line.prov.bbox[2] for line in lines if line.prov.bbox]
    right_edge = max(edges) if edges else None

    def close() -> None:
        if current:
            text = "".join(_NUMBERING.sub("", line.text, count=1) if i == 0 else line.text for i, line in enumerate(current))
            text = text.strip()
            numbered = bool(_NUMBERING.match(current[0].text)) or bool(current[0].numbering)
            if text and (numbered or not _is_intro(text)) and not _is_none_statement(text):
                out.append(Record(labelled_fields(text, item), text, Evidence.from_prov(current[0].prov, text), free=True))
            current.clear()

    last_number: int | None = None
    for line in lines:
        if not line.text.strip():
            continue
        numbering = _NUMBERING.match(line.text)
        numbered = bool(numbering) or bool(line.numbering)
        written = int(re.sub(r"\D", "", numbering.group())) if numbering and re.search(r"\d", numbering.group()) else None
        if numbered and written is not None and last_number is not None and written != last_number + 1:
            numbered = False  # "14），2021年发布" continues "…（排名第"
        if _PAGE_FOOTER.match(line.text):
            continue
        if current and not numbered:
            in_numbered_list = bool(_NUMBERING.match(current[0].text)) or bool(current[0].numbering)
            if _is_intro(line.text):
                close()
                continue
            if in_numbered_list or _wraps(current[-1], right_edge) or _continues(current[-1].text, line.text):
                current.append(line)
                continue
        close()
        if written is not None and numbered:
            last_number = written
        current.append(line)
    close()
    return out


_LABELLED = re.compile(r"([\u4e00-\u9fff/（）()]{2,12})\s*[:：]\s*([^，,；;。:：]+?)(?=\s*(?:[，,；;。]|[）)]?[，,；;。]|$|[\u4e00-\u9fff/（）()]{2,12}\s*[:：]))")


def labelled_fields(text: str, item: int) -> dict[str, str]:
    """"专利权人：某公司，授权日期：2020-01-01" → fields by meaning of each label."""
    fields: dict[str, str] = {}
    first = _LABELLED.search(text)
    if first is not None and first.start() > 0:
        lead = re.split(r"[，,；;]", text[: first.start()])[0].strip(" ，,；;（(")
        if lead:
            fields["lead"] = lead
    for match in _LABELLED.finditer(text):
        label, value = match.group(1), match.group(2).strip().strip("（）()")
        mapping = match_header([label.split("/")[0], label], COLUMNS[item], threshold=80.0)
        for name in mapping:
            if name not in fields and value:
                fields[name] = value
                break
    return fields


_PAGE_FOOTER = re.compile(r"^\s*(?:-\s*\d+\s*-|第\s*\d+\s*页(?:\s*[,，/]?\s*共\s*\d+\s*页)?|\d{1,3})\s*$")


def _continues(previous: str, line: str) -> bool:
    """Punctuation that cannot end or start a record: "…代码：" / "）, …"."""
    return bool(re.search(r"[：:（(，,、]\s*$", previous)) or bool(re.match(r"\s*[）)，,、；;。]", line))


def _wraps(previous: Line, right_edge: float | None) -> bool:
    """The line ran to the right margin, so the next one continues it."""
    if previous.prov.bbox is None or right_edge is None:
        return False
    size = previous.font_size or 12.0
    return previous.prov.bbox[2] >= right_edge - 2 * size


_INTRO = re.compile(r"如下|附后|见附件|具体情况|[:：]\s*$|^第?\s*\d+\s*页|^-\s*\d+\s*-$|^\d+$")


_NONE_STATEMENT = re.compile(r"暂未|暂无|尚未|未设立|未建设|没有|不涉及|无此项|^\s*无\s*[。.]?\s*$")


def _is_none_statement(text: str) -> bool:
    """"集群企业暂未在境外设立分支机构。": the item says it has no entries (and names no identifier)."""
    return bool(_NONE_STATEMENT.search(text)) and not nlp.spans(text, {"USCC", "PATENT_NO", "STANDARD_NO"})


def _is_intro(text: str) -> bool:
    """Prose around a list (an intro, a note, a page number), recognised when it names no identifier."""
    return bool(_INTRO.search(text)) and not nlp.spans(text, {"USCC", "PATENT_NO", "STANDARD_NO"})


def section_records(blocks: list[LocatedBlock], item: int) -> list[Record]:
    """All records of one item: tables, tab-column lines and numbered lines, in reading order."""
    grids: list[list[list[GridCell]]] = []
    records: list[Record] = []
    pending: list[Line] = []

    def flush_lines() -> None:
        for tabular, group in line_rows(pending):
            if tabular:
                grids.append(group)
            else:
                flush_grids()
                records.extend(line_records(group, item))
        pending.clear()

    def flush_grids() -> None:
        if grids:
            records.extend(grid_records(grids, item))
            grids.clear()

    for located in blocks:
        if isinstance(located.block, Table):
            flush_lines()
            grids.append(table_grid(located.block))
        else:
            pending.append(located.block)
    flush_lines()
    flush_grids()
    return records


# --------------------------------------------------------------------------- entries per list


def _first_span(text: str, label: str):
    found = nlp.spans(text, label, overlapping=True)
    return found[0] if found else None


def _names_uscc(text: str) -> bool:
    """The text holds a USCC, also one OCR'd with look-alike letters ("MA0…" read "MAO…")."""
    return bool(nlp.spans(text, "USCC")) or numbers.find_uscc_loose(text) is not None


def _organisation(text: str) -> str | None:
    """The first company named in `text` (a …公司 before any …中心/…协会)."""
    found = nlp.spans(text, "ORG", overlapping=True)
    companies = [s for s in found if s.text.endswith("公司")]
    chosen = (companies or found or [None])[0]
    return nlp.original_text(text, chosen).strip() if chosen is not None else None


def enterprise_from(record: Record) -> KeyEnterprise | None:
    name = _clean(record.fields.get("name"))
    if name is None or not re.search(r"[\u4e00-\u9fffA-Za-z]", name):
        name = _organisation(record.text) if record.free else None
    if not _plausible_name(name):
        return None
    uscc_text = record.fields.get("uscc")
    # the code itself when the cell or "代码：" value runs on into other words
    uscc = (numbers.find_uscc_loose(uscc_text) or numbers.normalize_uscc(uscc_text)) if uscc_text else None
    if not uscc:
        span = _first_span(record.text, "USCC")
        uscc = numbers.normalize_uscc(span._.value) if span is not None else numbers.find_uscc_loose(record.text)
    honors_text = record.fields.get("honors") or (record.text.replace(name, " ") if record.free else "")
    honors_text = "、".join(t for t in (honors_text, _ticked_honours(record.fields)) if t)
    return KeyEnterprise(name=name, uscc=uscc or None, honors=parse_honors(honors_text), evidence=record.evidence)


def _trust_identifier(record: Record, label: str) -> Record:
    """A mapped number cell that holds no identifier while the row does (OCR columns shift):
    read the whole row as free text instead of trusting the column mapping."""
    mapped = record.fields.get("number")
    if mapped is None or nlp.spans(mapped, label) or not nlp.spans(record.text, label):
        return record
    return Record({k: v for k, v in record.fields.items() if k == "lead"}, record.text, record.evidence, free=True)


def _repair_standard_record(record: Record) -> Record:
    """The record with OCR'd slashes of standard codes repaired ("QV/JX005" → "Q/JX005"), so the
    number span covers the whole code."""
    fields = {k: numbers.repair_ocr_standard_slash(v) if k == "number" else v for k, v in record.fields.items()}
    return Record(fields, numbers.repair_ocr_standard_slash(record.text), record.evidence, record.free)


def standard_from(record: Record) -> StandardEntry | None:
    record = _trust_identifier(_repair_standard_record(record), "STANDARD_NO")
    number_text = record.fields.get("number")
    if number_text is None:
        span = _first_span(record.text, "STANDARD_NO")
        if span is None:
            return None
        number_text = nlp.original_text(record.text, span)
    number = numbers.normalize_standard_number(number_text)
    if number is None:
        return None
    title = _clean(record.fields.get("title")) or _title_of(record.text)
    if title is None and record.free:
        after = record.text.split(number_text, 1)[-1]
        title = _clean(re.split(r"\s{1,}|[，,；;]", after.strip())[0]) if after.strip() else None
    role_text = record.fields.get("role") or record.text
    rank = parse_rank(record.fields.get("rank"))
    if rank is None and record.free:
        ranked = re.search(r"(?:排名|排序|位次)\s*[:：]?\s*(?:第\s*)?([\d一二三四五六七八九十]+)|第\s*([\d一二三四五六七八九十]+)\s*(?:起草单位|位|名)", nlp.fold_width(record.text))
        if ranked:
            rank = parse_rank(ranked.group(1) or ranked.group(2))
    lead = bool(re.search(r"主持|主导|牵头|主编", role_text)) or (rank is not None and rank <= 3)
    year = numbers.standard_year(number)
    if year is None and record.fields.get("year"):
        date = numbers.parse_date(record.fields["year"])
        year = int(date[:4]) if date else None
    return StandardEntry(number=number, title=title, role="lead" if lead else "participate", rank=rank, year=year, evidence=record.evidence)


def patent_from(record: Record) -> PatentEntry | None:
    record = _trust_identifier(record, "PATENT_NO")
    number_text = record.fields.get("number")
    if number_text is None:
        span = _first_span(record.text, "PATENT_NO")
        if span is None:
            return None
        number_text = nlp.original_text(record.text, span)
    number = numbers.normalize_patent_number(number_text)
    if number is None or len(re.findall(r"\d", number)) < 8:
        return None  # every kind of number has eight digits or more: this row continues a cell above
    title = _clean(record.fields.get("title")) or _title_of(record.text)
    holder = _clean(record.fields.get("holder"))
    if holder is None and record.free:
        holder = _organisation(record.text)
    if title is None and record.free:
        lead = record.fields.get("lead")
        title = lead if lead and numbers.normalize_patent_number(lead) != number else _title_from_line(record.text, number_text, holder)
    date_text = record.fields.get("grant_date")
    if date_text is None and record.free:
        dates = [s for s in nlp.spans(record.text, "DATE", overlapping=True) if s._.value and len(s._.value) == 10]
        date_text = nlp.original_text(record.text, dates[0]) if dates else None
    grant_date = numbers.parse_date(date_text) if date_text else None
    kind = patent_kind(number, record.fields.get("kind") or (record.text if record.free else None))
    return PatentEntry(number=number, title=title, holder=holder, kind=kind, grant_date=grant_date, evidence=record.evidence)


def _title_from_line(text: str, number_text: str, holder: str | None) -> str | None:
    """In a numbered line without 《》, the title is the longest free-text piece."""
    rest = text.replace(number_text, " ")
    if holder:
        rest = rest.replace(holder, " ")
    rest = re.sub(r"[\u4e00-\u9fff/]{2,10}(?:[（(][\u4e00-\u9fff]{1,6}[)）])?\s*[:：]", " ", rest)
    for span in nlp.spans(rest, {"DATE"}):
        rest = rest.replace(nlp.original_text(rest, span), " ")
    pieces = [p.strip() for p in re.split(r"\s+|[，,；;|]", rest) if p.strip()]
    pieces = [p for p in pieces if not re.fullmatch(r"(?:ZL|CN)?[\d.\-/X]*|发明专利|发明|实用新型|外观设计", p)]
    return max(pieces, key=len) if pieces else None


_FOUNDED = re.compile(r"^.*(?:设立|成立|注册|组建|收购|投资建设|投资)了?")


def _branch_organisation(text: str) -> str | None:
    """The branch named in a sentence: the organisation naming a country ("…在越南设立恒锐机械
    （越南）有限公司" names the parent first), without the words that introduce it."""
    found = [nlp.original_text(text, s).strip() for s in nlp.spans(text, "ORG", overlapping=True)]
    abroad = [name for name in found if any(country in nlp.fold_width(name) for country in COUNTRIES)]
    if not abroad:
        return None
    name = _FOUNDED.sub("", abroad[0]).strip()
    return name if _plausible_name(name) else None


# How an organisation's name ends: a branch abroad is a company, office, plant or centre.
_ORGANISATION_END = re.compile(
    r"(?:有限公司|有限责任公司|股份公司|分公司|子公司|公司|集团|办事处|代表处|联络处|工厂|厂|中心|研究院|研究所|实验室"
    r"|事务所|株式会社|商社|商行|门店|分部|基地|仓库|海外仓|分店|分院"
    r"|Co\.?,?\s*Ltd\.?|Ltd\.?|Limited|Inc\.?|Corp(?:oration)?\.?|Company|GmbH|LLC|S\.?A\.?|B\.?V\.?|Pte\.?|Sdn\.?\s*Bhd\.?"
    r"|Office|Factory|Center|Centre|Branch)$",
    re.IGNORECASE,
)


def _looks_like_organisation(name: str) -> bool:
    """A name, not a sentence: it ends as an organisation's name does (a trailing "（越南）"
    or "(Vietnam)" set aside) and holds no sentence punctuation."""
    bare = re.sub(r"\s*[（(][^()（）]{1,20}[)）]\s*$", "", nlp.fold_width(name).strip()).rstrip(" .")
    if re.search(r"[。；;！!？?]", bare):
        return False
    return bool(_ORGANISATION_END.search(bare) or _ORGANISATION_END.search(bare + "."))


def _leading_organisation(text: str) -> str | None:
    """The longest run of words opening the record that reads as an organisation's name
    ("卫华集团迪拜办事处 阿联酋", "Weihua Crane Vietnam Co., Ltd. 越南")."""
    unnumbered = re.sub(r"^\s*\d{1,3}\s+", "", _NUMBERING.sub("", text, count=1))  # a headerless row's 序号 cell
    first_piece = _clean(re.split(r"\s{2,}|\t|[，,；;](?!\s*Ltd)", unnumbered)[0]) or ""
    words = first_piece.split(" ")
    for count in range(len(words), 0, -1):
        name = " ".join(words[:count])
        if _looks_like_organisation(name):
            return name
    return None


def branch_from(record: Record) -> OverseasBranch | None:
    name = _clean(record.fields.get("name"))
    if name is None and record.free:
        # a numbered line or a table without header: the name must read as an organisation's,
        # so a prose line ("集群内企业积极开拓国际市场") is not taken for a branch
        name = _branch_organisation(record.text) or _leading_organisation(record.text) or _organisation(record.text)
    if not _plausible_name(name):
        return None
    country = _clean(record.fields.get("country")) or find_country(record.text.replace(name, " ", 1)) or find_country(name)
    return OverseasBranch(name=name, country=country, evidence=record.evidence)


def platform_from(record: Record) -> ServicePlatform | None:
    name = _clean(record.fields.get("name"))
    if name is None:
        cut = re.split(r"\s{2,}|\t|[，,；;]|[（(]\s*(?:国家|省|市|县|区)级|\s+(?=(?:国家|省|市|县|区)级)", record.text)[0]
        name = _clean(re.sub(r"^(?:平台名称|名称)[:：]", "", cut))
    if not _plausible_name(name):
        return None
    level = parse_level(record.fields.get("level")) if "level" in record.fields else None
    if level is None and "level" not in record.fields:
        named = _LEVEL_IN_NAME.search(name)  # "某某服务平台（省级）" in a name-only column
        if named and _plausible_name(name[: named.start()].strip()):
            name, level = name[: named.start()].strip(), parse_level(named.group(1))
    if level is None and record.free:
        level = parse_level(_level_words(record.text.replace(name, " ", 1)))
    return ServicePlatform(name=name, level=level, evidence=record.evidence)


_LEVEL_IN_NAME = re.compile(r"[（(]\s*((?:国家|省|市|县|区)级)[^()（）]{0,20}[)）]\s*$")


def _plausible_name(name: str | None) -> bool:
    """A list entry's name: at least four characters, some of them letters (not "等", not "12")."""
    return bool(name) and len(name) >= 4 and bool(re.search(r"[\u4e00-\u9fffA-Za-z]", name))


def _level_words(text: str) -> str | None:
    match = re.search(r"(国家|省|市|县|区)级", text)
    return match.group() if match else None


# When item 3's heading is not found (a garbled scan), its rows sit inside a neighbouring
# item's span: rows naming a USCC are enterprise rows wherever they are, outside the
# items that legitimately name companies with codes.
_ENTERPRISE_FALLBACK_SKIP = {1, 7, 8, 17, 18, 19, 20}


def attached_list_blocks(
    docs: list[SourceDocument], item: int, span_file: str | None, titles: ItemTitles
) -> list[LocatedBlock]:
    """A list sent as its own file ("附件17 境外分支机构清单.xlsx") while the body's section
    only says "详见附件17" (no entries of its own): that file holds the item's list."""
    return [
        LocatedBlock(doc=doc, page=page, block=block)
        for doc in docs
        if doc.name != span_file and titles.file_item(doc.name) == item
        for page, block in doc.iter_blocks()
    ]


def entries_for(index: SectionIndex, item: int, build: Callable[[Record], object | None], docs: list[SourceDocument] | None = None) -> list:
    """Every entry of one item, in reading order; duplicates stay (the validators report them)."""
    span = index.section(item)
    if span.present:
        records = section_records(span.blocks, item) or section_records(attached_list_blocks(docs or [], item, span.file, index.titles), item)
    elif item == 3:
        records = [
            record
            for other in index.sections
            if other.present and other.item not in _ENTERPRISE_FALLBACK_SKIP
            for record in section_records(other.blocks, item)
            if len(record.text) <= 120 and _names_uscc(record.text)  # a row, not a garbled page
        ]
    else:
        return []
    built = [build(record) for record in records]
    return [entry for entry in built if entry is not None]


def extract_lists(index: SectionIndex, docs) -> Lists:
    """The five lists from items 3, 7, 8, 17 and 18."""
    lists = Lists(
        key_enterprises=entries_for(index, 3, enterprise_from, docs),
        standards=entries_for(index, 7, standard_from, docs),
        patents=entries_for(index, 8, patent_from, docs),
        overseas_branches=entries_for(index, 17, branch_from, docs),
        service_platforms=entries_for(index, 18, platform_from, docs),
    )
    return repair_ocr_names(lists, docs or [])


def repair_ocr_names(lists: Lists, docs: list[SourceDocument]) -> Lists:
    """Organisation names read by OCR, with lone misread characters repaired from the
    packet's own words (`extractors.analysis.ocr_corrections`); the evidence keeps the text as read."""
    ocr_pages = {(doc.name, page.number) for doc in docs for page in doc.pages if page.method is ReadMethod.OCR}
    named = [*lists.key_enterprises, *lists.overseas_branches, *lists.service_platforms]
    read_by_ocr = [e for e in named if e.evidence is not None and (e.evidence.file, e.evidence.page) in ocr_pages]
    if not read_by_ocr:
        return lists
    lexicon = PacketLexicon.of_documents(docs)
    for entry in read_by_ocr:
        entry.name = lexicon.repair(entry.name)
    return lists
