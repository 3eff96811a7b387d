"""The WeasyPrint internals publish relies on (publish.output.engine): this fails loudly, naming what
changed, when a WeasyPrint release moves one of them; ``pyproject.toml`` pins the versions it was
written for."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from publish.output import engine
from tests.helpers import REPO


def test_the_installed_weasyprint_is_one_publish_was_written_for() -> None:
    low, high = engine.SUPPORTED
    assert low <= engine.version()[0] < high
    pinned = re.search(r'"weasyprint>=([\d.]+),<(\d+)"', (REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert pinned and (int(float(pinned.group(1))), int(pinned.group(2))) == engine.SUPPORTED


def test_the_internals_are_where_publish_reaches_for_them() -> None:
    engine.load()
    import weasyprint.document
    import weasyprint.layout
    import weasyprint.layout.page
    from weasyprint import Document, Page
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout import LayoutContext
    from weasyprint.layout.background import layout_box_backgrounds

    assert list(inspect.signature(weasyprint.layout.make_margin_boxes).parameters) == ["context", "page", "state"]
    assert weasyprint.layout.make_margin_boxes is weasyprint.layout.page.make_margin_boxes
    assert "make_margin_boxes" in inspect.getsource(weasyprint.layout.layout_document)  # looked up there
    assert list(inspect.signature(layout_box_backgrounds).parameters)[:3] == ["page", "box", "get_image_from_uri"]
    for name in ("ParentBox", "BlockContainerBox", "BlockLevelBox", "LineBox", "TextBox", "ReplacedBox",
                 "MarginBox", "FootnoteAreaBox", "PageBox"):
        assert hasattr(boxes, name), name
    assert boxes.TextBox.justification_spacing == 0
    assert "self.string_set = defaultdict(lambda: defaultdict(list))" in inspect.getsource(LayoutContext.__init__)
    assert "range(self.current_page - 1, 0, -1)" in inspect.getsource(LayoutContext.get_string_or_element_for)
    assert weasyprint.layout.page.PageType._fields[:3] == ("side", "blank", "name")
    assert "self._page_box = page_box" in inspect.getsource(Page.__init__)
    assert list(inspect.signature(Document.copy).parameters) == ["self", "pages"]
    # long text is cut in the box tree WeasyPrint builds (build_formatting_structure, looked up in document)
    assert "root_box = build_formatting_structure(" in inspect.getsource(weasyprint.document.Document._render)
    assert list(inspect.signature(boxes.TextBox.copy_with_text).parameters) == ["self", "text"]
    # elements with an id: their anchor held out of the cascade (find_style_attributes, looked up in StyleFor),
    # the styles made by get_all_computed_styles (looked up in document), anchors placed found in a set
    import pydyf
    import weasyprint.css
    import weasyprint.pdf.tags

    assert "find_style_attributes(" in inspect.getsource(weasyprint.css.StyleFor.__init__)
    assert "-weasy-anchor" in inspect.getsource(weasyprint.css.find_style_attributes)
    assert "= get_all_computed_styles(" in inspect.getsource(Document._build_layout_context)
    assert list(inspect.signature(weasyprint.css.get_all_computed_styles).parameters)[8] == "target_collector"
    assert "make_page(" in inspect.getsource(weasyprint.layout.page.remake_page)
    assert inspect.getsource(weasyprint.layout.page.make_page).count(engine._PLACED_LIST) == 1
    # pydyf makes the page references anew at each reading; the tags read them for every element
    assert isinstance(pydyf.PDF.page_references, property)
    assert "pdf.page_references[" in inspect.getsource(weasyprint.pdf.tags)


HTML = """<html><body><h1 style="string-set: chapter content(text)">Chương một</h1>
<p style="break-after: page">một</p><p style="break-after: page">hai</p><p>ba</p></body></html>"""
CSS = """@page { size: 100mm 100mm; margin: 20mm;
  @bottom-center { content: counter(page); }
  @top-center { content: string(book) " · " string(chapter); } }"""


def test_margins_are_laid_out_for_the_page_numbers_and_strings_of_the_book(tmp_path: Path) -> None:
    """A document paginated alone, its margins laid out as pages 10-12 of a book whose title came before."""
    engine.load()
    import pypdfium2 as pdfium
    from weasyprint import CSS as Sheet
    from weasyprint import HTML as Page

    paginated = engine.paginate(Page(string=HTML), stylesheets=[Sheet(string=CSS)])
    assert [view.margin for view in engine.views(paginated.document)] == [[], [], []]
    carried = paginated.finish(10, {"book": "Sách"})
    assert carried == {"book": "Sách", "chapter": "Chương một"}
    carried = paginated.finish(10, {"book": "Sách"})  # again: the margins are made anew, not added
    (tmp_path / "part.pdf").write_bytes(paginated.document.write_pdf())
    document = pdfium.PdfDocument(str(tmp_path / "part.pdf"))
    texts = [document[index].get_textpage().get_text_range() for index in range(len(document))]
    assert [text.count("Sách · Chương một") for text in texts] == [1, 1, 1]
    assert [text.strip().splitlines()[-1] for text in texts] == ["10", "11", "12"]


@pytest.mark.parametrize("side", ["left", "right"])
def test_a_document_opens_on_the_side_its_root_breaks_to(side: str) -> None:
    engine.load()
    from weasyprint import HTML

    html = f'<html style="break-before: {side}"><body><p>x</p></body></html>'
    assert engine.views(engine.paginate(HTML(string=html)).document)[0].side == side


# An element with an id and its likes: every attribute that gives a style of its own, and stylesheets that
# declare anchors of more and of less weight than the id's.
NOTES = "".join(f'<li id="n{n}"><a href="#c{n}" id="c{n}">{n}.</a> Ghi chú {n}.</li>' for n in range(1, 7))
IDS = f"""<html lang="vi"><body>
<ol class="notes">{NOTES}</ol>
<p id="p1" lang="en">one</p><p id="p2" style="color: red">two</p><p id="p3">three</p><p>four</p>
<a id="both" name="named" href="#p1">link</a><h2 id="weighty">Mục</h2><h3 id="light">Mục nhỏ</h3>
<h2>Mục hai</h2><h2>Mục ba</h2>
</body></html>"""
IDS_CSS = """li:nth-child(2n) { font-weight: bold } #n3 { color: blue } li::marker { color: green }
h2 { -weasy-anchor: "from-sheet" !important } h3 { -weasy-anchor: "too-light" } p + p::before { content: "¶" }"""


def styles(style_for: object, html: object) -> list[tuple[object, ...]]:
    """Every element's and pseudo-element's computed values, in tree order."""
    from weasyprint.css.properties import INITIAL_VALUES

    found = []
    for element in html.etree_element.iter():  # type: ignore[attr-defined]
        for pseudo in (None, "before", "marker"):
            style = style_for(element, pseudo)  # type: ignore[operator]
            if style is not None:
                found.append((element.tag, pseudo, *(repr(style[key]) for key in sorted(INITIAL_VALUES))))
    return found


def test_elements_with_an_id_share_their_likes_styles_and_keep_their_anchors(caplog: pytest.LogCaptureFixture) -> None:
    """engine.computed_styles gives every element, id or not, the values WeasyPrint's own cascade gives it, and
    collects the same anchors (WeasyPrint warns of an anchor defined twice: as often)."""
    engine.load()
    import weasyprint.css
    from weasyprint import CSS, HTML
    from weasyprint.css.targets import TargetCollector

    sheet = CSS(string=IDS_CSS)
    made = {}
    for name, cascade in (("weasyprint", weasyprint.css.get_all_computed_styles), ("publish", engine.computed_styles)):
        html, collector = HTML(string=IDS), TargetCollector()
        caplog.clear()
        made[name] = (styles(cascade(html, user_stylesheets=[sheet], target_collector=collector), html),
                      sorted(collector.target_lookup_items), [record.getMessage() for record in caplog.records])
    assert made["publish"] == made["weasyprint"]
    assert made["publish"][1] == sorted(["n1", "n2", "n3", "n4", "n5", "n6", "c1", "c2", "c3", "c4", "c5", "c6",
                                         "p1", "p2", "p3", "named", "from-sheet", "light"])
    assert made["publish"][2] == ["Anchor defined twice: 'from-sheet'"]


def test_a_document_with_ids_is_laid_out_and_written_as_weasyprint_does(tmp_path: Path) -> None:
    """The same pages, anchors, links and bytes as WeasyPrint's own rendering, tagged PDF included."""
    engine.load()
    from weasyprint import CSS, HTML

    html = IDS.replace("</body>", "<p style='break-before: page'>" + "chữ " * 400 + "</p></body>")
    sheet = CSS(string=IDS_CSS + " @page { size: 80mm 80mm }")
    plain = HTML(string=html).render(stylesheets=[sheet], pdf_tags=True)
    ours = engine.paginate(HTML(string=html), stylesheets=[sheet], pdf_tags=True)
    ours.finish(1, {})
    assert [(page.anchors, [link[:3] for link in page.links]) for page in ours.document.pages] == [
        (page.anchors, [link[:3] for link in page.links]) for page in plain.pages]
    assert len(plain.pages) > 2
    assert engine.write_pdf(ours.document, pdf_tags=True) == plain.write_pdf(pdf_tags=True)
