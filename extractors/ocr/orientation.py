"""Is a page read on its side? Lines that run top-to-bottom, low confidence, no Chinese."""

from __future__ import annotations

from typing import Hashable, Sequence

from extractors.ocr.engine import OcrWord
from extractors.ocr.plausibility import reads_wrong
from pipeline.core.text import count_cjk_ideographs

def vertical_line_share(words: Sequence[OcrWord]) -> float:
    """Share of characters in engine lines that run top-to-bottom.

    Read on its side, a Chinese page still gives confident characters (Tesseract
    reads them as vertical text), but its lines come out taller than wide.
    """
    units: dict[Hashable, list[OcrWord]] = {}
    for index, word in enumerate(words):
        units.setdefault(word.line_key if word.line_key is not None else index, []).append(word)
    vertical = total = 0
    for unit in units.values():
        chars = sum(len(w.text) for w in unit)
        total += chars
        width = max(w.box[2] for w in unit) - min(w.box[0] for w in unit)
        height = max(w.box[3] for w in unit) - min(w.box[1] for w in unit)
        if len(unit) >= 2 and height > 1.5 * width:
            vertical += chars
    return vertical / total if total else 0.0


def line_texts(words: Sequence[OcrWord]) -> list[str]:
    """The engine's lines as texts (words in the order given), for judging whether they read as language."""
    units: dict[Hashable, list[str]] = {}
    for index, word in enumerate(words):
        units.setdefault(word.line_key if word.line_key is not None else ("word", index), []).append(word.text)
    return ["".join(parts) for parts in units.values()]


def looks_wrong(words: Sequence[OcrWord], settings) -> bool:
    """Worth asking for the orientation: low confidence, lines running top-to-bottom,
    no Chinese where Chinese is expected, or Chinese characters that make no words
    (a page upside down reads as confident gibberish)."""
    mean = sum(w.confidence for w in words) / len(words) if words else None
    if mean is None:
        return False  # a blank page: nothing to turn
    text = "".join(w.text for w in words)
    expects_chinese = "chi" in settings.ocr_lang
    cjk_share = count_cjk_ideographs(text) / max(1, len(text))
    return (
        mean < settings.ocr_confidence_floor
        or vertical_line_share(words) > 0.3
        or (expects_chinese and cjk_share < 0.3)
        or (expects_chinese and reads_wrong(line_texts(words)))
    )
