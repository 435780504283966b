"""Item 2, the 现场核查符合性说明: does it make every statement the 附件2 template requires?

The statements and their accepted phrasings are data in the rule file. Text is
compared after removing spaces and punctuation, and longer phrasings also match
with OCR noise (rapidfuzz partial_ratio), so a scanned statement with a few
misread characters still counts as made.
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz

from pipeline.core.document import Line, ReadMethod, Table
from pipeline.core.result import Evidence, Finding, FindingCode
from extractors.analysis.spans import SectionIndex, SectionSpan
from pipeline.rounds.parts import Statement, VerificationRules
from pipeline.rounds.ruleset import Ruleset, choose_ruleset

ITEM_VERIFICATION = 2

# Everything that is not a letter, digit or CJK character (spaces, 、，。；：“”（） and
# OCR variants such as 丶) is dropped before comparing.
_NOT_WORD = re.compile(r"[^\w]|_", re.UNICODE)


def compact_text(text: str) -> str:
    """NFKC, then only word characters: "安全、质量、环境" → "安全质量环境"."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text))


def span_lines(span: SectionSpan, ocr_only: bool = False) -> list[str]:
    """The item's text, one entry per line or table row, in reading order (only the lines
    read by OCR with `ocr_only`)."""
    lines: list[str] = []
    for located in span.blocks:
        block = located.block
        if ocr_only and block.prov.method is not ReadMethod.OCR:
            continue
        if isinstance(block, Line):
            lines.append(block.text)
        elif isinstance(block, Table):
            lines.extend(" ".join(cell.text for cell in row) for row in block.rows)
    return lines


def phrase_found(phrase: str, compact: str, rules: VerificationRules) -> bool:
    """Exact (after compaction) for short phrases; fuzzy for phrases long enough not to match by chance."""
    target = compact_text(phrase)
    if not target:
        return False
    if target in compact:
        return True
    if len(target) < rules.fuzzy_min_length:
        return False
    return fuzz.partial_ratio(target, compact, score_cutoff=rules.min_score) > 0


def unreadable_stamp(span: SectionSpan, rules: VerificationRules) -> bool:
    """A line of the item that OCR read below the stamp confidence: where a seal covers the text."""
    return any(
        isinstance(b.block, Line) and b.block.prov.method is ReadMethod.OCR
        and b.block.prov.confidence is not None and b.block.prov.confidence < rules.stamp_confidence
        for b in span.blocks
    )


def statement_made(statement: Statement, lines: list[str], rules: VerificationRules, stamp_unreadable: bool = False,
                   ocr_lines: list[str] = ()) -> bool:
    """All synonym groups found, or a whole-text regex, or a one-line regex (an OCR-only one
    on `ocr_lines`); a `stamped` statement also when the item holds an unreadable stamp."""
    if statement.stamped and stamp_unreadable:
        return True
    if any(re.search(pattern, unicodedata.normalize("NFKC", line).strip())
           for line in ocr_lines for pattern in statement.ocr_line_regex):
        return True
    full_text = "\n".join(lines)
    compact = compact_text(full_text)
    if statement.all_of and all(any(phrase_found(p, compact, rules) for p in group) for group in statement.all_of):
        return True
    normalized = unicodedata.normalize("NFKC", full_text)
    if any(re.search(pattern, normalized) for pattern in statement.regex):
        return True
    for line in lines:
        stripped = unicodedata.normalize("NFKC", line).strip()
        if any(re.search(pattern, stripped) for pattern in statement.line_regex):
            return True
    return False


def missing_statements(lines: list[str], ruleset: Ruleset, stamp_unreadable: bool = False,
                       ocr_lines: list[str] = ()) -> list[Statement]:
    rules = ruleset.verification
    return [s for s in rules.statements if not statement_made(s, lines, rules, stamp_unreadable, ocr_lines)]


def _span_evidence(span: SectionSpan) -> list[Evidence]:
    located = span.heading or (span.blocks[0] if span.blocks else None)
    if located is None:
        return []
    block = located.block
    text = block.text if isinstance(block, Line) else " ".join(c.text for row in block.rows for c in row)
    return [Evidence.from_prov(block.prov, text)]


def check_verification_statement(index: SectionIndex, ruleset: Ruleset | None = None) -> list[Finding]:
    """VERIFICATION_STATEMENT_INCOMPLETE naming every missing statement; nothing when item 2 is absent.

    An absent item 2 is SECTION_MISSING's finding (and an empty one SECTION_EMPTY's).
    Without a ruleset, the round is chosen from the cover as the driver does.
    """
    ruleset = ruleset or choose_ruleset(None, index.cover)
    span = index.section(ITEM_VERIFICATION)
    if not span.present or span.empty:
        return []
    missing = missing_statements(span_lines(span), ruleset, unreadable_stamp(span, ruleset.verification),
                                 span_lines(span, ocr_only=True))
    if not missing:
        return []
    return [
        ruleset.finding(
            FindingCode.VERIFICATION_STATEMENT_INCOMPLETE,
            item=ITEM_VERIFICATION,
            evidence=_span_evidence(span),
            missing="；".join(s.label for s in missing),
            count=len(missing),
        )
    ]
