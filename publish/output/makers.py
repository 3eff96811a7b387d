"""Each output made from the one document model: the EPUB, the press PDF and the screen PDF.

:mod:`publish.pipeline` decides which to make and in what order (the press PDF first when the EPUB
needs its pagination); this module knows how each is made, and reuses intermediate files from the
build cache (:mod:`publish.cache`) by the hash of what they are made from.
"""

from __future__ import annotations

import functools
import hashlib
import io
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path, PurePosixPath

import pikepdf
from markupsafe import Markup

from publish import images, model, rules
from publish.cache import Cache, code_fingerprint
from publish.config import BookConfig
from publish.diagnostics import Diagnostic, Location
from publish.errors import RenderError, ResourceError
from publish.fonts import FontFace
from publish.makeup import mending, probe
from publish.makeup.setting import Roles, Setting
from publish.output import engine, epub, layout, marks, merge, pdf, press
from publish.output.cover import generate_cover
from publish.output.pagination import PageStart
from publish.project import Project
from publish.render.xhtml import Renderer, in_one_document, toc_entries
from publish.stylesheets import PDF_SHEETS
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
    locate: pdf.Locate
    progress: Progress = lambda message: None
    read: list[Path] = field(default_factory=list)
    roles: Roles | None = None  # what the design does to each kind of text (see design())
    generated: str = ""  # what the EPUB's stylesheets generate (list markers...): its font subsets keep it

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


def epub_book(context: Context, css: str, docs: list[epub.Document], page_starts: list[PageStart]) -> bytes:
    """The EPUB, from ``docs`` or, with print page numbers, from documents rendered with their markers.

    ``css`` is :data:`EPUB_SHEETS` read by the caller: the EPUB may be made in another process, and what
    it reads must be known to the build cache here.
    """
    book, faces = context.book, context.faces
    context.progress("packaging the EPUB")
    cover = cover_file(context)
    docs = epub.documents(book, context.renderer, cover.name, page_starts, _setting(context, for_pdf=False))
    characters = epub.text_of(docs) + context.generated
    image_bytes = {image.path: screen_image(context, image) for image in book.images}
    source = (book.config.print.identifier or f"{context.identifier}#print") if page_starts else ""
    data = epub.package(book, context.renderer, docs, context.identifier, css, faces, characters, cover,
                        image_bytes, source)
    lost = epub.check_subsets(data, faces, characters)
    if lost:
        raise RenderError(lost)
    return data


def design(context: Context, session: pdf.Session | None = None, css: str = "") -> Roles:
    """What the print design does to each kind of text (:mod:`publish.makeup.probe`): the press PDF, the
    screen PDF and the EPUB take their line heights and tracking from it. Measured once per process, with
    the stylesheets of the PDF being made in ``session`` (``css``), else with the print stylesheets as they
    are (for an EPUB alone): colours and bleed aside, the same sheets, which give the same measurements.
    A forked process made after the measurement inherits it."""
    if context.roles is None:
        if session is None:
            config = context.book.config
            plain = (pdf.page_css(config.print, press=False) + pdf.font_css(context.faces)
                     + context.sheets(PDF_SHEETS) + _ARTICLE_DOCUMENTS)
            with pdf.Session(context.roots, context.faces, context.book.modified, "publish.yaml",
                             context.locate) as own:
                return design(context, own, plain)
        context.roles = probe.probe(lambda html: session.cascade(html, css), context.book.config,
                                    context.renderer.font_families, VERSION)
    return context.roles


def _setting(context: Context, for_pdf: bool, press: bool = False) -> Setting:
    settings = context.book.config.print
    return Setting(design(context), context.faces, pdf=for_pdf, footnotes=for_pdf and settings.notes == "footnotes",
                   links=settings.links if press else "", page_label=context.renderer.labels["page"] if press else "")


def _parts(context: Context, media_url: Callable[[model.Image], str], setting: Setting) -> layout.Parts:
    """The book's documents for WeasyPrint: the front matter, each article, a blank page, or all in one."""
    book, renderer = context.book, context.renderer
    toc = toc_entries(book, in_one_document) if book.is_collection else []

    @functools.cache
    def article(index: int, printed: tuple[tuple[str, str], ...] = ()) -> str:
        # (rendered where it is laid out: a forked process renders its own; ``printed``: the pages its
        # cross-references print, by href)
        return renderer.article(book.chapters[index], media_url, setting.with_folios(dict(printed)))

    def blank(side: str) -> str:
        return renderer.pdf_book([], [], VERSION, front=False, side=side, blank="left" if side == "right" else "right")

    return layout.Parts(
        ids=[chapter.id for chapter in book.chapters],
        front=lambda folios: renderer.pdf_book([], toc, VERSION, folios),
        article=lambda index, side, mends, printed: renderer.pdf_book(
            [Markup(mending.apply(article(index, tuple(sorted(printed.items()))), mends))], [], VERSION, front=False,
            side=side),
        blank=blank,
        whole=lambda: renderer.pdf_book([Markup(article(index)) for index in range(len(book.chapters))], toc,
                                        VERSION),
        has_toc=bool(toc),
        targets=[[f"#{reference.target}" for reference in chapter.references() if reference.chapter]
                 if setting.page_label else [] for chapter in book.chapters],
    )


# On paper a link cannot be followed: it reads as text, and its address is printed (print.links).
PRESS_LINKS = "a { color: inherit; text-decoration: none; }\n"

# Articles laid out one by one open on the side their document's first page is on, not by a page break.
_ARTICLE_DOCUMENTS = ".article { break-before: auto; }\n"


def _lay_out(context: Context, session: pdf.Session, css: str, media_url: Callable[[model.Image], str],
             press: bool, label: str) -> layout.Book | _Split:
    """The book's pages for one PDF: article by article where the stylesheets allow it, else in one piece;
    a big collection's press PDF in two parts (:func:`layout.lay_out_in_two`, by :func:`press_pdf`)."""
    settings = context.book.config.print
    split = layout.splittable(css) if settings.article_start != "continuous" else None
    if split is None:
        whole = css + layout.start_css(settings.article_start, press)
        design(context, session, whole)
        parts = _parts(context, media_url, _setting(context, for_pdf=True, press=press))
        context.progress(f"{label}: the whole book")
        return layout.lay_out_whole(session, parts, whole)
    split += _ARTICLE_DOCUMENTS
    design(context, session, split)
    parts = _parts(context, media_url, _setting(context, for_pdf=True, press=press))
    sides = layout.Sides(settings.article_start, blanks=press)

    said: dict[int, list[Diagnostic]] = {}  # what each article's last layout said (an article may be laid
    # out again: on the other side, or printing the pages its cross-references lead to)

    def article(session: pdf.Session, index: int, side: str, printed: Mapping[str, str]) -> engine.Paginated:
        laid, mends, faults = mending.lay_out(
            lambda mends: session.paginate(parts.article(index, side, mends, printed), split))
        where = Location(context.book.chapters[index].source)
        notes = [rules.PDF_MADE_UP(f"{label}: {mend.note}", _location(mend.source, where))
                 for mend in mends if mend.note]
        notes += [(rules.PDF_UNDERFILLED if fault.kind == "underfilled" else rules.PDF_SHORT_LAST_PAGE)(
            f"{label}: {fault.message}", _location(fault.source, where)) for fault in faults]
        stale = said.get(index, [])
        session.found[:] = [finding for finding in session.found if finding not in stale]
        session.found += notes
        said[index] = notes
        return laid

    first = layout.first_part([len((context.project.root / chapter.source).read_text(encoding="utf-8"))
                               for chapter in context.book.chapters])
    if press and sides.fixed and first is not None and not parts.prints_pages:
        return _Split(parts, split, sides, article, first)
    return layout.lay_out(session, parts, split, sides, article,
                          lambda message: context.progress(f"{label}: {message}"))


def _location(source: str, fallback: Location) -> Location:
    """A ``data-src`` value (``manuscript/01.md:14``) as a location."""
    path, _, line = source.rpartition(":")
    return Location(path, int(line)) if path and line.isdigit() else fallback


@dataclass(frozen=True)
class _Split:
    """A press PDF to lay out in two parts."""

    parts: layout.Parts
    css: str
    sides: layout.Sides
    article: layout.ArticleLayout
    first: int


def press_pdf(context: Context, name: str, on_pages: Callable[[list[PageStart]], None], alone: bool = True) -> bytes:
    """The press PDF: declared PDF/X-4, CMYK through the output profile, bleed and marks.

    A big collection is laid out in two parts: on two cores where there are and the press PDF is laid out
    ``alone``, one after the other beside another layout (the screen PDF's, which takes the second core).
    Whether it is split depends only on the book, never on the machine or the other outputs: the same
    manuscript always gives the same file.
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
               + press.cmyk_css(context.sheets(PDF_SHEETS), profile)
               + PRESS_LINKS)
        engine.load()
        made = {photo: future.result() for photo, future in converting.items()}

    def session() -> pdf.Session:
        return pdf.Session(context.roots, context.faces, book.modified, name, context.locate, pdf.Variant("pdf/x-4"),
                           made)

    with session() as ours:
        laid = _lay_out(context, ours, css, media_url, press=True, label="press PDF")
        if isinstance(laid, _Split):
            context.progress("press PDF: laid out in two parts")
            before = len(context.found)
            try:
                parts = layout.lay_out_in_two(ours, session, laid.parts, laid.css, laid.sides, laid.article, laid.first,
                                              on_pages, context.found, alone,
                                              lambda message: context.progress(f"press PDF, {message}"))
            except layout.Abandoned as exc:
                del context.found[before:]
                context.progress(f"press PDF: laid out again in one piece ({exc})")
                laid = layout.lay_out(ours, laid.parts, laid.css, laid.sides, laid.article,
                                      lambda message: context.progress(f"press PDF: {message}"))
            else:
                context.found[before:] = list(dict.fromkeys(context.found[before:]))  # each part warns alike
                context.found.extend(ours.found)
                with merge.merged(parts) as merged:
                    data = _finished(context, merged, profile, pack=True)
        if isinstance(laid, layout.Book):
            on_pages(laid.starts())
            context.progress("press PDF: writing")
            written = ours.write(laid.documents(), laid.pages(), laid.views())
            context.found.extend(ours.found)
            with pikepdf.open(io.BytesIO(written)) as opened:
                data = _finished(context, opened, profile)
    rgb = press.rgb_uses(data)
    if rgb:
        raise RenderError([rules.PDF_RGB_LEFT(f"RGB colour in the press PDF: {'; '.join(rgb[:5])}", Location(name))])
    return data


def _finished(context: Context, written: pikepdf.Pdf, profile: press.PressProfile, pack: bool = False) -> bytes:
    """The press PDF as a printer takes it: no annotation on the printed area, crop marks and the slug
    outside the bleed (``print.marks``), CMYK with its output intent."""
    settings, config = context.book.config.print, context.book.config
    press.drop_annotations(written)
    if settings.marks:
        page = context.renderer.labels["page"]
        slugs = [f"{config.title} — {page} {number}" for number in range(1, len(written.pages) + 1)]
        marks.add_marks(written, slugs, settings.bleed, context.faces)
    return press.finish_pdf(written, profile, f"{context.identifier}#print", pack=pack)


def press_profile(context: Context) -> press.PressProfile:
    profile = load_profile(context.project, context.book.config)
    context.read.append(profile.path)
    return profile


def load_profile(project: Project, config: BookConfig) -> press.PressProfile:
    """The press PDF's output profile: ``print.color_profile``, or the shipped FOGRA39."""
    chosen, where = config.print.color_profile, config.where("print")
    path = project.resolve(chosen, project.root / "publish.yaml", where) if chosen else press.DEFAULT_PROFILE
    try:
        return press.load_profile(path)
    except (ValueError, OSError) as exc:
        raise ResourceError([rules.RESOURCE_BAD_PROFILE(f"print.color_profile '{chosen}': {exc}", where)]) from exc


def screen_pdf(context: Context, name: str) -> bytes:
    """The screen PDF: tagged (declared PDF/UA-1), RGB, no bleed or marks, no blank pages."""
    book = context.book
    css = (pdf.page_css(book.config.print, press=False)
           + pdf.font_css(context.faces)
           + context.sheets(PDF_SHEETS))
    made = {_screen_name(image): screen_image(context, image) for image in book.images}
    with pdf.Session(context.roots, context.faces, book.modified, name, context.locate,
                     pdf.Variant("pdf/ua-1", tagged=True), made) as session:
        laid = _lay_out(context, session, css, lambda image: pdf.virtual_url(pdf.MEMORY, _screen_name(image)),
                        press=False, label="screen PDF")
        assert isinstance(laid, layout.Book)  # (only a press PDF is split)
        context.progress("screen PDF: writing")
        data = session.write(laid.documents(), laid.pages(), laid.views())
        context.found.extend(session.found)
    return data


def screen_image(context: Context, image: model.Image) -> bytes:
    """The image as the EPUB and the screen PDF carry it: upright, 8-bit, sRGB (:func:`images.for_screen`)."""
    source = (context.project.root / image.path).read_bytes()
    return context.cached("screen", [source], partial(images.for_screen, source))


def _screen_name(image: model.Image) -> str:
    return f"{image.digest}{PurePosixPath(image.package_name).suffix}"


def cover_name(book: model.Book) -> str:
    """Where the cover image lives in the EPUB."""
    return f"images/{book.cover.package_name}" if book.cover is not None else "images/cover.png"


def cover_file(context: Context) -> epub.CoverFile:
    """The cover named in publish.yaml, or one generated from the metadata (kept in the cache)."""
    book, faces = context.book, context.faces
    if book.cover is not None:
        return epub.CoverFile(cover_name(book), book.cover.media_type, screen_image(context, book.cover))
    config = book.config
    parts = [repr((config.title, config.subtitle, config.authors, config.publisher)).encode(),
             *(face.path.read_bytes() for face in faces)]
    data = context.cached("cover", parts, lambda: generate_cover(config, faces, DISPLAY_FAMILY, TEXT_FAMILY))
    return epub.CoverFile(cover_name(book), "image/png", data)
