"""The CommonMark 0.31.2 examples as a corpus: each example's Markdown, the HTML the spec expects, and what
publish must do with it: build it, or refuse it with the code its construct is refused with.

An example is refused when the spec's own structure of it (markdown-it-py's tokens, which pass the spec's
tests) holds something a book does not take: raw HTML (M003), a level-1 heading (M005), an image (in
running text M004; alone in its paragraph it is a figure whose file is not in the project, R001/R002, and
whose title would be printed nowhere, M006), a link the book cannot follow (M009) or whose article or
heading is not in the book (M013), an address no URL parser takes (M012), or a character none of the
shipped fonts has (F002).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import lxml.html
from fontTools.ttLib import TTFont
from markdown_it import MarkdownIt
from markdown_it.token import Token

from publish.text.typography import Typographer
from tests.helpers import REPO

SPEC = Path(__file__).parent / "fixtures" / "commonmark" / "spec-0.31.2.txt"
FENCE = "`" * 32
FOLLOWED = ("http:", "https:", "mailto:", "tel:")

RAW_HTML, LEVEL_ONE, UNCOVERED, INVALID = "M003", "M005", "F002", "M012"
IMAGE = frozenset({"M004", "M006", "R001", "R002"})  # in running text, or a figure whose file is not there
LINK = frozenset({"M009", "M013"})  # (#fragment and ./target.md name no article or heading of this book)
# Addresses with a scheme publish follows that are no URL (EPUBCheck: RSC-020).
INVALID_ADDRESSES = {
    348: "https://foo.bar.`baz: a backquote in the host name",
    602: "https://../: empty labels in the host name",
}


@dataclass(frozen=True)
class Example:
    number: int
    section: str
    markdown: str
    html: str

    @property
    def refused(self) -> frozenset[str]:
        """The codes this example may be refused with (empty: it must build)."""
        return refusals(self)


@cache
def examples() -> tuple[Example, ...]:
    lines = SPEC.read_text(encoding="utf-8").split("\n")
    found: list[Example] = []
    section = ""
    index = 0
    while index < len(lines):
        line = lines[index]
        heading = re.match(r"#{1,6} (.+)$", line)
        if heading and (index == 0 or lines[index - 1] == ""):
            section = heading.group(1).strip()
        if line == f"{FENCE} example":
            end = lines.index(".", index + 1)
            close = lines.index(FENCE, end + 1)
            markdown = "\n".join(lines[index + 1:end]).replace("→", "\t") + "\n"
            html = "\n".join(lines[end + 1:close]).replace("→", "\t")
            found.append(Example(len(found) + 1, section, markdown, html))
            index = close
        index += 1
    return tuple(found)


def _tokens(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        yield from _tokens(token.children or [])


@cache
def _covered() -> frozenset[int]:
    """Every code point some shipped face has."""
    points: set[int] = set()
    for path in (REPO / "fonts").glob("*.[ot]tf"):
        points.update(TTFont(path, lazy=True).getBestCmap())
    return frozenset(points)


def refusals(example: Example) -> frozenset[str]:
    tokens = list(_tokens(MarkdownIt("commonmark").parse(example.markdown)))
    codes: set[str] = set()
    if any(token.type in ("html_block", "html_inline") for token in tokens):
        codes.add(RAW_HTML)
    if any(token.type == "heading_open" and token.tag == "h1" for token in tokens):
        codes.add(LEVEL_ONE)
    if any(token.type == "image" for token in tokens):
        codes |= IMAGE
    if any(token.type == "link_open" and not str(token.attrs.get("href", "")).lower().startswith(FOLLOWED)
           for token in tokens):
        codes |= LINK
    if example.number in INVALID_ADDRESSES:
        codes.add(INVALID)
    if any(ord(char) not in _covered() for char in text_of(example) if not char.isspace()):
        codes.add(UNCOVERED)
    return frozenset(codes)


def text_of(example: Example) -> str:
    """The text of the spec's HTML for the example."""
    return " ".join(_root(example.html).itertext()) if example.html.strip() else ""


# Blocks in the spec's HTML: each is typeset on its own, as publish typesets each block of the manuscript.
_BLOCKS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "td", "th", "div", "ul", "ol"})
_VERBATIM = frozenset({"code", "pre"})


def typeset_text(example: Example, language: str = "vi") -> str:
    """The text of the spec's HTML as publish's typography sets it (curly quotes, dashes; code verbatim)."""
    if not example.html.strip():
        return ""
    out: list[str] = []
    _typeset(_root(example.html), language, Typographer(language), out, verbatim=False)
    return " ".join(out)


def _typeset(element: lxml.html.HtmlElement, language: str, typographer: Typographer, out: list[str],
             verbatim: bool) -> None:
    if element.tag in _BLOCKS:
        typographer = Typographer(language)
    verbatim = verbatim or element.tag in _VERBATIM

    def add(text: str | None) -> None:
        if text and verbatim:
            typographer.skip(text)
            out.append(text)
        elif text:
            out.append(typographer(text)[0])

    add(element.text)
    for child in element:
        if isinstance(child.tag, str):
            _typeset(child, language, typographer, out, verbatim)
            if child.tag in _BLOCKS:
                typographer = Typographer(language)
        add(child.tail)


def _root(html: str) -> lxml.html.HtmlElement:
    body = lxml.html.document_fromstring(f"<html><body>{html}</body></html>").find("body")
    assert body is not None
    body.tag = "div"
    return body
