"""The press PDF of a big collection, laid out in two processes at once and merged.

WeasyPrint lays a document out on one core. The articles of a collection each open on a right-hand
page and share only the page numbers, the running head with the book's title and the table of
contents, so with two cores the press PDF is made of three documents:

- the first half, here: the front matter (the TOC's numbers standing in as "000"), the first
  articles, and an empty article that opens a right-hand page (after a blank one where needed) as the
  second half's first article will;
- the second half, in a forked process: the title page (it sets the running head) and the other
  articles. When both are paginated, the first half's page count shifts the second half's page
  counters before its margin boxes (the folios) are laid out (see ``pdf._after_pagination``);
- the front matter again, last, here, with the TOC's page numbers written in as text.

Each writes only the pages that go in the book: the first half from the blank pages that end its
front matter to its empty article, the second half from its first article. A link whose target is in
another part gets a stand-in target on the part's first page, so that WeasyPrint keeps it; :func:`merged`
puts the pages together with pikepdf and rebuilds the named destinations (from the part that has each
target) and the outline. The split is only made where it gives the pages one layout would
(:func:`splittable`), and it is checked: when the front matter does not break into pages as it did in
the first half, the book is laid out again in one process.
"""

from __future__ import annotations

import hashlib
import io
import multiprocessing
import re
import warnings
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import pikepdf
import tinycss2  # type: ignore[import-untyped]

from publish.diagnostics import Diagnostic
from publish.output import parallel
from publish.output.pagination import PageStart, page_starts
from publish.output.pdf import Abandoned, Paginated

# Below this many characters of article markup (about 40 pages) one process is as fast: the second
# process lays out the title page again, the front matter is laid out twice, and the parts are merged.
# Measured with copies of the sample: 4 articles (27 pages) 0.78 s either way, 10 articles 1.2 s
# split against 1.3 s (benchmarks/README.md).
SPLIT_FROM = 40_000
# The first half's share of the articles' text. This process also lays out the front matter again
# and merges; the second half waits for the first half's page count before it lays out its folios;
# the EPUB is packaged on the same two cores: 0.45 was among the fastest of 0.40-0.58 on 100 articles.
FIRST_SHARE = 0.45
PLACEHOLDER = "000"  # the TOC's page numbers in the first half, before they are known

_TOC_NUMBER = re.compile(r"target-counter\(\s*attr\(\s*href\s*\)\s*,\s*page\s*\)")
_WHOLE_BOOK = re.compile(
    r"target-(counter|counters|text)\s*\("  # other cross-references
    r"|counters?\(\s*pages\b"  # the page count
    r"|counter-(reset|set|increment)"  # counters that would run across the halves
    r"|:nth\(\s*[^)o]*\)"  # a page by its place in the document (':nth(1 of article)' is per article)
)
_PAGE_NUMBER = re.compile(r"counters?\(\s*page\b")
# A leader fills its line with copies of its text once the line is laid out: in the first half's
# stand-in TOC, which is never drawn, the text alone breaks the lines the same way at a third of the cost.
_LEADER = re.compile(r"""leader\(\s*("[^"]*"|'[^']*')\s*\)""")


def splittable(css: str) -> str | None:
    """``css`` with the TOC's page numbers read from ``data-folio``, or None when the stylesheets need
    the whole book in one layout (other cross-references, the page count, counters across articles,
    page numbers outside the page margins, pages chosen by their place in the document)."""
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        text = tinycss2.serialize([rule])
        if rule.type == "qualified-rule" and ".toc" in tinycss2.serialize(rule.prelude):
            text = _TOC_NUMBER.sub("attr(data-folio)", text)
        if _WHOLE_BOOK.search(text):
            return None
        if not (rule.type == "at-rule" and rule.lower_at_keyword == "page") and _PAGE_NUMBER.search(text):
            return None
    return _TOC_NUMBER.sub("attr(data-folio)", css)


def first_half(sizes: Sequence[int]) -> int | None:
    """How many articles (of these sizes) the first half lays out; None when one process is faster."""
    total = sum(sizes)
    if len(sizes) < 2 or total < SPLIT_FROM:
        return None
    running = 0
    for count, size in enumerate(sizes, start=1):
        running += size
        if running >= FIRST_SHARE * total:
            return min(count, len(sizes) - 1)
    return len(sizes) - 1


# Lays out one document and writes the one ``on_layout`` returns (its pages kept):
# (html, css, on_layout, paginated, what the progress of its pages is shown as or "") -> PDF bytes.
Render = Callable[[str, str, Callable[[Any], Any], "Paginated | None", str], bytes]
# The book's HTML: (the articles in it, the TOC's page numbers by href or None for no TOC, whether an
# empty article closes it).
BookHtml = Callable[[range, "dict[str, str] | None", bool], str]
# A part of the book for :func:`merged`: its PDF, and the names it has for targets in another part.
Part = tuple[bytes, frozenset[str]]


@dataclass
class _Laid:
    """What one document's layout tells the merge and the EPUB."""

    kept_from: int = 0  # its first page that goes in the book
    offset: int = 0  # added to its page numbers
    starts: list[PageStart] = field(default_factory=list)  # its pages in the book
    folios: dict[str, str] = field(default_factory=dict)  # article href -> printed page number
    stand_ins: frozenset[str] = frozenset()  # link targets laid out in another part


def lay_out(chapter_ids: Sequence[str], first: int, book_html: BookHtml, css: str, render: Render,
            on_pages: Callable[[list[PageStart]], None], notes: list[Diagnostic], fork: bool = True) -> list[Part]:
    """The front matter and both halves, for :func:`merged`.

    ``first`` is the number of articles laid out here; a forked process lays out the others, or this
    one does after the first half (without ``fork``, or where forking is not possible): the parts are
    the same. ``on_pages`` gets the print page starts of the whole book once both halves are laid out.
    Raises :class:`Abandoned` when the parts cannot be put together as one layout would have made them.
    """
    second_html = book_html(range(first, len(chapter_ids)), None, False)
    forked = fork and parallel.can_fork()
    ours: Any
    theirs: Any
    if forked:  # (its progress would mix with this one's on the terminal)
        ours, theirs = multiprocessing.get_context("fork").Pipe()
        second_half = partial(_second_half, theirs, second_html, css, render, chapter_ids[first:], "")
        later = parallel.start(second_half, notes)
        theirs.close()
    else:  # the same parts, one after the other: the book must not depend on the machine it is made on
        ours, theirs = _Channel.pair()
        label = f"press PDF, second half (articles {first + 1}-{len(chapter_ids)})"
        later = parallel.Later(partial(_second_half, theirs, second_html, css, render, chapter_ids[first:], label))
    try:
        # The first half ends with an empty article: it opens a right-hand page, after a blank one
        # where the last article ends on a right-hand page, as the second half's first article would.
        first_html = book_html(range(first), {f"#{chapter_id}": PLACEHOLDER for chapter_id in chapter_ids}, True)
        laid, heard = _Laid(), False

        def stopped() -> None:
            """The other process has stopped: raise what stopped it."""
            later.result()
            raise RuntimeError("the second half's layout stopped without saying why")

        def hear() -> None:
            """The second half's page starts and article page numbers: the EPUB can begin."""
            nonlocal heard
            try:
                message = ours.recv()
            except EOFError:
                message = ("failed",)
            if message[0] == "failed":
                stopped()
            if message[0] == "abandoned":
                raise Abandoned(message[1])
            laid.starts += message[1]
            laid.folios.update(message[2])
            heard = True
            on_pages(laid.starts)

        def first_paginated(pages: list[Any], context: Any) -> None:
            openings = _openings(pages, chapter_ids[:first])
            # Kept from the blank pages before the first article: the front matter is laid out again.
            laid.kept_from = next((index + 1 for index in reversed(range(openings[chapter_ids[0]]))
                                   if not pages[index].page_type.blank), 0)
            laid.folios = {f"#{chapter_id}": str(index + 1) for chapter_id, index in openings.items()}
            try:  # the second half's page numbers start after these pages (not the empty article's)
                ours.send(len(pages) - 1)
            except OSError:
                stopped()

        def first_laid_out(document: Any) -> Any:
            laid.starts = page_starts(document)
            if ours.poll():  # (else this half is written first)
                hear()
            written, laid.stand_ins = _kept(document, range(laid.kept_from, len(document.pages) - 1))
            return written

        first_data = render(first_html, _LEADER.sub(r"\1", css), first_laid_out, first_paginated,
                            f"press PDF, first half (articles 1-{first})")
        second: Part = (b"", frozenset()) if forked else later.result()  # (here, now that it can)
        if not heard:
            hear()
        front = _Laid()

        def front_laid_out(document: Any) -> Any:
            front.starts = page_starts(document)
            written, front.stand_ins = _kept(document, range(len(document.pages)))
            return written

        front_html = book_html(range(0), laid.folios, False)
        front_data = render(front_html, css, front_laid_out, None, "press PDF, front matter")
        if front.starts != [start for start in laid.starts if start.page <= laid.kept_from]:
            raise Abandoned("the front matter came out differently with its page numbers written in")
        if forked:
            second = later.result()
    except BaseException:
        later.cancel()
        raise
    finally:
        ours.close()
    return [(front_data, front.stand_ins), (first_data, laid.stand_ins), second]


class _Channel:
    """One end of an in-process pipe, where the halves are laid out one after the other."""

    def __init__(self, inbox: deque[Any], outbox: deque[Any]) -> None:
        self.inbox, self.outbox = inbox, outbox

    @staticmethod
    def pair() -> tuple[_Channel, _Channel]:
        one, other = deque[Any](), deque[Any]()
        return _Channel(one, other), _Channel(other, one)

    def send(self, message: Any) -> None:
        self.outbox.append(message)

    def recv(self) -> Any:
        if not self.inbox:
            raise EOFError  # as a pipe whose other end is closed
        return self.inbox.popleft()

    def poll(self) -> bool:
        return bool(self.inbox)

    def close(self) -> None:
        pass


def _second_half(conn: Any, html: str, css: str, render: Render, chapter_ids: Sequence[str], progress: str) -> Part:
    """The second half (in the forked process, or after the first), its folios shifted by the first
    half's pages."""
    laid = _Laid()

    def paginated(pages: list[Any], context: Any) -> None:
        openings = _openings(pages, chapter_ids)
        laid.kept_from, length = openings[chapter_ids[0]], conn.recv()
        if laid.kept_from % 2 or length % 2:  # both must be even for the page sides to stay as they are
            raise Abandoned("the articles do not open on right-hand pages")
        laid.offset = length - laid.kept_from
        laid.folios = {f"#{chapter_id}": str(index + 1 + laid.offset) for chapter_id, index in openings.items()}
        for _, _, _, state, _ in context.page_maker:  # (resume at, next page, right page, state, remake)
            counters = state[1]
            if "page" in counters:
                counters["page"] = [value + laid.offset for value in counters["page"]]

    def laid_out(document: Any) -> Any:
        starts = [replace(start, page=start.page + laid.offset) for start in page_starts(document)
                  if start.page > laid.kept_from]
        conn.send(("laid out", starts, laid.folios))
        written, laid.stand_ins = _kept(document, range(laid.kept_from, len(document.pages)))
        return written

    try:
        data = render(html, css, laid_out, paginated, progress)
    except Abandoned as exc:
        with suppress(OSError):  # the first half may have stopped already
            conn.send(("abandoned", str(exc)))
        return b"", frozenset()
    except BaseException:
        with suppress(OSError):
            conn.send(("failed",))
        raise
    finally:
        conn.close()
    return data, laid.stand_ins


def _kept(document: Any, kept: range) -> tuple[Any, frozenset[str]]:
    """The document of the ``kept`` pages only, and the targets of its links that are on other pages.

    Those targets are given to its first page, so that WeasyPrint keeps the links (it drops a link to a
    missing target); :func:`merged` points them at the part where they are.
    """
    pages = document.pages[kept.start:kept.stop]
    present = {name for page in pages for name in page.anchors}
    targets = {target for page in pages for kind, target, _, _ in page.links if kind == "internal"}
    stand_ins = frozenset(targets - present)
    if pages and stand_ins:
        pages[0].anchors.update({name: (0, 0, 0, 0) for name in sorted(stand_ins)})
    return document.copy(pages), stand_ins


def _openings(pages: Sequence[Any], article_ids: Sequence[str]) -> dict[str, int]:
    """The index of the page (WeasyPrint page boxes, paginated) where each article begins.

    Articles are children of the body: only the first levels of each page are looked at.
    """
    wanted, found = set(article_ids), {}
    for index, page in enumerate(pages):
        for html in page.children[:1]:
            for body in html.children:
                for box in getattr(body, "children", ()):
                    element_id = box.element.get("id") if box.element is not None else None
                    if element_id in wanted and element_id not in found:
                        found[element_id] = index
    missing = [article_id for article_id in article_ids if article_id not in found]
    if missing:
        raise Abandoned(f"no page holds the article #{missing[0]}")
    return found


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
