"""A list's rows as records: grids (document tables, XLSX sheets, OCR lines with tab or
wide-gap columns) whose header row is matched by meaning, tables continuing over pages
keeping the last header, and numbered records ("1. 某某有限公司 统一社会信用代码：…").

OCR-read blocks are corrected (`ocr_corrections.corrected_block`) before they are read;
a text layer or DOCX is read as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.analysis import nlp
from extractors.analysis.list_fields import NUMBERING, TOTAL_ROW, COLUMNS, KEY_FIELD, parse_honors
from extractors.analysis.ocr_corrections import corrected_block
from extractors.analysis.spans import LocatedBlock
from extractors.analysis.tables import GridCell, line_rows, match_header, table_grid
from pipeline.core.document import Line, Table
from pipeline.core.result import Evidence

STANDARDS_ITEM = 7

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


def ticked_honours(fields: dict[str, str]) -> str:
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
            if record is None or TOTAL_ROW.match(record.text.replace(" ", "")):
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
            text = "".join(NUMBERING.sub("", line.text, count=1) if i == 0 else line.text for i, line in enumerate(current))
            text = text.strip()
            numbered = bool(NUMBERING.match(current[0].text)) or bool(current[0].numbering)
            if text and (numbered or not _is_intro(text)) and not _is_none_statement(text):
                out.append(Record(labelled_fields(text, item), text, Evidence.from_prov(current[0].prov, text), free=True))
            current.clear()

    last_number: int | None = None
    for line in lines:
        if not line.text.strip():
            continue
        numbering = NUMBERING.match(line.text)
        numbered = bool(numbering) or bool(line.numbering)
        written = int(re.sub(r"\D", "", numbering.group())) if numbering and re.search(r"\d", numbering.group()) else None
        if numbered and written is not None and last_number is not None and written != last_number + 1:
            numbered = False  # "14），2021年发布" continues "…（排名第"
        if _PAGE_FOOTER.match(line.text):
            continue
        if current and not numbered:
            in_numbered_list = bool(NUMBERING.match(current[0].text)) or bool(current[0].numbering)
            if _is_intro(line.text):
                close()
                continue
            if _second_identifier(current, line):
                pass  # a record holds one credit code, patent or standard number: this line is the next record
            elif in_numbered_list or _wraps(current[-1], right_edge) or _continues(current[-1].text, line.text):
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


_IDENTIFIERS = {"USCC", "PATENT_NO", "STANDARD_NO"}


def _second_identifier(current: list[Line], line: Line) -> bool:
    """The line names an identifier of a kind the record above already has: an unnumbered
    table row read as a line ("14 信德（襄城）硅业科技有限公司 9141…") after a row that ran
    to the right margin starts its own record instead of continuing that one."""
    kinds = {s.label_ for s in nlp.spans(line.text, _IDENTIFIERS)}
    if not kinds:
        return False
    held = {s.label_ for s in nlp.spans("".join(l.text for l in current), _IDENTIFIERS)}
    return bool(kinds & held)


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
        block = corrected_block(located.block, standards=item == STANDARDS_ITEM)
        if isinstance(block, Table):
            flush_lines()
            grids.append(table_grid(block))
        else:
            pending.append(block)
    flush_lines()
    flush_grids()
    return records
