"""The book's stylesheets, checked before anything is laid out or written.

Each sheet the outputs use (``base.css``, ``epub.css``, ``print.css``, ``extra.css``: the project's own,
else publish's) is read once here and parsed with tinycss2, the parser WeasyPrint itself uses. Every
address in it, in any rule, ``@font-face``, ``@media``, ``@supports`` or ``@page`` block, is resolved and
checked now, not when WeasyPrint would fetch it: a rule inside ``@media screen`` is never fetched by the
PDFs, yet it reaches the EPUB, whose reading systems would fetch it. So:

- ``data:`` addresses are kept;
- an address with a scheme (``http:``, ``file:``), an absolute path or one that leads out of the
  project is R002;
- a relative address is R001 when nothing is there, and R007 in a sheet the EPUB carries (it carries
  no file a stylesheet names: the address would be broken in every reading system); a photo it names
  is checked as the manuscript's are (R003 unreadable, R006 too many pixels);
- ``@import`` is R007 (publish reads the four sheets itself; an imported one would be read by the PDFs
  only), and so is a ``}`` that closes no block (everything up to the next rule's end is dropped).
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable, Iterator
from pathlib import Path

import tinycss2  # type: ignore[import-untyped]
from tinycss2 import ast

from publish import images, rules
from publish.diagnostics import Diagnostic, Location
from publish.errors import ResourceError
from publish.project import SHEET_LIMIT, Project

EPUB_SHEETS = ("base.css", "epub.css", "extra.css")
PDF_SHEETS = ("base.css", "print.css", "extra.css")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_IMAGE_SETS = {"image-set", "-webkit-image-set"}
_RASTER = {".jpg", ".jpeg", ".png", ".gif", ".webp"}  # (checked as the manuscript's photos are: publish.images)


def check(project: Project) -> None:
    """Raise a :class:`~publish.errors.ResourceError` with everything wrong in the book's stylesheets."""
    found: list[Diagnostic] = []
    sizes: dict[str, int] = {}
    for name in dict.fromkeys(EPUB_SHEETS + PDF_SHEETS):
        try:
            path = project.stylesheet(name)
            if path is not None:
                text = project.read_sheet(path)
                sizes[project.name(path)] = len(text.encode("utf-8"))
                found += problems(text, path, Location(project.name(path)), project, name in EPUB_SHEETS)
        except ResourceError as exc:
            found += exc.diagnostics
    if sum(sizes.values()) > SHEET_LIMIT and not found:
        biggest = max(sizes, key=sizes.__getitem__)
        found.append(rules.RESOURCE_TOO_LARGE(
            f"the stylesheets are {sum(sizes.values()) // 1000} KB together, more than {SHEET_LIMIT // 1000} KB "
            f"({biggest} alone is {sizes[biggest] // 1000} KB); a bigger design would take minutes to apply",
            Location(biggest)))
    if found:
        raise ResourceError(found)


def problems(text: str, path: Path, where: Location, project: Project, in_epub: bool) -> list[Diagnostic]:
    """What is wrong in the sheet ``text`` read from ``path``."""
    found: list[Diagnostic] = []
    top = tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True)
    for node in _walk(top):
        at = where.at_line(node.source_line, node.source_column)
        if isinstance(node, ast.ParseError):
            found.append(rules.RESOURCE_BAD_STYLESHEET(f"{where.path}: {node.message}", at))
        elif isinstance(node, ast.AtRule) and node.lower_at_keyword == "import":
            found.append(rules.RESOURCE_BAD_STYLESHEET(
                f"{where.path}: @import is not followed", at,
                hint="Put the rules in the sheet itself (styles/extra.css is read by every output)."))
        elif isinstance(node, ast.QualifiedRule):
            stray = next((t for t in node.prelude if isinstance(t, ast.ParseError) and t.kind == "}"), None)
            if stray is not None:
                found.append(rules.RESOURCE_BAD_STYLESHEET(
                    f"{where.path}: a '}}' that closes no block; the rule after it is dropped",
                    where.at_line(stray.source_line, stray.source_column),
                    hint="Delete the extra '}', or add the '{' it was meant to close."))
        for address, token in _addresses(node):
            problem = _address_problem(address, path, project, in_epub, where.path)
            if problem is not None:
                rule, message = problem
                found.append(rule(message, where.at_line(token.source_line, token.source_column)))
    return found


def _walk(nodes: Iterable[ast.Node]) -> Iterator[ast.Node]:
    """Every rule, at-rule and parse error, at any depth (blocks of @media, @supports, @page...)."""
    for node in nodes:
        yield node
        content = getattr(node, "content", None)
        if isinstance(node, ast.AtRule | ast.QualifiedRule) and content is not None:
            yield from _walk(tinycss2.parse_blocks_contents(content, skip_comments=True, skip_whitespace=True))


def _addresses(node: ast.Node) -> Iterator[tuple[str, ast.Node]]:
    """The addresses ``node`` names itself (not in the rules nested in it: :func:`_walk` gives those)."""
    if isinstance(node, ast.QualifiedRule):
        tokens = list(node.prelude)
    elif isinstance(node, ast.AtRule):
        tokens = list(node.prelude)
        if node.lower_at_keyword == "import":
            tokens = [t for t in tokens if not isinstance(t, ast.StringToken)] + [
                ast.URLToken(t.source_line, t.source_column, t.value, t.value)
                for t in tokens if isinstance(t, ast.StringToken)]
    elif isinstance(node, ast.Declaration):
        tokens = list(node.value)
    else:
        return
    yield from _in_values(tokens)


def _in_values(tokens: Iterable[ast.Node]) -> Iterator[tuple[str, ast.Node]]:
    for token in tokens:
        if isinstance(token, ast.URLToken):
            yield token.value, token
        elif isinstance(token, ast.FunctionBlock):
            strings = [t for t in token.arguments if isinstance(t, ast.StringToken)]
            if token.lower_name in ("url", "src") and strings:
                yield strings[0].value, token
            elif token.lower_name in _IMAGE_SETS:
                yield from ((s.value, s) for s in strings)
            yield from _in_values(token.arguments)
        elif isinstance(token, ast.ParenthesesBlock | ast.SquareBracketsBlock | ast.CurlyBracketsBlock):
            yield from _in_values(token.content)


def _address_problem(address: str, sheet: Path, project: Project, in_epub: bool,
                     label: str) -> tuple[rules.Rule, str] | None:
    value = address.strip()
    if value.lower().startswith("data:") or value.startswith("#"):
        return None  # (``#id``: an SVG fragment of the document itself)
    plain = urllib.parse.unquote(value)
    if _SCHEME.match(plain) or plain.startswith(("/", "\\")) or "\0" in plain:
        return rules.RESOURCE_OUTSIDE, f"{label} names '{address}', which is not a relative path inside the project"
    target = (sheet.parent / plain.split("?", 1)[0].split("#", 1)[0])
    try:
        real = target.resolve()
    except (OSError, RuntimeError):
        return rules.RESOURCE_OUTSIDE, f"{label} names '{address}', a link that leads nowhere"
    if not (project.contains(real) or real.is_relative_to(sheet.parent.resolve())):
        return rules.RESOURCE_OUTSIDE, f"{label} names '{address}', which leads outside the project"
    if not real.is_file():
        return rules.RESOURCE_MISSING, f"{label} names '{address}', which is not there"
    if in_epub:
        return (rules.RESOURCE_BAD_STYLESHEET,
                f"{label} names '{address}', which the EPUB does not carry (it is read by the EPUB too); "
                "use the file in print.css, or write it as a data: address")
    if real.suffix.lower() in _RASTER:
        try:
            images.measure(real.read_bytes()[: images.FILE_LIMIT + 1])
        except images.Refused as refused:
            return refused.rule, f"{label} names '{address}', which {refused.message}"
    return None
