"""Every OCR correction, in one place, applied only to text whose provenance is OCR.

A text layer or a DOCX says what the applicant wrote: "厂房5000平方左右" stays as written
and "QV/JX 005" is reported as malformed. Text read by OCR gets these repairs:

- `repair_ocr_area_unit`: "平方" and two garbled characters after a number is 平方公里
  ("88.3 平方后六"), unless the two characters are a word ("平方左右");
- `repair_ocr_standard_slash`: the slash of a standard code read as "V/", "/V", "V" or
  dropped ("QV/JX005-2020" → "Q/JX005-2020");
- `repair_ocr_uscc`: letters OCR reads for digits in a 统一社会信用代码 ("MAO…", "914IO1…"),
  read back (the check character decides between readings);
- `repair_ocr_percent`: a speck read as a letter between a number and "%" ("82.1g%");
- `PacketLexicon.repair`: lone misread characters in organisation names (below).

`corrected_block` applies the text repairs to a Line or Table read by OCR and returns
any other block unchanged; extraction calls it on every block it reads.

Repairing single-character OCR misreads in names, from the packet's own words:

Tesseract misreads a character of a name the same way every time it meets the font
("陶瓷" → "陶资" in every row of a list, "绒业" → "绕业"), so list F1 on scans falls
with one bad glyph. A name read by OCR is repaired one character at a time, only
when all of these hold:

- neither two-character word through the character is a dictionary word (jieba's
  dictionary: "陶资", "绕业" are not words; "恒信", "华泰" are, and stay);
- replacing it makes a word the packet itself uses elsewhere: a dictionary word
  read at least twice in the packet ("陶瓷"), or a word read many times more often
  than the misread one whose three characters with the other neighbour the packet
  also reads ("绒业" 68 times against "绕业" once, and "信绒业" read elsewhere: a
  frequent pair alone, "业有" of every "…业有限公司", would turn "西亚有限" into
  "西业有限");
- the neighbour that makes the word is free: not already half of a dictionary word
  on its other side ("河北万润" stays: "北" belongs to "河北", so "北方" is no reason
  to read "万" as "方");
- the replacement looks like the character read (gradient-orientation features of
  both glyphs, rendered in a CJK font, correlate): "资"/"瓷", "半"/"羊", "阳"/"阿";
- the character is not read the same way with both its neighbours again and again in the
  packet while the replacement never appears between them ("触控科技" in four names stays,
  however often the packet reads "触摸屏").

Names of organisations only: a figure or an identifier is never "repaired" (USCCs
and patent numbers have check characters for that).
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Sequence

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont
from stdnum.cn import uscc as stdnum_uscc

from extractors.analysis.numbers import USCC_LOOSE, normalize_text

from extractors.analysis.nlp import get_nlp
from pipeline.core.document import Block, Cell, Line, ReadMethod, SourceDocument, Table
from pipeline.core.result import Cover

GLYPH_FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
_GLYPH_SIZE = 32
# Glyph feature correlation of a replacement with the character read. Confusions
# Tesseract made on the generated scans score 0.41-0.68; half of random pairs of
# GB2312 characters score under 0.28, nine in ten under 0.44.
LOOKALIKE = 0.40
DICTIONARY_WORD = 20  # jieba frequency of a replacement word backed by the dictionary ("羊绒": 41)
PACKET_SEEN = 2  # …which the packet must also use this many times
PACKET_WORD = 3  # a replacement backed by the packet alone: used this often…
PACKET_RATIO = 5  # …and this many times as often as the word read

_CJK = re.compile(r"[\u4e00-\u9fff]")


def _is_cjk(char: str) -> bool:
    return bool(_CJK.fullmatch(char))


@lru_cache(maxsize=1)
def _font() -> ImageFont.FreeTypeFont | None:
    try:
        return ImageFont.truetype(GLYPH_FONT, 28, index=0)
    except OSError:
        return None


@lru_cache(maxsize=4096)
def _glyph_features(char: str) -> np.ndarray | None:
    """Gradient magnitudes in 8 orientation bins on an 8×8 grid, normalised: a glyph's strokes."""
    font = _font()
    if font is None:
        return None
    image = Image.new("L", (_GLYPH_SIZE, _GLYPH_SIZE), 0)
    ImageDraw.Draw(image).text((_GLYPH_SIZE / 2, _GLYPH_SIZE / 2), char, font=font, fill=255, anchor="mm")
    pixels = np.asarray(image, np.float32) / 255
    gx, gy = cv2.Sobel(pixels, cv2.CV_32F, 1, 0), cv2.Sobel(pixels, cv2.CV_32F, 0, 1)
    magnitude, angle = cv2.cartToPolar(gx, gy)
    bins = (angle / (2 * np.pi) * 8).astype(int) % 8
    planes = [cv2.resize(cv2.GaussianBlur(np.where(bins == b, magnitude, 0).astype(np.float32), (0, 0), 1.0),
                         (8, 8), interpolation=cv2.INTER_AREA) for b in range(8)]
    features = np.stack(planes).ravel()
    features = features - features.mean()
    norm = float(np.linalg.norm(features))
    return features / norm if norm else None


def glyph_similarity(a: str, b: str) -> float:
    """How alike two characters look (−1..1); 0 when the font lacks either."""
    fa, fb = _glyph_features(a), _glyph_features(b)
    return float(fa @ fb) if fa is not None and fb is not None else 0.0


@lru_cache(maxsize=1)
def _dictionary() -> dict[str, int]:
    get_nlp()  # initialises jieba (and its cache under the data dir)
    import jieba

    return jieba.dt.FREQ


def cjk_bigrams(text: str) -> Iterable[str]:
    for a, b in zip(text, text[1:]):
        if _is_cjk(a) and _is_cjk(b):
            yield a + b


@dataclass
class PacketLexicon:
    """Two-character words as the packet uses them (every page, text layer and OCR alike)."""

    counts: Counter = field(default_factory=Counter)
    triples: Counter = field(default_factory=Counter)  # three-character runs, for the other neighbour
    _next: dict[str, Counter] = field(default_factory=dict)  # first character → second characters
    _prev: dict[str, Counter] = field(default_factory=dict)
    _gap: dict[tuple[int, str], set[str]] = field(default_factory=dict)  # (place, the other two) → characters

    @classmethod
    def of_texts(cls, texts: Iterable[str]) -> "PacketLexicon":
        lexicon = cls()
        for text in texts:
            lexicon.counts.update(cjk_bigrams(text))
            lexicon.triples.update(text[i:i + 3] for i in range(len(text) - 2) if all(map(_is_cjk, text[i:i + 3])))
        for bigram, count in lexicon.counts.items():
            lexicon._next.setdefault(bigram[0], Counter())[bigram[1]] += count
            lexicon._prev.setdefault(bigram[1], Counter())[bigram[0]] += count
        for triple in lexicon.triples:
            for k in range(3):
                lexicon._gap.setdefault((k, triple[:k] + triple[k + 1:]), set()).add(triple[k])
        return lexicon

    @classmethod
    def of_documents(cls, docs) -> "PacketLexicon":
        return cls.of_texts(page.text() for doc in docs for page in doc.pages)

    def _supported(self, words: list[str], read: list[str], triple: str | None) -> bool:
        dictionary = _dictionary()
        if any(dictionary.get(w, 0) >= DICTIONARY_WORD and self.counts[w] >= PACKET_SEEN for w in words):
            return True
        seen_read = max((self.counts[w] for w in read), default=0)
        return (triple is None or self.triples[triple] >= 1) and any(
            self.counts[w] >= PACKET_WORD and self.counts[w] >= PACKET_RATIO * max(1, seen_read) for w in words)

    def _three_character_word(self, chars: list[str], i: int, candidate: str) -> bool:
        """The candidate makes a three-character dictionary word with its neighbours that the
        packet reads elsewhere ("阳联酋" → "阿联酋", "5联网" → "互联网")."""
        dictionary = _dictionary()
        for start in (i - 2, i - 1, i):
            if start < 0 or start + 3 > len(chars):
                continue
            word = "".join(candidate if k == i else chars[k] for k in range(start, start + 3))
            if all(map(_is_cjk, word)) and dictionary.get(word, 0) >= DICTIONARY_WORD and self.triples[word] >= 1:
                return True
        return False

    def repair(self, name: str) -> str:
        """The name with lone misread characters replaced (see the module docstring)."""
        dictionary = _dictionary()
        chars = list(name)
        for i, char in enumerate(chars):
            left = chars[i - 1] if i > 0 and _is_cjk(chars[i - 1]) else None
            right = chars[i + 1] if i + 1 < len(chars) and _is_cjk(chars[i + 1]) else None
            # a lone Latin letter or digit inside Chinese ("工业5联网") is a misread character too
            stray = char.isascii() and char.isalnum() and bool(left) and bool(right)
            if not (_is_cjk(char) or stray):
                continue
            read = [w for w in ((left + char) if left else None, (char + right) if right else None) if w]
            if not read or any(dictionary.get(w, 0) > 0 for w in read) or self._read_in_three(chars, i):
                continue
            candidates: set[str] = set()
            if left:
                candidates |= {c for c, n in self._next.get(left, {}).items() if n >= PACKET_SEEN}
            if right:
                candidates |= {c for c, n in self._prev.get(right, {}).items() if n >= PACKET_SEEN}
            for start in (i - 2, i - 1, i):  # three-character runs the packet reads around this place
                if 0 <= start and start + 3 <= len(chars):
                    others = "".join(chars[k] for k in range(start, start + 3) if k != i)
                    candidates |= self._gap.get((i - start, others), set())
            # a neighbour already paired with its other neighbour ("河北", "有限") lends no two-character word
            free_left = left if not (left and i >= 2 and dictionary.get(chars[i - 2] + left, 0) > 0) else None
            free_right = right if not (right and i + 2 < len(chars) and dictionary.get(right + chars[i + 2], 0) > 0) else None
            # read the same way, with both neighbours, again and again in the packet: consistent,
            # not a lone misread, unless the packet also reads the replacement in this very place
            consistent = not stray and len(read) == 2 and all(self.counts[w] >= PACKET_SEEN for w in read)
            best: tuple[float, str] | None = None
            for candidate in candidates - {char}:
                if consistent and self.triples[left + candidate + right] == 0:  # type: ignore[operator]
                    continue
                similarity = 1.0 if stray else glyph_similarity(char, candidate)
                if similarity < LOOKALIKE or (best is not None and similarity <= best[0]):
                    continue
                words = [w for w in ((free_left + candidate) if free_left else None,
                                     (candidate + free_right) if free_right else None) if w]
                triple = left + candidate + right if left and right else None
                if self._three_character_word(chars, i, candidate) or (
                        not stray and words and self._supported(words, read, triple)):
                    best = (similarity, candidate)
            if best is not None:
                chars[i] = best[1]
        return "".join(chars)

    def _read_in_three(self, chars: list[str], i: int) -> bool:
        """The character as read is part of a three-character dictionary word: it stays."""
        dictionary = _dictionary()
        for start in (i - 2, i - 1, i):
            if 0 <= start and start + 3 <= len(chars) and dictionary.get("".join(chars[start:start + 3]), 0) > 0:
                return True
        return False


COVER_NAME_FIELDS = ("cluster_name", "leading_industry", "management_body")


def repair_ocr_cover(cover: Cover, docs: Sequence[SourceDocument]) -> Cover:
    """The cover's names, when read by OCR, repaired as list names are; evidence keeps the text as read."""
    ocr_pages = {(doc.name, page.number) for doc in docs for page in doc.pages if page.method is ReadMethod.OCR}
    keys = [key for key in COVER_NAME_FIELDS
            if getattr(cover, key) and key in cover.evidence
            and (cover.evidence[key].file, cover.evidence[key].page) in ocr_pages]
    if keys:
        lexicon = PacketLexicon.of_documents(docs)
        for key in keys:
            setattr(cover, key, lexicon.repair(getattr(cover, key)))
    return cover


# --------------------------------------------------------------------------- text repairs

# "平方" and two characters that are not "米…": 平方公里 with "公里" garbled by OCR ("88.3 平方后六")
_GARBLED_KM2 = re.compile(r"(?<=[\d零〇一二两三四五六七八九十百千])(\s*万?\s*)平方(?!米|公里|千米)([\u4e00-\u9fff]{2})")


_KM2_WORDS = ("公里", "千米")
KM2_LOOKALIKE = 0.45  # mean glyph similarity of a two-character word to 公里/千米 ("干冰" 0.56, "左右" 0.16)


def repair_ocr_area_unit(text: str) -> str:
    """"88.3 平方后六" → "88.3 平方公里": the two characters after 平方 are a garbled 公里, unless
    they make a word of their own that does not look like 公里 or 千米 ("5000平方左右" says square
    metres loosely; "平方干冰" is a word, but drawn like 千米)."""
    dictionary = _dictionary()

    def fix(match: re.Match) -> str:
        pair = match.group(2)
        looks_like_km = max((glyph_similarity(pair[0], unit[0]) + glyph_similarity(pair[1], unit[1])) / 2
                            for unit in _KM2_WORDS) >= KM2_LOOKALIKE
        if dictionary.get(pair, 0) > 0 and not looks_like_km:
            return match.group(0)
        return f"{match.group(1)}平方公里"

    return _GARBLED_KM2.sub(fix, text)


# OCR reads the slash of a standard code as "V/", "/V" or "V", or drops it ("QV/JX 005-2020",
# "GB/VT 1234-2020", "QVJX 005-2020", "TCMIF 283-2020"): no sector code ends in V, "/VT" and
# "/VZ" before the number are the /T, /Z suffixes, and sector codes are two letters, so a
# Q followed by two or more letters, or a T by three or more (TSG is a code of its own), is
# an enterprise (Q/) or group (T/) code whose slash was lost.
_SLASH_READ_AS_V = (
    (re.compile(r"(?<![A-Za-z])[a-z](?=[A-Z]{1,4}\s*/)"), ""),  # a speck read as a letter: "jJC/T 4749"
    (re.compile(r"(?<![A-Z])([A-Z]{1,2}|DB\s*\d{2,4})\s*V\s*/"), r"\1/"),
    (re.compile(r"/\s*V\s*(?=[TZ]\s*\d)"), "/"),
    (re.compile(r"(?<![A-Z/])Q\s*V?\s*(?=[A-Z]{2,12}\s*\d)"), "Q/"),
    (re.compile(r"(?<![A-Z/])T\s*V?\s*(?=[A-Z]{3,12}\s*\d)"), "T/"),
)


def repair_ocr_standard_slash(text: str) -> str:
    """Undo the OCR misreads of a standard code's slash, keeping every other character."""
    for pattern, replacement in _SLASH_READ_AS_V:
        text = pattern.sub(replacement, text)
    return text


# The USCC alphabet excludes I, O, S, V and Z, and its first eight characters are digits: a
# character OCR'd as one of those letters is a look-alike of what was printed. In the digit
# part the look-alike's digit is taken; elsewhere each reading is tried (most likely first,
# "I" is 1 or J or L or T) and the first that passes the check character is kept, else the
# most likely, so a code wrong as printed still reaches the validator.
_USCC_DIGIT_PART = 8
_USCC_DIGIT_LOOKALIKE = str.maketrans({"O": "0", "D": "0", "Q": "0", "I": "1", "L": "1", "J": "1", "T": "1", "S": "5", "Z": "2", "B": "8"})
_USCC_READINGS = {"O": "0DQ", "I": "1JLT", "S": "58", "Z": "27", "V": "UY"}
_USCC_MAX_TRIED = 4  # look-alike positions tried in combination; more is a garbled code

def read_uscc_lookalikes(code: str) -> str:
    """An 18-character code with OCR look-alike letters read back (see above); any other text as is."""
    compact = re.sub(r"\s", "", normalize_text(code)).upper()
    if len(compact) != 18:
        return code
    compact = compact[:_USCC_DIGIT_PART].translate(_USCC_DIGIT_LOOKALIKE) + compact[_USCC_DIGIT_PART:]
    unsure = [i for i, char in enumerate(compact) if char in _USCC_READINGS]
    if not unsure or stdnum_uscc.is_valid(compact):
        return compact
    likeliest = list(compact)
    for i in unsure:
        likeliest[i] = _USCC_READINGS[compact[i]][0]
    if len(unsure) <= _USCC_MAX_TRIED:
        for readings in itertools.product(*(_USCC_READINGS[compact[i]] for i in unsure)):
            trial = list(compact)
            for i, reading in zip(unsure, readings):
                trial[i] = reading
            if stdnum_uscc.is_valid("".join(trial)):
                return "".join(trial)
    return "".join(likeliest)


def repair_ocr_uscc(text: str) -> str:
    """Every USCC-shaped run in OCR'd text with its look-alike letters read back."""
    folded = normalize_text(text)
    if not USCC_LOOSE.search(folded.upper()):
        return text
    base = text if len(folded) == len(text) else folded  # the text as read wherever folding kept places
    out, last = [], 0
    for match in USCC_LOOSE.finditer(folded.upper()):
        out.append(base[last:match.start()])
        out.append(read_uscc_lookalikes(match.group()))
        last = match.end()
    out.append(base[last:])
    return "".join(out)


_SPECK_BEFORE_PERCENT = re.compile(r"(?<=\d)\s?[A-Za-z]\s?(?=[%％])")


def repair_ocr_percent(text: str) -> str:
    """"82.1g%" → "82.1%": a lone letter between a number and its per cent sign is a speck."""
    return _SPECK_BEFORE_PERCENT.sub("", text)


# A patent number with a speck read as a point inside its digits ("20161.0690502.0"): twelve
# (or eight) digits, then the point and the check character, once the inner points go.
_DOTTED_NUMBER = re.compile(r"(?<![\d.])\d[\d.]{8,16}\.[0-9X](?![\d.X])")


def repair_ocr_patent_dots(text: str) -> str:
    """"20161.0690502.0" → "201610690502.0": points inside a patent number's digits are specks."""
    def fix(match: re.Match) -> str:
        run = match.group()
        body, check = run[:-2], run[-1]
        digits = body.replace(".", "")
        if not 1 <= body.count(".") <= 2 or len(digits) not in (8, 12):
            return run
        return f"{digits}.{check}"
    return _DOTTED_NUMBER.sub(fix, text)


def correct_ocr_text(text: str, standards: bool = False) -> str:
    """The text repairs of this module, in order; the standard-code repair only where a
    standards list is read (`standards`)."""
    text = repair_ocr_patent_dots(repair_ocr_percent(repair_ocr_uscc(repair_ocr_area_unit(text))))
    return repair_ocr_standard_slash(text) if standards else text


def corrected_block(block: Block, standards: bool = False) -> Block:
    """`block` with its OCR-read text repaired; a text-layer, DOCX or XLSX block is returned as is."""
    if isinstance(block, Line):
        if block.prov.method is not ReadMethod.OCR:
            return block
        text = correct_ocr_text(block.text, standards)
        return block if text == block.text else block.model_copy(update={"text": text})
    if isinstance(block, Table):
        changed = False
        rows: list[list[Cell]] = []
        for row in block.rows:
            new_row = []
            for cell in row:
                if cell.prov.method is ReadMethod.OCR:
                    text = correct_ocr_text(cell.text, standards)
                    if text != cell.text:
                        cell, changed = cell.model_copy(update={"text": text}), True
                new_row.append(cell)
            rows.append(new_row)
        return block.model_copy(update={"rows": rows}) if changed else block
    return block
