"""The XLSX reader on real workbooks built with openpyxl."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from extractors.readers.xlsx import display_text, read_xlsx
from pipeline.core.document import FileKind, ReadMethod
from pipeline.core.errors import FileUnreadable
from pipeline.intake.packet import PacketMember
from pipeline.core.result import FindingCode
from pipeline.core.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", use_cache=False)


def _member(path: Path) -> PacketMember:
    return PacketMember(name=path.name, path=path, kind=FileKind.XLSX, sha256=hashlib.sha256(path.read_bytes()).hexdigest())


def _save(workbook, path: Path) -> PacketMember:
    workbook.save(str(path))
    return _member(path)


def _patch_sheet(path: Path, old: str, new: str) -> None:
    """Rewrite one worksheet part in place (to store what Excel would have cached)."""
    patched = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.decode().replace(old, new).encode()
            target.writestr(info.filename, data)
    shutil.move(patched, path)


def test_every_sheet_is_a_page_with_one_named_table(tmp_path: Path, settings: Settings) -> None:
    workbook = openpyxl.Workbook()
    patents = workbook.active
    patents.title = "专利清单"
    patents.append(["序号", "专利号", "专利名称", "授权日期"])
    patents.append([1, "ZL202110234567.8", "一种食品加工装置", dt.date(2021, 5, 18)])
    patents.append([2.0, "202010345678.1", "一种检测方法", dt.datetime(2020, 11, 2, 0, 0)])
    workbook.create_sheet("空表")
    standards = workbook.create_sheet("标准")
    standards["A1"] = "GB/T 19001-2016"
    outcome = read_xlsx(_save(workbook, tmp_path / "08 专利清单.xlsx"), settings)

    doc = outcome.document
    assert outcome.findings == []
    assert doc.kind is FileKind.XLSX and doc.page_count == 3
    assert [p.number for p in doc.pages] == [1, 2, 3]
    tables = [list(p.tables()) for p in doc.pages]
    assert [len(t) for t in tables] == [1, 1, 1]
    assert [t[0].name for t in tables] == ["专利清单", "空表", "标准"]
    assert tables[0][0].text_rows() == [
        ["序号", "专利号", "专利名称", "授权日期"],
        ["1", "ZL202110234567.8", "一种食品加工装置", "2021-05-18"],
        ["2", "202010345678.1", "一种检测方法", "2020-11-02"],
    ]
    assert tables[1][0].rows == []
    cell = tables[2][0].rows[0][0]
    assert (cell.text, cell.row, cell.col) == ("GB/T 19001-2016", 0, 0)
    assert (cell.prov.file, cell.prov.page, cell.prov.method, cell.prov.bbox) == ("08 专利清单.xlsx", 3, ReadMethod.XLSX, None)


def test_values_are_read_as_displayed(tmp_path: Path, settings: Settings) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["B3"], sheet["C3"], sheet["D3"], sheet["E3"] = 45.6, 0.125, 0.1 + 0.2, True
    sheet["C3"].number_format = "0.0%"
    sheet["B4"], sheet["C4"] = dt.datetime(2022, 10, 9, 14, 30), "  浚县  "
    sheet["D4"] = 91350100
    table = next(read_xlsx(_save(workbook, tmp_path / "v.xlsx"), settings).document.pages[0].tables())
    # The used range starts at B3: leading empty rows and columns are not part of the table.
    assert table.text_rows() == [["45.6", "12.5%", "0.3", "TRUE"], ["2022-10-09 14:30", "浚县", "91350100", ""]]


@pytest.mark.parametrize(
    "value, number_format, text",
    [(3.0, "General", "3"), (1234567890123.0, "General", "1234567890123"), (0.3, "0%", "30%"), (None, "General", ""),
     (dt.date(2021, 1, 2), "yyyy-mm-dd", "2021-01-02"), (dt.time(9, 5), "h:mm", "09:05"), (-2.5, '"元"0.0', "-2.5")],
)
def test_display_text(value, number_format: str, text: str) -> None:
    assert display_text(value, number_format) == text


def test_merged_cells_repeat_in_every_slot(tmp_path: Path, settings: Settings) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["浚县食品加工产业集群重点企业名单", None, None])
    sheet.merge_cells("A1:C1")
    sheet.append(["企业名称", "荣誉", None])
    sheet.merge_cells("B2:C2")
    sheet.append(["鹤壁天成食品", "小巨人", "高新技术企业"])
    sheet.append([None, "专精特新", "创新型"])
    sheet.merge_cells("A3:A4")
    table = next(read_xlsx(_save(workbook, tmp_path / "m.xlsx"), settings).document.pages[0].tables())
    assert table.text_rows() == [
        ["浚县食品加工产业集群重点企业名单"] * 3,
        ["企业名称", "荣誉", "荣誉"],
        ["鹤壁天成食品", "小巨人", "高新技术企业"],
        ["鹤壁天成食品", "专精特新", "创新型"],
    ]
    assert (table.rows[0][2].col_span, table.rows[3][0].row_span) == (3, 2)


def test_cached_formula_results_are_read(tmp_path: Path, settings: Settings) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"], sheet["A2"] = 20, "=A1*2"
    path = tmp_path / "cached.xlsx"
    workbook.save(str(path))
    _patch_sheet(path, "<f>A1*2</f><v></v>", "<f>A1*2</f><v>40</v>")  # what Excel saves
    outcome = read_xlsx(_member(path), settings)
    assert outcome.findings == []
    assert next(outcome.document.pages[0].tables()).text_rows() == [["20"], ["40"]]


def test_formulas_without_results(tmp_path: Path, settings: Settings) -> None:
    """A sheet of nothing but unsaved formulas is unreadable; a sheet with real values is read as is."""
    workbook = openpyxl.Workbook()
    mixed = workbook.active
    mixed.title = "产值"
    mixed.append(["年份", "产值"])
    mixed.append([2021, "=40+5"])
    only = workbook.create_sheet("合计")
    only["A1"], only["A2"] = "=SUM(产值!B2)", "=A1*2"
    outcome = read_xlsx(_save(workbook, tmp_path / "f.xlsx"), settings)
    assert next(outcome.document.pages[0].tables()).text_rows() == [["年份", "产值"], ["2021", ""]]
    assert next(outcome.document.pages[1].tables()).rows == []
    assert [(f.code, f.evidence[0].page) for f in outcome.findings] == [(FindingCode.FILE_UNREADABLE, 2)]
    assert "合计" in outcome.findings[0].message and "2 个公式" in outcome.findings[0].message


def test_not_a_workbook_is_unreadable(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "专利.xlsx"
    path.write_bytes(b"\x00\x01 not a workbook")
    with pytest.raises(FileUnreadable):
        read_xlsx(_member(path), settings)
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook")
    with pytest.raises(FileUnreadable):
        read_xlsx(_member(broken), settings)


def test_generated_list_workbook_reads(tmp_path: Path, settings: Settings) -> None:
    from sample_docs import generate
    generate.generate_packet("folder", tmp_path / "gen", seed=5)
    workbooks = sorted((tmp_path / "gen" / "packets").rglob("*.xlsx"))
    assert workbooks, "the folder variant carries at least one XLSX list"
    for path in workbooks:
        outcome = read_xlsx(_member(path), settings)
        assert outcome.findings == []
        table = next(outcome.document.pages[0].tables())
        assert len(table.rows) >= 2 and table.rows[0][0].text  # merged title row, then the list
        assert len({c.text for c in table.rows[0]}) == 1  # the title is merged across the whole row
