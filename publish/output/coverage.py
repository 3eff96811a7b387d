"""The glyph check before layout: every character the outputs will show, against the face that sets it.

The manuscript's text must first be covered by one of the declared faces
(:func:`publish.pipeline.check_coverage`, F002). Which face sets what, and what the stylesheets add of
their own (list markers at every level, ``::before``/``::after`` content, quotes, leaders, counters'
digits and suffixes, footnote calls, running heads), WeasyPrint's cascade of the real documents of each
output says, with that output's stylesheets and no layout (:func:`publish.output.engine.generated`):
the EPUB's documents with its stylesheets, the PDFs' markup with theirs. Every character must have a
glyph in the face CSS font matching picks for its font, or WeasyPrint (or a reading system) would take it
from a system font: a character of the manuscript missing from its face is an error at its own line and
column (F003, as the check of the laid-out PDF would say); a generated one (every character a counter
style can write, not only the numbers this book reaches) is an error naming where it comes from (F005):
the stylesheet's declaration (``styles/extra.css:3:14``), or for WeasyPrint's own defaults the manuscript
line of the element.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tinycss2  # type: ignore[import-untyped]
from markupsafe import Markup

from publish import model, rules
from publish.diagnostics import Diagnostic, Location
from publish.errors import RenderError
from publish.fonts import FontFace, matching_face, needs_glyph
from publish.makeup.setting import Setting
from publish.output import engine, epub, parallel, pdf
from publish.project import Project
from publish.render.xhtml import Renderer, toc_entries
from publish.stylesheets import EPUB_SHEETS, PDF_SHEETS
from publish.version import VERSION

# The properties whose values generate text, and the pseudo-elements whose content is generated.
_GENERATING = frozenset({"content", "list-style", "list-style-type", "quotes", "string-set"})
_PSEUDOS = ("before", "after", "marker", "footnote-call", "footnote-marker")
_SOURCE = {"content": ("content", "string-set"), "list-style-type": ("list-style-type", "list-style"),
           "quotes": ("quotes",), "string-set": ("string-set",)}
Locate = pdf.Locate  # where a character first appears in the manuscript (at or after a location)

# Above this many characters of EPUB markup (about ten articles), the EPUB's documents are cascaded in a
# forked process while this one cascades the PDFs' markup (100 articles: 0.3 s each, measured here).
FORK_FROM = 100_000
# An EPUB document's link to its stylesheet, which the check gives WeasyPrint itself.
_LINK = re.compile(r"<link\b[^>]*>")
_TEXT = "text of the manuscript"
_WHAT = {"": _TEXT, "marker": "a list marker", "before": "::before content", "after": "::after content",
         "footnote-call": "a footnote call", "footnote-marker": "a footnote marker"}


@dataclass(frozen=True)
class Sheet:
    """A stylesheet as read for an output: its text and how a diagnostic names it."""

    label: str  # project-relative path, or the path of publish's default
    text: str


@dataclass(frozen=True)
class Declaration:
    """A declaration that can generate text, where it is written."""

    where: Location
    name: str
    pseudo: str  # the pseudo-element or margin box its rule styles ("before", "@top-left"), "" for an element
    text: str  # every character its value can generate


def declarations(sheets: Sequence[Sheet]) -> list[Declaration]:
    """The declarations of ``sheets`` that can generate text, in cascade order."""
    found: list[Declaration] = []
    for sheet in sheets:
        rules_ = tinycss2.parse_stylesheet(sheet.text, skip_comments=True, skip_whitespace=True)
        found += _walk(rules_, sheet.label, "")
    return found


def _walk(nodes: Iterable[Any], label: str, pseudo: str) -> Iterator[Declaration]:
    for node in nodes:
        if node.type == "qualified-rule":
            prelude = tinycss2.serialize(node.prelude).lower()
            own = next((name for name in _PSEUDOS if f":{name}" in prelude), "")
            yield from _walk(tinycss2.parse_blocks_contents(node.content, skip_comments=True,
                                                            skip_whitespace=True), label, own)
        elif node.type == "at-rule" and node.content is not None:
            keyword = node.lower_at_keyword
            inner = f"@{keyword}" if keyword not in ("page", "media", "supports", "layer") else pseudo
            if keyword in ("media", "supports", "layer"):
                contents = tinycss2.parse_rule_list(node.content, skip_comments=True, skip_whitespace=True)
            else:
                contents = tinycss2.parse_blocks_contents(node.content, skip_comments=True, skip_whitespace=True)
            yield from _walk(contents, label, inner)
        elif node.type == "declaration" and node.lower_name in _GENERATING:
            yield Declaration(Location(label, node.source_line, node.source_column), node.lower_name, pseudo,
                              _value_text(node.lower_name, node.value))


def _value_text(name: str, tokens: Sequence[Any]) -> str:
    """Every character a declaration's value can generate: its strings, and the counter styles it names."""
    text = ""
    for token in tokens:
        if token.type == "string":
            text += token.value
        elif token.type == "function":
            lowered = token.lower_name
            arguments = [t for t in token.arguments if t.type not in ("whitespace", "literal")]
            if lowered in ("counter", "counters", "target-counter", "target-counters"):
                style = arguments[-1].value if arguments and arguments[-1].type == "ident" else "decimal"
                text += engine.counter_text(style) + _value_text(name, token.arguments)
            elif lowered == "leader":
                keyword = arguments[0].value if arguments and arguments[0].type == "ident" else ""
                text += {"dotted": ".", "solid": "_", "space": " "}.get(keyword, "") + _value_text(name, arguments)
            elif lowered == "symbols":
                text += _value_text(name, arguments)
        elif token.type == "ident" and name in ("list-style", "list-style-type"):
            text += engine.counter_text(token.value, marker=True)
    return text


def check(generated: Iterable[tuple[str, Sequence[engine.Generated]]], faces: Sequence[FontFace],
          sheets: Callable[[], Sequence[Sheet]], locate: Locate) -> list[Diagnostic]:
    """Every character of ``generated`` (output name, what its stylesheets generate) without a glyph in the
    face that sets it, as errors: one per character, face and kind of generated text, naming the outputs
    that show it and where it comes from. ``sheets`` are read only then; ``locate`` says where a character
    of the manuscript first appears (for running heads, whose text is the manuscript's)."""
    written: list[Declaration] | None = None
    faces_of: dict[engine.Font, FontFace | None] = {}
    lacking: dict[tuple[engine.Font, str], list[str]] = {}
    missing: dict[tuple[str, str, str], _Missing] = {}
    for output, sites in generated:
        for site in sites:
            if site.font not in faces_of:
                faces_of[site.font] = matching_face(faces, *site.font)
            face = faces_of[site.font]
            if (site.font, site.text) not in lacking:
                lacking[site.font, site.text] = [
                    char for char in sorted(set(site.text))
                    if needs_glyph(char) and (face is None or ord(char) not in face.codepoints)]
            for char in lacking[site.font, site.text]:
                setter = f"{face.postscript_name} ({site.font[1]} {site.font[2]})" if face is not None else (
                    f"font family {', '.join(site.font[0])}, which is not a declared face: a system font would be used")
                found = missing.setdefault((char, setter, _WHAT.get(site.pseudo, f"the page margin {site.pseudo}")),
                                           _Missing())
                if found.where is None:
                    written = declarations(sheets()) if written is None else written
                    found.where, found.how = _origin(site, char, written, locate)
                if output not in found.outputs:
                    found.outputs.append(output)
    return [(rules.FONT_STYLE_NOT_COVERED if kind == _TEXT else rules.FONT_GENERATED_NOT_COVERED)(
        f"'{char}' (U+{ord(char):04X}) {unicodedata.name(char, '?')}, {kind} in the {' and the '.join(found.outputs)}, "
        f"is set in {setter}, which has no glyph for it{found.how}", found.where)
        for (char, setter, kind), found in missing.items()]


@dataclass
class _Missing:
    where: Location | None = None
    how: str = ""  # a word on where it comes from, when not from a declaration
    outputs: list[str] = field(default_factory=list)


def _origin(site: engine.Generated, char: str, written: Sequence[Declaration],
            locate: Locate) -> tuple[Location | None, str]:
    """Where a generated character comes from, and a word on how: the last declaration that can generate it
    for this kind of pseudo-element (the one the cascade would pick, most often), else the element's
    manuscript line (WeasyPrint's own default style made it)."""
    if site.source == "text":
        return _in_line(site.data_src, char, locate), ""
    if site.source == "string-set":
        return locate(char, None) or _source_line(site.data_src), " (the page margin shows this text of the manuscript)"
    names = _SOURCE[site.source]
    candidates = [d for d in written if d.name in names and char in d.text]
    exact = [d for d in candidates if d.pseudo == (site.pseudo if site.source == "content" else "")
             or (site.source == "list-style-type" and d.pseudo == "marker")]
    if candidates:
        return (exact or candidates)[-1].where, ""
    return _source_line(site.data_src), f" (no stylesheet of the book asks for it: WeasyPrint's default {site.source})"


def _in_line(data_src: str, char: str, locate: Locate) -> Location | None:
    """Where ``char`` is in the manuscript at or after an element's source line (its ``data-src``)."""
    return locate(char, _source_line(data_src)) or _source_line(data_src)


def _source_line(data_src: str) -> Location | None:
    """A ``data-src`` value (``manuscript/01.md:14``) as a location."""
    path, _, line = data_src.rpartition(":")
    return Location(path, int(line)) if path and line.isdigit() else None


def sheets_of(names: Sequence[str], stylesheet: Callable[[str], Path | None],
              label: Callable[[Path], str]) -> list[Sheet]:
    """The sheets ``names`` as an output reads them (the project's own, else publish's defaults)."""
    found = []
    for name in names:
        path = stylesheet(name)
        if path is not None:
            found.append(Sheet(label(path), path.read_text(encoding="utf-8")))
    return found


def characters(sites: Iterable[engine.Generated]) -> str:
    """Every character ``sites`` can generate (for the EPUB's font subsets)."""
    return "".join(sorted({char for site in sites for char in site.text}))


def check_outputs(project: Project, book: model.Book, faces: tuple[FontFace, ...], renderer: Renderer,
                  docs: Sequence[epub.Document], locate: Locate) -> str:
    """The check of every output's generated text (the EPUB's documents with its stylesheets, the PDFs'
    markup with theirs), raising a :class:`~publish.errors.RenderError` for what is missing; returns the
    characters the EPUB's stylesheets generate, which its font subsets must keep."""
    settings = book.config.print
    setting = Setting(None, faces, pdf=True, footnotes=settings.notes == "footnotes", links=settings.links)
    toc = toc_entries(book, lambda chapter, fragment: f"#{fragment or chapter.id}") if book.is_collection else []
    articles = [Markup(renderer.article(chapter, lambda image: image.path, setting)) for chapter in book.chapters]
    pdf_html = renderer.pdf_book(articles, toc, VERSION)
    pdf_css = pdf.page_css(settings, press=False) + project.stylesheets(PDF_SHEETS)
    epub_css = project.stylesheets(EPUB_SHEETS)
    roots = {"project": project.root, "fonts": project.fonts_dir, "styles": project.styles_dir}
    with pdf.Session(roots, faces, book.modified, "publish.yaml", locate) as session:

        def epub_sites() -> list[engine.Generated]:
            sites = (session.generated(_LINK.sub("", doc.xhtml), epub_css, margins=False) for doc in docs)
            return list(dict.fromkeys(site for found in sites for site in found))

        # A big book's EPUB documents are cascaded on another core while this one does the PDFs' markup.
        big = sum(len(doc.xhtml) for doc in docs) > FORK_FROM
        in_epub_later = parallel.start(epub_sites, []) if big else parallel.Later(epub_sites)
        try:
            in_pdf = session.generated(pdf_html, pdf_css)
            in_epub = in_epub_later.result()
        finally:
            in_epub_later.cancel()
    names = list(dict.fromkeys(EPUB_SHEETS + PDF_SHEETS))
    missing = check([("PDFs", in_pdf), ("EPUB", in_epub)], faces,
                    lambda: sheets_of(names, project.stylesheet, project.relative), locate)
    if missing:
        raise RenderError(missing)
    return characters(in_epub)
