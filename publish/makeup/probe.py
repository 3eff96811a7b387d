"""What the design does to each kind of text, computed on a sample with the book's stylesheets.

Line heights that clear stacked marks, and tracking that keeps justified lines tight, depend on the face,
size, line height, measure and first-line indent the stylesheets give each kind of text (a title, a
lead, a paragraph after a heading...). Rather than read CSS, publish renders a sample article with the
book's own templates, every construct in it, and has WeasyPrint compute its styles with the output's
stylesheets (the cascade without the layout, about 10 ms; see :func:`publish.output.engine.cascade`):
whatever the stylesheets say, this is what they do.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from markupsafe import Markup

from publish import model
from publish.config import BookConfig
from publish.diagnostics import Location
from publish.makeup.setting import Role, Roles
from publish.output import engine
from publish.render.xhtml import Renderer

# Roles: the kinds of text the templates set, as publish.makeup.setting names them.
FILLER = " mm"  # a word after the token
_WHERE = Location("probe")
_IMAGE = model.Image("probe.png", "image/png", 8, 8, "0" * 64, "probe.png")
_PIXEL = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQ"
          "AAAABJRU5ErkJggg==")
INLINES = ("strong", "em", "code", "link", "noteref")
ROLES = ("title", "dateline", "lead", "first", "body", "h2", "h3", "h4", "h5", "h6", "after", "quote", "item",
         "loose", "head", "cell", "caption", "pre", "byline", "note", "booktitle")


def _text(token: str) -> tuple[model.Inline, ...]:
    return (model.Text(token + FILLER),)


def _paragraph(token: str) -> model.Paragraph:
    return model.Paragraph(_text(token), _WHERE)


def sample_book(config: BookConfig) -> model.Book:
    """A book of one article with every construct the templates know, each text starting with a token
    that names its role (``Qbody``...)."""
    body = model.Paragraph((
        model.Text("Qbody" + FILLER), model.Strong((model.Text("Qstrong"),)), model.Text(" "),
        model.Emphasis((model.Text("Qem"),)), model.Text(" "), model.Code("Qcode"), model.Text(" "),
        model.Link("https://example.org", "", (model.Text("Qlink"),)), model.FootnoteRef(1, "pr-fnref1", "pr-fn1"),
        model.Text(FILLER)), _WHERE)
    blocks: list[model.Block] = [
        _paragraph("Qfirst"), body,
        *[model.Heading(level, _text(f"Qh{level}"), f"pr-s{level}", _WHERE) for level in range(2, 7)],
        _paragraph("Qafter"),
        model.BlockQuote((_paragraph("Qquote"),), _WHERE),
        model.ListBlock(False, 1, True, (model.ListItem((_paragraph("Qitem"),)),), _WHERE),
        model.ListBlock(True, 1, False, (model.ListItem((_paragraph("Qloose"),)),), _WHERE),
        model.Table(((model.TableCell(_text("Qhead"), "", True),),), ((model.TableCell(_text("Qcell"), "", False),),),
                    _WHERE),
        model.Figure(_IMAGE, _text("Qcaption"), "probe", "Qcredit" + FILLER, "pr-fig1", _WHERE),
        model.CodeBlock("Qpre" + FILLER, "", _WHERE),
    ]
    chapter = model.Chapter(
        id="pr", source="probe", title="Qtitle" + FILLER, date=datetime.date(2024, 1, 1), place="Qdateline" + FILLER,
        byline="Qbyline" + FILLER, lead=_text("Qlead"), blocks=tuple(blocks),
        footnotes=(model.Footnote(1, "pr-fn1", "pr-fnref1", (_paragraph("Qnote"),)),), location=_WHERE,
    )
    sample = replace(config, title="Qbooktitle" + FILLER)
    return model.Book(sample, (chapter,), None, datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC))


def sample_html(config: BookConfig, families: tuple[str, ...], version: str) -> str:
    """The sample book as one document for WeasyPrint: the article, and the title page's title."""
    book = sample_book(config)
    renderer = Renderer(book, "urn:uuid:probe", families)
    article = renderer.article(book.chapters[0], lambda image: _PIXEL)
    title = '<h1 class="titlepage-title" style="page: auto">Qbooktitle mm</h1>'
    return renderer.pdf_book([article, Markup(title)], [], version, front=False)


def measure(styled: Sequence[engine.Styled]) -> Roles:
    """The roles as the sample's computed styles show them: each text's role is the token it starts with,
    and what lays its lines out is its nearest block-level element (or table cell)."""
    parents: dict[Any, Any] = {}
    by_element = {item.element: item for item in styled}
    for item in styled:
        for child in item.element:
            parents[child] = item.element
    roles: dict[str, Role] = {}
    inlines: dict[str, tuple[engine.Font, float]] = {}
    for item in styled:
        element = item.element
        words = _own_text(element).split()
        token = words[0][1:] if words and words[0].startswith("Q") else ""
        if token in INLINES:
            inlines[token] = (item.font, item.size)
            continue
        if "noteref" in (element.get("class") or "").split():
            inlines["noteref"] = (item.font, item.size)
        if token not in ROLES or token in roles:
            continue
        block = item
        while block.display.split()[0] == "inline" and block.element in parents:
            block = by_element[parents[block.element]]
        roles[token] = Role(item.font, item.size, block.leading * block.size, block.measure or 0.0, block.indent,
                            block.align)
    return Roles(roles, inlines)


def _own_text(element: Any) -> str:
    """The text directly in ``element`` (not in its children, but after them)."""
    return (element.text or "") + "".join(child.tail or "" for child in element)


def probe(cascade: Callable[[str], Sequence[engine.Styled]], config: BookConfig, families: tuple[str, ...],
          version: str) -> Roles:
    """The roles of the design whose stylesheets ``cascade`` computes the styles of a document with."""
    return measure(cascade(sample_html(config, families, version)))
