"""CommonMark (with tables, footnotes and attributes) to model nodes, via markdown-it-py."""

from __future__ import annotations

from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.footnote import footnote_plugin

from publish import model, rules
from publish.diagnostics import Diagnostic, Location
from publish.text.typography import Change, Typographer, typeset

FIGURE_ATTRIBUTES = {"alt", "credit"}

# Resolves an image reference to a model Image, or returns None after recording a diagnostic.
ImageLoader = Callable[[str, Location], "model.Image | None"]


LINK_SCHEMES = ("http:", "https:", "mailto:", "tel:")


def parser() -> MarkdownIt:
    # html=True so that raw HTML is *recognised* and reported, never passed through; every link and
    # image destination is let through markdown-it's own filter so that we judge (and report) it.
    md = MarkdownIt("commonmark", {"html": True}).enable("table").use(footnote_plugin).use(attrs_plugin)
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


class ChapterConverter:
    """Turns the token tree of one chapter into blocks, collecting diagnostics instead of stopping."""

    def __init__(
        self, chapter_id: str, path: str, first_line: int, load_image: ImageLoader, language: str,
        file_lines: list[str],
    ) -> None:
        self.chapter_id = chapter_id
        self.path = path
        self.first_line = first_line
        self.load_image = load_image
        self.language = language
        self.file_lines = file_lines  # the whole (normalized) file, to give typography changes a column
        self.found: list[Diagnostic] = []
        self._headings = 0
        self._figures = 0
        self._typographer: Typographer | None = None
        self._line = 0

    def location(self, node: SyntaxTreeNode | None) -> Location:
        line = node.map[0] if node is not None and node.map else 0
        return Location(self.path, self.first_line + line)

    # Blocks -------------------------------------------------------------------------------------

    def convert(self, source: str) -> tuple[tuple[model.Block, ...], tuple[model.Footnote, ...]]:
        root = SyntaxTreeNode(parser().parse(source))
        blocks: list[model.Block] = []
        footnotes: tuple[model.Footnote, ...] = ()
        for node in root.children:
            if node.type == "footnote_block":
                footnotes = self.footnotes(node)
            else:
                blocks.extend(self.block(node))
        return tuple(blocks), footnotes

    def blocks(self, nodes: list[SyntaxTreeNode]) -> tuple[model.Block, ...]:
        return tuple(block for node in nodes for block in self.block(node))

    def block(self, node: SyntaxTreeNode) -> list[model.Block]:
        where = self.location(node)
        kind = node.type
        if kind == "paragraph":
            block = self.paragraph(node, where)
            return [block] if block is not None else []
        if kind == "heading":
            level = int(node.tag[1])
            if level == 1:
                self.found.append(rules.MANUSCRIPT_HEADING_LEVEL("'#' heading inside the article", where))
            self._headings += 1
            return [model.Heading(max(level, 2), self.inlines(node.children[0], where),
                                  f"{self.chapter_id}-s{self._headings}", where)]
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

    def figure(self, node: SyntaxTreeNode, where: Location) -> model.Figure | None:
        attrs = {str(k): str(v) for k, v in node.attrs.items()}
        unknown = sorted(set(attrs) - FIGURE_ATTRIBUTES - {"src"})
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
                target.append(tuple(
                    model.TableCell(
                        self.inlines(cell.children[0], where) if cell.children else (),
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

    def inlines(self, node: SyntaxTreeNode, where: Location) -> tuple[model.Inline, ...]:
        """The inline content of one block, its prose typeset by one typographer in reading order."""
        if self._typographer is not None:
            return self._inlines(node, where)
        self._typographer, self._line = Typographer(self.language), where.line or 0
        try:
            return self._inlines(node, where)
        finally:
            self._typographer = None

    def attribute(self, value: str, where: Location) -> str:
        text, changes = typeset(" ".join(value.split()), self.language)
        self._report(changes, value, where.line or 0)
        return text

    def text(self, content: str) -> model.Text:
        assert self._typographer is not None
        text, changes = self._typographer(content)
        self._report(changes, content, self._line)
        return model.Text(text)

    def _report(self, changes: list[Change], content: str, line: int) -> None:
        source = self.file_lines[line - 1] if 0 < line <= len(self.file_lines) else ""
        start = source.find(content) if content else -1
        for change in changes:
            column = start + change.offset + 1 if start >= 0 else None
            self.found.append(change.rule(change.describe(), Location(self.path, line, column)))

    def _inlines(self, node: SyntaxTreeNode, where: Location) -> tuple[model.Inline, ...]:
        out: list[model.Inline] = []
        for child in node.children:
            converted = self.inline(child, where)
            if converted is None:
                continue
            if isinstance(converted, model.Text) and out and isinstance(out[-1], model.Text):
                out[-1] = model.Text(out[-1].text + converted.text)
            else:
                out.append(converted)
        return tuple(out)

    def inline(self, node: SyntaxTreeNode, where: Location) -> model.Inline | None:
        kind = node.type
        if kind == "text":
            return self.text(node.content)
        if kind in ("softbreak", "hardbreak"):
            assert self._typographer is not None
            self._typographer.skip(" ")
            self._line += 1
            return model.Text(" ") if kind == "softbreak" else model.LineBreak()
        if kind == "em":
            return model.Emphasis(self._inlines(node, where))
        if kind == "strong":
            return model.Strong(self._inlines(node, where))
        if kind == "code_inline":
            assert self._typographer is not None
            self._typographer.skip(node.content)
            return model.Code(node.content)
        if kind == "link":
            href = str(node.attrs.get("href", ""))
            if not href.lower().startswith(LINK_SCHEMES):
                self.found.append(rules.MANUSCRIPT_LINK(f"link to '{href}' cannot be followed from the book", where))
            return model.Link(href, str(node.attrs.get("title", "")), self._inlines(node, where))
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


def _align(style: str) -> str:
    return style.removeprefix("text-align:").strip() if style.startswith("text-align:") else ""


def _excerpt(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
