"""Typography of running text: quotes, dashes and spaces as Vietnamese books set them.

This runs on parsed prose (Markdown text nodes, front-matter and ``publish.yaml`` values), never on
code or syntax, so straight quotes in ``{alt="..."}`` or a code span are left alone. The source keeps
what the author typed; the book gets “ ” ‘ ’, – and — and single spaces, each change reported.

A :class:`Typographer` is fed the pieces of one block in reading order, so that a quote opening in
plain text and closing after an emphasis is paired correctly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from publish import rules
from publish.diagnostics import Diagnostic, Location
from publish.rules import Rule

# Opening and closing marks per language; languages not listed keep their straight quotes.
QUOTES = {"vi": "“”‘’", "en": "“”‘’"}
_OPENERS = set(" \t\n([{“‘–—/\u00a0") | {""}
_DASHES = re.compile(r"(?<=\s)(?:-|--)(?=\s)|(?<!-)---(?!-)|(?<=\w)--(?=\w)")
_SPACES = re.compile(r"(?<=\S)  +(?=\S)")


@dataclass(frozen=True)
class Change:
    rule: Rule
    offset: int  # in the piece of text given to the typographer
    before: str
    after: str

    def describe(self) -> str:
        if self.rule is rules.TEXT_SPACES:
            return f"{len(self.before)} spaces set as one"
        return f"'{self.before}' set as '{self.after}'"


class Typographer:
    def __init__(self, language: str) -> None:
        self.quotes = QUOTES.get(language.lower().split("-")[0])
        self.previous = ""

    def skip(self, text: str) -> None:
        """Text set verbatim (code): it is not changed, but a quote after it closes."""
        if text:
            self.previous = text[-1]

    def __call__(self, text: str) -> tuple[str, list[Change]]:
        changes: list[Change] = []
        text = self._sub(_SPACES, text, lambda m: " ", rules.TEXT_SPACES, changes)
        text = self._sub(_DASHES, text, lambda m: "—" if m.group(0) == "---" else "–", rules.TEXT_DASH, changes)
        if self.quotes:
            text = self._quotes(text, changes)
        if text:
            self.previous = text[-1]
        return text, sorted(changes, key=lambda change: change.offset)

    def _sub(self, pattern: re.Pattern[str], text: str, replace: object, rule: Rule, changes: list[Change]) -> str:
        out, last, shift = [], 0, 0
        for match in pattern.finditer(text):
            new = replace(match)  # type: ignore[operator]
            changes.append(Change(rule, match.start() + shift, match.group(0), new))
            out += [text[last:match.start()], new]
            last = match.end()
            shift += len(new) - len(match.group(0))
        return "".join(out) + text[last:] if out else text

    def _quotes(self, text: str, changes: list[Change]) -> str:
        assert self.quotes is not None
        open_double, close_double, open_single, close_single = tuple(self.quotes)
        chars = list(text)
        for index, ch in enumerate(chars):
            if ch not in "\"'":
                continue
            before = chars[index - 1] if index else self.previous
            after = chars[index + 1] if index + 1 < len(chars) else ""
            opening = before in _OPENERS or before.isspace()
            if ch == '"':
                new = open_double if opening else close_double
            elif not opening:
                new = close_single  # a closing quote or an apostrophe (O’Neil, ’75)
            elif after.isalnum():
                new = open_single
            else:
                continue
            chars[index] = new
            changes.append(Change(rules.TEXT_QUOTES, index, ch, new))
        return "".join(chars)


def typeset(text: str, language: str) -> tuple[str, list[Change]]:
    """One piece of prose on its own (a title, a byline)."""
    return Typographer(language)(text)


def typeset_fields(
    values: dict[str, Any], keys: Iterable[str], locations: Mapping[str, Location], language: str
) -> list[Diagnostic]:
    """Typeset the text values of ``keys`` in place; each change is reported at its value's place."""
    found = []
    for key in keys:
        value = values.get(key)
        if not isinstance(value, str):
            continue
        values[key], changes = typeset(value, language)
        found += [change.rule(f"{key}: {change.describe()}", locations.get(key)) for change in changes]
    return found
