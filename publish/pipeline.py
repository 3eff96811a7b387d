"""``publish.build()``: a project folder in, an EPUB and a print PDF out.

The pipeline, each stage in its own module:
load config (:mod:`publish.config`) → read and normalize the manuscript (:mod:`publish.manuscript`)
→ document model (:mod:`publish.model`) → XHTML (:mod:`publish.render`) → EPUB and PDF
(:mod:`publish.output`) → atomic write into ``dist/``.
"""

from __future__ import annotations

import os
import time
import unicodedata
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from publish import model, rules
from publish.clock import build_timestamp
from publish.config import OUTPUTS, BookConfig, load_config
from publish.diagnostics import Diagnostic, Location, errors, warnings
from publish.errors import ConfigError, ManuscriptError, RenderError, ResourceError
from publish.fonts import FontFace, load_faces, uncovered
from publish.manuscript import read_chapters
from publish.manuscript.reader import ImageStore
from publish.output import epub, pdf, press
from publish.output.cover import generate_cover
from publish.output.files import write_atomically
from publish.output.pagination import PageStart, page_starts
from publish.project import Project
from publish.render.xhtml import Renderer, toc_entries
from publish.text.normalize import ToneUse, mixed_tone_styles
from publish.text.slug import slugify
from publish.version import VERSION

DISPLAY_FAMILY = "Be Vietnam Pro"
TEXT_FAMILY = "Noto Serif"


@dataclass(frozen=True)
class BuildResult:
    outputs: tuple[Path, ...]
    diagnostics: tuple[Diagnostic, ...]
    timings: Mapping[str, float] = field(default_factory=dict)

    @property
    def warnings(self) -> list[Diagnostic]:
        return warnings(self.diagnostics)


def derived_identifier(config: BookConfig) -> str:
    """A stable identifier from the metadata: the same book always gets the same one, never a random one."""
    key = "\x1f".join([config.title, *config.authors, config.publisher,
                       config.date.isoformat() if config.date else "", config.language])
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'publish:' + key)}"


def output_stem(config: BookConfig) -> str:
    return config.slug or slugify(config.title)


def load_book(project: Project, environ: Mapping[str, str]) -> tuple[model.Book, list[Diagnostic]]:
    """Config and manuscript into the document model; raises on input errors, all of them reported."""
    tones: list[ToneUse] = []
    config, found = load_config(project.root, tones)
    if config is None:
        raise ConfigError(found)
    chapters, images, problems = read_chapters(project, config, tones)
    found += problems + mixed_tone_styles(tones)
    cover: model.Image | None = None
    if config.cover:
        store = ImageStore(project, found)
        cover = store.load(config.cover, project.root / "publish.yaml", config.location)
    if errors(found):
        raise ManuscriptError(found)
    modified, clock_notes = build_timestamp(environ, config.date, (c.date for c in chapters))
    book = model.Book(config=config, chapters=chapters, cover=cover, modified=modified, images=images)
    return book, found + clock_notes


def stylesheet(project: Project, names: tuple[str, ...]) -> str:
    """The named sheets, each from the project or else the defaults, in cascade order."""
    parts = []
    for name in names:
        path = project.stylesheet(name)
        if path is not None:
            parts.append(f"/* {name} */\n" + path.read_text(encoding="utf-8"))
    return "\n".join(parts)


SUFFIXES = {"epub": ".epub", "print": ".print.pdf", "screen": ".screen.pdf"}


@dataclass
class _Context:
    """What every output of one build shares."""

    project: Project
    book: model.Book
    faces: tuple[FontFace, ...]
    renderer: Renderer
    identifier: str
    found: list[Diagnostic]

    def locate(self, character: str) -> Location | None:
        return first_occurrence(self.project, self.book, character)

    @property
    def roots(self) -> dict[str, Path]:
        return {"project": self.project.root, "fonts": self.project.fonts_dir, "styles": self.project.styles_dir}


def build(path: Path | str = ".", environ: Mapping[str, str] | None = None,
          outputs: tuple[str, ...] | None = None) -> BuildResult:
    """Build the project at ``path`` into its ``dist/``; raises a :class:`~publish.errors.PublishError`.

    ``outputs`` (epub, print, screen) overrides ``outputs`` in publish.yaml.
    """
    environ = os.environ if environ is None else environ
    timings: dict[str, float] = {}
    started = time.perf_counter()
    project = Project.at(path)
    book, found = load_book(project, environ)
    timings["read"] = time.perf_counter() - started
    wanted = outputs or book.config.outputs

    faces = load_faces(project.fonts_dir, project.relative)
    identifier = book.config.identifier or derived_identifier(book.config)
    renderer = Renderer(book, identifier, tuple(dict.fromkeys(face.family for face in faces)))
    context = _Context(project, book, faces, renderer, identifier, found)
    stem = output_stem(book.config)
    paths = {name: project.dist_dir / f"{stem}{SUFFIXES[name]}" for name in wanted}
    made: dict[Path, bytes] = {}

    # Every character of the book must have a glyph before anything is laid out.
    docs = epub.documents(book, renderer, cover_name(book))
    characters = epub.text_of(docs)
    check_coverage(characters, faces, project, book)

    # The press PDF first: its pagination gives the EPUB its print page numbers.
    page_starts: list[PageStart] = []
    if "print" in paths:
        started = time.perf_counter()
        made[paths["print"]] = press_pdf(context, project.relative(paths["print"]), page_starts.extend)
        timings["print"] = time.perf_counter() - started
    if "epub" in paths:
        started = time.perf_counter()
        made[paths["epub"]] = epub_book(context, page_starts, docs)
        timings["epub"] = time.perf_counter() - started
    if "screen" in paths:
        started = time.perf_counter()
        made[paths["screen"]] = screen_pdf(context, project.relative(paths["screen"]))
        timings["screen"] = time.perf_counter() - started

    write_atomically(made, {target: project.relative(target) for target in made})
    found += remove_stale(project, stem, set(made))
    ordered = tuple(paths[name] for name in OUTPUTS if name in paths)  # epub, print, screen
    return BuildResult(ordered, tuple(sorted(found, key=reading_order)), timings)


def remove_stale(project: Project, stem: str, kept: set[Path]) -> list[Diagnostic]:
    """Outputs of this book that this build did not make (another ``outputs:``, an older name) go:
    left in dist/, they would be shipped or checked as if they were current."""
    found = []
    for path in sorted(project.dist_dir.glob(f"{stem}.*")):
        if path not in kept and path.suffix in (".epub", ".pdf") and path.name.count(".") <= 2:
            path.unlink()
            found.append(rules.STALE_OUTPUT_REMOVED(f"removed {project.relative(path)}, which this build does "
                                                    "not make", Location(project.relative(path))))
    return found


def epub_book(context: _Context, page_starts: list[PageStart], docs: list[epub.Document]) -> bytes:
    """The EPUB, from ``docs`` or, with print page numbers, from documents rendered with their markers."""
    book, project, faces = context.book, context.project, context.faces
    cover = cover_file(book, project, faces)
    if page_starts:
        docs = epub.documents(book, context.renderer, cover.name, page_starts)
    characters = epub.text_of(docs)
    image_bytes = {image.path: (project.root / image.path).read_bytes() for image in book.images}
    source = (book.config.print.identifier or f"{context.identifier}#print") if page_starts else ""
    data = epub.package(
        book, context.renderer, docs, context.identifier,
        stylesheet(project, ("base.css", "epub.css", "extra.css")), faces, characters, cover, image_bytes, source,
    )
    lost = epub.check_subsets(data, faces, characters)
    if lost:
        raise RenderError(lost)
    return data


def _book_html(context: _Context, media_url: Callable[[model.Image], str]) -> str:
    book, renderer = context.book, context.renderer
    articles = [renderer.article(chapter, media_url) for chapter in book.chapters]
    toc = toc_entries(book, lambda chapter, fragment: f"#{fragment or chapter.id}") if book.is_collection else []
    return renderer.pdf_book(articles, toc, VERSION)


def press_pdf(context: _Context, name: str, on_pages: Callable[[list[PageStart]], None]) -> bytes:
    """The press PDF: declared PDF/X-4, CMYK through the output profile, bleed and marks."""
    book, project = context.book, context.project
    profile = press_profile(project, book)
    made = {"output-profile.icc": profile.data}
    for image in book.images:
        made[f"{image.digest}.jpg"] = press.cmyk_image((project.root / image.path).read_bytes(), profile)
    html = _book_html(context, lambda image: pdf.virtual_url(pdf.MEMORY, f"{image.digest}.jpg"))
    css = (pdf.page_css(book.config.print)
           + pdf.font_css(context.faces)
           + press.profile_css(pdf.virtual_url(pdf.MEMORY, "output-profile.icc"))
           + press.cmyk_css(stylesheet(project, ("base.css", "print.css", "extra.css")), profile))
    data, notes = pdf.render_pdf(html, css, context.roots, context.faces, book.modified, name, context.locate,
                                 pdf.Variant("pdf/x-4"), made, lambda document: on_pages(page_starts(document)))
    context.found.extend(notes)
    data = press.finish(data, profile, f"{context.identifier}#print")
    rgb = press.rgb_uses(data)
    if rgb:
        raise RenderError([rules.PDF_RGB_LEFT(f"RGB colour in the press PDF: {'; '.join(rgb[:5])}", Location(name))])
    return data


def press_profile(project: Project, book: model.Book) -> press.PressProfile:
    chosen = book.config.print.color_profile
    where = Location("publish.yaml", None)
    path = project.resolve(chosen, project.root / "publish.yaml", where) if chosen else None
    try:
        return press.load_profile(path)
    except (ValueError, OSError) as exc:
        raise ResourceError([rules.RESOURCE_BAD_PROFILE(f"print.color_profile '{chosen}': {exc}", where)]) from exc


def screen_pdf(context: _Context, name: str) -> bytes:
    """The screen PDF: tagged (declared PDF/UA-1), RGB, no bleed or marks."""
    book, project = context.book, context.project
    html = _book_html(context, lambda image: image.path)
    css = (pdf.page_css(book.config.print, press=False)
           + pdf.font_css(context.faces)
           + stylesheet(project, ("base.css", "print.css", "extra.css")))
    data, notes = pdf.render_pdf(html, css, context.roots, context.faces, book.modified, name, context.locate,
                                 pdf.Variant("pdf/ua-1", tagged=True))
    context.found.extend(notes)
    return data


def reading_order(diagnostic: Diagnostic) -> tuple[str, int, int]:
    where = diagnostic.location
    return (where.path, where.line or 0, where.column or 0) if where else ("", 0, 0)


def cover_name(book: model.Book) -> str:
    """Where the cover image lives in the EPUB."""
    return f"images/{book.cover.package_name}" if book.cover is not None else "images/cover.png"


def cover_file(book: model.Book, project: Project, faces: tuple[FontFace, ...]) -> epub.CoverFile:
    """The cover named in publish.yaml, or one generated from the metadata."""
    if book.cover is not None:
        return epub.CoverFile(cover_name(book), book.cover.media_type, (project.root / book.cover.path).read_bytes())
    return epub.CoverFile(cover_name(book), "image/png",
                          generate_cover(book.config, faces, DISPLAY_FAMILY, TEXT_FAMILY))


def check_coverage(characters: str, faces: tuple[FontFace, ...], project: Project, book: model.Book) -> None:
    missing = uncovered(characters, faces)
    if missing:
        listed = ", ".join(f"'{ch}' (U+{ord(ch):04X} {unicodedata.name(ch, '?')})" for ch in missing[:10])
        more = " and more" if len(missing) > 10 else ""
        declared = ", ".join(dict.fromkeys(face.postscript_name for face in faces))
        raise RenderError([rules.FONT_NOT_COVERED(
            f"no declared font ({declared}) has a glyph for {listed}{more}",
            first_occurrence(project, book, missing[0]),
        )])


def first_occurrence(project: Project, book: model.Book, character: str) -> Location | None:
    """Where ``character`` first appears in the project's sources, for the error message."""
    sources = [book.config.location.path, *(chapter.source for chapter in book.chapters)]
    for source in sources:
        lines = (project.root / source).read_text(encoding="utf-8-sig").split("\n")
        for number, line in enumerate(lines, start=1):
            column = line.find(character)
            if column >= 0:
                return Location(source, number, column + 1)
    return None
