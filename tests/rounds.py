"""The 2022 round as most tests use it: its rule file, its items and the stages bound to them."""

from __future__ import annotations

from extractors.analysis.headings import ItemTitles
from extractors.analysis.sections import find_sections as find_sections_for
from extractors.analysis.spans import SectionIndex
from pipeline.core.document import SourceDocument
from pipeline.core.result import Finding
from pipeline.rounds.ruleset import load_ruleset
from validators.completeness import check_completeness as check_completeness_for

RULES_2022 = load_ruleset("2022")
TITLES_2022 = ItemTitles.of_round(RULES_2022)
CANONICAL_TITLES: dict[int, str] = TITLES_2022.canonical
match_title = TITLES_2022.match_title
file_item = TITLES_2022.file_item


def find_sections(docs: list[SourceDocument]) -> SectionIndex:
    return find_sections_for(docs, TITLES_2022)


def check_completeness(index: SectionIndex) -> list[Finding]:
    return check_completeness_for(index, RULES_2022)
