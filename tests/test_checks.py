"""All checks together: stable order, and agreement with the sample generator's ground truth.

The generator's packet model (indicators, lists and item-2 text exactly as it writes
them, before rendering) is fed to the checks; the findings must be exactly the
expected findings of the codes these checks own — one test per content defect and
for compliant packets.
"""

from __future__ import annotations

from tests.rounds import TITLES_2022

import random

import pytest

from pipeline.core.document import FileKind, Line, Page, Provenance, ReadMethod, SourceDocument
from pipeline.core.result import Cover, Indicator, Lists
from tests.rounds import CANONICAL_TITLES, RULES_2022
from extractors.analysis.spans import LocatedBlock, SectionIndex, SectionSpan
from validators.consistency import check_consistency
from validators.criteria import check_criteria
from validators.lists import check_lists
from pipeline.rounds.ruleset import load_ruleset
from validators.verification import check_verification_statement

RULESET = load_ruleset("2022")

COMPLETENESS_CODES = {"SECTION_MISSING", "SECTION_EMPTY", "SECTION_ORDER", "TOC_MISSING", "TOC_PAGE_MISMATCH",
                      "COVER_FIELD_MISSING"}
FILE_CODES = {"FILE_UNREADABLE", "FILE_ENCRYPTED", "FILE_UNSUPPORTED", "OCR_LOW_CONFIDENCE"}


def full_index(item_lines: dict[int, list[str]], cover: Cover) -> SectionIndex:
    """Every item present on its own page of one PDF, with the given lines under its heading."""
    pages, sections = [], []
    doc = SourceDocument(name="packet.pdf", sha256="0" * 64, kind=FileKind.PDF, pages=[], page_count=20)
    for item, title in CANONICAL_TITLES.items():
        prov = Provenance(file="packet.pdf", page=item, bbox=(72.0, 72.0, 520.0, 86.0), method=ReadMethod.TEXT)
        heading = Line(text=f"{item}.{title}", prov=prov)
        body = [Line(text=t, prov=prov.model_copy(update={"bbox": (72.0, 100.0 + 20 * n, 520.0, 114.0 + 20 * n)}))
                for n, t in enumerate(item_lines.get(item, ["集群相关工作情况说明及佐证材料。"]))]
        page = Page(number=item, method=ReadMethod.TEXT, blocks=[heading, *body])
        pages.append(page)
        sections.append(SectionSpan(
            item=item, title=title, present=True, file="packet.pdf", first_page=item, last_page=item, toc_page=item,
            heading=LocatedBlock(doc=doc, page=page, block=heading),
            blocks=[LocatedBlock(doc=doc, page=page, block=b) for b in body],
        ))
    doc.pages = pages
    return SectionIndex(cover=cover, toc=[], toc_found=True, sections=sections, order=list(CANONICAL_TITLES), titles=TITLES_2022)


def test_check_packet_order_is_stable():
    from validators import completeness
    from validators.checks import check_packet

    index = full_index({2: ["经现场核查，材料真实有效，符合申报要求。"]}, Cover(fill_date="2022-09-29"))
    indicators = {"sme_output_share_pct": Indicator(value=60.0), "area_km2": Indicator(value=120.0)}
    lists = Lists.model_validate({"patents": [{"number": "202110234567.0"}, {"number": "202110234567.0"}]})
    findings = check_packet(index, indicators, lists, RULESET)
    assert findings == check_packet(index, indicators, lists, RULESET)
    produced = [f.code.value for f in findings]
    own = completeness.check_completeness(index, RULES_2022)
    assert produced[: len(own)] == [f.code.value for f in own]
    mine = produced[len(own):]
    assert mine[0] == "VERIFICATION_STATEMENT_INCOMPLETE"
    assert mine.index("INDICATOR_MISSING") < mine.index("AREA_OVER_LIMIT") < mine.index("SME_SHARE_LOW")
    assert mine.index("SME_SHARE_LOW") < mine.index("PATENT_NUMBER_INVALID") < mine.index("PATENT_DUPLICATE")


# --- agreement with the generator's ground truth -------------------------------------------------

from sample_docs import content

MY_DEFECTS = [d for d, (code, _, _) in content.DEFECTS.items() if code not in COMPLETENESS_CODES | FILE_CODES]


def _model(defects: tuple[str, ...], seed: int):
    return content.build_model("text_table", random.Random(f"checks:{seed}:{defects}"), defects, 0)


def _inputs(model):
    truth = model.indicators.truth()
    indicators = {k: Indicator(value=v) for k, v in truth.items()}
    lists = Lists.model_validate({
        "key_enterprises": [{"name": e.name, "uscc": e.uscc, "honors": list(e.honors)} for e in model.enterprises],
        "standards": [{"number": s.number, "title": s.title} for s in model.standards],
        "patents": [{"number": p.number, "title": p.title, "kind": p.kind} for p in model.patents],
    })
    item2 = next(it for it in model.items if it.item == 2)
    item2_lines = [b.text for b in item2.blocks if isinstance(b, content.Para)]
    index = full_index({2: item2_lines}, Cover(fill_date=model.fill_date))
    return index, indicators, lists


def _my_findings(model) -> set[tuple[str, int | None, str | None]]:
    index, indicators, lists = _inputs(model)
    findings = (check_verification_statement(index, RULESET) + check_criteria(indicators, RULESET)
                + check_lists(lists, RULESET) + check_consistency(indicators, lists, RULESET))
    return {(f.code.value, f.item, f.field) for f in findings}


def _expected(model) -> set[tuple[str, int | None, str | None]]:
    return {(f["code"], f["item"], f["field"]) for f in model.expected_findings
            if f["code"] not in COMPLETENESS_CODES | FILE_CODES}


@pytest.mark.parametrize("seed", range(6))
def test_compliant_packets_raise_nothing(seed):
    model = _model((), seed)
    assert _my_findings(model) == set() == _expected(model)


@pytest.mark.parametrize("defect", MY_DEFECTS)
@pytest.mark.parametrize("seed", range(3))
def test_each_content_defect_raises_exactly_its_finding(defect, seed):
    model = _model((defect,), seed)
    expected = _expected(model)
    assert expected, f"the generator expects no finding for {defect}"
    assert _my_findings(model) == expected
