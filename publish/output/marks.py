"""Printer's marks on the press PDF: a slug round every page, crop marks in it, and the page's name.

WeasyPrint draws its crop marks inside the bleed, about 1.5 mm long, on a page no larger than the bleed
box. A printer wants them outside the bleed, on a page grown by a slug. :func:`add_marks` does that
after layout, on the PDF WeasyPrint wrote with the CSS ``bleed`` and ``marks: none`` (MediaBox = the
bleed box, TrimBox inside it). On every page it

- grows the MediaBox by the slug: :data:`MARK_OFFSET_MM` (or the bleed, if larger) + :data:`MARK_LENGTH_MM`
  + :data:`TEXT_BAND_MM` beyond the trim on each side, 13 mm with a 3 mm bleed;
- sets the BleedBox to the trim plus the bleed, exactly (WeasyPrint caps it at 10 pt), keeps the TrimBox;
- clips the page's own content to the bleed box, where WeasyPrint's MediaBox clipped it, so that nothing
  laid out beyond the bleed appears in the slug;
- strokes the eight crop marks (0.25 pt, butt ends) in registration colour, CMYK 1 1 1 1 (``K``);
- sets the page's line (``slugs[i]``: "Tuyển tập Lạng Sơn — trang 12") in registration colour below the
  marks at the foot, in a subset of one of the book's faces embedded once for the whole document.

Nothing is drawn inside the BleedBox, and no RGB: :func:`publish.output.press.rgb_uses` finds nothing.

How to call it: open the press PDF WeasyPrint wrote (or the merged halves) with pikepdf, call
``add_marks(pdf, slugs, settings.bleed, faces)`` with one slug per page, then pass the same ``Pdf`` to
:func:`publish.output.press.finish_pdf`. Before ``finish_pdf``, not after: ``finish_pdf`` is the one
save of the press PDF (deterministic ID, object streams for the merged halves) and returns bytes, so
marks added afterwards would cost a second parse and save; and its colour scan then covers the marks.
The marks are CMYK already, so ``finish_pdf`` has nothing of ours to recolour. The slug should name the
book and the printed folio (not the PDF page index), and nothing that changes from run to run: the same
input gives the same bytes.
"""

from __future__ import annotations

import hashlib
import struct
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import pikepdf
import uharfbuzz as hb  # type: ignore[import-untyped]

from publish import rules
from publish.errors import RenderError
from publish.fonts import FontFace, needs_glyph

PT_PER_MM = 72 / 25.4
MARK_OFFSET_MM = 3.0  # from the trim to the start of a mark; never less than the bleed
MARK_LENGTH_MM = 5.0
MARK_WEIGHT_PT = 0.25
TEXT_GAP_MM = 1.0  # between the ends of the marks and the top of the slug line
TEXT_BAND_MM = 5.0  # beyond the marks: the gap, the slug line, and a margin to the page edge
TEXT_SIZE_PT = 6.0
INK_TOP_EM = 1.2  # Vietnamese stacked marks reach 1.17 em above the baseline (Be Vietnam Pro Bold's Ổ)
REGISTRATION = "1 1 1 1"  # all four inks: the marks print on every plate
TOLERANCE_PT = 0.01
FONT_RESOURCE = "/PublishSlug"

Box = tuple[float, float, float, float]


def add_marks(pdf: pikepdf.Pdf, slugs: Sequence[str], bleed_mm: float, faces: Sequence[FontFace]) -> None:
    """Grow every page of ``pdf`` by a slug with crop marks and the page's line ``slugs[i]`` (see the module).

    ``bleed_mm`` is publish.yaml's bleed, the one WeasyPrint laid out; ``faces`` are the book's faces,
    of which the upright face nearest to weight 400 that has every character of the slugs sets them.
    ValueError when the pages are not as WeasyPrint writes them with the bleed (no TrimBox, a MediaBox
    other than the trim plus the bleed: marks added twice, say) or the slugs do not match the pages;
    RenderError (F002) when no face has every character of the slugs.
    """
    if len(slugs) != len(pdf.pages):
        raise ValueError(f"{len(slugs)} slug(s) for {len(pdf.pages)} page(s)")
    bleed = bleed_mm * PT_PER_MM
    trims = [_trim(page, bleed, number) for number, page in enumerate(pdf.pages, start=1)]  # all, before any change
    lines = [unicodedata.normalize("NFC", slug) for slug in slugs]
    font = _embed_font(pdf, faces, "".join(lines)) if any(lines) else None
    offset = max(MARK_OFFSET_MM * PT_PER_MM, bleed)
    slug = offset + (MARK_LENGTH_MM + TEXT_BAND_MM) * PT_PER_MM
    shared: dict[Box, _Shared] = {}  # books have one or two trims (a cover aside): most is made once
    fonts_added: set[tuple[int, int]] = set()  # indirect resource dictionaries (WeasyPrint shares one)
    for page, trim, line in zip(pdf.pages, trims, lines, strict=True):
        x0, y0, x1, y1 = trim
        made = shared.get(trim)
        if made is None:
            clip = pdf.make_stream(f"q {_n(x0 - bleed)} {_n(y0 - bleed)} {_n(x1 - x0 + 2 * bleed)} "
                                   f"{_n(y1 - y0 + 2 * bleed)} re W n\n".encode())
            made = shared[trim] = _Shared(clip, pdf.make_stream(_marks(trim, offset)),
                                          _array((x0 - slug, y0 - slug, x1 + slug, y1 + slug)),
                                          _array((x0 - bleed, y0 - bleed, x1 + bleed, y1 + bleed)))
        contents = page.obj.get("/Contents")
        own = list(contents) if isinstance(contents, pikepdf.Array) else [] if contents is None else [contents]
        added = [made.marks]
        if line and font is not None:
            added.append(pdf.make_stream(_slug_line(font, line, trim, offset)))
            resources = _resources(page)
            if not resources.is_indirect or resources.objgen not in fonts_added:
                _add_font(resources, font.font)
                fonts_added.add(resources.objgen)
        page.obj.Contents = pikepdf.Array([made.clip, *own, *added])
        page.obj.MediaBox = made.media
        page.obj.BleedBox = made.bleed
        if "/CropBox" in page.obj:
            page.obj.CropBox = made.media


@dataclass(frozen=True)
class _Shared:
    """What pages of the same trim share: the clip of their content to the bleed, the marks, the boxes."""

    clip: pikepdf.Stream
    marks: pikepdf.Stream
    media: pikepdf.Array
    bleed: pikepdf.Array


def _trim(page: pikepdf.Page, bleed: float, number: int) -> Box:
    """The page's TrimBox, once sure that its MediaBox is the trim plus the bleed."""
    if "/TrimBox" not in page.obj:
        raise ValueError(f"page {number} has no TrimBox: lay it out with the CSS bleed")
    trim = _normal(page.obj.TrimBox)
    media = _normal(page.mediabox)
    want = (trim[0] - bleed, trim[1] - bleed, trim[2] + bleed, trim[3] + bleed)
    if any(abs(have - wanted) > TOLERANCE_PT for have, wanted in zip(media, want, strict=True)):
        raise ValueError(f"page {number}: MediaBox {_fmt(media)} is not the TrimBox plus a {bleed / PT_PER_MM:g} mm "
                         f"bleed {_fmt(want)} (marks added already, or laid out with another bleed)")
    return trim


def _normal(box: pikepdf.Object) -> Box:
    x0, y0, x1, y1 = (float(v) for v in box)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _array(box: Box) -> pikepdf.Array:
    return pikepdf.Array([Decimal(_n(v)) for v in box])


def _n(value: float) -> str:
    """A number for a PDF: four decimals at most, no trailing zeros, no "-0"."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _fmt(box: Sequence[float]) -> str:
    return "[" + " ".join(f"{v:.2f}" for v in box) + "]"


def _marks(trim: Box, offset: float) -> bytes:
    """Close the clip of the page's content, then stroke two marks at each corner, on the trim lines."""
    length = MARK_LENGTH_MM * PT_PER_MM
    x0, y0, x1, y1 = trim
    segments = []
    for x, y, out_x, out_y in ((x0, y0, -1, -1), (x1, y0, 1, -1), (x0, y1, -1, 1), (x1, y1, 1, 1)):
        segments.append((x + out_x * offset, y, x + out_x * (offset + length), y))  # along the horizontal trim line
        segments.append((x, y + out_y * offset, x, y + out_y * (offset + length)))  # along the vertical one
    path = " ".join(f"{_n(a)} {_n(b)} m {_n(c)} {_n(d)} l" for a, b, c, d in segments)
    return f"Q\nq {_n(MARK_WEIGHT_PT)} w 0 J 0 j [] 0 d {REGISTRATION} K\n{path} S\nQ\n".encode()


# The slug's font ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _SlugFont:
    font: pikepdf.Object  # the Type0 font dictionary, one for the whole document
    cids: dict[str, int]  # character → CID (the glyph id in the embedded subset)
    widths: dict[int, float]  # CID → advance in thousandths of an em


def _embed_font(pdf: pikepdf.Pdf, faces: Sequence[FontFace], text: str) -> _SlugFont:
    """A Type0 font (Identity-H) of the slug's characters, subset from the first upright regular face
    that has them all: embedded, with widths and a ToUnicode map so that the slug can be searched."""
    chars = sorted(ch for ch in set(text) if needs_glyph(ch) or unicodedata.category(ch) == "Zs")
    covering = [face for face in faces if all(ord(ch) in face.codepoints for ch in chars)]
    if not covering:
        missing = sorted({ch for ch in chars if not any(ord(ch) in face.codepoints for face in faces)}) or chars
        listed = ", ".join(f"'{ch}' (U+{ord(ch):04X})" for ch in missing[:10])
        raise RenderError([rules.FONT_NOT_COVERED(f"no face has every character of the press PDF's slug: {listed}")])
    face = min(covering, key=lambda f: (f.italic, abs(f.weight - 400)))
    program = _subset(face, chars)
    subset = hb.Face(hb.Blob(program))
    metrics = hb.Font(subset)
    scale = 1000 / subset.upem
    cids = {ch: metrics.get_nominal_glyph(ord(ch)) for ch in chars}
    if any(cid is None or cid == 0 for cid in cids.values()):
        raise RenderError([rules.FONT_NOT_COVERED(f"the subset of {face.file_name} for the slug lost characters")])
    count = subset.glyph_count
    widths = {gid: metrics.get_glyph_h_advance(gid) * scale for gid in range(count)}
    extents = metrics.get_font_extents("ltr")
    x_min, y_min, x_max, y_max = struct.unpack(">4h", bytes(subset.reference_table("head").data)[36:44])
    tag = "".join(chr(65 + byte % 26) for byte in hashlib.sha256(
        face.postscript_name.encode() + "".join(chars).encode()).digest()[:6])
    name = pikepdf.Name(f"/{tag}+{face.postscript_name}")
    cff = "CFF " in subset.table_tags
    program_stream = pdf.make_stream(program)
    if cff:
        program_stream.Subtype = pikepdf.Name.OpenType
    else:
        program_stream.Length1 = len(program)
    descriptor = pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor, FontName=name, Flags=4 | (64 if face.italic else 0),
        FontBBox=pikepdf.Array([round(v * scale) for v in (x_min, y_min, x_max, y_max)]),
        ItalicAngle=round(metrics.get_style_value(hb.StyleTag.SLANT_ANGLE), 2),
        Ascent=round(extents.ascender * scale), Descent=round(extents.descender * scale),
        CapHeight=round(metrics.get_metric_position_with_fallback(hb.OTMetricsTag.CAP_HEIGHT) * scale),
        StemV=80,
    )
    descriptor["/FontFile3" if cff else "/FontFile2"] = program_stream
    descendant = pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.CIDFontType0 if cff else pikepdf.Name.CIDFontType2,
        BaseFont=name, FontDescriptor=pdf.make_indirect(descriptor),
        CIDSystemInfo=pikepdf.Dictionary(Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("Identity"),
                                         Supplement=0),
        W=pikepdf.Array([0, pikepdf.Array([round(widths[gid]) for gid in range(count)])]),
    )
    if not cff:
        descendant.CIDToGIDMap = pikepdf.Name.Identity
    font = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type0, BaseFont=name, Encoding=pikepdf.Name("/Identity-H"),
        DescendantFonts=pikepdf.Array([pdf.make_indirect(descendant)]),
        ToUnicode=pdf.make_stream(_to_unicode(cids)),
    ))
    return _SlugFont(font, {ch: int(cid) for ch, cid in cids.items()}, widths)


def _subset(face: FontFace, chars: Sequence[str]) -> bytes:
    """The glyphs of ``chars`` from ``face`` with HarfBuzz (a millisecond), without what a PDF does not
    use: layout tables (the slug is set glyph by glyph), hinting, variations (pinned to the default)."""
    request = hb.SubsetInput()
    for ch in chars:
        request.unicode_set.add(ord(ch))
    drop = request.sets(hb.SubsetInputSets.DROP_TABLE_TAG)
    for table in ("GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH", "kern", "DSIG", "STAT", "meta", "morx", "kerx"):
        drop.add(int.from_bytes(table.encode(), "big"))
    source = hb.Face(hb.Blob.from_file_path(str(face.path)))
    request.pin_all_axes_to_default(source)
    request.flags = hb.SubsetFlags.NO_HINTING | hb.SubsetFlags.NOTDEF_OUTLINE
    subset = hb.subset(source, request)
    if subset is None:
        raise RenderError([rules.FONT_NOT_COVERED(f"HarfBuzz could not subset {face.file_name} for the slug")])
    return bytes(subset.blob.data)


def _to_unicode(cids: dict[str, int]) -> bytes:
    """The ToUnicode CMap: each CID to its character (the lowest code point when glyphs are shared)."""
    pairs = sorted({cid: ch for ch, cid in sorted(cids.items(), reverse=True)}.items())
    lines = [b"/CIDInit /ProcSet findresource begin", b"12 dict begin", b"begincmap",
             b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
             b"/CMapName /Adobe-Identity-UCS def", b"/CMapType 2 def",
             b"1 begincodespacerange", b"<0000> <FFFF>", b"endcodespacerange"]
    for start in range(0, len(pairs), 100):
        block = pairs[start:start + 100]
        lines.append(f"{len(block)} beginbfchar".encode())
        lines += [f"<{cid:04X}> <{ch.encode('utf-16-be').hex().upper()}>".encode() for cid, ch in block]
        lines.append(b"endbfchar")
    lines += [b"endcmap", b"CMapName currentdict /CMap defineresource pop", b"end", b"end"]
    return b"\n".join(lines) + b"\n"


def _resources(page: pikepdf.Page) -> pikepdf.Dictionary:
    if "/Resources" not in page.obj:
        page.obj.Resources = page.resources  # inherited from the page tree: the page gets its own copy
    resources = page.obj.Resources
    if not isinstance(resources, pikepdf.Dictionary):
        raise ValueError("a page's /Resources is not a dictionary")
    return resources


def _add_font(resources: pikepdf.Dictionary, font: pikepdf.Object) -> None:
    fonts = resources.get("/Font")
    if fonts is None:
        resources.Font = fonts = pikepdf.Dictionary()
    existing = fonts.get(FONT_RESOURCE)
    if existing is not None and existing.objgen != font.objgen:
        raise ValueError(f"the page resources already name a font {FONT_RESOURCE}")
    fonts[FONT_RESOURCE] = font


def _slug_line(font: _SlugFont, line: str, trim: Box, offset: float) -> bytes:
    """The page's line at the foot, below the marks, from the left trim line; smaller if wider than the trim."""
    glyphs = [font.cids[ch] for ch in line if ch in font.cids]
    width = sum(font.widths[cid] for cid in glyphs) / 1000
    x0, y0, x1, _ = trim
    size = TEXT_SIZE_PT if width * TEXT_SIZE_PT <= x1 - x0 else (x1 - x0) / width
    baseline = y0 - offset - (MARK_LENGTH_MM + TEXT_GAP_MM) * PT_PER_MM - INK_TOP_EM * size
    shown = b"".join(cid.to_bytes(2, "big") for cid in glyphs).hex().upper()
    return (f"q BT {FONT_RESOURCE} {_n(size)} Tf {REGISTRATION} k {_n(x0)} {_n(baseline)} Td <{shown}> Tj ET Q\n"
            .encode())
