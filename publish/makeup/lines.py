"""Justified lines without loose word spaces, and titles without a word left alone on their last line.

WeasyPrint breaks lines first-fit and then stretches the spaces of each line to the measure: when the
next word does not fit, the line's spaces take its width. In Vietnamese, whose words are short
syllables, that leaves one full line in six with spaces over 0.45 em (0.535 em at worst in the sample
article). A typesetter fixes such a paragraph with a touch of tracking, which moves the line breaks.
This module predicts WeasyPrint's line breaks (the same greedy first-fit on the same HarfBuzz widths:
measured to give the same breaks on every paragraph of the sample book) for a few trackings within
±1 % of the em, and picks for each paragraph the one that leaves the fewest loose lines, without adding
a line.

Titles and headings are set ragged; one whose last line would hold a single short word is balanced: its
lines are set to the narrowest width that keeps their number, so that they come out of even length.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from publish.makeup.ink import Face

LOOSE = 0.45  # em: a word space wider than this is loose
TRACKINGS = (0.0, -0.0025, 0.0025, -0.005, 0.005, -0.0075, 0.0075, -0.01, 0.01)  # em, the smallest first
# Word spacing added to the font's own space (0.26 em in Noto Serif): never tighter than about 0.22 em.
WORD_SPACINGS = (0.0, -0.02, 0.02, -0.04)
SHORT = 5  # characters: a last word this short must not stand alone on a title's last line


@dataclass(frozen=True)
class Piece:
    """Text set in one face and size."""

    text: str
    face: Face
    size: float  # px


@dataclass(frozen=True)
class Word:
    width: float  # px, without tracking
    letters: int  # characters that get tracking after them
    ties: int  # no-break spaces inside (stretched by justification like spaces)
    joined: bool = False  # no space after it: a line may break there (a zero-width space), nothing to stretch


# A paragraph's text in parts: a word or a piece of one that ends in a hyphen a line may break after
# (UAX #14: not before a digit), a zero-width space, or white space (a no-break space is neither).
_PARTS = re.compile(r"[^ \n\t\u200b]*?-(?=[^\W\d_])|[^ \n\t\u200b]+|\u200b|[ \n\t]+")


def words(pieces: Sequence[Piece]) -> list[Word]:
    """The words of a paragraph (split at spaces and zero-width spaces, after a hyphen; a no-break space
    does not split) with their widths."""
    found: list[Word] = []
    width, letters, ties, open_word = 0.0, 0, 0, False
    for piece in pieces:
        parts = _PARTS.findall(piece.text)
        for index, part in enumerate(parts):
            if part[0] in " \n\t\u200b":
                if open_word:
                    found.append(Word(width, letters, ties, joined=part[0] == "\u200b"))
                width, letters, ties, open_word = 0.0, 0, 0, False
                continue
            width += advance(piece.face, part) * piece.size
            letters += len(part)
            ties += part.count("\u00a0")
            open_word = True
            following = parts[index + 1] if index + 1 < len(parts) else ""
            if part.endswith("-") and following and following[0] not in " \n\t\u200b":
                found.append(Word(width, letters, ties, joined=True))  # a break after the hyphen
                width, letters, ties, open_word = 0.0, 0, 0, False
    if open_word:
        found.append(Word(width, letters, ties))
    return found


WIDTHS: dict[tuple[int, str], float] = {}


def advance(face: Face, text: str) -> float:
    """The advance width of ``text`` in ``face``, in em."""
    key = (id(face), text)
    if key not in WIDTHS:
        WIDTHS[key] = sum(glyph_advance for glyph_advance in _advances(face, text))
    return WIDTHS[key]


def _advances(face: Face, text: str) -> list[float]:
    import uharfbuzz as hb  # type: ignore[import-untyped]

    buffer = hb.Buffer()
    buffer.add_str(text)
    buffer.guess_segment_properties()
    hb.shape(face.font, buffer, {"kern": True, "liga": True})
    return [position.x_advance / face.upem for position in buffer.glyph_positions]


@dataclass(frozen=True)
class Setting:
    """How a paragraph's lines come out: the widest word space of each full line (em), and the count."""

    spaces: tuple[float, ...]
    lines: int
    ends: tuple[int, ...] = ()  # the number of words up to the end of each line

    @property
    def loose(self) -> int:
        return sum(space > LOOSE for space in self.spaces)

    @property
    def widest(self) -> float:
        return max(self.spaces, default=0.0)


class Prepared:
    """A paragraph's words summed up once, so that each spacing tried costs a few binary searches."""

    def __init__(self, found: Sequence[Word]) -> None:
        self.count = len(found)
        self.widths, self.letters, self.gaps, self.ties = [0.0], [0], [0], [0]  # sums over the words before
        for word in found:
            self.widths.append(self.widths[-1] + word.width)
            self.letters.append(self.letters[-1] + word.letters)
            self.gaps.append(self.gaps[-1] + (not word.joined))
            self.ties.append(self.ties[-1] + word.ties)


def set_lines(found: Sequence[Word] | Prepared, measure: float, indent: float, space: float, size: float,
              tracking: float = 0.0) -> Setting:
    """Break ``found`` into lines first-fit as WeasyPrint does and justify them: ``space`` is the natural
    word space (px), ``tracking`` the letter spacing (px) after every character."""
    words_ = found if isinstance(found, Prepared) else Prepared(found)
    if not words_.count:
        return Setting((), 0)
    widths, letters, gaps, ties = words_.widths, words_.letters, words_.gaps, words_.ties
    step = space + tracking

    def left(index: int) -> float:  # where word ``index`` starts, the paragraph's first at 0
        return widths[index] + tracking * letters[index] + step * gaps[index]

    # where each word ends: computed once, so that finding each line's end is a search in C
    rights = [widths[index + 1] + tracking * letters[index + 1] + step * gaps[index] for index in range(words_.count)]
    spaces: list[float] = []
    ends: list[int] = []
    start, lines, width = 0, 0, measure - indent
    while start < words_.count:
        # the last word that fits (a line's trailing space does not count)
        end = bisect.bisect_right(rights, left(start) + width + 1e-6, lo=start)
        end = max(end, start + 1)
        lines += 1
        if end < words_.count:
            stretch = gaps[end - 1] - gaps[start] + ties[end] - ties[start]
            if stretch:
                spaces.append((step + (width - (rights[end - 1] - left(start))) / stretch) / size)
        ends.append(end)
        start, width = end, measure
    return Setting(tuple(spaces), lines, tuple(ends))


def tracking(found: Sequence[Word], measure: float, indent: float, space: float, size: float) -> tuple[float, float]:
    """The tracking (em, within ±1 %) and word spacing (em, :data:`WORD_SPACINGS`) that leave the fewest
    loose lines without adding a line, the smallest change first: (0.0, 0.0) when the paragraph is fine."""
    prepared = Prepared(found)
    natural = set_lines(prepared, measure, indent, space, size)
    if not natural.loose:
        return 0.0, 0.0
    best, choice = (natural.loose, natural.widest, (False, 0.0)), (0.0, 0.0)
    for change, em, words_em in CHANGES:
        setting = set_lines(prepared, measure, indent, space + words_em * size, size, em * size)
        rank = (setting.loose, setting.widest, change)
        if setting.lines <= natural.lines and rank < best:
            best, choice = rank, (em, words_em)
            if not setting.loose:
                break  # (the smallest change that leaves no loose line)
    return choice


# Every tracking and word spacing tried: tracking alone first (WeasyPrint sets a paragraph with word spacing
# a space at a time, twice as slowly), then with word spacing, the smallest change first.
CHANGES = sorted(((bool(words_em), abs(em) * 10 + abs(words_em)), em, words_em) for em in TRACKINGS
                 for words_em in WORD_SPACINGS if em or words_em)


def balanced_width(found: Sequence[Word], measure: float, space: float) -> float | None:
    """For a ragged title: the narrowest width (px) that keeps its number of lines, when its last line
    would otherwise hold one short word; None when it is fine as it is."""
    natural = _ragged(found, measure, space)
    if len(natural) < 2 or len(natural[-1]) != 1 or found[-1].letters > SHORT:
        return None
    low, high = measure / len(natural), measure
    for _ in range(20):  # bisection on the width: fewer lines never come back below the true minimum
        middle = (low + high) / 2
        if len(_ragged(found, middle, space)) > len(natural):
            low = middle
        else:
            high = middle
    lines = _ragged(found, high, space)
    if len(lines[-1]) == 1 and found[-1].letters <= SHORT:
        return None
    return high + 0.5  # a hair more than the widest line, so that rounding never adds a line


def _ragged(found: Sequence[Word], measure: float, space: float) -> list[list[Word]]:
    lines: list[list[Word]] = []
    width = 0.0
    for word in found:
        if lines and width + space + word.width <= measure + 1e-6:
            lines[-1].append(word)
            width += space + word.width
        else:
            lines.append([word])
            width = word.width
    return lines


