"""The workbooks a bureau prints: summary.xlsx (附件4) and report.xlsx, on real generated packets
processed by the real driver, printed to PDF by real LibreOffice (headless) and read back."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import unicodedata
from datetime import date
from pathlib import Path

import openpyxl
import pdfplumber
import pytest

from pipeline.reports import PacketFailure, SummaryForm, write_batch_outputs
from pipeline.reports.summary import (
    FINDINGS_HEADERS,
    FINDINGS_SHEET,
    NOT_RECOMMENDED_SHEET,
    SUMMARY_HEADER_ROW,
    SUMMARY_HEADERS,
    SUMMARY_SHEET,
)

SOFFICE = shutil.which("soffice")
needs_libreoffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (libreoffice-calc-nogui) not installed")


def print_to_pdf(workbook: Path, out_dir: Path) -> Path:
    """What a clerk gets from 打印: LibreOffice's own PDF export of every sheet."""
    profile = out_dir / "lo-profile"
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(out_dir), str(workbook)],
        check=True, capture_output=True, timeout=180, env={**os.environ, "HOME": str(out_dir)},
    )
    pdf = out_dir / (workbook.stem + ".pdf")
    assert pdf.exists(), f"LibreOffice wrote no PDF for {workbook}"
    return pdf


def _flat(text: str | None) -> str:
    return re.sub(r"\s+", "", text or "")


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> dict:
    """A compliant generated packet (pass) and one with defects (fail), through the driver."""
    from sample_docs import generate
    from pipeline.app.driver import process_packet
    from pipeline.core.settings import Settings

    root = tmp_path_factory.mktemp("print")
    results = []
    for seed, defects in ((3, ()), (7, ("patent_number_invalid", "uscc_invalid", "sme_share_low"))):
        generate.generate_packet("text_table", root / f"gen{seed}", seed=seed, defects=defects)
        source = next((root / f"gen{seed}" / "packets").iterdir())
        results.append(process_packet(source, root / "out", Settings(data_dir=root / "data", use_cache=False)))
    failure = PacketFailure("坏包", "无法解压：文件已损坏。")
    write_batch_outputs([results[1], results[0], failure], root / "out")
    return {"root": root, "out": root / "out", "results": results, "failure": failure}


def test_summary_is_the_annex4_form_with_recommended_packets_only(batch: dict) -> None:
    passed, failed = batch["results"]
    assert passed.status == "pass" and failed.status == "fail"
    workbook = openpyxl.load_workbook(batch["out"] / "summary.xlsx")
    assert workbook.sheetnames[:2] == [SUMMARY_SHEET, FINDINGS_SHEET]
    sheet = workbook[SUMMARY_SHEET]
    assert sheet["A1"].value == "2022年度中小企业特色产业集群推荐汇总表"
    above = [sheet.cell(row=r, column=c).value or "" for r in range(2, SUMMARY_HEADER_ROW) for c in range(1, 8)]
    assert any(v.startswith("填报单位（盖章）") for v in above)
    assert any(v.startswith("联系人及手机") for v in above)
    assert any(re.search(r"\d{4}年\d{1,2}月\d{1,2}日", v) for v in above)
    assert tuple(c.value for c in sheet[SUMMARY_HEADER_ROW]) == SUMMARY_HEADERS
    rows = list(sheet.iter_rows(min_row=SUMMARY_HEADER_ROW + 1, values_only=True))
    assert [r[:2] for r in rows] == [(1, passed.cover.cluster_name)]  # the failing packet is not recommended
    assert rows[0][6] == passed.intro
    # printable: landscape A4, one page wide, every table cell bordered and wrapped
    assert sheet.page_setup.orientation == "landscape" and int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.page_setup.fitToWidth == 1 and sheet.sheet_properties.pageSetUpPr.fitToPage
    for row in sheet.iter_rows(min_row=SUMMARY_HEADER_ROW, max_row=sheet.max_row, max_col=7):
        for cell in row:
            assert cell.border.left.style == "thin" and cell.border.bottom.style == "thin"
            assert cell.alignment.wrap_text
    assert sheet.column_dimensions["G"].width * 5 >= 150 * 2  # 150 字 in at most five lines

    others = [r for r in workbook[NOT_RECOMMENDED_SHEET].iter_rows(min_row=2, values_only=True)]
    assert [r[1] for r in others] == [failed.packet_id, "坏包"]
    assert others[0][7].splitlines()[0].startswith("中小企业产值占比不足")  # errors first


def test_summary_form_lines_carry_the_bureau_and_the_date(batch: dict, tmp_path: Path) -> None:
    form = SummaryForm("鹤壁市工业和信息化局", "张三 13800000000", date(2022, 9, 30))
    write_batch_outputs(batch["results"], tmp_path, form)
    sheet = openpyxl.load_workbook(tmp_path / "summary.xlsx")[SUMMARY_SHEET]
    above = [sheet.cell(row=r, column=c).value for r in range(2, SUMMARY_HEADER_ROW) for c in range(1, 8)]
    assert "填报单位（盖章）：鹤壁市工业和信息化局" in above
    assert "联系人及手机：张三 13800000000" in above and "填报日期：2022年9月30日" in above


def test_findings_sheet_has_one_filtered_row_per_finding(batch: dict) -> None:
    passed, failed = batch["results"]
    sheet = openpyxl.load_workbook(batch["out"] / "summary.xlsx")[FINDINGS_SHEET]
    assert tuple(c.value for c in sheet[1]) == FINDINGS_HEADERS
    assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:F")
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(failed.findings) + len(passed.findings) + 1
    mine = [r for r in rows if r[0] == failed.cover.cluster_name]
    assert [r[5] for r in mine] == sorted((r[5] for r in mine), key=["错误", "警告", "提示"].index)
    for row, finding in zip(mine, sorted(failed.findings, key=lambda f: ["error", "warning", "info"].index(f.severity.value))):
        assert row[1] == finding.item and row[2] == finding.evidence[0].file and row[3] == finding.evidence[0].page
        assert finding.message in row[4] and finding.code.value not in row[4]
    assert rows[-1][0] == "坏包" and rows[-1][5] == "处理失败"


@needs_libreoffice
def test_printed_summary_is_landscape_with_every_column_on_the_page(batch: dict, tmp_path: Path) -> None:
    pdf_path = print_to_pdf(batch["out"] / "summary.xlsx", tmp_path)
    with pdfplumber.open(pdf_path) as pdf:
        pages = [(p.width, p.height, _flat(p.extract_text())) for p in pdf.pages]
    assert all(w > h for w, h, _ in pages), [(w, h) for w, h, _ in pages]
    first = pages[0][2]
    assert "2022年度中小企业特色产业集群推荐汇总表" in first and "填报单位（盖章）" in first
    for header in SUMMARY_HEADERS:
        assert _flat(header) in first, header
    passed = batch["results"][0]
    assert _flat(passed.cover.cluster_name)[:6] in first and _flat(passed.intro)[:6] in first
    # the 附件4 table takes one page: no column spilled onto a page of its own
    assert all(_flat(h) in pages[1][2] for h in FINDINGS_HEADERS)
    assert len(pages) <= 6


CONTRACT_WORDS = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b|\b[A-Z]+(?:_[A-Z]+)+\b")  # output_yi_by_year, SME_SHARE_LOW


def test_packet_workbook_opens_on_its_conclusion_in_chinese(batch: dict) -> None:
    failed = batch["results"][1]
    workbook = openpyxl.load_workbook(batch["out"] / failed.packet_id / "report.xlsx")
    assert workbook.active.title == "审查结论" and workbook.sheetnames[0] == "审查结论"
    facts = {r[0]: r[1] for r in workbook["审查结论"].iter_rows(min_row=2, values_only=True)}
    assert facts["集群名称"] == failed.cover.cluster_name
    assert facts["审查结论"] == "不通过"
    counts = failed.counts()
    assert facts["错误"] == f"{counts['error']} 项" and facts["警告"] == f"{counts['warning']} 项"
    assert facts["主要问题"].splitlines()[0].startswith("中小企业产值占比不足")
    leaked = {
        (ws.title, m)
        for ws in workbook for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)
        for m in CONTRACT_WORDS.findall(v) if m not in failed.packet_id
    }
    assert not leaked, leaked


def _states(quote: str, value: float) -> bool:
    numbers = [float(n) for n in re.findall(r"\d+(?:\.\d+)?", unicodedata.normalize("NFKC", quote).replace(",", ""))]
    return any(abs(n - value) < 1e-6 or abs(n - value * 10000) < 1e-3 for n in numbers)


def test_each_year_of_the_output_quotes_its_own_evidence(batch: dict) -> None:
    """A year row quotes only text that states that year's value (the generated tables give the
    2019 cell as the indicator's evidence: the 2020 and 2021 rows must not repeat it)."""
    for result in batch["results"]:
        sheet = openpyxl.load_workbook(batch["out"] / result.packet_id / "report.xlsx")["指标"]
        years = [r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0].startswith("近三年集群总产值（")]
        assert [r[0] for r in years] == [f"近三年集群总产值（{y} 年）" for y in (2019, 2020, 2021)]
        quoted = [(r[1], r[5]) for r in years if "未单独记录" not in r[5]]
        assert quoted, "the year the evidence states is quoted"
        for value, quote in quoted:
            assert _states(quote, value), (value, quote)
        assert len({q for _, q in quoted}) == len(quoted) or all(_states(q, v) for v, q in quoted)


@needs_libreoffice
def test_packet_workbook_prints_in_a_reasonable_number_of_pages(batch: dict, tmp_path: Path) -> None:
    failed = batch["results"][1]
    pdf_path = print_to_pdf(batch["out"] / failed.packet_id / "report.xlsx", tmp_path)
    with pdfplumber.open(pdf_path) as pdf:
        pages = [(p.width, p.height, _flat(p.extract_text())) for p in pdf.pages]
    first = pages[0][2]
    assert "审查结论" in first and _flat(failed.cover.cluster_name) in first and "不通过" in first
    assert len(pages) <= 14, len(pages)  # 9 sheets of a normal packet
    for header in ("严重程度", "问题", "说明", "原文"):  # 检查结果 one page wide: its last column is on the page
        assert header in pages[1][2]
