"""EPUB 3 packaging with EbookLib, made reproducible and valid for EPUBCheck 5.

EbookLib writes the package document, the NCX (for EPUB 2 reading systems) and the zip. All XHTML is
ours, rendered from the model and passed through unchanged. :class:`ReproducibleWriter` fixes what
EbookLib 0.20 gets wrong for us: zip entries stamped with the current time and no ``xml:lang`` on the
package.
"""

from __future__ import annotations

import dataclasses
import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ebooklib import epub
from fontTools.ttLib import TTFont
from lxml import etree

from publish import model, rules
from publish.diagnostics import Diagnostic, Location
from publish.errors import RenderError
from publish.fonts import FontFace, font_face_css, needs_glyph, subset_face
from publish.makeup.setting import PLAIN, Setting
from publish.output.pagination import PageStart, mark_pages
from publish.render.xhtml import Renderer, TocEntry, toc_entries

ZIP_DATE = (1980, 1, 1, 0, 0, 0)
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XHTML = "application/xhtml+xml"


@dataclass(frozen=True)
class CoverFile:
    name: str  # path inside the EPUB, e.g. images/cover.png
    media_type: str
    data: bytes


@dataclass(frozen=True)
class Document:
    """One XHTML content document of the EPUB."""

    name: str
    uid: str
    title: str
    xhtml: str
    in_spine: bool = True
    properties: tuple[str, ...] = ()


class _FixedTimeZip(zipfile.ZipFile):
    def writestr(  # type: ignore[override]
        self, zinfo_or_arcname: str | zipfile.ZipInfo, data: bytes | str,
        compress_type: int | None = None, compresslevel: int | None = None,
    ) -> None:
        if isinstance(zinfo_or_arcname, str):
            info = zipfile.ZipInfo(zinfo_or_arcname, date_time=ZIP_DATE)
            info.compress_type = self.compression if compress_type is None else compress_type
            info.external_attr = 0o644 << 16
            info.create_system = 3
            zinfo_or_arcname = info
        super().writestr(zinfo_or_arcname, data, compresslevel=compresslevel)


class ReproducibleWriter(epub.EpubWriter):  # type: ignore[misc]
    def __init__(self, target: io.BytesIO, book: epub.EpubBook, language: str, options: dict[str, Any]) -> None:
        super().__init__(target, book, options)
        self.language = language

    def _write_opf_file(self, root: etree._Element) -> None:
        root.set(XML_LANG, self.language)
        super()._write_opf_file(root)

    def write(self) -> None:
        self.out = _FixedTimeZip(self.file_name, "w", zipfile.ZIP_DEFLATED, compresslevel=9)
        self.out.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        self._write_container()
        self._write_opf()
        self._write_items()
        self.out.close()


def chapter_href(chapter: model.Chapter, fragment: str) -> str:
    """Where a chapter (or an id inside it) lives in the EPUB."""
    return f"{chapter.id}.xhtml" + (f"#{fragment}" if fragment else "")


def documents(
    book: model.Book, renderer: Renderer, cover_name: str, page_starts: Sequence[PageStart] = (),
    setting: Setting = PLAIN,
) -> list[Document]:
    """Every XHTML document of the EPUB, in reading order; with ``page_starts`` (from the press PDF's
    layout), page-break markers in the text and a page-list in the navigation document; ``setting`` is the
    EPUB's typesetting (line heights that clear stacked marks)."""
    labels = renderer.labels
    docs: list[Document] = []

    def media_url(image: model.Image) -> str:
        return f"images/{image.package_name}"

    docs.append(Document("cover.xhtml", "cover", labels["cover"],
                         renderer.epub_document(labels["cover"], renderer.epub_cover(cover_name),
                                                "cover-page", "cover")))
    docs.append(Document("titlepage.xhtml", "titlepage", labels["titlepage"],
                         renderer.epub_document(book.config.title, renderer.titlepage(), "front", "frontmatter")))
    for chapter in book.chapters:
        docs.append(Document(f"{chapter.id}.xhtml", chapter.id, chapter.title,
                             renderer.epub_document(chapter.title,
                                                    renderer.article(chapter, media_url, setting, chapter_href),
                                                    "article", "bodymatter")))
    pages: list[tuple[int, str]] = []
    if page_starts:
        docs = [_with_page_markers(doc, page_starts, pages) for doc in docs]
    toc = toc_entries(book, chapter_href)
    landmarks = [{"type": "cover", "href": "cover.xhtml", "title": labels["cover"]},
                 {"type": "titlepage", "href": "titlepage.xhtml", "title": labels["titlepage"]},
                 {"type": "bodymatter", "href": f"{book.chapters[0].id}.xhtml", "title": labels["start"]}]
    if book.is_collection:  # the nav is a page of the book only then; a landmark must point into the spine
        landmarks.insert(2, {"type": "toc", "href": "nav.xhtml#toc", "title": labels["toc"]})

    def nav_document(page_list: list[dict[str, str]]) -> Document:
        return Document("nav.xhtml", "nav", labels["toc"],
                        renderer.epub_document(labels["toc"], renderer.epub_nav(toc, landmarks, page_list), "nav"),
                        in_spine=book.is_collection, properties=("nav",))

    nav = nav_document([])
    if page_starts and book.is_collection:  # the printed table of contents: its pages start in the nav
        _with_page_markers(nav, page_starts, pages)
    page_list = [{"href": href, "label": str(page)} for page, href in sorted(pages)]
    nav = nav_document(page_list)
    if page_starts and book.is_collection:
        nav = _with_page_markers(nav, page_starts, [])
    docs.insert(2, nav)
    for doc in docs:
        try:
            etree.fromstring(doc.xhtml.encode("utf-8"))
        except etree.XMLSyntaxError as exc:
            raise RenderError([rules.EPUB_PACKAGE_FAILED(f"{doc.name} is not well-formed XHTML: {exc}")]) from exc
    return docs


def _with_page_markers(doc: Document, starts: Sequence[PageStart], pages: list[tuple[int, str]]) -> Document:
    """``doc`` with a marker at each page start it holds; the markers' hrefs are added to ``pages``."""
    root = etree.fromstring(doc.xhtml.encode("utf-8"))
    placed = mark_pages(root, starts)
    if not placed:
        return doc
    pages += [(page, f"{doc.name}#{anchor}") for page, anchor in placed]
    xhtml = etree.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>")
    return dataclasses.replace(doc, xhtml='<?xml version="1.0" encoding="utf-8"?>\n' + xhtml + "\n")


def text_of(docs: Sequence[Document]) -> str:
    """All the text a reader can see in the documents (for font subsetting and coverage checks)."""
    parts: list[str] = []
    for doc in docs:
        root = etree.fromstring(doc.xhtml.encode("utf-8"))
        body = root.find("{http://www.w3.org/1999/xhtml}body")
        if body is not None:
            parts.append("".join(str(text) for text in body.itertext()))
            alts: Any = body.xpath(".//@alt")
            parts.extend(str(alt) for alt in alts)
    return "\n".join(parts)


def accessibility(book: model.Book, labels: Mapping[str, str], print_pages: bool = False) -> list[tuple[str, str]]:
    """schema.org accessibility metadata that is true for this book (``print_pages``: it has page markers)."""
    figures = [f for chapter in book.chapters for f in chapter.figures()]
    all_alt = all(f.alt for f in figures)
    meta = [("schema:accessMode", "textual"), ("schema:accessMode", "visual"),
            ("schema:accessModeSufficient", "textual,visual")]
    if all_alt:
        meta.append(("schema:accessModeSufficient", "textual"))
    features = ["structuralNavigation", "tableOfContents", "readingOrder", "displayTransformability"]
    if all_alt:
        features.append("alternativeText")
    if print_pages:
        features += ["pageBreakMarkers", "pageNavigation"]
    meta += [("schema:accessibilityFeature", f) for f in features]
    meta.append(("schema:accessibilityHazard", "none"))
    summary = labels["summary"] + (labels["summary_alt"] if all_alt else labels["summary_no_alt"])
    if print_pages:
        summary += labels["summary_pages"]
    meta.append(("schema:accessibilitySummary", summary))
    return meta


def check_subsets(data: bytes, faces: Sequence[FontFace], characters: str) -> list[Diagnostic]:
    """Each font subset in the finished EPUB still has every character of the text its full face had."""
    found = []
    wanted = {ord(ch) for ch in set(characters) if needs_glyph(ch)}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for face in faces:
            subset = TTFont(io.BytesIO(archive.read(f"EPUB/fonts/{face.file_name}")), lazy=True)
            lost = sorted((wanted & face.codepoints) - set(subset.getBestCmap() or {}))
            if lost:
                listed = ", ".join(f"'{chr(c)}' (U+{c:04X})" for c in lost[:10])
                found.append(rules.FONT_SUBSET_LOST(
                    f"the subset of {face.file_name} lost {listed}", Location(f"fonts/{face.file_name}"),
                ))
    return found


def package(
    book: model.Book,
    renderer: Renderer,
    docs: Sequence[Document],
    identifier: str,
    css: str,
    faces: Sequence[FontFace],
    characters: str,
    cover: CoverFile,
    image_bytes: Mapping[str, bytes],
    page_break_source: str = "",
) -> bytes:
    """The EPUB file's bytes; ``page_break_source`` names the print edition its page markers follow."""
    config = book.config
    out = epub.EpubBook()
    out.set_identifier(identifier)
    out.set_title(config.title)
    out.set_language(config.language)
    for number, author in enumerate(config.authors, start=1):
        out.add_author(author, uid=f"creator{number}")
    if config.publisher:
        out.add_metadata("DC", "publisher", config.publisher)
    out.add_metadata("DC", "date", (config.date or book.modified.date()).isoformat())
    if config.description:
        out.add_metadata("DC", "description", config.description)
    for subject in config.subjects:
        out.add_metadata("DC", "subject", subject)
    if config.rights:
        out.add_metadata("DC", "rights", config.rights)
    for prop, value in accessibility(book, renderer.labels, bool(page_break_source)):
        out.add_metadata(None, "meta", value, {"property": prop})
    if page_break_source:
        out.add_metadata(None, "meta", page_break_source, {"property": "pageBreakSource"})

    font_css = font_face_css(faces, lambda face: f"../fonts/{face.file_name}")
    out.add_item(epub.EpubItem(uid="css", file_name="styles/book.css", media_type="text/css",
                               content=(font_css + css).encode("utf-8")))
    for number, face in enumerate(faces, start=1):
        out.add_item(epub.EpubItem(uid=f"font{number}", file_name=f"fonts/{face.file_name}",
                                   media_type=face.media_type, content=subset_face(face, characters)))
    cover_item = epub.EpubItem(uid="cover-image", file_name=cover.name, media_type=cover.media_type,
                               content=cover.data)
    cover_item.properties = ["cover-image"]
    out.add_item(cover_item)
    out.add_metadata(None, "meta", "", {"name": "cover", "content": "cover-image"})
    for image in book.images:
        if image.package_name == cover.name.removeprefix("images/"):
            continue
        out.add_item(epub.EpubItem(uid=image.id, file_name=f"images/{image.package_name}",
                                   media_type=image.media_type, content=image_bytes[image.path]))

    spine: list[Any] = []
    for doc in docs:
        item = epub.EpubItem(uid=doc.uid, file_name=doc.name, media_type=XHTML, content=doc.xhtml.encode("utf-8"))
        item.properties = list(doc.properties)
        out.add_item(item)
        if doc.in_spine:
            spine.append(item)
    out.spine = spine
    out.toc = [_ncx_entry(entry) for entry in toc_entries(book, chapter_href)]
    out.add_item(epub.EpubNcx())

    target = io.BytesIO()
    options = {"mtime": book.modified, "epub3_landmark": False, "epub2_guide": False, "raise_exceptions": True}
    try:
        writer = ReproducibleWriter(target, out, config.language, options)
        writer.process()
        writer.write()
    except Exception as exc:  # EbookLib raises bare exceptions of many kinds
        raise RenderError([rules.EPUB_PACKAGE_FAILED(f"EbookLib could not write the EPUB: {exc}")]) from exc
    return target.getvalue()


def _ncx_entry(entry: TocEntry) -> Any:
    if not entry.children:
        return epub.Link(entry.href, entry.title, _ncx_uid(entry.href))
    return (epub.Section(entry.title, entry.href),
            [epub.Link(child.href, child.title, _ncx_uid(child.href)) for child in entry.children])


def _ncx_uid(href: str) -> str:
    return "ncx-" + href.replace(".xhtml", "").replace("#", "-")
