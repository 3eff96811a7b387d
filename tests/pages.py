"""What a typesetter sees on the finished pages: lines, their glyphs' ink, collisions, fill and word spacing.

Everything is measured from the PDF file itself. The page content streams are walked with pikepdf the way a
viewer draws them (text matrices, ``TJ`` offsets, text rise, form XObjects), so every drawn glyph, combining
marks included, has its exact origin and advance; its ink is the tight outline bounds of the glyph in the
embedded font program (fontTools), in PDF points, page coordinates (y up). pdfium's own "tight" character
boxes are FreeType's control boxes of hinted outlines in whole font units: up to 0.015 em off up and down
and 0.06 pt across, too coarse for a 0.05 pt collision test; ``tests/test_pages.py`` keeps the two in step.

Glyphs sharing a baseline make a line; a gap wider than :data:`COLUMN_GAP` ems splits it into columns, and
smaller type just above or below (a note reference) joins its line. Running heads and folios are lines too:
:class:`TextBlock` gives the type area that tells them apart.
"""

from __future__ import annotations

import functools
import io
import itertools
import math
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pikepdf
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont

MM = 72 / 25.4
BASELINE_TOLERANCE = 0.5  # pt: glyphs this close to one baseline are on the same line
COLUMN_GAP = 2.0  # em: a wider gap between neighbouring glyphs on one baseline separates two columns
WORD_GAP = 0.2  # em: with no space glyph drawn, a gap this wide still separates two words
EDGE = 0.5  # pt: how close to a column edge a justified line must come


@dataclass(frozen=True)
class Box:
    """A rectangle in PDF points, page coordinates (y grows upwards)."""

    left: float
    bottom: float
    right: float
    top: float

    @property
    def height(self) -> float:
        return self.top - self.bottom

    def overlap(self, other: Box) -> tuple[float, float]:
        """How far the two boxes overlap across (x) and up (y); a value <= 0 means they do not."""
        return (min(self.right, other.right) - max(self.left, other.left),
                min(self.top, other.top) - max(self.bottom, other.bottom))

    def meets(self, other: Box) -> bool:
        across, up = self.overlap(other)
        return across > 0 and up > 0

    def union(self, other: Box) -> Box:
        return Box(min(self.left, other.left), min(self.bottom, other.bottom),
                   max(self.right, other.right), max(self.top, other.top))

    @classmethod
    def around(cls, points: Sequence[tuple[float, float]]) -> Box:
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        return cls(min(xs), min(ys), max(xs), max(ys))


@dataclass(frozen=True)
class Glyph:
    """One drawn glyph: its text (from ToUnicode; one letter for a precomposed Ổ, '' or a whole cluster for a
    glyph of a base-plus-mark cluster), where its pen starts and ends on the baseline, and its ink."""

    text: str
    font: str
    size: float  # pt, as drawn (Tf size through the text and page matrices)
    baseline: float  # y of the baseline (text rise excluded, so a raised mark stays on its letter's line)
    origin: float  # x where the pen starts
    end: float  # x where the glyph's advance ends
    ink: Box | None  # None for a glyph with no outline (a space) or invisible text


@dataclass(frozen=True)
class Line:
    """Glyphs on one baseline in one column, left to right."""

    page: int
    baseline: float
    glyphs: tuple[Glyph, ...]

    @functools.cached_property
    def inked(self) -> list[Glyph]:
        return [g for g in self.glyphs if g.ink is not None]

    @functools.cached_property
    def ink(self) -> Box:
        return functools.reduce(Box.union, [g.ink for g in self.inked if g.ink])

    @functools.cached_property
    def size(self) -> float:
        """The font size most of the line's inked glyphs are set in."""
        return Counter(round(g.size, 2) for g in self.inked).most_common(1)[0][0]

    @functools.cached_property
    def start(self) -> float:
        return min(g.origin for g in self.inked)

    @functools.cached_property
    def end(self) -> float:
        return max(g.end for g in self.inked)

    @functools.cached_property
    def text(self) -> str:
        return " ".join("".join(g.text for g in word) for word in self.words)

    @functools.cached_property
    def words(self) -> list[list[Glyph]]:
        """Runs of glyphs between spaces (a drawn space glyph, or a gap of :data:`WORD_GAP` em)."""
        words: list[list[Glyph]] = [[]]
        for glyph in self.glyphs:
            if glyph.text.isspace():
                words.append([])
                continue
            if words[-1] and glyph.origin - max(g.end for g in words[-1]) > WORD_GAP * glyph.size:
                words.append([])
            words[-1].append(glyph)
        return [w for w in words if any(g.ink for g in w)]


@dataclass(frozen=True)
class Page:
    """One page as drawn: every glyph (margins included), image and painted path, and the lines."""

    number: int  # 1-based
    trim: Box
    glyphs: tuple[Glyph, ...]
    images: tuple[Box, ...]  # where each image is placed
    shapes: tuple[Box, ...]  # filled or stroked paths (rules, borders, backgrounds, crop marks)
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class TextBlock:
    """The type area: margins in mm from the trim box as on a right-hand (odd) page; left and right swap on
    left-hand (even) pages. The default is the shipped design, ``styles/print.css``."""

    top: float = 18
    right: float = 16
    bottom: float = 22
    left: float = 20

    def rect(self, page: Page) -> Box:
        left, right = (self.left, self.right) if page.number % 2 else (self.right, self.left)
        trim = page.trim
        return Box(trim.left + left * MM, trim.bottom + self.bottom * MM,
                   trim.right - right * MM, trim.top - self.top * MM)


@dataclass(frozen=True)
class Collision:
    """A glyph of one line whose ink box overlaps the ink box of a glyph of a line below it."""

    page: int
    upper: str  # the glyph of the upper line (its text)
    lower: str
    overlap: float  # pt, vertically
    width: float  # pt, horizontally
    upper_line: str
    lower_line: str


@dataclass(frozen=True)
class SpacedLine:
    """A justified line and its word spaces, in em of the line's font size."""

    page: int
    baseline: float
    text: str
    size: float
    gaps: tuple[float, ...]

    @property
    def widest(self) -> float:
        return max(self.gaps)


@dataclass(frozen=True)
class Spacing:
    """Word spacing over many justified lines: the widest space, and how many lines are loose."""

    lines: int
    widest: float  # em
    loosest: SpacedLine | None
    over: int  # lines whose widest space exceeds the limit
    share: float  # over / lines


# Fonts: codes to text, advance widths and ink boxes, all in text space for a 1 pt font.

class _Font:
    def __init__(self, font: pikepdf.Object) -> None:
        self.name = re.sub(r"^[A-Z]{6}\+", "", str(font.get("/BaseFont", font.get("/Name", "/Type3")))[1:])
        self.type0 = font.Subtype == "/Type0"
        described = font.DescendantFonts[0] if self.type0 else font
        self.scale = [float(v) for v in font.FontMatrix] if font.Subtype == "/Type3" else [0.001] * 4
        self.widths = _widths(described)
        self.default_width = float(described.get("/DW", 1000)) if self.type0 else 0.0
        to_unicode = font.get("/ToUnicode")
        self.unicode = _to_unicode(to_unicode.read_bytes()) if isinstance(to_unicode, pikepdf.Stream) else {}
        descriptor = described.get("/FontDescriptor", pikepdf.Dictionary())
        bbox = font.get("/FontBBox", descriptor.get("/FontBBox", [0, 0, 0, 0]))
        self.bbox = tuple(float(v) for v in bbox)
        self.program, self.gids = _program(described, descriptor), _gids(described)
        self.outlines = self.program.getGlyphSet() if self.program is not None else None
        self._ink: dict[int, tuple[float, float, float, float] | None] = {}

    def codes(self, data: bytes) -> Iterator[int]:
        step = 2 if self.type0 else 1
        for i in range(0, len(data) - step + 1, step):
            yield int.from_bytes(data[i:i + step], "big")

    def width(self, code: int) -> float:
        return self.widths.get(code, self.default_width) * self.scale[0]

    def ink(self, code: int) -> tuple[float, float, float, float] | None:
        """The glyph's outline bounds; the font's bounding box when its program cannot be read."""
        if code not in self._ink:
            self._ink[code] = self._bounds(code)
        return self._ink[code]

    def _bounds(self, code: int) -> tuple[float, float, float, float] | None:
        if self.program is None or self.outlines is None or not self.type0:  # bare CFF, Type 1, Type 3
            x0, y0, x1, y1 = self.bbox
            return x0 * self.scale[0], y0 * self.scale[3], x1 * self.scale[0], y1 * self.scale[3]
        gid = self.gids[code] if self.gids is not None and code < len(self.gids) else code
        order = self.program.getGlyphOrder()
        if gid >= len(order):
            return None
        pen = BoundsPen(self.outlines)
        self.outlines[order[gid]].draw(pen)
        if pen.bounds is None:
            return None
        x0, y0, x1, y1 = (v / self.program["head"].unitsPerEm for v in pen.bounds)
        return x0, y0, x1, y1


def _widths(font: pikepdf.Object) -> dict[int, float]:
    if "/Widths" in font:
        first = int(font.get("/FirstChar", 0))
        return {first + i: float(w) for i, w in enumerate(font.Widths)}
    widths, items, i = {}, list(font.get("/W", [])), 0
    while i < len(items):
        if isinstance(items[i + 1], pikepdf.Array):
            widths.update({int(items[i]) + k: float(w) for k, w in enumerate(items[i + 1])})
            i += 2
        else:
            widths.update({c: float(items[i + 2]) for c in range(int(items[i]), int(items[i + 1]) + 1)})
            i += 3
    return widths


def _to_unicode(cmap: bytes) -> dict[int, str]:
    def text(hexa: bytes) -> str:
        return bytes.fromhex(hexa.decode()).decode("utf-16-be", errors="replace")

    found: dict[int, str] = {}
    for section in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", section):
            found[int(code, 16)] = text(dst)
    for section in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[^>]*>|\[[^\]]*\])", section):
            targets = re.findall(rb"<([0-9A-Fa-f]*)>", dst)
            for k, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                if dst.startswith(b"["):
                    found[code] = text(targets[k]) if k < len(targets) else ""
                else:
                    first = text(targets[0])
                    found[code] = first[:-1] + chr(ord(first[-1]) + k) if first else ""
    return found


def _program(font: pikepdf.Object, descriptor: pikepdf.Object) -> TTFont | None:
    """The embedded TrueType or OpenType program; None for Type 1, bare CFF or a font left out."""
    stream = descriptor.get("/FontFile2")
    if stream is None and descriptor.get("/FontFile3", pikepdf.Dictionary()).get("/Subtype") == "/OpenType":
        stream = descriptor.FontFile3
    return None if stream is None else TTFont(io.BytesIO(stream.read_bytes()))


def _gids(font: pikepdf.Object) -> list[int] | None:
    """A CIDToGIDMap stream as a list; None for /Identity (or none), where the glyph id is the code."""
    mapping = font.get("/CIDToGIDMap")
    if not isinstance(mapping, pikepdf.Stream):
        return None
    data = mapping.read_bytes()
    return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2)]


# Walking the content streams.

@dataclass
class _State:
    ctm: pikepdf.Matrix = field(default_factory=pikepdf.Matrix)
    font: _Font | None = None
    size: float = 0.0
    char_spacing: float = 0.0
    word_spacing: float = 0.0
    scaling: float = 1.0
    leading: float = 0.0
    rise: float = 0.0
    invisible: bool = False


_TEXT_STATE = {"Tc": "char_spacing", "Tw": "word_spacing", "Tz": "scaling", "TL": "leading", "Ts": "rise"}


class _Reader:
    """Draws nothing: records where each glyph, image and painted path lands on one page."""

    def __init__(self, fonts: dict[tuple[int, int], _Font]) -> None:
        self.glyphs: list[Glyph] = []
        self.images: list[Box] = []
        self.shapes: list[Box] = []
        self.fonts = fonts  # shared by the document's pages

    def run(self, owner: pikepdf.Page | pikepdf.Object, resources: pikepdf.Object, ctm: pikepdf.Matrix) -> None:
        state, saved = _State(ctm=ctm), []
        tm = tlm = pikepdf.Matrix()
        path: list[tuple[float, float]] = []
        for instruction in pikepdf.parse_content_stream(owner):
            op, args = str(instruction.operator), instruction.operands
            if op == "INLINE IMAGE":
                self.images.append(_unit_square(state.ctm))
            elif op == "q":
                saved.append(replace(state))
            elif op == "Q" and saved:
                state = saved.pop()
            elif op == "cm":
                state.ctm = pikepdf.Matrix(*map(float, args)) @ state.ctm
            elif op == "BT":
                tm = tlm = pikepdf.Matrix()
            elif op == "Tf":
                state.font, state.size = self._font(resources.Font[str(args[0])]), float(args[1])
            elif op in _TEXT_STATE:
                setattr(state, _TEXT_STATE[op], float(args[0]) / 100 if op == "Tz" else float(args[0]))
            elif op == "Tr":
                state.invisible = int(args[0]) in (3, 7)
            elif op in ("Td", "TD", "T*", "'", '"'):
                if op == "TD":
                    state.leading = -float(args[1])
                if op == '"':
                    state.word_spacing, state.char_spacing = float(args[0]), float(args[1])
                dx, dy = (float(args[0]), float(args[1])) if op in ("Td", "TD") else (0.0, -state.leading)
                tm = tlm = pikepdf.Matrix(1, 0, 0, 1, dx, dy) @ tlm
                if op in ("'", '"'):
                    tm = self._show(state, tm, bytes(args[-1]))
            elif op == "Tm":
                tm = tlm = pikepdf.Matrix(*map(float, args))
            elif op == "Tj":
                tm = self._show(state, tm, bytes(args[0]))
            elif op == "TJ":
                for item in args[0]:
                    if isinstance(item, pikepdf.String):
                        tm = self._show(state, tm, bytes(item))
                    else:
                        tm = pikepdf.Matrix(1, 0, 0, 1, -float(item) / 1000 * state.size * state.scaling, 0) @ tm
            elif op == "Do":
                self._xobject(resources.XObject[str(args[0])], resources, state.ctm)
            elif op in ("m", "l", "c", "v", "y", "re"):
                path += _path_points(op, [float(a) for a in args], state.ctm)
            elif op in ("S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "n"):
                if op != "n" and path:
                    self.shapes.append(Box.around(path))
                path = []

    def _font(self, font: pikepdf.Object) -> _Font:
        key = font.objgen if font.objgen != (0, 0) else (-1, id(font))
        if key not in self.fonts:
            self.fonts[key] = _Font(font)
        return self.fonts[key]

    def _xobject(self, xobject: pikepdf.Object, resources: pikepdf.Object, ctm: pikepdf.Matrix) -> None:
        if xobject.get("/Subtype") == "/Image":
            self.images.append(_unit_square(ctm))
        elif xobject.get("/Subtype") == "/Form":
            matrix = pikepdf.Matrix(*map(float, xobject.get("/Matrix", [1, 0, 0, 1, 0, 0])))
            self.run(xobject, xobject.get("/Resources", resources), matrix @ ctm)

    def _show(self, state: _State, tm: pikepdf.Matrix, data: bytes) -> pikepdf.Matrix:
        font = state.font
        if font is None:
            return tm
        for code in font.codes(data):
            to_page = tm @ state.ctm
            size = state.size * math.hypot(to_page.c, to_page.d)
            glyph_space = pikepdf.Matrix(state.size * state.scaling, 0, 0, state.size, 0, 0)
            rendering = glyph_space @ pikepdf.Matrix(1, 0, 0, 1, 0, state.rise) @ to_page
            width = font.width(code)
            bounds = None if state.invisible else font.ink(code)
            ink = None if bounds is None else Box.around(
                [rendering.transform((x, y)) for x in (bounds[0], bounds[2]) for y in (bounds[1], bounds[3])])
            origin = rendering.transform((0, 0))[0]
            self.glyphs.append(Glyph(font.unicode.get(code, ""), font.name, size,
                                     (glyph_space @ to_page).transform((0, 0))[1],
                                     origin, rendering.transform((width, 0))[0], ink))
            advance = width * state.size + state.char_spacing
            if not font.type0 and code == 32:
                advance += state.word_spacing
            tm = pikepdf.Matrix(1, 0, 0, 1, advance * state.scaling, 0) @ tm
        return tm


def _unit_square(ctm: pikepdf.Matrix) -> Box:
    return Box.around([ctm.transform((x, y)) for x in (0, 1) for y in (0, 1)])


def _path_points(op: str, args: list[float], ctm: pikepdf.Matrix) -> list[tuple[float, float]]:
    if op == "re":
        x, y, w, h = args
        args = [x, y, x + w, y, x, y + h, x + w, y + h]
    return [ctm.transform((args[i], args[i + 1])) for i in range(0, len(args) - 1, 2)]


# Glyphs into lines.

def _lines(number: int, glyphs: Sequence[Glyph]) -> list[Line]:
    rows: list[list[Glyph]] = []
    for glyph in sorted(glyphs, key=lambda g: -g.baseline):
        if rows and rows[-1][0].baseline - glyph.baseline <= BASELINE_TOLERANCE:
            rows[-1].append(glyph)
        else:
            rows.append([glyph])
    pieces: list[list[Glyph]] = []
    for row in rows:
        row.sort(key=lambda g: round(g.origin, 2))  # stacked marks share an origin: keep drawing order
        pieces.append([row[0]])
        for before, glyph in itertools.pairwise(row):
            if glyph.origin - before.end > COLUMN_GAP * max(before.size, glyph.size):
                pieces.append([])
            pieces[-1].append(glyph)
    lines = [Line(number, piece[0].baseline, tuple(piece)) for piece in pieces if any(g.ink for g in piece)]
    return sorted(_adopt_small_type(lines), key=lambda line: (-line.baseline, line.start))


def _adopt_small_type(lines: list[Line]) -> list[Line]:
    """A line of smaller type raised or lowered against a neighbour (a note reference) belongs to it."""
    for small in sorted(lines, key=lambda line: line.size):
        if not any(line is small for line in lines):
            continue  # already taken in by a host line that has since been rebuilt
        host = next((line for line in lines if small.size < 0.85 * line.size
                     and abs(line.baseline - small.baseline) < 0.6 * line.size
                     and line.start - line.size <= small.start and small.end <= line.end + line.size), None)
        if host is not None:
            glyphs = tuple(sorted(host.glyphs + small.glyphs, key=lambda g: g.origin))
            lines = [Line(host.page, host.baseline, glyphs) if line is host else line
                     for line in lines if line is not small]
    return lines


@functools.lru_cache(maxsize=16)
def _read(path: str, stamp: tuple[int, int]) -> tuple[Page, ...]:
    del stamp  # part of the cache key only: a rebuilt file is read again
    found: list[Page] = []
    fonts: dict[tuple[int, int], _Font] = {}
    with pikepdf.open(path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            reader = _Reader(fonts)
            reader.run(page, page.Resources, pikepdf.Matrix())
            trim = Box.around([(float(page.trimbox[0]), float(page.trimbox[1])),
                               (float(page.trimbox[2]), float(page.trimbox[3]))])
            found.append(Page(number, trim, tuple(reader.glyphs), tuple(reader.images), tuple(reader.shapes),
                              tuple(_lines(number, reader.glyphs))))
    return tuple(found)


# What the tests ask.

def pages(pdf_path: Path | str) -> tuple[Page, ...]:
    """Every page of the PDF, read once per version of the file."""
    stat = Path(pdf_path).stat()
    return _read(str(pdf_path), (stat.st_mtime_ns, stat.st_size))


def lines(pdf_path: Path | str, page_index: int) -> list[Line]:
    """The text lines of one page (0-based index), top to bottom, left to right; margins included."""
    return list(pages(pdf_path)[page_index].lines)


def collisions(pdf_path: Path | str, tolerance: float = 0.05) -> list[Collision]:
    """Glyphs of two lines of a page, one above the other, whose ink boxes overlap by more than
    ``tolerance`` pt both across and up. Every such pair of lines is checked, not only neighbours."""
    found = []
    for page in pages(pdf_path):
        for i, upper in enumerate(page.lines):
            for lower in page.lines[i + 1:]:
                if upper.baseline - lower.baseline <= BASELINE_TOLERANCE or not upper.ink.meets(lower.ink):
                    continue
                for a in upper.inked:
                    for b in lower.inked:
                        assert a.ink and b.ink
                        across, up = a.ink.overlap(b.ink)
                        if across > tolerance and up > tolerance:
                            found.append(Collision(page.number, a.text, b.text, up, across, upper.text, lower.text))
    return found


def page_fill(pdf_path: Path | str, text_block: TextBlock | None = None) -> list[float]:
    """Per page, the share of the type area's height used, from its top down to the lowest ink (text or
    image) that reaches into it; 0.0 for a page with none. Above 1.0 when that ink hangs below the area."""
    text_block = text_block or TextBlock()
    fills = []
    for page in pages(pdf_path):
        block = text_block.rect(page)
        bottoms = [box.bottom for box in _ink(page) if box.meets(block)]
        fills.append((block.top - min(bottoms)) / block.height if bottoms else 0.0)
    return fills


def blank_pages(pdf_path: Path | str, text_block: TextBlock | None = None) -> list[int]:
    """Page numbers with no ink at all in the type area: no glyph, image, rule or border (a fill covering
    the whole area is a background, not ink). Running heads and folios sit outside and do not count."""
    text_block = text_block or TextBlock()
    blank = []
    for page in pages(pdf_path):
        block = text_block.rect(page)
        shapes = [s for s in page.shapes if not _covers(s, block)]
        if not any(box.meets(block) for box in [*_ink(page), *shapes]):
            blank.append(page.number)
    return blank


def text_lines_per_page(pdf_path: Path | str, text_block: TextBlock | None = None) -> list[int]:
    """Per page, how many lines have ink in the type area (a table row of three cells counts three)."""
    return [len(_body(page, text_block or TextBlock())) for page in pages(pdf_path)]


def word_spacing(pdf_path: Path | str, text_block: TextBlock | None = None) -> list[SpacedLine]:
    """The word spaces of every justified line in the type area, in reading order.

    A paragraph is a run of lines that continue one another (same size, not indented against the line
    before, one line pitch below it or at the top of the next page). Its lines but the last are justified
    where they end at the type area's right edge or, in a narrower block (a quote), where all of them, two
    at least, end at one edge. A space runs from the advance end of a word's last glyph to the origin of
    the next word's first glyph: the space glyph and the justification together."""
    text_block = text_block or TextBlock()
    flow = [(line, text_block.rect(page)) for page in pages(pdf_path) for line in _body(page, text_block)]
    pitch = _pitches([line for line, _ in flow])
    nexts = [_next(flow, i, pitch) for i in range(len(flow))]
    spaced = []
    for paragraph in _paragraphs(nexts):
        indents = [flow[i][1].right - flow[i][0].end for i in paragraph[:-1]]  # mirrored margins cancel out
        shared = len(indents) > 1 and max(indents) - min(indents) <= EDGE
        for i, indent in zip(paragraph, indents, strict=False):
            line = flow[i][0]
            if (abs(indent) <= EDGE or shared) and len(line.words) > 1:
                gaps = tuple((min(g.origin for g in b) - max(g.end for g in a)) / line.size
                             for a, b in itertools.pairwise(line.words))
                spaced.append(SpacedLine(line.page, line.baseline, line.text, line.size, gaps))
    return spaced


def loosest(spaced: Sequence[SpacedLine], limit: float = 0.45) -> Spacing:
    """The widest word space of all, and how many lines have one wider than ``limit`` em."""
    worst = max(spaced, key=lambda s: s.widest, default=None)
    over = sum(1 for s in spaced if s.widest > limit)
    return Spacing(len(spaced), worst.widest if worst else 0.0, worst, over, over / len(spaced) if spaced else 0.0)


def _ink(page: Page) -> list[Box]:
    return [g.ink for g in page.glyphs if g.ink is not None] + list(page.images)


def _covers(shape: Box, block: Box) -> bool:
    return shape.left <= block.left and shape.bottom <= block.bottom and shape.right >= block.right \
        and shape.top >= block.top


def _body(page: Page, text_block: TextBlock) -> list[Line]:
    block = text_block.rect(page)
    return [line for line in page.lines if line.ink.meets(block)]


def _pitches(flow: Sequence[Line]) -> dict[float, float]:
    """For each font size, the closest two lines of that size follow each other: the line pitch."""
    pitch: dict[float, float] = {}
    for line, below in itertools.pairwise(flow):
        step = line.baseline - below.baseline
        if line.page == below.page and line.size == below.size and step > BASELINE_TOLERANCE:
            pitch[line.size] = min(step, pitch.get(line.size, math.inf))
    return pitch


def _paragraphs(nexts: Sequence[int | None]) -> list[list[int]]:
    """Chains of line indices, each line followed by the one that continues it."""
    followers = set(nexts)
    paragraphs = []
    for head in (i for i in range(len(nexts)) if i not in followers):
        paragraphs.append([head])
        while (follower := nexts[paragraphs[-1][-1]]) is not None:
            paragraphs[-1].append(follower)
    return paragraphs


def _next(flow: Sequence[tuple[Line, Box]], i: int, pitch: dict[float, float]) -> int | None:
    """The index of the line that continues line ``i``'s paragraph, if one does."""
    line, block = flow[i]
    for k in range(i + 1, len(flow)):
        below, below_block = flow[k]
        if below.page == line.page and (below.baseline > line.baseline - BASELINE_TOLERANCE
                                        or below.end < line.start or below.start > line.end):
            continue
        if below.page > line.page + 1:
            return None
        indent = (below.start - below_block.left) - (line.start - block.left)  # mirrored margins cancel out
        continues = (below.size == line.size and indent <= EDGE
                     and (below.page != line.page
                          or line.baseline - below.baseline <= pitch.get(line.size, math.inf) + EDGE))
        return k if continues else None
    return None
