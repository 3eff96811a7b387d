"""Our own EPUB checks: the container, accessibility as the content really is, and risky CSS.

EPUBCheck validates against the specifications; these checks add what it does not judge: every image
has alt text, every document declares its language, the navigation has a table of contents and
landmarks, headings do not skip levels, and the accessibility metadata is present and true.
"""

from __future__ import annotations

import itertools
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from publish import rules
from publish.diagnostics import Diagnostic, Location

NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "c": "urn:oasis:names:tc:opendocument:xmlns:container",
    "x": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


@dataclass
class EpubFile:
    """An EPUB opened for checking: its entries, package document, manifest and spine."""

    label: str  # the file name, used in locations
    entries: dict[str, bytes]
    opf_path: str
    opf: Any
    manifest: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # id -> (path, type, properties)
    spine: list[str] = field(default_factory=list)  # paths in reading order
    _parsed: dict[str, Any] = field(default_factory=dict)

    def where(self, inner: str, line: int | None = None) -> Location:
        return Location(f"{self.label}/{inner}", line)

    def xml(self, inner: str) -> Any:
        if inner not in self._parsed:
            self._parsed[inner] = etree.fromstring(self.entries[inner], _PARSER)
        return self._parsed[inner]

    def documents(self) -> list[str]:
        """Every XHTML document of the manifest: the spine's in reading order, then the others (nav)."""
        xhtml = [path for path, media_type, _ in self.manifest.values() if media_type == "application/xhtml+xml"]
        return [*self.spine, *(path for path in xhtml if path not in self.spine)]

    def nav(self) -> str | None:
        return next((path for path, _, props in self.manifest.values() if "nav" in props.split()), None)

    def metadata(self, prop: str) -> list[str]:
        return [str(meta.text or "").strip() for meta in self.opf.iterfind(f".//opf:meta[@property='{prop}']", NS)]

    def dc(self, name: str) -> list[str]:
        return [str(node.text or "").strip() for node in self.opf.iterfind(f".//dc:{name}", NS)]


def open_epub(path: Path) -> tuple[EpubFile | None, list[Diagnostic]]:
    """Read the container; damage that stops any further check is returned as A008 with no EpubFile."""
    label = path.name
    broken = rules.EPUB_BROKEN
    try:
        with zipfile.ZipFile(path) as archive:
            damaged = archive.testzip()
            if damaged is not None:
                return None, [broken(f"the archive entry {damaged} is damaged (bad CRC)", Location(label))]
            infos = archive.infolist()
            entries = {info.filename: archive.read(info) for info in infos}
    except (zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile) as exc:
        return None, [broken(f"not a readable ZIP archive: {exc}", Location(label))]
    found = []
    if not infos or infos[0].filename != "mimetype" or infos[0].compress_type != zipfile.ZIP_STORED \
            or entries["mimetype"] != b"application/epub+zip":
        found.append(broken("the first entry must be 'mimetype', stored uncompressed, reading "
                            "application/epub+zip", Location(label)))
    try:
        container = etree.fromstring(entries["META-INF/container.xml"], _PARSER)
        rootfile = container.find(".//c:rootfile", NS)
        if rootfile is None:
            raise KeyError("META-INF/container.xml names no rootfile")
        opf_path = str(rootfile.get("full-path"))
        opf = etree.fromstring(entries[opf_path], _PARSER)
    except (KeyError, etree.XMLSyntaxError) as exc:
        return None, [*found, broken(f"no readable package document: {exc}", Location(label))]
    book = EpubFile(label, entries, opf_path, opf)
    base = posixpath.dirname(opf_path)
    for item in opf.iterfind(".//opf:manifest/opf:item", NS):
        href = posixpath.normpath(posixpath.join(base, str(item.get("href", ""))))
        book.manifest[str(item.get("id"))] = (href, str(item.get("media-type", "")), str(item.get("properties", "")))
        if href not in entries:
            found.append(broken(f"the manifest lists {href}, which is not in the archive", book.where(opf_path)))
    for ref in opf.iterfind(".//opf:spine/opf:itemref", NS):
        item = book.manifest.get(str(ref.get("idref")))
        if item is not None and item[0] in entries:
            book.spine.append(item[0])
    return book, found


def accessibility(book: EpubFile) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    images = with_alt = headings = 0
    for inner in book.documents():
        if inner not in book.entries:
            continue
        root = book.xml(inner)
        if not root.get("lang") or not root.get(XML_LANG):
            found.append(rules.EPUB_NO_LANGUAGE(f"{inner} has no lang and xml:lang on <html>",
                                                book.where(inner, root.sourceline)))
        for image in root.iterfind(".//x:img", NS):
            images += 1
            alt = image.get("alt")
            decorative = image.get("role") in ("presentation", "none")
            if alt is not None and (alt.strip() or decorative):
                with_alt += 1
            else:
                found.append(rules.EPUB_IMAGE_NO_ALT(
                    f"<img src=\"{image.get('src')}\"> has no alt text", book.where(inner, image.sourceline)))
        if inner in book.spine:
            levels = [(int(h.tag[-1]), h) for h in root.iter() if isinstance(h.tag, str)
                      and re.fullmatch(r"\{http://www.w3.org/1999/xhtml\}h[1-6]", h.tag)]
            headings += len(levels)
            for (before, _), (level, heading) in itertools.pairwise(levels):
                if level > before + 1:
                    found.append(rules.EPUB_HEADING_ORDER(
                        f"h{level} follows h{before} in {inner}", book.where(inner, heading.sourceline)))
    navigation = _navigation(book)
    found += navigation
    found += _metadata(book, images, with_alt, headings, complete_navigation=not navigation)
    return found


def _navigation(book: EpubFile) -> list[Diagnostic]:
    nav = book.nav()
    if nav is None or nav not in book.entries:
        return [rules.EPUB_NAVIGATION("the package has no navigation document", book.where(book.opf_path))]
    root = book.xml(nav)
    found = []
    for kind in ("toc", "landmarks"):
        element = next((n for n in root.iterfind(".//x:nav", NS) if kind in str(n.get(EPUB_TYPE, "")).split()), None)
        if element is None or element.find(".//x:a", NS) is None:
            found.append(rules.EPUB_NAVIGATION(f"the navigation document has no {kind} with links", book.where(nav)))
    return found


def _metadata(book: EpubFile, images: int, with_alt: int, headings: int,
              complete_navigation: bool) -> list[Diagnostic]:
    where = book.where(book.opf_path)
    found = []
    for prop in ("accessMode", "accessibilityFeature", "accessibilityHazard", "accessibilitySummary"):
        if not book.metadata(f"schema:{prop}"):
            found.append(rules.EPUB_A11Y_MISSING(f"no schema:{prop} in the package metadata", where))
    features = set(book.metadata("schema:accessibilityFeature"))
    modes = set(book.metadata("schema:accessMode"))
    if "alternativeText" in features and with_alt < images:
        found.append(rules.EPUB_A11Y_UNTRUE(
            f"alternativeText is claimed but {images - with_alt} of {images} image(s) have no alt text", where))
    if "tableOfContents" in features and not complete_navigation:
        found.append(rules.EPUB_A11Y_UNTRUE("tableOfContents is claimed but the navigation is incomplete", where))
    if "structuralNavigation" in features and headings == 0:
        found.append(rules.EPUB_A11Y_UNTRUE("structuralNavigation is claimed but no document has headings", where))
    if images and "visual" not in modes:
        found.append(rules.EPUB_A11Y_UNTRUE("the book has images but accessMode does not list 'visual'", where))
    return found


_RISKY_CSS = re.compile(r"\b(calc|var)\(|\d(vw|vh|vmin|vmax)\b", re.IGNORECASE)


def css(book: EpubFile) -> list[Diagnostic]:
    found = []
    for inner, media_type, _ in book.manifest.values():
        if media_type != "text/css" or inner not in book.entries:
            continue
        text = book.entries[inner].decode("utf-8", errors="replace")
        text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.DOTALL)
        for number, line in enumerate(text.split("\n"), start=1):
            for match in _RISKY_CSS.finditer(line):
                found.append(rules.EPUB_CSS_RISKY(f"'{match.group(0)}' in {inner}", book.where(inner, number)))
    return found
