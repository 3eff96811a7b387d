"""Vietnamese text in pre-Unicode encodings, read as Windows-1252: detected, named and converted.

Before Unicode, Vietnamese was typed in font encodings: TCVN3 (the "ABC" .VnTime fonts, TCVN 5712:1993
VN3), VNI-Windows (two bytes per toned letter: base letter + a mark byte) and VISCII. Such a file opened
as Windows-1252 or Latin-1 turns ``Cộng hòa`` into ``Céng hßa`` (TCVN3), ``Coäng hoøa`` (VNI) or
``Cµng hòa`` (VISCII). Python has no codec for these encodings and no maintained library does this, so
the tables are here: TCVN3 and VISCII as decoded by GNU libc's iconv (``TCVN5712-1``, ``VISCII``), VNI
built from its documented scheme; ``tests/fixtures/legacy`` checks all three against real byte sequences.

Detection is by evidence, line by line: words that are not Vietnamese syllables but become syllables
once converted (:func:`publish.text.syllables.is_syllable`), with no word going the other way.
"""

from __future__ import annotations

import functools
import re
import string
import unicodedata
from dataclasses import dataclass

from publish.text.syllables import is_syllable

# Bytes 0xA0-0xFF of TCVN3 (VN3: lower case, plus the capitals without tone); NUL = not a letter.
_TCVN3_HIGH = (
    "\x00ĂÂÊÔƠƯĐăâêôơưđ\x00\x00\x00\x00\x00\x00àảãáạ\x00ằẳẵắ\x00\x00\x00\x00\x00\x00\x00ặầẩẫấậè\x00ẻẽéẹềểễếệìỉ"
    "\x00\x00\x00ĩíịò\x00ỏõóọồổỗốộờởỡớợù\x00ủũúụừửữứựỳỷỹ\x00ỵ\x00"
)
# Bytes 0x80-0xFF of VISCII, and the six control positions it also uses.
_VISCII_HIGH = (
    "ẠẮẰẶẤẦẨẬẼẸẾỀỂỄỆỐỒỔỖỘỢỚỜỞỊỎỌỈỦŨỤỲÕắằặấầẩậẽẹếềểễệốồổỗỠƠộờởịỰỨỪỬơớƯÀÁÂÃẢĂẳẵÈÉÊẺÌÍĨỳĐứÒÓÔạỷừửÙÚỹỵÝỡưàáâãảăữẫ"
    "èéêẻìíĩỉđựòóôõỏọụùúũủýợỮ"
)
_VISCII_LOW = {0x02: "Ẳ", 0x05: "Ẵ", 0x06: "Ẫ", 0x14: "Ỷ", 0x19: "Ỹ", 0x1E: "Ỵ"}


def mojibake_byte(ch: str) -> int | None:
    """The byte that Windows-1252 (or Latin-1, for 0x80-0x9F) shows as ``ch``; None if there is none."""
    code = ord(ch)
    if code <= 0xFF:  # 0x80-0x9F: C1 controls, as Windows-1252 shows its undefined bytes (or Latin-1 all)
        return code
    try:
        return ch.encode("cp1252")[0]
    except UnicodeEncodeError:
        return None


def read_as_windows_1252(raw: bytes) -> str:
    """Bytes as a Windows-1252 program shows them (the five undefined bytes as C1 controls)."""
    text = raw.decode("cp1252", errors="surrogateescape")
    return re.sub("[\udc80-\udcff]", lambda m: chr(ord(m.group(0)) - 0xDC00), text)


def _as_shown(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(byte)


def _single_byte_table(high: str, start: int, low: dict[int, str] | None = None) -> dict[str, str]:
    table: dict[str, str] = {}
    for offset, letter in enumerate(high):
        if letter != "\x00" and _as_shown(start + offset) != letter:
            table[_as_shown(start + offset)] = letter
            if start + offset < 0xA0:
                table[chr(start + offset)] = letter  # the same byte read as Latin-1
    for byte, letter in (low or {}).items():
        table[chr(byte)] = letter
    return table


# VNI-Windows: marks as they appear after the base letter, read as Windows-1252.
_VNI_TONES = {"\u0301": "ù", "\u0300": "ø", "\u0309": "û", "\u0303": "õ", "\u0323": "ï"}
_VNI_CIRCUMFLEX = {None: "â", "\u0301": "á", "\u0300": "à", "\u0309": "å", "\u0303": "ã", "\u0323": "ä"}
_VNI_BREVE = {None: "ê", "\u0301": "é", "\u0300": "è", "\u0309": "ú", "\u0303": "ü", "\u0323": "ë"}
_VNI_I = {"\u0301": "í", "\u0300": "ì", "\u0309": "æ", "\u0303": "ó", "\u0323": "ò"}
_VNI_HORN = {"o": "ô", "u": "ö"}
VIETNAMESE_LETTERS = "".join(
    base + shape + tone
    for base, shapes in (("a", ("", "\u0302", "\u0306")), ("e", ("", "\u0302")), ("i", ("",)),
                         ("o", ("", "\u0302", "\u031b")), ("u", ("", "\u031b")), ("y", ("",)))
    for shape in shapes
    for tone in ("", *_VNI_TONES)
)
VIETNAMESE_LETTERS = unicodedata.normalize("NFC", VIETNAMESE_LETTERS + "đ")


def _vni_lower(letter: str) -> str:
    """The VNI spelling (as Windows-1252 shows it) of a lower-case Vietnamese letter."""
    if letter == "đ":
        return "ñ"
    decomposed = unicodedata.normalize("NFD", letter)
    base, marks = decomposed[0], decomposed[1:]
    tone = next((m for m in marks if m in _VNI_TONES), None)
    if base == "i" and tone:
        return _VNI_I[tone]
    if base == "y" and tone == "\u0323":
        return "î"
    if "\u031b" in marks:
        return _VNI_HORN[base] + (_VNI_TONES[tone] if tone else "")
    if "\u0302" in marks:
        return base + _VNI_CIRCUMFLEX[tone]
    if "\u0306" in marks:
        return base + _VNI_BREVE[tone]
    return base + (_VNI_TONES[tone] if tone else "")


def _vni_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for letter in VIETNAMESE_LETTERS:
        spelling = _vni_lower(letter)
        if spelling == letter:
            continue
        table[spelling] = letter
        table[spelling.upper()] = letter.upper()
        if len(spelling) == 2:  # a capital typed with the lower-case mark key
            table[spelling[0].upper() + spelling[1]] = letter.upper()
    return table


class LegacyEncoding:
    def __init__(self, name: str, description: str, table: dict[str, str]) -> None:
        self.name = name
        self.description = description
        self.table = table
        self._pattern = re.compile("|".join(map(re.escape, sorted(table, key=len, reverse=True))))
        # The characters (as Windows-1252 shows them) that this encoding's letters are spelled with.
        self.alphabet = frozenset("".join(table)) - frozenset(string.ascii_letters)

    def convert(self, word: str) -> str:
        return unicodedata.normalize("NFC", self._pattern.sub(lambda m: self.table[m.group(0)], word))


TCVN3 = LegacyEncoding("TCVN3", "TCVN3 (ABC, .VnTime fonts)", _single_byte_table(_TCVN3_HIGH, 0xA0))
VNI = LegacyEncoding("VNI", "VNI-Windows (VNI-Times fonts)", _vni_table())
VISCII = LegacyEncoding("VISCII", "VISCII", _single_byte_table(_VISCII_HIGH, 0x80, _VISCII_LOW))
ENCODINGS = (TCVN3, VNI, VISCII)


@dataclass(frozen=True)
class Detection:
    """A line that looks like ``encoding`` read as Windows-1252: the words to convert and their fixes."""

    encoding: LegacyEncoding
    spans: tuple[tuple[int, int, str], ...]  # (start, end, converted) in the line
    evidence: int  # words that only make sense once converted

    def apply(self, line: str) -> str:
        out, last = [], 0
        for start, end, converted in self.spans:
            out += [line[last:start], converted]
            last = end
        return "".join(out) + line[last:]

    def example(self, line: str) -> tuple[str, str]:
        start, end, converted = self.spans[0]
        return line[start:end], converted


def _words(line: str, alphabet: frozenset[str]) -> list[tuple[int, int]]:
    spans, start = [], None
    for index, ch in enumerate(line + " "):
        inside = ch.isalpha() or ch in alphabet or unicodedata.combining(ch) > 0
        if inside and start is None:
            start = index
        elif not inside and start is not None:
            run = line[start:index]
            # a word has a letter, or is spelled only with the encoding's codes ("®·" is TCVN3 "đã")
            if any(c.isalpha() for c in run) or (len(run) > 1 and all(c in alphabet for c in run)):
                spans.append((start, index))
            start = None
    return spans


@functools.lru_cache(maxsize=65536)
def _judge(encoding: LegacyEncoding, word: str) -> tuple[str, bool, bool]:
    """A word converted, whether it is Vietnamese as it stands, and whether it is once converted."""
    converted = encoding.convert(word)
    return converted, is_syllable(word) and not _vntimeh_case(word), is_syllable(converted)


def _score(line: str, encoding: LegacyEncoding) -> Detection | None:
    fixed: list[tuple[int, int, str]] = []  # not Vietnamese as it stands, Vietnamese once converted
    neutral: list[tuple[int, int, str]] = []  # Vietnamese either way ("céng" / "cộng")
    garbage = unicode_words = 0
    for start, end in _words(line, encoding.alphabet):
        word = line[start:end]
        if any(mojibake_byte(ch) is None for ch in word):
            unicode_words += is_syllable(word)  # real Unicode Vietnamese, which no legacy file can show
            continue
        converted, before, after = _judge(encoding, word)
        if converted == word:
            continue
        if before and not after:
            return None  # a good word would be broken: this is not text in that encoding
        if after:
            (neutral if before else fixed).append((start, end, converted))
        elif converted.isalpha() and not word.isalpha():
            neutral.append((start, end, converted))  # an abbreviation: "H§ND" is "HĐND"
        else:
            garbage += 1
    if len(fixed) <= max(garbage, unicode_words) or len(fixed) + len(neutral) < 2:
        return None
    spans = sorted(fixed + neutral) if unicode_words == 0 else fixed
    if encoding is TCVN3 and _all_capitals(line):  # typed in a .VnTimeH font, which draws the codes as capitals
        spans = [(start, end, converted.upper()) for start, end, converted in spans]
    return Detection(encoding, tuple(spans), len(fixed) - garbage)


def _vntimeh_case(word: str) -> bool:
    """Capitals with lower-case accented letters ("DòNG"): typed for a .VnTimeH font, never real text."""
    if word.islower():  # (most words: no capital at all)
        return False
    ascii_letters = [ch for ch in word if ch.isascii() and ch.isalpha()]
    return len(ascii_letters) >= 2 and all(ch.isupper() for ch in ascii_letters) and any(
        not ch.isascii() and ch.islower() for ch in word)


def _all_capitals(line: str) -> bool:
    letters = [ch for ch in line if ch.isascii() and ch.isalpha()]
    return len(letters) >= 2 and all(ch.isupper() for ch in letters)


# What ordinary Vietnamese text is made of besides ASCII: its letters and common typography. A line of
# nothing else cannot be mojibake (every legacy encoding above spells some letter with another sign).
_ORDINARY = frozenset(VIETNAMESE_LETTERS + VIETNAMESE_LETTERS.upper() + "“”‘’–—…•«»\u00a0\u202f°±×÷€")


def detect(line: str) -> Detection | None:
    """The legacy encoding ``line`` looks like, if the evidence is clear; None for ordinary text."""
    if all(ch.isascii() or ch in _ORDINARY for ch in line) and not any(
            _vntimeh_case(word) for word in line.split() if not word.isascii()):
        return None
    candidates = [d for d in (_score(line, e) for e in ENCODINGS) if d is not None]
    return max(candidates, key=lambda d: (d.evidence, len(d.spans)), default=None)

