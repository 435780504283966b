"""RapidOCR behind the OCR seam: real models on one generated scanned page, plus the pure geometry."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from rapidfuzz.distance import Levenshtein

from extractors.ocr.orientation import vertical_line_share
from extractors.ocr.page import ocr_image
from extractors.readers.pdf import render_pdf_page
from extractors.ocr.rapidocr import RapidOcrEngine, normalize_rapidocr_text, split_line
from pipeline.core.document import ReadMethod
from pipeline.core.settings import Settings
from sample_docs.generate import generate_packet

DPI = 300


@pytest.fixture(scope="module")
def scanned_cover(tmp_path_factory) -> tuple[Image.Image, str, str]:
    """Page 1 of a generated scanned packet (a 200-dpi JPEG scan), rendered as the PDF reader renders it."""
    folder = tmp_path_factory.mktemp("scanned")
    truth = generate_packet("scanned", folder, seed=5)
    (file_name, texts), = truth["page_text"].items()
    image = render_pdf_page(Path(folder) / "packets" / file_name, file_name, 1, DPI, None)
    return image, file_name, texts["1"]


def _stripped(text: str) -> str:
    return "".join(text.split())


def test_reads_a_generated_scanned_page_through_ocr_image(scanned_cover) -> None:
    image, file_name, reference = scanned_cover
    settings = Settings(ocr_engine="rapidocr")
    page, findings = ocr_image(image, file_name, 1, settings, dpi=DPI, engine=RapidOcrEngine.from_settings(settings))

    read = _stripped(page.text())
    error_rate = Levenshtein.distance(read, _stripped(reference)) / len(_stripped(reference))
    assert error_rate < 0.10, f"CER {error_rate:.1%}: {page.text()!r}"
    assert findings == []
    assert page.method is ReadMethod.OCR
    assert page.ocr_confidence is not None and 80 <= page.ocr_confidence <= 100
    assert page.blocks
    for line in page.blocks:
        x0, top, x1, bottom = line.prov.bbox
        assert 0 <= x0 < x1 <= page.width and 0 <= top < bottom <= page.height, line
        assert 0 <= line.prov.confidence <= 100
        assert line.prov.method is ReadMethod.OCR


def test_words_have_pixel_boxes_inside_the_image_and_confidence_in_range(scanned_cover) -> None:
    image, _, _ = scanned_cover
    words = RapidOcrEngine(threads=1).recognize(image, DPI)
    assert len(words) >= 5
    for word in words:
        x0, top, x1, bottom = word.box
        assert 0 <= x0 < x1 <= image.width and 0 <= top < bottom <= image.height, word
        assert 0 <= word.confidence <= 100
        assert word.text.strip() == word.text != ""


def test_a_blank_page_gives_no_words() -> None:
    assert RapidOcrEngine(threads=1).recognize(Image.new("L", (800, 1100), 255), DPI) == []


def test_a_line_is_cut_at_its_spaces_in_proportion_to_its_characters() -> None:
    words = split_line("GB/T 19001-2016 质量管理", (100.0, 50.0, 400.0, 80.0), 97.0, "k")
    assert [w.text for w in words] == ["GB/T", "19001-2016", "质量管理"]
    assert words[0].box[0] == 100.0 and words[-1].box[2] == pytest.approx(400.0)
    assert all(a.box[2] < b.box[0] for a, b in zip(words, words[1:])), "gaps where the spaces were"
    assert all(w.box[1] == 50.0 and w.box[3] == 80.0 and w.confidence == 97.0 and w.line_key == "k" for w in words)


def test_a_line_standing_on_end_reads_as_vertical() -> None:
    """A page on its side gives tall lines; cut into stacked characters, `ocr_image` sees them as vertical."""
    words = split_line("集群治理情况", (100.0, 0.0, 140.0, 300.0), 95.0, "k")
    assert [w.text for w in words] == list("集群治理情况")
    assert all(a.box[3] <= b.box[1] + 1e-9 for a, b in zip(words, words[1:]))
    assert vertical_line_share(words) == 1.0


def test_normalises_the_radical_dot_and_a_dash_between_digits_only() -> None:
    assert normalize_rapidocr_text("一丶集群（2019一2021年）统一管理") == "一、集群（2019—2021年）统一管理"
