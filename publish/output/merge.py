"""One press PDF from the parts of a book laid out in two processes (see :mod:`publish.output.layout`).

Each part is a PDF WeasyPrint wrote of some of the book's pages. A link whose target is in another part
was given a stand-in target on its part's first page (WeasyPrint drops a link to a missing target);
:func:`merged` puts the pages together with pikepdf, with the first part's catalog (metadata, viewer
settings), rebuilds the named destinations from the part that really has each target and the outline
from all of them, and keeps one copy of each photo.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import pikepdf

# A part of the book: its PDF, and the names it has for targets in another part.
Part = tuple[bytes, frozenset[str]]


def stand_ins(pages: Sequence[Any]) -> frozenset[str]:
    """The targets of the links on ``pages`` (``weasyprint.Page``) that none of them has; each is given
    to the first page, so that WeasyPrint keeps the links, and :func:`merged` points them home."""
    present = {name for page in pages for name in page.anchors}
    targets = {target for page in pages for kind, target, _, _ in page.links if kind == "internal"}
    missing = frozenset(targets - present)
    if pages and missing:
        pages[0].anchors.update({name: (0, 0, 0, 0) for name in sorted(missing)})
    return missing


@contextmanager
def merged(parts: Sequence[Part]) -> Iterator[pikepdf.Pdf]:
    """One PDF of the pages of ``parts``, in order, with the first part's catalog (metadata, viewer
    settings), and the named destinations and outline of all of them.

    Open while the caller saves it: pikepdf copies the pages' streams from the parts when it writes.
    """
    with ExitStack() as stack:
        sources = [stack.enter_context(pikepdf.open(io.BytesIO(data))) for data, _ in parts]
        positions: list[dict[tuple[int, int], int]] = []  # per part: page object -> index in the book
        for source in sources:
            start = sum(len(places) for places in positions)
            positions.append({page.obj.objgen: start + index for index, page in enumerate(source.pages)})
        outline = [item for source, places in zip(sources, positions, strict=True)
                   for item in _outline(source, places)]
        destinations: dict[str, tuple[int, list[float]]] = {}
        for source, places, (_, stand_ins) in zip(sources, positions, parts, strict=True):
            for name, place in _destinations(source, places).items():
                if name not in stand_ins:
                    destinations.setdefault(name, place)
        book = sources[0]
        with warnings.catch_warnings():  # (that the destinations are not copied: they are rebuilt below)
            warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
            book.pages.extend([page for source in sources[1:] for page in source.pages])
        _share_images(book)
        tree = pikepdf.NameTree.new(book)
        for name in sorted(destinations):
            page, where = destinations[name]
            tree[name] = pikepdf.Array([book.pages[page].obj, pikepdf.Name.XYZ, *where])
        book.Root.Names = pikepdf.Dictionary(Dests=tree.obj)
        with book.open_outline() as merged_outline:
            merged_outline.root.clear()
            merged_outline.root.extend(_outline_items(outline))
        yield book


def _share_images(book: pikepdf.Pdf) -> None:
    """One copy of each photo: every part embeds the photos it shows, and one used in both halves
    (a logo, the same photo in two articles) would be in the book twice."""
    first: dict[bytes, pikepdf.Object] = {}
    shared: dict[tuple[int, int], pikepdf.Object] = {}  # image object -> the copy kept
    for page in book.pages:
        resources: Any = page.obj.get("/Resources", {})
        xobjects: Any = resources.get("/XObject", {})
        for name, xobject in list(xobjects.items()):
            if xobject.objgen not in shared:
                if xobject.get("/Subtype") != pikepdf.Name.Image or "/SMask" in xobject:
                    shared[xobject.objgen] = xobject
                    continue
                key = hashlib.sha256(xobject.read_raw_bytes() + repr(sorted(
                    (str(key), repr(value)) for key, value in xobject.items() if key != "/Length")).encode()).digest()
                shared[xobject.objgen] = first.setdefault(key, xobject)
            if shared[xobject.objgen].objgen != xobject.objgen:
                xobjects[name] = shared[xobject.objgen]


@dataclass(frozen=True)
class _Bookmark:
    title: str
    page: int
    where: list[float]
    closed: bool
    children: list[_Bookmark]


def _place(destination: Any, places: dict[tuple[int, int], int]) -> tuple[int, list[float]] | None:
    """(page index in the book, [left, top, zoom]) of a ``[page /XYZ left top zoom]`` destination."""
    if not isinstance(destination, pikepdf.Array) or len(destination) != 5:
        return None
    page = places.get(destination[0].objgen)
    return None if page is None else (page, [float(value) for value in destination[2:]])


def _destinations(source: pikepdf.Pdf, places: dict[tuple[int, int], int]) -> dict[str, tuple[int, list[float]]]:
    names = source.Root.get("/Names")
    if names is None or "/Dests" not in names:
        return {}
    found = {}
    for name, destination in pikepdf.NameTree(names.Dests).items():
        place = _place(destination, places)
        if place is not None:
            found[name] = place
    return found


def _outline(source: pikepdf.Pdf, places: dict[tuple[int, int], int]) -> list[_Bookmark]:
    """The bookmarks of ``source``, their pages as indexes in the book."""
    def walk(items: Any) -> list[_Bookmark]:
        bookmarks = []
        for item in items:
            place = _place(item.destination, places)
            assert place is not None, f"bookmark {item.title!r} points at no page"
            bookmarks.append(_Bookmark(item.title, place[0], place[1], item.is_closed, walk(item.children)))
        return bookmarks

    with source.open_outline() as outline:
        return walk(outline.root)


def _outline_items(bookmarks: list[_Bookmark]) -> list[pikepdf.OutlineItem]:
    items = []
    for bookmark in bookmarks:
        left, top, zoom = bookmark.where
        item = pikepdf.OutlineItem(bookmark.title, bookmark.page, "XYZ", left=left, top=top, zoom=zoom)
        item.children.extend(_outline_items(bookmark.children))
        item.is_closed = bookmark.closed
        items.append(item)
    return items
