"""Our own EPUB checks: the container, accessibility as the content really is, and risky CSS.

EPUBCheck validates against the specifications; these checks add what it does not judge: every image
has alt text, every document declares its language, the navigation has a table of contents and
landmarks, headings do not skip levels, and the accessibility metadata is present and true.

The EPUB may be hostile: nothing is unpacked before every entry's header has been read, and an entry
that is encrypted, compressed otherwise than an EPUB may be (stored or deflated), or that would unpack
to more than the limits below (a zip bomb inflates a few kilobytes to gigabytes) is refused (A009) with
nothing read; each entry is then read no further than the size its header gives, its CRC checked. An
EPUB whose resources are encrypted (``META-INF/encryption.xml`` with an algorithm other than font
obfuscation) is refused too: its content cannot be checked. An entry that is damaged, or a document
that is not well-formed XML, is A008 at that entry.
"""

from __future__ import annotations

import itertools
import posixpath
import re
import zipfile
import zlib
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
ENC = "http://www.w3.org/2001/04/xmlenc#"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)

MAX_ENTRIES = 10_000
MAX_ENTRY_BYTES = 256 * 2**20  # unpacked, one entry
MAX_UNPACKED_BYTES = 2**30  # unpacked, all entries (what the checks hold in memory)
# Text compresses 3 to 10 times, images and fonts hardly at all; a deflate bomb, about 1000 times.
MAX_RATIO, RATIO_FROM = 100, 2**20  # the ratio is judged on entries that unpack to more than RATIO_FROM
EPUB_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # what OCF allows
# Font obfuscation (IDPF's and Adobe's) is not encryption: the fonts are scrambled, the text is readable.
OBFUSCATION = ("http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC")


@dataclass
class EpubFile:
    """An EPUB opened for checking: its entries, package document, manifest and spine."""

    label: str  # the file name, used in locations
    entries: dict[str, bytes]  # without the documents that are not well-formed XML (reported as A008)
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
    """Read the container; damage that stops any further check is returned as A008, an EPUB that cannot
    be read safely as A009, with no EpubFile."""
    label = path.name
    broken = rules.EPUB_BROKEN
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            refused = _refusals(infos, label)
            if refused:
                return None, refused
            entries = {}
            for info in infos:
                entries[info.filename] = _unpack(archive, info)
    except _Damaged as exc:
        return None, [broken(f"the archive entry {exc.name} is damaged ({exc.reason})",
                             Location(f"{label}/{exc.name}"))]
    except (zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile, ValueError) as exc:
        return None, [broken(f"not a readable ZIP archive: {exc}", Location(label))]
    return _package(label, infos, entries)


class _Damaged(Exception):
    def __init__(self, name: str, reason: str) -> None:
        super().__init__(name)
        self.name = name
        self.reason = reason


def _refusals(infos: list[zipfile.ZipInfo], label: str) -> list[Diagnostic]:
    """A009 for each entry that cannot be unpacked safely, judged on the headers alone."""
    refused = rules.EPUB_REFUSED
    if len(infos) > MAX_ENTRIES:
        return [refused(f"the archive has {len(infos)} entries; at most {MAX_ENTRIES} are read", Location(label))]
    found = []
    for info in infos:
        why = _unsafe(info)
        if why is not None:
            found.append(refused(f"the archive entry {info.filename} {why}", Location(f"{label}/{info.filename}")))
        if len(found) >= 5:
            break
    unpacked = sum(info.file_size for info in infos)
    if not found and unpacked > MAX_UNPACKED_BYTES:
        found.append(refused(f"the archive unpacks to {unpacked // 2**20} MiB; at most "
                             f"{MAX_UNPACKED_BYTES // 2**20} MiB are read", Location(label)))
    return found


def _unsafe(info: zipfile.ZipInfo) -> str | None:
    """Why an entry cannot be unpacked safely, or None."""
    if info.flag_bits & 0x1:
        return "is encrypted"
    if info.compress_type not in EPUB_METHODS:
        return f"is compressed with method {info.compress_type}; an EPUB's entries are stored or deflated"
    if info.file_size > MAX_ENTRY_BYTES:
        return f"unpacks to {info.file_size // 2**20} MiB; at most {MAX_ENTRY_BYTES // 2**20} MiB are read"
    if info.file_size > RATIO_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        return (f"unpacks to {info.file_size // max(info.compress_size, 1)} times its packed size "
                f"({info.file_size // 2**20} MiB): a zip bomb")
    return None


def _unpack(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """An entry's bytes, read no further than the size its header gives (zipfile checks the CRC at its end)."""
    try:
        with archive.open(info) as stream:
            data = stream.read(info.file_size + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise _Damaged(info.filename, str(exc) or type(exc).__name__) from None
    if len(data) != info.file_size:
        raise _Damaged(info.filename, f"{len(data)} bytes where its header says {info.file_size}")
    return data


def _package(label: str, infos: list[zipfile.ZipInfo],
             entries: dict[str, bytes]) -> tuple[EpubFile | None, list[Diagnostic]]:
    """The package document, manifest and spine of an unpacked EPUB, and what is wrong with them."""
    broken = rules.EPUB_BROKEN
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
    encrypted = _encrypted(entries, label)
    if encrypted:
        return None, [*found, *encrypted]
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
    found += _ill_formed(book)
    return book, found


def _encrypted(entries: dict[str, bytes], label: str) -> list[Diagnostic]:
    """A009 when ``META-INF/encryption.xml`` encrypts a resource (font obfuscation is no encryption)."""
    data = entries.get("META-INF/encryption.xml")
    if data is None:
        return []
    where = Location(f"{label}/META-INF/encryption.xml")
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        return [rules.EPUB_BROKEN(f"META-INF/encryption.xml is not well-formed XML: {exc.msg}",
                                  where.at_line(exc.lineno))]
    encrypted = []
    for item in root.iter(f"{{{ENC}}}EncryptedData"):
        method = item.find(f"{{{ENC}}}EncryptionMethod")
        if method is not None and method.get("Algorithm") in OBFUSCATION:
            continue
        reference = item.find(f".//{{{ENC}}}CipherReference")
        encrypted.append(str(reference.get("URI")) if reference is not None else "a resource")
    if not encrypted:
        return []
    named = ", ".join(encrypted[:3]) + (f" and {len(encrypted) - 3} more" if len(encrypted) > 3 else "")
    verb = "is" if len(encrypted) == 1 else "are"
    return [rules.EPUB_REFUSED(f"{named} {verb} encrypted (not only obfuscated): the content cannot be checked", where)]


def _ill_formed(book: EpubFile) -> list[Diagnostic]:
    """A008 for each XHTML document that is not well-formed XML; it is left out of the book's entries and
    spine, so that the checks after this one read only what parses."""
    found = []
    for inner in book.documents():
        if inner not in book.entries:
            continue
        try:
            book.xml(inner)
        except etree.XMLSyntaxError as exc:
            found.append(rules.EPUB_BROKEN(f"{inner} is not well-formed XML: {exc.msg}", book.where(inner, exc.lineno)))
            del book.entries[inner]
    book.spine = [inner for inner in book.spine if inner in book.entries]
    return found


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
