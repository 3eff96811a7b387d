"""The book's pages: the front matter and each article laid out as a document of its own, put together.

An article opens on a new page (``print.article_start``: on a right-hand page, a left-hand page, or the
next page), so nothing of one article's layout depends on another's but the page numbers and what the
running heads carry (the book's title). Each article is therefore laid out alone (:mod:`publish.makeup`
lays it out again where its pages need mending, without touching the others), with its page margins
left for later; the pages are then put in order, with a blank page wherever an article must open on the
other side, the front matter is laid out with the table of contents' page numbers written in, and every
page's margins (folios, running heads) are laid out for its place in the book. The pages are written as
one PDF.

A big collection's press PDF is laid out on two cores: a forked process lays out the last articles
while this one lays out the first, and each writes its pages; :mod:`publish.output.merge` puts the two
PDFs together.

The book is laid out as one document instead where its stylesheets need the whole book at once
(cross-references other than the TOC's page numbers and the pages links print, the page count, counters
that run across articles, pages chosen by their place in the document) or its articles run on
(``continuous``): see :func:`splittable`.

A press PDF prints the page a link to a place in the book leads to ("xem bài Chợ phiên (trang 12)"):
laid out article by article, the articles that print such pages are laid out with a stand-in number first,
then again with the pages their targets came out on, until the numbers stay the same. Such a book is never
laid out in two parts: each part would wait for the other's numbers.
"""

from __future__ import annotations

import multiprocessing
import re
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import tinycss2  # type: ignore[import-untyped]

from publish import rules
from publish.diagnostics import Diagnostic, Location
from publish.errors import RenderError
from publish.makeup.mending import Mend
from publish.output import engine, merge, parallel
from publish.output.pagination import PageStart, page_starts
from publish.output.pdf import Session

# Below this many characters of article markup (about 40 pages) one process is as fast: the second
# process starts WeasyPrint's fonts again, and the parts are merged. Measured with copies of the sample:
# 4 articles (27 pages) 0.78 s either way, 10 articles 1.2 s split against 1.3 s (benchmarks/README.md).
SPLIT_FROM = 40_000
# The first part's share of the articles' text: this process also lays out the front matter (twice),
# writes its part and merges; the second part waits for the first's page count before its margins.
FIRST_SHARE = 0.45

PLACEHOLDER = "000"  # the TOC's page numbers while they are not known
SETTLE = 4  # layouts of the articles that print the pages their links lead to, at most

_TOC_NUMBER = re.compile(r"target-counter\(\s*attr\(\s*href\s*\)\s*,\s*page\s*\)")
_WHOLE_BOOK = re.compile(
    r"target-(counter|counters|text)\s*\("  # other cross-references
    r"|counters?\(\s*pages\b"  # the page count
    r"|counter-(reset|set|increment)"  # counters that would run across articles
    r"|:nth\(\s*[^)o]*\)"  # a page by its place in the document (':nth(1 of article)' is per article)
)
_PAGE_NUMBER = re.compile(r"counters?\(\s*page\b")
# A leader fills its line with copies of its text once the line is laid out: in the stand-in TOC,
# which is never drawn, the text alone breaks the lines the same way at a third of the cost.
_LEADER = re.compile(r"""leader\(\s*("[^"]*"|'[^']*')\s*\)""")


# Rules whose page numbers (``target-counter(attr(href), page)``) publish writes into ``data-folio``: the
# TOC's, and the page a cross-reference prints (``a.xref``).
_FOLIO_RULES = (".toc", ".xref")


def splittable(css: str) -> str | None:
    """``css`` with the page numbers of the TOC and of cross-references read from ``data-folio``, or None
    when the stylesheets need the whole book in one layout (other cross-references, the page count,
    counters across articles, page numbers outside the page margins, pages chosen by their place in the
    document)."""
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        text = tinycss2.serialize([rule])
        if rule.type == "qualified-rule" and any(name in tinycss2.serialize(rule.prelude) for name in _FOLIO_RULES):
            text = _TOC_NUMBER.sub("attr(data-folio)", text)
        if _WHOLE_BOOK.search(text):
            return None
        if not (rule.type == "at-rule" and rule.lower_at_keyword == "page") and _PAGE_NUMBER.search(text):
            return None
    return _TOC_NUMBER.sub("attr(data-folio)", css)


def start_css(start: str, press: bool) -> str:
    """Where articles open when the book is laid out as one document (and for nothing else: laid out
    one by one, each article is a document whose first page is on the side :func:`lay_out` chooses)."""
    if start == "continuous":
        return ".article { break-before: auto; }\n"
    side = {"recto": "right", "verso": "left"}.get(start, "page") if press else "page"
    return f".article {{ break-before: {side}; }}\n"


@dataclass(frozen=True)
class Parts:
    """The book's documents as HTML, for :func:`lay_out`."""

    ids: Sequence[str]  # the articles' element ids ("ch01"...), in order
    front: Callable[[dict[str, str] | None], str]  # the front matter, with the TOC's page numbers (by href)
    article: Callable[[int, str, Sequence[Mend], Mapping[str, str]], str]  # article ``index`` (mended) in a
    # document whose first page is on ``side``, printing these pages for its cross-references (by href)
    blank: Callable[[str], str]  # a document whose first page is a blank page on ``side``
    whole: Callable[[], str]  # the whole book as one document
    has_toc: bool
    targets: Sequence[Sequence[str]] = ()  # per article, where the links whose page it prints lead ("#gia-ca")

    @property
    def prints_pages(self) -> bool:
        """Whether an article prints the page one of its links leads to."""
        return any(self.targets)


class Abandoned(Exception):
    """The parts of a split layout cannot be put together as one layout would have made them (the front
    matter came out another length than its stand-in): the book is laid out again in one process."""


# Lays out one article: (the session, its index, the side of its first page, the pages its links print
# by href) -> the document.
ArticleLayout = Callable[[Session, int, str, Mapping[str, str]], engine.Paginated]


def first_part(sizes: Sequence[int]) -> int | None:
    """How many articles (of these sizes) the first part of a split layout has; None when one process is
    as fast."""
    total = sum(sizes)
    if len(sizes) < 2 or total < SPLIT_FROM:
        return None
    running = 0
    for count, size in enumerate(sizes, start=1):
        running += size
        if running >= FIRST_SHARE * total:
            return min(count, len(sizes) - 1)
    return len(sizes) - 1


@dataclass
class Piece:
    """A document of the book and the pages of it that go in the book."""

    paginated: engine.Paginated
    pages: list[Any]
    article: str = ""  # the article's id

    @property
    def count(self) -> int:
        return len(self.pages)


@dataclass
class Book:
    """The laid-out book: its documents in order, each finished for its place."""

    pieces: list[Piece]
    folios: dict[str, str] = field(default_factory=dict)  # "#ch01" -> the page its article opens on
    _views: list[engine.PageView] | None = None

    def pages(self) -> list[Any]:
        return [page for piece in self.pieces for page in piece.pages]

    def documents(self) -> list[engine.Paginated]:
        return list(dict.fromkeys(piece.paginated for piece in self.pieces))

    def views(self) -> list[engine.PageView]:
        """What is on each page (read once, once every page is finished)."""
        if self._views is None:
            self._views = [engine.read(page, index) for index, page in enumerate(self.pages())]
        return self._views

    def starts(self) -> list[PageStart]:
        """Where each printed page starts, for the EPUB's page markers."""
        return page_starts(enumerate(self.views(), 1))


class Sides:
    """Which side each article opens on, and where blank pages go: ``start`` as in publish.yaml;
    ``blanks`` False for the screen PDF, which never has a blank page (an article opens on the next page)."""

    def __init__(self, start: str, blanks: bool) -> None:
        self.start, self.blanks = start, blanks

    @property
    def fixed(self) -> bool:
        """Whether every article opens on one side whatever comes before it."""
        return self.blanks and self.start in ("recto", "verso")

    def side(self, before: int) -> str:
        """The side an article opens on after ``before`` pages."""
        if self.fixed:
            return "right" if self.start == "recto" else "left"
        return "right" if before % 2 == 0 else "left"

    def blank_before(self, before: int) -> bool:
        natural = "right" if before % 2 == 0 else "left"
        return self.fixed and natural != self.side(before)


def lay_out(session: Session, parts: Parts, css: str, sides: Sides, article: ArticleLayout,
            progress: Callable[[str], None] = lambda message: None) -> Book:
    """The book, article by article (see the module's docstring); ``css`` must be :func:`splittable`."""
    articles, blanks = _Articles(session, parts, sides, article, progress), _Blanks(session, parts, css)

    def settled(front: engine.Paginated, printed: Mapping[str, str]) -> Book:
        """The book with the articles printing ``printed`` for their links' pages, its front matter settled."""
        return _settled(session, parts, css, sides, front, articles(len(front.pages), printed), blanks,
                        lambda front: articles(len(front.pages), printed), progress)

    printed: dict[str, str] = {}  # the pages the articles' links print (by href), once they are known
    book = settled(_stand_in(session, parts, css), printed)
    for _ in range(SETTLE if parts.prints_pages else 0):
        pages = target_pages(book, parts.targets)
        if pages == printed:
            break
        printed = pages
        progress("the pages cross-references print")
        book = settled(book.pieces[0].paginated, printed)
    else:
        if parts.prints_pages:
            raise RenderError([rules.PDF_PAGES_UNSETTLED(
                f"the pages links inside the book print still changed after {SETTLE} layouts",
                Location("manuscript/"))])
    _finish(book.pieces)
    return book


class _Articles:
    """The articles laid out in order after ``before`` pages, each laid out again only when the side it opens
    on or the pages its links print (``printed``, by href) have changed."""

    def __init__(self, session: Session, parts: Parts, sides: Sides, article: ArticleLayout,
                 progress: Callable[[str], None]) -> None:
        self.session, self.parts, self.sides, self.article, self.progress = session, parts, sides, article, progress
        self.made: dict[int, tuple[tuple[Any, ...], engine.Paginated]] = {}

    def __call__(self, before: int, printed: Mapping[str, str]) -> list[engine.Paginated]:
        laid: list[engine.Paginated] = []
        for index in range(len(self.parts.ids)):
            side = self.sides.side(_count(self.sides, before, laid))
            targets = self.parts.targets[index] if self.parts.targets else ()
            pages = {href: printed[href] for href in targets if href in printed}
            key = (side, tuple(sorted(pages.items())))
            if index not in self.made or self.made[index][0] != key:
                self.progress(f"article {index + 1} of {len(self.parts.ids)}")
                self.made[index] = (key, self.article(self.session, index, side, pages))
            laid.append(self.made[index][1])
        return laid


def target_pages(book: Book, targets: Sequence[Sequence[str]]) -> dict[str, str]:
    """The page each of ``targets`` ("#gia-ca", "#ch02") is on in the book as laid out, by href."""
    wanted = {href for hrefs in targets for href in hrefs}
    found: dict[str, str] = {}
    number = 1
    for piece in book.pieces:
        for page in piece.pages:
            for anchor in engine.anchors(page) if page is not None else ():  # (None: laid out elsewhere)
                if f"#{anchor}" in wanted:
                    found.setdefault(f"#{anchor}", str(number))
            number += 1
    return found


def _stand_in(session: Session, parts: Parts, css: str) -> engine.Paginated:
    """The front matter, its length at least: with a TOC, placeholders for its numbers and no leaders."""
    if parts.has_toc:
        return session.paginate(parts.front(_placeholders(parts)), _LEADER.sub(r"\1", css))
    return session.paginate(parts.front(None), css)


def _settled(session: Session, parts: Parts, css: str, sides: Sides, front: engine.Paginated,
             laid: list[engine.Paginated], blanks: _Blanks,
             again: Callable[[engine.Paginated], list[engine.Paginated]] | None,
             progress: Callable[[str], None]) -> Book:
    """The book with its front matter laid out for the page numbers it prints: the front matter's length
    decides them, so it is laid out until its length stays the same (``again`` lays the articles out
    anew when a change of length puts them on the other side)."""
    book = _book(parts, sides, front, laid, blanks)
    for _ in range(3 if parts.has_toc else 0):
        progress("front matter")
        front = session.paginate(parts.front(book.folios), css)
        moved = len(front.pages) - book.pieces[0].count
        if moved % 2 and not sides.fixed and again is not None:
            laid = again(front)
        book = _book(parts, sides, front, laid, blanks)
        if not moved:
            return book
    if parts.has_toc:
        raise RenderError([rules.PDF_PAGES_UNSETTLED(
            "the table of contents changed its length each time its page numbers were printed",
            Location("manuscript/"))])
    return book


def _placeholders(parts: Parts) -> dict[str, str]:
    return {f"#{article_id}": PLACEHOLDER for article_id in parts.ids}


def _count(sides: Sides, front: int, laid: Sequence[engine.Paginated]) -> int:
    """How many pages come before the next article (its blank page aside), after the front matter and ``laid``."""
    before = front
    for paginated in laid:
        before += int(sides.blank_before(before)) + len(paginated.pages)
    return before


class _Blanks:
    """Blank pages (a page CSS makes blank: no running head, no folio), laid out once per side and used
    wherever one is needed, unless the stylesheets give blank pages something in their margins."""

    def __init__(self, session: Session, parts: Parts, css: str) -> None:
        self.session, self.parts, self.css = session, parts, css
        self.made: dict[str, engine.Paginated] = {}
        self.shared: dict[str, bool] = {}

    def __call__(self, side: str) -> engine.Paginated:
        if side in self.made and self.shared[side]:
            return self.made[side]
        paginated = self.session.paginate(self.parts.blank(side), self.css)
        if side not in self.made:
            paginated.finish(1, {})
            self.shared[side] = not engine.has_margins(paginated.pages[0])
            self.made[side] = paginated
        return paginated


def _book(parts: Parts, sides: Sides, front: engine.Paginated, laid: Sequence[engine.Paginated],
          blanks: Callable[[str], engine.Paginated]) -> Book:
    pieces = [Piece(front, list(front.pages))]
    pieces += _articles(parts.ids, laid, sides, len(front.pages), blanks)
    folios, number = {}, 1
    for piece in pieces:
        if piece.article:
            folios[f"#{piece.article}"] = str(number)
        number += piece.count
    return Book(pieces, folios)


def _articles(ids: Sequence[str], laid: Sequence[engine.Paginated], sides: Sides, before: int,
              blanks: Callable[[str], engine.Paginated]) -> list[Piece]:
    """The pieces of the articles ``laid`` after ``before`` pages, with a blank page where one must open
    on the other side."""
    pieces = []
    for article_id, paginated in zip(ids, laid, strict=True):
        if sides.blank_before(before):
            blank = blanks("left" if sides.side(before) == "right" else "right")
            pieces.append(Piece(blank, [blank.pages[0]]))
            before += 1
        pieces.append(Piece(paginated, list(paginated.pages), article_id))
        before += len(paginated.pages)
    return pieces


def _finish(pieces: Sequence[Piece], number: int = 1, strings: dict[str, str] | None = None) -> dict[str, str]:
    """Every page's margins laid out for its place in the book (``number`` is the first one's), the named
    strings carried along (``strings`` from before the first); returns them as they are after the last."""
    carried = dict(strings or {})
    for piece in pieces:
        carried = piece.paginated.finish(number, carried)
        number += piece.count
    return carried


# The book in two processes ------------------------------------------------------------------------------


class _Elsewhere(engine.Paginated):
    """An article laid out in the other process: only its page count is known here."""

    def __init__(self, count: int) -> None:
        super().__init__(None, None, [None] * count)

    @property
    def pages(self) -> list[Any]:
        return list(self.states)

    def finish(self, first_page: int, strings: Any) -> dict[str, str]:
        raise AssertionError("laid out elsewhere")


# What the second part tells the first, and the first answers: ("paginated", the page counts of its
# articles) -> ("place", its first page number, the named strings before it); ("starts", its page
# starts, for the EPUB); then it returns its part of the PDF.
Message = tuple[Any, ...]
SecondPart = Generator[Message, Message | None, merge.Part]


def lay_out_in_two(session: Session, open_session: Callable[[], Session], parts: Parts, css: str, sides: Sides,
                   article: ArticleLayout, first: int, on_pages: Callable[[list[PageStart]], None],
                   notes: list[Diagnostic], fork: bool, progress: Callable[[str], None]) -> list[merge.Part]:
    """The press PDF of a big collection in two parts, for :func:`merge.merged`: the first ``first``
    articles (and the front matter) laid out here, the others in a forked process (``fork``) or here
    after them; the parts are the same either way. Articles must open on a fixed side."""
    assert sides.fixed
    steps = _second_part(open_session, parts, css, sides, article, first, notes)
    other: _Forked | _Here = _Forked(steps, notes) if fork and parallel.can_fork() else _Here(steps)
    try:
        front = _stand_in(session, parts, css)
        laid: list[engine.Paginated] = []
        for index in range(first):
            progress(f"first part: article {index + 1} of {first}")
            laid.append(article(session, index, sides.side(0), {}))
        if isinstance(other, _Here):
            progress(f"second part: articles {first + 1}-{len(parts.ids)}")
        _, counts = other.recv()
        laid += [_Elsewhere(pages) for pages in counts]
        # The second part is placed after the stand-in front matter: it finishes and writes its pages while
        # the front matter is laid out here with its page numbers (which must come out as long).
        blanks = _Blanks(session, parts, css)
        book = _book(parts, sides, front, laid, blanks)
        ours = _ours(book)
        strings: dict[str, str] = {}
        for piece in ours:
            strings = piece.paginated.strings(strings)
        other.send(("place", sum(piece.count for piece in ours) + 1, strings))
        _finish(ours[1:], ours[0].count + 1, ours[0].paginated.strings({}))
        if parts.has_toc:
            progress("front matter")
            real = session.paginate(parts.front(book.folios), css)
            if len(real.pages) != len(front.pages):
                raise Abandoned("the table of contents came out longer or shorter with its numbers")
            book = _book(parts, sides, real, laid, blanks)
            ours = _ours(book)
        _finish(ours[:1])  # (the articles' page numbers stay: the front matter is as long as its stand-in)
        pages = [page for piece in ours for page in piece.pages]
        views = [engine.read(page, index) for index, page in enumerate(pages)]
        _, their_starts = other.recv()
        on_pages(page_starts(enumerate(views, 1)) + their_starts)  # (the EPUB is made beside the writing)
        progress("first part: writing")
        missing = merge.stand_ins(pages)
        data = session.write(list(dict.fromkeys(piece.paginated for piece in ours)), pages, views)
        if isinstance(other, _Here):
            progress("second part: writing")
        theirs = other.result()
    except BaseException:
        other.cancel()
        raise
    return [(data, missing), theirs]


def _ours(book: Book) -> list[Piece]:
    """The pieces laid out here: those before the first article laid out elsewhere."""
    first = next(index for index, piece in enumerate(book.pieces) if isinstance(piece.paginated, _Elsewhere))
    return book.pieces[:first]


def _second_part(open_session: Callable[[], Session], parts: Parts, css: str, sides: Sides, article: ArticleLayout,
                 first: int, notes: list[Diagnostic]) -> SecondPart:
    with open_session() as session:
        laid = [article(session, index, sides.side(0), {}) for index in range(first, len(parts.ids))]
        reply = yield ("paginated", [len(paginated.pages) for paginated in laid])
        assert reply is not None and reply[0] == "place"
        _, number, strings = reply
        pieces = _articles(parts.ids[first:], laid, sides, number - 1, _Blanks(session, parts, css))
        _finish(pieces, number, strings)
        pages = [page for piece in pieces for page in piece.pages]
        views = [engine.read(page, index) for index, page in enumerate(pages)]
        yield ("starts", page_starts(enumerate(views, number)))
        missing = merge.stand_ins(pages)
        data = session.write(list(dict.fromkeys(piece.paginated for piece in pieces)), pages, views)
        notes += session.found  # (in a forked process, they go back with its result)
        return data, missing


class _Here:
    """The second part laid out in this process, a step at a time as the first part asks."""

    def __init__(self, steps: SecondPart) -> None:
        self.steps = steps
        self.reply: Message | None = None

    def recv(self) -> Message:
        message = next(self.steps) if self.reply is None else self.steps.send(self.reply)
        self.reply = None
        return message

    def send(self, reply: Message) -> None:
        self.reply = reply

    def result(self) -> merge.Part:
        try:
            self.steps.send(None)
        except StopIteration as done:
            part: merge.Part = done.value
            return part
        raise RuntimeError("the second part said more than it should")

    def cancel(self) -> None:
        self.steps.close()


class _Forked:
    """The second part laid out in a forked process, its messages through a pipe."""

    def __init__(self, steps: SecondPart, notes: list[Diagnostic]) -> None:
        self.conn, theirs = multiprocessing.get_context("fork").Pipe()
        self.later = parallel.start(partial(_run, _Here(steps), theirs), notes)
        theirs.close()

    def recv(self) -> Message:
        try:
            message: Message = self.conn.recv()
        except EOFError:
            self.later.result()  # raises what stopped the other process
            raise RuntimeError("the second part's layout stopped without saying why") from None
        return message

    def send(self, reply: Message) -> None:
        try:
            self.conn.send(reply)
        except OSError:
            self.recv()

    def result(self) -> merge.Part:
        try:
            return self.later.result()
        finally:
            self.conn.close()

    def cancel(self) -> None:
        self.later.cancel()
        self.conn.close()


def _run(here: _Here, conn: Any) -> merge.Part:
    """In the forked process: the second part, talking to the first through ``conn``."""
    try:
        conn.send(here.recv())  # its page counts
        here.send(conn.recv())  # its place
        conn.send(here.recv())  # its page starts
        return here.result()
    finally:
        conn.close()


def lay_out_whole(session: Session, parts: Parts, css: str) -> Book:
    """The book as one document (its stylesheets need the whole book at once, or its articles run on)."""
    whole = session.paginate(parts.whole(), css)
    whole.finish(1, {})
    return Book([Piece(whole, list(whole.pages))])
