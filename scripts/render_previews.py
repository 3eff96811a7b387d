"""Render the sample's PDF pages and EPUB cover to PNG for the README (docs/images/).

Run after a build: make renders
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "images"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    pdf_path = next((ROOT / "dist").glob("*.print.pdf"))
    document = pdfium.PdfDocument(str(pdf_path))
    pages = [document[i].render(scale=150 / 72).to_pil() for i in range(min(4, len(document)))]
    gap = 24
    width = sum(p.width for p in pages) + gap * (len(pages) + 1)
    height = max(p.height for p in pages) + 2 * gap
    sheet = Image.new("RGB", (width, height), (200, 200, 196))
    x = gap
    for page in pages:
        sheet.paste(page, (x, gap))
        x += page.width + gap
    sheet.thumbnail((1800, 1800))
    sheet.save(OUT / "pdf-pages.png", optimize=True)
    with zipfile.ZipFile(next((ROOT / "dist").glob("*.epub"))) as book:
        cover_name = next(n for n in book.namelist() if n.startswith("EPUB/images/cover"))
        cover = Image.open(io.BytesIO(book.read(cover_name)))
        cover.thumbnail((600, 900))
        cover.save(OUT / "epub-cover.png", optimize=True)
    print(f"wrote {OUT / 'pdf-pages.png'} and {OUT / 'epub-cover.png'}")


if __name__ == "__main__":
    main()
