"""The spaCy rule pipeline: spans line up with tokens and carry parsed values."""

from __future__ import annotations

import pytest

from extractors.analysis import nlp


def labelled(text: str) -> list[tuple[str, str, object]]:
    return [(s.label_, nlp.original_text(text, s), s._.value) for s in nlp.analyse(text).ents]


def test_pipeline_is_built_once_and_is_blank_chinese() -> None:
    first = nlp.get_nlp()
    assert nlp.get_nlp() is first
    assert first.lang == "zh"
    assert "rule_spans" in first.pipe_names
    assert first.meta.get("name") == "pipeline"  # spacy.blank: no trained model


def test_output_sentence_yields_years_money_and_percent() -> None:
    text = "2019—2021年集群产值分别为45.2亿元、51.8亿元和58.9亿元，年均增长14.2%。"
    assert labelled(text) == [
        ("YEARS", "2019—2021年", None),
        ("MONEY", "45.2亿元", 45.2),
        ("MONEY", "51.8亿元", 51.8),
        ("MONEY", "58.9亿元", 58.9),
        ("PERCENT", "14.2%", 14.2),
    ]
    assert nlp.years_in(text) == [2019, 2020, 2021]


def test_spans_are_cut_where_jieba_would_join_words() -> None:
    # jieba writes "2021|年产值" as one word boundary across the date; the span must still be exact
    doc = nlp.analyse("2021年产值58.9亿元")
    assert [(e.label_, e.text) for e in doc.ents] == [("DATE", "2021年"), ("MONEY", "58.9亿元")]
    for ent in doc.ents:
        assert ent.start_char == ent[0].idx  # aligned with tokens


def test_identifiers_and_organisations() -> None:
    text = "1. 郑州宇通客车股份有限公司 统一社会信用代码：91410100170034606D 专利号ZL 2021 1 0234567.X，标准T/XZYC 00552024"
    found = {(label, value) for label, _, value in labelled(text)}
    assert ("USCC", "91410100170034606D") in found
    assert ("PATENT_NO", "202110234567.X") in found
    assert ("STANDARD_NO", "T/XZYC 0055-2024") in found
    orgs = [nlp.original_text(text, s) for s in nlp.spans(text, "ORG")]
    assert orgs == ["郑州宇通客车股份有限公司"]


@pytest.mark.parametrize(
    ("text", "label", "value"),
    [
        ("集群占地面积约１２．５平方公里", "AREA", 12.5),
        ("从业人员1.2万人", "COUNT", 12000),
        ("填报日期：二〇二二年九月二十九日", "DATE", "2022-09-29"),
        ("工业互联网平台应用普及率达到百分之二十三点五", "PERCENT", 23.5),
        ("产值四十五亿元", "MONEY", 45.0),
    ],
)
def test_values_in_running_text(text: str, label: str, value: object) -> None:
    assert nlp.first_value(text, label) == value


def test_honours_are_spans_too() -> None:
    text = "其中国家级专精特新“小巨人”企业5家、省级专精特新中小企业33家"
    honours = [nlp.original_text(text, s) for s in nlp.spans(text, "HONOR")]
    assert honours == ["专精特新“小巨人”企业", "省级专精特新中小企业"]


def test_full_width_text_keeps_offsets() -> None:
    text = "产值４５．２亿元"
    span = nlp.spans(text, "MONEY")[0]
    assert nlp.original_text(text, span) == "４５．２亿元"
    assert span._.value == 45.2
