"""PP-OCRv6 on OpenVINO behind the OCR seam: real models (from the installed wheels) on generated pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont
from rapidfuzz.distance import Levenshtein

from extractors.ocr.engines import engine_for
from extractors.ocr.page import ocr_image
from extractors.ocr.ppocr import PpOcrEngine, small_models, tiny_models
from extractors.readers.pdf import render_pdf_page
from pipeline.core.document import ReadMethod
from pipeline.core.settings import Settings
from sample_docs.generate import generate_packet

DPI = 300
FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


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


def _line_image(text: str, size: int = 50) -> Image.Image:
    image = Image.new("L", (120 + size * len(text), 4 * size), 255)
    ImageDraw.Draw(image).text((60, size), text, font=ImageFont.truetype(FONT, size), fill=0)
    return image


def test_it_is_the_default_engine_and_its_models_come_from_the_installed_wheels() -> None:
    assert Settings().ocr_engine == "ppocr"
    assert isinstance(engine_for(Settings()), PpOcrEngine)
    assert tiny_models().missing() == [] and small_models().missing() == []
    assert tiny_models().det.stat().st_size < 3_000_000 and tiny_models().rec.stat().st_size < 6_000_000


def test_reads_a_generated_scanned_page_through_ocr_image(scanned_cover) -> None:
    image, file_name, reference = scanned_cover
    page, findings = ocr_image(image, file_name, 1, Settings(), dpi=DPI, engine=engine_for(Settings()))

    read = _stripped(page.text())
    error_rate = Levenshtein.distance(read, _stripped(reference)) / len(_stripped(reference))
    assert error_rate < 0.02, f"CER {error_rate:.1%}: {page.text()!r}"
    assert findings == []
    assert page.method is ReadMethod.OCR
    assert page.ocr_confidence is not None and 80 <= page.ocr_confidence <= 100
    for line in page.blocks:
        x0, top, x1, bottom = line.prov.bbox
        assert 0 <= x0 < x1 <= page.width and 0 <= top < bottom <= page.height, line
        assert 0 <= line.prov.confidence <= 100
        assert line.prov.method is ReadMethod.OCR


def test_words_have_pixel_boxes_of_the_full_page_and_confidence_in_range(scanned_cover) -> None:
    image, _, _ = scanned_cover
    words = PpOcrEngine().recognize(image, DPI)
    assert len(words) >= 5
    assert max(w.box[3] for w in words) > image.height / 2, "boxes are in the full page's pixels, not the detector's"
    for word in words:
        x0, top, x1, bottom = word.box
        assert 0 <= x0 < x1 <= image.width and 0 <= top < bottom <= image.height, word
        assert 0 <= word.confidence <= 100
        assert word.text.strip() == word.text != ""


def test_a_blank_page_gives_no_words() -> None:
    assert PpOcrEngine().recognize(Image.new("L", (800, 1100), 255), DPI) == []


def test_characters_the_tiny_dictionary_lacks_are_read_by_the_small_model() -> None:
    text = "毖恫刽豢硷耪檄诌"
    tiny_dictionary = set(tiny_models().rec_dict.read_text(encoding="utf-8").split())
    assert not set(text) & tiny_dictionary
    image = _line_image(f"公司{text}有限")
    without = _stripped("".join(w.text for w in PpOcrEngine(reread_below=0).recognize(image, DPI)))
    with_reread = _stripped("".join(w.text for w in PpOcrEngine().recognize(image, DPI)))
    assert not set(text) & set(without)
    assert Levenshtein.distance(with_reread, f"公司{text}有限") <= 2, with_reread


def test_evidence_drawn_from_an_ocr_line_carries_its_confidence(scanned_cover) -> None:
    from pipeline.core.result import Evidence

    image, file_name, _ = scanned_cover
    page, _ = ocr_image(image, file_name, 1, Settings(), dpi=DPI, engine=engine_for(Settings()))
    line = next(b for b in page.blocks if b.kind == "line")
    evidence = Evidence.from_prov(line.prov, line.text)
    assert evidence.confidence is not None and 0 <= evidence.confidence <= 100
    assert evidence.confidence == line.prov.confidence
    assert "confidence" in evidence.model_dump()


def test_a_line_with_figures_carries_its_weakest_digit_to_the_evidence(scanned_cover) -> None:
    """The generated cover holds dates and figures: every block with a digit knows how
    sure its weakest digit is; a block without digits has no such score."""
    from pipeline.core.result import Evidence

    image, file_name, _ = scanned_cover
    page, _ = ocr_image(image, file_name, 1, Settings(), dpi=DPI, engine=engine_for(Settings()))
    lines = [b for b in page.blocks if b.kind == "line"]
    with_digits = [b for b in lines if any(c.isdigit() for c in b.text)]
    without = [b for b in lines if not any(c.isdigit() for c in b.text)]
    assert with_digits and without
    for line in with_digits:
        assert line.prov.figure_confidence is not None and 0 <= line.prov.figure_confidence <= 100, line
        assert Evidence.from_prov(line.prov, line.text).figure_confidence == line.prov.figure_confidence
    assert all(line.prov.figure_confidence is None for line in without)
    # a clean generated scan: its figures are read surely, none would be set aside
    assert min(line.prov.figure_confidence for line in with_digits) >= 80


def test_a_weak_digit_sends_its_line_to_the_small_model_and_punctuation_does_not_vote() -> None:
    from extractors.ocr.ppocr import _weakest

    text = "2021年88.8亿元；"
    confs = [1.0, 1.0, 1.0, 1.0, 1.0, 0.71, 1.0, 1.0, 1.0, 1.0, 1.0, 0.4]
    assert _weakest(text, confs, 0.9) == (0.71, 0.71, 0.71)  # the "；" at 0.4 is not the weakest meaningful character
    assert _weakest("二〇二一年", [0.9, 0.8, 0.9, 0.9, 0.95], 0.9) == (0.8, 1.0, 1.0)  # no digits: nothing to doubt
    # a standard number's letter: the digits are sure, the "O" that should be "0" is not
    assert _weakest("Q/YTO12", [1.0, 0.9, 1.0, 0.95, 0.64, 1.0, 1.0], 0.9) == (0.64, 1.0, 0.64)


def test_the_small_models_reading_is_kept_unless_it_drops_a_character_and_disagreeing_figures_stay_in_doubt() -> None:
    from extractors.ocr.ppocr import Line, better_reading

    box = (0.0, 0.0, 100.0, 20.0)
    tiny = Line("5.Q/YTO12-2021《规程》", box, 0.97, 0.64, 0.99, 0.64)
    kept = better_reading(tiny, ("5.Q/YT012-2021《规程》", 0.98, 0.62, 0.62, 0.62))
    assert kept.text == "5.Q/YT012-2021《规程》" and kept.reread  # less sure by its own scale, still kept
    assert kept.min_digit == 0.62  # "O" against "0": the figures differ, the weaker digit stands
    dropped = better_reading(Line("工业口联网平台", box, 0.93, 0.35, 1.0), ("工业联网平台", 0.99, 0.99, 1.0, 1.0))
    assert dropped.text == "工业口联网平台" and not dropped.reread  # a lost character is never an improvement
    ones = better_reading(Line("产值年均增速：17.0%", box, 0.95, 0.62, 0.62, 0.62), ("产值年均增速：17.0%", 0.99, 0.97, 0.97, 0.97))
    assert ones.min_digit == 0.97  # the same figures: the small model's confidence


def test_a_batch_the_recogniser_fails_on_costs_only_the_crop_that_fails() -> None:
    """One crop the recogniser cannot take (zero height: RapidOCR divides by it) fails its
    whole batch; each crop is then read on its own, and the others keep their text."""
    import numpy as np

    from extractors.ocr.ppocr import _borrowed, _recognize

    good = np.asarray(_line_image("集群产值83.8亿元").convert("RGB"))
    broken = np.zeros((0, 40, 3), dtype=np.uint8)
    with _borrowed(1) as models:
        (alone,) = _recognize(models.rec, [good])
        readings = _recognize(models.rec, [good, broken, good])
    assert "83.8" in alone[0]
    assert [r[0] for r in readings] == [alone[0], "", alone[0]]
    assert readings[1][1] == 0.0 and readings[0][1] > 0.5
