"""Vietnamese syllables: their shape, their tone mark, and the two ways of placing it.

Vietnamese is written one syllable per word-like token: an optional initial consonant, a vowel
nucleus, an optional final consonant, and at most one tone mark. That shape is strict enough to tell
real Vietnamese from text mangled by a wrong encoding (:mod:`publish.text.legacy`), and it says where
the tone mark goes: in the open syllables ``oa``, ``oe`` and ``uy`` the "old" style puts it on the
first vowel (``hòa``, ``thủy``), the "new" style on the second (``hoà``, ``thuỷ``).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from enum import StrEnum

# The five tone marks as combining characters (the sixth tone, ngang, is unmarked).
TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")

_INITIALS = "ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x"
# Nuclei that end in a glide (i, y, o, u) close the syllable: no final consonant may follow them.
_OPEN_NUCLEI = ("ai ao au ay âu ây eo êu ia iu oi ôi ơi ua ui ưa ưi ưu iêu yêu oai oao oay oeo uây uôi "
                "ươi ươu uya uyu")
_NUCLEI = "a ă â e ê i o ô ơ u ư y iê yê oa oă oe oo uâ uê uô uơ uy ươ uyê"
_FINALS = "ch|ng|nh|c|m|n|p|t"


def _alternatives(words: str) -> str:
    return "|".join(sorted(words.split(), key=len, reverse=True))


_SYLLABLE = re.compile(
    rf"(?:{_INITIALS})?(?:(?:{_alternatives(_OPEN_NUCLEI)})|(?:{_alternatives(_NUCLEI)})(?:{_FINALS})?)"
)


class ToneStyle(StrEnum):
    OLD = "old"
    NEW = "new"


def tone_of(syllable: str) -> tuple[str, str | None, int]:
    """The syllable without its tone marks, the first tone mark, and how many there were."""
    decomposed = unicodedata.normalize("NFD", syllable)
    marks = [ch for ch in decomposed if ch in TONE_MARKS]
    bare = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in TONE_MARKS))
    return bare, (marks[0] if marks else None), len(marks)


@functools.lru_cache(maxsize=65536)
def is_syllable(word: str) -> bool:
    """Whether ``word`` has the shape of one Vietnamese syllable (upper or lower case)."""
    bare, _, count = tone_of(word.lower())
    return count <= 1 and _SYLLABLE.fullmatch(bare) is not None


def _toned_index(word: str) -> int | None:
    for index, ch in enumerate(word):
        if any(mark in TONE_MARKS for mark in unicodedata.normalize("NFD", ch)):
            return index
    return None


@functools.lru_cache(maxsize=65536)
def tone_style(word: str) -> ToneStyle | None:
    """Which placement style a syllable shows, or None when both styles write it the same way."""
    bare, tone, count = tone_of(word.lower())
    if tone is None or count != 1 or len(bare) < 2 or bare[-2:] not in ("oa", "oe", "uy"):
        return None
    if bare.startswith("qu") or _SYLLABLE.fullmatch(bare) is None:
        return None  # in "quý" the u belongs to the initial consonant: only one placement exists
    index = _toned_index(word)
    if index == len(word) - 2:
        return ToneStyle.OLD
    if index == len(word) - 1:
        return ToneStyle.NEW
    return None


def with_tone_style(word: str, style: ToneStyle) -> str:
    """``word`` with its tone mark moved to where ``style`` puts it (unchanged if it is not affected)."""
    current = tone_style(word)
    if current is None or current is style:
        return word
    source, target = (len(word) - 1, len(word) - 2) if style is ToneStyle.OLD else (len(word) - 2, len(word) - 1)
    decomposed = unicodedata.normalize("NFD", word[source])
    tone = next(ch for ch in decomposed if ch in TONE_MARKS)
    chars = list(word)
    chars[source] = unicodedata.normalize("NFC", decomposed.replace(tone, ""))
    chars[target] = unicodedata.normalize("NFC", unicodedata.normalize("NFD", word[target]) + tone)
    return "".join(chars)
