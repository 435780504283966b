"""Paragraph styles of a DOCX: names, list numbering and font sizes along the `basedOn` chain."""

from __future__ import annotations

from docx.shared import Length
from docx.styles.style import StyleFactory

from extractors.readers.docx_xml import W_VAL, int_attr, w



def style_or_none(element):
    """python-docx's style object, or None for a style whose w:type it does not know (it raises ValueError).

    Such a style is treated as absent: paragraphs using it read with no style name.
    """
    try:
        return StyleFactory(element)
    except ValueError:
        return None


class Styles:
    """Paragraph style names, numbering and font sizes along the `basedOn` chain."""

    def __init__(self, word) -> None:
        self._names: dict[str | None, str | None] = {}
        self._sizes: dict[str | None, float | None] = {}
        self._numbering: dict[str | None, tuple[str, int | None, str] | None] = {}
        self._by_id = {}
        for element in word.styles.element.style_lst:
            style = style_or_none(element)
            if style is not None and style.style_id:
                self._by_id[style.style_id] = style
        default = word.styles.element.find(f"{w('style')}[@{w('type')}='paragraph'][@{w('default')}='1']")
        self.default_id = default.get(w("styleId")) if default is not None else None
        size = word.styles.element.find(f"{w('docDefaults')}/{w('rPrDefault')}/{w('rPr')}/{w('sz')}")
        self.default_size = half_points(size)

    def _chain(self, style_id: str | None):
        style = self._by_id.get(style_id or self.default_id or "")
        seen = set()
        while style is not None and style.style_id not in seen:
            seen.add(style.style_id)
            yield style
            base = style.element.basedOn
            style = self._by_id.get(base.val) if base is not None else None

    def name(self, style_id: str | None) -> str | None:
        if style_id not in self._names:
            self._names[style_id] = next((style.name for style in self._chain(style_id)), None)
        return self._names[style_id]

    def numbering(self, style_id: str | None) -> tuple[str, int | None, str] | None:
        """(numId, ilvl if the style states it, id of the style that carries the numbering)."""
        if style_id not in self._numbering:
            self._numbering[style_id] = self._find_numbering(style_id)
        return self._numbering[style_id]

    def _find_numbering(self, style_id: str | None) -> tuple[str, int | None, str] | None:
        for style in self._chain(style_id):
            num_pr = style.element.find(f"{w('pPr')}/{w('numPr')}")
            if num_pr is not None:
                num_id = num_pr.find(w("numId"))
                ilvl = num_pr.find(w("ilvl"))
                if num_id is not None:
                    return num_id.get(W_VAL), int_attr(ilvl, 0) if ilvl is not None else None, style.style_id
        return None

    def font_size(self, style_id: str | None) -> float | None:
        if style_id not in self._sizes:
            sizes = (getattr(getattr(style, "font", None), "size", None) for style in self._chain(style_id))
            self._sizes[style_id] = next((size.pt for size in sizes if isinstance(size, Length)), self.default_size)
        return self._sizes[style_id]


def half_points(sz) -> float | None:
    if sz is None:
        return None
    try:
        return int(sz.get(W_VAL)) / 2
    except (TypeError, ValueError):
        return None
