"""The five lists: key enterprises (item 3), standards (7), patents (8), overseas branches (17), platforms (18).

Each item's records (`list_records`) are built into entries with the field parsers of
`list_fields` and the spaCy rule spans. Numbers are normalised but never dropped for a
bad check digit: the validators report those.
"""

from __future__ import annotations

import re
from typing import Callable

from extractors.analysis import nlp, numbers
from extractors.analysis.list_fields import (
    NUMBERING,
    COUNTRIES,
    clean_field,
    quoted_title,
    find_country,
    parse_honors,
    parse_level,
    parse_rank,
    patent_kind,
)
from extractors.analysis.list_records import Record, ticked_honours, section_records
from extractors.analysis.ocr_corrections import PacketLexicon
from extractors.analysis.headings import ItemTitles
from extractors.analysis.spans import LocatedBlock, SectionIndex
from pipeline.core.document import ReadMethod, SourceDocument
from pipeline.core.result import KeyEnterprise, Lists, OverseasBranch, PatentEntry, ServicePlatform, StandardEntry

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


def _is_identifier(text: str) -> bool:
    """A cell that holds a code, not a name (a shifted column: "91410700MA3KDWCC36")."""
    return bool(re.fullmatch(r"[0-9A-Z]{15,20}", re.sub(r"\s", "", text))) and bool(re.search(r"\d{4}", text))


def enterprise_from(record: Record) -> KeyEnterprise | None:
    name = clean_field(record.fields.get("name"))
    uscc_text = record.fields.get("uscc")
    if name is not None and _names_uscc(name) and _organisation(name):
        # the name cell runs on into the code, one blank apart ("某某有限公司 9141…2C"): the
        # columns after it are shifted, so the row is read by what each piece is
        name = _organisation(name)
        record = Record({k: v for k, v in record.fields.items() if k == "lead"}, record.text, record.evidence, free=True)
        uscc_text = None
    if name is None or not re.search(r"[\u4e00-\u9fffA-Za-z]", name) or _is_identifier(name):
        name = _organisation(record.text) if record.free or name is not None else None
    if not _plausible_name(name):
        return None
    # the code itself when the cell or "代码：" value runs on into other words
    uscc = (numbers.find_uscc_loose(uscc_text) or numbers.normalize_uscc(uscc_text)) if uscc_text else None
    if not uscc:
        span = _first_span(record.text, "USCC")
        uscc = numbers.normalize_uscc(span._.value) if span is not None else numbers.find_uscc_loose(record.text)
    honors_text = record.fields.get("honors") or (record.text.replace(name, " ") if record.free else "")
    honors_text = "、".join(t for t in (honors_text, ticked_honours(record.fields)) if t)
    return KeyEnterprise(name=name, uscc=uscc or None, honors=parse_honors(honors_text), evidence=record.evidence)


def _trust_identifier(record: Record, label: str) -> Record:
    """A mapped number cell that holds no identifier while the row does (OCR columns shift):
    read the whole row as free text instead of trusting the column mapping."""
    mapped = record.fields.get("number")
    if mapped is None or nlp.spans(mapped, label) or not nlp.spans(record.text, label):
        return record
    return Record({k: v for k, v in record.fields.items() if k == "lead"}, record.text, record.evidence, free=True)


def _identifier_text(record: Record, label: str) -> tuple[Record, str | None]:
    """The row to read (see `_trust_identifier`) and its identifier as written: the number
    cell, else the first `label` span of the row's text."""
    record = _trust_identifier(record, label)
    number_text = record.fields.get("number")
    if number_text is None:
        span = _first_span(record.text, label)
        number_text = nlp.original_text(record.text, span) if span is not None else None
    return record, number_text


def standard_from(record: Record) -> StandardEntry | None:
    record, number_text = _identifier_text(record, "STANDARD_NO")
    if number_text is None:
        return None
    number = numbers.normalize_standard_number(number_text)
    if number is None:
        return None
    title = clean_field(record.fields.get("title")) or quoted_title(record.text)
    if title is None and record.free:
        after = record.text.split(number_text, 1)[-1]
        title = clean_field(re.split(r"\s{1,}|[，,；;]", after.strip())[0]) if after.strip() else None
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
    record, number_text = _identifier_text(record, "PATENT_NO")
    if number_text is None:
        return None
    number = numbers.normalize_patent_number(number_text)
    if number is None or len(re.findall(r"\d", number)) < 8:
        return None  # every kind of number has eight digits or more: this row continues a cell above
    title = clean_field(record.fields.get("title")) or quoted_title(record.text)
    holder = clean_field(record.fields.get("holder"))
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
    unnumbered = re.sub(r"^\s*\d{1,3}\s+", "", NUMBERING.sub("", text, count=1))  # a headerless row's 序号 cell
    first_piece = clean_field(re.split(r"\s{2,}|\t|[，,；;](?!\s*Ltd)", unnumbered)[0]) or ""
    words = first_piece.split(" ")
    for count in range(len(words), 0, -1):
        name = " ".join(words[:count])
        if _looks_like_organisation(name):
            return name
    return None


def branch_from(record: Record) -> OverseasBranch | None:
    name = clean_field(record.fields.get("name"))
    if name is None and record.free:
        # a numbered line or a table without header: the name must read as an organisation's,
        # so a prose line ("集群内企业积极开拓国际市场") is not taken for a branch
        name = _branch_organisation(record.text) or _leading_organisation(record.text) or _organisation(record.text)
    if not _plausible_name(name):
        return None
    country = clean_field(record.fields.get("country")) or find_country(record.text.replace(name, " ", 1)) or find_country(name)
    return OverseasBranch(name=name, country=country, evidence=record.evidence)


def platform_from(record: Record) -> ServicePlatform | None:
    name = clean_field(record.fields.get("name"))
    if name is None:
        cut = re.split(r"\s{2,}|\t|[，,；;]|[（(]\s*(?:国家|省|市|县|区)级|\s+(?=(?:国家|省|市|县|区)级)", record.text)[0]
        name = clean_field(re.sub(r"^(?:平台名称|名称)[:：]", "", cut))
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
