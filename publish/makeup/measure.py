"""What a typesetter measures on laid-out pages: fill, lines, figures, word spaces and colliding ink.

Read from :class:`publish.output.engine.PageView` (the boxes WeasyPrint laid out) and the font files
(:mod:`publish.makeup.ink`): nothing here guesses from the markup. :func:`collisions` is the proof that
no stacked mark touches the line above or below; :func:`spacing` gives the word spaces of every
justified line; :func:`article` sums up an article's pages for :mod:`publish.makeup.mending`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from publish.makeup import ink
from publish.makeup.lines import advance
from publish.output.engine import Font, Line, PageView, Run

# Finds the font file of a laid-out font (families, weight, style); None when it is not a declared face.
Faces = Callable[[Font], "ink.Face | None"]
TOLERANCE = 0.05  # px of overlap forgiven (rounding in the font's outlines)


def bottom(view: PageView) -> float:
    """The lowest point of the page's text and pictures (the top of the page area when it has none)."""
    lows = [line.y + line.height for line in view.lines] + [picture.y + picture.height for picture in view.pictures]
    return max(lows, default=view.area[1])


def fill(view: PageView) -> float:
    """How much of the page area's height is used: by the text from its top, and by the footnotes from
    theirs (at the foot of the page)."""
    _, top, _, height = view.area
    if not height:
        return 0.0
    used = bottom(view) - top
    if view.notes_top is not None:
        used += top + height - view.notes_top
    return min(1.0, max(0.0, used / height))


def text_lines(view: PageView) -> int:
    """The lines of text on the page (running heads and folios aside)."""
    return sum(1 for line in view.lines + view.notes if line.text.strip())


def content_lines(view: PageView, line: float) -> float:
    """How many lines of text of ``line`` px the page's content is worth: its lines, and its pictures by
    their height (a page with a photo on it is no scrap)."""
    return text_lines(view) + sum(picture.height for picture in view.pictures) / line


@dataclass(frozen=True)
class Collision:
    page: int  # index of the page in its document
    upper: str  # the character whose ink reaches down
    lower: str  # the character whose ink reaches up
    overlap: float  # px
    block: object  # the element of the lower line's block


def collisions(view: PageView, faces: Faces) -> list[Collision]:
    """Glyphs of one line whose ink overlaps glyphs of the next line below it (same column)."""
    found: list[Collision] = []
    lines = sorted((line for line in view.lines + view.notes if line.runs), key=lambda line: line.baseline)
    for index, upper in enumerate(lines):
        for lower in lines[index + 1:index + 3]:
            if lower.x >= upper.x + upper.width or upper.x >= lower.x + lower.width:
                continue
            distance = lower.baseline - upper.baseline
            if _reach(upper, faces, True, worst=True) + _reach(lower, faces, False, worst=True) <= distance:
                continue  # (no letter of these faces could reach far enough: body text, most headings)
            if _reach(upper, faces, down=True) + _reach(lower, faces, down=False) <= distance:
                continue  # (none of these lines' own characters reaches far enough)
            hit = _first_overlap(upper, lower, faces)
            if hit is not None:
                found.append(Collision(view.index, hit[0], hit[1], hit[2], lower.block))
    return found


def _reach(line: Line, faces: Faces, down: bool, worst: bool = False) -> float:
    """How far (px) the ink of any character of ``line`` may reach below (``down``) or above its baseline;
    with ``worst``, any Vietnamese letter of its faces (a bound that costs nothing to find)."""
    reach = 0.0
    for run in line.runs:
        face = faces(run.font)
        if face is None:
            continue
        extent = face.worst if worst else face.reach(run.text)
        shift = run.baseline - line.baseline  # (a superscript sits higher)
        reach = max(reach, extent.bottom * run.size + shift if down else extent.top * run.size - shift)
    return reach


def _glyphs(line: Line, faces: Faces) -> Iterator[tuple[ink.Glyph, float, float]]:
    """Each glyph of the line, with the x and baseline it is drawn at."""
    for run in line.runs:
        face = faces(run.font)
        if face is None:
            continue
        space = run.word_spacing + run.justification
        for glyph in face.shape(run.text, run.size, run.letter_spacing, space):
            yield glyph, run.x, run.baseline


def _first_overlap(upper: Line, lower: Line, faces: Faces) -> tuple[str, str, float] | None:
    above = [(g.char, x + g.left, x + g.right, base + g.bottom) for g, x, base in _glyphs(upper, faces)]
    for glyph, x, base in _glyphs(lower, faces):
        left, right, top = x + glyph.left, x + glyph.right, base - glyph.top
        for char, other_left, other_right, low in above:
            if other_left < right and left < other_right and low - top > TOLERANCE:
                return char, glyph.char, low - top
    return None


@dataclass(frozen=True)
class Spaced:
    """A justified line and the width of its word spaces, in em."""

    page: int
    text: str
    space: float
    block: object


def spacing(view: PageView, faces: Faces) -> list[Spaced]:
    """The word space of every full justified line of the page (the last line of a paragraph is not
    justified, and neither is a line that ends with a forced break)."""
    found = []
    for line in view.lines:
        if line.align != "justify" or not line.justification:
            continue
        main = max(line.runs, key=lambda run: len(run.text))
        face = faces(main.font)
        if face is None or not any(ch in " \u00a0" for ch in line.text.strip()):
            continue
        natural = advance(face, " ") * main.size
        width = natural + main.word_spacing + main.letter_spacing + line.justification
        found.append(Spaced(view.index, line.text.strip(), width / main.size, line.block))
    return found


def runs_of(views: Sequence[PageView]) -> Iterator[Run]:
    for view in views:
        yield from view.runs()
