"""CommonMark (with tables, footnotes and attributes) to model nodes, via markdown-it-py.

Every finding points at the place in the source where the author can fix it: the converter follows the
source line by line as it reads a block's text (a cursor, :meth:`ChapterConverter.places`), so that a
change the typography makes, a link refused or a letter that came from a character reference
(``&ETH;``) is reported at its line and column, not at the block's first line.
"""

from __future__ import annotations

import dataclasses
import re
import urllib.parse
from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.footnote import footnote_plugin

from publish import model, rules
from publish.diagnostics import Diagnostic, Location
from publish.manuscript import links
from publish.manuscript.references import VALID_ID, BookIds, heading_name, numbered
from publish.text import limits
from publish.text.normalize import letters
from publish.text.typography import Change, Typographer, typeset

FIGURE_ATTRIBUTES = {"alt", "credit"}

# Resolves an image reference to a model Image, or returns None after recording a diagnostic.
ImageLoader = Callable[[str, Location], "model.Image | None"]

# An id written after a heading's text, as Pandoc has it: "## Giá cả {#gia-ca}".
HEADING_ID = re.compile(r"(?:^|\s+)\{\s*#(?P<id>[^\s{}]*)\s*\}$")


# Nesting no book reaches: block quotes and lists inside one another, and emphasis, strong emphasis and
# links inside one another. Deeper is refused (M016) before the token tree is built: markdown-it builds
# it, and the converter and the templates read it, by recursion (1000 nested '*' ended in RecursionError).
MAX_NESTING = 32
# markdown-it's own limit, on its token levels (a list takes two, a table four): where a document reaches
# it, markdown-it drops the rest of the text without a word (the commonmark preset's 20 lost the text of
# a tenth nested list), so it is set above anything MAX_NESTING lets through, and what reaches it is
# refused by the check of MAX_NESTING.
PARSER_NESTING = 4 * MAX_NESTING
# Note calls in one article: a few hundred in a real one. Each is laid out as an element of its own, with its
# note (10,000 cost two minutes of processor time and 1.4 GB); a hundred thousand would run for half an hour.
MAX_NOTE_CALLS = 10_000


def parser() -> MarkdownIt:
    # html=True so that raw HTML is *recognised* and reported, never passed through; every link and
    # image destination is let through markdown-it's own filter so that we judge (and report) it.
    md = MarkdownIt("commonmark", {"html": True, "maxNesting": PARSER_NESTING}).enable("table")
    md.use(footnote_plugin).use(attrs_plugin)
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


def reading_parser() -> MarkdownIt:
    """:func:`parser` leaving each character reference and escape a token of its own (``text_special``,
    which markdown-it otherwise joins to the text around it), so that the converter knows where it was typed."""
    md = parser()
    md.disable("text_join")
    return md


class ChapterConverter:
    """Turns the token tree of one chapter into blocks, collecting diagnostics instead of stopping."""

    def __init__(
        self, chapter_id: str, path: str, first_line: int, load_image: ImageLoader, language: str,
        file_lines: list[str], ids: BookIds | None = None,
    ) -> None:
        self.chapter_id = chapter_id
        self.path = path
        self.first_line = first_line
        self.load_image = load_image
        self.language = language
        self.file_lines = file_lines  # the whole (normalized) file, to give typography changes a column
        self.ids = ids or BookIds()  # the ids given in the book so far (articles are read in order)
        self.found: list[Diagnostic] = []
        self._figures = 0
        self._level = 1  # of the heading before (the article title is level 1)
        self._names: set[str] = set()  # heading names given in this article, and the {#id}s written in it
        self._written: dict[int, str] = {}  # heading node (by id()) -> the {#id} written after it
        self._typographer: Typographer | None = None
        self._line = 0
        self._column = 0  # where the source line has been read up to (0-based)

    def location(self, node: SyntaxTreeNode | None) -> Location:
        line = node.map[0] if node is not None and node.map else 0
        return Location(self.path, self.first_line + line)

    # Blocks -------------------------------------------------------------------------------------

    def convert(self, source: str) -> tuple[tuple[model.Block, ...], tuple[model.Footnote, ...]]:
        """The blocks and notes of an article's body; none for a body nested too deeply or calling too many
        notes (reported here), or beyond the size limits (reported with the file's text by
        :func:`publish.text.normalize.normalize`)."""
        if not limits.within_limits(source):
            return (), ()
        tokens = reading_parser().parse(source)
        if not self.bounded(tokens, self.first_line):
            return (), ()
        root = SyntaxTreeNode(tokens)
        self._written = self.written_ids(root)
        blocks: list[model.Block] = []
        footnotes: tuple[model.Footnote, ...] = ()
        for node in root.children:
            if node.type == "footnote_block":
                footnotes = self.footnotes(node)
            else:
                blocks.extend(self.block(node))
        return tuple(blocks), footnotes

    def bounded(self, tokens: list[Token], first_line: int) -> bool:
        """Whether ``tokens`` stay within what a book holds: nesting no deeper than :data:`MAX_NESTING`, and
        no more than :data:`MAX_NOTE_CALLS` note calls; if not, the first place where they do not is reported
        (``first_line``: the source line of their text's first line)."""
        blocks, calls, line = 0, 0, first_line
        for token in tokens:
            line = first_line + token.map[0] if token.map else line
            if token.type in ("blockquote_open", "bullet_list_open", "ordered_list_open"):
                blocks += 1
            elif token.type in ("blockquote_close", "bullet_list_close", "ordered_list_close"):
                blocks -= 1
            if blocks > MAX_NESTING:
                return self._too_deep("block quotes and lists", line)
            inline, lines = 0, 0
            for child in token.children or ():
                inline += child.nesting
                lines += child.type in ("softbreak", "hardbreak")
                calls += child.type == "footnote_ref"
                if inline > MAX_NESTING:
                    return self._too_deep("emphasis and links", line + lines)
                if calls > MAX_NOTE_CALLS:
                    self.found.append(rules.MANUSCRIPT_TOO_BIG(
                        f"more than {MAX_NOTE_CALLS:,} note calls in one article", Location(self.path, line + lines),
                        hint=f"Split the article into several: each may call up to {MAX_NOTE_CALLS:,} notes."))
                    return False
        return True

    def _too_deep(self, what: str, line: int) -> bool:
        self.found.append(rules.MANUSCRIPT_TOO_DEEP(
            f"{what} nested more than {MAX_NESTING} levels deep", Location(self.path, line)))
        return False

    def blocks(self, nodes: list[SyntaxTreeNode]) -> tuple[model.Block, ...]:
        return tuple(block for node in nodes for block in self.block(node))

    def block(self, node: SyntaxTreeNode) -> list[model.Block]:
        where = self.location(node)
        kind = node.type
        if kind == "paragraph":
            block = self.paragraph(node, where)
            return [block] if block is not None else []
        if kind == "heading":
            return [self.heading(node, where)]
        if kind == "blockquote":
            return [model.BlockQuote(self.blocks(node.children), where)]
        if kind in ("bullet_list", "ordered_list"):
            items = tuple(model.ListItem(self.blocks(item.children)) for item in node.children)
            tight = any(child.hidden for item in node.children for child in item.children)
            start = int(node.attrs.get("start", 1)) if kind == "ordered_list" else 1
            return [model.ListBlock(kind == "ordered_list", start, tight, items, where)]
        if kind == "table":
            return [self.table(node, where)]
        if kind in ("fence", "code_block"):
            return [model.CodeBlock(node.content, node.info.strip() if kind == "fence" else "", where)]
        if kind == "hr":
            return [model.ThematicBreak(where)]
        if kind == "html_block":
            self.found.append(rules.MANUSCRIPT_RAW_HTML(f"raw HTML block: {_excerpt(node.content)}", where))
            return []
        self.found.append(rules.MANUSCRIPT_UNSUPPORTED(f"'{kind}' is not supported", where))
        return []

    def paragraph(self, node: SyntaxTreeNode, where: Location) -> model.Block | None:
        inline = node.children[0]
        images = [child for child in inline.children if child.type == "image"]
        others = [c for c in inline.children if c.type != "image" and not (c.type == "text" and not c.content.strip())]
        if len(images) == 1 and not others:
            # A figure whose image is refused is reported once (R001, R002...), not again as an image in text.
            return self.figure(images[0], where)
        elif images:
            self.found.append(rules.MANUSCRIPT_INLINE_IMAGE(
                "an image shares its paragraph with text or other images", where,
            ))
        return model.Paragraph(self.inlines(inline, where), where)

    def heading(self, node: SyntaxTreeNode, where: Location) -> model.Heading:
        level = int(node.tag[1])
        if level == 1:
            self.found.append(rules.MANUSCRIPT_HEADING_LEVEL("'#' heading inside the article", where))
        elif level > self._level + 1:
            after = "the article title" if self._level == 1 else f"a '{'#' * self._level}' heading"
            self.found.append(rules.MANUSCRIPT_HEADING_SKIP(
                f"'{'#' * level}' heading right after {after}: level {'#' * (self._level + 1)} is skipped",
                where.at_line(where.line, 1),
            ))
        self._level = max(level, 2)
        children = self.inlines(node.children[0], where)
        name = self._written.get(id(node)) or numbered(
            heading_name(model.plain_text(children), "muc" if self.vietnamese else "section"),
            lambda candidate: candidate not in self._names)
        self._names.add(name)
        return model.Heading(max(level, 2), children, self.ids.claim(name), where, name)

    def written_ids(self, root: SyntaxTreeNode) -> dict[int, str]:
        """The ``{#id}`` written after each heading that has one, taken out of its text; an id that cannot
        be one, or is given twice in the article, is reported (the heading then gets a name from its text)."""
        found: dict[int, str] = {}
        for node in root.walk():
            if node.type != "heading" or not node.children or not node.children[0].children:
                continue
            last = node.children[0].children[-1]
            match = HEADING_ID.search(last.content.rstrip()) if last.type == "text" else None
            if match is None:
                continue
            assert last.token is not None
            last.token.content = last.content.rstrip()[: match.start()]
            written = match.group("id")
            where = self.location(node)
            source = self.file_lines[where.line - 1] if where.line and where.line <= len(self.file_lines) else ""
            at = source.rfind("{")
            where = where.at_line(where.line, at + 1 if at >= 0 else None)
            if not VALID_ID.fullmatch(written):
                suggestion = heading_name(written, "")
                self.found.append(rules.MANUSCRIPT_HEADING_ID(
                    f"'{{#{written}}}' cannot be an id", where,
                    hint=f"Write {{#{suggestion}}}." if suggestion else None,
                ))
            elif written in self._names:
                self.found.append(rules.MANUSCRIPT_HEADING_ID(f"'{{#{written}}}' is given to two headings", where))
            else:
                self._names.add(written)
                found[id(node)] = written
        return found

    @property
    def vietnamese(self) -> bool:
        return self.language.lower().split("-")[0] == "vi"

    def figure(self, node: SyntaxTreeNode, where: Location) -> model.Figure | None:
        attrs = {str(k): str(v) for k, v in node.attrs.items()}
        if attrs.get("title"):  # ![caption](photo.jpg "title"): a tooltip, which a printed page cannot show
            self.found.append(rules.MANUSCRIPT_FIGURE_ATTRIBUTE(
                f"the image title \"{attrs['title']}\" would be printed nowhere: put it in the caption (the text "
                "in brackets) or the credit", where,
            ))
        unknown = sorted(set(attrs) - FIGURE_ATTRIBUTES - {"src", "title"})
        if unknown:
            self.found.append(rules.MANUSCRIPT_FIGURE_ATTRIBUTE(
                f"unknown figure attribute(s): {', '.join(unknown)}", where,
            ))
        image = self.load_image(attrs["src"], where)
        if image is None:
            return None
        self._figures += 1
        alt = self.attribute(attrs.get("alt", ""), where)
        caption = self.inlines(node, where)
        caption_text = " ".join(model.plain_text(caption).split())
        if not alt:
            self.found.append(rules.MANUSCRIPT_NO_ALT(f"figure '{attrs['src']}' has no alt text", where))
        elif alt.casefold() == caption_text.casefold():
            self.found.append(rules.MANUSCRIPT_ALT_IS_CAPTION(
                f"the alt text of '{attrs['src']}' is the caption again", where,
            ))
        if not caption_text:
            self.found.append(rules.MANUSCRIPT_NO_CAPTION(f"figure '{attrs['src']}' has no caption", where))
        return model.Figure(
            image=image,
            caption=caption,
            alt=alt,
            credit=self.attribute(attrs.get("credit", ""), where),
            id=f"{self.chapter_id}-fig{self._figures}",
            location=where,
        )

    def table(self, node: SyntaxTreeNode, where: Location) -> model.Table:
        head: list[tuple[model.TableCell, ...]] = []
        body: list[tuple[model.TableCell, ...]] = []
        for section in node.children:
            target = head if section.type == "thead" else body
            for row in section.children:
                at = self.location(row) if row.map else where
                target.append(tuple(
                    model.TableCell(
                        self.inlines(cell.children[0], at) if cell.children else (),
                        _align(str(cell.attrs.get("style", ""))),
                        cell.type == "th",
                    )
                    for cell in row.children
                ))
        return model.Table(tuple(head), tuple(body), where)

    def footnotes(self, node: SyntaxTreeNode) -> tuple[model.Footnote, ...]:
        notes = []
        for note in node.children:
            number = int(note.meta["id"]) + 1
            blocks = self.blocks([child for child in note.children if child.type != "footnote_anchor"])
            notes.append(model.Footnote(
                number, f"{self.chapter_id}-fn{number}", f"{self.chapter_id}-fnref{number}", blocks,
            ))
        return tuple(notes)

    # Inlines ------------------------------------------------------------------------------------

    def lead(self, text: str, where: Location) -> tuple[model.Inline, ...]:
        """The front matter's ``lead``, which is Markdown (``where`` is its line)."""
        tokens = reading_parser().parseInline(text)
        if not self.bounded(tokens, where.line or self.first_line):
            return ()
        return self.inlines(SyntaxTreeNode(tokens).children[0], where)

    def inlines(self, node: SyntaxTreeNode, where: Location) -> tuple[model.Inline, ...]:
        """The inline content of one block, its prose typeset by one typographer in reading order."""
        if self._typographer is not None:
            return self._inlines(node, where)
        self._typographer, self._line, self._column = Typographer(self.language), where.line or 0, 0
        try:
            return self._inlines(node, where)
        finally:
            self._typographer = None

    def attribute(self, value: str, where: Location) -> str:
        text, changes = typeset(" ".join(value.split()), self.language)
        self._report(changes, value, where.line or 0)
        return text

    def text(self, nodes: list[SyntaxTreeNode]) -> model.Text:
        """A run of text (what markdown-it decoded from references and escapes included), typeset; each
        change reported where it was typed, and letters that came from references checked as typed ones are."""
        assert self._typographer is not None
        pieces = [(node.content, node.markup if node.type == "text_special" else node.content) for node in nodes]
        content = "".join(decoded for decoded, _ in pieces)
        places = self.places(pieces)
        referenced: set[int] = set()  # the characters that came from references (&ETH;, &#208;)
        offset = 0
        for node in nodes:
            if node.type == "text_special" and node.info == "entity":
                referenced.update(range(offset, offset + len(node.content)))
            offset += len(node.content)
        if referenced:
            content = self._referenced_letters(content, places, referenced)
        text, changes = self._typographer(content)
        for change in changes:
            column = places[change.offset] if change.offset < len(places) else None
            self.found.append(change.rule(change.describe(), Location(self.path, self._line, column)))
        return model.Text(text)

    def places(self, pieces: list[tuple[str, str]]) -> list[int | None]:
        """The source column (1-based) of each character of ``pieces`` (what it became, as it was typed) on
        the current line, read on from where the line was read up to; None where it cannot be found."""
        line = self._source_line()
        places: list[int | None] = []
        for decoded, written in pieces:
            at = line.find(written, self._column) if written else -1
            if at < 0:
                places += [None] * len(decoded)
                continue
            self._column = at + len(written)
            places += [at + 1 + index for index in range(len(decoded))] if decoded == written else \
                [at + 1] * len(decoded)
        return places

    def _referenced_letters(self, content: str, places: list[int | None], referenced: set[int]) -> str:
        """``content`` with the letter fixes :mod:`publish.text.normalize` makes to typed text made to the
        characters that came from references (``&ETH;`` → Đ), each reported at its reference."""
        fixed, findings = letters(content, Location(self.path, self._line), self.vietnamese)
        for finding in findings:
            index = (finding.location.column or 0) - 1 if finding.location else -1
            if index in referenced:
                self.found.append(dataclasses.replace(
                    finding, message=f"{finding.message} (from a character reference)",
                    location=Location(self.path, self._line, places[index])))
        return "".join(fixed[index] if index in referenced else ch for index, ch in enumerate(content))

    def _source_line(self) -> str:
        return self.file_lines[self._line - 1] if 0 < self._line <= len(self.file_lines) else ""

    def _report(self, changes: list[Change], content: str, line: int) -> None:
        source = self.file_lines[line - 1] if 0 < line <= len(self.file_lines) else ""
        start = source.find(content) if content else -1
        for change in changes:
            column = start + change.offset + 1 if start >= 0 else None
            self.found.append(change.rule(change.describe(), Location(self.path, line, column)))

    def _inlines(self, node: SyntaxTreeNode, where: Location) -> tuple[model.Inline, ...]:
        out: list[model.Inline] = []
        run: list[SyntaxTreeNode] = []  # text (and decoded references) not yet set

        def add(converted: model.Inline | None) -> None:
            if converted is None:
                return
            if isinstance(converted, model.Text) and out and isinstance(out[-1], model.Text):
                out[-1] = model.Text(out[-1].text + converted.text)
            else:
                out.append(converted)

        for child in node.children:
            if child.type in ("text", "text_special"):
                run.append(child)
                continue
            if run:
                add(self.text(run))
                run = []
            add(self.inline(child, where))
        if run:
            add(self.text(run))
        return tuple(out)

    def inline(self, node: SyntaxTreeNode, where: Location) -> model.Inline | None:
        kind = node.type
        if kind in ("softbreak", "hardbreak"):
            assert self._typographer is not None
            self._typographer.skip(" ")
            self._line, self._column = self._line + 1, 0
            return model.Text(" ") if kind == "softbreak" else model.LineBreak()
        if kind == "em":
            return model.Emphasis(self._inlines(node, where))
        if kind == "strong":
            return model.Strong(self._inlines(node, where))
        if kind == "code_inline":
            assert self._typographer is not None
            self._typographer.skip(node.content)
            self.places([(node.content, node.content)])
            return model.Code(node.content)
        if kind == "link":
            return self.link(node, where)
        if kind == "footnote_ref":
            number = int(node.meta["id"]) + 1
            sub = int(node.meta.get("subId", 0))
            anchor = f"{self.chapter_id}-fnref{number}" + (f"-{sub}" if sub else "")
            return model.FootnoteRef(number, anchor, f"{self.chapter_id}-fn{number}")
        if kind == "html_inline":
            self.found.append(rules.MANUSCRIPT_RAW_HTML(f"raw HTML: {_excerpt(node.content)}", where))
            return None
        if kind == "image":
            self.found.append(rules.MANUSCRIPT_INLINE_IMAGE("an image inside running text", where))
            return None
        self.found.append(rules.MANUSCRIPT_UNSUPPORTED(f"'{kind}' is not supported", where))
        return None

    def link(self, node: SyntaxTreeNode, where: Location) -> model.Inline:
        """A link to an address, or to a place in the book (resolved once every article is read); a link
        the book cannot follow is reported at its address in the source."""
        href, title = str(node.attrs.get("href", "")), str(node.attrs.get("title", ""))
        start = self._column
        children = self._inlines(node, where)
        line = self._source_line()
        written = urllib.parse.unquote(href)
        at = line.find(written, start) if written else -1
        at = line.find(href, start) if at < 0 and href else at
        place = Location(self.path, self._line or where.line, at + 1 if at >= 0 else None)
        if at >= 0:
            self._column = max(self._column, at + len(written))
        destination = links.destination(href, self.path)
        if isinstance(destination, links.Refused):
            self.found.append(destination.rule(destination.message, place))
        elif isinstance(destination, links.Place):
            return model.Reference(destination.article, destination.fragment, title, children, place)
        return model.Link(href, title, children)


def _align(style: str) -> str:
    return style.removeprefix("text-align:").strip() if style.startswith("text-align:") else ""


def _excerpt(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
