"""tests/pages.py measures what it claims: small PDFs drawn with WeasyPrint whose answers are known, the ink
checked against HarfBuzz and pdfium, then today's sample and three-article book."""

from __future__ import annotations

import ctypes
from collections import Counter
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
import uharfbuzz as hb
import weasyprint
from weasyprint.formatting_structure import boxes

import publish
from tests import pages
from tests.helpers import REPO, SEED, pdf_pages_text

BOLD = REPO / "fonts" / "BeVietnamPro-Bold.ttf"
SERIF = REPO / "fonts" / "NotoSerif-Regular.ttf"
PHOTO = REPO / "manuscript" / "images" / "trao-giai-placeholder.jpg"
SMALL_PAGE = pages.TextBlock(top=10, right=10, bottom=10, left=10)  # 10mm all round, as render() sets it


def render(folder: Path, body: str, css: str = "", size: str = "100mm 60mm") -> Path:
    """A one-off PDF in Be Vietnam Pro Bold, 20pt, with 10mm margins; the font must really be used."""
    html = f"""<style>
        @font-face {{ font-family: "Be Vietnam Pro"; font-weight: 700; src: url({BOLD.as_uri()}); }}
        @page {{ size: {size}; margin: 10mm; }}
        body {{ margin: 0; font: 700 20pt/1.6 "Be Vietnam Pro"; font-kerning: none; }}
        {css}
        </style>{body}"""
    path = folder / f"{len(list(folder.glob('*.pdf')))}.pdf"
    weasyprint.HTML(string=html).write_pdf(path)
    assert {g.font for page in pages.pages(path) for g in page.glyphs} <= {"Be-Vietnam-Pro-Bold"}
    return path


def reach(char: str) -> tuple[float, float]:
    """How far a character's glyph in Be Vietnam Pro Bold reaches below and above the baseline, in em
    (HarfBuzz's glyph extents)."""
    face = hb.Face(hb.Blob.from_file_path(BOLD))
    font = hb.Font(face)
    extents = font.get_glyph_extents(font.get_nominal_glyph(ord(char)))
    return (extents.y_bearing + extents.height) / face.upem, extents.y_bearing / face.upem


def stacked(folder: Path, line_height: float, lower: str) -> Path:
    """Descenders and dots below ('gỵp') on one line, ``lower`` on the next."""
    return render(folder, f"gỵp gỵp<br>{lower}", f"body {{ line-height: {line_height}; }}")


# Ink.

def test_ink_is_the_outline_with_its_marks(tmp_path: Path) -> None:
    face = hb.Face(hb.Blob.from_file_path(BOLD))
    font = hb.Font(face)
    (line,) = pages.lines(render(tmp_path, "OỔỖẪỘyỵgpẲ"), 0)
    assert line.text == "OỔỖẪỘyỵgpẲ"
    for glyph in line.glyphs:
        extents = font.get_glyph_extents(font.get_nominal_glyph(ord(glyph.text)))
        scale = glyph.size / face.upem
        assert glyph.ink is not None
        assert glyph.ink.left == pytest.approx(glyph.origin + extents.x_bearing * scale, abs=0.005)
        assert glyph.ink.top == pytest.approx(line.baseline + extents.y_bearing * scale, abs=0.005)
        assert glyph.ink.bottom == pytest.approx(line.baseline + (extents.y_bearing + extents.height) * scale,
                                                 abs=0.005)
    top = {g.text: (g.ink.top - line.baseline) / g.size for g in line.glyphs if g.ink}
    bottom = {g.text: (g.ink.bottom - line.baseline) / g.size for g in line.glyphs if g.ink}
    assert top["Ổ"] - top["O"] > 0.4 and top["Ẳ"] > 1.2
    assert bottom["ỵ"] < bottom["y"] - 0.04 and bottom["Ộ"] < -0.2


def test_a_mark_drawn_on_its_own_has_its_own_ink(tmp_path: Path) -> None:
    (line,) = pages.lines(render(tmp_path, "n\u0302"), 0)
    letter, mark = line.glyphs
    assert (letter.text, mark.text) == ("n", "\u0302")
    assert letter.ink and mark.ink and mark.ink.bottom > letter.ink.top
    assert letter.ink.left < mark.ink.left < mark.ink.right < letter.ink.right


def test_ink_agrees_with_pdfium(sample: publish.BuildResult) -> None:
    """pdfium's "tight" boxes are FreeType's control boxes of hinted outlines in whole font units: the same
    glyphs at the same origins, their ink within 0.1 pt across and 0.02 em up and down; the same text."""
    path = sample.outputs[1]
    document = pdfium.PdfDocument(str(path))
    compared = 0
    for page in pages.pages(path):
        rows: dict[int, list[pages.Glyph]] = {}
        for glyph in page.glyphs:
            rows.setdefault(round(glyph.baseline), []).append(glyph)
        textpage = document[page.number - 1].get_textpage()
        for i in range(textpage.count_chars()):
            char = textpage.get_text_range(i, 1)
            if pdfium_c.FPDFText_IsGenerated(textpage, i) or char.isspace():
                continue
            x, y = ctypes.c_double(), ctypes.c_double()
            pdfium_c.FPDFText_GetCharOrigin(textpage, i, x, y)
            near = [g for row in (-1, 0, 1) for g in rows.get(round(y.value) + row, [])]
            glyph = min(near, key=lambda g: abs(g.origin - x.value) + abs(g.baseline - y.value))
            assert abs(glyph.origin - x.value) + abs(glyph.baseline - y.value) < 0.01
            assert glyph.ink and char in glyph.text
            left, bottom, right, top = textpage.get_charbox(i)
            assert abs(left - glyph.ink.left) < 0.1 and abs(right - glyph.ink.right) < 0.1
            assert abs(bottom - glyph.ink.bottom) < 0.02 * glyph.size and abs(top - glyph.ink.top) < 0.02 * glyph.size
            compared += 1
    assert compared > 1000
    read = [Counter(c for line in page.lines for c in line.text if not c.isspace()) for page in pages.pages(path)]
    assert read == [Counter(c for c in text if not c.isspace()) for text in pdf_pages_text(path)]


# Collisions.

def test_tight_leading_collides(tmp_path: Path) -> None:
    found = pages.collisions(stacked(tmp_path, 0.9, "ỔỖẪ"))
    assert found
    assert {c.upper for c in found} <= set("gỵp") and {c.lower for c in found} <= set("ỔỖẪ")
    assert all(c.page == 1 and c.upper_line == "gỵp gỵp" and c.lower_line == "ỔỖẪ" for c in found)
    g_over_o = max(c.overlap for c in found if (c.upper, c.lower) == ("g", "Ổ"))
    assert g_over_o == pytest.approx((reach("Ổ")[1] - reach("g")[0] - 0.9) * 20, abs=0.01)


def test_stacked_marks_collide_where_bare_capitals_do_not(tmp_path: Path) -> None:
    """At 1.2 the capitals clear the descenders by 0.2 em; Ổ's circumflex and hook reach 0.2 em into them."""
    assert reach("O")[1] - reach("ỵ")[0] < 1.2 < reach("Ổ")[1] - reach("g")[0]
    assert pages.collisions(stacked(tmp_path, 1.2, "OOO")) == []
    found = pages.collisions(stacked(tmp_path, 1.2, "ỔỖẪ"))
    g_over_o = max(c.overlap for c in found if (c.upper, c.lower) == ("g", "Ổ"))
    assert g_over_o == pytest.approx((reach("Ổ")[1] - reach("g")[0] - 1.2) * 20, abs=0.01)


def test_a_separate_mark_collides_on_its_own(tmp_path: Path) -> None:
    found = pages.collisions(stacked(tmp_path, 0.9, "n\u0302n\u0302"))
    assert found and {c.lower for c in found} == {"\u0302"}


def test_open_leading_does_not_collide(tmp_path: Path) -> None:
    assert max(reach(c)[1] for c in "ỔỖẪẲẴ") - min(reach(c)[0] for c in "gỵp") < 1.6
    assert pages.collisions(stacked(tmp_path, 1.6, "ỔỖẪ ẲẴ")) == []


# Fill, blank pages and lines.

def test_half_filled_page(tmp_path: Path) -> None:
    path = render(tmp_path, f'<img src="{PHOTO.as_uri()}" style="display: block; height: 40mm; width: 30mm">',
                  size="100mm 100mm")
    assert pages.page_fill(path, SMALL_PAGE) == [pytest.approx(0.5, abs=0.001)]
    assert pages.text_lines_per_page(path, SMALL_PAGE) == [0]
    assert pages.blank_pages(path, SMALL_PAGE) == []


def test_blank_page_keeps_its_running_head(tmp_path: Path) -> None:
    css = """@page { font: 700 8pt "Be Vietnam Pro"; @top-center { content: "Đầu trang" }
                     @bottom-center { content: counter(page) } }
             p { margin: 0 }"""
    path = render(tmp_path, '<p>Một</p><p style="break-before: right">Ba</p>', css)
    assert pages.blank_pages(path, SMALL_PAGE) == [2]
    assert pages.text_lines_per_page(path, SMALL_PAGE) == [1, 0, 1]
    assert [line.text for line in pages.lines(path, 1)] == ["Đầu trang", "2"]
    fill = pages.page_fill(path, SMALL_PAGE)
    assert fill[1] == 0.0 and 0.2 < fill[0] < 0.3  # one 20pt line in a 40mm deep type area


def test_text_block_mirrors_on_left_hand_pages(sample: publish.BuildResult) -> None:
    right, left = pages.pages(sample.outputs[1])[2:4]
    block = pages.TextBlock()
    assert block.rect(right).left == pytest.approx(20 * pages.MM)
    assert block.rect(left).left == pytest.approx(16 * pages.MM)
    assert block.rect(right).top == pytest.approx(right.trim.top - 18 * pages.MM)


# Word spacing.

def test_word_spacing_of_a_justified_paragraph(tmp_path: Path) -> None:
    """Eight words of eight i's justified over 80mm: each space is what the words leave over, in sevenths."""
    words = " ".join(["iiiiiiii"] * 8)
    path = render(tmp_path, f"<p>{words}<br>{words}</p>",
                  "body { font-size: 10pt } p { text-align: justify; text-align-last: justify; margin: 0 }",
                  size="100mm 100mm")
    font = hb.Font(hb.Face(hb.Blob.from_file_path(BOLD)))
    advance = font.get_glyph_h_advance(font.get_nominal_glyph(ord("i"))) / 1000
    expected = (80 * pages.MM / 10 - 64 * advance) / 7
    (line,) = pages.word_spacing(path, SMALL_PAGE)  # the second line ends its paragraph
    assert line.text == words and line.gaps == pytest.approx([expected] * 7, abs=0.002)


def test_word_spacing_in_a_narrow_column(tmp_path: Path) -> None:
    """A quote set narrower than the type area is still found, by the right edge its lines share."""
    text = ("Thành phố Lạng Sơn luân chuyển, đào tạo và bồi dưỡng đội ngũ cán bộ lãnh đạo, quản lý các cấp "
            "trong nhiệm kỳ 2015 – 2020, đội ngũ cán bộ đã phát huy vai trò trong thực hiện các nhiệm vụ.")
    css = "body { font-size: 10pt } p { text-align: justify; margin: 0 12mm 0 6mm }"
    path = render(tmp_path, f"<p>{text}</p>", css, size="100mm 100mm")
    body = pages.lines(path, 0)
    assert len(body) >= 4
    spaced = pages.word_spacing(path, SMALL_PAGE)
    assert [s.text for s in spaced] == [line.text for line in body[:-1]]
    assert all(0.2 < gap < 1.0 for s in spaced for gap in s.gaps)
    ragged = render(tmp_path, f"<p>{text}</p>", css.replace("justify", "left"), size="100mm 100mm")
    assert pages.word_spacing(ragged, SMALL_PAGE) == []


def test_word_spacing_matches_the_layout(tmp_path: Path) -> None:
    """Measured from the PDF, each justified line's space is what WeasyPrint laid out: the space glyph of
    Noto Serif (0.26 em) plus the line's justification, to within 0.005 em."""
    text = " ".join(SEED.read_text(encoding="utf-8").split("\n\n")[3:6])
    html = f"""<style>@font-face {{ font-family: "Noto Serif"; src: url({SERIF.as_uri()}); }}
        @page {{ size: 80mm 250mm; margin: 10mm; }}
        body {{ margin: 0; font: 10.5pt/1.5 "Noto Serif"; text-align: justify; }}</style><p>{text}</p>"""
    document = weasyprint.HTML(string=html).render()
    (page,) = document.pages
    stretch = [max(box.justification_spacing for box in line.descendants() if isinstance(box, boxes.TextBox))
               for line in page._page_box.descendants() if isinstance(line, boxes.LineBox)]
    path = tmp_path / "justified.pdf"
    document.write_pdf(path)
    face = hb.Face(hb.Blob.from_file_path(SERIF))
    font = hb.Font(face)
    space = font.get_glyph_h_advance(font.get_nominal_glyph(ord(" "))) / face.upem
    spaced = pages.word_spacing(path, SMALL_PAGE)
    assert space == 0.26 and len(spaced) == len(stretch) - 1 > 15  # the last line is not justified
    laid_out = [space + extra / (10.5 * 4 / 3) for extra in stretch[:-1]]  # WeasyPrint lays out in px
    assert [line.widest for line in spaced] == pytest.approx(laid_out, abs=0.005)
    assert all(max(line.gaps) - min(line.gaps) < 0.001 for line in spaced)
    assert pages.loosest(spaced).widest > 0.45  # a narrow measure: some spaces are loose


def test_loosest() -> None:
    spaced = [pages.SpacedLine(1, 500, "a b c", 10, (0.3, 0.5)), pages.SpacedLine(2, 500, "d e", 10, (0.4,))]
    summary = pages.loosest(spaced)
    assert (summary.lines, summary.widest, summary.over, summary.share) == (2, 0.5, 1, 0.5)
    assert summary.loosest is spaced[0]
    assert pages.loosest([]).loosest is None


# The sample and the three-article book, as the build makes them today.

def test_sample_measures_agree(sample: publish.BuildResult) -> None:
    path = sample.outputs[1]
    per_page, fill, blank = pages.text_lines_per_page(path), pages.page_fill(path), pages.blank_pages(path)
    assert len(per_page) == len(fill) == len(pages.pages(path)) >= 5
    assert all(per_page[number - 1] == 0 and fill[number - 1] == 0.0 for number in blank)
    assert all(used > 0 for count, used in zip(per_page, fill, strict=True) if count)
    assert pages.collisions(path) == []  # stacked marks clear the descenders and dots of the line above
    spacing = pages.loosest(pages.word_spacing(path))
    assert spacing.lines > 50 and spacing.widest > 0.26


def test_sample_margins_hold_heads_and_folios(sample: publish.BuildResult) -> None:
    path = sample.outputs[1]
    page = pages.pages(path)[3]
    block = pages.TextBlock().rect(page)
    above = [line.text for line in page.lines if line.ink.bottom >= block.top]
    below = [line.text for line in page.lines if line.ink.top <= block.bottom]
    assert len(above) == 1 and below == ["4"]  # the running head and the folio of page 4


def test_screen_pdf_measures_like_the_press_pdf(sample: publish.BuildResult) -> None:
    """The screen PDF has no bleed: its trim box is its page, and every measure comes out the same."""
    press, screen = sample.outputs[1], sample.outputs[2]
    assert pages.page_fill(screen) == pytest.approx(pages.page_fill(press), abs=1e-6)
    assert pages.text_lines_per_page(screen) == pages.text_lines_per_page(press)
    assert pages.loosest(pages.word_spacing(screen)).widest == pytest.approx(
        pages.loosest(pages.word_spacing(press)).widest, abs=1e-6)


def test_book(book: publish.BuildResult) -> None:
    path = book.outputs[1]
    assert pages.collisions(path) == []
    blank = pages.blank_pages(path)
    assert blank and all(number % 2 == 0 for number in blank)  # left-hand pages: articles open on the right
    note = [line for page in pages.pages(path) for line in page.lines if ").1" in line.text]  # after an address
    assert len(note) == 1 and min(g.size for g in note[0].inked) < 0.85 * note[0].size  # its raised note mark
    row = [line for page in pages.pages(path) for line in page.lines if line.text in ("2019", "2", "120")]
    assert len(row) == 3 and len({round(line.baseline, 2) for line in row}) == 1  # three cells, one baseline
