"""The HTML report a reviewer reads, on a real generated packet through the real driver:
legible evidence crops with row label and column header, Chinese finding titles, 主要问题
errors first, numbers and codes that never break."""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from pipeline.core.result import Finding, FindingCode, Severity
from pipeline.reports import view
from pipeline.reports.labels import finding_title

TESSERACT = shutil.which("tesseract")


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.titles: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        self._in_title = tag == "strong" and attrs.get("class") == "finding-title"

    def handle_data(self, data):
        if self._in_title:
            self.titles.append(data)
            self._in_title = False


@pytest.fixture(scope="module")
def packet(tmp_path_factory) -> dict:
    from sample_docs import generate
    from pipeline.app.driver import process_packet
    from pipeline.core.settings import Settings

    root = tmp_path_factory.mktemp("evidence")
    generate.generate_packet("text_table", root / "gen", seed=7,
                             defects=("patent_number_invalid", "uscc_invalid", "sme_share_low"))
    source = next((root / "gen" / "packets").iterdir())
    result = process_packet(source, root / "out", Settings(data_dir=root / "data", use_cache=False))
    html = (root / "out" / result.packet_id / "report.html").read_text(encoding="utf-8")
    parser = _Tags()
    parser.feed(html)
    return {"result": result, "html": html, "parser": parser, "root": root}


def _image(uri: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("RGB")


def _ocr(image: Image.Image, tmp: Path) -> str:
    path = tmp / "crop.png"
    image.save(path)
    done = subprocess.run([TESSERACT, str(path), "-", "-l", "chi_sim", "--psm", "11"],
                          capture_output=True, text=True, timeout=60, check=True)
    return re.sub(r"\s+", "", done.stdout)


@pytest.mark.skipif(TESSERACT is None, reason="tesseract not installed")
def test_output_crop_shows_row_label_and_year_header_with_the_value_boxed(packet: dict, tmp_path: Path) -> None:
    imgs = {a.get("data-indicator"): a["src"] for t, a in packet["parser"].tags if t == "img" and a.get("data-indicator")}
    crop = _image(imgs["output_yi_by_year"])
    assert crop.width >= 800 and crop.height >= 60, crop.size  # not a 720×35 strip
    text = _ocr(crop, tmp_path)
    assert "总产值" in text and "2019" in text, text  # the row label and the column header are in the crop
    red = sum(1 for r, g, b in crop.get_flattened_data() if r > 180 and g < 70 and b < 70)
    assert red > 200, "the value is boxed"
    # every indicator crop sits in its own full-width row, not squeezed into a table column
    assert html_has_full_width_crop_rows(packet["html"])


def html_has_full_width_crop_rows(html: str) -> bool:
    return bool(re.search(r'<tr class="crop-row"><td colspan="6"><img class="crop"', html))


def test_finding_titles_are_chinese_with_the_code_in_small_print(packet: dict) -> None:
    result = packet["result"]
    titles = packet["parser"].titles
    assert sorted(titles) == sorted(finding_title(f.code) for f in result.findings)
    assert not [t for t in titles if re.search(r"[A-Z_]{4,}", t)]
    for f in result.findings:
        assert f'<span class="code">{f.code.value}' in packet["html"]


def test_main_problems_put_errors_first_and_end_with_the_total(packet: dict) -> None:
    result = packet["result"].model_copy(deep=True)
    warnings = [f for f in result.findings if f.severity is Severity.WARNING]
    errors = [f for f in result.findings if f.severity is Severity.ERROR]
    extra = [Finding(code=FindingCode.TOC_PAGE_MISMATCH, severity=Severity.WARNING, item=n,
                     message=f"第 {n} 项目录页码与实际不符。") for n in range(4, 9)]
    result.findings = warnings + extra + errors  # errors listed last by the checks
    shown = view.main_problems(result)
    assert shown[0] == f"{finding_title(errors[0].code)}：{errors[0].message}"
    assert shown[-1] == f"等{len(result.findings)}项"
    assert len(shown) == 4
    first = packet["html"].split('id="main-problems"', 1)[1].split("</div>", 1)[0]
    assert finding_title(errors[0].code) in first.split("<li>")[1]


def test_numbers_and_credit_codes_do_not_break(packet: dict) -> None:
    html = packet["html"]
    assert re.search(r"\.nb \{ white-space: nowrap; \}", html)
    uscc = next(e.uscc for e in packet["result"].lists.key_enterprises if e.uscc)
    assert f'<span class="nb">{uscc}</span>' in html
    bad = next(f for f in packet["result"].findings if f.code is FindingCode.PATENT_NUMBER_INVALID)
    number = re.search(r"\d{12}\.[\dX]", bad.message).group(0)
    assert re.search(rf'<span class="nb">[^<]*{re.escape(number)}[^<]*</span>', html)
    assert '<span class="nb">63.4%</span>' in html or re.search(r'<span class="nb">\d+(\.\d+)?%</span>', html)
