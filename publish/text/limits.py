"""What a source's text may not be: too large to set, or holding characters that are not text.

The limits are far beyond any book, so that a broken or hostile file is refused at once, at its place,
instead of being read, parsed and laid out for minutes: a manuscript file of more than 8 MB (a long novel
is 1-2 MB of UTF-8) or a line of more than 256 KB (some 40,000 words, 120 pages without a line break:
no paragraph is typed so, and a 1 MB line was laid out for minutes; below the limit, a paragraph on one
line is laid out as fast as the same words in paragraphs).

Characters that are not text are refused at the line and column where they are typed, before they reach
an output (XML cannot hold C0 controls, and the EPUB's checker would name the generated file instead):
C0 and C1 control characters other than tab, line feed and carriage return, and the Unicode
noncharacters (U+FDD0-U+FDEF and the last two code points of every plane, U+FFFE and U+FFFF among them).
They are errors rather than deleted: a vertical tab is the manual line break of word processors and a
form feed a page break, so deleting one can join two words, and a file full of NULs is UTF-16 or not
text at all; what they stood for is the author's to decide.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from publish import rules
from publish.diagnostics import Diagnostic, Location

MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_LINE_BYTES = 256 * 1024
_UTF8_WIDEST = 4  # bytes a character takes at most in UTF-8

_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
NOT_TEXT = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_NONCHARACTERS}]")
MAX_REPORTED = 20  # characters that are not text reported one by one; the rest are counted

_NAMES = {"\x00": "NUL", "\x0b": "vertical tab", "\x0c": "form feed", "\x1b": "escape", "\x7f": "DEL",
          "\x85": "next line, NEL"}
_HINTS = {
    "\x00": "A NUL: the file may be UTF-16 or not text at all; save it as UTF-8 text, or delete the NULs.",
    "\x0b": "A vertical tab is a word processor's manual line break: end the line with a backslash for a "
            "line break in the book, or replace it with a space.",
    "\x0c": "A form feed (page break) is not text: delete it, or start a new article for a new page.",
}


def read_bounded(path: Path, relative: str) -> tuple[bytes | None, list[Diagnostic]]:
    """The bytes of the source file ``path``, or None and an error when it is larger than
    :data:`MAX_FILE_BYTES` (no more than that is read, whatever its size)."""
    with path.open("rb") as file:
        raw = file.read(MAX_FILE_BYTES + 1)
    if len(raw) <= MAX_FILE_BYTES:
        return raw, []
    line = raw[:MAX_FILE_BYTES].count(b"\n") + 1
    return None, [_file_too_big(path.stat().st_size, Location(relative, line))]


def oversized(text: str, path: str, first_line: int = 1) -> list[Diagnostic]:
    """An error for a text larger than :data:`MAX_FILE_BYTES`, or for each line longer than
    :data:`MAX_LINE_BYTES` (in UTF-8); none for text within the limits. Linear, and quick on text far
    below them."""
    if len(text) > MAX_FILE_BYTES // _UTF8_WIDEST:
        data = _utf8(text)
        if len(data) > MAX_FILE_BYTES:
            return [_file_too_big(len(data), Location(path, first_line + data.count(b"\n", 0, MAX_FILE_BYTES)))]
    if len(text) <= MAX_LINE_BYTES // _UTF8_WIDEST:
        return []
    found = []
    for number, line in enumerate(text.split("\n"), start=first_line):
        if len(line) > MAX_LINE_BYTES // _UTF8_WIDEST and (size := len(_utf8(line))) > MAX_LINE_BYTES:
            found.append(rules.MANUSCRIPT_TOO_BIG(
                f"a line of {_megabytes(size)}: more than the {_megabytes(MAX_LINE_BYTES)} a line may hold",
                Location(path, number),
                hint="Break the paragraph into lines (a single line break keeps them one paragraph), or into "
                     "paragraphs of ordinary length."))
    return found


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def within_limits(text: str) -> bool:
    """Whether ``text`` is within the size limits (:func:`oversized` finds nothing)."""
    return not oversized(text, "")


def _file_too_big(size: int, where: Location) -> Diagnostic:
    return rules.MANUSCRIPT_TOO_BIG(
        f"the file holds {_megabytes(size)}: more than the {_megabytes(MAX_FILE_BYTES)} a source file may hold "
        "(the line given is where it passes them)", where)


def _megabytes(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{size // 1024} KB" if size >= 1024 else f"{size} bytes"


def not_text(text: str, path: str, first_line: int = 1) -> list[Diagnostic]:
    """An error at each character that is not text (see the module's text), for the first
    :data:`MAX_REPORTED` of them, then one at the next that counts the others."""
    found: list[Diagnostic] = []
    line, scanned = first_line, 0
    matches = NOT_TEXT.finditer(text)
    for count, match in enumerate(matches):
        at, character = match.start(), match.group()
        line += text.count("\n", scanned, at)
        scanned = at
        where = Location(path, line, at - text.rfind("\n", 0, at))
        if count == MAX_REPORTED:
            more = sum(1 for _ in matches)
            found.append(rules.MANUSCRIPT_BAD_CHARACTER(
                f"{describe(character)} is not text, nor are {more} more character(s) after it", where))
            break
        found.append(rules.MANUSCRIPT_BAD_CHARACTER(f"{describe(character)} is not text", where,
                                                    hint=_HINTS.get(character)))
    return found


def describe(character: str) -> str:
    """``U+000B (vertical tab)``, ``U+FFFE (a noncharacter)``."""
    point = ord(character)
    if character in _NAMES:
        name = _NAMES[character]
    elif unicodedata.category(character) == "Cc":
        name = "a C0 control character" if point < 0x80 else "a C1 control character"
    else:
        name = "a Unicode noncharacter"
    return f"U+{point:04X} ({name})"
