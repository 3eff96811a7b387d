"""The print PDF, laid out by WeasyPrint from the same XHTML as the EPUB.

WeasyPrint is made safe and honest here: a fetcher that reads only files inside the project (or the
tool's own default assets) and stops the build on anything else; its log warnings captured as
diagnostics; and the finished PDF inspected with pikepdf so that a fallback font (a glyph missing from
the declared faces) is a build error instead of a silent substitution.
"""

from __future__ import annotations

import datetime
import io
import logging
import mimetypes
import multiprocessing.util
import os
import shutil
import unicodedata
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
from fontTools.ttLib import TTFont

from publish import rules
from publish.config import PrintConfig
from publish.diagnostics import Diagnostic, Location, errors
from publish.errors import RenderError, ResourceError
from publish.fonts import FontFace, font_face_css, matching_face, needs_glyph
from publish.output import engine, verify


def page_css(settings: PrintConfig, press: bool = True) -> str:
    """The page geometry: trim size, and for the press PDF its bleed (crop marks are drawn outside it by
    :mod:`publish.output.marks`, not by WeasyPrint, which draws them inside)."""
    width, height = settings.trim
    bleed = f"{settings.bleed:g}mm" if press else "0"
    return f"@page {{ size: {width:g}mm {height:g}mm; bleed: {bleed}; marks: none; }}\n"


# Documents address files through virtual roots (file:///publish/project/..., file:///publish/fonts/...)
# that the fetcher maps to real folders: nothing outside them can be read, and no real path (which
# differs from one checkout to the next) reaches WeasyPrint, whose image names hash the URL.
VIRTUAL = "/publish/"
MEMORY = "made"  # the virtual root of files made during the build (CMYK photos, the output profile)


def virtual_url(root: str, relative: str = "") -> str:
    return f"file://{VIRTUAL}{root}/{urllib.parse.quote(relative)}"


def _fetcher_class() -> type:
    engine.load()
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    class ProjectFetcher(URLFetcher):  # type: ignore[misc]
        """Serves ``data:`` URLs and files under the virtual roots; refuses everything else."""

        def __init__(self, roots: Mapping[str, Path], memory: Mapping[str, bytes]) -> None:
            super().__init__(allowed_protocols={"file", "data"}, fail_on_errors=True)
            self.roots = {name: root.resolve() for name, root in roots.items()}
            self.memory = memory
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                virtual = urllib.request.url2pathname(urllib.parse.urlsplit(url).path)
                prefix = f"{VIRTUAL}{MEMORY}/"
                made = self.memory.get(virtual.removeprefix(prefix)) if virtual.startswith(prefix) else None
                if made is not None:
                    media_type = mimetypes.guess_type(virtual)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, body=made, headers={"Content-Type": media_type})
                path = self.real_path(virtual)
                if path is not None:
                    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": media_type})
            self.refused.append(url)
            raise FatalURLFetchingError(f"refused to fetch {url}")

        def real_path(self, virtual: str) -> Path | None:
            if not virtual.startswith(VIRTUAL):
                return None
            name, _, rest = virtual[len(VIRTUAL):].partition("/")
            root = self.roots.get(name)
            if root is None:
                return None
            path = (root / rest).resolve()
            return path if path.is_relative_to(root) and path.is_file() else None

    return ProjectFetcher


@contextmanager
def _source_date_epoch(moment: datetime.datetime) -> Iterator[None]:
    """WeasyPrint subsets fonts with fontTools when HarfBuzz-Subset is missing; fontTools stamps the
    subset's head table with the current time unless SOURCE_DATE_EPOCH is set."""
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(moment.timestamp()))
    try:
        yield
    finally:
        if saved is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


class _Pages(logging.Handler):
    """Hears WeasyPrint's progress log ("Step 5 - Creating layout - Page 12") and passes the page on."""

    def __init__(self, progress: Callable[[int], None]) -> None:
        super().__init__(logging.INFO)
        self.progress = progress

    def emit(self, record: logging.LogRecord) -> None:
        if "Page" in str(record.msg) and isinstance(record.args, tuple) and isinstance(record.args[0], int):
            self.progress(record.args[0])


@contextmanager
def _pages_laid_out(progress: Callable[[int], None] | None) -> Iterator[None]:
    if progress is None:
        yield
        return
    logger = logging.getLogger("weasyprint.progress")
    handler, saved = _Pages(progress), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved)


def _remove_at_exit(font_config: Any) -> None:
    """Remove the folder where WeasyPrint put the ``@font-face`` files when ``font_config`` goes, or at
    the latest when the process ends. WeasyPrint removes it in ``__del__``, which never runs in a forked
    process (multiprocessing ends them with ``os._exit``): every screen PDF left 3 MB in /tmp. A process
    killed outright runs nothing: under the command line the folder is inside the command's own temporary
    folder, which the next command removes (:func:`publish.lock.temporary_folder`)."""
    folder = getattr(font_config, "_folder", None)
    if folder is not None and not getattr(font_config, "_publish_removes", False):
        font_config._publish_removes = True
        multiprocessing.util.Finalize(font_config, shutil.rmtree, args=(str(folder), True), exitpriority=0)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _captured_warnings() -> Iterator[_Collect]:
    logger = logging.getLogger("weasyprint")
    handler = _Collect()
    saved = logger.propagate, logger.level
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.WARNING)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.propagate, logger.level = saved


def font_css(faces: Sequence[FontFace]) -> str:
    return font_face_css(faces, lambda face: virtual_url("fonts", face.file_name))


# Where a character first appears in the manuscript, at or after a location when one is given
# (publish.pipeline.first_occurrence).
Locate = Callable[[str, "Location | None"], "Location | None"]


@dataclass(frozen=True)
class Variant:
    """How WeasyPrint writes one PDF: its standard (``pdf/x-4``, ``pdf/ua-1``) and whether it is tagged."""

    standard: str | None = None
    tagged: bool = False


class Session:
    """One PDF's WeasyPrint set-up, shared by every document laid out for it (the front matter, each
    article, blank pages), and the writing of their pages as one PDF.

    ``roots`` maps the virtual roots ("project", "fonts", "styles") to folders, ``memory`` serves files
    made during the build under :data:`MEMORY`; documents address files relative to the project root,
    stylesheets relative to the styles folder. Used as a context manager: WeasyPrint's warnings become
    diagnostics, a refused URL or a failure a :class:`~publish.errors.PublishError`.
    """

    def __init__(self, roots: Mapping[str, Path], faces: Sequence[FontFace], moment: datetime.datetime,
                 pdf_path: str, locate: Locate, variant: Variant = Variant(),
                 memory: Mapping[str, bytes] | None = None) -> None:
        engine.load()
        from weasyprint.text.fonts import FontConfiguration

        self.roots, self.faces, self.moment, self.pdf_path = roots, faces, moment, pdf_path
        self.locate, self.variant = locate, variant
        self.fetcher = _fetcher_class()(roots, memory or {})
        self.font_config = FontConfiguration()
        self.color_profiles: dict[str, Any] = {}
        self.found: list[Diagnostic] = []
        self._sheets: dict[str, Any] = {}
        self._stack = ExitStack()
        self._log: _Collect | None = None

    def __enter__(self) -> Session:
        self._log = self._stack.enter_context(_captured_warnings())
        self._stack.enter_context(_source_date_epoch(self.moment))
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def stylesheet(self, css: str) -> Any:
        """The parsed ``css`` (parsed once per session)."""
        if css not in self._sheets:
            from weasyprint import CSS

            with self._failures():
                self._sheets[css] = CSS(string=css, base_url=virtual_url("styles"), url_fetcher=self.fetcher,
                                        font_config=self.font_config, color_profiles=self.color_profiles)
            _remove_at_exit(self.font_config)  # (its folder exists once a stylesheet has declared fonts)
        return self._sheets[css]

    def paginate(self, html: str, css: str) -> engine.Paginated:
        """``html`` laid out with ``css``, its page margins left for :meth:`engine.Paginated.finish`."""
        sheet = self.stylesheet(css)
        with self._failures():
            document = engine.parsed(html, virtual_url("project"), self.fetcher)
            return engine.paginate(document, stylesheets=[sheet], font_config=self.font_config,
                                   color_profiles=self.color_profiles, pdf_tags=self.variant.tagged)

    def cascade(self, html: str, css: str) -> list[engine.Styled]:
        """The computed styles of ``html`` with ``css``, no layout (see :func:`engine.cascade`)."""
        sheet = self.stylesheet(css)
        with self._failures():
            document = engine.parsed(html, virtual_url("project"), self.fetcher)
            return engine.cascade(document, [sheet], self.font_config, self.color_profiles)

    def generated(self, html: str, css: str, margins: bool = True) -> list[engine.Generated]:
        """What ``css`` generates in ``html`` (list markers, ``content``...), no layout (:func:`engine.generated`);
        with ``margins``, in page margins too."""
        sheet = self.stylesheet(css)
        with self._failures():
            document = engine.parsed(html, virtual_url("project"), self.fetcher)
            return engine.generated(document, [sheet], self.font_config, margins)

    def write(self, documents: Sequence[engine.Paginated], pages: Sequence[Any],
              views: Sequence[engine.PageView] | None = None) -> bytes:
        """The PDF of ``pages`` (from ``documents``, all finished): every character checked against the face
        that sets it and the lines checked for colliding marks, then written once, then its embedded fonts
        checked; its word spacing is reported."""
        if views is None:
            views = [engine.read(page, index) for index, page in enumerate(pages)]
        missing = check_faces(views, self.faces, self.pdf_path, self.locate)
        collided = verify.collisions(views, self.faces, self.pdf_path)
        if missing or collided:
            raise RenderError(missing + collided)
        self.found += verify.spacing(views, self.faces, self.pdf_path)
        with self._failures():
            document = engine.combined([paginated.document for paginated in documents], pages)
            data = engine.write_pdf(document, pdf_variant=self.variant.standard, pdf_tags=self.variant.tagged)
        found = self.warnings() + check_fonts(data, self.faces, self.pdf_path)
        if errors(found):
            raise RenderError(found)
        self.found += found
        return data

    def warnings(self) -> list[Diagnostic]:
        """WeasyPrint's warnings so far, each once, as diagnostics."""
        found: list[Diagnostic] = []
        messages = self._log.messages if self._log is not None else []
        for message in dict.fromkeys(messages):  # WeasyPrint repeats itself once per font or page
            rule = rules.PDF_SUBSET_FALLBACK if "HarfBuzz-Subset" in message else rules.PDF_RENDER_WARNING
            if rule is rules.PDF_SUBSET_FALLBACK and any(d.code == rule.code for d in found):
                continue
            found.append(rule(message, Location(self.pdf_path)))
        messages.clear()
        return found

    @contextmanager
    def _failures(self) -> Iterator[None]:
        from weasyprint.urls import FatalURLFetchingError

        try:
            yield
        except FatalURLFetchingError as exc:
            refused = _real_url(self.fetcher.refused[-1]) if self.fetcher.refused else str(exc)
            raise ResourceError([rules.RESOURCE_OUTSIDE(
                f"a stylesheet or document asks for '{refused}', which is outside the project",
                Location("styles/"),
            )]) from None
        except (RenderError, ResourceError):
            raise
        except Exception as exc:
            raise RenderError([rules.PDF_RENDER_FAILED(f"WeasyPrint failed: {exc}",
                                                       Location(self.pdf_path))]) from exc


def check_faces(pages: Sequence[engine.PageView], faces: Sequence[FontFace], pdf_path: str,
                locate: Locate) -> list[Diagnostic]:
    """Every character laid out must have a glyph in the face CSS font matching picks for it (running
    heads, folios and list markers included). Each one missing is named with its code point, the face, and
    the manuscript line of the block it is in (its ``data-src``), or else where the manuscript has it."""
    first: dict[tuple[engine.Font, str], tuple[engine.PageView, engine.Run]] = {}
    covered: dict[engine.Font, FontFace | None] = {}
    for view in pages:
        for run in view.runs():
            if run.font not in covered:
                covered[run.font] = matching_face(faces, *run.font)
            face = covered[run.font]
            for ch in set(run.text):
                if needs_glyph(ch) and (face is None or ord(ch) not in face.codepoints):
                    first.setdefault((run.font, ch), (view, run))
    found = []
    sources = verify.Sources()
    for ((families, weight, style), ch), (view, run) in sorted(first.items(), key=lambda item: item[0]):
        face = covered[families, weight, style]
        made = ", made by a stylesheet," if run.generated else ""
        what = f"'{ch}' (U+{ord(ch):04X}) {unicodedata.name(ch, '?')}{made}"
        if face is None:
            message = (f"{what} set in font family {', '.join(families)}, which is not a declared face: "
                       "a system font would be used")
        else:
            message = f"{what} set in {face.postscript_name} ({weight} {style}), which has no glyph for it"
        block = sources(view, run.element, Location("")) if run.element is not None else Location("")
        where = (locate(ch, block) or block) if block.path else locate(ch, None)
        found.append(rules.FONT_STYLE_NOT_COVERED(message, where or Location(pdf_path)))
    return found


def _real_url(url: str) -> str:
    """A refused URL as the author wrote it, without our virtual prefix."""
    path = urllib.request.url2pathname(urllib.parse.urlsplit(url).path) if url.startswith("file:") else url
    for name in ("project", "styles", "fonts"):
        path = path.removeprefix(f"{VIRTUAL}{name}/")
    return path


def embedded_fonts(data: bytes) -> list[tuple[str, str | None]]:
    """(BaseFont, PostScript name of the embedded program or None when not embedded) for each font."""
    fonts: list[tuple[str, str | None]] = []
    seen: set[tuple[int, int]] = set()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            resources: Any = page.obj.get("/Resources", {})
            for font in resources.get("/Font", {}).values():
                key = font.objgen
                if key in seen:
                    continue
                seen.add(key)
                descriptor = font.get("/FontDescriptor")
                if descriptor is None and "/DescendantFonts" in font:
                    descriptor = font.DescendantFonts[0].get("/FontDescriptor")
                program = None
                if descriptor is not None:
                    program = next((descriptor[key] for key in ("/FontFile2", "/FontFile3", "/FontFile")
                                    if key in descriptor), None)
                name = None
                if program is not None:
                    try:
                        name = TTFont(io.BytesIO(program.read_bytes()))["name"].getDebugName(6)
                    except Exception:
                        name = "?"
                fonts.append((str(font.get("/BaseFont", "?")), name))
    return fonts


def check_fonts(data: bytes, faces: Sequence[FontFace], pdf_path: str) -> list[Diagnostic]:
    declared = {face.postscript_name for face in faces}
    found = []
    for base_font, postscript in embedded_fonts(data):
        if postscript is None:
            found.append(rules.FONT_FALLBACK(f"font {base_font} is not embedded", Location(pdf_path)))
        elif postscript not in declared:
            found.append(rules.FONT_FALLBACK(
                f"font {base_font} ({postscript}) is not one of the declared faces", Location(pdf_path),
            ))
    return found
