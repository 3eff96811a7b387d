"""Source-level text normalization: every change is made on the raw file text and reported.

Normalizing the source (before Markdown or YAML parsing) means that body text, headings, captions, alt
text, front matter and ``publish.yaml`` are all treated alike, and that each diagnostic points at the
exact line and column the author must fix. Letters are fixed here (NFC, look-alike Đ, accidental
no-break spaces, tone-mark placement); typography that depends on the Markdown structure (quotes,
dashes, spaces) is set later, on the parsed text (:mod:`publish.text.typography`).
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass, field

from publish import rules
from publish.diagnostics import Diagnostic, Location, Severity
from publish.text import legacy, limits
from publish.text.syllables import ToneStyle, tone_style, with_tone_style

# Look-alikes of Đ/đ that Vietnamese text picks up from Latin-1 keyboards and old converters.
_ETH = {"\u00d0": "\u0110", "\u00f0": "\u0111", "\u0189": "\u0110", "\u0256": "\u0111"}
_NBSP = {"\u00a0", "\u202f"}
_BLANK = {" ", "\t"} | _NBSP
_WORD = re.compile(r"[^\W\d_]+")
_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")
_FOREIGN = re.compile("[\u0370-\u03ff\u0400-\u052f\u1c80-\u1c8f\u1f00-\u1fff\u2de0-\u2dff\ua640-\ua69f]")


@dataclass(frozen=True)
class TextSettings:
    """What normalization may do: the book's language, its tone-mark style, and whether legacy-encoded
    lines are converted (``publish fix``) or only reported (a build)."""

    language: str = "vi"
    tone_marks: ToneStyle | None = None
    convert_legacy: bool = False

    @property
    def vietnamese(self) -> bool:
        return self.language.lower().split("-")[0] == "vi"


@dataclass(frozen=True)
class ToneUse:
    style: ToneStyle
    word: str
    location: Location


@dataclass
class Normalized:
    text: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    tones: list[ToneUse] = field(default_factory=list)


def normalize(text: str, path: str, settings: TextSettings, first_line: int = 1) -> Normalized:
    """Return ``text`` with its letters fixed, each change and finding reported with its place.

    Text beyond the size limits (:mod:`publish.text.limits`) is returned as it is with the error, unread;
    a character that is not text is an error at its place (and the rest is read as usual)."""
    too_big = limits.oversized(text, path, first_line)
    if too_big:
        return Normalized(text, too_big)
    result = Normalized("", limits.not_text(text, path, first_line))
    out_lines: list[str] = []
    for number, line in enumerate(text.split("\n"), start=first_line):
        out_lines.append(_line(line, Location(path, number), settings, result))
    result.text = "\n".join(out_lines)
    return result


def _line(line: str, where: Location, settings: TextSettings, result: Normalized) -> str:
    found = result.diagnostics
    if settings.vietnamese:
        detection = legacy.detect(line)
        if detection is not None:
            before, after = detection.example(line)
            column = line.index(before) + 1
            message = (f"this line looks like {detection.encoding.description} text read as Windows-1252: "
                       f"'{before}' would be '{after}'")
            if not settings.convert_legacy:
                found.append(rules.TEXT_LEGACY(message, where.at_line(where.line, column)))
                return line
            line = detection.apply(line)
            found.append(dataclasses.replace(rules.TEXT_LEGACY(
                f"converted from {detection.encoding.description}: '{before}' → '{after}'"
                f" ({len(detection.spans)} word(s))", where.at_line(where.line, column),
            ), severity=Severity.INFO))
    nfc = unicodedata.normalize("NFC", line)
    if nfc != line:
        column = next((i for i, (a, b) in enumerate(zip(line, nfc, strict=False), 1) if a != b), len(nfc) + 1)
        found.append(rules.TEXT_NFC("decomposed characters composed to NFC", where.at_line(where.line, column)))
        line = nfc
    if settings.vietnamese:
        _stray_marks(line, where, found)
        line = _fix_eth(line, where, found)
    line = _fix_nbsp(line, where, found)
    _lookalikes(line, where, found)
    if settings.vietnamese:
        line = _tones(line, where, settings.tone_marks, result)
    return line


def letters(text: str, where: Location, vietnamese: bool = True) -> tuple[str, list[Diagnostic]]:
    """The letter fixes and findings of :func:`normalize` that keep the text's length (look-alike Đ; stray
    marks and letters of another alphabet reported), for text that did not pass through it as typed: the
    characters markdown-it decodes from references (``&ETH;``, ``&#208;``). Columns count in ``text``."""
    found: list[Diagnostic] = []
    if vietnamese:
        _stray_marks(text, where, found)
        text = _fix_eth(text, where, found)
    _lookalikes(text, where, found)
    return text, found


def _fix_eth(line: str, where: Location, found: list[Diagnostic]) -> str:
    if not any(ch in _ETH for ch in line):
        return line
    chars = list(line)
    for index, ch in enumerate(chars):
        if ch in _ETH:
            chars[index] = _ETH[ch]
            found.append(rules.TEXT_ETH(
                f"'{ch}' (U+{ord(ch):04X}) replaced by '{_ETH[ch]}' (U+{ord(_ETH[ch]):04X})",
                where.at_line(where.line, index + 1),
            ))
    return "".join(chars)


def _fix_nbsp(line: str, where: Location, found: list[Diagnostic]) -> str:
    """Drop a no-break space that touches other white space or the edge of the line.

    A no-break space between two words ("5\u00a0km") is deliberate and kept.
    """
    if not any(ch in _NBSP for ch in line):
        return line
    kept: list[str] = []
    for index, ch in enumerate(line):
        if ch in _NBSP:
            before = line[index - 1] if index > 0 else ""
            after = line[index + 1] if index + 1 < len(line) else ""
            if before in _BLANK or after in _BLANK or not before or not after:
                found.append(rules.TEXT_NBSP(
                    f"no-break space (U+{ord(ch):04X}) removed", where.at_line(where.line, index + 1),
                ))
                continue
        kept.append(ch)
    return "".join(kept)


def _stray_marks(line: str, where: Location, found: list[Diagnostic]) -> None:
    """Every Vietnamese letter has a precomposed form, so a combining mark left after NFC is an accident."""
    for index, ch in enumerate(line):
        if unicodedata.combining(ch):
            base = line[index - 1] if index else ""
            found.append(rules.TEXT_STRAY_MARK(
                f"combining mark U+{ord(ch):04X} ({unicodedata.name(ch, '?').lower()}) after '{base}' "
                "forms no Vietnamese letter", where.at_line(where.line, index + 1),
            ))


def _script(ch: str) -> str | None:
    name = unicodedata.name(ch, "")
    return next((script for script in _SCRIPTS if name.startswith(script)), None)


def _lookalikes(line: str, where: Location, found: list[Diagnostic]) -> None:
    """A word mixing Latin letters with Cyrillic or Greek ones: a look-alike slipped in ("cоng")."""
    if not _FOREIGN.search(line):
        return
    for match in _WORD.finditer(line):
        word = match.group(0)
        scripts = {_script(ch) for ch in word} - {None}
        if "LATIN" not in scripts or len(scripts) < 2:
            continue
        for offset, ch in enumerate(word):
            if _script(ch) not in (None, "LATIN"):
                found.append(rules.TEXT_LOOKALIKE(
                    f"'{ch}' (U+{ord(ch):04X} {unicodedata.name(ch, '?')}) inside the Latin word '{word}'",
                    where.at_line(where.line, match.start() + offset + 1),
                ))
                break


def _tones(line: str, where: Location, style: ToneStyle | None, result: Normalized) -> str:
    """Record each syllable whose tone placement shows a style; move it when a style is configured."""
    out, last = [], 0
    for match in _WORD.finditer(line):
        word = match.group(0)
        shown = tone_style(word)
        if shown is None:
            continue
        at = where.at_line(where.line, match.start() + 1)
        if style is None or shown is style:
            result.tones.append(ToneUse(shown, word, at))
            continue
        moved = with_tone_style(word, style)
        result.diagnostics.append(rules.TEXT_TONE_MOVED(f"'{word}' written '{moved}' ({style.value} style)", at))
        out += [line[last:match.start()], moved]
        last = match.end()
    return "".join(out) + line[last:] if out else line


def mixed_tone_styles(uses: list[ToneUse]) -> list[Diagnostic]:
    """One warning per word written in the less used style, when a book uses both."""
    counts = {style: [use for use in uses if use.style is style] for style in ToneStyle}
    if not all(counts.values()):
        return []
    major, minor = sorted(ToneStyle, key=lambda style: (-len(counts[style]), style.value))
    examples = ", ".join(dict.fromkeys(use.word for use in counts[major]))
    found, seen = [], set()
    for use in counts[minor]:
        if use.word.lower() in seen:
            continue
        seen.add(use.word.lower())
        found.append(rules.TEXT_TONES_MIXED(
            f"'{use.word}' places its tone mark in the {minor.value} style; the rest of the book uses the "
            f"{major.value} style {len(counts[major])} time(s) ({_clip(examples)})",
            use.location,
        ))
    return found


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
