"""Indicator failure classes 1–3 (issue 12) on packets built here, in layouts of their own:
labels whose meaning or unit contradicts the indicator, figures that are not the
cluster's, Chinese numerals with mixed units; and the catalogue as round data."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from extractors.analysis.indicators import extract_indicators
from pipeline.core.document import Cell, FileKind, Line, Page, Provenance, ReadMethod, SourceDocument, Table
from pipeline.core.result import Cover
from tests.rounds import CANONICAL_TITLES, TITLES_2022
from pipeline.rounds.ruleset import RULES_DIR, RulesetInvalid, load_ruleset_file
from extractors.analysis.spans import LocatedBlock, SectionIndex, SectionSpan


def _lines(texts: list[str], method: ReadMethod = ReadMethod.TEXT) -> list[Line]:
    return [Line(text=t, prov=Provenance(file="申报书.pdf", page=1, bbox=(60.0, 90.0 + 18 * i, 540.0, 102.0 + 18 * i), method=method))
            for i, t in enumerate(texts)]


def _table(rows: list[list[str]]) -> Table:
    prov = Provenance(file="申报书.pdf", page=1, method=ReadMethod.TEXT)
    return Table(rows=[[Cell(text=t, row=r, col=c, prov=prov) for c, t in enumerate(row)] for r, row in enumerate(rows)], prov=prov)


def _read(blocks: list, ruleset=None) -> dict:
    doc = SourceDocument(name="申报书.pdf", sha256="1" * 64, kind=FileKind.PDF, page_count=1,
                         pages=[Page(number=1, method=ReadMethod.TEXT, blocks=blocks)])
    spans = []
    for item, title in CANONICAL_TITLES.items():
        span = SectionSpan(item=item, title=title)
        if item == 1:
            span.present, span.file, span.first_page, span.last_page = True, doc.name, 1, 1
            span.blocks = [LocatedBlock(doc=doc, page=p, block=b) for p, b in doc.iter_blocks()]
        spans.append(span)
    index = SectionIndex(cover=Cover(fill_date="2022-10-09"), toc=[], toc_found=False, sections=spans, order=[1], titles=TITLES_2022)
    return {k: v.value for k, v in extract_indicators(index, [doc], ruleset).items()}


# --------------------------------------------------------------------------- 1. meaning and unit of the label


def test_rd_spending_row_is_not_the_rd_growth_rate() -> None:
    found = _read([_table([
        ["指标名称", "填报值"],
        ["中小企业研发经费支出（万元）", "14922"],
        ["中小企业研发投入年均增长率", "17.6%"],
    ])])
    assert found["rd_growth_pct"] == 17.6


def test_rd_spending_alone_leaves_the_growth_rate_unwritten() -> None:
    found = _read([_table([["项目", "内容"], ["规上中小企业R&D经费投入金额", "8,563"], ["从业人员（人）", "9,420"]])])
    assert found["rd_growth_pct"] is None
    assert found["employees"] == 9420


def test_a_unit_of_another_kind_rejects_the_candidate() -> None:
    # the label names growth, but its unit says money: not a percentage
    found = _read([_table([["研发经费增长额（万元）", "2310"]])])
    assert found["rd_growth_pct"] is None


def test_one_row_holding_two_indicators() -> None:
    found = _read([_table([
        ["发明专利拥有量及其年均增速", "58件；年均增长19.4%"],
        ["从业人员", "2.3万人"],
    ])])
    assert found["valid_invention_patents"] == 58
    assert found["patent_growth_pct"] == 19.4
    assert found["employees"] == 23000


@pytest.mark.parametrize(
    ("unit", "cells", "expected"),
    [
        ("百万元", ["4520", "5180", "5890.5"], {"2019": 45.2, "2020": 51.8, "2021": 58.905}),
        ("千万元", ["452", "518", "589"], {"2019": 45.2, "2020": 51.8, "2021": 58.9}),
        ("万元", ["452000", "518000", "589000"], {"2019": 45.2, "2020": 51.8, "2021": 58.9}),
    ],
)
def test_money_unit_words_are_read_whole(unit: str, cells: list[str], expected: dict) -> None:
    found = _read([_table([["指标", "2019年", "2020年", "2021年"], [f"集群工业总产值（{unit}）", *cells]])])
    assert found["output_yi_by_year"] == pytest.approx(expected)


def test_area_in_wan_mu_is_converted_whole() -> None:
    found = _read([_table([["园区占地面积（万亩）", "1.5"]])])
    assert found["area_km2"] == pytest.approx(10.0)  # 1.5 万亩 = 15 000 亩 = 10 km²


# --------------------------------------------------------------------------- 2. figures that are not the cluster's

AGGREGATE_PROSE = [
    "一、发展概况",
    "全省已认定的36个特色产业集群年产值合计超过1.2万亿元，年均增速达到21.5%，拥有单项冠军企业58家、专精特新“小巨人”企业312家。",
    "本集群规划占地面积26.3平方公里，2019年、2020年、2021年分别实现产值48.7亿元、55.2亿元、62.4亿元，近三年产值年均增速为13.2%。",
    "集群内有规上企业96家，其中制造业单项冠军企业2家，专精特新“小巨人”企业5家。",
    "近三年集群主导产业产值年均增速为15.8%；2021年中小企业研发经费支出2.1亿元，中小企业研发经费年均增长14.4%。",
    "2022年1-6月，集群实现产值33.5亿元，同比增长8.1%。",
    "力争到2025年，集群产值突破100亿元，年均增速保持在18%以上。",
]


def test_aggregates_periods_sub_scopes_and_plans_are_not_the_clusters() -> None:
    found = _read(_lines(AGGREGATE_PROSE))
    assert found["output_yi_by_year"] == {"2019": 48.7, "2020": 55.2, "2021": 62.4}
    assert found["output_growth_pct"] == 13.2
    assert found["champion_count"] == 2
    assert found["little_giant_count"] == 5
    assert found["rd_growth_pct"] == 14.4
    assert found["area_km2"] == 26.3


def test_a_plan_alone_gives_no_value() -> None:
    found = _read(_lines(["到2025年，集群产值力争达到80亿元，产值年均增速达到15%以上。"]))
    assert found["output_yi_by_year"] is None and found["output_growth_pct"] is None


# --------------------------------------------------------------------------- 3. Chinese numerals with mixed units


def test_chinese_numerals_with_mixed_units() -> None:
    found = _read(_lines([
        "集群2019年实现产值四十四亿四千万元，2020年实现产值五十一亿零八百万元，2021年实现产值六十亿元。",
    ]))
    assert found["output_yi_by_year"] == pytest.approx({"2019": 44.4, "2020": 51.08, "2021": 60.0})


# --------------------------------------------------------------------------- the catalogue is round data


def _variant(tmp_path: Path, edit) -> Path:
    data = yaml.safe_load((RULES_DIR / "2022.yaml").read_text(encoding="utf-8"))
    edit(data["indicator_catalogue"])
    path = tmp_path / "2022.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda c: c["indicators"]["rd_growth_pct"].update(kind="ratio"), "indicator_catalogue.indicators.rd_growth_pct.kind"),
        (lambda c: c["indicators"]["area_km2"].update(unit="亿元"), "area_km2.unit"),
        (lambda c: c["indicators"].pop("employees"), "employees"),
        (lambda c: c["indicators"]["rd_growth_pct"].update(exclude_unless_any=[]), "exclude_against"),
        (lambda c: c["not_the_cluster"][0].update(patterns=["(unclosed"]), "unclosed"),
        (lambda c: c["units"].pop("area"), "area"),
    ],
)
def test_a_bad_catalogue_names_the_wrong_key(tmp_path: Path, edit, named: str) -> None:
    with pytest.raises(RulesetInvalid) as caught:
        load_ruleset_file(_variant(tmp_path, edit))
    assert named in str(caught.value)


def test_a_label_word_added_in_the_rule_file_takes_effect(tmp_path: Path) -> None:
    blocks = [_table([["集群职工总数", "8800人"], ["集群吸纳劳动力", "9100人"]])]
    assert _read(blocks)["employees"] == 8800
    ruleset = load_ruleset_file(_variant(tmp_path, lambda c: c["indicators"]["employees"].update(
        labels=[["吸纳劳动力"]])))
    assert _read(blocks, ruleset)["employees"] == 9100


def test_table_labels_of_another_period_or_scope_are_not_the_clusters() -> None:
    found = _read([_table([
        ["指标", "数值"],
        ["2022年1-6月工业总产值增速", "7.9%"],
        ["全省特色产业集群产值平均增速", "12.0%"],
        ["近三年产值年均增速", "14.6%"],
        ["规上企业数", "88家"],
    ])])
    assert found["output_growth_pct"] == 14.6


def test_a_unit_note_above_the_table_is_read_whole() -> None:
    found = _read([*_lines(["表1 集群主要经济指标（单位：千万元）"]),
                   _table([["年份", "2019", "2020", "2021"], ["集群营业收入", "521", "583", "640"]])])
    assert found["output_yi_by_year"] == pytest.approx({"2019": 52.1, "2020": 58.3, "2021": 64.0})


def test_rd_intensity_and_share_are_not_its_growth() -> None:
    found = _read([_table([["研发投入强度", "3.1%"], ["R&D经费占营业收入比重", "2.6%"], ["研发经费年均增速", "15.2%"]])])
    assert found["rd_growth_pct"] == 15.2
