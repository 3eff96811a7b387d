"""WeasyPrint, and everything publish uses of it beyond its public API: the only module that reaches inside.

WeasyPrint's public API is ``HTML``, ``CSS``, ``Document`` and ``Page`` with what their documentation
lists; every version may change the rest. Page make-up needs more: the pages a layout made (to measure
lines, fill and figures), pagination without the page margins (articles are laid out one by one, and
their folios and running heads are laid out once the book's page numbers are known), the strings that
running heads carry from one document to the next. All of it is here, behind small dataclasses that
the rest of publish reads, and ``tests/test_engine.py`` fails loudly when an internal it relies on
changes. The versions it was written for are :data:`SUPPORTED` (also pinned in ``pyproject.toml``).

Loading: WeasyPrint opens Pango, HarfBuzz and fontconfig through cffi, trying several names for each
library. For every name that is not a file, cffi asks :func:`ctypes.util.find_library`, which on Linux
runs ``ldconfig``, ``gcc`` and ``ld``: 54 processes, a third of WeasyPrint's import time. Every list
also holds the versioned soname, which the dynamic loader finds by itself, so on Linux the search is
answered "not found" while WeasyPrint loads; if that ever leaves a library unloaded, the import is
retried with the real search.
"""

from __future__ import annotations

import copy
import ctypes.util
import inspect
import math
import sys
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

SUPPORTED = (70, 71)  # WeasyPrint major versions: at least the first, below the second


@contextmanager
def _sonames_only() -> Iterator[None]:
    search = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        yield
    finally:
        ctypes.util.find_library = search


def load() -> None:
    """Import ``weasyprint`` (once); then ``from weasyprint import ...`` costs nothing."""
    if "weasyprint" in sys.modules:
        return
    if sys.platform == "linux":
        try:
            with _sonames_only():
                import weasyprint
            return
        except OSError:
            for name in [name for name in sys.modules if name == "weasyprint" or name.startswith("weasyprint.")]:
                del sys.modules[name]
    import weasyprint  # noqa: F401


def version() -> tuple[int, ...]:
    load()
    import weasyprint

    return tuple(int(part) for part in weasyprint.__version__.split(".")[:2] if part.isdigit())


# Pagination with the page margins laid out later ------------------------------------------------------


@dataclass(eq=False)
class Paginated:
    """A document WeasyPrint has paginated, its page margins (folios, running heads) not laid out yet.

    :meth:`finish` lays them out for the page numbers and named strings the pages have in the book.
    """

    document: Any  # weasyprint.Document
    context: Any  # its layout context
    states: list[Any]  # the page state (counters) of each page, as WeasyPrint left it
    finished: bool = False
    _seeded: list[str] = field(default_factory=list)  # strings carried in from before the document

    @property
    def pages(self) -> list[Any]:
        return list(self.document.pages)

    def finish(self, first_page: int, strings: Mapping[str, str]) -> dict[str, str]:
        """Lay out the page margins as if the first page were page ``first_page`` of the book and the
        named ``strings`` (``string-set``) had these values before it; returns their values after it.

        May be called again (the book's page numbers changed): the margins are laid out anew.
        """
        from weasyprint.formatting_structure.boxes import MarginBox
        from weasyprint.layout.background import layout_box_backgrounds
        from weasyprint.layout.page import make_margin_boxes

        context = self.context
        for name in self._seeded:  # (WeasyPrint looks for earlier values down to the document's first page)
            context.string_set[name].pop(1, None)
        self._seeded = [name for name in strings if not context.string_set[name].get(1)]
        for name in self._seeded:
            context.string_set[name][1] = [strings[name]]
        shift = first_page - 1
        for index, (page, state) in enumerate(zip(self.document.pages, self.states, strict=True)):
            page_box = page._page_box
            kept = tuple(child for child in page_box.children if not isinstance(child, MarginBox))
            state = copy.deepcopy(state)
            counters = state[1]
            if "page" in counters:
                counters["page"] = [value + shift for value in counters["page"]]
            context.current_page = index + 1
            margins = list(make_margin_boxes(context, page_box, state))
            for box in margins:
                layout_box_backgrounds(page_box, box, context.get_image_from_uri)
            page_box.children = kept + tuple(margins)
        self.finished = True
        return self.strings(strings)

    def strings(self, before: Mapping[str, str]) -> dict[str, str]:
        """The named strings after the document, ``before`` being their values before it (known once it is
        paginated: its margins need not be laid out)."""
        carried = dict(before)
        for name, pages in self.context.string_set.items():
            own = [number for number, values in pages.items()
                   if values and not (number == 1 and name in self._seeded)]  # (not what was carried in)
            assigned = own
            if assigned:
                carried[name] = pages[max(assigned)][-1]
        return carried


@contextmanager
def _margins_deferred(heard: list[tuple[Any, Any]]) -> Iterator[None]:
    """While a document is rendered, its page margins are not laid out; (context, page state) of each
    page is kept in ``heard`` instead, for :meth:`Paginated.finish`."""
    import weasyprint.layout

    real = weasyprint.layout.make_margin_boxes

    def deferred(context: Any, page: Any, state: Any) -> list[Any]:
        heard.append((context, state))
        return []

    weasyprint.layout.make_margin_boxes = deferred
    try:
        yield
    finally:
        weasyprint.layout.make_margin_boxes = real


# A text box longer than this is cut into pieces of about :data:`TEXT_PIECE` characters (see _long_text_cut).
LONG_TEXT = 10_000
TEXT_PIECE = 2_000


@contextmanager
def _long_text_cut() -> Iterator[None]:
    """While a document is rendered, every text box of more than :data:`LONG_TEXT` characters is cut after
    a space into boxes of about :data:`TEXT_PIECE`, siblings with the same style and element.

    WeasyPrint encodes and decodes the whole rest of a text box for every line it breaks from it (in
    ``skip_first_whitespace``, ``split_inline_level`` and ``split_text_box``): a paragraph of one million
    characters costs it gigabytes of copying per layout, quadratic in the paragraph's length. Cut after a
    space, the pieces break and justify as the words of ``foo <em>bar</em>`` do; the text, its element and
    the lines' content are the same, and a paragraph of ordinary length is never touched."""
    import weasyprint.document

    real = weasyprint.document.build_formatting_structure

    def build(*args: Any, **kwargs: Any) -> Any:
        root = real(*args, **kwargs)
        _cut_long_text(root)
        return root

    weasyprint.document.build_formatting_structure = build
    try:
        yield
    finally:
        weasyprint.document.build_formatting_structure = real


def _cut_long_text(root: Any) -> None:
    from weasyprint.formatting_structure import boxes

    for box in list(root.descendants()):
        if not isinstance(box, boxes.ParentBox) or not any(
                isinstance(child, boxes.TextBox) and len(child.text) > LONG_TEXT for child in box.children):
            continue
        children: list[Any] = []
        for child in box.children:
            if isinstance(child, boxes.TextBox) and len(child.text) > LONG_TEXT:
                children += [child.copy_with_text(piece) for piece in text_pieces(child.text, TEXT_PIECE)]
            else:
                children.append(child)
        box.children = children if isinstance(box.children, list) else tuple(children)


def text_pieces(text: str, size: int) -> list[str]:
    """``text`` cut after the first space that follows every ``size`` characters (none where none follows)."""
    pieces, start = [], 0
    while len(text) - start > size:
        space = text.find(" ", start + size)
        if space < 0:
            break
        pieces.append(text[start:space + 1])
        start = space + 1
    if start < len(text):
        pieces.append(text[start:])
    return pieces


# Elements with an id ------------------------------------------------------------------------------------
# WeasyPrint gives every element with an id a declaration of its own (``-weasy-anchor``), and so a computed
# style of its own, for it and each of its descendants: none of the styles elements share with their
# likes. An article's notes and note calls (two ids a note) were each styled, and laid out, from scratch.


@contextmanager
def _anchors_held(held: dict[Any, tuple[Any, str]]) -> Iterator[None]:
    """While the cascade runs, the anchor an element's id (or an ``<a>``'s name) declares is kept in ``held``
    (by element: the declaration and its base URL) instead of being cascaded."""
    import weasyprint.css

    real = weasyprint.css.find_style_attributes

    def find_style_attributes(tree: Any, presentational_hints: bool = False, base_url: str | None = None) -> Any:
        for found in real(tree, presentational_hints, base_url):
            specificity, element, declarations, url = found
            if specificity == (0, 0, 0) and len(declarations) == 1 and \
                    getattr(declarations[0], "lower_name", "") == "-weasy-anchor":
                held[element] = (declarations, url)  # (an <a> with an id and a name: the name, as cascaded)
            else:
                yield found

    weasyprint.css.find_style_attributes = find_style_attributes
    try:
        yield
    finally:
        weasyprint.css.find_style_attributes = real


def computed_styles(html: Any, user_stylesheets: Any = None, presentational_hints: bool = False,
                    font_config: Any = None, counter_style: Any = None, color_profiles: Any = None,
                    page_rules: Any = None, layers: Any = None, target_collector: Any = None,
                    forms: bool = False) -> Any:
    """``weasyprint.css.get_all_computed_styles``, the same values, but an element with an id shares its style
    with its likes and has only its anchor of its own: its style is the shared one with the anchor added as
    the cascade would have added it (a stylesheet's ``-weasy-anchor`` of more weight still wins), and its
    descendants share theirs. The anchors are collected for ``target_collector`` once per style made, in the
    order WeasyPrint makes them. An article of 10,000 notes is laid out in 15 % less time."""
    import weasyprint.css
    from weasyprint.css import ComputedStyle, declaration_precedence
    from weasyprint.css.validation import preprocess_declarations

    class Anchored(ComputedStyle):  # type: ignore[misc]
        """An element's style: its anchor, and every other value from the style it shares."""

        def __init__(self, shared: Any, cascaded: dict[str, Any]) -> None:
            super().__init__(shared.parent_style, cascaded, shared.pseudo_type, shared.root_style, shared.base_url,
                             shared.font_config, shared.initial_page_sizes)
            self.shared, self.specified = shared, shared.specified

        def __missing__(self, key: str) -> Any:
            if key == "anchor":
                return super().__missing__(key)
            value = self[key] = self.shared[key]
            return value

    held: dict[Any, tuple[Any, str]] = {}
    with _anchors_held(held):
        style_for = weasyprint.css.get_all_computed_styles(
            html, user_stylesheets, presentational_hints, font_config, counter_style, color_profiles, page_rules,
            layers, None, forms)
    styles = style_for._computed_styles
    weight = (declaration_precedence("author", False), math.inf, (0, 0, 0))  # (what the id declared weighs)
    for element, (declarations, url) in held.items():
        if (element, None) in styles:
            shared = styles[element, None]
            cascaded = dict(shared.cascaded)
            for name, values, _ in preprocess_declarations(url, declarations):
                if name not in cascaded or weight > cascaded[name][1]:
                    cascaded[name] = (values, weight)
            styles[element, None] = Anchored(shared, cascaded)
    if target_collector:
        made: set[int] = set()  # the styles whose anchor is collected (WeasyPrint collects as it makes a style,
        for (_, pseudo), style in styles.items():  # and every pseudo-element's is made for it)
            if pseudo is None:
                if id(style) in made:
                    continue
                made.add(id(style))
            if style["anchor"]:
                target_collector.collect_anchor(style["anchor"])
    return style_for


@contextmanager
def _anchors_apart() -> Iterator[None]:
    """While a document is rendered, its styles are :func:`computed_styles`."""
    import weasyprint.document

    real = weasyprint.document.get_all_computed_styles
    weasyprint.document.get_all_computed_styles = computed_styles
    try:
        yield
    finally:
        weasyprint.document.get_all_computed_styles = real


class _Placed(list[str]):
    """The anchors a page's predecessors placed, where ``make_page`` keeps them in a list it only adds to and
    looks in: they are kept in a set instead."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def append(self, name: str) -> None:
        self.names.add(name)

    def extend(self, names: Any) -> None:
        self.names.update(names)

    def __contains__(self, name: object) -> bool:
        return name in self.names


# What make_page gathers the anchors of earlier pages into; each anchor on the page is looked for in it.
_PLACED_LIST = "cached_anchors = []"
_made_page: list[Any] = []  # WeasyPrint's make_page with a _Placed for that list, once made


@contextmanager
def _anchors_looked_up() -> Iterator[None]:
    """While a document is rendered, each page looks its anchors up in a set of those earlier pages placed.

    WeasyPrint's ``make_page`` gathers the anchors of every earlier page into a list and looks each anchor
    of the page up in it: an article of 10,000 notes (20,000 ids) spent 3.4 s of its layout there, and a
    document of the whole book grows with the square of its ids. The function is WeasyPrint's own, compiled
    from its source with that one list made a :class:`_Placed`."""
    import weasyprint.layout.page

    if not _made_page:
        source = textwrap.dedent(inspect.getsource(weasyprint.layout.page.make_page))
        if source.count(_PLACED_LIST) != 1:
            raise RuntimeError("WeasyPrint's make_page no longer gathers placed anchors as publish knows")
        namespace = {**vars(weasyprint.layout.page), "_Placed": _Placed}
        exec(compile(source.replace(_PLACED_LIST, "cached_anchors = _Placed()"),
                     weasyprint.layout.page.__file__, "exec"), namespace)
        _made_page.append(namespace["make_page"])
    real = weasyprint.layout.page.make_page
    weasyprint.layout.page.make_page = _made_page[0]
    try:
        yield
    finally:
        weasyprint.layout.page.make_page = real


def paginate(html: Any, **render: Any) -> Paginated:
    """``html.render(**render)`` (a ``weasyprint.HTML``), its page margins left for :meth:`Paginated.finish`;
    very long text cut into boxes WeasyPrint breaks into lines in linear time (see :func:`_long_text_cut`);
    elements with an id styled as their likes (:func:`computed_styles`), and their anchors looked up in
    constant time (:func:`_anchors_looked_up`)."""
    heard: list[tuple[Any, Any]] = []
    with _margins_deferred(heard), _long_text_cut(), _anchors_apart(), _anchors_looked_up():
        document = html.render(**render)
    if len(heard) != len(document.pages):
        raise RuntimeError("WeasyPrint laid out page margins in a way publish does not know")
    context = heard[0][0] if heard else None
    if context is not None:
        _pseudo_styles_dropped(context.style_for)
    return Paginated(document, context, [state for _, state in heard])


def _pseudo_styles_dropped(style_for: Any) -> None:
    """The computed styles of the document's pseudo-elements forgotten once its boxes are built, which hold
    those they use; its page margins, laid out later, need only the styles of pages (keyed by a ``PageType``).

    WeasyPrint's own stylesheet styles six pseudo-elements of every element (``::marker``,
    ``::footnote-call``...), whether it has them or not, and the layout context keeps them all: a fifth of
    the memory an article of 10,000 notes took."""
    from weasyprint.layout.page import PageType

    styles = style_for._computed_styles
    for key in [key for key in styles if key[1] is not None and not isinstance(key[0], PageType)]:
        del styles[key]


def combined(documents: Sequence[Any], pages: Sequence[Any]) -> Any:
    """One document of ``pages`` (from any of ``documents``, rendered with one font configuration),
    with the first document's metadata: written once, each font is embedded once."""
    return documents[0].copy(list(pages))


def write_pdf(document: Any, **options: Any) -> bytes:
    """``document.write_pdf(**options)``, the references to its pages made once per page added.

    pydyf makes ``PDF.page_references`` anew, a reference for every page, each time it is read, and
    WeasyPrint's tagging reads it for every structure element: 40,000 elements on 400 pages (an article
    of 10,000 notes) took 10 s of the screen PDF's writing, quadratic in the book's length."""
    with _page_references_kept():
        data: bytes = document.write_pdf(**options)
    return data


@contextmanager
def _page_references_kept() -> Iterator[None]:
    import pydyf  # type: ignore[import-untyped]

    made = pydyf.PDF.page_references

    def page_references(pdf: Any) -> tuple[bytes, ...]:
        kids = pdf.pages["Kids"]  # (pages are only ever added)
        kept = pdf.__dict__.get("_publish_page_references")
        if kept is None or kept[0] != len(kids):
            kept = pdf._publish_page_references = (len(kids), made.fget(pdf))
        references: tuple[bytes, ...] = kept[1]
        return references

    pydyf.PDF.page_references = property(page_references)
    try:
        yield
    finally:
        pydyf.PDF.page_references = made


# What a typesetter looks at on a laid-out page ----------------------------------------------------------

Font = tuple[tuple[str, ...], int, str]  # font families, weight, style


@dataclass(frozen=True)
class Run:
    """A piece of text as WeasyPrint laid it out (one text box), in CSS pixels from the page's top left."""

    text: str
    element: Any  # the element of WeasyPrint's document tree it belongs to (None in a page margin)
    generated: bool  # made by CSS (a list marker, ::before/::after content), not written in the document
    font: Font
    size: float
    x: float
    y: float
    width: float
    height: float
    baseline: float  # absolute
    word_spacing: float
    letter_spacing: float
    justification: float  # added to every space by justification


@dataclass
class Line:
    """One line of text: its runs, its box, and the block it is a line of."""

    runs: list[Run]
    x: float
    y: float
    width: float
    height: float
    baseline: float
    block: Any  # the element of the block container (a paragraph, a heading, a list item...)
    left: float  # where lines of that block start (its content box)
    measure: float  # the width lines of that block may take
    align: str  # the block's text-align

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)

    @property
    def justification(self) -> float:
        return max((run.justification for run in self.runs), default=0.0)


@dataclass(frozen=True)
class Picture:
    """An image as placed on the page."""

    element: Any
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Block:
    """A block-level element's piece on one page (block-level boxes only, not their lines)."""

    element: Any
    y: float
    height: float
    depth: int  # 0: a child of the body


@dataclass
class PageView:
    index: int  # from 0, in its document
    root: Any  # the document's root element (WeasyPrint's tree of the HTML)
    side: str  # "left" or "right"
    blank: bool  # a page CSS made blank (before an article that opens on a right-hand page, say)
    name: str  # the named page (``page: article``), "" for none
    area: tuple[float, float, float, float]  # the page area inside the margins: x, y, width, height
    size: tuple[float, float]  # the page box (the trim), width and height
    lines: list[Line] = field(default_factory=list)
    pictures: list[Picture] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    margin: list[Run] = field(default_factory=list)  # running heads and folios
    notes: list[Line] = field(default_factory=list)  # lines in the footnote area
    notes_top: float | None = None  # where the footnote area begins
    # Text out of the flow, in no line: list markers set outside their item, absolutely positioned boxes.
    placed: list[Run] = field(default_factory=list)

    def runs(self) -> Iterator[Run]:
        """Every run of text on the page: its lines, its notes, its margins, and what is out of the flow."""
        for line in self.lines + self.notes:
            yield from line.runs
        yield from self.margin
        yield from self.placed


def read(page: Any, index: int) -> PageView:
    """What is on one laid-out page (a ``weasyprint.Page``)."""
    from weasyprint.formatting_structure import boxes

    page_box = page._page_box
    page_type = page_box.page_type
    root = page_box.children[0].element if page_box.children else None
    view = PageView(
        index=index, root=root, side=page_type.side, blank=bool(page_type.blank), name=page_type.name or "",
        area=(page_box.content_box_x(), page_box.content_box_y(), page_box.width, page_box.height),
        size=(page_box.margin_width(), page_box.margin_height()),
    )

    def walk(box: Any, block: Any, depth: int, target: list[Line]) -> None:
        for child in box.children if isinstance(box, boxes.ParentBox) else ():
            if type(child).__name__ == "AbsolutePlaceholder":  # (what stands for a box taken out of the flow)
                for line in _lines_of(child._box, boxes):
                    view.placed.extend(line.runs)
                continue
            if isinstance(child, boxes.MarginBox):
                for line in _lines_of(child, boxes):
                    view.margin.extend(line.runs)
                continue
            if isinstance(child, boxes.FootnoteAreaBox):
                if child.children:
                    view.notes_top = child.position_y
                    walk(child, child, depth, view.notes)
                continue
            if isinstance(child, boxes.LineBox):
                target.append(_line(child, block, boxes))
                for descendant in child.descendants():
                    if isinstance(descendant, boxes.ReplacedBox):
                        view.pictures.append(_picture(descendant))
                continue
            if isinstance(child, boxes.ReplacedBox):
                view.pictures.append(_picture(child))
                continue
            if isinstance(child, boxes.BlockLevelBox) and child.element is not None and child.element_tag not in (
                    "html", "body"):
                view.blocks.append(Block(child.element, child.position_y, child.margin_height(), depth))
                walk(child, child, depth + 1, target)
            else:
                walk(child, child if isinstance(child, boxes.BlockContainerBox) else block, depth, target)

    walk(page_box, page_box, 0, view.lines)
    return view


def _lines_of(box: Any, boxes: Any) -> Iterator[Line]:
    for child in box.descendants():
        if isinstance(child, boxes.LineBox):
            yield _line(child, box, boxes)


def _line(line: Any, block: Any, boxes: Any) -> Line:
    runs = []
    for box in line.descendants():
        if isinstance(box, boxes.TextBox):
            style = box.style
            tag = box.element_tag or ""
            letter = style["letter_spacing"]
            runs.append(Run(
                text=box.text, element=box.element, generated="::" in tag,
                font=(tuple(style["font_family"]), int(style["font_weight"]), str(style["font_style"])),
                size=float(style["font_size"]), x=box.position_x, y=box.position_y, width=box.width,
                height=box.height, baseline=box.position_y + box.baseline, word_spacing=float(style["word_spacing"]),
                letter_spacing=0.0 if letter == "normal" else float(letter),
                justification=float(box.justification_spacing),
            ))
    element = block.element if block is not None else None
    left = block.content_box_x() if block is not None else line.position_x
    return Line(runs, line.position_x, line.position_y, line.width, line.height, line.position_y + line.baseline,
                element, left, float(getattr(block, "width", line.width) or line.width),
                str(block.style["text_align_all"]) if block is not None else "start")


def _picture(box: Any) -> Picture:
    return Picture(box.element, box.border_box_x(), box.border_box_y(), box.border_width(), box.border_height())


def views(document: Any) -> list[PageView]:
    return [read(page, index) for index, page in enumerate(document.pages)]


def anchors(page: Any) -> dict[str, Any]:
    """The named anchors of a page (``Page.anchors``, public)."""
    return dict(page.anchors)


def has_margins(page: Any) -> bool:
    """Whether a finished page has anything in its margins (a running head, a folio)."""
    from weasyprint.formatting_structure import boxes

    return any(isinstance(child, boxes.MarginBox) and child.is_generated for child in page._page_box.children)


# The cascade without the layout -------------------------------------------------------------------------


@dataclass(frozen=True)
class Styled:
    """What the stylesheets give one element, as computed values (no layout)."""

    element: Any
    display: str
    font: Font
    size: float  # px
    leading: float  # line height in em ("normal" taken as 1.2)
    indent: float  # px (the first line's)
    align: str
    measure: float | None  # px its lines may take, in the normal flow of a page; None when it is not known


def cascade(html: Any, stylesheets: Sequence[Any], font_config: Any, color_profiles: Any) -> list[Styled]:
    """The computed styles of every element of ``html`` (a ``weasyprint.HTML``) with ``stylesheets``, and the
    width its lines take on a right-hand page of the named page its nearest ancestor asks for: what a
    layout would give in normal block flow, without the layout (a twentieth of its cost)."""
    from weasyprint.layout.page import PageType, set_page_type_computed_styles

    style_for = computed_styles(html, user_stylesheets=list(stylesheets), font_config=font_config,
                                color_profiles=color_profiles, page_rules=[], layers=[])
    pages: dict[str, float] = {}

    def page_width(name: str) -> float:
        if name not in pages:
            page_type = PageType("right", False, name, 0, ())
            set_page_type_computed_styles(page_type, html, style_for)
            style = style_for(page_type)
            width = float(style["size"][0])
            pages[name] = width - _px(style["margin_left"], width) - _px(style["margin_right"], width)
        return pages[name]

    found: list[Styled] = []

    root = html.etree_element

    def walk(element: Any, available: float | None, page: str) -> None:
        style = style_for(element)
        if style is None or element.tag.rsplit("}", 1)[-1] == "head":
            return
        display = " ".join(style["display"])
        outer = style["display"][0]  # ("block", "flow", "list-item"), ("inline", "flow"), ("table-cell",)...
        named = style["page"]
        page = page if named in ("auto", None) else str(named)
        if element is root:
            available = page_width(page)
        if available is not None:
            if outer == "block" and style["float"] == "none" and style["position"] in ("static", "relative"):
                for side in ("left", "right"):
                    available -= (_px(style[f"margin_{side}"], available) + _px(style[f"padding_{side}"], available)
                                  + float(style[f"border_{side}_width"]))
                if style["width"] != "auto":
                    available = min(available, _px(style["width"], available))
                if style["max_width"] not in ("none", "auto"):
                    available = min(available, _px(style["max_width"], available))
            elif outer != "inline":
                available = None  # (a table cell, a flex item...: its width comes from its layout)
        line_height = style["line_height"]
        size = float(style["font_size"])
        leading = 1.2 if line_height == "normal" else (
            float(line_height) if not hasattr(line_height, "unit") else float(line_height.value) / size)
        indent = style["text_indent"]
        found.append(Styled(
            element, display, (tuple(style["font_family"]), int(style["font_weight"]), str(style["font_style"])),
            size, leading, _px(indent, available or 0.0), str(style["text_align_all"]), available))
        for child in element:
            if isinstance(child.tag, str):
                walk(child, available, page)

    walk(root, None, "")
    return found


def _px(value: Any, reference: float) -> float:
    """A computed length or percentage in px ("auto" and "none" as 0)."""
    if not hasattr(value, "unit"):
        return float(value) if isinstance(value, int | float) else 0.0
    if value.unit == "%":
        return float(value.value) * reference / 100
    return float(value.value)


# What the stylesheets generate, before layout ----------------------------------------------------------

# The page margin boxes that can hold generated text (CSS Paged Media, §5.3).
_MARGINS = tuple(f"@{edge}-{place}" for edge, places in (
    ("top", ("left-corner", "left", "center", "right", "right-corner")),
    ("bottom", ("left-corner", "left", "center", "right", "right-corner")),
    ("left", ("top", "middle", "bottom")), ("right", ("top", "middle", "bottom"))) for place in places)


@dataclass(frozen=True)
class Generated:
    """Text the stylesheets make for an element's pseudo-element or a page margin box, known from the
    cascade alone: every character it can show (all the symbols of a counter style, not only the values
    this book reaches), the property it comes from, the font that sets it, and the element's source line."""

    pseudo: str  # "before", "after", "marker", "footnote-call", "footnote-marker", a margin box ("@top-left"), or ""
    source: str  # "content", "list-style-type", "quotes", "string-set" (a running head's text), or "text"
    text: str
    font: Font
    data_src: str = ""  # the ``data-src`` attribute of the element or its nearest ancestor that has one


def numbered_from_start(html: Any) -> Any:
    """``html`` (a ``weasyprint.HTML``) with its ordered lists numbered from their ``start`` attribute, which
    WeasyPrint 70 ignores (``<ol start="7">`` counts from 1): an inline ``counter-reset`` of ``list-item``,
    as a browser's own style does."""
    for element in html.etree_element.iter("ol"):
        start = str(element.get("start", "")).strip()
        if start.lstrip("-").isdigit():
            element.set("style", f"counter-reset: list-item {int(start) - 1}; {element.get('style', '')}".strip())
    return html


def parsed(markup: str, base_url: str, url_fetcher: Any) -> Any:
    """``weasyprint.HTML(string=markup)``, parsed by the C XML parser when ``markup`` is well-formed XML
    (publish's documents are XHTML): WeasyPrint's pure-Python HTML parser takes 2 ms for an article, a
    third of what the cascade alone costs. The tree is WeasyPrint's: HTML elements without a namespace."""
    import xml.etree.ElementTree as ElementTree

    import cssselect2  # type: ignore[import-untyped]
    from weasyprint import HTML

    if "xmlns:epub" not in markup:  # (the PDF's markup keeps the EPUB's epub:type attributes)
        markup = markup.replace("<html", '<html xmlns:epub="http://www.idpf.org/2007/ops"', 1)
    try:
        root = ElementTree.fromstring(markup.encode("utf-8"))
    except ElementTree.ParseError:
        return numbered_from_start(HTML(string=markup, base_url=base_url, url_fetcher=url_fetcher))
    for element in root.iter():
        if element.tag.startswith("{http://www.w3.org/1999/xhtml}"):
            element.tag = element.tag.rpartition("}")[2]
    html = HTML.__new__(HTML)
    html.base_url, html.url_fetcher, html.media_type = base_url, url_fetcher, "print"
    html.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
    html.etree_element = html.wrapper_element.etree_element
    return numbered_from_start(html)


def generated(html: Any, stylesheets: Sequence[Any], font_config: Any, margins: bool = True) -> list[Generated]:
    """What ``stylesheets`` generate in ``html`` (a ``weasyprint.HTML``): list markers, ``::before`` and
    ``::after`` content, footnote calls and markers, and with ``margins`` page margin content; from
    WeasyPrint's own cascade and counter styles (``@counter-style`` in a user stylesheet does not reach its
    layout, nor here). The document's own text is there too (``source`` "text", ``pseudo`` ""): each
    element's, transformed as ``text-transform`` says, with the font that sets it."""
    from weasyprint.css.counters import CounterStyle
    from weasyprint.layout.page import PageType, set_page_type_computed_styles

    counters = CounterStyle()
    style_for = computed_styles(html, user_stylesheets=list(stylesheets), font_config=font_config,
                                counter_style=counters, color_profiles={}, page_rules=[], layers=[])
    found: list[Generated] = []
    texts: dict[tuple[Font, str], set[str]] = {}  # the characters of the text set in a font, by source line
    strings: dict[str, str] = {}
    pages = {""}
    hidden: set[Any] = set()
    parents = {child: parent for parent in html.etree_element.iter() for child in parent}

    def data_src(element: Any) -> str:
        if element is None:
            return ""
        while element is not None and not element.get("data-src"):
            element = parents.get(element)
        return str(element.get("data-src")) if element is not None else ""

    def add(element: Any, pseudo: str, style: Any, content: Any) -> None:
        where = data_src(element)
        for source, text in _content_text(content, element, style, counters, strings):
            found.append(Generated(pseudo, source, text, _font(style), where))

    for element in html.etree_element.iter():
        style = style_for(element) if isinstance(element.tag, str) else None
        if style is None or parents.get(element) in hidden or style["display"] == ("none",):
            hidden.add(element)
            continue
        if style["page"] not in ("auto", None):
            pages.add(str(style["page"]))
        own = (element.text or "") + "".join(child.tail or "" for child in element)
        if own and not own.isspace():
            transform = style["text_transform"]
            own = own.upper() if transform == "uppercase" else own.lower() if transform == "lowercase" else (
                own + own.upper() if transform == "capitalize" else own)
            texts.setdefault((_font(style), data_src(element)), set()).update(own)
        if style["string_set"] != "none":
            for name, values in style["string_set"]:
                strings[name] = strings.get(name, "") + "".join(
                    text for _, text in _content_text(values, element, style, counters, {}))
        pseudos = ["before", "after"]
        if "list-item" in style["display"]:
            pseudos.append("marker")
        if style["float"] == "footnote":
            pseudos += ["footnote-call", "footnote-marker"]
        for pseudo in pseudos:
            made = style_for(element, pseudo)
            if pseudo == "marker" and (made is None or made["content"] in ("normal", "inhibit")):
                marker = made or style
                if marker["display"] != ("none",) and marker["list_style_image"][0] != "url" \
                        and style["list_style_type"] != "none":
                    found.append(Generated(pseudo, "list-style-type",
                                           _counter_text(counters, style["list_style_type"], marker=True),
                                           _font(marker), data_src(element)))
            elif made is not None and made["display"] != ("none",) and made["content"] not in ("normal", "none",
                                                                                           "inhibit"):
                add(element, pseudo, made, made["content"])
    for name in sorted(pages) if margins else ():
        for side in ("left", "right"):
            for blank in (False, True):
                for index in (0, 1):
                    page_type = PageType(side, blank, name or None, index, ((name, index),) if name else ())
                    set_page_type_computed_styles(page_type, html, style_for)
                    for margin in _MARGINS:
                        box = style_for(page_type, margin)
                        if box is not None and box["content"] not in ("normal", "none", "inhibit"):
                            add(None, margin, box, box["content"])
    found += [Generated("", "text", "".join(sorted(chars)), font, where) for (font, where), chars in texts.items()]
    return list(dict.fromkeys(found))


def _font(style: Any) -> Font:
    return tuple(style["font_family"]), int(style["font_weight"]), str(style["font_style"])


def _content_text(content: Any, element: Any, style: Any, counters: Any,
                  strings: Mapping[str, str]) -> Iterator[tuple[str, str]]:
    """(the property it comes from, the characters it can show) for each item of a computed ``content``
    (or ``string-set``) value, as WeasyPrint's ``compute_content_list`` would make them."""
    from weasyprint.text.constants import get_lang_quotes

    for kind, value in content:
        if kind == "string":
            yield "content", value
        elif kind == "attr()" and element is not None:
            yield "content", str(element.get(value[0], ""))
        elif kind == "content()" and element is not None:
            yield "content", "".join(element.itertext())
        elif kind == "leader()":
            yield "content", value[1]
        elif kind in ("counter()", "target-counter()"):
            yield "content", _counter_text(counters, value[-1])
        elif kind in ("counters()", "target-counters()"):
            separator = value[-2]
            separator = separator[1] if isinstance(separator, tuple) else separator
            yield "content", str(separator) + _counter_text(counters, value[-1])
        elif kind == "quote" and not value.startswith("no-") and style["quotes"] != "none":
            quotes = get_lang_quotes(style["lang"]) if style["quotes"] == "auto" else style["quotes"]
            yield "quotes", "".join("".join(side) for side in quotes)
        elif kind == "string()":
            yield "string-set", strings.get(value[0], "")


def _counter_text(counters: Any, name: Any, marker: bool = False) -> str:
    """Every character a counter style can write (its symbols, signs and padding, and its fallback's where
    its range ends), with its prefix and suffix for a list marker."""
    from weasyprint.css.counters import symbol

    text, seen = "", []
    while name is not None and name not in seen and name != "none":
        seen.append(name)
        counter = counters.resolve_counter(name) or counters.resolve_counter("decimal")
        if counter is None:
            break
        system = counter["system"][1] if counter["system"] else "symbolic"
        pieces = [*(counter["symbols"] or ()), *(piece for _, piece in counter["additive_symbols"] or ())]
        if system not in ("cyclic", "fixed"):  # (the systems that write negative values with a sign)
            pieces += counter["negative"] or (("string", "-"),)
        if counter["pad"] and counter["pad"][1]:
            pieces.append(counter["pad"][1])
        if marker and len(seen) == 1:
            pieces += [counter["prefix"] or ("string", ""), counter["suffix"] or ("string", ". ")]
        text += "".join(symbol(piece) if isinstance(piece, tuple) else str(piece) for piece in pieces)
        name = None if system in ("cyclic", "numeric", "symbolic") else counter["fallback"] or "decimal"
    return text


def counter_text(name: str | tuple[str, Any], marker: bool = False) -> str:
    """Every character WeasyPrint's counter style ``name`` can write (a ``list-style-type`` value: a name,
    ``("string", text)`` or ``("symbols()", ...)``), with its prefix and suffix for a list ``marker``."""
    load()
    from weasyprint.html import UA_COUNTER_STYLE

    return _counter_text(UA_COUNTER_STYLE, name, marker)
