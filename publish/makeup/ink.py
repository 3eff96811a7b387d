"""Glyph ink: where the marks of each character really reach, from the font files, with HarfBuzz.

A Vietnamese letter can carry two marks stacked above (Ẳ, Ổ) and one below (ộ, ỵ); the ink of a line
reaches far above its capitals and below its descenders. This module measures it per character and per
laid-out run of text (glyph by glyph, with the spacing justification added), for the line-height
choices of :mod:`publish.makeup.leading` and the collision check of :mod:`publish.makeup.measure`.
Extents are in em (of the font size) above (``top``) and below (``bottom``, positive) the baseline.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import uharfbuzz as hb  # type: ignore[import-untyped]

# Every letter Vietnamese writes (the 12 vowels with each of the 6 tones, đ, in both cases), and the Latin
# letters and digits: the set a book's line heights must clear when its own text is not known.
_VOWELS = "aăâeêioôơuưy"
_TONES = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
VIETNAMESE = "".join(sorted(
    {unicodedata.normalize("NFC", vowel + tone) for vowel in _VOWELS + _VOWELS.upper() for tone in _TONES}
    | set("đĐ") | set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")))


@dataclass(frozen=True)
class Extent:
    """How far a character's ink reaches above and below the baseline, in em."""

    top: float
    bottom: float


@dataclass(frozen=True)
class Glyph:
    """One glyph of a laid-out run: its ink box in the run's units (x from the run's start, y up from the
    baseline) and the character it belongs to."""

    char: str
    left: float
    right: float
    top: float
    bottom: float


class Face:
    """A font file as HarfBuzz shapes it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.font = hb.Font(hb.Face(hb.Blob.from_file_path(str(path))))
        self.upem = float(self.font.face.upem)
        self._extents: dict[str, Extent] = {}
        self._worst: Extent | None = None

    @property
    def worst(self) -> Extent:
        """The farthest any Vietnamese letter or digit of the face reaches (:data:`VIETNAMESE`)."""
        if self._worst is None:
            self._worst = self.reach(VIETNAMESE)
        return self._worst

    def extent(self, char: str) -> Extent:
        """The ink of one character (its marks included) as the font shapes it alone."""
        if char not in self._extents:
            top, bottom = 0.0, 0.0
            for glyph in self.shape(char, 1.0):
                top, bottom = max(top, glyph.top), max(bottom, glyph.bottom)
            self._extents[char] = Extent(top, bottom)
        return self._extents[char]

    def reach(self, text: Iterable[str]) -> Extent:
        """The highest and lowest ink of any character of ``text``."""
        top, bottom = 0.0, 0.0
        for char in set(text):
            if not char.isspace():
                extent = self.extent(char)
                top, bottom = max(top, extent.top), max(bottom, extent.bottom)
        return Extent(top, bottom)

    def shape(self, text: str, size: float, letter_spacing: float = 0.0, space: float = 0.0) -> list[Glyph]:
        """The glyphs of ``text`` set at ``size`` (pixels per em), with ``letter_spacing`` after every
        character and ``space`` more after every space (word spacing and justification)."""
        buffer = hb.Buffer()
        buffer.add_str(text)
        buffer.guess_segment_properties()
        hb.shape(self.font, buffer, {"kern": True, "liga": True})
        scale = size / self.upem
        glyphs: list[Glyph] = []
        x = 0.0
        clusters = [info.cluster for info in buffer.glyph_infos]
        for index, (info, position) in enumerate(zip(buffer.glyph_infos, buffer.glyph_positions, strict=True)):
            char = text[info.cluster] if info.cluster < len(text) else ""
            extents = self.font.get_glyph_extents(info.codepoint)
            if extents is not None and extents.width and extents.height:
                left = x + (position.x_offset + extents.x_bearing) * scale
                top = (position.y_offset + extents.y_bearing) * scale
                glyphs.append(Glyph(char, left, left + extents.width * scale, top,
                                    -(position.y_offset + extents.y_bearing + extents.height) * scale))
            x += position.x_advance * scale
            last_of_cluster = index + 1 == len(clusters) or clusters[index + 1] != info.cluster
            if last_of_cluster:
                x += letter_spacing + (space if char in " \u00a0" else 0.0)
        return glyphs


@functools.lru_cache(maxsize=64)
def face(path: Path) -> Face:
    return Face(path)
