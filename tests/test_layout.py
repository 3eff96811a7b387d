"""The book laid out article by article (publish.output.layout) must be the book one layout makes.

A seven-article collection (the three-article test book and four copies of the sample) is built in
every way the layout can go: split over two processes or not, forked or not, with the screen PDF or
without, article by article or as one document; the files are compared page by page (folios, running
heads and the TOC's numbers included), with their outline, destinations and boxes, and the EPUB (whose
print page markers come from the press layout).
"""

from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path
from typing import Any

import pikepdf
import pytest

import publish
from publish import rules
from publish.diagnostics import Location
from publish.errors import RenderError
from publish.makeup import mending
from publish.output import layout, parallel
from tests.conftest import BOOK, ENV, write_project
from tests.helpers import REPO, pdf_pages_text

ARTICLE = (REPO / "manuscript" / "01-chu-trong-xay-dung-doi-ngu-can-bo.md").read_text(encoding="utf-8")


def collection(root: Path, start: str = "") -> Path:
    files: dict[str, str | bytes] = dict(BOOK)
    for number in range(4, 8):
        files[f"manuscript/0{number}-mau.md"] = ARTICLE
    if start:
        files["publish.yaml"] = str(files["publish.yaml"]) + f"  article_start: {start}\n"
    write_project(root, files)
    shutil.copytree(REPO / "manuscript" / "images", root / "manuscript" / "images", dirs_exist_ok=True)
    return root


def build(root: Path, monkeypatch: pytest.MonkeyPatch, split: bool,
          outputs: tuple[str, ...] = ("epub", "print")) -> tuple[bytes, ...]:
    """The outputs of a forced build, the press PDF split in two parts or not."""
    monkeypatch.setattr(layout, "SPLIT_FROM", 0 if split else 10**12)
    result = publish.build(root, environ=ENV, outputs=outputs, force=True)
    return tuple(path.read_bytes() for path in result.outputs)


def structure(data: bytes) -> dict[str, Any]:
    """Everything of a press PDF but its content streams and fonts, with pages as indexes."""
    with pikepdf.open(io.BytesIO(data)) as book:
        index = {page.obj.objgen: number for number, page in enumerate(book.pages)}

        def place(destination: Any) -> tuple[Any, ...]:
            return (index[destination[0].objgen], *(round(float(value), 2) for value in destination[2:]))

        def outline(items: Any) -> list[Any]:
            return [(item.title, place(item.destination), item.is_closed, outline(item.children)) for item in items]

        with book.open_outline() as tree:
            bookmarks = outline(tree.root)
        names = {name: place(value) for name, value in pikepdf.NameTree(book.Root.Names.Dests).items()}
        boxes = [{key: [round(float(v), 2) for v in page.obj[key]] for key in ("/MediaBox", "/TrimBox", "/BleedBox")}
                 for page in book.pages]
        annotations = sum(len(page.obj.get("/Annots", [])) for page in book.pages)
        photos = {obj.objgen for page in book.pages for obj in page.Resources.get("/XObject", {}).values()
                  if obj.get("/Subtype") == pikepdf.Name.Image}
        return {"outline": bookmarks, "destinations": names, "boxes": boxes, "photos": len(photos),
                "annotations": annotations, "info": {str(key): str(value) for key, value in book.docinfo.items()},
                "catalog": sorted(book.Root.keys())}


def pages_of(data: bytes, folder: Path, name: str) -> list[str]:
    (folder / name).write_bytes(data)
    return pdf_pages_text(folder / name)


@pytest.mark.skipif(sys.platform != "linux", reason="the split forks, which only Linux does safely")
def test_the_split_book_is_the_book_one_process_makes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "can_fork", lambda: True)
    root = collection(tmp_path / "book")
    split_epub, split_pdf = build(root, monkeypatch, split=True)
    epub, whole = build(root, monkeypatch, split=False)
    assert len(pdf_pages_text(root / "dist" / "tuyen-tap-lang-son.print.pdf")) > 20
    assert pages_of(split_pdf, tmp_path, "split.pdf") == pages_of(whole, tmp_path, "whole.pdf")
    split_structure, whole_structure = structure(split_pdf), structure(whole)
    assert split_structure == whole_structure
    assert whole_structure["annotations"] == 0  # PDF/X: no link on the printed area
    assert {f"ch0{number}-title" for number in range(1, 8)} <= set(whole_structure["destinations"])
    assert split_epub == epub  # the same print page markers


def test_the_split_book_does_not_depend_on_the_machine_or_the_other_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two cores or one, fork or not, with the screen PDF or without: the same press PDF and EPUB, and the
    same again in another folder."""
    root = collection(tmp_path / "book")
    monkeypatch.setattr(parallel, "can_fork", lambda: sys.platform == "linux")
    forked = build(root, monkeypatch, split=True)
    monkeypatch.setattr(parallel, "can_fork", lambda: False)  # one core, or macOS and Windows
    assert build(root, monkeypatch, split=True) == forked
    monkeypatch.setattr(parallel, "can_fork", lambda: sys.platform == "linux")
    assert build(root, monkeypatch, split=True, outputs=("epub", "print", "screen"))[:2] == forked
    assert build(collection(tmp_path / "elsewhere"), monkeypatch, split=True) == forked


@pytest.mark.parametrize("fork", [True, False])
def test_an_error_in_the_second_part_stops_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fork: bool,
) -> None:
    root = collection(tmp_path / "book")
    monkeypatch.setattr(parallel, "can_fork", lambda: fork and sys.platform == "linux")

    def failing(*args: Any, **kwargs: Any) -> Any:
        raise RenderError([rules.PDF_RENDER_FAILED("WeasyPrint failed: in the second part", Location("dist/x.pdf"))])
        yield  # (a generator, as the second part is)

    monkeypatch.setattr(layout, "_second_part", failing)
    monkeypatch.setattr(layout, "SPLIT_FROM", 0)
    (root / "dist").mkdir()
    (root / "dist" / "tuyen-tap-lang-son.print.pdf").write_bytes(b"previous")
    with pytest.raises(RenderError) as raised:
        publish.build(root, environ=ENV, outputs=("epub", "print"), force=True)
    assert "in the second part" in raised.value.diagnostics[0].message
    assert (root / "dist" / "tuyen-tap-lang-son.print.pdf").read_bytes() == b"previous"


def test_article_by_article_is_the_book_one_document_makes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without mending (which only the article-by-article layout does), laying the articles out one by one
    gives the pages one document gives: blank pages, folios, running heads, the TOC's numbers."""
    monkeypatch.setattr(mending, "ATTEMPTS", 0)
    monkeypatch.setattr(mending, "mends_for", lambda views, mends: ([], []))
    root = collection(tmp_path / "book")
    _, by_article = build(root, monkeypatch, split=False)
    (root / "styles").mkdir()  # a counter across the book: laid out as one document
    (root / "styles" / "extra.css").write_text("figure { counter-increment: figure; }", encoding="utf-8")
    _, whole = build(root, monkeypatch, split=False)
    assert pages_of(by_article, tmp_path, "articles.pdf") == pages_of(whole, tmp_path, "whole.pdf")
    assert structure(by_article)["destinations"] == structure(whole)["destinations"]


@pytest.mark.parametrize("split", [False, True])
def test_a_table_of_contents_that_changes_length_settles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         split: bool) -> None:
    """The front matter is first laid out with stand-ins for its page numbers; when the real numbers
    make it longer or shorter, the book's page numbers move and it is laid out again until it stays (a
    split book, whose second part was placed after the stand-in, is laid out again in one process)."""
    root = collection(tmp_path / "book")
    _, expected = build(root, monkeypatch, split=False)
    monkeypatch.setattr(layout, "PLACEHOLDER", "0" * 40)  # every TOC line wraps: a longer stand-in
    _, settled = build(root, monkeypatch, split=split)
    assert pages_of(settled, tmp_path, "settled.pdf") == pages_of(expected, tmp_path, "expected.pdf")


TOC = '.toc a::after { content: leader(".") target-counter(attr(href), page); }'


@pytest.mark.parametrize(("css", "split"), [
    (TOC, True),
    ("@page :right { @bottom-right { content: counter(page); } }", True),
    ("@page :nth(1 of article) { @top-right { content: none; } }", True),
    (".note::after { content: target-counter(attr(href), page); }", False),
    (".ref::after { content: target-text(attr(href)); }", False),
    ("@page { @bottom-center { content: counter(page) ' / ' counter(pages); } }", False),
    ("figure { counter-increment: figure; }", False),
    (".article-title::before { content: counter(page); }", False),
    ("@page :nth(3) { margin-top: 30mm; }", False),
])
def test_only_stylesheets_that_lay_out_the_same_article_by_article_are_split(css: str, split: bool) -> None:
    assert (layout.splittable(css) is not None) is split


def test_the_toc_reads_its_numbers_from_the_page_laid_out_elsewhere() -> None:
    assert layout.splittable(TOC) == '.toc a::after { content: leader(".") attr(data-folio); }'
