"""Print page numbers in the EPUB: where each page of the press PDF starts, marked in the EPUB's text.

After WeasyPrint lays out the press PDF, the first piece of body text on every page is located as a
place in the document: the nearest element with an ``id`` (an article, a heading, the title page...),
the path of child indexes from it down to the block that holds the text, and how many letters of that
block come before the page starts. The EPUB documents are rendered from the same model by the same
templates, so the same place exists there, and a page-break marker is put exactly at it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from publish.output.engine import PageView

XHTML = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
# Blocks whose text a page may start inside; a marker never goes deeper than one of these.
BLOCKS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "figcaption", "td", "th", "pre", "dt", "dd",
                    "caption", "blockquote", "section", "nav", "article", "figure", "div", "header"})


# Blocks before which a marker may stand when a page opens with them (their parents take flow content);
# a page that opens with a list item or a table cell gets its marker inside.
BEFORE = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "figure", "div", "section",
                    "header", "article", "nav"})


@dataclass(frozen=True)
class PageStart:
    page: int  # the printed page number (the folio)
    anchor: str  # id of the nearest element that has one
    path: tuple[int, ...]  # element-child indexes from the anchor down to the block
    offset: int  # letters (white space not counted) of the block before the page starts


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def page_starts(pages: Iterable[tuple[int, PageView]]) -> list[PageStart]:
    """Where each page that has body text starts, for (printed page number, laid-out page) pairs.

    A page's text is its lines (and footnotes) without the running heads, folios and the text CSS
    generates (list markers, ``::before``).
    """
    parents: dict[Any, dict[Any, Any]] = {}  # per document tree: element -> parent
    seen: dict[Any, int] = {}  # block element -> letters laid out so far
    starts: list[PageStart] = []
    for number, view in pages:
        if view.root is None:
            continue
        if view.root not in parents:
            parents[view.root] = {kid: parent for parent in view.root.iter() for kid in parent}
        tree = parents[view.root]
        first: PageStart | None = None
        moved: PageStart | None = None  # the place of a moved figure, for a page that holds nothing else
        for line in view.lines + view.notes:
            for run in line.runs:
                if run.generated or run.element is None:
                    continue
                letters = sum(1 for ch in run.text if not ch.isspace())
                if not letters:
                    continue
                block = _block_of(run.element, tree)
                figure = _floated(block, tree) if first is None else None
                if figure is not None:  # a figure page make-up moved to the top of the page: the page opens after it
                    moved = moved or _place(number, figure, 0, tree)
                    continue
                if first is None:  # (a paragraph that page make-up cut in two counts from its first part)
                    first = _place(number, block, seen.get(block, 0) + int(block.get("data-cut", 0)), tree)
                seen[block] = seen.get(block, 0) + letters
        if first is None and moved is not None and not _before(moved, starts):
            first = moved  # a page of a moved figure alone starts where the figure is in the EPUB
        if first is not None:
            starts.append(first)
    return starts


def _before(place: PageStart, starts: list[PageStart]) -> bool:
    """Whether ``place`` comes before the last of ``starts`` in the text (the place where a figure was may
    precede the start of the page before the one it was moved to)."""
    last = starts[-1] if starts else None
    return last is not None and last.anchor == place.anchor and place.path < last.path


def _floated(element: Any, parents: dict[Any, Any]) -> Any:
    """The figure that page make-up moved which holds ``element``, if any."""
    while element is not None:
        if element.get("data-moved") is not None:
            return element
        element = parents.get(element)
    return None


def _block_of(element: Any, parents: dict[Any, Any]) -> Any:
    while _local(element.tag) not in BLOCKS and element in parents:
        element = parents[element]
    return element


def _place(page: int, block: Any, offset: int, parents: dict[Any, Any]) -> PageStart:
    path: list[int] = []
    element = block
    while element.get("id") is None and element in parents:
        parent = parents[element]
        siblings = [kid for kid in parent if isinstance(kid.tag, str)]
        # Page make-up may have moved a figure: a block's place in the EPUB, which has it where it was.
        path.insert(0, int(element.get("data-o", siblings.index(element))))
        element = parent
    return PageStart(page, str(element.get("id", "")), tuple(path), offset)


def marker_id(page: int) -> str:
    return f"page-{page}"


def mark_pages(root: Any, starts: Sequence[PageStart]) -> list[tuple[int, str]]:
    """Insert a page-break marker for each start whose anchor is in ``root`` (an lxml XHTML tree).

    Returns (page, marker id) for the markers placed.
    """
    placed = []
    index = {element.get("id"): element for element in root.iter() if element.get("id")}
    # Find every block first: a marker placed before a block shifts the child indexes of later paths.
    targets = [(start, anchor, follow(anchor, start.path)) for start in starts
               if (anchor := index.get(start.anchor)) is not None]
    inside: dict[Any, list[tuple[int, Any]]] = {}  # block -> (offset, marker) of the pages that start in it
    for start, anchor, block in targets:
        navigation = next((a for a in (block if block is not None else anchor).iterancestors()
                           if _local(a.tag) == "nav"), None)
        if navigation is not None:  # a nav must hold only its heading and list: the marker goes before it
            block = navigation
        marker = etree.Element(f"{{{XHTML}}}span", {
            f"{{{EPUB_NS}}}type": "pagebreak", "role": "doc-pagebreak", "id": marker_id(start.page),
            "aria-label": str(start.page),
        })
        if block is None or _local(block.tag) == "nav" or (start.offset == 0 and _local(block.tag) in BEFORE):
            (anchor if block is None else block).addprevious(marker)  # a page that opens with this block
        else:
            inside.setdefault(block, []).append((start.offset, marker))
        placed.append((start.page, marker_id(start.page)))
    for block, markers in inside.items():
        _insert_at(block, sorted(markers, key=lambda pair: pair[0]))
    return placed


def follow(anchor: Any, path: tuple[int, ...]) -> Any:
    """The element at ``path`` (element-child indexes) below ``anchor``, None when there is none."""
    element = anchor
    for position in path:
        children = [kid for kid in element if isinstance(kid.tag, str)]
        if position >= len(children):
            return None
        element = children[position]
    return element


def _text_slots(element: Any) -> Iterator[tuple[Any, str]]:
    """(node, "text" or "tail") for every piece of text inside ``element``, in reading order."""
    yield element, "text"
    for child in element:
        if isinstance(child.tag, str):
            yield from _text_slots(child)
        yield child, "tail"


def _insert_at(block: Any, markers: Sequence[tuple[int, Any]]) -> None:
    """Put each marker inside ``block`` after its offset in letters (white space not counted), ``markers``
    in the order of their offsets: in one reading of the block's text, however many pages it runs over."""
    pending = list(markers)
    read = 0  # letters of the block before the slot
    for node, slot in list(_text_slots(block)):
        text = getattr(node, slot) or ""
        ends = [index for index, ch in enumerate(text) if not ch.isspace()]  # where each letter is
        cuts: list[tuple[int, Any]] = []
        while pending and (pending[0][0] - read == 0 or pending[0][0] - read < len(ends)):
            offset, marker = pending.pop(0)
            cuts.append((_cut(text, ends, offset - read), marker))
        read += len(ends)
        if cuts:
            _split(node, slot, text, cuts)
    for _, marker in pending:
        block.append(marker)


def _split(node: Any, slot: str, text: str, cuts: Sequence[tuple[int, Any]]) -> None:
    """The ``slot`` ("text" or "tail") of ``node`` cut at each index of ``cuts``, its marker put there."""
    setattr(node, slot, text[: cuts[0][0]])
    previous = None
    for number, (cut, marker) in enumerate(cuts):
        if previous is not None:
            previous.addnext(marker)
        elif slot == "text":
            node.insert(0, marker)
        else:
            node.addnext(marker)
        marker.tail = text[cut: cuts[number + 1][0]] if number + 1 < len(cuts) else text[cut:]
        previous = marker


def _cut(text: str, ends: Sequence[int], letters: int) -> int:
    """The index in ``text`` after ``letters`` non-space characters (and the spaces that follow); ``ends``
    are the indexes of its non-space characters."""
    if letters == 0:
        return 0
    rest = ends[letters - 1] + 1
    while rest < len(text) and text[rest].isspace():
        rest += 1
    return rest
