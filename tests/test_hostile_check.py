"""Hostile files given to ``publish check``: each ends in seconds with its diagnostic, never a hang, a
traceback or "fit to ship".

The PDFs are the sample's own (``dist/``) changed with pikepdf: loops in the structure tree, the
outline, the page tree and the forms a page draws, objects of the wrong type, encryption, damage. The
EPUBs are the sample's entries written again by hand (``write_zip``), so that a header can say what no
ZIP library writes: an encrypted entry, a compression method EPUB does not allow, an entry that inflates
to gigabytes. Most files are checked alone, from a folder beside the project; the cases that need parity
(an EPUB and a PDF of the same book) change dist/ and check the project. See tests.hostile for what
every case must hold besides.
"""

from __future__ import annotations

import bz2
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from publish.check.epub import open_epub
from tests.hostile import OUTPUTS, Case, Place, attack

EPUB, PRINT, SCREEN = OUTPUTS
LIMIT = 60.0  # seconds; every case but the one that runs EPUBCheck ends in a few
NO_JAVA = {"PATH": ""}  # EPUBCheck cannot run (exit 5): the cases that check a whole book are about parity


@dataclass(frozen=True)
class Checked(Case):
    """A case of ``publish check``: ``where`` is the file's name and the code, ``says`` what the finding
    there says (part of its message)."""

    says: str = ""


# PDFs --------------------------------------------------------------------------------------------------

Change = Callable[[pikepdf.Pdf], None]


def unchanged(pdf: pikepdf.Pdf) -> None:
    pass


def hostile_pdf(role: str, change: Change = unchanged, into_dist: bool = False, **save: Any) -> Callable[[Place], None]:
    """An arrangement: the sample's PDF of ``role`` changed by ``change``, saved (with pikepdf's ``save``
    options: encryption, say) beside the project as ``hostile.<role>.pdf``, or in dist/ in its place."""
    def arrange(place: Place) -> None:
        source = place.root / "dist" / (SCREEN if role == "screen" else PRINT)
        target = source if into_dist else place.outside / f"hostile.{role}.pdf"
        with pikepdf.open(source, allow_overwriting_input=True) as pdf:
            change(pdf)
            pdf.save(target, **save)
    return arrange


def first_element(pdf: pikepdf.Pdf) -> pikepdf.Dictionary:
    kids = pdf.Root.StructTreeRoot.K
    return kids[0] if isinstance(kids, pikepdf.Array) else kids


def structure_loop(pdf: pikepdf.Pdf) -> None:
    """The deepest first element lists the tree's first element among its kids."""
    top = node = first_element(pdf)
    while isinstance(node.get("/K"), pikepdf.Array) and isinstance(node.K[0], pikepdf.Dictionary):
        node = node.K[0]
    node.K.append(top)


def form_drawing_itself(times: int) -> Change:
    """Page 1 draws a form that draws itself ``times`` times: 1 loops, 20 branches 20ⁿ ways."""
    def change(pdf: pikepdf.Pdf) -> None:
        form = pdf.make_stream(b"q /Me Do Q " * times, Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
                               BBox=[0, 0, 10, 10])
        form.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Me=form))
        page = pdf.pages[0]
        page.obj.Resources.XObject = page.obj.Resources.get("/XObject", pikepdf.Dictionary())
        page.obj.Resources.XObject.Me = form
        page.contents_add(pdf.make_stream(b"q /Me Do Q"))
    return change


def form_chain(depth: int, times: int) -> Change:
    """Page 1 draws a form that draws the next ``times`` times, ``depth`` forms deep: no loop, but
    ``times`` to the power ``depth`` drawings."""
    def change(pdf: pikepdf.Pdf) -> None:
        inner = pdf.make_stream(b"0 0 m 1 1 l S", Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
                                BBox=[0, 0, 10, 10])
        for _ in range(depth):
            inner = pdf.make_stream(b"q /In Do Q " * times, Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
                                    BBox=[0, 0, 10, 10], Resources=pikepdf.Dictionary(
                                        XObject=pikepdf.Dictionary(In=inner)))
        page = pdf.pages[0]
        page.obj.Resources.XObject = page.obj.Resources.get("/XObject", pikepdf.Dictionary())
        page.obj.Resources.XObject.In = inner
        page.contents_add(pdf.make_stream(b"q /In Do Q"))
    return change


def flate(data: bytes) -> Callable[[pikepdf.Pdf], pikepdf.Stream]:
    """A stream of ``data`` deflated (a thousand times smaller for repeated bytes)."""
    def make(pdf: pikepdf.Pdf) -> pikepdf.Stream:
        stream = pdf.make_stream(b"")
        stream.write(zlib.compress(data, 9), filter=pikepdf.Name.FlateDecode)
        return stream
    return make


def content_added(data: bytes) -> Change:
    """Page 1 draws ``data`` too, deflated."""
    return lambda pdf: pdf.pages[0].contents_add(flate(data)(pdf))


def font_program_replaced(data: bytes) -> Change:
    """The first embedded TrueType program of page 1 replaced by ``data``, deflated."""
    def change(pdf: pikepdf.Pdf) -> None:
        descriptor = first_type0_font(pdf).DescendantFonts[0].FontDescriptor
        descriptor.FontFile2 = flate(data)(pdf)
    return change


def outline_loop(link: str) -> Change:
    def change(pdf: pikepdf.Pdf) -> None:
        first = item = pdf.Root.Outlines.First
        if link == "/First":
            first.First = first
            return
        while "/Next" in item:
            item = item.Next
        item.Next = first
    return change


def page_tree_loop(pdf: pikepdf.Pdf) -> None:
    pdf.Root.Pages.Kids.append(pdf.Root.Pages)


def first_type0_font(pdf: pikepdf.Pdf) -> pikepdf.Dictionary:
    return next(font for page in pdf.pages for font in page.obj.Resources.Font.values()
                if font.get("/Subtype") == "/Type0")


def without_width(pdf: pikepdf.Pdf) -> None:
    for xobject in pdf.pages[0].obj.Resources.XObject.values():
        del xobject["/Width"]


def setter(path: str, value: object) -> Change:
    """Set ``/Key`` of the catalog (``Root/Key``) or of page 1 (``Page/Key``) to ``value``."""
    owner, key = path.split("/")
    def change(pdf: pikepdf.Pdf) -> None:
        (pdf.Root if owner == "Root" else pdf.pages[0].obj)[f"/{key}"] = value
    return change


def bytes_of_screen(cut: Callable[[bytes], bytes]) -> Callable[[Place], None]:
    def arrange(place: Place) -> None:
        (place.outside / "hostile.screen.pdf").write_bytes(cut((place.root / "dist" / SCREEN).read_bytes()))
    return arrange


def pdf_case(name: str, role: str, arrange: Callable[[Place], None], code: str, says: str) -> Case:
    """``publish check hostile.<role>.pdf``: exit 1 with ``code`` saying ``says`` at the file."""
    file = f"hostile.{role}.pdf"
    return Checked(name, arrange, 1, (code,), f"{file}: error[{code}]: ", args=("check", f"{{root}}/../outside/{file}"),
                   timeout=LIMIT, says=says)


def book_case(name: str, arrange: Callable[[Place], None], code: str, says: str) -> Case:
    """``publish check`` of the project whose screen PDF ``arrange`` changed: preflight and parity both
    read it (without Java, so exit 5: EPUBCheck is not what these cases are about)."""
    return Checked(name, arrange, 5, (code,), f"{SCREEN}: error[{code}]: ", args=("check", "--project", "{root}"),
                   timeout=LIMIT, environ=NO_JAVA, says=says)


PASSWORD = pikepdf.Encryption(user="secret", owner="secret")
PDF_CASES = [
    pdf_case("structure tree that loops", "screen", hostile_pdf("screen", structure_loop), "Q018",
             "the structure tree reaches element"),
    pdf_case("structure tree root whose /K is a number", "screen",
             hostile_pdf("screen", lambda pdf: setattr(pdf.Root.StructTreeRoot, "K", 5)), "Q018",
             "the structure tree's root has a /K that is a number (5)"),
    pdf_case("structure element whose /K is a string", "screen",
             hostile_pdf("screen", lambda pdf: setattr(first_element(pdf), "K", pikepdf.String("x"))), "Q018",
             "has a /K that is a string"),
    pdf_case("form that draws itself", "print", hostile_pdf("print", form_drawing_itself(1)), "Q018",
             "page 1: form"),
    pdf_case("form that draws itself 20 times", "print", hostile_pdf("print", form_drawing_itself(20)), "Q018",
             "draws itself"),
    pdf_case("forms drawing forms 10 times, 10 deep", "print", hostile_pdf("print", form_chain(10, 10)), "Q018",
             "page 1: it draws forms whose content adds up to more than 16 MiB"),
    pdf_case("forms drawn inside forms 40 deep", "screen", hostile_pdf("screen", form_chain(40, 1)), "Q018",
             "page 1: forms are drawn inside forms more than 32 deep"),
    pdf_case("outline whose /Next loops", "screen", hostile_pdf("screen", outline_loop("/Next")), "Q018",
             "the outline reaches item"),
    pdf_case("outline whose /First loops", "print", hostile_pdf("print", outline_loop("/First")), "Q018",
             "twice through /First: it loops"),
    pdf_case("page tree that loops", "print", hostile_pdf("print", page_tree_loop), "Q013",
             "not a readable PDF"),
    pdf_case("/Resources 5", "print", hostile_pdf("print", setter("Page/Resources", 5)), "Q018",
             "qpdf repaired the file while reading it"),
    pdf_case("/Annots 5", "print", hostile_pdf("print", setter("Page/Annots", 5)), "Q018",
             "qpdf repaired the file while reading it"),
    pdf_case("/OutputIntents 5", "print", hostile_pdf("print", setter("Root/OutputIntents", 5)), "Q018",
             "PDF/X: an object is not what the PDF specification says it is"),
    pdf_case("TrimBox of three numbers", "print", hostile_pdf("print", setter("Page/TrimBox", [0, 0, 10])), "Q018",
             "page boxes: an object is not"),
    pdf_case("Type0 font without /DescendantFonts", "print",
             hostile_pdf("print", lambda pdf: first_type0_font(pdf).__delitem__("/DescendantFonts")), "Q018",
             "glyphs: an object is not what the PDF specification says it is (a dictionary has no /DescendantFonts)"),
    pdf_case("Type0 font whose /DescendantFonts is 5", "screen",
             hostile_pdf("screen", lambda pdf: setattr(first_type0_font(pdf), "DescendantFonts", 5)), "Q018",
             "fonts: an object is not"),
    pdf_case("image without /Width", "print", hostile_pdf("print", without_width), "Q018",
             "images: an object is not what the PDF specification says it is (a dictionary has no /Width)"),
    pdf_case("cm with names for numbers", "screen",
             hostile_pdf("screen", lambda pdf: pdf.pages[0].contents_add(pdf.make_stream(b"q /x /y 1 2 3 4 cm Q"))),
             "Q018", "images: an object is not"),
    pdf_case("page content inflating to 20 MiB of q Q", "print",
             hostile_pdf("print", content_added(b"q Q\n" * 5 * 2**20)), "Q018",
             "page 1: the content of the page unpacks to more than 16 MiB"),
    pdf_case("page content of a million q Q (2 MiB)", "print",
             hostile_pdf("print", content_added(b"q Q\n" * 2**19)), "Q018",
             "images: the content of the page holds more than 200000 of the operators q Q cm Do"),
    pdf_case("page content 60 times the file's size", "screen",
             hostile_pdf("screen", content_added(b"0 0 m 1 1 l S\n" * 2**20)), "Q018",
             "page 1: the content of the pages and forms unpacks to more than"),
    pdf_case("font program inflating to 20 MiB", "print",
             hostile_pdf("print", font_program_replaced(bytes(20 * 2**20))), "Q018", "fonts: page 1: font"),
    pdf_case("XMP packet inflating to 20 MiB", "print",
             hostile_pdf("print", lambda pdf: setattr(pdf.Root, "Metadata", flate(b" " * 20 * 2**20)(pdf)),
                         fix_metadata_version=False), "Q018", "PDF/X: the XMP metadata unpacks to more than 16 MiB"),
    pdf_case("encrypted, with a password to open", "screen",
             hostile_pdf("screen", encryption=PASSWORD), "Q012",
             "the PDF needs a password to open"),
    pdf_case("encrypted, opens without a password", "screen",
             hostile_pdf("screen", encryption=pikepdf.Encryption(user="", owner="secret")), "Q012",
             "the PDF is encrypted"),
    pdf_case("cut in half", "screen", bytes_of_screen(lambda data: data[: len(data) // 2]), "Q013",
             "not a readable PDF"),
    pdf_case("not a PDF", "screen", bytes_of_screen(lambda data: b"<html>not a PDF</html>\n"), "Q013",
             "not a readable PDF"),
    pdf_case("empty file", "screen", bytes_of_screen(lambda data: b""), "Q013", "not a readable PDF"),
    book_case("book whose screen PDF has a form drawing itself 20 times",
              hostile_pdf("screen", form_drawing_itself(20), into_dist=True), "Q018", "not compared: page 1: form"),
    book_case("book whose screen PDF's structure tree loops", hostile_pdf("screen", structure_loop, into_dist=True),
              "Q018", "the structure tree reaches element"),
    book_case("book whose screen PDF needs a password", hostile_pdf("screen", into_dist=True, encryption=PASSWORD),
              "Q012", "the PDF needs a password to open"),
]


# EPUBs -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """A ZIP entry as its headers give it: any method, any flags, any size, whatever the data."""

    name: bytes
    packed: bytes
    size: int
    crc: int
    method: int = zipfile.ZIP_DEFLATED
    flags: int = 0


def deflated(name: str, data: bytes) -> Entry:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return Entry(name.encode(), packer.compress(data) + packer.flush(), len(data), zlib.crc32(data))


def stored(name: str, data: bytes) -> Entry:
    return Entry(name.encode(), data, len(data), zlib.crc32(data), zipfile.ZIP_STORED)


def bomb(name: str, mebibytes: int) -> Entry:
    """Zeros deflated: one MiB's deflate blocks, flushed so that they stand alone, repeated (a MiB packs
    to about a kilobyte); the CRC is the true one."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    mebibyte = bytes(2**20)
    block = packer.compress(mebibyte) + packer.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(mebibytes):
        crc = zlib.crc32(mebibyte, crc)
    return Entry(name.encode(), block * mebibytes + packer.flush(), mebibytes * 2**20, crc)


def write_zip(path: Path, entries: list[Entry]) -> None:
    """The entries as a ZIP archive, headers written field by field (no ZIP64: sizes under 4 GiB)."""
    body, directory = bytearray(), bytearray()
    for entry in entries:
        offset = len(body)
        fields = (entry.flags, entry.method, 0, 0x21, entry.crc, len(entry.packed), entry.size, len(entry.name))
        body += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, *fields, 0) + entry.name + entry.packed
        directory += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, *fields, 0, 0, 0, 0, 0, offset)
        directory += entry.name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(directory), len(body), 0)
    path.write_bytes(bytes(body + directory + end))


def rewritten(source: Path, target: Path, change: Callable[[list[Entry]], list[Entry]]) -> Path:
    """The EPUB ``source`` written again as ``target``, its entries changed by ``change``."""
    with zipfile.ZipFile(source) as archive:
        entries = [(stored if info.compress_type == zipfile.ZIP_STORED else deflated)(info.filename, archive.read(info))
                   for info in archive.infolist()]
    write_zip(target, change(entries))
    return target


CHAPTER = "EPUB/ch01.xhtml"
ENCRYPTION = "META-INF/encryption.xml"


def hostile_epub(change: Callable[[list[Entry]], list[Entry]]) -> Callable[[Place], None]:
    """An arrangement: the sample's EPUB with its entries changed, beside the project as ``hostile.epub``."""
    def arrange(place: Place) -> None:
        rewritten(place.root / "dist" / EPUB, place.outside / "hostile.epub", change)
    return arrange


def changed(name: str, make: Callable[[Entry], Entry]) -> Callable[[list[Entry]], list[Entry]]:
    return lambda entries: [make(entry) if entry.name == name.encode() else entry for entry in entries]


def added(*more: Entry) -> Callable[[list[Entry]], list[Entry]]:
    return lambda entries: [*entries, *more]


def encryption(algorithm: str, *uris: str) -> Entry:
    data = "".join(f'<enc:EncryptedData><enc:EncryptionMethod Algorithm="{algorithm}"/><enc:CipherData>'
                   f'<enc:CipherReference URI="{uri}"/></enc:CipherData></enc:EncryptedData>' for uri in uris)
    return deflated(ENCRYPTION, (
        '<?xml version="1.0"?><encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
        f'xmlns:enc="http://www.w3.org/2001/04/xmlenc#">{data}</encryption>').encode())


def epub_case(name: str, change: Callable[[list[Entry]], list[Entry]], code: str, where: str, says: str,
              timeout: float = LIMIT) -> Case:
    """``publish check hostile.epub``: exit 1 with ``code`` saying ``says`` at ``hostile.epub/<where>``."""
    at = f"hostile.epub/{where}" if where else "hostile.epub"
    return Checked(name, hostile_epub(change), 1, (code,), f"{at}: error[{code}]: ",
                   args=("check", "{root}/../outside/hostile.epub"), timeout=timeout, says=says)


AES = "http://www.w3.org/2001/04/xmlenc#aes128-cbc"
EPUB_CASES = [
    epub_case("entry that inflates to 2 GiB", added(bomb("EPUB/bomb.xhtml", 2048)), "A009", "EPUB/bomb.xhtml",
              "the archive entry EPUB/bomb.xhtml unpacks to 2048 MiB"),
    epub_case("entry that inflates 1000 times", added(bomb("EPUB/bomb.css", 200)), "A009", "EPUB/bomb.css",
              "the archive entry EPUB/bomb.css unpacks to"),
    epub_case("chapter encrypted in the ZIP", changed(CHAPTER, lambda entry: replace(entry, flags=1)), "A009",
              CHAPTER, f"the archive entry {CHAPTER} is encrypted"),
    epub_case("chapter compressed with PPMd (method 98)", changed(CHAPTER, lambda entry: replace(entry, method=98)),
              "A009", CHAPTER, f"the archive entry {CHAPTER} is compressed with method 98"),
    epub_case("chapter compressed with bzip2", changed(CHAPTER, lambda entry: replace(
        entry, method=zipfile.ZIP_BZIP2, packed=bz2.compress(zlib.decompress(entry.packed, -15)))),
        "A009", CHAPTER, f"the archive entry {CHAPTER} is compressed with method 12"),
    epub_case("20,000 entries", added(*(stored(f"EPUB/x{index}.txt", b"") for index in range(20_000))), "A009", "",
              "the archive has 20021 entries"),
    epub_case("chapters encrypted by encryption.xml", added(encryption(AES, CHAPTER, "EPUB/nav.xhtml")), "A009",
              ENCRYPTION, f"{CHAPTER}, EPUB/nav.xhtml are encrypted"),
    epub_case("chapter that is not well-formed XML", changed(CHAPTER, lambda entry: deflated(
        CHAPTER, zlib.decompress(entry.packed, -15).replace(b"</p>", b"</q>", 1))), "A008", f"{CHAPTER}:13",
        f"{CHAPTER} is not well-formed XML", timeout=300.0),
]


@pytest.mark.parametrize("case", PDF_CASES + EPUB_CASES, ids=str)
def test_hostile_check(case: Checked, tmp_path: Path, sample_dist: Path) -> None:
    outcome = attack(case, tmp_path, sample_dist)
    assert case.says in outcome.output, f"{case.name}: exit {outcome.exit}\n{outcome.output}"


# The same container check, called directly where EPUBCheck would otherwise run on the file -------------

def container(tmp_path: Path, sample_dist: Path, change: Callable[[list[Entry]], list[Entry]]) -> list[str]:
    """The findings of open_epub on the sample's EPUB with its entries changed, as text."""
    _, found = open_epub(rewritten(sample_dist / EPUB, tmp_path / "hostile.epub", change))
    return [f"{d.location}: {d.code} {d.message}" for d in found]


def test_fonts_obfuscated_are_not_encryption(tmp_path: Path, sample_dist: Path) -> None:
    fonts = [f"EPUB/fonts/NotoSerif-{face}.ttf" for face in ("Regular", "Bold")]
    assert container(tmp_path, sample_dist, added(encryption("http://www.idpf.org/2008/embedding", *fonts))) == []


def test_a_damaged_deflate_stream_is_a008(tmp_path: Path, sample_dist: Path) -> None:
    damaged = changed(CHAPTER, lambda entry: replace(entry, packed=b"\xff" * len(entry.packed)))
    [finding] = container(tmp_path, sample_dist, damaged)
    assert finding.startswith(f"hostile.epub/{CHAPTER}: A008 the archive entry {CHAPTER} is damaged")


def test_an_entry_name_that_is_not_utf8_is_a008(tmp_path: Path, sample_dist: Path) -> None:
    named = added(Entry(b"EPUB/\xff\xfe.xhtml", b"", 0, 0, zipfile.ZIP_STORED, flags=0x800))
    [finding] = container(tmp_path, sample_dist, named)
    assert finding.startswith("hostile.epub: A008 not a readable ZIP archive")


def test_a_size_header_smaller_than_the_data_is_read_no_further(tmp_path: Path, sample_dist: Path) -> None:
    lying = added(replace(bomb("EPUB/bomb.xhtml", 64), size=1000))
    [finding] = container(tmp_path, sample_dist, lying)
    assert "EPUB/bomb.xhtml is damaged (Bad CRC-32" in finding
