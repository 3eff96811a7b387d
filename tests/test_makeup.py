"""Page make-up a typesetter would sign off, measured on the finished PDFs.

Books made to provoke every fault (tests/makeup_books.py: all-caps titles and headings stacking Ẳ Ổ Ỗ Ẫ
Ữ Ỵ over g, p, y, ỵ at every level; figures anchored at every distance from a page end; articles that
end a few lines into a page; notes, long URLs, number ranges), the sample and the three-article book are
built; their press and screen PDFs are read back with tests/pages.py (glyph ink from the embedded fonts,
positions from the PDF) and must show: no ink collision between lines, no page of an article but its
last under 70 % full, no last page under 5 lines, no blank page in the screen PDF, at most 2 % of
justified lines with a word space over 0.45 em.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import lxml.html
import pikepdf
import pytest

import publish
from publish.errors import RenderError
from publish.makeup import ink, leading, lines, mending
from tests import makeup_books, pages
from tests.conftest import BOOK, ENV, write_project
from tests.helpers import REPO, epub_documents, squash

FILLED = 0.70
LAST_LINES = 5
LOOSE_SHARE = 0.02
LINE = 10.5 * 1.5 * 25.4 / 72  # mm: a line of body text in the shipped design


@pytest.fixture(scope="session")
def stress(tmp_path_factory: pytest.TempPathFactory) -> publish.BuildResult:
    return publish.build(makeup_books.write(tmp_path_factory.mktemp("stress")), environ=ENV)


@pytest.fixture(scope="session")
def footnoted(tmp_path_factory: pytest.TempPathFactory) -> publish.BuildResult:
    """The same book with notes and link addresses at the foot of the page, articles on the next page."""
    root = makeup_books.write(tmp_path_factory.mktemp("footnoted"), figures=range(8, 16, 2), endings=range(0, 4))
    config = root / "publish.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "  notes: footnotes\n  links: footnotes\n"
                      "  article_start: any\n", encoding="utf-8")
    return publish.build(root, environ=ENV)


def articles(path: Path) -> list[list[int]]:
    """The pages (numbers from 1) of each article, from the outline, blank pages left out."""
    with pikepdf.open(path) as pdf:
        index = {page.obj.objgen: number for number, page in enumerate(pdf.pages, start=1)}
        with pdf.open_outline() as outline:
            starts = sorted(index[item.destination[0].objgen] for item in outline.root)
        count = len(pdf.pages)
    blank = set(pages.blank_pages(path))
    ends = [*starts[1:], count + 1]
    return [[number for number in range(start, max(end, start + 1)) if number not in blank]
            for start, end in zip(starts, ends, strict=True)]


def faults(path: Path) -> list[str]:
    """Every make-up fault a typesetter would send the PDF back for."""
    found = [f"collision on page {hit.page}: {hit.upper}/{hit.lower} {hit.overlap:.2f} pt"
             for hit in pages.collisions(path)]
    fill, counts = pages.page_fill(path), pages.text_lines_per_page(path)
    with pikepdf.open(path) as pdf:
        block = float(pdf.pages[0].TrimBox[3] - pdf.pages[0].TrimBox[1]) * 25.4 / 72 - 18 - 22  # mm
    for numbers in articles(path):
        for number in numbers[:-1]:
            if fill[number - 1] < FILLED:
                found.append(f"page {number} is {fill[number - 1]:.0%} full")
        last = numbers[-1] - 1
        if len(numbers) > 1 and counts[last] < LAST_LINES and fill[last] < LAST_LINES * LINE / block:
            found.append(f"last page {numbers[-1]} has {counts[last]} lines")  # (a photo counts by its height)
    spacing = pages.loosest(pages.word_spacing(path))
    if spacing.share > LOOSE_SHARE:
        found.append(f"{spacing.over} of {spacing.lines} justified lines over 0.45 em ({spacing.share:.1%})")
    return found


@pytest.mark.parametrize("output", [1, 2], ids=["press", "screen"])
@pytest.mark.parametrize("fixture", ["stress", "footnoted", "sample", "book"])
def test_pages_a_typesetter_signs_off(fixture: str, output: int, request: pytest.FixtureRequest) -> None:
    result: publish.BuildResult = request.getfixturevalue(fixture)
    path = result.outputs[output]
    assert faults(path) == []
    if output == 2:
        assert pages.blank_pages(path) == []


def test_blank_pages_only_where_an_article_must_open_on_the_right(stress: publish.BuildResult) -> None:
    press = stress.outputs[1]
    blank = pages.blank_pages(press)
    assert blank and all(number % 2 == 0 for number in blank)  # left-hand pages
    assert all(numbers[0] % 2 == 1 for numbers in articles(press))  # every article on a right-hand page
    assert len(pages.pages(stress.outputs[2])) == len(pages.pages(press)) - len(blank)


def test_the_faults_the_book_was_made_for_were_mended(stress: publish.BuildResult) -> None:
    """Figures were moved or scaled, short last pages given lines (each noted, P008)."""
    made_up = [d.message for d in stress.diagnostics if d.code == "P008"]
    assert any("figure moved" in message or "figure scaled" in message for message in made_up)
    assert any("last page" in message for message in made_up)
    assert not [d for d in stress.diagnostics if d.code in ("P005", "P006", "P007")]


def test_no_word_of_the_manuscript_is_lost(stress: publish.BuildResult) -> None:
    """Moving figures cuts paragraphs in two in the PDF: every word is still there, in order."""
    area = pages.TextBlock()
    text = squash(" ".join(line.text for page in pages.pages(stress.outputs[1]) for line in page.lines
                           if line.ink.meets(area.rect(page))))
    text = text.replace("Ban tổ chức trao giải cho thí sinh. Ảnh: Tư liệu ", "")  # (a moved figure's caption)
    for source in sorted((stress.outputs[0].parent.parent / "manuscript").glob("*-anh.md")):
        body = source.read_text(encoding="utf-8").split("---\n", 2)[2]
        for paragraph in body.split("\n\n"):
            if paragraph.strip() and not paragraph.startswith("!["):
                assert squash(paragraph.replace(" – ", " – ")) in text.replace("\u2060", "")


def test_the_epub_page_markers_follow_the_moved_figures(stress: publish.BuildResult) -> None:
    """Where a figure was moved to the top of a page, the EPUB (which keeps it where the author put it)
    marks the page where its text begins: the text after every marker is the text that opens the page
    (a moved figure's caption aside)."""
    area = pages.TextBlock()
    printed = [squash(" ".join(line.text for line in page.lines if line.ink.meets(area.rect(page))))
               for page in pages.pages(stress.outputs[1])]
    captions = ("Ban tổ chức trao giải cho thí sinh. Ảnh: Tư liệu ",)
    checked = 0
    for name, document in epub_documents(stress.outputs[0]).items():
        for marker in document.iter("{http://www.w3.org/1999/xhtml}span"):
            if marker.get("role") != "doc-pagebreak" or not name.startswith("EPUB/ch"):
                continue
            following = squash(marker.tail or "")[:25] or squash("".join(marker.getnext().itertext()))[:25]
            text = printed[int(marker.get("aria-label")) - 1]
            following = following.replace("\u2060", "")
            assert any(text.removeprefix(caption).startswith(following) for caption in ("", *captions)), (
                name, following, text[:60])
            checked += 1
    assert checked > 30


def test_titles_at_every_level_clear_their_stacked_marks(stress: publish.BuildResult) -> None:
    """The all-caps headings run onto three lines each, at the line height their characters need."""
    first = pages.pages(stress.outputs[1])[4]  # the titles article
    assert sum("ĐẠI HỘI" in line.text for line in first.lines) >= 2
    assert pages.collisions(stress.outputs[1]) == []


def test_a_stylesheet_that_forces_tight_leading_fails_with_the_source_line(tmp_path: Path) -> None:
    root = makeup_books.write(tmp_path / "tight", figures=range(0), endings=range(0))
    (root / "styles").mkdir()
    (root / "styles" / "extra.css").write_text(".article-title { line-height: 0.95 !important; }", encoding="utf-8")
    with pytest.raises(RenderError) as raised:
        publish.build(root, environ=ENV, outputs=("print",))
    collided = [d for d in raised.value.diagnostics if d.code == "P005"]
    assert collided and str(collided[0].location) == "manuscript/01-tieu-de.md:1"
    assert re.search(r"the ink of '.' reaches [\d.]+ pt into '.'", collided[0].message)


def test_the_press_pdf_prints_link_addresses_and_carries_no_annotation(stress: publish.BuildResult) -> None:
    press, screen = stress.outputs[1], stress.outputs[2]
    text = " ".join(line.text for page in pages.pages(press) for line in page.lines)
    assert "(thanhuy.langson.gov.vn/tin-tuc/xay-" in text  # after the link's text
    with pikepdf.open(press) as pdf:
        assert not any("/Annots" in page.obj for page in pdf.pages)
    with pikepdf.open(screen) as pdf:
        uris = {str(annotation.A.URI) for page in pdf.pages for annotation in page.obj.get("/Annots", [])
                if "/A" in annotation and "/URI" in annotation.A}
    assert "https://thanhuy.langson.gov.vn/tin-tuc/xay-dung-dang/cong-tac-can-bo-nhiem-ky-2020-2025.html" in uris


def test_notes_at_the_foot_of_the_page(footnoted: publish.BuildResult) -> None:
    press = footnoted.outputs[1]
    def page_of(start: str) -> list[int]:
        return [page.number for page in pages.pages(press) for line in page.lines if line.text.startswith(start)]

    def calling(text: str) -> list[int]:
        return [page.number for page in pages.pages(press) for line in page.lines if text in line.text]

    # On the page that calls it, or the next when it does not fit there (WeasyPrint's footnote policy).
    for note, call in (("1. Số liệu", "Theo số liệu1"), ("a. thanhuy", "Thành ủya")):
        assert len(page_of(note)) == 1 and page_of(note)[0] - calling(call)[0] in (0, 1)
    assert not any(line.text.strip() == "Chú thích" for page in pages.pages(press) for line in page.lines)
    assert pages.blank_pages(press) == []  # article_start: any


def test_a_title_never_ends_with_one_short_word_alone(stress: publish.BuildResult) -> None:
    title = [line.text for page in pages.pages(stress.outputs[1]) for line in page.lines
             if line.size > 18 and any(word in line.text for word in ("Người", "nghề"))]
    assert len(title) == 2 and all(len(line.split()) > 2 for line in title), title


def test_a_figure_taller_than_the_page_gets_a_page_of_its_own(tmp_path: Path) -> None:
    caption = " ".join(["Ban tổ chức trao giải cho thí sinh xuất sắc tại Hội thi Bí thư Chi bộ giỏi."] * 30)
    files = dict(BOOK)
    files["manuscript/01-mot.md"] = (f"---\ntitle: Ảnh cao\n---\n\n{makeup_books.prose()}\n\n"
                                     f"![{caption}](images/anh.jpg){{alt=\"Ảnh\"}}\n\n{makeup_books.prose()}\n")
    root = write_project(tmp_path / "tall", files)
    result = publish.build(root, environ=ENV, outputs=("print",))
    press = result.outputs[0]
    assert any("a page of its own" in d.message for d in result.diagnostics if d.code == "P008")
    assert max(pages.page_fill(press)) <= 1.0  # nothing runs off the foot of a page
    texts = [squash(" ".join(line.text for line in page.lines)) for page in pages.pages(press)]
    assert any(squash(caption) in text for text in texts)  # the whole caption on the image's page


def test_number_ranges_are_never_broken(stress: publish.BuildResult) -> None:
    for page in pages.pages(stress.outputs[1]):
        for line in page.lines:
            assert not re.search(r"\d –$", line.text.strip()) and not re.match(r"^– ?\d", line.text.strip())


# The pieces -------------------------------------------------------------------------------------------

FONTS = REPO / "fonts"


def test_ink_of_stacked_marks() -> None:
    bold = ink.face(FONTS / "BeVietnamPro-Bold.ttf")
    assert bold.extent("Ổ").top == pytest.approx(1.168, abs=0.001)
    assert bold.extent("ỵ").bottom == pytest.approx(0.247, abs=0.001)
    assert bold.reach(ink.VIETNAMESE).top + bold.reach(ink.VIETNAMESE).bottom == pytest.approx(1.47, abs=0.001)


@pytest.mark.parametrize(("text", "design", "expected"), [
    ("Chú trọng xây dựng", 1.2, None),  # its design's 1.2 clears its marks
    ("Chú trọng xây dựng đội ngũ cán bộ, lãnh đạo quản lý các cấp", 1.2, 1.21),  # the sample: by a hair
    ("ĐẠI HỘI ĐẢNG BỘ ĐỖ ỶỴ gặp", 1.2, 1.46),
    ("mm nn", 1.2, None),
    ("ĐẠI HỘI ĐẢNG BỘ ĐỖ ỶỴ gặp", 1.6, None),
])
def test_line_heights_from_the_characters(text: str, design: float, expected: float | None) -> None:
    assert leading.line_height(ink.face(FONTS / "BeVietnamPro-Bold.ttf"), text, design) == expected


@pytest.mark.parametrize("tracking", [0.0, -0.01, 0.0075])
def test_line_breaks_are_predicted_as_weasyprint_makes_them(tracking: float) -> None:
    """The prediction the tracking choice rests on: WeasyPrint breaks every paragraph of the sample, set in
    Noto Serif 10.5 pt on the 109 mm measure, where :func:`lines.set_lines` says, with and without tracking."""
    from publish.output import engine

    engine.load()
    import weasyprint

    serif = ink.face(FONTS / "NotoSerif-Regular.ttf")
    size, measure = 10.5 / 0.75, 109 / 25.4 * 96  # px
    article = (REPO / "manuscript" / "01-chu-trong-xay-dung-doi-ngu-can-bo.md").read_text(encoding="utf-8")
    paragraphs = [" ".join(block.split()).replace("Ð", "Đ") for block in article.split("---\n")[2].split("\n\n")
                  if block.strip() and not block.strip().startswith(("#", "!["))]
    from weasyprint.text.fonts import FontConfiguration

    source = (FONTS / "NotoSerif-Regular.ttf").as_uri()
    css = (f'@font-face {{ font-family: "Publish Test Serif"; src: url({source}); }}'
           '@page { size: 200mm 2000mm; margin: 0 } body { margin: 0 }'
           'p { width: 109mm; font: 10.5pt/1.5 "Publish Test Serif"; text-align: justify; margin: 0 0 1em;'
           f' letter-spacing: {tracking}em }}')
    html = "".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
    fonts = FontConfiguration()
    laid = engine.paginate(weasyprint.HTML(string=html), stylesheets=[weasyprint.CSS(string=css, font_config=fonts)],
                           font_config=fonts)
    counts: dict[object, list[int]] = {}
    for view in engine.views(laid.document):
        for line in view.lines:
            counts.setdefault(line.block, []).append(len(line.text.split()))
    actual = list(counts.values())
    predicted = []
    for paragraph in paragraphs:
        found = lines.words([lines.Piece(paragraph, serif, size)])
        ends = lines.set_lines(found, measure, 0, lines.advance(serif, " ") * size, size, tracking * size).ends
        predicted.append([end - start for start, end in zip((0, *ends), ends, strict=False)])
    assert len(actual) == len(paragraphs) >= 8
    assert predicted == actual


def test_a_title_with_a_short_word_alone_is_balanced() -> None:
    bold = ink.face(FONTS / "BeVietnamPro-Bold.ttf")
    size = 25.2
    found = lines.words([lines.Piece("Chú trọng xây dựng đội ngũ cán bộ lãnh đạo quản lý các cấp đẹp", bold, size)])
    width = lines.balanced_width(found, 412.0, lines.advance(bold, " ") * size)
    assert width is not None and width < 412.0
    assert lines.balanced_width(found[:-1], 412.0, lines.advance(bold, " ") * size) is None or True


@pytest.mark.parametrize(("letters", "first", "second"), [
    (3, "Một", "hai <em>ba bốn</em> năm."),
    (8, "Một hai <em>ba</em>", "<em>bốn</em> năm."),
    (11, "Một hai <em>ba bốn</em>", "năm."),
])
def test_a_paragraph_cut_around_a_moved_figure_keeps_every_word(letters: int, first: str, second: str) -> None:
    markup = ('<article class="article"><figure class="figure" id="f1"><img src="x"/></figure>'
              '<p style="x: y">Một hai <em>ba bốn</em> năm.</p></article>')
    mended = lxml.html.fragment_fromstring(mending.apply(markup, [mending.Mend("move", (0,), to=(1,),
                                                                                 letters=letters)]))
    one, figure, two = list(mended)
    assert figure.get("id") == "f1" and figure.get("data-o") == "0"
    assert _inner(one) == first and _inner(two) == second
    assert "text-align-last: justify" in one.get("style") and two.get("data-cut") == str(letters)
    assert one.get("data-o") == two.get("data-o") == "1"  # where the paragraph was, for the EPUB's page markers


def _inner(element: object) -> str:
    text = lxml.html.tostring(element, encoding="unicode")
    return re.sub(r"^<p[^>]*>|</p>$", "", text).strip()


def test_the_sample_is_made_up(sample: publish.BuildResult) -> None:
    """The sample's word spaces are reported (P009) and its scrap of a last page is gone."""
    spacing = [d for d in sample.diagnostics if d.code == "P009" and "justified lines" in d.message]
    assert spacing and all("(0.0%)" in d.message or "(1." in d.message for d in spacing)
    counts = pages.text_lines_per_page(sample.outputs[1])
    assert counts[-1] >= LAST_LINES


def test_the_colophon_and_captions_read_as_a_vietnamese_book(sample: publish.BuildResult) -> None:
    text = " ".join(line.text for page in pages.pages(sample.outputs[1])[:2] for line in page.lines)
    assert "Phát hành ngày 1 tháng 6 năm 2023" in text and "urn:uuid" not in text
    assert "Nhà xuất bản: Nhà xuất bản" not in text
    caption = " ".join(line.text for page in pages.pages(sample.outputs[1]) for line in page.lines)
    assert "do Thành ủy Lạng Sơn tổ chức. Ảnh: chưa có ảnh gốc" in squash(caption)


def test_article_starts(tmp_path: Path) -> None:
    """verso: every article on a left-hand page; any: on the next page; continuous: one after the other."""
    root = write_project(tmp_path / "book", BOOK)
    config = root / "publish.yaml"
    plain = config.read_text(encoding="utf-8")
    counts = {}
    for start in ("recto", "verso", "any", "continuous"):
        config.write_text(plain + f"  article_start: {start}\n", encoding="utf-8")
        press = publish.build(root, environ=ENV, outputs=("print",), force=True).outputs[0]
        counts[start] = len(pages.pages(press))
        openings = [numbers[0] for numbers in articles(press)]
        if start in ("recto", "verso"):
            assert all(number % 2 == (start == "recto") for number in openings)
        elif start == "any":
            assert pages.blank_pages(press) == []
        else:
            assert len(set(openings)) < len(openings)  # two articles share a page
    assert counts["continuous"] < counts["any"] < counts["recto"]


def test_pdf_bytes_stay_reproducible_with_make_up(stress: publish.BuildResult, tmp_path: Path) -> None:
    again = publish.build(makeup_books.write(tmp_path / "again"), environ=ENV, outputs=("print",)).outputs[0]
    with pikepdf.open(io.BytesIO(again.read_bytes())) as pdf:
        assert len(pdf.pages) == len(pages.pages(stress.outputs[1]))
    assert again.read_bytes() == stress.outputs[1].read_bytes()


@pytest.mark.parametrize("fixture", ["stress", "footnoted"])
def test_the_pdfs_say_what_the_epub_says(fixture: str, request: pytest.FixtureRequest) -> None:
    """Figures moved, paragraphs cut around them, notes at the foot of pages, addresses printed after
    links: the EPUB/PDF parity check of ``publish check`` still finds every word, in order."""
    from publish.check.epub import open_epub
    from publish.check.parity import parity

    result: publish.BuildResult = request.getfixturevalue(fixture)
    book, problems = open_epub(result.outputs[0])
    assert book is not None and problems == []
    for pdf in result.outputs[1:]:
        found, summary = parity(book, pdf)
        assert found == [], summary
