"""Mending an article's pages: figures that float, no half-empty pages, no scrap of an article on a page.

An article is laid out (as a document of its own), its pages are measured, and the first fault found is
mended in its markup; then it is laid out again, until nothing is left to mend (at most
:data:`ATTEMPTS` times). The faults and their mends, as a typesetter makes them:

- a figure that did not fit under the text before it went to the next page and left a gap: it is scaled
  down (up to 15 %) when that keeps it in place, else it goes to the top of the next page and the text
  that follows it fills the gap (the paragraph running there is cut in two around it);
- a figure taller than the page area gets a page of its own, scaled to fit;
- the last page of an article holds fewer than :data:`LAST_LINES` lines: lines of the page before are
  sent to it (``widows``), as long as that page keeps its own;
- a page other than the last less than :data:`FILLED` full that nothing here can mend is reported.

The markup is changed through :class:`Mend` values (an element by its path from the ``<article>``
element, and what to do to it), so that the same mends always give the same markup.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import lxml.html
from lxml import etree

from publish.makeup import measure
from publish.output import engine
from publish.output.pagination import follow

ATTEMPTS = 5
FILLED = 0.70  # a page of an article other than its last is at least this full
LAST_LINES = 5  # lines of text on an article's last page, at least
SHRINK = 0.85  # a figure may be scaled down to this, to stay where it is anchored
SMALLEST = 0.25  # nor, to fit a page of its own, below this
ORPHANS = 2  # lines of a paragraph kept at the foot of a page (as base.css sets widows and orphans)

Path = tuple[int, ...]


@dataclass(frozen=True)
class Mend:
    """One change to an article's markup: ``kind`` is "style" (add ``css`` to the element at ``path``),
    "park" (take the figure at ``path`` out of the way, to the article's end, to see where the page after
    ``page`` begins without it), "move" (the figure at ``path`` put before ``to``, cutting that paragraph
    after ``letters`` letters)."""

    kind: str
    path: Path
    css: str = ""
    to: Path = ()
    letters: int = 0
    page: int = 0  # for "park": the page the figure left
    note: str = field(default="", compare=False)  # what it does, for the report
    source: str = field(default="", compare=False)  # the manuscript line of what it changes


@dataclass(frozen=True)
class Fault:
    """What is wrong with an article's pages, for the report."""

    kind: str  # "underfilled" or "short last page"
    page: int  # index of the page in the article
    message: str
    source: str = ""  # the manuscript line of the block where it shows


def apply(markup: str, mends: Sequence[Mend]) -> str:
    """``markup`` (one ``<article>`` element) with ``mends`` made."""
    if not mends:
        return markup
    article = lxml.html.fragment_fromstring(markup)
    moves = [mend for mend in mends if mend.kind == "move"]
    moved = {mend.path for mend in moves}
    parks = [mend for mend in mends if mend.kind == "park" and mend.path not in moved]
    if moves or parks:  # the places blocks had: the EPUB's page markers (publish.output.pagination), _unpark
        for index, child in enumerate(child for child in article if isinstance(child.tag, str)):
            child.set("data-o", str(index))
    for mend in mends:
        if mend.kind == "style":
            element = follow(article, mend.path)
            if element is not None:
                style = element.get("style", "")
                element.set("style", f"{style}; {mend.css}" if style else mend.css)
    # Moves last, the latest first: a move shifts the paths of what follows it.
    for mend in sorted(moves, key=lambda mend: mend.to, reverse=True):
        _move(article, mend)
    for mend in parks:
        figure = follow(article, mend.path)
        if figure is not None:
            article.append(figure)
    return str(lxml.html.tostring(article, encoding="unicode"))


def _move(article: etree._Element, mend: Mend) -> None:
    figure, target = follow(article, mend.path), follow(article, mend.to)
    if target is None and mend.to and mend.to[0] >= len([child for child in article if isinstance(child.tag, str)]):
        target = article
    if figure is None or target is None:
        return
    figure.set("data-moved", "")  # a float: a page that opens with it opens with the text after it
    if mend.letters:
        second = _cut(target, mend.letters)
        target.addnext(figure)
        figure.addnext(second)
    elif target is article:  # (after everything)
        article.append(figure)
    else:
        target.addprevious(figure)


def _cut(paragraph: etree._Element, letters: int) -> etree._Element:
    """Cut ``paragraph`` after ``letters`` letters (white space not counted); returns the second part, which
    continues the first (no indent; the first's last line stays justified) and says where it came from."""
    second = _split(paragraph, letters)
    second.set("data-cut", str(letters))
    second.set("style", "; ".join(filter(None, [paragraph.get("style", ""), "text-indent: 0"])))
    paragraph.set("style", "; ".join(filter(None, [paragraph.get("style", ""), "text-align-last: justify"])))
    return second


def _letters(text: str | None) -> int:
    return sum(1 for char in text or "" if not char.isspace())


def _at(text: str, count: int) -> int:
    """The index in ``text`` of its letter number ``count`` (from 0); its length when it has fewer."""
    seen = 0
    for index, char in enumerate(text):
        if not char.isspace():
            if seen == count:
                return index
            seen += 1
    return len(text)


def _split(element: etree._Element, letters: int) -> etree._Element:
    """Split ``element`` after ``letters`` letters: it keeps them, the returned copy (same tag and
    attributes, no tail) gets the rest, inline elements split on the way."""
    right = etree.Element(element.tag, {str(key): str(value) for key, value in element.attrib.items()})
    text = element.text or ""
    if letters < _letters(text) or (letters == _letters(text) and not len(element)):
        cut = _at(text, letters)
        element.text, right.text = text[:cut].rstrip(), text[cut:]  # (a space at its end would widen the line)
        for child in list(element):
            right.append(child)
        return right
    remaining = letters - _letters(text)
    children = list(element)
    for index, child in enumerate(children):
        if remaining == 0:
            for rest in children[index:]:
                right.append(rest)
            return right
        inner = _letters("".join(str(piece) for piece in child.itertext()))
        if remaining < inner:
            part = _split(child, remaining)
            part.tail, child.tail = child.tail, None
            right.append(part)
            for rest in children[index + 1:]:
                right.append(rest)
            return right
        remaining -= inner
        tail = child.tail or ""
        if remaining < _letters(tail) or (remaining == _letters(tail) and index + 1 == len(children)):
            cut = _at(tail, remaining)
            child.tail, right.text = tail[:cut].rstrip(), tail[cut:]
            for rest in children[index + 1:]:
                right.append(rest)
            return right
        remaining -= _letters(tail)
    return right


# Measuring an article and choosing the mend ------------------------------------------------------------


class _Article:
    """The pages of one article's document and how to find its elements."""

    def __init__(self, views: list[engine.PageView]) -> None:
        self.views = views
        root = views[0].root if views else None
        self.parents = {kid: parent for parent in root.iter() for kid in parent} if root is not None else {}
        self.article = next((element for element in (root.iter() if root is not None else ())
                             if "article" in (element.get("class") or "").split()), None)

    def path(self, element: Any) -> Path | None:
        """The element's path of child indexes from the ``<article>`` element as it was before it was
        mended (the paths of mends, made on the article as written)."""
        path: list[int] = []
        current: Any = element
        while current is not None and current is not self.article:
            parent = self.parents.get(current)
            if parent is None:
                return None
            siblings = [kid for kid in parent if isinstance(kid.tag, str)]
            original = current.get("data-o") if parent is self.article else None
            path.insert(0, int(original) if original is not None else siblings.index(current))
            current = parent
        return tuple(path) if current is self.article else None

    def source(self, element: object) -> str:
        """The manuscript line (``data-src``) of the block that holds ``element``."""
        current: Any = element
        while current is not None:
            found = getattr(current, "get", lambda key: None)("data-src")
            if found:
                return str(found)
            current = self.parents.get(current)
        return ""

    def top_level(self, element: object) -> object:
        """The child of the ``<article>`` element that holds ``element``."""
        current: Any = element
        while current is not None and self.parents.get(current) is not self.article:
            current = self.parents.get(current)
        return current


def _is_figure(element: object) -> bool:
    return "figure" in ((getattr(element, "get", lambda key: None)("class") or "").split())


def mends_for(views: list[engine.PageView], mends: tuple[Mend, ...]) -> tuple[list[Mend], list[Fault]]:
    """The mends for the first fault of an article's pages (none when it has none), and the faults that
    cannot be mended."""
    article = _Article(views)
    faults: list[Fault] = []
    moved = {mend.path for mend in mends if mend.kind == "move"}
    parked = [mend for mend in mends if mend.kind == "park" and mend.path not in moved]
    if parked:
        return _unpark(article, views, parked[-1]), faults
    tall = _too_tall(article, views, mends)
    if tall:
        return tall, []
    for index, view in enumerate(views):
        if index + 1 < len(views):
            pushed = _pushed_figure(article, view, views[index + 1], mends)
            if pushed:
                return pushed, []
            if measure.fill(view) < FILLED and not view.blank:
                faults.append(Fault("underfilled", index, f"page {index + 1} of the article is only "
                                    f"{measure.fill(view):.0%} full", article.source(_last_block(view))))
    if len(views) > 1:
        short = _short_last_page(article, views, mends)
        if short is not None:
            return short, faults
        lines = measure.text_lines(views[-1])
        if _last_lines(views) < LAST_LINES:
            faults.append(Fault("short last page", len(views) - 1,
                                f"the article ends with {lines} line(s) on its last page",
                                article.source(_last_block(views[-1]))))
    return [], faults


def _last_block(view: engine.PageView) -> object | None:
    return view.lines[-1].block if view.lines else None


def _figures(view: engine.PageView) -> list[engine.Block]:
    return [block for block in view.blocks if _is_figure(block.element)]


def _too_tall(article: _Article, views: list[engine.PageView], mends: tuple[Mend, ...]) -> list[Mend]:
    """A figure taller than the page area (WeasyPrint then splits it, its caption running onto the next
    page): on a page of its own, its image scaled so that it fits."""
    pieces: dict[int, list[tuple[engine.PageView, engine.Block]]] = {}
    for view in views:
        for block in _figures(view):
            pieces.setdefault(id(block.element), []).append((view, block))
    for found in pieces.values():
        view, block = found[0]
        height = view.area[3]
        total = sum(piece.height for _, piece in found)
        if total <= height + 0.5:
            continue
        path = article.path(block.element)
        picture = next((picture for view, piece in found if (picture := _picture(view, piece))), None)
        if path is None or picture is None or any(mend.path == (*path, 0) for mend in mends):
            continue
        image = max(picture.height - (total - height) - 2, picture.height * SMALLEST)
        note = f"figure taller than the page: on a page of its own, scaled to {image / picture.height:.0%}"
        return [Mend("style", path, "break-before: page; break-after: page", note=note,
                     source=article.source(block.element)),
                Mend("style", (*path, 0), f"max-height: {image:.2f}px")]
    return []


def _picture(view: engine.PageView, block: engine.Block) -> engine.Picture | None:
    return next((picture for picture in view.pictures
                 if block.y <= picture.y and picture.y + picture.height <= block.y + block.height + 0.5), None)


def _pushed_figure(article: _Article, view: engine.PageView, following: engine.PageView,
                   mends: tuple[Mend, ...]) -> list[Mend]:
    """A figure at the top of ``following`` that left a gap at the foot of ``view``."""
    top = following.area[1]
    figures = [block for block in _figures(following) if block.y <= top + 1 and block.depth <= 1]
    if not figures:
        return []
    figure = figures[0]
    path = article.path(figure.element)
    if path is None or any(mend.path == path and mend.kind != "style" for mend in mends):  # (moved once: it stays)
        return []
    scaled = any(mend.path == (*path, 0) for mend in mends)
    body = _body_line(view) or _body_line(following)
    gap = view.area[1] + view.area[3] - measure.bottom(view)
    if body is None or gap < 2 * body:
        return []
    picture = _picture(following, figure)
    if picture is not None and not scaled:  # scaled down a little, it may stay where it is anchored
        margin = picture.y - figure.y
        scale = (gap - margin - (figure.height - margin - picture.height)) / picture.height
        if scale >= SHRINK:
            height = math.floor(picture.height * scale * 100) / 100 - 0.5
            return [Mend("style", (*path, 0), f"max-height: {height:.2f}px",
                         note=f"figure scaled to {height / picture.height:.0%} to stay where it is anchored",
                         source=article.source(figure.element))]
    return [Mend("park", path, page=views_index(view), note="figure moved to the top of the next page; the text "
                 "after it fills the page before", source=article.source(figure.element))]


def _body_line(view: engine.PageView) -> float | None:
    heights = [line.height for line in view.lines if line.align == "justify"]
    return max(set(heights), key=heights.count) if heights else None


def views_index(view: engine.PageView) -> int:
    return view.index


def _unpark(article: _Article, views: list[engine.PageView], park: Mend) -> list[Mend]:
    """Where the page after the one a figure left begins once the figure is out of the way: the figure is
    put there, at the top of that page, cutting the paragraph that runs across (its first part keeps its
    lines, since it is set as it was with the figure out of the way)."""
    opening = None
    if park.page + 1 < len(views):
        opening = next((line for line in views[park.page + 1].lines if line.text.strip()), None)
    outer = article.top_level(opening.block) if opening is not None else None
    if opening is None or outer is None or _is_figure(outer):  # the text after it all fits before it
        return [Mend("move", park.path, to=_after_text(article), note=park.note, source=park.source)]
    block = opening.block
    where = getattr(outer, "get", lambda key: None)("data-o")  # its place with the figure where it was
    if where is None:
        return []
    target = (int(where),)
    letters = 0
    if outer is block:  # a paragraph that runs across the pages: cut after what the page before holds
        letters = sum(1 for view in views[:park.page + 1] for line in view.lines if line.block is block
                      for char in line.text if not char.isspace())
    return [Mend("move", park.path, to=target, letters=letters, note=park.note, source=park.source)]


def _after_text(article: _Article) -> Path:
    """The place after an article's last block of text: before its byline and notes."""
    children = [child for child in (list(article.article) if article.article is not None else [])
                if isinstance(child.tag, str)]
    trailing = [index for index, child in enumerate(children)
                if {"byline", "footnotes"} & set((child.get("class") or "").split())]
    place = trailing[0] if trailing else len(children)
    element = children[place] if place < len(children) else None
    original = element.get("data-o") if element is not None else None
    return (int(original) if original is not None else place,)


def _short_last_page(article: _Article, views: list[engine.PageView], mends: tuple[Mend, ...]) -> list[Mend] | None:
    """The page break before an article's last page moved up, so that the page gets at least
    :data:`LAST_LINES` lines, as long as the page before stays :data:`FILLED` and no paragraph is left
    with fewer than :data:`ORPHANS` lines on either page."""
    last, before = views[-1], views[-2]
    missing = math.ceil(LAST_LINES - _last_lines(views) - 1e-6)
    if missing <= 0 or any("last page" in mend.note for mend in mends):
        return None
    lines = [line for line in before.lines if line.text.strip() and line.block is not None]
    top, height = before.area[1], before.area[3]
    for moved in range(missing, len(lines)):
        first = lines[-moved]  # the line that would open the last page
        if (first.y - top) / height < FILLED:
            return None
        block = first.block
        own = [line for line in lines if line.block is block]
        index = own.index(first)
        outer = article.top_level(block)
        note = (f"{moved} line(s) of the page before sent to the article's last page, which had "
                f"{LAST_LINES - missing}")
        if index == 0 and outer is not None and lines.index(first) == _first_line_of(lines, outer, article):
            path = article.path(outer)
            if path is not None:
                return [Mend("style", path, "break-before: page", note=note, source=article.source(block))]
        if index >= ORPHANS and article.top_level(block) is block:
            path = article.path(block)
            later = [article.path(line.block) for line in lines[lines.index(own[-1]) + 1:]]
            if path is None or None in later:
                continue
            widows = len(own) - index + sum(1 for line in last.lines if line.block is block)
            mends_now = [Mend("style", path, f"widows: {widows}; break-after: avoid", note=note,
                              source=article.source(block))]
            for other in dict.fromkeys(p for p in later if p is not None and p != path):
                mends_now.append(Mend("style", other, "break-after: avoid"))
            return mends_now
    return None


def _last_lines(views: Sequence[engine.PageView]) -> float:
    """What an article's last page holds, in lines of its body text (a photo counts by its height); the
    notes do not count: a notes block must not sit alone on a page."""
    line = next((height for view in views if (height := _body_line(view))), None) or 21.0
    last = views[-1]
    notes = sum(1 for text in last.lines if text.text.strip() and _in_notes(text.block, last))
    return measure.content_lines(last, line) - notes


def _in_notes(element: object, view: engine.PageView) -> bool:
    """Whether ``element`` is in an article's notes block (``section.footnotes``)."""
    parents = _parents(view.root)
    while element is not None:
        if "footnotes" in (getattr(element, "get", lambda key: None)("class") or "").split():
            return True
        element = parents.get(element)
    return False


_PARENTS: dict[int, tuple[object, dict[object, object]]] = {}


def _parents(root: object) -> dict[object, object]:
    """Each element's parent in a document's tree (kept for the tree last asked)."""
    known = _PARENTS.get(0)
    if known is None or known[0] is not root:
        _PARENTS[0] = (root, {kid: parent for parent in getattr(root, "iter", list)() for kid in parent})
    return _PARENTS[0][1]


def _first_line_of(lines: list[engine.Line], outer: object, article: _Article) -> int:
    """The index in ``lines`` of the first line inside the top-level block ``outer``."""
    return next((index for index, line in enumerate(lines) if article.top_level(line.block) is outer), -1)


def badness(views: Sequence[engine.PageView]) -> float:
    """How far an article's pages are from what a typesetter accepts: a figure split across pages (the
    worst), the white left on its pages but the last (below :data:`FILLED`, counted double), and the lines
    its last page lacks."""
    if not views:
        return 0.0
    pieces = [id(block.element) for view in views for block in _figures(view)]
    split = len(pieces) - len(set(pieces))
    white = sum(max(0.0, FILLED - measure.fill(view)) * 2 + max(0.0, 1 - measure.fill(view)) * 0.1
                for view in views[:-1] if not view.blank)
    short = max(0.0, LAST_LINES - _last_lines(views)) if len(views) > 1 else 0.0
    return split + white + short * 0.1 + len(views) * 0.01


def lay_out(paginate: Callable[[Sequence[Mend]], engine.Paginated]) -> tuple[engine.Paginated, list[Mend],
                                                                              list[Fault]]:
    """The article laid out and mended (see the module's docstring): its document, the mends kept, and
    the faults left. A mend is kept only when it leaves the pages better than they were (a figure parked to
    see where it must go is judged once it is there)."""
    mends: tuple[Mend, ...] = ()
    laid = paginate(mends)
    views = engine.views(laid.document)
    kept = (mends, laid, views)  # the best so far
    for _ in range(ATTEMPTS * 2):
        found, _faults = mends_for(views, mends)
        if not found:
            break
        mends = mends + tuple(found)
        laid = paginate(mends)
        views = engine.views(laid.document)
        if any(mend.kind == "park" for mend in found):
            continue
        if badness(views) >= badness(kept[2]):
            break
        kept = (mends, laid, views)
    mends, laid, views = kept
    return laid, [mend for mend in mends if mend.kind != "park"], mends_for(views, mends)[1]
