"""Source-level text normalization: every change is made on the raw file text and reported.

Normalizing the source (before Markdown or YAML parsing) means that body text, headings, captions, alt
text, front matter and ``publish.yaml`` are all treated alike, and that each diagnostic points at the
exact line and column the author must fix.
"""

from __future__ import annotations

import unicodedata

from publish import rules
from publish.diagnostics import Diagnostic, Location

# Look-alikes of Đ/đ that Vietnamese text picks up from Latin-1 keyboards and old converters.
_ETH = {"\u00d0": "\u0110", "\u00f0": "\u0111", "\u0189": "\u0110", "\u0256": "\u0111"}
_NBSP = {"\u00a0", "\u202f"}
_BLANK = {" ", "\t"} | _NBSP


def normalize(text: str, path: str, language: str, first_line: int = 1) -> tuple[str, list[Diagnostic]]:
    """Return ``text`` in NFC with look-alike letters and accidental no-break spaces fixed."""
    found: list[Diagnostic] = []
    vietnamese = language.lower().split("-")[0] == "vi"
    out_lines: list[str] = []
    for number, line in enumerate(text.split("\n"), start=first_line):
        where = Location(path, number)
        nfc = unicodedata.normalize("NFC", line)
        if nfc != line:
            column = next(i for i, (a, b) in enumerate(zip(line, nfc, strict=False), 1) if a != b)
            found.append(rules.TEXT_NFC("decomposed characters composed to NFC", where.at_line(number, column)))
            line = nfc
        if vietnamese:
            line = _fix_eth(line, where, found)
        line = _fix_nbsp(line, where, found)
        out_lines.append(line)
    return "\n".join(out_lines), found


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
