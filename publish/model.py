"""The document model: what a manuscript means, independent of any output format.

Readers (:mod:`publish.manuscript`) build it; renderers (:mod:`publish.render`) turn it into XHTML once,
and the EPUB and PDF writers package that XHTML. Every node is a frozen dataclass; block nodes carry
the :class:`~publish.diagnostics.Location` they came from so that any later check can point at the
source. ``kind`` names the node for the templates.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import ClassVar

from publish.config import BookConfig
from publish.diagnostics import Location

# Inline nodes ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    kind: ClassVar[str] = "text"
    text: str


@dataclass(frozen=True)
class Emphasis:
    kind: ClassVar[str] = "emphasis"
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class Strong:
    kind: ClassVar[str] = "strong"
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class Code:
    kind: ClassVar[str] = "code"
    text: str


@dataclass(frozen=True)
class Link:
    kind: ClassVar[str] = "link"
    href: str
    title: str
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class Reference:
    """A link to a place in the book: an article (``[xem](02-cho-phien.md)``) or a heading in one
    (``[xem](02-cho-phien.md#gia-ca)``, ``[xem](#gia-ca)`` in the same article).

    The reader makes it as written (``article`` the file it names, relative to the project root, and
    ``fragment`` the heading's name, "" for the article itself), then resolves it once every article is
    read (:mod:`publish.manuscript.references`): ``chapter`` is the id of the article it leads to and
    ``target`` the id of the element there (the article's own id, or the heading's).
    """

    kind: ClassVar[str] = "reference"
    article: str
    fragment: str
    title: str
    children: tuple[Inline, ...]
    location: Location
    chapter: str = ""
    target: str = ""


@dataclass(frozen=True)
class LineBreak:
    kind: ClassVar[str] = "linebreak"


@dataclass(frozen=True)
class FootnoteRef:
    kind: ClassVar[str] = "footnote_ref"
    number: int
    anchor: str
    target: str


Inline = Text | Emphasis | Strong | Code | Link | Reference | LineBreak | FootnoteRef

# Resources ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Image:
    """An image file inside the project, checked and measured when the manuscript is read."""

    path: str  # relative to the project root, with '/' separators
    media_type: str
    width: int
    height: int
    digest: str  # sha256 of the bytes, hex
    package_name: str  # file name inside the EPUB's images/ folder

    @property
    def id(self) -> str:
        return "img-" + self.digest[:12]


# Block nodes ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Paragraph:
    kind: ClassVar[str] = "paragraph"
    children: tuple[Inline, ...]
    location: Location


@dataclass(frozen=True)
class Heading:
    kind: ClassVar[str] = "heading"
    level: int  # 2..6: level 1 is the article title
    children: tuple[Inline, ...]
    id: str  # unique in the book (the EPUB's and the PDFs' anchor)
    location: Location
    name: str = ""  # what links of the manuscript call it: its {#id}, or its text as an id (see references)


@dataclass(frozen=True)
class Figure:
    kind: ClassVar[str] = "figure"
    image: Image
    caption: tuple[Inline, ...]
    alt: str
    credit: str
    id: str
    location: Location


@dataclass(frozen=True)
class BlockQuote:
    kind: ClassVar[str] = "blockquote"
    children: tuple[Block, ...]
    location: Location


@dataclass(frozen=True)
class ListItem:
    children: tuple[Block, ...]


@dataclass(frozen=True)
class ListBlock:
    kind: ClassVar[str] = "list"
    ordered: bool
    start: int
    tight: bool
    items: tuple[ListItem, ...]
    location: Location


@dataclass(frozen=True)
class TableCell:
    children: tuple[Inline, ...]
    align: str  # "", "left", "center" or "right"
    header: bool


@dataclass(frozen=True)
class Table:
    kind: ClassVar[str] = "table"
    head: tuple[tuple[TableCell, ...], ...]
    body: tuple[tuple[TableCell, ...], ...]
    location: Location


@dataclass(frozen=True)
class CodeBlock:
    kind: ClassVar[str] = "code_block"
    text: str
    language: str
    location: Location


@dataclass(frozen=True)
class ThematicBreak:
    kind: ClassVar[str] = "thematic_break"
    location: Location


Block = Paragraph | Heading | Figure | BlockQuote | ListBlock | Table | CodeBlock | ThematicBreak


@dataclass(frozen=True)
class Footnote:
    number: int
    id: str
    ref_anchor: str
    children: tuple[Block, ...]


@dataclass(frozen=True)
class Chapter:
    """One article: one Markdown file of the manuscript."""

    id: str  # "ch01"…, stable: from the file order
    source: str  # path relative to the project root
    title: str  # plain text, for navigation, running heads and metadata
    date: datetime.date | None
    place: str
    byline: str
    lead: tuple[Inline, ...]
    blocks: tuple[Block, ...]
    footnotes: tuple[Footnote, ...]
    location: Location

    def headings(self) -> list[Heading]:
        return [b for b in self.blocks if isinstance(b, Heading)]

    def references(self) -> list[Reference]:
        """The article's cross-references, in reading order (lead, text, notes)."""
        found: list[Reference] = []

        def walk(value: object) -> None:
            if isinstance(value, tuple):
                for item in value:
                    walk(item)
            elif isinstance(value, Reference):
                found.append(value)
            elif isinstance(value, Text | Code | LineBreak | FootnoteRef | Image | Location):
                return
            else:
                for name in ("children", "caption", "items", "head", "body"):
                    walk(getattr(value, name, ()))

        walk(self.lead)
        walk(self.blocks)
        walk(tuple(note.children for note in self.footnotes))
        return found

    def figures(self) -> list[Figure]:
        found: list[Figure] = []

        def walk(blocks: tuple[Block, ...]) -> None:
            for block in blocks:
                if isinstance(block, Figure):
                    found.append(block)
                elif isinstance(block, BlockQuote):
                    walk(block.children)
                elif isinstance(block, ListBlock):
                    for item in block.items:
                        walk(item.children)

        walk(self.blocks)
        for note in self.footnotes:
            walk(note.children)
        return found


@dataclass(frozen=True)
class Book:
    config: BookConfig
    chapters: tuple[Chapter, ...]
    cover: Image | None  # a cover given in publish.yaml; None means "generate one"
    modified: datetime.datetime  # the one timestamp of the build (UTC), see publish.clock
    images: tuple[Image, ...] = field(default=())

    @property
    def is_collection(self) -> bool:
        return len(self.chapters) > 1


def plain_text(nodes: tuple[Inline, ...]) -> str:
    """The text of inline nodes as a reader sees it, without markup (footnote numbers left out)."""
    out: list[str] = []
    for node in nodes:
        if isinstance(node, Text | Code):
            out.append(node.text)
        elif isinstance(node, Emphasis | Strong | Link | Reference):
            out.append(plain_text(node.children))
        elif isinstance(node, LineBreak):
            out.append(" ")
    return "".join(out)
