"""Each output made from the one document model: the EPUB, the press PDF and the screen PDF.

:mod:`publish.pipeline` decides which to make and in what order (the press PDF first when the EPUB
needs its pagination); this module knows how each is made, and reuses intermediate files from the
build cache (:mod:`publish.cache`) by the hash of what they are made from.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from publish import model, rules
from publish.cache import Cache, code_fingerprint
from publish.diagnostics import Diagnostic, Location
from publish.errors import RenderError, ResourceError
from publish.fonts import FontFace
from publish.output import engine, epub, halves, pdf, press
from publish.output.cover import generate_cover
from publish.output.pagination import PageStart, page_starts
from publish.project import Project
from publish.render.xhtml import Renderer, toc_entries
from publish.version import VERSION

DISPLAY_FAMILY = "Be Vietnam Pro"
TEXT_FAMILY = "Noto Serif"

Progress = Callable[[str], None]


@dataclass
class Context:
    """What every output of one build shares, and what the build read (for the cache)."""

    project: Project
    book: model.Book
    faces: tuple[FontFace, ...]
    renderer: Renderer
    identifier: str
    found: list[Diagnostic]
    cache: Cache
    locate: Callable[[str], Location | None]
    progress: Progress = lambda message: None
    read: list[Path] = field(default_factory=list)

    @property
    def roots(self) -> dict[str, Path]:
        return {"project": self.project.root, "fonts": self.project.fonts_dir, "styles": self.project.styles_dir}

    def sheets(self, names: tuple[str, ...]) -> str:
        self.read += [path for name in names if (path := self.project.stylesheet(name)) is not None]
        return self.project.stylesheets(names)

    def cached(self, kind: str, parts: list[bytes], make: Callable[[], bytes]) -> bytes:
        """``make()``, or its earlier result for the same ``parts`` (and the same code)."""
        key = hashlib.sha256(b"\0".join([code_fingerprint().encode(), *parts])).hexdigest()
        data = self.cache.artifact(kind, key)
        if data is None:
            data = make()
            self.cache.keep(kind, key, data)
        return data


EPUB_SHEETS = ("base.css", "epub.css", "extra.css")


def epub_book(context: Context, css: str, docs: list[epub.Document], page_starts: list[PageStart]) -> bytes:
    """The EPUB, from ``docs`` or, with print page numbers, from documents rendered with their markers.

    ``css`` is :data:`EPUB_SHEETS` read by the caller: the EPUB may be made in another process, and what
    it reads must be known to the build cache here.
    """
    book, project, faces = context.book, context.project, context.faces
    context.progress("packaging the EPUB")
    cover = cover_file(context)
    if page_starts:
        docs = epub.documents(book, context.renderer, cover.name, page_starts)
    characters = epub.text_of(docs)
    image_bytes = {image.path: (project.root / image.path).read_bytes() for image in book.images}
    source = (book.config.print.identifier or f"{context.identifier}#print") if page_starts else ""
    data = epub.package(book, context.renderer, docs, context.identifier, css, faces, characters, cover,
                        image_bytes, source)
    lost = epub.check_subsets(data, faces, characters)
    if lost:
        raise RenderError(lost)
    return data


def _book_html(context: Context, media_url: Callable[[model.Image], str], articles: range | None = None,
               folios: dict[str, str] | None = None, closing: bool = False) -> str:
    """The book for WeasyPrint, or the part of it laid out in one process (see :mod:`halves`)."""
    book, renderer = context.book, context.renderer
    chapters = book.chapters if articles is None else [book.chapters[index] for index in articles]
    with_toc = book.is_collection and (articles is None or folios is not None)  # a second half has none
    toc = toc_entries(book, lambda chapter, fragment: f"#{fragment or chapter.id}") if with_toc else []
    return renderer.pdf_book([renderer.article(chapter, media_url) for chapter in chapters], toc, VERSION,
                             folios, closing)


def press_pdf(context: Context, name: str, on_pages: Callable[[list[PageStart]], None], alone: bool = True) -> bytes:
    """The press PDF: declared PDF/X-4, CMYK through the output profile, bleed and marks.

    A big collection is laid out in two halves (:mod:`halves`): on two cores where there are and the
    press PDF is laid out ``alone``, one after the other beside another layout (the screen PDF's, which
    takes the second core). Whether it is split depends only on the book, never on the machine or the
    other outputs: the same manuscript always gives the same file.
    """
    book, project = context.book, context.project
    profile = press_profile(context)
    # Photos go to CMYK on threads (Pillow and LittleCMS release the GIL) while the renderer loads.
    with ThreadPoolExecutor(max_workers=2) as pool:
        converting: dict[str, Future[bytes]] = {}
        for image in book.images:
            if f"{image.digest}.jpg" in converting:  # the same photo under two names
                continue
            source = (project.root / image.path).read_bytes()
            converting[f"{image.digest}.jpg"] = pool.submit(
                context.cached, "cmyk", [source, profile.data], partial(press.cmyk_image, source, profile))
        context.progress(f"press PDF: {len(converting)} photo(s) to CMYK")

        def media_url(image: model.Image) -> str:
            return pdf.virtual_url(pdf.MEMORY, f"{image.digest}.jpg")

        css = (pdf.page_css(book.config.print)
               + pdf.font_css(context.faces)
               + press.default_colour_css()
               + press.cmyk_css(context.sheets(("base.css", "print.css", "extra.css")), profile))
        engine.load()
        made = {photo: future.result() for photo, future in converting.items()}

    def render(html: str, css: str, on_layout: Callable[[Any], Any] | None = None,
               paginated: pdf.Paginated | None = None, progress: str = "press PDF") -> bytes:
        data, notes = pdf.render_pdf(
            html, css, context.roots, context.faces, book.modified, name, context.locate, pdf.Variant("pdf/x-4"),
            made, on_layout, (lambda page: context.progress(f"{progress}: page {page}")) if progress else None,
            paginated)
        context.found.extend(notes)
        return data

    data = _press_halves(context, media_url, css, render, on_pages, profile, alone)
    if data is None:
        whole = render(_book_html(context, media_url), css, lambda document: on_pages(page_starts(document)))
        data = press.finish(whole, profile, f"{context.identifier}#print")
    rgb = press.rgb_uses(data)
    if rgb:
        raise RenderError([rules.PDF_RGB_LEFT(f"RGB colour in the press PDF: {'; '.join(rgb[:5])}", Location(name))])
    return data


def _press_halves(context: Context, media_url: Callable[[model.Image], str], css: str, render: halves.Render,
                  on_pages: Callable[[list[PageStart]], None], profile: press.PressProfile,
                  fork: bool) -> bytes | None:
    """The press PDF laid out in two halves (:mod:`halves`), in two processes if ``fork``; None where one
    layout is as fast or the halves could not be put together."""
    book = context.book
    split_css = halves.splittable(css) if book.is_collection else None
    if split_css is None:
        return None
    first = halves.first_half([len(context.renderer.article(chapter, media_url)) for chapter in book.chapters])
    if first is None:
        return None
    context.progress("press PDF: laid out in two halves")
    before = len(context.found)
    try:
        parts = halves.lay_out([chapter.id for chapter in book.chapters], first,
                               partial(_book_html, context, media_url), split_css, render, on_pages, context.found,
                               fork)
    except pdf.Abandoned as exc:
        del context.found[before:]
        context.progress(f"press PDF: laid out again in one piece ({exc})")
        return None
    context.found[before:] = list(dict.fromkeys(context.found[before:]))  # each part warns of the same things
    with halves.merged(parts) as merged:
        return press.finish_pdf(merged, profile, f"{context.identifier}#print", pack=True)


def press_profile(context: Context) -> press.PressProfile:
    project, chosen = context.project, context.book.config.print.color_profile
    where = Location("publish.yaml", None)
    path = project.resolve(chosen, project.root / "publish.yaml", where) if chosen else press.DEFAULT_PROFILE
    context.read.append(path)
    try:
        return press.load_profile(path)
    except (ValueError, OSError) as exc:
        raise ResourceError([rules.RESOURCE_BAD_PROFILE(f"print.color_profile '{chosen}': {exc}", where)]) from exc


def screen_pdf(context: Context, name: str) -> bytes:
    """The screen PDF: tagged (declared PDF/UA-1), RGB, no bleed or marks."""
    book = context.book
    html = _book_html(context, lambda image: image.path)
    css = (pdf.page_css(book.config.print, press=False)
           + pdf.font_css(context.faces)
           + context.sheets(("base.css", "print.css", "extra.css")))
    data, notes = pdf.render_pdf(html, css, context.roots, context.faces, book.modified, name, context.locate,
                                 pdf.Variant("pdf/ua-1", tagged=True),
                                 progress=lambda page: context.progress(f"screen PDF: page {page}"))
    context.found.extend(notes)
    return data


def cover_name(book: model.Book) -> str:
    """Where the cover image lives in the EPUB."""
    return f"images/{book.cover.package_name}" if book.cover is not None else "images/cover.png"


def cover_file(context: Context) -> epub.CoverFile:
    """The cover named in publish.yaml, or one generated from the metadata (kept in the cache)."""
    book, project, faces = context.book, context.project, context.faces
    if book.cover is not None:
        return epub.CoverFile(cover_name(book), book.cover.media_type, (project.root / book.cover.path).read_bytes())
    config = book.config
    parts = [repr((config.title, config.subtitle, config.authors, config.publisher)).encode(),
             *(face.path.read_bytes() for face in faces)]
    data = context.cached("cover", parts, lambda: generate_cover(config, faces, DISPLAY_FAMILY, TEXT_FAMILY))
    return epub.CoverFile(cover_name(book), "image/png", data)
