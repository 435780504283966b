"""Every check after extraction, in one stable order.

Completeness (items, 目录, cover) → item 2's statements → the values set aside as
uncertain (VALUE_UNCERTAIN; the later checks do not use them) → the criteria → the list
entries (items 3, 7, 8) → consistency between the form and the lists. Each check
returns findings; none raises on what it finds.
"""

from __future__ import annotations

from pipeline.core.result import Finding, Indicator, Lists
from extractors.analysis.spans import SectionIndex
from validators.completeness import check_completeness
from validators.consistency import check_consistency
from validators.criteria import check_criteria
from validators.lists import check_lists
from validators.uncertain import set_aside_uncertain
from pipeline.rounds.ruleset import Ruleset
from validators.verification import check_verification_statement


def check_packet(
    index: SectionIndex, indicators: dict[str, Indicator], lists: Lists, ruleset: Ruleset
) -> list[Finding]:
    """All findings for one packet after reading; reading findings are added by the driver."""
    trusted, uncertain = set_aside_uncertain(indicators, ruleset)
    return (
        check_completeness(index, ruleset)
        + check_verification_statement(index, ruleset)
        + uncertain
        + check_criteria(indicators, ruleset, trusted)
        + check_lists(lists, ruleset)
        + check_consistency(trusted, lists, ruleset)
    )
