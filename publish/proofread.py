"""Proofreading the sources: ``publish lint`` and ``publish fix``, the text checks of a build without building.

:func:`lint` runs the checks a build makes before layout, the same function (config, front matter,
Markdown, text normalization, figures, font coverage, the text the stylesheets generate, the colour
profile), and returns every finding, errors included, instead of raising.
:func:`fix` rewrites the source files with the letter-level fixes a build only applies to its outputs
(NFC, look-alike Đ, stray no-break spaces, the configured tone-mark style) and converts lines typed in
a legacy Vietnamese encoding to Unicode. Typography (quotes, dashes) is left to the build: the source
keeps what the author typed.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from publish import rules
from publish.config import CONFIG_NAME, text_settings
from publish.diagnostics import Diagnostic, Location, Severity
from publish.errors import ManuscriptError, PublishError
from publish.manuscript.reader import chapter_files
from publish.output.files import write_atomically
from publish.pipeline import prepare, reading_order
from publish.project import Project
from publish.text import limits
from publish.text.legacy import read_as_windows_1252
from publish.text.normalize import normalize

# The codes whose diagnostics, in a fix, describe a change made to the source.
FIX_CODES = frozenset({rules.TEXT_NFC.code, rules.TEXT_ETH.code, rules.TEXT_NBSP.code, rules.TEXT_LEGACY.code,
                       rules.TEXT_TONE_MOVED.code, rules.MANUSCRIPT_ENCODING.code})


def lint(path: Path | str = ".", environ: Mapping[str, str] | None = None) -> tuple[Diagnostic, ...]:
    """Every finding a build would report before layout (:func:`publish.pipeline.prepare`, the same checks),
    errors included, in reading order."""
    environ = os.environ if environ is None else environ
    project = Project.at(path)
    try:
        found = prepare(project, environ).found
    except PublishError as exc:
        return tuple(sorted(exc.diagnostics, key=reading_order))
    return tuple(sorted(found, key=reading_order))


@dataclass(frozen=True)
class FixResult:
    changed: tuple[str, ...]  # project-relative paths of the files rewritten (or that would be)
    diagnostics: tuple[Diagnostic, ...]  # the changes made (info) and what is left to fix by hand

    @property
    def changes(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.code in FIX_CODES]

    @property
    def left(self) -> list[Diagnostic]:
        """Findings the fix could not settle (look-alike letters, stray marks...)."""
        return [d for d in self.diagnostics if d.code not in FIX_CODES and d.severity is not Severity.INFO]


def fix(path: Path | str = ".", dry_run: bool = False) -> FixResult:
    """Rewrite publish.yaml and the chapters with their text fixed; ``dry_run`` only reports."""
    project = Project.at(path)
    project.check_links()  # (a source that is a link outside would be rewritten there)
    config_path = project.root / CONFIG_NAME
    sources = ([config_path] if config_path.is_file() else []) + chapter_files(project)
    texts, too_big = {}, []
    for source in sources:
        raw, problems = limits.read_bounded(source, project.relative(source))
        too_big += problems
        if raw is not None:
            texts[source] = _decode(raw)
    if too_big:
        raise ManuscriptError(too_big)
    settings = text_settings(texts[config_path][0] if config_path in texts else "", convert_legacy=True)
    found: list[Diagnostic] = []
    rewrites: dict[Path, bytes] = {}
    for source, (text, encoding) in texts.items():
        relative = project.relative(source)
        if encoding == "cp1252":
            found.append(dataclasses.replace(rules.MANUSCRIPT_ENCODING(
                "not UTF-8: read as Windows-1252, saved as UTF-8", Location(relative), hint="",
            ), severity=Severity.INFO))
        normalized = normalize(text, relative, settings)
        found += normalized.diagnostics
        if normalized.text != text or encoding == "cp1252":
            rewrites[source] = normalized.text.encode("utf-8-sig" if encoding == "utf-8-sig" else "utf-8")
    if rewrites and not dry_run:
        write_atomically(rewrites, {source: project.relative(source) for source in rewrites})
    return FixResult(tuple(project.relative(source) for source in rewrites),
                     tuple(sorted(found, key=reading_order)))


def _decode(raw: bytes) -> tuple[str, str]:
    """The text of a source file and how it was read: utf-8, utf-8-sig, or cp1252 when some line is not
    UTF-8 (each such line is read as Windows-1252; the others stay UTF-8)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        lines = []
        for line in raw.removeprefix(b"\xef\xbb\xbf").split(b"\n"):
            try:
                lines.append(line.decode("utf-8"))
            except UnicodeDecodeError:
                lines.append(read_as_windows_1252(line))
        return "\n".join(lines), "cp1252"
    return text, "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
