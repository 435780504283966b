"""Hostile and broken input: nothing crashes, nothing is lost, nothing escapes the work area.

Every case asserts the finding a reviewer sees (its code and the file it names),
that the rest of the file or packet is still read, and — where a hostile file
could exhaust the machine — a memory or time bound measured in a subprocess.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from pathlib import Path

import jsonschema
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from extractors.readers.registry import ReadOutcome, read_member
from pipeline.core.atomic import atomic_path, write_text_atomic
from pipeline.core.document import FileKind
from pipeline.intake.packet import load_packet
from pipeline.core.result import Finding, FindingCode
from pipeline.core.settings import Settings
from tests import hostile_files as hf

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCHEMA_PATH = Path("/work/shared/contract/result.schema.json")
PEAK_RSS_LIMIT_MB = 1024


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", use_cache=False, file_timeout_s=60, ocr_page_timeout_s=30)


def _codes_for(findings: list[Finding], file_name: str) -> set[FindingCode]:
    """Codes of the findings whose evidence names `file_name` (or a page of it)."""
    return {f.code for f in findings if any(e.file == file_name for e in f.evidence)}


def _read(path: Path, settings: Settings, name: str | None = None) -> ReadOutcome:
    return read_member(hf.member_for(path, name), settings)


def _run_python(script: str, timeout_s: float = 120) -> dict:
    """Run `script` in a fresh interpreter at the project root; it prints one JSON line last."""
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- broken files


def test_truncated_pdf_is_a_finding(tmp_path: Path, settings: Settings) -> None:
    outcome = _read(hf.truncated_pdf(tmp_path / "05 截断.pdf"), settings)
    assert FindingCode.FILE_UNREADABLE in _codes_for(outcome.findings, "05 截断.pdf")
    assert all("截断" in f.message or "损坏" in f.message or "无法读取" in f.message for f in outcome.findings)


def test_zero_byte_file_is_unreadable(tmp_path: Path, settings: Settings) -> None:
    empty = tmp_path / "01 申报表.pdf"
    empty.write_bytes(b"")
    outcome = _read(empty, settings)
    assert outcome.document is None
    assert _codes_for(outcome.findings, "01 申报表.pdf") == {FindingCode.FILE_UNREADABLE}
    assert "0 字节" in outcome.findings[0].message


def test_docx_named_pdf_is_read_as_docx(tmp_path: Path, settings: Settings) -> None:
    misnamed = hf.docx_file(tmp_path / "07 标准清单.pdf")
    member = hf.member_for(misnamed)
    assert member.kind is FileKind.DOCX
    outcome = read_member(member, settings)
    assert outcome.findings == []
    assert outcome.document is not None and outcome.document.kind is FileKind.DOCX
    assert "标准清单" in "\n".join(p.text() for p in outcome.document.pages)


def test_encrypted_pdf_is_flagged_then_opened_with_the_configured_password(tmp_path: Path, settings: Settings) -> None:
    locked = hf.encrypted_pdf(tmp_path / "03 发展规划.pdf", "集群2022")
    refused = _read(locked, settings)
    assert refused.document is None
    assert _codes_for(refused.findings, "03 发展规划.pdf") == {FindingCode.FILE_ENCRYPTED}

    wrong = _read(locked, settings.model_copy(update={"pdf_passwords": {"03 发展规划.pdf": "wrong"}}))
    assert _codes_for(wrong.findings, "03 发展规划.pdf") == {FindingCode.FILE_ENCRYPTED}

    opened = _read(locked, settings.model_copy(update={"pdf_passwords": {"03 发展规划.pdf": "集群2022"}}))
    assert opened.findings == []
    assert opened.document is not None and "集群发展规划" in opened.document.pages[0].text()


def test_pdf_with_damaged_xref_is_read_as_far_as_it_goes(tmp_path: Path, settings: Settings) -> None:
    outcome = _read(hf.damaged_xref_pdf(tmp_path / "04 损坏.pdf"), settings)
    assert outcome.document is not None
    assert outcome.document.page_count == 4
    texts = {p.number: p.text() for p in outcome.document.pages}
    for readable in (1, 2, 4):
        assert f"第{readable}页" in texts.get(readable, "")
    damage = [f for f in outcome.findings if f.code is FindingCode.FILE_UNREADABLE]
    assert damage and any(e.page == 3 for f in damage for e in f.evidence)


def test_pdf_with_a_non_number_in_the_media_box(tmp_path: Path, settings: Settings) -> None:
    outcome = _read(hf.pdf_with_bad_mediabox(tmp_path / "01 申报表.pdf"), settings)
    assert not any(hf.UNEXPECTED_ERROR_MARK in f.message for f in outcome.findings)
    assert outcome.document is not None
    assert any("第2页" in p.text() for p in outcome.document.pages)


def test_pdf_with_a_broken_page_tree_is_never_silently_empty(tmp_path: Path, settings: Settings) -> None:
    outcome = _read(hf.pdf_with_broken_page_tree(tmp_path / "01 申报表.pdf", shift_offsets=False), settings)
    assert outcome.findings or (outcome.document is not None and outcome.document.pages)


def test_pdf_that_only_pdfium_opens_with_an_unloadable_page(tmp_path: Path, settings: Settings) -> None:
    outcome = _read(hf.pdf_with_broken_page_tree(tmp_path / "01 申报表.pdf", shift_offsets=True), settings)
    assert FindingCode.FILE_UNREADABLE in _codes_for(outcome.findings, "01 申报表.pdf")
    assert not any(hf.UNEXPECTED_ERROR_MARK in f.message for f in outcome.findings)


def test_docx_that_is_not_a_zip(tmp_path: Path, settings: Settings) -> None:
    fake = tmp_path / "09 协同创新.docx"
    fake.write_bytes(b"This is not a Word file.\n" * 40)
    outcome = _read(fake, settings)
    assert outcome.document is None
    assert _codes_for(outcome.findings, "09 协同创新.docx") == {FindingCode.FILE_UNREADABLE}
    assert ".docx" in outcome.findings[0].message


def test_xlsx_of_formulas_only_says_there_are_no_results(tmp_path: Path, settings: Settings) -> None:
    outcome = _read(hf.formulas_only_xlsx(tmp_path / "产值测算.xlsx"), settings)
    assert outcome.document is not None and outcome.document.page_count == 1
    finding = next(f for f in outcome.findings if f.code is FindingCode.FILE_UNREADABLE)
    assert "公式" in finding.message and "产值测算" in finding.message
    assert finding.evidence[0].page == 1


def _read_quickly(path: Path, tmp_path: Path, limit_s: float = 15) -> ReadOutcome:
    """Read in the killable worker with a time limit: a reader that loops over billions of slots times out."""
    settings = Settings(data_dir=tmp_path / "data", use_cache=False, file_timeout_s=limit_s)
    started = time.monotonic()
    outcome = _read(path, settings)
    assert time.monotonic() - started < limit_s, "the reader ran into the time limit"
    assert not any("超时" in f.message for f in outcome.findings)
    return outcome


def test_xlsx_with_a_cell_at_the_far_corner_is_read_sparsely(tmp_path: Path) -> None:
    """Found while writing these tests: one cell at XFD1048576 made the reader walk 17 billion slots."""
    outcome = _read_quickly(hf.xlsx_with_far_cell(tmp_path / "03 重点企业名单.xlsx"), tmp_path)
    table = outcome.document.pages[0].blocks[0]
    assert table.text_rows()[:2] == [["序号", "企业名称", ""], ["1", "鹤壁天成食品科技股份有限公司", ""]]
    assert any("远处的单元格" in row for row in table.text_rows())
    warning = next(f for f in outcome.findings if f.code is FindingCode.FILE_UNREADABLE)
    assert warning.severity.value == "warning" and "空行和空列" in warning.message


def test_xlsx_with_a_merged_range_over_the_whole_sheet_is_refused(tmp_path: Path) -> None:
    """openpyxl creates every slot of a merged range on load: A1:XFD1048576 must never reach it."""
    outcome = _read_quickly(hf.xlsx_with_giant_merge(tmp_path / "产值.xlsx"), tmp_path)
    assert outcome.document is None
    assert _codes_for(outcome.findings, "产值.xlsx") == {FindingCode.FILE_UNREADABLE}
    assert "合并单元格" in outcome.findings[0].message


def test_docx_table_cell_spanning_a_hundred_million_columns(tmp_path: Path) -> None:
    outcome = _read_quickly(hf.docx_with_giant_grid_span(tmp_path / "07 标准清单.docx"), tmp_path)
    tables = [b for p in outcome.document.pages for b in p.blocks if b.kind == "table"]
    assert len(tables) == 1 and len(tables[0].rows[0]) <= 300
    assert "GB/T 30001-2021" in tables[0].text_rows()[1]


def test_docx_list_counter_of_ten_to_the_fifteenth(tmp_path: Path) -> None:
    outcome = _read_quickly(hf.docx_with_giant_list_counter(tmp_path / "09 协同创新.docx"), tmp_path)
    lines = [b for p in outcome.document.pages for b in p.blocks if b.kind == "line"]
    assert [line.text for line in lines] == ["第一项", "第二项"]
    assert all(len(line.numbering or "") < 40 for line in lines)


def test_docx_whose_root_is_not_a_document(tmp_path: Path, settings: Settings) -> None:
    """Found by the fuzzer: python-docx hands back a plain element without `.body`; that was the catch-all."""
    outcome = _read(hf.docx_with_wrong_root(tmp_path / "01 申报表.docx"), settings)
    assert outcome.document is None
    assert _codes_for(outcome.findings, "01 申报表.docx") == {FindingCode.FILE_UNREADABLE}
    assert hf.UNEXPECTED_ERROR_MARK not in outcome.findings[0].message


def test_docx_with_a_page_size_that_is_not_a_number(tmp_path: Path, settings: Settings) -> None:
    """Found by the fuzzer: float("158m0") in the page size used to lose the whole document."""
    outcome = _read(hf.docx_with_bad_page_size(tmp_path / "07 标准清单.docx"), settings)
    assert outcome.findings == []
    assert outcome.document is not None and outcome.document.pages[0].width is None
    assert "标准清单" in outcome.document.pages[0].text()


def test_docx_with_a_style_of_unknown_type(tmp_path: Path, settings: Settings) -> None:
    """Found by the fuzzer: one unknown style type in styles.xml used to lose the whole document."""
    outcome = _read(hf.docx_with_unknown_style_type(tmp_path / "07 标准清单.docx"), settings)
    assert outcome.findings == []
    heading = outcome.document.pages[0].blocks[0]
    assert heading.text == "七、集群内企业参与制修订标准清单" and heading.style == "Heading 1"


def test_thousand_page_pdf_is_streamed_in_bounded_memory(tmp_path: Path) -> None:
    big = hf.many_page_pdf(tmp_path / "长文件.pdf", 1000)
    report = _run_python(
        f"""
        import json, resource, time
        from pathlib import Path
        from extractors.readers.registry import read_member
        from pipeline.core.settings import Settings
        from tests.hostile_files import member_for, own_peak_mb
        settings = Settings(data_dir=Path({str(tmp_path / 'data')!r}), use_cache=False, ocr_page_timeout_s=5)
        start = time.monotonic()
        outcome = read_member(member_for(Path({str(big)!r})), settings)
        document = outcome.document
        print(json.dumps({{
            "seconds": time.monotonic() - start,
            "peak_mb": own_peak_mb(),
            "page_count": document.page_count,
            "pages_with_text": sum(1 for p in document.pages if "每页一行文字" in p.text()),
            "findings": len(outcome.findings),
        }}))
        """
    )
    assert report["page_count"] == 1000
    assert report["pages_with_text"] == 1000
    assert report["findings"] == 0
    assert report["peak_mb"] < PEAK_RSS_LIMIT_MB, report
    assert report["seconds"] < 90, report


def test_image_decompression_bombs_are_refused_without_decoding(tmp_path: Path) -> None:
    """30,000² pixels (past Pillow's own guard) and 12,000² (past ours only): a finding, no allocation."""
    report = _run_python(
        f"""
        import json, resource
        from pathlib import Path
        from extractors.readers.registry import read_member
        from pipeline.core.settings import Settings
        from tests.hostile_files import huge_png, member_for, own_peak_mb
        settings = Settings(data_dir=Path({str(tmp_path / 'data')!r}), use_cache=False)
        before = own_peak_mb()
        out = {{}}
        for side in (30000, 12000):
            path = huge_png(Path({str(tmp_path)!r}) / f"扫描件{{side}}.png", side, side)
            outcome = read_member(member_for(path), settings)
            out[str(side)] = {{
                "document": outcome.document is not None,
                "codes": [f.code.value for f in outcome.findings],
                "messages": [f.message for f in outcome.findings],
            }}
        out["rss_growth_mb"] = own_peak_mb() - before
        print(json.dumps(out, ensure_ascii=False))
        """
    )
    for side in ("30000", "12000"):
        assert report[side]["codes"] == ["FILE_UNREADABLE"], report
        assert "炸弹" in report[side]["messages"][0]
    assert report["rss_growth_mb"] < 200, report  # decoding even one would take ≥ 144 MB, 900 MB for the big one


def test_giant_pdf_page_is_not_rendered_at_full_size(tmp_path: Path) -> None:
    path = hf.pdf_with_a_giant_scanned_page(tmp_path / "13 佐证材料.pdf")
    report = _run_python(
        f"""
        import json, resource
        resource.setrlimit(resource.RLIMIT_AS, (3 * 1024**3, 3 * 1024**3))  # never let the bomb hit the shared machine
        from pathlib import Path
        from extractors.readers.registry import read_member
        from pipeline.core.settings import Settings
        from tests.hostile_files import member_for, own_peak_mb
        settings = Settings(data_dir=Path({str(tmp_path / 'data')!r}), use_cache=False, ocr_page_timeout_s=0.001)
        outcome = read_member(member_for(Path({str(path)!r})), settings)
        print(json.dumps({{
            "page_1": outcome.document.pages[0].text() if outcome.document else None,
            "messages": [f.message for f in outcome.findings],
            "flagged_pages": sorted({{e.page for f in outcome.findings for e in f.evidence if e.page}}),
            "peak_mb": max(own_peak_mb(), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        }}, ensure_ascii=False))
        """
    )
    assert not any(hf.UNEXPECTED_ERROR_MARK in m for m in report["messages"]), report
    assert report["page_1"] and "正常页面" in report["page_1"]
    assert report["flagged_pages"] == [2]
    assert report["peak_mb"] < PEAK_RSS_LIMIT_MB, report


def test_every_frame_of_a_multi_frame_tiff_is_read(tmp_path: Path, settings: Settings) -> None:
    texts = ["第一页集群名单", "第二页专利清单", "第三页标准清单"]
    outcome = _read(hf.multi_frame_tiff(tmp_path / "12 扫描件.tif", texts), settings)
    assert outcome.document is not None and outcome.document.page_count == 3
    assert [p.number for p in outcome.document.pages] == [1, 2, 3]
    for page, expected in zip(outcome.document.pages, texts):
        assert expected[3:] in page.text().replace(" ", ""), (page.number, page.text())


def test_office_file_with_a_corrupt_deflate_stream_is_a_plain_finding(tmp_path: Path, settings: Settings) -> None:
    """Found by the fuzzer: zlib errors deep inside python-docx/openpyxl used to reach the catch-all."""
    for builder, name in ((hf.docx_file, "07 标准清单.docx"), (hf.xlsx_file, "03 重点企业名单.xlsx")):
        path = builder(tmp_path / name)
        data = bytearray(path.read_bytes())
        with zipfile.ZipFile(path) as archive:
            part = next(i for i in archive.infolist() if i.filename in ("word/document.xml", "xl/worksheets/sheet1.xml"))
        start = part.header_offset + 30 + len(part.filename.encode()) + len(part.extra)
        data[start + part.compress_size // 3: start + part.compress_size // 3 + 24] = b"\xff" * 24
        path.write_bytes(bytes(data))
        outcome = _read(path, settings)
        assert outcome.document is None
        assert _codes_for(outcome.findings, name) == {FindingCode.FILE_UNREADABLE}
        assert "损坏" in outcome.findings[0].message
        assert hf.UNEXPECTED_ERROR_MARK not in outcome.findings[0].message


@pytest.mark.parametrize("name", ["申报材料.zip", "03 重点企业名单.xlsx"])
def test_zip_needing_an_unknown_version_is_a_finding(tmp_path: Path, settings: Settings, name: str) -> None:
    """Found by the fuzzer: zipfile raises NotImplementedError for "version needed 10.4"; load_packet raised it."""
    path = hf.xlsx_file(tmp_path / name)
    data = bytearray(path.read_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 6: central + 8] = (104).to_bytes(2, "little")
    path.write_bytes(bytes(data))
    packet = load_packet(path, tmp_path / "work", settings)
    findings = list(packet.findings)
    for member in packet.members:
        findings += read_member(member, settings).findings
    assert FindingCode.FILE_UNREADABLE in _codes_for(findings, name)
    assert not any(hf.UNEXPECTED_ERROR_MARK in f.message for f in findings)


def test_png_broken_while_decoding_is_a_page_finding(tmp_path: Path, settings: Settings) -> None:
    outcome = _read(hf.png_with_broken_chunk_after_data(tmp_path / "12 碳排放.png"), settings)
    assert FindingCode.FILE_UNREADABLE in _codes_for(outcome.findings, "12 碳排放.png")
    assert not any(hf.UNEXPECTED_ERROR_MARK in f.message for f in outcome.findings)


def test_tiff_with_a_damaged_second_frame_keeps_the_first(tmp_path: Path, settings: Settings) -> None:
    outcome = _read(hf.tiff_second_frame_without_width(tmp_path / "扫描件.tif"), settings)
    assert not any(hf.UNEXPECTED_ERROR_MARK in f.message for f in outcome.findings)
    assert outcome.document is not None
    assert "集群名单" in outcome.document.pages[0].text().replace(" ", "")
    assert any(e.page == 2 for f in outcome.findings for e in f.evidence)


# --------------------------------------------------------------------------- ZIP packets


def test_hostile_zip_packet_refuses_each_bad_entry_and_reads_the_rest(tmp_path: Path, settings: Settings) -> None:
    good_docx = hf.docx_file(tmp_path / "good.docx").read_bytes()
    good_pdf = hf.text_pdf(tmp_path / "good.pdf").read_bytes()
    inner = hf.zip_with(tmp_path / "inner.zip", [("inner/07 标准清单.docx", good_docx)]).read_bytes()
    deepest = hf.zip_with(tmp_path / "deepest.zip", [("x.pdf", good_pdf)]).read_bytes()
    middle = hf.zip_with(tmp_path / "middle.zip", [("deeper.zip", deepest)]).read_bytes()
    packet_zip = hf.zip_with(
        tmp_path / "申报材料.zip",
        [
            ("申报材料/01 申报表.pdf", good_pdf),
            ("../../逃逸.txt", b"escaped"),
            ("/tmp/绝对路径.txt", b"escaped"),
            ("C:/Windows/evil.txt", b"escaped"),
            ("申报材料/..\\..\\反斜杠.txt", b"escaped"),
            (hf.symlink_info("申报材料/链接.pdf"), b"/etc/passwd"),
            ("申报材料/炸弹.pdf", b"\0" * (20 * 1024 * 1024)),  # ratio ≈ 1000:1
            ("申报材料/附件.zip", inner),
            ("申报材料/套娃.zip", middle),
        ],
    )
    workdir = tmp_path / "work"
    packet = load_packet(packet_zip, workdir, settings)

    names = [m.name for m in packet.members]
    assert "申报材料/01 申报表.pdf" in names
    assert "申报材料/附件.zip/inner/07 标准清单.docx" in names  # one level of nesting is read
    codes_by_file = {e.file: f.code for f in packet.findings for e in f.evidence}
    for refused in ("../../逃逸.txt", "/tmp/绝对路径.txt", "C:/Windows/evil.txt", "申报材料/../../反斜杠.txt",
                    "申报材料/链接.pdf", "申报材料/炸弹.pdf"):
        assert codes_by_file.get(refused) is FindingCode.FILE_UNSUPPORTED, (refused, codes_by_file)  # refused: a warning
    assert codes_by_file.get("申报材料/套娃.zip/deeper.zip") is FindingCode.FILE_UNSUPPORTED  # two levels: refused
    assert not any("x.pdf" in n for n in names)

    # Nothing written outside the work area; every unpacked file is a real file inside it.
    assert not (tmp_path.parent / "逃逸.txt").exists() and not Path("/tmp/绝对路径.txt").exists()
    assert {p.name for p in tmp_path.iterdir()} == {
        "good.docx", "good.pdf", "inner.zip", "deepest.zip", "middle.zip", "申报材料.zip", "work"
    }
    assert all(m.path.resolve().is_relative_to(workdir.resolve()) and not m.path.is_symlink() for m in packet.members)

    # The rest of the packet is still read.
    for member in packet.members:
        outcome = read_member(member, settings)
        assert outcome.document is not None and outcome.findings == [], member.name


def test_gbk_names_are_decoded(tmp_path: Path, settings: Settings) -> None:
    good_docx = hf.docx_file(tmp_path / "good.docx").read_bytes()
    packet_zip = hf.gbk_named_zip(tmp_path / "gbk.zip", [("申报材料/17 境外分支机构清单.docx", good_docx)])
    packet = load_packet(packet_zip, tmp_path / "work", settings)
    assert [m.name for m in packet.members] == ["申报材料/17 境外分支机构清单.docx"]
    assert packet.findings == []


@pytest.mark.parametrize(
    ("limits", "expect_refused"),
    [
        ({"zip_max_entries": 2}, "申报材料.zip"),  # too many entries: the whole archive is refused
        ({"zip_max_entry_bytes": 100_000}, "b.pdf"),  # one entry over the per-entry limit
        ({"zip_max_total_bytes": 200_000}, "c.pdf"),  # the third entry crosses the total
    ],
)
def test_zip_limits_on_entries_and_sizes(tmp_path: Path, limits: dict, expect_refused: str) -> None:
    settings = Settings(data_dir=tmp_path / "data", use_cache=False, **limits)
    packet_zip = hf.zip_with(
        tmp_path / "申报材料.zip",
        [("a.pdf", b"%PDF-1.4\n" + os.urandom(60_000)), ("b.pdf", b"%PDF-1.4\n" + os.urandom(120_000)),
         ("c.pdf", b"%PDF-1.4\n" + os.urandom(60_000))],
        compression=zipfile.ZIP_STORED,
    )
    packet = load_packet(packet_zip, tmp_path / "work", settings)
    refused = {e.file for f in packet.findings for e in f.evidence}
    assert expect_refused in refused
    assert expect_refused not in {m.name for m in packet.members}
    if expect_refused != "申报材料.zip":
        assert "a.pdf" in {m.name for m in packet.members}  # the rest still unpacked


def test_zip_bomb_with_lying_headers_stops_while_inflating(tmp_path: Path) -> None:
    """An entry that declares 1 KB but inflates to 64 MB: stopped by the byte count, memory bounded."""
    settings = Settings(data_dir=tmp_path / "data", use_cache=False, zip_max_entry_bytes=8 * 1024 * 1024)
    bomb = hf.zip_with(tmp_path / "炸弹.zip", [("bomb.pdf", b"\0" * (64 * 1024 * 1024)), ("ok.pdf", b"%PDF-1.4 ok")])
    data = bytearray(bomb.read_bytes())
    with zipfile.ZipFile(bomb) as archive:
        info = archive.getinfo("bomb.pdf")
    # Rewrite the declared size in the local header and the central directory to 1024.
    local_size_at = info.header_offset + 22
    data[local_size_at:local_size_at + 4] = (1024).to_bytes(4, "little")
    central = data.rindex(b"PK\x01\x02", 0, data.rindex(b"ok.pdf"))
    data[central + 24:central + 28] = (1024).to_bytes(4, "little")
    bomb.write_bytes(bytes(data))
    packet = load_packet(bomb, tmp_path / "work", settings)
    assert [m.name for m in packet.members] == ["ok.pdf"]
    assert {e.file for f in packet.findings for e in f.evidence} == {"bomb.pdf"}
    assert sum(p.stat().st_size for p in (tmp_path / "work").rglob("*") if p.is_file()) < 1024 * 1024


def test_duplicate_entry_names_are_both_kept_under_distinct_names(tmp_path: Path, settings: Settings) -> None:
    """A ZIP may hold one path twice (an edited file added again): neither copy is lost, evidence stays unambiguous."""
    first, second = hf.docx_file(tmp_path / "a.docx", rows=1), hf.docx_file(tmp_path / "b.docx", rows=2)
    with pytest.warns(UserWarning, match="Duplicate name"):
        packet_zip = hf.zip_with(tmp_path / "申报材料.zip",
                                 [("01 申报表.docx", first.read_bytes()), ("01 申报表.docx", second.read_bytes())])
    packet = load_packet(packet_zip, tmp_path / "work", settings)
    names = [m.name for m in packet.members]
    assert "01 申报表.docx" in names and "01 申报表（重名2）.docx" in names
    assert len(set(names)) == len(names)
    assert len({m.sha256 for m in packet.members if m.name.startswith("01 申报表")}) == 2


def test_fifo_in_a_folder_packet_is_never_opened(tmp_path: Path, settings: Settings) -> None:
    folder = tmp_path / "申报材料"
    folder.mkdir()
    os.mkfifo(folder / "01 申报表.pdf")  # opening it for reading would block forever
    hf.docx_file(folder / "07 标准清单.docx")
    packet = load_packet(folder, tmp_path / "work", settings)
    assert [m.name for m in packet.members] == ["07 标准清单.docx"]


# --------------------------------------------------------------------------- time limits


def test_ocr_page_time_limit_flags_the_page_and_keeps_the_text_pages(tmp_path: Path, settings: Settings) -> None:
    """A PDF of two text pages and one scanned page: with a tiny OCR limit the scan is flagged, the text read."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    path = tmp_path / "13 佐证材料.pdf"
    page_canvas = canvas.Canvas(str(path), pagesize=A4)
    font = hf._pdf_font()
    for n in (1, 2):
        page_canvas.setFont(font, 12)
        page_canvas.drawString(72, 760, f"第{n}页：绿色低碳佐证材料")
        page_canvas.showPage()
    page_canvas.drawImage(ImageReader(hf.text_image("第三页是扫描件", (850, 1200))), 0, 0, *A4)
    page_canvas.showPage()
    page_canvas.save()

    outcome = _read(path, settings.model_copy(update={"ocr_page_timeout_s": 0.001}))
    assert outcome.document is not None and outcome.document.page_count == 3
    texts = {p.number: p.text() for p in outcome.document.pages}
    assert "第1页" in texts[1] and "第2页" in texts[2]
    timeouts = [f for f in outcome.findings if "超时" in f.message]
    assert len(timeouts) == 1 and timeouts[0].evidence[0].page == 3


def test_file_time_limit_stops_one_file_and_the_packet_goes_on(tmp_path: Path) -> None:
    folder = tmp_path / "申报材料"
    folder.mkdir()
    hf.docx_file(folder / "07 标准清单.docx", rows=30, paragraphs=16000)
    hf.text_pdf(folder / "01 申报表.pdf")
    # far below what 16,000 paragraphs take even in a warm worker (over a second: the pool's
    # timeout watch runs a few times a second, so a read of 0.3 s could finish first); the PDF has its grace
    settings = Settings(data_dir=tmp_path / "data", use_cache=False, file_timeout_s=0.02)
    packet = load_packet(folder, tmp_path / "work", settings)
    started = time.monotonic()
    outcomes = {m.name: read_member(m, settings) for m in packet.members}
    assert time.monotonic() - started < 30
    slow = outcomes["07 标准清单.docx"]
    assert slow.document is None and "超时" in slow.findings[0].message
    assert _codes_for(slow.findings, "07 标准清单.docx") == {FindingCode.FILE_UNREADABLE}
    assert outcomes["01 申报表.pdf"].document is not None


def test_file_time_limit_also_bounds_a_pdf(tmp_path: Path) -> None:
    big = hf.many_page_pdf(tmp_path / "长文件.pdf", 300)
    # a limit far below what 300 pages take: every page past it is flagged, not read
    settings = Settings(data_dir=tmp_path / "data", use_cache=False, file_timeout_s=0.001)
    started = time.monotonic()
    outcome = _read(big, settings)
    assert time.monotonic() - started < 2
    assert any("超时" in f.message for f in outcome.findings)


# --------------------------------------------------------------------------- output safety


def test_atomic_write_keeps_the_previous_file_when_a_write_fails(tmp_path: Path) -> None:
    target = tmp_path / "result.json"
    write_text_atomic(target, '{"version": 1}')
    with pytest.raises(RuntimeError):
        with atomic_path(target) as partial:
            partial.write_text('{"version": 2, "half')
            raise RuntimeError("disk full")
    assert target.read_text() == '{"version": 1}'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.json"]  # no temp file left behind


def test_atomic_write_survives_a_kill_mid_write(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    write_text_atomic(target, "<p>旧报告</p>")
    writer = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from pathlib import Path
            from pipeline.core.atomic import atomic_path
            with atomic_path(Path({str(target)!r})) as partial:
                with open(partial, "w") as handle:
                    handle.write("<p>新报告的前一半")
                    handle.flush()
                    print("half", flush=True)
                    time.sleep(60)
        """)],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    try:
        assert writer.stdout.readline().strip() == "half"
        writer.send_signal(signal.SIGKILL)
        writer.wait(10)
    finally:
        if writer.poll() is None:
            writer.kill()
    assert target.read_text() == "<p>旧报告</p>"
    leftovers = [p for p in tmp_path.iterdir() if p != target]
    assert all(p.name.startswith(".report.html.") and p.suffix == ".tmp" for p in leftovers)


# --------------------------------------------------------------------------- whole packet


@pytest.fixture(scope="module")
def hostile_packet_run(tmp_path_factory) -> dict:
    """A generated folder packet plus broken and hostile files, through `process_packet` once."""
    from pipeline.app.driver import process_packet
    from sample_docs.generate import generate_packet

    root = tmp_path_factory.mktemp("whole")
    truth = generate_packet("folder", root / "gen", seed=11)
    folder = next((root / "gen" / "packets").iterdir())
    for image in [p for p in folder.iterdir() if p.suffix.lower() in (".png", ".jpg", ".jpeg", ".tif")]:
        image.unlink()  # keep the run fast: no OCR of the one scanned item
    broken = {
        "21 截断.pdf": lambda p: hf.truncated_pdf(p),
        "22 空文件.pdf": lambda p: p.write_bytes(b""),
        "24 加密.pdf": lambda p: hf.encrypted_pdf(p, "secret"),
        "25 不是文档.docx": lambda p: p.write_bytes(b"plain text, not a zip\n" * 10),
        "26 只有公式.xlsx": lambda p: hf.formulas_only_xlsx(p),
        "=HYPERLINK(\"http:__evil\",\"x\").pdf": lambda p: p.write_bytes(b""),
        "<script>alert('xss')<script>.docx": lambda p: p.write_bytes(b"junk"),
    }
    for name, build in broken.items():
        build(folder / name)
    hf.zip_with(folder / "27 附件.zip", [("../../逃逸.txt", b"x"), (hf.symlink_info("link"), b"/etc/passwd")])
    before = {p: p.stat().st_mtime_ns for p in folder.rglob("*")}

    temp_root = root / "tmp"
    temp_root.mkdir()
    out = root / "out"
    saved_tempdir = tempfile.tempdir
    tempfile.tempdir = str(temp_root)  # the driver's work area lands here, so leftovers can be seen
    try:
        settings = Settings(data_dir=root / "data", use_cache=False, file_timeout_s=60, ocr_page_timeout_s=30)
        result = process_packet(folder, out, settings)
    finally:
        tempfile.tempdir = saved_tempdir
    return {
        "root": root, "folder": folder, "truth": truth, "result": result, "out": out / result.packet_id,
        "broken": sorted(broken), "before": before, "temp_root": temp_root,
    }


def test_whole_packet_result_is_valid_and_names_every_broken_file(hostile_packet_run: dict) -> None:
    run = hostile_packet_run
    data = json.loads((run["out"] / "result.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
    findings = run["result"].findings
    expected = {name: FindingCode.FILE_UNREADABLE for name in run["broken"]}
    expected["24 加密.pdf"] = FindingCode.FILE_ENCRYPTED
    for name, code in expected.items():
        assert code in _codes_for(findings, name), (name, [f.message for f in findings])
    for escaped in ("27 附件.zip/../../逃逸.txt", "27 附件.zip/link"):
        assert FindingCode.FILE_UNSUPPORTED in _codes_for(findings, escaped)  # refused by policy: a warning
    assert {f["name"] for f in data["files"]} >= set(run["broken"])


def test_whole_packet_good_files_sections_are_found(hostile_packet_run: dict) -> None:
    run = hostile_packet_run
    files_left = {p.name for p in run["folder"].iterdir()}
    found = {s.item: s for s in run["result"].sections}
    for section in run["truth"]["sections"]:
        if not section["present"] or section["file"] not in files_left:
            continue
        assert found[section["item"]].present, section
        assert found[section["item"]].file == section["file"], (section, found[section["item"]])


def test_whole_packet_writes_nothing_outside_its_output_folder(hostile_packet_run: dict) -> None:
    run = hostile_packet_run
    assert {p.name for p in run["out"].iterdir()} >= {"result.json", "report.html", "report.xlsx"}
    assert not any(p.name.endswith(".tmp") for p in run["out"].rglob("*"))
    # The driver's work area (unpacked ZIP entries) is removed; jieba's own model cache may stay.
    assert {p.name for p in run["temp_root"].iterdir()} <= {"jieba.cache"}
    assert {p: p.stat().st_mtime_ns for p in run["folder"].rglob("*")} == run["before"]  # the packet is untouched
    assert not (run["root"] / "逃逸.txt").exists() and not (run["folder"].parent / "逃逸.txt").exists()


def test_report_xlsx_never_holds_a_formula(hostile_packet_run: dict) -> None:
    workbook = openpyxl.load_workbook(hostile_packet_run["out"] / "report.xlsx")
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert any(isinstance(c.value, str) and "HYPERLINK" in c.value for c in cells)  # the text arrived, as text


def test_report_html_escapes_packet_text(hostile_packet_run: dict) -> None:
    html = (hostile_packet_run["out"] / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(" in html


# --------------------------------------------------------------------------- fuzzing (bounded for CI)


@pytest.fixture(scope="module")
def fuzz_seeds(tmp_path_factory) -> dict[str, bytes]:
    root = tmp_path_factory.mktemp("seeds")
    return hf.fuzz_seed_files(root)


def _mutation():
    return st.lists(
        st.tuples(st.sampled_from(["flip", "truncate", "insert", "overwrite", "digits"]), st.floats(0, 1),
                  st.binary(min_size=1, max_size=16)),
        min_size=1,
        max_size=4,
    )


@pytest.mark.parametrize("seed_name", ["pdf", "docx", "xlsx", "zip", "docx-xml", "xlsx-xml"])
def test_fuzz_mutated_files_never_crash(seed_name: str, fuzz_seeds: dict[str, bytes], tmp_path_factory) -> None:
    base = tmp_path_factory.mktemp(f"fuzz-{seed_name}")
    counter = {"runs": 0}

    @hypothesis_settings(max_examples=30, deadline=None, database=None, derandomize=True,
                         suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(part_choice=st.floats(0, 1), mutations=_mutation())
    def check(part_choice, mutations) -> None:
        counter["runs"] += 1
        data, name = hf.fuzz_input(fuzz_seeds, seed_name, part_choice, mutations)
        problems = hf.check_one_input(data, name, base / f"case{counter['runs']:04d}", hf.fuzz_settings(base / "data"))
        assert problems == [], problems

    check()
    assert counter["runs"] >= 20
