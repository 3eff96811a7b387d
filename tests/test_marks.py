"""Printer's marks added to a press PDF that WeasyPrint wrote with its bleed and ``marks: none``: the page
boxes, the crop marks read back from the content stream, the slug line read back by pdfium, the embedded
font, reproducible bytes, no RGB, and the preflight (with its check for annotations on the printed area)."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pikepdf
import pypdfium2 as pdfium
import pytest

from publish.check.pdf import Expectations, preflight
from publish.config import PrintConfig
from publish.errors import RenderError
from publish.fonts import FontFace, load_faces
from publish.output import marks, press
from publish.output.pdf import embedded_fonts
from tests.helpers import MM, REPO

TITLE = "Tuyển tập Lạng Sơn"
EPSILON = 0.001  # points
Box = tuple[float, float, float, float]


def laid_out(bleed_mm: float, pages: int = 3) -> bytes:
    """A small press-like PDF: WeasyPrint, PDF/X-4, CMYK text in Be Vietnam Pro, a band of colour running
    off both sides of the first page (beyond the bleed), the bleed laid out, no marks."""
    font = (REPO / "fonts" / "BeVietnamPro-Regular.ttf").as_uri()
    body = "".join(f"<section><h1>Chương {n}</h1><p>Đội ngũ cán bộ lãnh đạo, quản lý các cấp: Trường Đặng Ấm ỵ Ổ."
                   "</p></section>" for n in range(1, pages + 1))
    html = f"""<html lang="vi"><head><title>{TITLE}</title><meta name="author" content="Nhóm biên tập">
<meta name="dcterms.created" content="2024-03-15T00:00:00Z">
<meta name="dcterms.modified" content="2024-03-15T00:00:00Z">
<style>@font-face {{ font-family: "Be Vietnam Pro"; src: url("{font}"); }}
@page {{ size: 145mm 205mm; bleed: {bleed_mm}mm; marks: none; margin: 20mm; color: device-cmyk(0 0 0 1); }}
html {{ font-family: "Be Vietnam Pro"; color: device-cmyk(0 0 0 1); }}
section + section {{ break-before: page; }}
.band {{ margin-left: -60mm; width: 300mm; height: 10mm; background: device-cmyk(0 1 1 0); }}
</style></head><body><div class="band"></div>{body}</body></html>"""
    import weasyprint

    data: bytes = weasyprint.HTML(string=html).write_pdf(pdf_variant="pdf/x-4")
    return data


def slugs(count: int) -> list[str]:
    return [f"{TITLE} — trang {n}" for n in range(1, count + 1)]


@pytest.fixture(scope="module")
def faces() -> tuple[FontFace, ...]:
    return load_faces(REPO / "fonts", str)


@pytest.fixture(scope="module")
def plain() -> bytes:
    return laid_out(3)


def finished(data: bytes, faces: Sequence[FontFace], bleed_mm: float = 3, lines: Sequence[str] | None = None) -> bytes:
    """The press PDF as the build is to make it: marks added, then press.finish_pdf."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        marks.add_marks(pdf, slugs(len(pdf.pages)) if lines is None else lines, bleed_mm, faces)
        return press.finish_pdf(pdf, press.load_profile(), "urn:test:marks")


@pytest.fixture(scope="module")
def marked(plain: bytes, faces: tuple[FontFace, ...]) -> bytes:
    return finished(plain, faces)


def box(page: pikepdf.Page, name: str) -> Box:
    x0, y0, x1, y1 = (float(v) for v in page.obj[name])
    return x0, y0, x1, y1


def grown(inner: Box, by: float) -> Box:
    return inner[0] - by, inner[1] - by, inner[2] + by, inner[3] + by


def same(a: Box, b: Box) -> bool:
    return all(abs(x - y) < EPSILON for x, y in zip(a, b, strict=True))


def test_the_page_grows_by_a_slug_and_the_bleed_box_is_the_bleed(plain: bytes, marked: bytes) -> None:
    with pikepdf.open(io.BytesIO(plain)) as before, pikepdf.open(io.BytesIO(marked)) as after:
        assert len(before.pages) == len(after.pages) == 3
        for old, new in zip(before.pages, after.pages, strict=True):
            trim = box(new, "/TrimBox")
            assert same(trim, box(old, "/TrimBox"))
            assert same(box(old, "/MediaBox"), grown(trim, 3 * MM))  # what WeasyPrint was given
            assert same(box(new, "/BleedBox"), grown(trim, 3 * MM))
            assert same(box(new, "/MediaBox"), grown(trim, 13 * MM))  # 3 mm offset, 5 mm marks, 5 mm for the line


def test_a_bleed_wider_than_weasyprints_cap_is_kept_whole(faces: tuple[FontFace, ...]) -> None:
    plain = laid_out(5, pages=1)
    with pikepdf.open(io.BytesIO(plain)) as pdf:
        trim = box(pdf.pages[0], "/TrimBox")
        assert same(box(pdf.pages[0], "/BleedBox"), grown(trim, 10))  # WeasyPrint's cap
    with pikepdf.open(io.BytesIO(finished(plain, faces, bleed_mm=5))) as pdf:
        page = pdf.pages[0]
        assert same(box(page, "/BleedBox"), grown(trim, 5 * MM))
        assert same(box(page, "/MediaBox"), grown(trim, 15 * MM))  # the marks start at the bleed
        segments, _ = added_drawing(page, original=1)
        nearest = min(outside(point, trim) for segment in segments for point in segment)
        assert nearest == pytest.approx(5 * MM, abs=EPSILON)


def added_drawing(page: pikepdf.Page, original: int) -> tuple[list[tuple[tuple[float, float], ...]], list[Any]]:
    """The stroked segments of the content streams add_marks put round the page's ``original`` streams
    (checked: in registration colour, 0.25 pt, no RGB, no change of coordinates) and the text operators."""
    contents = list(page.obj.Contents)
    assert len(contents) == original + 3  # clip, the page's own, marks, slug line
    segments: list[tuple[tuple[float, float], ...]] = []
    text: list[Any] = []
    path: list[tuple[float, float]] = []
    stroke, width, fill = None, None, None
    for stream in [contents[0], *contents[original + 1:]]:
        for instruction in pikepdf.parse_content_stream(stream):
            op = str(instruction.operator)
            values = [float(v) for v in instruction.operands
                      if not isinstance(v, pikepdf.Name | pikepdf.String | pikepdf.Array)]
            assert op not in ("rg", "RG", "cs", "CS", "sc", "SC", "scn", "SCN", "g", "G", "cm", "Do")
            if op == "K":
                stroke = values
            elif op == "k":
                fill = values
            elif op == "w":
                width = values[0]
            elif op == "m":
                path = [(values[0], values[1])]
            elif op == "l":
                path.append((values[0], values[1]))
                segments.append(tuple(path[-2:]))
            elif op == "S":
                assert stroke == [1, 1, 1, 1] and width == 0.25
            elif op in ("Tj", "TJ"):
                assert fill == [1, 1, 1, 1]
                text.append(instruction)
    return segments, text


def outside(point: tuple[float, float], trim: Box) -> float:
    """How far a point on a trim line extended lies beyond the trim."""
    x, y = point
    return max(trim[0] - x, x - trim[2], trim[1] - y, y - trim[3])


def test_crop_marks_are_5_mm_long_3_mm_from_the_trim_outside_the_bleed(plain: bytes,
                                                                        faces: tuple[FontFace, ...]) -> None:
    with pikepdf.open(io.BytesIO(plain)) as pdf:
        marks.add_marks(pdf, slugs(3), 3, faces)
        for page in pdf.pages:
            trim, bleed = box(page, "/TrimBox"), box(page, "/BleedBox")
            segments, text = added_drawing(page, original=1)
            assert len(segments) == 8 and len(text) == 1
            ends = set()
            for (ax, ay), (bx, by) in segments:
                assert math.hypot(bx - ax, by - ay) == pytest.approx(5 * MM, abs=EPSILON)
                if ay == by:  # horizontal: on the top or bottom trim line, to the left or right of the trim
                    assert min(abs(ay - trim[1]), abs(ay - trim[3])) < EPSILON
                    assert all(x <= bleed[0] + EPSILON or x >= bleed[2] - EPSILON for x in (ax, bx))
                else:
                    assert ax == bx and min(abs(ax - trim[0]), abs(ax - trim[2])) < EPSILON
                    assert all(y <= bleed[1] + EPSILON or y >= bleed[3] - EPSILON for y in (ay, by))
                near, far = sorted((outside((ax, ay), trim), outside((bx, by), trim)))
                assert near == pytest.approx(3 * MM, abs=EPSILON) and far == pytest.approx(8 * MM, abs=EPSILON)
                ends.add((round(ax), round(ay)))
            assert len(ends) == 8  # two marks at each of the four corners


def test_the_slug_line_is_read_back_outside_the_bleed(marked: bytes) -> None:
    document = pdfium.PdfDocument(marked)
    try:
        with pikepdf.open(io.BytesIO(marked)) as pdf:
            for index, (page, wanted) in enumerate(zip(pdf.pages, slugs(3), strict=True)):
                bleed, media = box(page, "/BleedBox"), box(page, "/MediaBox")
                textpage = document[index].get_textpage()
                slug, body = [], []
                for char in range(textpage.count_chars()):
                    left, bottom, right, top = textpage.get_charbox(char)
                    letter = textpage.get_text_range(char, 1)
                    if bottom < bleed[1]:
                        assert top < bleed[1] - 1 * MM and left >= bleed[0] and right <= bleed[2]
                        assert bottom > media[1]
                        slug.append(letter)
                    else:
                        body.append(letter)
                assert "".join(slug).strip() == wanted
                assert wanted not in "".join(body)
    finally:
        document.close()


def test_content_beyond_the_bleed_stays_out_of_the_slug(marked: bytes) -> None:
    """The colour band runs 40 mm off the page's left edge: it fills the bleed, but not the slug."""
    scale = 2.0
    document = pdfium.PdfDocument(marked)
    try:
        image = document[0].render(scale=scale).to_pil().convert("RGB")
    finally:
        document.close()
    with pikepdf.open(io.BytesIO(marked)) as pdf:
        media, trim = box(pdf.pages[0], "/MediaBox"), box(pdf.pages[0], "/TrimBox")
    y = round((media[3] - (trim[3] - 25 * MM)) * scale)  # the middle of the band, 20 to 30 mm down the page

    def pixel(x_mm: float) -> tuple[int, ...]:
        value = image.getpixel((round((trim[0] + x_mm * MM - media[0]) * scale), y))
        assert isinstance(value, tuple)
        return value

    assert pixel(-1.5) != (255, 255, 255) and pixel(10) == pixel(-1.5)  # in the bleed as on the page
    assert pixel(-5) == pixel(-10) == (255, 255, 255)


def test_the_slug_font_is_embedded_once(marked: bytes, faces: tuple[FontFace, ...]) -> None:
    with pikepdf.open(io.BytesIO(marked)) as pdf:
        fonts = {page.Resources.Font[marks.FONT_RESOURCE].objgen for page in pdf.pages}
        assert len(fonts) == 1
        font = pdf.pages[0].Resources.Font[marks.FONT_RESOURCE]
        assert font.Subtype == "/Type0" and font.Encoding == "/Identity-H" and "/ToUnicode" in font
        descendant = font.DescendantFonts[0]
        assert descendant.Subtype == "/CIDFontType2" and "/FontFile2" in descendant.FontDescriptor
        assert len(descendant.FontDescriptor.FontFile2.read_raw_bytes()) < 4000
    ours = [(base, name) for base, name in embedded_fonts(marked) if name == "BeVietnamPro-Regular"]
    assert any(base.endswith("+BeVietnamPro-Regular") for base, _ in ours)
    assert all(name is not None for _, name in embedded_fonts(marked))


def test_marks_are_reproducible_and_cmyk(plain: bytes, marked: bytes, faces: tuple[FontFace, ...]) -> None:
    assert finished(plain, faces) == marked
    assert press.rgb_uses(marked) == []


def test_the_preflight_passes_the_marked_pdf(marked: bytes, faces: tuple[FontFace, ...], tmp_path: Path) -> None:
    path = tmp_path / "book.print.pdf"
    path.write_bytes(marked)
    found, summary = preflight(path, Expectations(PrintConfig(trim=(145, 205), bleed=3, marks=True), faces))
    assert [d.code for d in found] == ["Q001"], [str(d) for d in found]
    assert "PDF/X-4" in summary


def test_the_preflight_wants_the_bleed_of_publish_yaml(marked: bytes, plain: bytes, faces: tuple[FontFace, ...],
                                                      tmp_path: Path) -> None:
    path = tmp_path / "book.print.pdf"
    path.write_bytes(marked)
    found, _ = preflight(path, Expectations(PrintConfig(trim=(145, 205), bleed=2), faces))
    assert any(d.code == "Q004" and "the bleed is 3.0 mm; publish.yaml asks for 2 mm" in d.message for d in found)
    path.write_bytes(finished(laid_out(5, pages=1), faces, bleed_mm=5))
    found, _ = preflight(path, Expectations(PrintConfig(trim=(145, 205), bleed=5), faces))
    assert "Q004" not in {d.code for d in found}
    path.write_bytes(press.finish(laid_out(5, pages=1), press.load_profile(), "urn:test:marks"))
    found, _ = preflight(path, Expectations(PrintConfig(trim=(145, 205), bleed=5), faces))
    assert "Q004" not in {d.code for d in found}  # WeasyPrint's BleedBox, capped at 10 pt, is accepted


def test_the_preflight_finds_an_annotation_on_the_printed_area(marked: bytes, faces: tuple[FontFace, ...],
                                                              tmp_path: Path) -> None:
    with pikepdf.open(io.BytesIO(marked)) as pdf:
        def annotation(subtype: str, rect: Box) -> pikepdf.Dictionary:
            return pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name(subtype),
                                                        Rect=pikepdf.Array(rect)))
        trim, bleed = box(pdf.pages[1], "/TrimBox"), box(pdf.pages[1], "/BleedBox")
        pdf.pages[1].obj.Annots = pikepdf.Array([
            annotation("/Link", (trim[0] + 50, trim[1] + 50, trim[0] + 150, trim[1] + 70)),
            annotation("/PrinterMark", (trim[0] + 10, trim[1] + 10, trim[0] + 30, trim[1] + 30)),
        ])
        pdf.pages[2].obj.Annots = pikepdf.Array([  # in the slug: not on the printed area
            annotation("/Link", (trim[0], bleed[1] - 20, trim[0] + 100, bleed[1] - 5)),
        ])
        path = tmp_path / "book.print.pdf"
        pdf.save(path)
    found, _ = preflight(path, Expectations(PrintConfig(trim=(145, 205), bleed=3, marks=True), faces))
    [annotations] = [d for d in found if d.code == "Q017"]
    assert annotations.message == "1 Link annotation(s) inside the BleedBox"
    assert str(annotations.location) == "book.print.pdf, page 2"
    screen = tmp_path / "book.screen.pdf"
    screen.write_bytes(path.read_bytes())
    assert "Q017" not in {d.code for d in preflight(screen, Expectations())[0]}  # links belong there


def test_add_marks_refuses_what_it_cannot_mark(plain: bytes, faces: tuple[FontFace, ...]) -> None:
    with pikepdf.open(io.BytesIO(plain)) as pdf:
        with pytest.raises(ValueError, match="2 slug"):
            marks.add_marks(pdf, slugs(2), 3, faces)
        with pytest.raises(ValueError, match="is not the TrimBox plus a 5 mm bleed"):
            marks.add_marks(pdf, slugs(3), 5, faces)
        with pytest.raises(RenderError) as error:
            marks.add_marks(pdf, ["trang 1 ❦", "", ""], 3, faces)  # U+2766 is in none of the faces
        assert error.value.diagnostics[0].code == "F002" and "U+2766" in error.value.diagnostics[0].message
        marks.add_marks(pdf, slugs(3), 3, faces)
        with pytest.raises(ValueError, match="marks added already"):
            marks.add_marks(pdf, slugs(3), 3, faces)
