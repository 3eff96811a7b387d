"""``publish check``: one preflight for the EPUB and the PDF, made for CI.

For each EPUB: the container (:mod:`.epub`), W3C EPUBCheck (:mod:`.epubcheck`), our accessibility and
CSS checks, and Ace by DAISY when it is installed (:mod:`.ace`). For each PDF: preflight (:mod:`.pdf`).
For each EPUB and PDF of the same name: parity (:mod:`.parity`). Each check gives a
:class:`~.report.CheckResult`; a check whose tool is missing is reported as such, never as passed.

The files may be hostile: an EPUB the container check refuses to unpack (A009: encrypted, a zip bomb) is
given to no validator either, and every PDF check walks the file's graphs with a visited set and a
budget (:mod:`.walk`), so that each check ends, in seconds, with a finding instead of a hang or a traceback.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from pathlib import Path

from publish import rules
from publish.check import ace as ace_check
from publish.check.epub import EpubFile, accessibility, css, open_epub
from publish.check.epubcheck import epubcheck
from publish.check.parity import parity
from publish.check.pdf import Expectations, preflight
from publish.check.report import CheckResult, Report
from publish.config import load_config
from publish.diagnostics import Diagnostic, Location
from publish.errors import InputError, PublishError, ToolMissingError
from publish.fonts import load_faces
from publish.project import Project

OPTIONAL_TOOLS = ("ace",)

Check = Callable[[], tuple[list[Diagnostic], str]]


def outputs_of(project: Path | str) -> list[Path]:
    """The EPUB and PDF files in a project's dist/."""
    dist = Project.at(project).dist_dir
    return sorted(p for p in dist.glob("*") if p.suffix.lower() in (".epub", ".pdf")) if dist.is_dir() else []


def expectations(project: Path | str | None) -> Expectations:
    """Print settings and declared faces of a project, when it has a valid publish.yaml."""
    if project is None:
        return Expectations()
    root = Project.at(project)
    config, _ = load_config(root.root)
    if config is None:
        return Expectations()
    try:
        faces = load_faces(root.fonts_dir, root.relative)
    except PublishError:
        faces = None
    return Expectations(config.print, faces)


def check(
    files: Sequence[Path | str] = (),
    project: Path | str | None = None,
    require: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
) -> Report:
    """Check ``files`` (default: the project's dist/); ``require`` names optional tools that must run.

    Raises :class:`~publish.errors.InputError` when there is nothing to check.
    """
    environ = dict(os.environ if environ is None else environ)
    if not files and project is None:
        project = "."
    paths = [Path(f) for f in files] if files else outputs_of(project or ".")
    missing = [p for p in paths if not p.is_file()]
    if not paths or missing:
        what = f"{', '.join(map(str, missing))} not found" if missing else "no .epub or .pdf in dist/"
        raise InputError([rules.CHECK_NOTHING(what, Location(str(missing[0]) if missing else "dist/"))])
    expect = expectations(project)
    epubs = [p for p in paths if p.suffix.lower() == ".epub"]
    pdfs = [p for p in paths if p.suffix.lower() == ".pdf"]
    results: list[CheckResult] = []
    with ThreadPoolExecutor(max_workers=4) as pool:
        external: list[Future[CheckResult]] = []
        opened: dict[Path, EpubFile | None] = {}
        for epub_path in epubs:
            started = time.perf_counter()
            book, found = open_epub(epub_path)
            opened[epub_path] = book
            results.append(CheckResult("epub-structure", epub_path.name, tuple(found), time.perf_counter() - started,
                                       "container, mimetype, package document, manifest"))
            if any(d.code == rules.EPUB_REFUSED.code for d in found):
                results += [_not_run(name, epub_path) for name in ("epubcheck", "ace")]
                continue
            # the validators run in their own processes while we check the rest
            external.append(pool.submit(_timed, "epubcheck", epub_path.name, partial(epubcheck, epub_path, environ)))
            external.append(pool.submit(_ace, epub_path, environ, "ace" in require))
        for epub_path, book in opened.items():
            if book is not None:
                results.append(_timed("epub-accessibility", epub_path.name, partial(_accessibility, book)))
                results.append(_timed("epub-css", epub_path.name, partial(_css, book)))
        for pdf_path in pdfs:
            results.append(_timed("pdf-preflight", pdf_path.name, partial(preflight, pdf_path, expect)))
        for epub_path in epubs:
            book = opened[epub_path]
            for pair in (p for p in pdfs if book_stem(p) == epub_path.stem):
                if book is not None:
                    results.append(_timed("parity", f"{epub_path.name} + {pair.name}", partial(parity, book, pair)))
        results += [future.result() for future in external]
    order = {name: index for index, name in enumerate(
        ("epub-structure", "epubcheck", "epub-accessibility", "epub-css", "ace", "pdf-preflight", "parity"))}
    return Report(tuple(sorted(results, key=lambda r: (order[r.name], r.target))))


def book_stem(pdf_path: Path) -> str:
    """The name the book's files share: ``book`` for book.epub, book.print.pdf and book.screen.pdf."""
    stem = pdf_path.stem
    for role in (".print", ".screen"):
        stem = stem.removesuffix(role)
    return stem


def _accessibility(book: EpubFile) -> tuple[list[Diagnostic], str]:
    return accessibility(book), "alt text, languages, navigation, headings, accessibility metadata"


def _css(book: EpubFile) -> tuple[list[Diagnostic], str]:
    return css(book), "calc(), var() and viewport units"


def _not_run(name: str, epub_path: Path) -> CheckResult:
    """An external validator not given an EPUB that cannot be unpacked safely (A009): it would unpack it."""
    return CheckResult(name, epub_path.name, (), 0.0, "not run: the EPUB cannot be unpacked safely (A009)",
                       skipped=True)


def _timed(name: str, target: str, run: Check) -> CheckResult:
    started = time.perf_counter()
    try:
        found, summary = run()
    except ToolMissingError as exc:
        return CheckResult(name, target, exc.diagnostics, time.perf_counter() - started, "did not run: tool missing")
    return CheckResult(name, target, tuple(found), time.perf_counter() - started, summary)


def _ace(epub_path: Path, environ: Mapping[str, str], required: bool) -> CheckResult:
    started = time.perf_counter()
    try:
        ace_check.find_ace(environ)
    except ToolMissingError as exc:
        if required:
            return CheckResult("ace", epub_path.name, exc.diagnostics, time.perf_counter() - started,
                               "did not run: tool missing")
        note = rules.CHECK_SKIPPED(f"Ace by DAISY is not installed; {exc.diagnostics[0].message}",
                                   Location(epub_path.name), hint=f"To run it: {ace_check.INSTALL}.")
        return CheckResult("ace", epub_path.name, (note,), time.perf_counter() - started,
                           "skipped: Ace by DAISY is not installed", skipped=True)
    return _timed("ace", epub_path.name, lambda: ace_check.ace(epub_path, environ))


def tool_missing(report: Report) -> bool:
    return any(d.code == rules.TOOL_MISSING.code for d in report.diagnostics)
