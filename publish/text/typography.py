"""Typography of running text: quotes, dashes, spaces and ties as Vietnamese books set them.

This runs on parsed prose (Markdown text nodes, front-matter and ``publish.yaml`` values), never on
code or syntax, so straight quotes in ``{alt="..."}`` or a code span are left alone. The source keeps
what the author typed; the book gets “ ” ‘ ’, – and — and single spaces, each change reported.

It also ties what a line must not split, in both outputs: a no-break space (U+00A0) inside a number
range (2015 – 2020), between a number and its unit or currency (50 km, 12,5 %, 1.000 đồng, $ 5) and
after an initial (Nguyễn V. An). An en dash allows a line break after it (Unicode line breaking,
UAX #14: class BA, and LB12a lets a no-break space after it start the next line), so a range also gets
a WORD JOINER (U+2060) after its dash. Only a space the author typed becomes a tie; "2015–2020" gets
the word joiner alone.

A :class:`Typographer` is fed the pieces of one block in reading order, so that a quote opening in
plain text and closing after an emphasis is paired correctly. Ties are made within one piece: a range
or a quantity split by markup ("2015 – *2020*", "50 *km*") or by a line break of the source is left
as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
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

NBSP = "\u00a0"
WORD_JOINER = "\u2060"

# What a number keeps on its line. Words that count things ("26 đồng chí", "5 năm", "3 xã") are not
# units: only measures, percentages, currencies and the clock are, in the forms Vietnamese and
# international texts write after a number. Case matters: "kW" and "MW" are units, "Tạ" starts a name.
UNITS = (
    "%", "‰", "°C", "°F",  # percent, per mille, temperature
    "km", "m", "dm", "cm", "mm", "mét",  # length
    "km²", "m²", "cm²", "km2", "m2", "cm2", "ha", "héc-ta", "sào",  # area (m2: m² typed without the key)
    "m³", "m3", "lít", "l", "ml",  # volume
    "tấn", "tạ", "kg", "g", "mg",  # mass
    "giờ", "phút", "giây",  # the clock, after a number ("10 giờ 30 phút")
    "kW", "kWh", "MW",  # power
    "đồng", "đ", "VNĐ", "VND", "USD", "EUR", "$", "€", "£",  # currencies written after the amount
)
CURRENCIES_BEFORE = ("US$", "$", "€", "£")  # "$ 5"
# Words that multiply a number: tied to it, and to the unit after them ("1,5 tỷ đồng").
MULTIPLIERS = ("trăm", "nghìn", "ngàn", "vạn", "triệu", "tỷ", "tỉ")
# "đồng" is also the first syllable of many words ("26 đồng chí", "đồng bào"): it is the currency
# only when the amount reads as money (a thousands group, a multiplier) or ends the phrase.
_DONG_WORDS = ("chí", "bào")

_NUMBER = r"\d+(?:[.,/]\d+)*"  # 12,5 · 1.000 · 7/2017
_S = "[ \u00a0]"  # a space, tied or not


def _alternatives(words: Iterable[str]) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


_AMOUNT = rf"{_NUMBER}(?:{_S}(?:{_alternatives(MULTIPLIERS)})(?!\w))*"
_QUANTITY = re.compile(
    rf"(?<![\w.,/])(?:(?:{_alternatives(CURRENCIES_BEFORE)}){_S}(?=\d))?"
    rf"(?P<amount>{_AMOUNT})"
    rf"(?:(?P<range>{_S}?–{WORD_JOINER}?{_S}?){_AMOUNT})?"
    rf"(?:(?P<unit_space>{_S})(?P<unit>{_alternatives(UNITS)})(?!\w))?"
)
_THOUSANDS = re.compile(r"\d[.,]\d{3}(?!\d)")
_MULTIPLIED = re.compile(rf"{_S}(?:{_alternatives(MULTIPLIERS)})$")
_INITIAL = re.compile(r"(?<!\w)(?P<initial>[^\W\d_])\. (?=[^\W\d_])")


@dataclass(frozen=True)
class Change:
    rule: Rule
    offset: int  # in the piece of text given to the typographer, as it was given
    before: str  # for a tie: the words it keeps together
    after: str
    why: str = ""  # for a tie: what they are

    def describe(self) -> str:
        if self.rule is rules.TEXT_SPACES:
            return f"{len(self.before)} spaces set as one"
        if self.rule is rules.TEXT_TIE:
            return f"'{self.before}' kept on one line: {self.why}"
        return f"'{self.before}' set as '{self.after}'"


@dataclass(frozen=True)
class _Edit:
    start: int
    end: int
    new: str
    why: str = ""
    shown: str = ""  # what the report quotes, when it is more than the edited text


class _Text:
    """The piece being set, with the offset in the original piece of each of its characters, so that
    every change is reported where the author typed it, whatever earlier passes did."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.origin = list(range(len(text) + 1))

    def apply(self, edits: Iterable[_Edit], rule: Rule, changes: list[Change]) -> None:
        out: list[str] = []
        origin: list[int] = []
        last = 0
        for edit in edits:
            old = self.text[edit.start:edit.end]
            if edit.new == old or edit.start < last:  # unchanged, or overlapping the edit before
                continue
            changes.append(Change(rule, self.origin[edit.start], edit.shown or old, edit.new, edit.why))
            out.append(self.text[last:edit.start])
            origin += self.origin[last:edit.start]
            out.append(edit.new)
            same_length = len(edit.new) == len(old)
            origin += self.origin[edit.start:edit.end] if same_length else [self.origin[edit.start]] * len(edit.new)
            last = edit.end
        if out:
            self.text = "".join(out) + self.text[last:]
            self.origin = origin + self.origin[last:]

    def sub(self, pattern: re.Pattern[str], replace: Callable[[re.Match[str]], str], rule: Rule,
            changes: list[Change], before: str = "") -> None:
        """Replace the matches of ``pattern``, which may look behind into ``before`` (the text set before
        this piece: a line break, say, before "- bar")."""
        shift = len(before)
        self.apply((_Edit(m.start() - shift, m.end() - shift, replace(m))
                    for m in pattern.finditer(before + self.text) if m.start() >= shift), rule, changes)


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
        piece = _Text(text)
        piece.sub(_SPACES, lambda m: " ", rules.TEXT_SPACES, changes)
        piece.sub(_DASHES, lambda m: "—" if m.group(0) == "---" else "–", rules.TEXT_DASH, changes, self.previous)
        if self.quotes:
            piece.apply(self._quotes(piece.text), rules.TEXT_QUOTES, changes)
        piece.apply(sorted([*_quantity_ties(piece.text), *_initial_ties(piece.text)], key=lambda e: e.start),
                    rules.TEXT_TIE, changes)
        if piece.text:
            self.previous = piece.text[-1]
        return piece.text, sorted(changes, key=lambda change: change.offset)

    def _quotes(self, text: str) -> list[_Edit]:
        assert self.quotes is not None
        open_double, close_double, open_single, close_single = tuple(self.quotes)
        chars = list(text)  # set as we go: a quote just set opens the one after it ("'trích'")
        edits = []
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
            edits.append(_Edit(index, index + 1, new))
        return edits


def _quantity_ties(text: str) -> list[_Edit]:
    """No-break spaces inside a number range and between an amount and its unit; a word joiner after
    the range's dash."""
    edits = []
    for match in _QUANTITY.finditer(text):
        end = match.end()
        if match.group("unit") == "đồng" and not _is_money(text, match.start(), match.start("unit_space"), end):
            end = match.start("unit_space")
        span = text[match.start():end]
        new = re.sub(f"–{WORD_JOINER}?", "–" + WORD_JOINER, span.replace(" ", NBSP))
        if new == span:
            continue
        unit = end > match.start("unit_space") >= 0
        why = ("a range and its unit" if unit else "a number range") if match.group("range") else \
            "a number and its unit"
        edits.append(_Edit(match.start(), end, new, why))
    return edits


def _is_money(text: str, start: int, unit_space: int, end: int) -> bool:
    """Whether 'đồng' after this amount is the currency: the amount has a thousands group or a
    multiplier (1.000 đồng, 5 triệu đồng), or 'đồng' ends the phrase (giá 500 đồng.); never before a
    word it forms with ('26 đồng chí', '1.000 đồng bào')."""
    following = re.match(rf"{_S}+([^\W\d_]+)", text[end:])
    if following is not None and following.group(1) in _DONG_WORDS:
        return False
    amount = text[start:unit_space]
    return following is None or _THOUSANDS.search(amount) is not None or _MULTIPLIED.search(amount) is not None


def _initial_ties(text: str) -> list[_Edit]:
    """A no-break space after an initial: a capital and a full stop before a capitalised name."""
    edits = []
    for match in _INITIAL.finditer(text):
        name = re.match(r"[^\W\d_]+", text[match.end():])
        if match.group("initial").isupper() and name is not None and name.group(0)[0].isupper():
            edits.append(_Edit(match.start(), match.end(), match.group(0)[:-1] + NBSP,
                               "an initial and the name after it", match.group(0) + name.group(0)))
    return edits


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
