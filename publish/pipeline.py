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
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from publish import model, rules
from publish.clock import build_timestamp
from publish.config import BookConfig, load_config
from publish.diagnostics import Diagnostic, Location, errors, warnings
from publish.errors import ConfigError, ManuscriptError, RenderError
from publish.fonts import FontFace, load_faces, uncovered
from publish.manuscript import read_chapters
from publish.manuscript.reader import ImageStore
from publish.output import epub, pdf
from publish.output.cover import generate_cover
from publish.output.files import write_atomically
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


def build(path: Path | str = ".", environ: Mapping[str, str] | None = None) -> BuildResult:
    """Build the project at ``path`` into its ``dist/``; raises a :class:`~publish.errors.PublishError`."""
    environ = os.environ if environ is None else environ
    timings: dict[str, float] = {}
    started = time.perf_counter()
    project = Project.at(path)
    book, found = load_book(project, environ)
    timings["read"] = time.perf_counter() - started

    faces = load_faces(project.fonts_dir, project.relative)
    identifier = book.config.identifier or derived_identifier(book.config)
    families = tuple(dict.fromkeys(face.family for face in faces))
    renderer = Renderer(book, identifier, families)
    stem = output_stem(book.config)
    epub_path, pdf_path = project.dist_dir / f"{stem}.epub", project.dist_dir / f"{stem}.pdf"
    names = {epub_path: f"dist/{epub_path.name}", pdf_path: f"dist/{pdf_path.name}"}

    # One rendering of the model: the EPUB documents; their text drives coverage checks and subsets.
    started = time.perf_counter()
    cover = cover_file(book, project, faces)
    docs = epub.documents(book, renderer, cover.name)
    characters = epub.text_of(docs)
    check_coverage(characters, faces, project, book)
    image_bytes = {image.path: (project.root / image.path).read_bytes() for image in book.images}
    epub_bytes = epub.package(
        book, renderer, docs, identifier, stylesheet(project, ("base.css", "epub.css", "extra.css")),
        faces, characters, cover, image_bytes,
    )
    lost = epub.check_subsets(epub_bytes, faces, characters)
    if lost:
        raise RenderError(lost)
    timings["epub"] = time.perf_counter() - started

    started = time.perf_counter()
    articles = [renderer.article(chapter, lambda image: image.path) for chapter in book.chapters]
    toc = toc_entries(book, lambda chapter, fragment: f"#{fragment or chapter.id}") if book.is_collection else []
    html = renderer.pdf_book(articles, toc, VERSION)
    css = (pdf.page_css(book.config.print)
           + pdf.font_css(faces)
           + stylesheet(project, ("base.css", "print.css", "extra.css")))
    roots = {"project": project.root, "fonts": project.fonts_dir, "styles": project.styles_dir}
    pdf_bytes, pdf_notes = pdf.render_pdf(html, css, roots, faces, book.modified, names[pdf_path],
                                          lambda character: first_occurrence(project, book, character))
    found += pdf_notes
    timings["pdf"] = time.perf_counter() - started

    write_atomically({epub_path: epub_bytes, pdf_path: pdf_bytes}, names)
    return BuildResult((epub_path, pdf_path), tuple(sorted(found, key=reading_order)), timings)


def reading_order(diagnostic: Diagnostic) -> tuple[str, int, int]:
    where = diagnostic.location
    return (where.path, where.line or 0, where.column or 0) if where else ("", 0, 0)


def cover_file(book: model.Book, project: Project, faces: tuple[FontFace, ...]) -> epub.CoverFile:
    """The cover named in publish.yaml, or one generated from the metadata."""
    if book.cover is not None:
        return epub.CoverFile(f"images/{book.cover.package_name}", book.cover.media_type,
                              (project.root / book.cover.path).read_bytes())
    return epub.CoverFile("images/cover.png", "image/png",
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
