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
