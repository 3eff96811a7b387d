"""Render the sample's PDF pages, pages of the make-up test book and the EPUB cover to PNG for the README
(docs/images/).

Run after a build: make renders
"""

from __future__ import annotations

import io
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "images"


def sheet(pdf_path: Path, indexes: list[int], columns: int, name: str) -> None:
    """Pages of a PDF side by side (``columns`` to a row) on a grey sheet, saved as ``name``."""
    document = pdfium.PdfDocument(str(pdf_path))
    pages = [document[i].render(scale=150 / 72).to_pil() for i in indexes if i < len(document)]
    gap = 24
    rows = [pages[i:i + columns] for i in range(0, len(pages), columns)]
    width = max(sum(p.width for p in row) for row in rows) + gap * (columns + 1)
    height = sum(max(p.height for p in row) for row in rows) + gap * (len(rows) + 1)
    canvas = Image.new("RGB", (width, height), (200, 200, 196))
    y = gap
    for row in rows:
        x = gap
        for page in row:
            canvas.paste(page, (x, y))
            x += page.width + gap
        y += max(p.height for p in row) + gap
    canvas.thumbnail((1800, 1800))
    canvas.save(OUT / name, optimize=True)


def makeup_book() -> Path:
    """The make-up test book (tests/makeup_books.py), built into a temporary folder."""
    sys.path.insert(0, str(ROOT))
    import publish
    from tests import makeup_books

    folder = Path(tempfile.mkdtemp(prefix="publish-renders-"))
    root = makeup_books.write(folder / "book", figures=range(4, 8, 2), endings=range(0))
    return publish.build(root, environ={"PATH": "/usr/bin:/bin"}, outputs=("print",)).outputs[0]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    pdf_path = next((ROOT / "dist").glob("*.print.pdf"))
    sheet(pdf_path, list(range(8)), 4, "pdf-pages.png")
    book = makeup_book()
    sheet(book, [4, 5, 10, 11], 4, "makeup-pages.png")
    shutil.rmtree(book.parent.parent.parent, ignore_errors=True)
    with zipfile.ZipFile(next((ROOT / "dist").glob("*.epub"))) as book:
        cover_name = next(n for n in book.namelist() if n.startswith("EPUB/images/cover"))
        cover = Image.open(io.BytesIO(book.read(cover_name)))
        cover.thumbnail((600, 900))
        cover.save(OUT / "epub-cover.png", optimize=True)
    print(f"wrote {OUT / 'pdf-pages.png'} and {OUT / 'epub-cover.png'}")


if __name__ == "__main__":
    main()
