"""Heading ids, and the links between articles resolved once every article is read.

A heading's *name* is what links in its article call it: the ``{#id}`` written after it, or else its text
folded to ASCII, lower case, words joined by hyphens (``## Giá cả`` → ``gia-ca``; leading digits dropped,
as Pandoc does, since an XML id cannot start with one); a second heading of the same name in the article
gets ``-2``, then ``-3``. Its *id* in the book is its name made unique across the book in reading order
(the PDF is one document) and kept clear of the ids publish gives other elements (``ch01``, ``page-12``):
the same manuscript always gets the same ids.

A link to an article or a heading (:class:`publish.model.Reference`) is resolved here to the article's id
and the element's; one that leads nowhere is an error at its place in the manuscript.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from publish import model, rules
from publish.diagnostics import Diagnostic
from publish.text.slug import fold_ascii

# Ids the templates and the pagination give elements: a heading never takes one of them.
RESERVED = re.compile(
    r"ch\d+(-(title|notes|fig\d+|fn\d+|fnref\d+(-\d+)?))?|page-\d+|toc(-title)?|landmarks(-title)?"
    r"|page-list(-title)?|titlepage|colophon|cover"
)
# What an id written in the manuscript may be: an XML id (an EPUB needs it) that is safe in a URL.
VALID_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
MAX_NAME = 60  # characters of a name made from a heading's text (cut at a word)


def heading_name(text: str, fallback: str = "muc") -> str:
    """The name a heading's text gives it: ASCII words joined by '-', leading digits and signs dropped
    ('2. Giá cả thị trường' → 'gia-ca-thi-truong'); ``fallback`` when no letter is left."""
    words = re.findall(r"[a-z0-9]+", fold_ascii(text).lower())
    while words and not words[0][0].isalpha():
        words[0] = words[0].lstrip("0123456789")
        if not words[0]:
            words.pop(0)
    name = ""
    for word in words:
        candidate = f"{name}-{word}" if name else word
        if len(candidate) > MAX_NAME and name:
            break
        name = candidate
    return name or fallback


def numbered(name: str, free: Callable[[str], bool]) -> str:
    """``name``, or ``name-2``, ``name-3``... the first that ``free`` accepts."""
    candidate, number = name, 1
    while not free(candidate):
        number += 1
        candidate = f"{name}-{number}"
    return candidate


class BookIds:
    """The ids given so far in the book, in reading order."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def claim(self, name: str) -> str:
        """An id for ``name``, unique in the book and clear of publish's own."""
        chosen = numbered(name, lambda candidate: candidate not in self.used and not RESERVED.fullmatch(candidate))
        self.used.add(chosen)
        return chosen


def folded(fragment: str) -> str:
    """A fragment as it may be typed by hand from a heading's text ('#giá-cả', '#Giá-Cả'): folded to a name."""
    return fold_ascii(fragment).lower()


# Resolution --------------------------------------------------------------------------------------------

Node = TypeVar("Node")


def headings(chapter: model.Chapter) -> Iterator[model.Heading]:
    """Every heading of an article (in quotes and lists too), in reading order."""

    def walk(blocks: Sequence[model.Block]) -> Iterator[model.Heading]:
        for block in blocks:
            if isinstance(block, model.Heading):
                yield block
            elif isinstance(block, model.BlockQuote):
                yield from walk(block.children)
            elif isinstance(block, model.ListBlock):
                for item in block.items:
                    yield from walk(item.children)

    yield from walk(chapter.blocks)
    for note in chapter.footnotes:
        yield from walk(note.children)


def resolve(chapters: Sequence[model.Chapter], unread: Iterable[str] = ()) -> tuple[
        tuple[model.Chapter, ...], list[Diagnostic]]:
    """The chapters with every cross-reference resolved, and an error for each that leads nowhere.

    ``unread`` names the articles that could not be read (an error already says why): links to them are
    left alone.
    """
    by_source = {chapter.source: chapter for chapter in chapters}
    names = {chapter.source: {h.name: h.id for h in headings(chapter)} for chapter in chapters}
    skipped = set(unread)
    found: list[Diagnostic] = []

    def resolved(reference: model.Reference, chapter: model.Chapter) -> model.Reference:
        source = reference.article or chapter.source
        target = by_source.get(source)
        if target is None:
            if source not in skipped:
                found.append(rules.MANUSCRIPT_BROKEN_REFERENCE(
                    f"link to '{_shown(reference)}': there is no article {source}", reference.location,
                    hint=_suggest(source, list(by_source), "article"),
                ))
            return reference
        if not reference.fragment:
            return dataclasses.replace(reference, chapter=target.id, target=target.id)
        known = names[source]
        element = known.get(reference.fragment)
        if element is None:
            matches = [name for name in known if name == folded(reference.fragment)]
            element = known[matches[0]] if len(matches) == 1 else None
        if element is None:
            where = "in this article" if source == chapter.source else f"in {source}"
            found.append(rules.MANUSCRIPT_BROKEN_REFERENCE(
                f"link to '{_shown(reference)}': no heading '#{reference.fragment}' {where}", reference.location,
                hint=_suggest(reference.fragment, list(known), "heading", source),
            ))
            return reference
        return dataclasses.replace(reference, chapter=target.id, target=element)

    out = []
    for chapter in chapters:
        out.append(_rewrite(chapter, lambda reference, here=chapter: resolved(reference, here)))
    return tuple(out), found


def _shown(reference: model.Reference) -> str:
    article = reference.article.rpartition("/")[2] if reference.article else ""
    return article + (f"#{reference.fragment}" if reference.fragment else "")


def _suggest(wanted: str, known: list[str], kind: str, source: str = "") -> str | None:
    """The rule's hint with the closest names, when there are any."""
    if kind == "article":
        files = {name.rpartition("/")[2]: name for name in known}
        close = difflib.get_close_matches(wanted.rpartition("/")[2], list(files), n=3, cutoff=0.5)
        return f"Did you mean {', '.join(close)}?" if close else None
    close = difflib.get_close_matches(folded(wanted), known, n=3, cutoff=0.5)
    if close:
        return f"Did you mean {', '.join('#' + name for name in close)}?"
    if known:
        listed = ", ".join("#" + name for name in known[:8]) + (" ..." if len(known) > 8 else "")
        return f"The headings of {source} are {listed}."
    return f"{source} has no section heading: link to the article itself (without '#...')."


def _rewrite(node: Node, change: Any) -> Node:
    """``node`` with every Reference in it replaced by ``change(reference)`` (the tree is frozen: the nodes
    on the way are copied, the others shared)."""
    if isinstance(node, tuple):
        items = tuple(_rewrite(item, change) for item in node)
        return node if all(a is b for a, b in zip(items, node, strict=True)) else items  # type: ignore[return-value]
    if isinstance(node, model.Reference):
        return change(node)  # type: ignore[no-any-return]
    if not dataclasses.is_dataclass(node) or isinstance(node, model.Image | model.Text | type):
        return node
    changes = {}
    for field in dataclasses.fields(node):
        value = getattr(node, field.name)
        if isinstance(value, tuple):
            new = _rewrite(value, change)
            if new is not value:
                changes[field.name] = new
    return dataclasses.replace(node, **changes) if changes else node
