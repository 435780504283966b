"""WordprocessingML list numbering: the number Word draws in front of a paragraph ("1." / "一、" / "（一）")."""

from __future__ import annotations

from dataclasses import dataclass

import cn2an

from extractors.readers.docx_xml import W_VAL, int_attr_named, on, w


_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
_DIZHI = "子丑寅卯辰巳午未申酉戌亥"
_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"),
          (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def _roman(n: int) -> str:
    out = []
    for value, letters in _ROMAN:
        while n >= value:
            out.append(letters)
            n -= value
    return "".join(out)


MAX_WORD_COUNTER = 32767  # Word's largest list start value; beyond it (hostile input) digits are drawn


def format_number(n: int, fmt: str) -> str:
    """One counter as Word draws it for a `w:numFmt` value."""
    if n <= 0 or n > MAX_WORD_COUNTER:
        return str(n)
    if fmt in ("chineseCounting", "chineseCountingThousand", "taiwaneseCounting", "taiwaneseCountingThousand", "japaneseCounting"):
        return cn2an.an2cn(n)
    if fmt in ("chineseLegalSimplified", "ideographLegalTraditional"):
        return cn2an.an2cn(n, "up")
    if fmt in ("ideographDigital", "taiwaneseDigital", "japaneseDigitalTenThousand"):
        return "".join("〇一二三四五六七八九"[int(d)] for d in str(n))
    if fmt == "ideographTraditional":
        return _TIANGAN[(n - 1) % 10]
    if fmt == "ideographZodiac":
        return _DIZHI[(n - 1) % 12]
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese", "ideographEnclosedCircle") and n <= 20:
        return chr(0x2460 + n - 1)
    if fmt == "decimalEnclosedFullstop" and n <= 20:
        return chr(0x2488 + n - 1)
    if fmt == "decimalEnclosedParen" and n <= 20:
        return chr(0x2474 + n - 1)
    if fmt in ("decimalFullWidth", "decimalFullWidth2"):
        return "".join(chr(0xFF10 + int(d)) for d in str(n))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("upperRoman", "lowerRoman"):
        roman = _roman(n)
        return roman if fmt == "upperRoman" else roman.lower()
    if fmt in ("upperLetter", "lowerLetter"):
        letter = chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter if fmt == "upperLetter" else letter.lower()
    return str(n)


@dataclass
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str = "%1."
    legal: bool = False


def _parse_level(lvl, base: _Level | None = None) -> _Level:
    level = _Level(**vars(base)) if base else _Level()
    start = lvl.find(w("start"))
    if start is not None and start.get(W_VAL, "").lstrip("-").isdigit():
        level.start = int(start.get(W_VAL))
    fmt = lvl.find(w("numFmt"))
    if fmt is not None:
        level.fmt = fmt.get(W_VAL, "decimal")
    text = lvl.find(w("lvlText"))
    if text is not None:
        level.text = text.get(W_VAL, "")
    level.legal = on(lvl.find(w("isLgl")))
    return level


class Numbering:
    """Renders list numbers ("1." / "一、" / "（一）") from numbering.xml as Word counts them."""

    def __init__(self, root) -> None:
        self._abstract: dict[str, dict[int, _Level]] = {}
        self._nums: dict[str, tuple[str, dict[int, _Level], dict[int, int]]] = {}
        self._counters: dict[str, dict[int, int]] = {}
        self._style_levels: dict[str, dict[str, int]] = {}  # abstract id → paragraph style id → level
        if root is None:
            return
        for abstract in root.findall(w("abstractNum")):
            abstract_id = abstract.get(w("abstractNumId"))
            levels = {}
            for lvl in abstract.findall(w("lvl")):
                ilvl = int_attr_named(lvl, w("ilvl"))
                levels[ilvl] = _parse_level(lvl)
                linked_style = lvl.find(w("pStyle"))
                if linked_style is not None:
                    self._style_levels.setdefault(abstract_id, {})[linked_style.get(W_VAL)] = ilvl
            self._abstract[abstract_id] = levels
        for num in root.findall(w("num")):
            abstract_ref = num.find(w("abstractNumId"))
            if abstract_ref is None:
                continue
            abstract_id = abstract_ref.get(W_VAL)
            base_levels = self._abstract.get(abstract_id, {})
            overrides: dict[int, _Level] = {}
            starts: dict[int, int] = {}
            for override in num.findall(w("lvlOverride")):
                ilvl = int_attr_named(override, w("ilvl"))
                lvl = override.find(w("lvl"))
                if lvl is not None:
                    overrides[ilvl] = _parse_level(lvl, base_levels.get(ilvl))
                start = override.find(w("startOverride"))
                if start is not None and start.get(W_VAL, "").isdigit():
                    starts[ilvl] = int(start.get(W_VAL))
            self._nums[num.get(w("numId"))] = (abstract_id, overrides, starts)

    def level_for_style(self, num_id: str | None, style_id: str | None) -> int:
        if num_id not in self._nums or style_id is None:
            return 0
        return self._style_levels.get(self._nums[num_id][0], {}).get(style_id, 0)

    def render(self, num_id: str | None, ilvl: int) -> str | None:
        if not num_id or num_id == "0" or num_id not in self._nums:
            return None
        abstract_id, overrides, starts = self._nums[num_id]
        levels = {**self._abstract.get(abstract_id, {}), **overrides}
        # Lists that restart numbering (an override) count on their own; others share the abstract list.
        counter_key = f"num:{num_id}" if (overrides or starts) else f"abstract:{abstract_id}"
        counters = self._counters.setdefault(counter_key, {})
        level = levels.get(ilvl, _Level())
        first = starts.get(ilvl, level.start)
        counters[ilvl] = counters[ilvl] + 1 if ilvl in counters else first
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        if level.fmt == "none":
            return None
        if level.fmt == "bullet":
            return "".join("•" if 0xE000 <= ord(ch) <= 0xF8FF else ch for ch in level.text) or "•"
        text = level.text
        for n in range(9, 0, -1):
            placeholder = f"%{n}"
            if placeholder in text:
                lvl = levels.get(n - 1, _Level())
                value = counters.get(n - 1, starts.get(n - 1, lvl.start))
                fmt = "decimal" if level.legal and lvl.fmt != "none" else lvl.fmt
                text = text.replace(placeholder, format_number(value, fmt))
        return text or None
