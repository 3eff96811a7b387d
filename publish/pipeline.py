"""``publish.build()``: a project folder in, an EPUB, a press PDF and a screen PDF out.

The pipeline, each stage in its own module:
load config (:mod:`publish.config`) → read and normalize the manuscript (:mod:`publish.manuscript`)
→ document model (:mod:`publish.model`) → XHTML (:mod:`publish.render`) → the outputs
(:mod:`publish.output.makers`) → atomic write into ``dist/``; :mod:`publish.cache` answers a build
whose inputs have not changed.
"""

from __future__ import annotations

import html.entities
import os
import re
import time
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from publish import lock, model, rules, stylesheets
from publish.cache import CACHE_DIR, BuildResult, Cache, Request
from publish.clock import build_timestamp, source_date_epoch
from publish.config import CONFIG_NAME, OUTPUTS, BookConfig, load_config
from publish.diagnostics import Diagnostic, Location, errors
from publish.errors import ConfigError, ManuscriptError, PublishError, RenderError
from publish.fonts import FontFace, load_faces, uncovered
from publish.manuscript import read_chapters
from publish.manuscript.reader import ImageStore
from publish.output import coverage, engine, epub, files, makers, parallel
from publish.output.makers import Progress
from publish.output.pagination import PageStart
from publish.project import Project
from publish.render.xhtml import Renderer
from publish.stylesheets import EPUB_SHEETS
from publish.text.normalize import ToneUse, mixed_tone_styles
from publish.text.slug import slugify


def derived_identifier(config: BookConfig) -> str:
    """A stable identifier from the metadata: the same book always gets the same one, never a random one."""
    key = "\x1f".join([config.title, *config.authors, config.publisher,
                       config.date.isoformat() if config.date else "", config.language])
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'publish:' + key)}"


def output_stem(config: BookConfig) -> str:
    return config.slug or slugify(config.title)


def load_book(project: Project, environ: Mapping[str, str]) -> tuple[model.Book, list[Diagnostic]]:
    """Config and manuscript into the document model; raises on input errors, all of them reported."""
    project.check_links()  # (before any file is read: publish.yaml may be the link)
    try:
        source_date_epoch(environ)  # (checked first, so that its error comes with the others)
        clock_errors: list[Diagnostic] = []
    except ConfigError as exc:
        clock_errors = list(exc.diagnostics)
    tones: list[ToneUse] = []
    config, found = load_config(project.root, tones)
    found = clock_errors + found
    if config is None:
        raise ConfigError(found)
    chapters, images, problems = read_chapters(project, config, tones)
    found += problems + mixed_tone_styles(tones)
    cover: model.Image | None = None
    if config.cover:
        store = ImageStore(project, found)
        cover = store.load(config.cover, project.root / "publish.yaml", config.where("cover"))
    if errors(found):
        raise ManuscriptError(found)
    modified, clock_notes = build_timestamp(environ, config.date, (c.date for c in chapters))
    book = model.Book(config=config, chapters=chapters, cover=cover, modified=modified, images=images)
    return book, found + clock_notes


@dataclass(frozen=True)
class Prepared:
    """A book checked as far as it can be without laying anything out, and what its outputs are made from."""

    book: model.Book
    found: list[Diagnostic]  # warnings and notices so far
    faces: tuple[FontFace, ...]
    renderer: Renderer
    identifier: str
    docs: list[epub.Document]  # the EPUB's documents, without print page numbers
    # The check of what the stylesheets generate, and the characters the EPUB's generate (its font subsets
    # keep them): raises what it finds when asked.
    checked: parallel.Later[str]


def prepare(project: Project, environ: Mapping[str, str], overlap: bool = False) -> Prepared:
    """Every check a build makes before layout, in one place: ``publish lint`` runs exactly these, so that a
    project that lints clean fails to build only for what layout alone can find. Raises a
    :class:`~publish.errors.PublishError` with everything found.

    The config and the manuscript (:func:`load_book`); the declared faces; every character of the text
    covered by one of them; every character the stylesheets generate (list markers, ``content``, quotes,
    counters, running heads) covered by the face that sets it (:mod:`publish.output.coverage`); the press
    PDF's colour profile, when publish.yaml asks for the press PDF.

    With ``overlap``, the check of generated text (WeasyPrint's cascade of every document: a fifth of an
    article's build) runs on another core while the build goes on; its errors come with
    ``Prepared.checked``, which a build asks for before it writes anything."""
    files.dist_folder(project.root)  # (B003: where the build would write; lint says it too)
    book, found = load_book(project, environ)
    stylesheets.check(project)
    faces = load_faces(project.fonts_dir, project.relative)
    identifier = book.config.identifier or derived_identifier(book.config)
    renderer = Renderer(book, identifier, tuple(dict.fromkeys(face.family for face in faces)))
    docs = epub.documents(book, renderer, makers.cover_name(book))
    check_coverage(epub.text_of(docs), faces, project, book)
    if "print" in book.config.outputs:
        makers.load_profile(project, book.config)
    locate = partial(first_occurrence, project, book)
    check = partial(coverage.check_outputs, project, book, faces, renderer, docs, locate)
    if overlap:
        engine.load()  # (imported once, before the fork: both processes need WeasyPrint)
        return Prepared(book, found, faces, renderer, identifier, docs, parallel.start(check, []))
    generated = check()
    return Prepared(book, found, faces, renderer, identifier, docs, parallel.Later(lambda: generated))


SUFFIXES = {"epub": ".epub", "print": ".print.pdf", "screen": ".screen.pdf"}


def build(path: Path | str = ".", environ: Mapping[str, str] | None = None,
          outputs: tuple[str, ...] | None = None, force: bool = False,
          progress: Progress | None = None) -> BuildResult:
    """Build the project at ``path`` into its ``dist/``; raises a :class:`~publish.errors.PublishError`.

    ``outputs`` (epub, print, screen) overrides ``outputs`` in publish.yaml. Unless ``force``, a build
    whose inputs have not changed returns the previous outputs from the cache, and intermediate files
    are reused. ``progress`` hears what the build is doing (for a terminal).

    ``dist`` must be a folder inside the project (B003, before anything is written); one build of a
    project runs at a time (B004 for another), and it first removes what a killed one left.
    """
    project = Project.at(path)
    folder = files.dist_folder(project.root)
    with lock.project_lock(project.root):
        files.clean_leftovers(folder)
        return _build(project, folder, os.environ if environ is None else environ, outputs, force, progress)


def _build(project: Project, folder: Path, environ: Mapping[str, str], outputs: tuple[str, ...] | None,
           force: bool, progress: Progress | None) -> BuildResult:
    timings: dict[str, float] = {}
    started = time.perf_counter()
    cache, request = Cache(project.root, enabled=not force), Request.of(outputs, environ)
    hit = cache.lookup(request)
    if hit is not None:
        return hit
    report = progress or (lambda message: None)
    report("reading and checking the manuscript")
    ready = prepare(project, environ, overlap=True)
    book, found = ready.book, ready.found
    if cache.refused:
        found.append(rules.CACHE_REFUSED(f"{cache.refused}: this build neither reads nor writes it",
                                         Location(CACHE_DIR)))
    timings["read"] = time.perf_counter() - started
    wanted = outputs or book.config.outputs
    faces, renderer, identifier, docs = ready.faces, ready.renderer, ready.identifier, ready.docs
    context = makers.Context(project, book, faces, renderer, identifier, found, cache,
                             partial(first_occurrence, project, book), report)
    stem = output_stem(book.config)
    paths = {name: project.dist_dir / f"{stem}{SUFFIXES[name]}" for name in wanted}
    made: dict[Path, bytes] = {}

    # Work runs on other cores where it can: the screen PDF from the start; the EPUB once the press
    # layout has fixed the print page numbers it carries, while the press PDF is being written.
    later: dict[str, parallel.Later[bytes]] = {}
    if "screen" in paths:
        screen_name = project.relative(paths["screen"])
        later["screen"] = parallel.start(partial(makers.screen_pdf, context, screen_name), found)
    epub_css = context.sheets(EPUB_SHEETS) if "epub" in paths else ""
    make_epub = partial(makers.epub_book, context, epub_css, docs)

    def paginated(starts: list[PageStart]) -> None:
        if "epub" in paths:
            context.generated = ready.checked.result()
            if "epub" in later:  # the press PDF is being laid out again (see makers.press_pdf)
                later["epub"].cancel()
            later["epub"] = parallel.start(partial(make_epub, starts), found)

    try:
        if "print" in paths:
            started = time.perf_counter()
            made[paths["print"]] = makers.press_pdf(context, project.relative(paths["print"]), paginated,
                                                    alone="screen" not in paths)
            timings["print"] = time.perf_counter() - started
        elif "epub" in paths:
            context.generated = ready.checked.result()
            later["epub"] = parallel.Later(partial(make_epub, []))
        for name in ("epub", "screen"):
            if name in later:
                started = time.perf_counter()
                report(f"finishing the {'EPUB' if name == 'epub' else 'screen PDF'}")
                made[paths[name]] = later[name].result()
                timings[f"{name} (waited)"] = time.perf_counter() - started
        ready.checked.result()  # (nothing is written unless it passed)
    except PublishError:
        ready.checked.result()  # its error first, when it has one: lint reports the same
        raise
    finally:
        for job in later.values():
            job.cancel()
        ready.checked.cancel()

    report("writing dist/")
    removed = files.switch(folder, {target.name: data for target, data in made.items()}, partial(is_stale, stem))
    found += [rules.STALE_OUTPUT_REMOVED(f"removed dist/{name}, which this build does not make",
                                         Location(f"dist/{name}")) for name in removed]
    ordered = tuple(paths[name] for name in OUTPUTS if name in paths)  # epub, print, screen
    diagnostics = tuple(sorted(dict.fromkeys(found), key=reading_order))  # (the two PDFs report alike)
    inputs = [project.root / CONFIG_NAME, *(project.root / c.source for c in book.chapters),
              *(project.root / image.path for image in book.images),
              *([project.root / book.cover.path] if book.cover else []),
              *(face.path for face in faces), *context.read]
    folders = [project.manuscript_dir, project.root / "styles", project.root / "fonts", project.fonts_dir]
    cache.store(request, inputs, folders, {path: made[path] for path in ordered}, diagnostics)
    return BuildResult(ordered, diagnostics, timings)


def is_stale(stem: str, name: str) -> bool:
    """An output of this book (``<stem>.epub``, ``<stem>.pdf``, ``<stem>.print.pdf``…) that a build which did
    not make it removes from dist/ (another ``outputs:``, an older name): left there, it would be shipped
    or checked as if it were current."""
    return name.startswith(f"{stem}.") and name.endswith((".epub", ".pdf")) and name.count(".") <= 2


def reading_order(diagnostic: Diagnostic) -> tuple[str, int, int]:
    where = diagnostic.location
    return (where.path, where.line or 0, where.column or 0) if where else ("", 0, 0)


def check_coverage(characters: str, faces: tuple[FontFace, ...], project: Project, book: model.Book) -> None:
    """Every character of the text has a glyph in some declared face; each one that has none is an
    error at the first place it is typed or referenced (``&#x2232;``)."""
    missing = uncovered(characters, faces)
    if missing:
        found = [rules.FONT_NOT_COVERED(
            f"none of the {len(faces)} declared faces has a glyph for '{ch}' (U+{ord(ch):04X} "
            f"{unicodedata.name(ch, '?')})", first_occurrence(project, book, ch)) for ch in missing]
        raise RenderError(sorted(found, key=reading_order))


def first_occurrence(project: Project, book: model.Book, character: str,
                     after: Location | None = None) -> Location | None:
    """Where ``character`` first appears in the project's sources, typed or as a character reference
    (at or after ``after``, when given and found there), for the error message."""
    sources = [book.config.location.path, *(chapter.source for chapter in book.chapters)]
    if after is not None and after.path in sources:
        sources = [after.path] + [source for source in sources if source != after.path]
    pattern = _written(character)
    for source in sources:
        lines = (project.root / source).read_text(encoding="utf-8-sig").split("\n")
        start = (after.line or 1) if after is not None and source == after.path else 1
        for number, line in enumerate(lines[start - 1:], start=start):
            found = pattern.search(line)
            if found:
                return Location(source, number, found.start() + 1)
    return None


def _written(character: str) -> re.Pattern[str]:
    """The ways a manuscript can write ``character``: itself, or a decimal, hexadecimal or named
    character reference (Markdown reads HTML's)."""
    point = ord(character)
    names = [name.rstrip(";") for name, value in html.entities.html5.items() if character in value]
    hexadecimal = "".join(f"[{digit}{digit.upper()}]" if digit.isalpha() else digit for digit in f"{point:x}")
    forms = [re.escape(character), f"&#0*{point};", f"&#[xX]0*{hexadecimal};"]
    forms += [f"&{re.escape(name)};" for name in dict.fromkeys(names)]
    return re.compile("|".join(forms))


