"""The typesetting of one output: what the templates write on each element so that it sets well.

The renderer asks :meth:`Setting.style` for every element of text it writes, naming its role (a title, a
paragraph after a heading, a caption...). The answer is the CSS declarations that element needs, from
what :mod:`publish.makeup.probe` measured of the design: a line height that clears its stacked marks
(:mod:`leading`), for a justified paragraph of a PDF the tracking that keeps its spaces tight, for a
ragged title of a PDF the width that balances its lines (:mod:`lines`). :data:`PLAIN` is the setting
that adds nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from publish import model
from publish.fonts import FontFace, matching_face
from publish.makeup import ink, leading, lines

Font = tuple[tuple[str, ...], int, str]  # font families, weight, style (as publish.output.engine has it)

@dataclass(frozen=True)
class Role:
    """How the design sets one kind of text."""

    font: Font
    size: float  # px
    line_height: float  # px between the baselines of two lines of it
    measure: float  # px a line may take
    indent: float  # px the first line is indented by
    align: str

    @property
    def leading(self) -> float:
        """The line height in em."""
        return self.line_height / self.size


@dataclass(frozen=True)
class Roles:
    """Every role the sample showed, and the inline kinds of a body paragraph (strong, em, code, link,
    footnote reference) with their fonts and sizes."""

    roles: dict[str, Role]
    inlines: dict[str, tuple[Font, float]]

    def get(self, role: str) -> Role | None:
        return self.roles.get(role)


ADDRESSES = ("http://", "https://", "mailto:", "tel:")


def _bare(address: str) -> str:
    return re.sub(r"^(https?://|mailto:|tel:)", "", address.strip().lower()).rstrip("/")


def _letters(index: int) -> str:
    """a, b, ... z, aa, ab..."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def _links(chapter: model.Chapter) -> list[model.Link]:
    """The links of an article in reading order."""
    found: list[model.Link] = []

    def inline(nodes: Sequence[Any]) -> None:
        for node in nodes:
            if isinstance(node, model.Link):
                found.append(node)
            if hasattr(node, "children") and not isinstance(node, model.Paragraph | model.Heading):
                inline(node.children)

    def block(nodes: Sequence[Any]) -> None:
        for node in nodes:
            if isinstance(node, model.Paragraph | model.Heading):
                inline(node.children)
            elif isinstance(node, model.BlockQuote):
                block(node.children)
            elif isinstance(node, model.ListBlock):
                for item in node.items:
                    block(item.children)
            elif isinstance(node, model.Table):
                for row in node.head + node.body:
                    for cell in row:
                        inline(cell.children)
            elif isinstance(node, model.Figure):
                inline(node.caption)

    inline(chapter.lead)
    block(chapter.blocks)
    for note in chapter.footnotes:
        block(note.children)
    return found


def _block_text(block: Any) -> str:
    if isinstance(block, model.Link):
        return model.plain_text(block.children)
    if isinstance(block, model.Paragraph | model.Heading):
        return model.plain_text(block.children)
    if isinstance(block, model.CodeBlock):
        return block.text
    if isinstance(block, model.BlockQuote):
        return " ".join(_block_text(child) for child in block.children)
    if isinstance(block, model.ListBlock):
        return " ".join(_block_text(child) for item in block.items for child in item.children)
    if isinstance(block, model.Table):
        return " ".join(model.plain_text(cell.children) for row in block.head + block.body for cell in row)
    if isinstance(block, model.Figure):
        return model.plain_text(block.caption)
    return ""


# The role of a paragraph from the kind of the block before it: base.css indents only a paragraph
# that follows a paragraph.
_INLINE = {model.Strong: "strong", model.Emphasis: "em", model.Code: "code", model.Link: "link",
           model.Reference: "link", model.FootnoteRef: "noteref"}
# A cross-reference's page number while the page it leads to is not known: as wide as any page number
# of a book under a thousand pages (the TOC's stand-in, publish.output.layout.PLACEHOLDER, is the same).
FOLIO_PLACEHOLDER = "000"
BALANCED = frozenset({"title", "h2", "h3", "h4", "h5", "h6", "booktitle"})


class Setting:
    """Typesetting decisions for one output (see the module's docstring)."""

    def __init__(self, roles: Roles | None, faces: Sequence[FontFace], pdf: bool, footnotes: bool = False,
                 links: str = "", page_label: str = "", folios: Mapping[str, str] | None = None) -> None:
        self.roles = roles
        self.faces = faces
        self.pdf = pdf  # a PDF: its lines are predictable (not an EPUB's), its blocks say their source line
        self.footnotes = footnotes  # notes at the foot of the page that calls them (a PDF's ``print.notes``)
        self.links = links  # how a printed book shows a link's address ("parentheses", "footnotes"); "" not
        # A printed book prints the page a cross-reference leads to, after the word ``page_label`` ("trang");
        # "" where the reader follows the link instead. ``folios`` are the pages ("#gia-ca" -> "12"), as far
        # as they are known.
        self.page_label = page_label
        self.folios: Mapping[str, str] = folios or {}
        self._links: dict[str, dict[model.Link, str]] = {}

    def with_folios(self, folios: Mapping[str, str]) -> Setting:
        """This setting with the pages its cross-references lead to known."""
        return Setting(self.roles, self.faces, self.pdf, self.footnotes, self.links, self.page_label, folios)

    def folio(self, reference: model.Reference) -> str:
        """The page a cross-reference leads to, as far as it is known (the stand-in until then)."""
        return self.folios.get(f"#{reference.target}", FOLIO_PLACEHOLDER)

    def page_reference(self, reference: model.Reference) -> str:
        """What a printed book sets after a cross-reference: ' (trang 12)' (as print.css's ``a.xref``
        rule has it), or "" where the reader follows the link."""
        return f" ({self.page_label}\u00a0{self.folio(reference)})" if self.page_label else ""

    def printed_address(self, link: model.Link) -> str:
        """The address a printed book shows after a link: "" where it shows none, or the link's text is it."""
        if self.links not in ("parentheses", "footnotes") or not link.href.lower().startswith(ADDRESSES):
            return ""
        shown = link.href.split(":", 1)[1] if link.href.lower().startswith(("mailto:", "tel:")) else link.href
        shown = re.sub(r"^https?://", "", shown).rstrip("/")
        if self.is_address(link):
            return ""
        return self.breakable(shown)

    def breakable(self, address: str) -> str:
        """An address as a printed book sets it: it may break after / . - _ ? & = # (a zero-width space),
        since no reader copies it from paper; elsewhere as it is."""
        if not self.links:
            return address
        return re.sub(r"(?<=[/.\-_?&=#])(?=[^/])", "\u200b", address)

    def is_address(self, link: model.Link) -> bool:
        """Whether a link's text is its address (an autolink), which may then break anywhere."""
        return _bare(model.plain_text(link.children)) == _bare(link.href)

    def link_mark(self, chapter: model.Chapter, link: model.Link) -> str:
        """The letter that calls a link's address at the foot of the page (a, b, c... in each article; the
        numbers are the notes')."""
        if chapter.id not in self._links:
            marks: dict[model.Link, str] = {}
            for found in _links(chapter):
                if found not in marks and self.printed_address(found):
                    marks[found] = _letters(len(marks))
            self._links[chapter.id] = marks
        return self._links[chapter.id].get(link, "")

    def credit_joint(self, caption: Sequence[model.Inline]) -> str:
        """What stands between a caption and its credit: a full stop unless the caption ends a sentence."""
        text = model.plain_text(tuple(caption)).rstrip()
        return " " if not text or text[-1] in ".!?…:;" else ". "

    def plain(self, block: Any) -> str:
        """The text of a block (a list or code in a note set at the foot of the page)."""
        return _block_text(block)

    def paragraph_role(self, where: str, after: str) -> str:
        """The role of a paragraph in ``where`` (body, quote, item, note) after a block of kind ``after``."""
        if where != "body":
            return where
        return "body" if after == "paragraph" else "after"

    def style(self, role: str, node: Any) -> str:
        """The CSS declarations the element of ``role`` holding ``node`` (text, inlines or a block) needs."""
        known = self.roles.get(role) if self.roles is not None else None
        if known is None:
            return ""
        face = self._face(known.font)
        if face is None:
            return ""
        declarations = []
        text = _plain(node)
        height = leading.line_height(face, text, known.leading)
        if height is not None:
            declarations.append(f"line-height: {height:g}")
        if self.pdf and known.align == "justify":
            em, words_em = self._tracking(known, face, node)
            if em:
                declarations.append(f"letter-spacing: {em:g}em")
            if words_em:
                declarations.append(f"word-spacing: {words_em:g}em")
        if self.pdf and role in BALANCED and known.align in ("left", "start"):
            width = lines.balanced_width(lines.words([lines.Piece(text, face, known.size)]), known.measure,
                                         _space(face, known.size))
            if width is not None:
                declarations.append(f"max-width: {width:.2f}px")
        return "; ".join(declarations)

    def _face(self, font: tuple[tuple[str, ...], int, str]) -> ink.Face | None:
        chosen = matching_face(self.faces, *font)
        return ink.face(chosen.path) if chosen is not None else None

    def _tracking(self, role: Role, face: ink.Face, node: Any) -> tuple[float, float]:
        pieces = self._pieces(node, face, role.size)
        best = (0.0, 0.0)
        for number, segment in enumerate(_segments(pieces)):  # a hard line break ends a line, unjustified
            found = lines.words(segment)
            chosen = lines.tracking(found, role.measure, role.indent if number == 0 else 0.0,
                                    _space(face, role.size), role.size)
            best = best if any(best) else chosen
        return best

    def _pieces(self, node: Any, face: ink.Face, size: float) -> list[lines.Piece | None]:
        """The paragraph's text in pieces of one face and size; None for a hard line break."""
        out: list[lines.Piece | None] = []
        roles = self.roles

        def walk(nodes: Sequence[Any], current: tuple[ink.Face, float]) -> None:
            for item in nodes:
                if isinstance(item, model.Text):
                    out.append(lines.Piece(item.text, *current))
                elif isinstance(item, model.LineBreak):
                    out.append(None)
                else:
                    kind = _INLINE.get(type(item))
                    inline = roles.inlines.get(kind) if roles is not None and kind else None
                    chosen = self._face(inline[0]) if inline is not None else None
                    here = (chosen, inline[1]) if chosen is not None and inline is not None else current
                    if isinstance(item, model.Code):
                        out.append(lines.Piece(item.text, *here))
                    elif isinstance(item, model.FootnoteRef):
                        if not self.footnotes:
                            out.append(lines.Piece(str(item.number), *here))
                    elif isinstance(item, model.Link) and self.links and self.is_address(item):
                        out.append(lines.Piece(self.breakable(model.plain_text(item.children)), *here))
                    else:
                        walk(item.children, here)
                    if isinstance(item, model.Reference) and self.page_label:
                        out.append(lines.Piece(self.page_reference(item), *here))
                    if isinstance(item, model.Link) and self.links == "parentheses" and self.printed_address(item):
                        out.append(lines.Piece(f" ({self.printed_address(item)})", *current))

        walk(_inlines(node), (face, size))
        return out


def _segments(pieces: list[lines.Piece | None]) -> list[list[lines.Piece]]:
    segments: list[list[lines.Piece]] = [[]]
    for piece in pieces:
        if piece is None:
            segments.append([])
        else:
            segments[-1].append(piece)
    return segments


def _inlines(node: Any) -> Sequence[Any]:
    if isinstance(node, str):
        return (model.Text(node),)
    if isinstance(node, model.Paragraph):
        return node.children
    if isinstance(node, model.Heading):
        return node.children
    if isinstance(node, tuple):
        return node
    return ()


def _plain(node: Any) -> str:
    if isinstance(node, str):
        return node
    return model.plain_text(tuple(_inlines(node)))


def _space(face: ink.Face, size: float) -> float:
    return lines.advance(face, " ") * size


PLAIN = Setting(None, (), pdf=False)
