"""A folder packet as counties send them: every format at once, read completely.

The generator's folder packet (PDFs, DOCX, XLSX, a PNG) is the original; the mixed copy
has its 申报表 as Word 97 `.doc`, its 重点企业名单 as RTF, its 专利清单 as Excel 97
`.xls` (all three converted by LibreOffice), its 标准清单 as OFD (written from the PDF),
and a DOCX running header and footer on the 申报表. Both must give the same
indicators, lists, sections and findings, every file under its own name and kind.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from docx import Document

from sample_docs.generate import generate_packet
from tests.format_packets import comparable, process, soffice_convert
from tests.ofd_writer import ofd_from_pdf

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (make demo) not installed")

HEADER, FOOTER = "晋江市工业和信息化局　申报材料", "晋江市中小企业服务中心编制"


def _with_header_and_footer(path: Path) -> None:
    document = Document(str(path))
    section = document.sections[0]
    section.header.paragraphs[0].text = HEADER
    section.footer.paragraphs[0].text = FOOTER
    document.save(str(path))


def _blanks_dropped(value):
    if isinstance(value, dict):
        return {k: ("".join(v.split()) if k == "text" and isinstance(v, str) else _blanks_dropped(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_blanks_dropped(v) for v in value]
    return value


def _by_stem(folder: Path, stem_start: str) -> Path:
    return next(p for p in folder.iterdir() if p.name.startswith(stem_start))


def test_a_folder_mixing_every_format_reads_like_its_original(tmp_path: Path):
    generate_packet("folder", tmp_path / "gen", seed=8)
    original = next((tmp_path / "gen" / "packets").iterdir())
    _with_header_and_footer(_by_stem(original, "01 "))
    mixed = tmp_path / "mixed" / original.name
    shutil.copytree(original, mixed)
    form, roster, patents, standards = (_by_stem(mixed, p) for p in ("01 ", "03 ", "08 ", "07 "))
    converted = tmp_path / "converted"
    converted.mkdir()
    (doc,) = soffice_convert([form], "doc", converted)
    (rtf,) = soffice_convert([roster], "rtf", converted)
    (xls,) = soffice_convert([patents], "xls", converted)
    for old, new in ((form, doc), (roster, rtf), (patents, xls)):
        old.unlink()
        shutil.move(str(new), mixed / new.name)
    ofd_from_pdf(standards, mixed / standards.with_suffix(".ofd").name)
    standards.unlink()

    want = process(original, tmp_path / "a", tmp_path / "da")
    got = process(mixed, tmp_path / "b", tmp_path / "db")

    kinds = {f["name"]: f["kind"] for f in got["files"]}
    assert kinds[doc.name] == "docx" and kinds[rtf.name] == "docx" and kinds[xls.name] == "xlsx"
    assert kinds[standards.with_suffix(".ofd").name] == "ofd"
    assert not [f for f in got["findings"] if f["code"] in ("FILE_UNREADABLE", "FILE_UNSUPPORTED")], got["findings"]
    assert sum(v["value"] is not None for v in want["indicators"].values()) >= 10
    # an evidence line's blanks may differ (OFD places characters one by one): compared without them
    assert _blanks_dropped(comparable(got)) == _blanks_dropped(comparable(want))
    # the running header and footer are read, on a page of their own: never inside item 1's text
    pages = (tmp_path / "b" / got["packet_id"] / "text.jsonl").read_text(encoding="utf-8")
    squeezed = "".join(pages.split())  # the full-width blank is read as a blank
    assert "".join(HEADER.split()) in squeezed and "".join(FOOTER.split()) in squeezed
    first = next(s for s in got["sections"] if s["item"] == 1)
    assert first["present"] and first["file"] == doc.name
