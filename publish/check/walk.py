"""Walking the graphs of a PDF that may be hostile: the structure tree, the outline, the forms pages draw.

A PDF's objects refer to each other by number, so a damaged or hostile file can loop (an element among
its own kids, an outline item whose /Next leads back, a form that draws itself), branch without end (a
form drawing a form twenty times at each of eight levels: 20⁸ drawings), hold content that unpacks
a thousand times (:mod:`.streams`) or objects of the wrong type (``/K 5`` at the root of the tree).
Every walk here keeps a visited set by object number and generation and a budget, and returns what it
found wrong as sentences instead of raising or running forever.
:data:`MALFORMED` is what reading such a file raises elsewhere: pikepdf's errors, and Python's own when
an object is not of the type the PDF specification gives it.
"""

from __future__ import annotations

import decimal
import functools
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pikepdf

from publish.check.streams import (
    CONTENT_FLOOR,
    CONTENT_RATIO,
    MAX_DRAWN_BYTES,
    Unbounded,
    content_budget,
    content_size,
    content_streams,
    size,
)

MALFORMED: tuple[type[Exception], ...] = (
    pikepdf.PdfError, AttributeError, KeyError, TypeError, ValueError, IndexError, ArithmeticError,
    decimal.InvalidOperation, RuntimeError,
)
MAX_PROBLEMS = 5  # per walk: the same fault repeated says nothing more
MAX_ELEMENTS = 1_000_000  # structure elements, or outline items, in one document
MAX_FORM_DEPTH = 32  # forms drawn inside forms (pdfium stops at a similar depth)
MAX_INSTRUCTIONS = 200_000  # of the operators a check reads, in one page's or form's content

ObjGen = tuple[int, int]


@dataclass(frozen=True)
class Tree:
    """The structure elements of a tagged PDF in document order, and what is wrong with the tree."""

    elements: tuple[Any, ...]
    problems: tuple[str, ...]


def structure_tree(pdf: Any) -> Tree:
    """Each structure element once, in document order; an element reached twice is a loop (or a kid
    shared by two parents, which the specification does not allow either) and is not entered again."""
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return Tree((), ())
    if not isinstance(root, pikepdf.Dictionary):
        return Tree((), (f"the structure tree's root is {kind(root)}, not a dictionary",))
    elements: list[Any] = []
    problems: list[str] = []
    seen: set[ObjGen] = set()
    stack: list[Any] = [root]
    while stack and len(problems) < MAX_PROBLEMS:
        node = stack.pop()
        if node.is_indirect:
            if node.objgen in seen:
                problems.append(f"the structure tree reaches element {ref(node)} twice: it loops")
                continue
            seen.add(node.objgen)
        if node is not root and "/S" in node:
            elements.append(node)
            if len(elements) > MAX_ELEMENTS:
                problems.append(f"the structure tree has more than {MAX_ELEMENTS} elements")
                break
        kids, wrong = _kids(node, node is root)
        if wrong is not None:
            owner = "the structure tree's root" if node is root else f"structure element {ref(node)}"
            problems.append(f"{owner} has a /K that is {wrong}")
        stack.extend(reversed(kids))
    return Tree(tuple(elements), tuple(problems))


def _kids(node: Any, root: bool) -> tuple[list[Any], str | None]:
    """The dictionaries among a node's /K (elements, marked-content and object references), and the
    kind of the first kid that has no place there: the root holds elements only, an element may also
    hold marked-content identifiers (integers)."""
    value = node.get("/K")
    if value is None:
        return [], None
    items = list(value) if isinstance(value, pikepdf.Array) else [value]
    wrong = next((item for item in items if not _is_kid(item, root)), None)
    kids = [item for item in items if isinstance(item, pikepdf.Dictionary)]
    return kids, (None if wrong is None else kind(wrong))


def _is_kid(item: Any, root: bool) -> bool:
    if isinstance(item, pikepdf.Dictionary):
        return True
    return not root and isinstance(item, int) and not isinstance(item, bool) and item >= 0


def outline_problems(pdf: Any) -> list[str]:
    """What is wrong with the outline (bookmarks): an item reached twice through /First or /Next loops
    (a viewer listing it never ends), an item that is not a dictionary."""
    outlines = pdf.Root.get("/Outlines")
    if outlines is None:
        return []
    if not isinstance(outlines, pikepdf.Dictionary):
        return [f"the outline is {kind(outlines)}, not a dictionary"]
    problems: list[str] = []
    seen: set[ObjGen] = {outlines.objgen} if outlines.is_indirect else set()
    stack = [outlines]
    while stack and len(problems) < MAX_PROBLEMS:
        item = stack.pop()
        child, link = item.get("/First"), "/First"
        while child is not None:
            if not isinstance(child, pikepdf.Dictionary):
                problems.append(f"an outline item's {link} is {kind(child)}")
                break
            if child.is_indirect:
                if child.objgen in seen:
                    problems.append(f"the outline reaches item {ref(child)} twice through {link}: it loops")
                    break
                seen.add(child.objgen)
            if len(seen) > MAX_ELEMENTS:
                return [*problems, f"the outline has more than {MAX_ELEMENTS} items"]
            stack.append(child)
            child, link = child.get("/Next"), "/Next"
    return problems


@dataclass
class Drawing:
    """What drawing a document's pages costs so far, in unpacked bytes of content: each form's by form and
    the resources it draws with (a form without /Resources uses those of whatever draws it; a form's cost
    includes the forms it draws), and the content of every page and form, each once."""

    budget: int  # for ``content``: :func:`.streams.content_budget`
    costs: dict[tuple[ObjGen, ObjGen | None], int] = field(default_factory=dict)
    content: int = 0


def drawing_problems(pdf: Any, file_size: int) -> list[str]:
    """Pages whose drawing loops (a form that draws itself, directly or through others), nests forms
    deeper than :data:`MAX_FORM_DEPTH`, draws forms whose content adds up to more than
    :data:`~.streams.MAX_DRAWN_BYTES`, or holds content that unpacks too far (:mod:`.streams`: each
    page's or form's, and all of it, which may be 20 times the size of the file). Each form is read
    once; a document with no such problem is drawn (by pdfium, say) in a few seconds."""
    drawing = Drawing(content_budget(file_size))
    problems: list[str] = []
    for number, page in enumerate(pdf.pages, start=1):
        try:
            _, drawn = _cost(drawing, page.obj, resources_of(page.obj, None), (), "the page")
            if drawn > MAX_DRAWN_BYTES:
                raise Unbounded(f"it draws forms whose content adds up to more than {size(MAX_DRAWN_BYTES)} "
                                "(forms drawn by forms, each time they are drawn)")
        except Unbounded as exc:
            problems.append(f"page {number}: {exc}")
        except MALFORMED as exc:
            problems.append(f"page {number}: its content cannot be read ({reason(exc)})")
        if len(problems) >= MAX_PROBLEMS or drawing.content > drawing.budget:
            break
    return problems


def _cost(drawing: Drawing, owner: Any, resources: Any, path: tuple[ObjGen, ...], what: str) -> tuple[int, int]:
    """The unpacked size of ``owner``'s own content, and that of the forms it draws, each time drawn."""
    own = content_size(owner, what)
    drawing.content += own
    if drawing.content > drawing.budget:
        raise Unbounded(f"the content of the pages and forms unpacks to more than {size(drawing.budget)} "
                        f"({size(CONTENT_FLOOR)} and {CONTENT_RATIO} times the file's size): a PDF bomb")
    drawn = 0
    for operands, _ in instructions(owner, "Do"):
        form = drawn_form(resources, operands[0]) if operands else None
        if form is None:
            continue
        if form.objgen in path:
            raise Unbounded(f"form {ref(form)} draws itself" + (
                "" if path[-1] == form.objgen else f" (through form {path[-1][0]} {path[-1][1]} R)"))
        if len(path) >= MAX_FORM_DEPTH:
            raise Unbounded(f"forms are drawn inside forms more than {MAX_FORM_DEPTH} deep")
        inner = resources_of(form, resources)
        key = (form.objgen, inner.objgen if isinstance(inner, pikepdf.Dictionary) else None)
        if key not in drawing.costs:
            drawing.costs[key] = sum(_cost(drawing, form, inner, (*path, form.objgen), f"form {ref(form)}"))
        drawn += drawing.costs[key]
        if drawn > MAX_DRAWN_BYTES:
            break
    return own, drawn


def instructions(owner: Any, operators: str) -> Iterator[tuple[Any, str]]:
    """(operands, operator) of a page's or form's content for the ``operators`` (space-separated) only;
    inline images are skipped. The content is unpacked only within limits, and parsed only when it holds
    at most :data:`MAX_INSTRUCTIONS` of them (pikepdf makes objects of each, a few hundred bytes apiece):
    :class:`~.streams.Unbounded` otherwise."""
    what = f"form {ref(owner)}" if isinstance(owner, pikepdf.Stream) else "the page"
    content_size(owner, what)
    data = b"\n".join(bytes(stream.read_bytes()) for stream in content_streams(owner))
    if sum(1 for _ in itertools.islice(_tokens(operators).finditer(data), MAX_INSTRUCTIONS + 1)) > MAX_INSTRUCTIONS:
        raise Unbounded(f"the content of {what} holds more than {MAX_INSTRUCTIONS} of the operators {operators}")
    for instruction in pikepdf.parse_content_stream(owner, operators):
        if isinstance(instruction, pikepdf.ContentStreamInstruction):
            yield instruction.operands, str(instruction.operator)


@functools.cache
def _tokens(operators: str) -> re.Pattern[bytes]:
    """The operators as tokens of a content stream (a count at least the parser's: a string may hold one)."""
    names = b"|".join(re.escape(name.encode()) for name in operators.split())
    return re.compile(rb"(?:^|(?<=[\s\])>}]))(?:" + names + rb")(?=[\s\[(<>/%{]|$)")


def resources_of(owner: Any, inherited: Any) -> Any:
    """The /Resources a page or form draws with: its own, or (a form without any, as PDF 1.1 allowed)
    those of whatever draws it; None when there are none."""
    own = owner.get("/Resources")
    if isinstance(own, pikepdf.Dictionary):
        return own
    return inherited if own is None else None


def drawn_form(resources: Any, name: Any) -> Any:
    """The Form XObject that ``/name Do`` draws with these resources, or None (an image, or nothing)."""
    xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
    if not isinstance(xobjects, pikepdf.Dictionary):
        return None
    xobject = xobjects.get(str(name))
    if isinstance(xobject, pikepdf.Stream) and xobject.get("/Subtype") == "/Form":
        return xobject
    return None


def drawn_xobject(resources: Any, name: Any) -> Any:
    """The XObject (image or form) that ``/name Do`` draws with these resources, or None."""
    xobjects = resources.get("/XObject") if isinstance(resources, pikepdf.Dictionary) else None
    if not isinstance(xobjects, pikepdf.Dictionary):
        return None
    xobject = xobjects.get(str(name))
    return xobject if isinstance(xobject, pikepdf.Stream) else None


def repairs(pdf: Any) -> list[str]:
    """What qpdf repaired while reading the file (a /Resources that is a number, a content stream cut
    short, a cross-reference table rebuilt): each is damage in the file, though pikepdf reads on. qpdf
    warns again each time it reads the same damage: each is listed once."""
    return list(dict.fromkeys(warning.strip() for warning in pdf.get_warnings()))


def ref(obj: Any) -> str:
    """``12 0 R`` for an indirect object, "a direct object" otherwise."""
    number, generation = obj.objgen
    return f"{number} {generation} R" if number else "(a direct object)"


def kind(obj: Any) -> str:
    """What an object is, in words: "a number (5)", "a string", "a name (/Foo)"."""
    if isinstance(obj, bool):
        return f"a boolean ({str(obj).lower()})"
    if isinstance(obj, int | float | decimal.Decimal):
        return f"a number ({obj})"
    if isinstance(obj, pikepdf.Name):
        return f"a name ({obj})"
    for type_, words in ((pikepdf.String, "a string"), (pikepdf.Array, "an array"), (pikepdf.Stream, "a stream"),
                         (pikepdf.Dictionary, "a dictionary")):
        if isinstance(obj, type_):
            return words
    return "null" if obj is None else f"an object of type {type(obj).__name__}"


def reason(exc: BaseException) -> str:
    """A malformed object's exception, in words for the report."""
    text = str(exc).strip()
    if isinstance(exc, AttributeError) and text.startswith("/"):
        return f"a dictionary has no {text}"
    return text or type(exc).__name__
