"""Item 2: every 附件2 statement must be there; OCR noise must not make one disappear."""

from __future__ import annotations

from tests.rounds import TITLES_2022

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline.core.document import Cell, FileKind, Line, Page, Provenance, ReadMethod, SourceDocument, Table
from pipeline.core.result import Cover, FindingCode, Severity
from tests.rounds import CANONICAL_TITLES
from extractors.analysis.spans import LocatedBlock, SectionIndex, SectionSpan
from pipeline.rounds.ruleset import load_ruleset
from validators.verification import check_verification_statement, compact_text, missing_statements

RULESET = load_ruleset("2022")
FILE = "02 现场核查符合性说明.pdf"

S_TRUE = "经现场核查，浚县的申报材料真实有效，符合申报要求。"
S_BAN = "集群主导产业不属于国家规定的禁止、限制和淘汰类产业；"
S_ACC = "集群近三年未发生较大及以上安全、质量、环境污染等事故，"
S_NET = "重大及以上网络安全事件和数据安全事件；"
S_TAX = "不存在偷税漏税、违法违规、严重失信和其他重大问题的行为。"
SEAL = "（鹤壁市工业和信息化局盖章）"
DATE = "2022年9月28日"

TEMPLATE = [S_TRUE + S_BAN + S_ACC + S_NET + S_TAX, SEAL, DATE]


def _prov(y: float, method: ReadMethod = ReadMethod.TEXT) -> Provenance:
    return Provenance(file=FILE, page=1, bbox=(72.0, y, 520.0, y + 14.0), method=method)


def index_with_item2(blocks: list[Line | Table] | None, empty: bool = False) -> SectionIndex:
    page = Page(number=1, method=ReadMethod.TEXT, blocks=list(blocks or []))
    doc = SourceDocument(name=FILE, sha256="0" * 64, kind=FileKind.PDF, pages=[page], page_count=1)
    sections = [SectionSpan(item=i, title=t) for i, t in CANONICAL_TITLES.items()]
    if blocks is not None:
        heading = Line(text="二、省辖市级工业和信息化主管部门现场核查符合性说明", prov=_prov(60))
        sections[1] = SectionSpan(
            item=2,
            title=CANONICAL_TITLES[2],
            present=True,
            empty=empty,
            file=FILE,
            first_page=1,
            last_page=1,
            heading=LocatedBlock(doc=doc, page=page, block=heading),
            blocks=[LocatedBlock(doc=doc, page=page, block=b) for b in blocks],
        )
    return SectionIndex(cover=Cover(fill_date="2022-09-29"), toc=[], toc_found=False, sections=sections, order=[2], titles=TITLES_2022)


def lines(texts: list[str], method: ReadMethod = ReadMethod.TEXT) -> list[Line]:
    return [Line(text=t, prov=_prov(100 + 20 * i, method)) for i, t in enumerate(texts)]


def missing_keys(texts: list[str]) -> list[str]:
    return [s.key for s in missing_statements(texts, RULESET)]


def test_complete_template_passes():
    assert check_verification_statement(index_with_item2(lines(TEMPLATE)), RULESET) == []


def test_without_ruleset_the_round_comes_from_the_cover():
    assert check_verification_statement(index_with_item2(lines(TEMPLATE))) == []


def test_statement_split_over_many_lines_passes():
    body = "".join(TEMPLATE[:1])
    wrapped = [body[i : i + 23] for i in range(0, len(body), 23)] + TEMPLATE[1:]
    assert missing_keys(wrapped) == []


def test_cyber_clause_dropped_is_an_error_naming_it():
    text = S_TRUE + S_BAN + S_ACC.rstrip("，") + "；" + S_TAX
    findings = check_verification_statement(index_with_item2(lines([text, SEAL, DATE])), RULESET)
    assert [(f.code, f.item, f.severity) for f in findings] == [
        (FindingCode.VERIFICATION_STATEMENT_INCOMPLETE, 2, Severity.ERROR)
    ]
    assert "网络安全事件和数据安全事件" in findings[0].message
    assert findings[0].evidence[0].file == FILE


@pytest.mark.parametrize(
    "drop, key",
    [
        ("真实有效，", "authentic"),
        ("符合申报要求", "meets_requirements"),
        (S_BAN, "not_prohibited"),
        ("较大及以上安全、质量、环境污染等事故，", "no_accidents"),
        ("和数据安全事件", "no_cyber_incidents"),
        ("偷税漏税、", "no_tax_or_credit_violations"),
        ("严重失信和", "no_tax_or_credit_violations"),
    ],
)
def test_each_statement_is_required(drop, key):
    body = TEMPLATE[0].replace(drop, "")
    assert body != TEMPLATE[0]
    assert missing_keys([body] + TEMPLATE[1:]) == [key]


def test_seal_and_date_are_required():
    assert missing_keys(TEMPLATE[:1] + [DATE]) == ["seal"]
    assert missing_keys(TEMPLATE[:2]) == ["date"]
    findings = check_verification_statement(index_with_item2(lines(TEMPLATE[:1])), RULESET)
    assert "盖章" in findings[0].message and "落款日期" in findings[0].message


def test_blank_template_date_is_not_a_date():
    assert "date" in missing_keys(TEMPLATE[:2] + ["年  月  日"])


@pytest.mark.parametrize(
    "seal, date",
    [
        ("鹤壁市工业和信息化局", "2022年9月28日"),  # the seal is an image; its line names the bureau
        ("鹤壁市工信局（章）", "二〇二二年九月二十八日"),
        ("（公章）", "2022.09.28"),
        ("鹤壁市工业和信息化局 2022年9月28日", ""),  # seal and date on one OCR line
    ],
)
def test_seal_and_date_variants(seal, date):
    assert missing_keys([TEMPLATE[0], seal, date]) == []


def test_bureau_named_in_the_body_is_not_a_seal():
    body = TEMPLATE[0] + "鹤壁市工业和信息化局组织了现场核查，核查组由五人组成。"
    assert missing_keys([body, DATE]) == ["seal"]


def test_ocr_noise_within_long_phrases_is_tolerated():
    noisy = (
        "经现场核查,浚县的申报材料真实有效,符合申报要求。集群主导产业不属于国家规定的禁止丶限制和淘汰类产业;"
        "集群近三年末发生较大及以上安仝丶质量丶环境污染等事敌,重大及以上网络安全事件和数据安全事仵;"
        "不存在偷税漏税丶违法违规丶严重失信和其他重大问题的行为。"
    )
    assert missing_keys([noisy, SEAL, DATE]) == []


def test_statements_in_a_table_are_read():
    cells = [[Cell(text=t, row=r, col=0, prov=_prov(100 + 20 * r))] for r, t in enumerate(TEMPLATE)]
    table = Table(rows=cells, prov=_prov(100))
    assert check_verification_statement(index_with_item2([table]), RULESET) == []


def test_absent_or_empty_item2_is_left_to_completeness():
    assert check_verification_statement(index_with_item2(None), RULESET) == []
    assert check_verification_statement(index_with_item2([], empty=True), RULESET) == []


def test_compact_text_drops_punctuation_and_width():
    assert compact_text("安全、质量，环境 污染（等）事故") == "安全质量环境污染等事故"
    assert compact_text("２０２２年") == "2022年"


# --- one real OCR pass: a rendered statement read back by Tesseract ----------------------------

FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


def _ocr_lines(texts: list[str], tmp_path: Path) -> list[str]:
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT), 46)
    width, line_height = 2400, 80
    wrapped = [t[i : i + 44] for t in texts for i in range(0, len(t), 44)]
    image = Image.new("L", (width, line_height * (len(wrapped) + 2)), 255)
    draw = ImageDraw.Draw(image)
    for n, text in enumerate(wrapped):
        draw.text((80, 60 + n * line_height), text, fill=0, font=font)
    path = tmp_path / "item2.png"
    image.save(path, dpi=(300, 300))
    result = subprocess.run(
        ["tesseract", str(path), "stdout", "-l", "chi_sim", "--psm", "6", "--dpi", "300"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
        timeout=120,
    )
    return [line for line in result.stdout.splitlines() if line.strip()]


@pytest.mark.skipif(shutil.which("tesseract") is None or not FONT.exists(), reason="tesseract or the WenQuanYi font is not installed")
def test_ocr_read_statement(tmp_path):
    complete = _ocr_lines(TEMPLATE, tmp_path)
    assert missing_keys(complete) == []
    without_cyber = _ocr_lines([S_TRUE + S_BAN + S_ACC + S_TAX, SEAL, DATE], tmp_path)
    assert missing_keys(without_cyber) == ["no_cyber_incidents"]


# --- a seal over the signature: what OCR cannot read is not reported missing ---------------------


def _ocr_lines_with_confidence(texts_and_confidence: list[tuple[str, float]]) -> list[Line]:
    return [
        Line(text=t, prov=Provenance(file=FILE, page=1, bbox=(72.0, 100.0 + 20 * i, 520.0, 114.0 + 20 * i),
                                     method=ReadMethod.OCR, confidence=c))
        for i, (t, c) in enumerate(texts_and_confidence)
    ]


def test_a_seal_that_ocr_cannot_read_stands_for_the_seal_and_the_date():
    garbled = _ocr_lines_with_confidence([(TEMPLATE[0], 91.0), ("平顶山市 H 名 SA 202\t0 月 1 二电", 43.7), ("入工二为从", 24.2)])
    assert check_verification_statement(index_with_item2(garbled), RULESET) == []


def test_a_missing_clause_is_still_reported_on_a_stamped_scan():
    text = S_TRUE + S_BAN + S_ACC + S_TAX  # the cyber clause dropped
    garbled = _ocr_lines_with_confidence([(text, 91.0), ("业彻信", 10.0)])
    findings = check_verification_statement(index_with_item2(garbled), RULESET)
    assert len(findings) == 1 and "网络安全" in findings[0].message and "盖章" not in findings[0].message


@pytest.mark.parametrize("method, confidence", [(ReadMethod.TEXT, None), (ReadMethod.OCR, 95.0)])
def test_a_statement_without_seal_and_date_is_reported_when_every_line_was_read(method, confidence):
    blocks = [Line(text=TEMPLATE[0], prov=Provenance(file=FILE, page=1, bbox=(72.0, 100.0, 520.0, 114.0),
                                                     method=method, confidence=confidence))]
    findings = check_verification_statement(index_with_item2(blocks), RULESET)
    assert len(findings) == 1 and "盖章" in findings[0].message and "落款日期" in findings[0].message


# --- a date whose month or day the seal took --------------------------------------------------


@pytest.mark.parametrize("date, method, dated", [
    ("2022年月9日", ReadMethod.OCR, True),  # the month digit under the seal, read cleanly otherwise
    ("二0二二 2022年9月日", ReadMethod.OCR, True),  # the day under it
    ("2022年月9日", ReadMethod.TEXT, False),  # a text layer holds what was typed: no month is no date
    ("2022年  月  日", ReadMethod.OCR, False),  # the template's blank date, filled in by nobody
])
def test_a_date_partly_under_the_seal_counts_only_on_a_scan(date, method, dated):
    blocks = [Line(text=text, prov=Provenance(file=FILE, page=1, bbox=(72.0, 100.0 + 20 * i, 520.0, 114.0 + 20 * i),
                                              method=method, confidence=95.0 if method is ReadMethod.OCR else None))
              for i, text in enumerate([TEMPLATE[0], SEAL, date])]
    findings = check_verification_statement(index_with_item2(blocks), RULESET)
    assert (findings == []) is dated
    if not dated:
        assert "落款日期" in findings[0].message and "盖章" not in findings[0].message
