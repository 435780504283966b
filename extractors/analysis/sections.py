"""Finding the cover, the 目录 and the 20 required items in a packet's documents.

The packet is read as one sequence of blocks, document after document (packet
order). Items are found two ways:

* by heading: a short line that names an item (see `extractors.analysis.headings`), with cues
  that make it a heading rather than a mention — numbering that agrees with the item,
  a heading style, a larger font, first line on its page — and guards against the
  目录, the cover, cross references, sentences and table cells;
* by file: in a folder packet a file named after an item (`08 有效发明专利清单.xlsx`)
  is that item as a whole, unless it holds the headings of other items.

An item runs from its heading to the next item heading in the same file.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from extractors.analysis.cover import extract_cover
from extractors.analysis.front_matter import cover_slots, find_toc, front_blocks
from extractors.analysis.headings import (
    MIN_MARGIN,
    ItemTitles,
    TitleMatch,
    canonical_form,
    is_page_furniture,
    is_reference,
    nfkc,
    plausible_heading_text,
    split_numbering,
)
from extractors.analysis.ocr_corrections import repair_ocr_cover
from extractors.analysis.spans import LocatedBlock, SectionIndex, SectionSpan, Slot, TocEntry, has_substance, located, running_lines, slots_of
from pipeline.core.document import Block, FileKind, Line, SourceDocument, Table


# --- headings -----------------------------------------------------------------------------


@dataclass
class _Candidate:
    item: int
    score: float
    slot: Slot
    end_index: int  # last slot of the heading (a heading split over two lines ends one later)
    text: str
    number: int | None
    large_font: bool | None = None  # drawn larger than the file's body text (None: no font sizes)
    similarity: float = 0.0  # the title match alone, before cues

    @property
    def position(self) -> tuple[int, int]:
        return (self.slot.doc_index, self.slot.index)


LARGE_FONT_RATIO = 1.15
ACCEPT_SCORE = 75.0  # heading score (similarity + cues) an item heading must reach
_SENTENCE_MARKS = re.compile(r"[。;!?]|了")  # after NFKC: ；！？ are ;!?
_HEADING_STYLE = re.compile(r"heading|title|标题|toc|caption", re.IGNORECASE)


def _median_font(doc: SourceDocument) -> float | None:
    sizes = sorted(b.font_size for _, b in doc.iter_blocks() if isinstance(b, Line) and b.font_size)
    return sizes[len(sizes) // 2] if sizes else None


def _cues(line: Line, match: TitleMatch, median_font: float | None, first_on_page: bool) -> float:
    """What makes a line a heading rather than a mention, as score adjustments."""
    bonus = 0.0
    if match.number is not None:
        bonus += 10.0 if match.number == match.item else -10.0
    if line.style and _HEADING_STYLE.search(line.style):
        bonus += 10.0
    if line.font_size and median_font and line.font_size >= LARGE_FONT_RATIO * median_font:
        bonus += 6.0
    if first_on_page:
        bonus += 5.0
    body = nfkc(line.text).strip().rstrip("。;；:：")
    if _SENTENCE_MARKS.search(body):
        bonus -= 15.0
    elif "," in body and match.score < UNMISTAKABLE_TITLE:  # OCR writes 、 as ，(NFKC ","): only loose matches pay
        bonus -= 15.0
    return bonus


def _opens_parenthesis(text: str) -> bool:
    text = nfkc(text)
    return text.count("(") > text.count(")")


def _accepts(match: TitleMatch, score: float) -> bool:
    decided_by_number = match.number == match.item
    return score >= ACCEPT_SCORE and (match.score - match.runner_up >= MIN_MARGIN or decided_by_number)


def _line_candidate(
    slots: list[Slot], position: int, median_font: float | None, first_on_page: bool, titles: ItemTitles
) -> _Candidate | None:
    slot = slots[position]
    line = slot.block
    assert isinstance(line, Line)
    if not plausible_heading_text(line.text):
        return None
    match = titles.match_title(line.text, line.numbering)
    end_index = slot.index
    # a heading split over two lines: join a short line with the next when that reads better
    following = slots[position + 1] if position + 1 < len(slots) else None
    if (
        following is not None
        and following.page is slot.page
        and isinstance(following.block, Line)
        and following.block.numbering is None
        and len(canonical_form(line.text)) <= 30
        and len(nfkc(following.block.text).strip()) <= 40
        and split_numbering(following.block.text)[0] is None
        and plausible_heading_text(following.block.text)
    ):
        joined = titles.match_title(line.text.rstrip() + following.block.text.strip(), line.numbering)
        if _opens_parenthesis(line.text) and joined is not None and match is not None and joined.item == match.item:
            end_index = following.index  # the parenthetical remark goes on on the next line
        elif joined is not None and (match is None or joined.score > match.score + 3):
            alone = titles.match_title(following.block.text)
            number, rest = split_numbering(line.text)
            numbering_only = number is not None and not rest  # '附件8' above its title
            if numbering_only or alone is None or alone.item != joined.item or alone.score < joined.score - 3:
                match, end_index = joined, following.index
    if match is None:
        return None
    score = match.score + _cues(line, match, median_font, first_on_page)
    if not _accepts(match, score):
        return None
    large = None if not (line.font_size and median_font) else line.font_size >= LARGE_FONT_RATIO * median_font
    return _Candidate(match.item, score, slot, end_index, line.text, match.number, large, match.score)


def _table_candidates(slot: Slot, first_on_page: bool, titles: ItemTitles) -> list[_Candidate]:
    """A sheet name or a title row spanning the table may name an item (lists in XLSX)."""
    table = slot.block
    assert isinstance(table, Table)
    texts: list[str] = []
    if table.name and not re.fullmatch(r"(?i)sheet\s*\d*|工作表\s*\d*", table.name.strip()):
        texts.append(table.name)
    if table.rows:
        first_row = {c.text.strip() for c in table.rows[0] if c.text.strip()}
        if len(first_row) == 1:
            texts.append(first_row.pop())
    out = []
    for text in texts:
        if not plausible_heading_text(text):
            continue
        match = titles.match_title(text)
        if match is None:
            continue
        score = match.score + (5.0 if first_on_page else 0.0) - 3.0  # prefer a line heading to a caption
        if match.number is not None:
            score += 10.0 if match.number == match.item else -10.0
        if _accepts(match, score):
            out.append(_Candidate(match.item, score, slot, slot.index, text, match.number, None, match.score))
    return out


def _heading_candidates(doc: SourceDocument, slots: list[Slot], excluded: set[int], titles: ItemTitles) -> list[_Candidate]:
    median_font = _median_font(doc)
    out: list[_Candidate] = []
    seen_on_page: set[int] = set()
    for position, slot in enumerate(slots):
        if slot.index in excluded:
            continue
        block = slot.block
        first_on_page = slot.page.number not in seen_on_page
        if isinstance(block, Line) and is_page_furniture(block.text):
            continue
        seen_on_page.add(slot.page.number)
        if isinstance(block, Line):
            candidate = _line_candidate(slots, position, median_font, first_on_page, titles)
            if candidate is not None:
                out.append(candidate)
        else:
            out.extend(_table_candidates(slot, first_on_page, titles))
    return out


# --- putting it together ----------------------------------------------------------------------------


def _choose(candidates: list[_Candidate]) -> dict[int, _Candidate]:
    """One heading per item: the best; among near-best ones, the one that fits the item order."""
    by_item: dict[int, list[_Candidate]] = {}
    for c in candidates:
        by_item.setdefault(c.item, []).append(c)
    chosen = {item: max(cs, key=lambda c: (c.score, [-p for p in c.position])) for item, cs in by_item.items()}
    for item, cs in by_item.items():
        near = sorted((c for c in cs if c.score >= chosen[item].score - 3), key=lambda c: c.position)
        if len(near) < 2:
            continue
        before = [chosen[i].position for i in chosen if i < item]
        after = [chosen[i].position for i in chosen if i > item]
        low = max(before) if before else (-1, -1)
        high = min(after) if after else (10**9, 10**9)
        fitting = [c for c in near if low < c.position < high]
        chosen[item] = fitting[0] if fitting else near[0]
    return chosen


CONSISTENT_SHARE = 0.8  # share of chosen headings that must share a cue before it is required
CONSISTENT_MIN = 5
UNMISTAKABLE_TITLE = 95.0  # a title matched this well stays a heading whatever its number or font


def _consistent_with_packet(candidates: list[_Candidate], chosen: dict[int, _Candidate]) -> list[_Candidate]:
    """Drop candidates that break a file's own heading habits (sub-headings, mentions).

    When nearly all item headings chosen in a file carry their own item number, a line
    numbered for another item ('四、协同创新与数字化' inside item 1) is a sub-heading;
    when nearly all are set in a larger font, a body-size line is not an item heading.
    Judged per file (in a folder packet each file may number its items from 1), and
    never against a full title: items out of order keep auto-numbering in sequence.
    """
    by_doc: dict[int, list[_Candidate]] = {}
    for head in chosen.values():
        by_doc.setdefault(head.slot.doc_index, []).append(head)
    numbered_docs: set[int] = set()
    sized_docs: set[int] = set()
    for doc_index, heads in by_doc.items():
        if len(heads) < CONSISTENT_MIN:
            continue
        if sum(1 for c in heads if c.number == c.item) >= CONSISTENT_SHARE * len(heads):
            numbered_docs.add(doc_index)
        sized = [c for c in heads if c.large_font is not None]
        if len(sized) >= CONSISTENT_MIN and sum(1 for c in sized if c.large_font) >= CONSISTENT_SHARE * len(sized):
            sized_docs.add(doc_index)
    return [
        c
        for c in candidates
        if c.similarity >= UNMISTAKABLE_TITLE
        or not (
            (c.slot.doc_index in numbered_docs and c.number is not None and c.number != c.item)
            or (c.slot.doc_index in sized_docs and c.large_font is False)
        )
    ]


_GARBLED_NUMBERING = re.compile(r"^\s*[(（\[【〔][^)）\]】〕]{0,4}[)）\]】〕]|^\s*\S{1,3}[、.．]")


def _rescue_missing(
    docs: list[SourceDocument], all_slots: list[list[Slot]], excluded: list[set[int]], chosen: dict[int, _Candidate],
    titles: ItemTitles,
) -> dict[int, _Candidate]:
    """A missing item whose neighbours were found: look between them for a garbled heading.

    OCR can merge a heading with the line beside it ('(+5)举办…境外…营业执照和'); such a
    line still sits where the item belongs, in the heading font or behind a numbering
    bracket, and still holds the item's key terms.
    """
    rescued: dict[int, _Candidate] = {}
    for item in titles.numbers:
        if item in chosen:
            continue
        before = [c for i, c in chosen.items() if i < item]
        after = [c for i, c in chosen.items() if i > item]
        if not before or not after:
            continue
        low = max(before, key=lambda c: c.item)
        high = min(after, key=lambda c: c.item)
        if low.slot.doc_index != high.slot.doc_index or not low.position < high.position:
            continue
        doc, slots = docs[low.slot.doc_index], all_slots[low.slot.doc_index]
        median_font = _median_font(doc)
        best: _Candidate | None = None
        for slot in slots[low.end_index + 1 : high.slot.index]:
            line = slot.block
            if not isinstance(line, Line) or slot.index in excluded[low.slot.doc_index] or is_reference(line.text):
                continue
            large = bool(line.font_size and median_font and line.font_size >= LARGE_FONT_RATIO * median_font)
            if not (large or line.style and _HEADING_STYLE.search(line.style) or _GARBLED_NUMBERING.match(nfkc(line.text))):
                continue
            if not titles.signature_present(item, canonical_form(line.text)):
                continue
            similarity = dict(titles.score_items(canonical_form(split_numbering(line.text)[1]))).get(item, 0.0)
            if best is None or similarity > best.similarity:
                best = _Candidate(item, similarity, slot, slot.index, line.text, None, large, similarity)
        if best is not None:
            rescued[item] = best
    return rescued


def _page_span(blocks: list[LocatedBlock], heading_page: int) -> int:
    pages = [b.page.number for b in blocks if not (isinstance(b.block, Line) and is_page_furniture(b.block.text))]
    return max(pages + [heading_page])


def _has_textless_page(doc: SourceDocument) -> bool:
    return any(not page.blocks for page in doc.pages) or len(doc.pages) < (doc.page_count or 0)


def _last_page(doc: SourceDocument) -> int:
    if doc.page_count:
        return doc.page_count
    return max((p.number for p in doc.pages), default=1)


def _heading_spans(
    docs: list[SourceDocument], all_slots: list[list[Slot]], excluded: list[set[int]], chosen: dict[int, _Candidate],
    titles: ItemTitles, furniture: list[set[int]],
) -> dict[int, SectionSpan]:
    """Each chosen heading's span: from the heading to the next chosen heading in the same file.

    Running headers and footers stay in the span's blocks but are not its content: they
    neither fill an empty item nor carry it onto the next page."""
    by_doc: dict[int, list[_Candidate]] = {}
    for head in chosen.values():
        by_doc.setdefault(head.slot.doc_index, []).append(head)
    spans: dict[int, SectionSpan] = {}
    for doc_index, heads in by_doc.items():
        doc, slots = docs[doc_index], all_slots[doc_index]
        heads.sort(key=lambda c: c.slot.index)
        for n, head in enumerate(heads):
            stop = heads[n + 1].slot.index if n + 1 < len(heads) else len(slots)
            kept = [s for s in slots[head.end_index + 1 : stop] if s.index not in excluded[doc_index]]
            body = [located(doc, s) for s in kept]
            content = [located(doc, s) for s in kept if s.index not in furniture[doc_index]]
            if isinstance(head.slot.block, Table):  # a sheet name or title row: the table is the content
                body.insert(0, located(doc, head.slot))
                content.insert(0, located(doc, head.slot))
            spans[head.item] = SectionSpan(
                item=head.item,
                title=titles.title(head.item),
                present=True,
                empty=not has_substance(content),
                file=doc.name,
                first_page=head.slot.page.number,
                last_page=_page_span(content, head.slot.page.number),
                heading=located(doc, head.slot),
                blocks=body,
            )
    return spans


def _file_span(
    doc: SourceDocument, slots: list[Slot], excluded: set[int], item: int, own: list[_Candidate], titles: ItemTitles,
    furniture: set[int],
) -> SectionSpan:
    """A file that is one item as a whole: every page of it (after its own heading, if any)."""
    heading_slot = own[0].slot if own else None
    skip_to = own[0].end_index if own else -1
    body = [located(doc, s) for s in slots if s.index > skip_to and s.index not in excluded]
    content = [b for s, b in zip((s for s in slots if s.index > skip_to and s.index not in excluded), body)
               if s.index not in furniture]
    if heading_slot is not None and isinstance(heading_slot.block, Table):
        body.insert(0, located(doc, heading_slot))
        content.insert(0, located(doc, heading_slot))
    return SectionSpan(
        item=item,
        title=titles.title(item),
        present=True,
        # a photo is evidence even when OCR reads no text from it
        empty=not has_substance(content) and not (doc.kind is FileKind.IMAGE and _has_textless_page(doc)),
        file=doc.name,
        first_page=min((p.number for p in doc.pages), default=1),
        last_page=_last_page(doc),
        heading=located(doc, heading_slot) if heading_slot else None,
        blocks=body,
        whole_file=True,
    )


def find_sections(docs: list[SourceDocument], titles: ItemTitles) -> SectionIndex:
    """Locate cover fields, 目录 and items 1..20 across the packet's documents (in packet order)."""
    all_slots = [slots_of(i, doc) for i, doc in enumerate(docs)]
    toc = find_toc(all_slots, titles)
    excluded = [
        cover_slots(slots, titles) | (toc.used if toc is not None and toc.doc_index == doc_index else set())
        for doc_index, slots in enumerate(all_slots)
    ]
    furniture = [running_lines(slots) for slots in all_slots]
    candidates_by_doc = [_heading_candidates(doc, all_slots[i], excluded[i], titles) for i, doc in enumerate(docs)]

    # files named after one item and holding no other item's heading are that item whole
    whole_file: dict[int, int] = {}
    for doc_index, doc in enumerate(docs):
        named = titles.file_item(doc.name)
        if named is not None and not ({c.item for c in candidates_by_doc[doc_index]} - {named}):
            whole_file[doc_index] = named

    heading_candidates = [c for i, cs in enumerate(candidates_by_doc) if i not in whole_file for c in cs]
    chosen = _choose(_consistent_with_packet(heading_candidates, _choose(heading_candidates)))
    chosen |= _rescue_missing(docs, all_slots, excluded, chosen, titles)
    options: dict[int, list[tuple[SectionSpan, tuple[int, int]]]] = {}
    for item, span in _heading_spans(docs, all_slots, excluded, chosen, titles, furniture).items():
        options.setdefault(item, []).append((span, chosen[item].position))
    for doc_index, item in whole_file.items():
        own = [c for c in candidates_by_doc[doc_index] if c.item == item]
        span = _file_span(docs[doc_index], all_slots[doc_index], excluded[doc_index], item, own, titles, furniture[doc_index])
        options.setdefault(item, []).append((span, (doc_index, 0)))

    # an item found twice (a stub heading '详见附件8' and its own file): the content is the one
    # with substance, the place in the packet's order is the heading's (where a reader meets it)
    spans = {item: SectionSpan(item=item, title=title) for item, title in titles.canonical.items()}
    starts: dict[int, tuple[int, int]] = {}
    for item, found in options.items():
        spans[item] = min(found, key=lambda option: (option[0].empty, option[1]))[0]
        starts[item] = chosen[item].position if item in chosen else min(position for _, position in found)

    if toc is not None:
        for entry in toc.entries:
            spans[entry.item].toc_page = entry.page
    toc_file = docs[toc.doc_index].name if toc is not None else None
    return SectionIndex(
        cover=repair_ocr_cover(extract_cover(front_blocks(docs, all_slots, starts, toc), _blocks_of(spans[1])), docs),
        toc=toc.entries if toc else [],
        toc_found=toc is not None,
        sections=[spans[i] for i in sorted(spans)],
        order=[item for item, _ in sorted(starts.items(), key=lambda pair: pair[1])],
        toc_file=toc_file,
        toc_offset=_toc_offset(toc.entries if toc else [], spans, toc_file),
        toc_heading=located(docs[toc.doc_index], toc.title_slot) if toc else None,
        titles=titles,
    )


def _blocks_of(span: SectionSpan) -> list[Block]:
    out: list[Block] = [span.heading.block] if span.heading is not None and isinstance(span.heading.block, Line) else []
    return out + [b.block for b in span.blocks]


def _toc_offset(entries: list[TocEntry], spans: dict[int, SectionSpan], toc_file: str | None) -> int:
    """Physical page − 目录 page, when most entries agree on one non-zero difference."""
    differences = [
        spans[e.item].first_page - e.page  # type: ignore[operator]
        for e in entries
        if e.page is not None and spans[e.item].present and spans[e.item].file == toc_file
    ]
    if len(differences) < 2:
        return 0
    offset, count = Counter(differences).most_common(1)[0]
    return offset if count * 2 > len(differences) else 0


__all__ = ["LocatedBlock", "SectionIndex", "SectionSpan", "TocEntry", "find_sections", "has_substance"]
