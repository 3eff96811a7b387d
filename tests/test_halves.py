"""The press PDF of a big collection laid out in two processes must be the book one layout makes.

A seven-article collection of 26 pages (the three-article test book and four copies of the sample) is built with
the split forced, then in one process, and the files are compared: the text of every page (folios,
running heads and the TOC's page numbers included), the links and their targets, the outline, the
page boxes, the photos, and the EPUB (whose print page markers come from the press layout).
"""

from __future__ import annotations

import gc
import io
import shutil
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pikepdf
import pytest

import publish
from publish import rules
from publish.diagnostics import Location
from publish.errors import RenderError
from publish.output import halves, parallel, pdf
from tests.conftest import BOOK, ENV, write_project
from tests.helpers import REPO, pdf_pages_text

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the split forks, which only Linux does safely")


@pytest.fixture(autouse=True)
def forking(monkeypatch: pytest.MonkeyPatch) -> None:
    """Split on a one-core machine too (slower there, but the same book)."""
    monkeypatch.setattr(parallel, "can_fork", lambda: True)

LAY_OUT = halves.lay_out
TEMPORARY = Path(tempfile.gettempdir())  # where WeasyPrint copies the @font-face files of each layout
ARTICLE = (REPO / "manuscript" / "01-chu-trong-xay-dung-doi-ngu-can-bo.md").read_text(encoding="utf-8")


def collection(root: Path) -> Path:
    files: dict[str, str | bytes] = dict(BOOK)
    for number in range(4, 8):
        files[f"manuscript/0{number}-mau.md"] = ARTICLE

    write_project(root, files)
    shutil.copytree(REPO / "manuscript" / "images", root / "manuscript" / "images", dirs_exist_ok=True)
    return root


def build(root: Path, monkeypatch: pytest.MonkeyPatch, split: bool) -> tuple[bytes, bytes, list[str]]:
    """(EPUB, press PDF, what the split did) of a forced build, split or in one process."""
    monkeypatch.setattr(halves, "SPLIT_FROM", 0 if split else 10**12)
    done: list[str] = []

    def spy(*args: Any, **kwargs: Any) -> list[halves.Part]:
        try:
            parts = LAY_OUT(*args, **kwargs)
        except pdf.Abandoned:
            done.append("abandoned")
            raise
        done.append("merged")
        return parts

    monkeypatch.setattr(halves, "lay_out", spy)
    result = publish.build(root, environ=ENV, outputs=("epub", "print"), force=True)
    epub, press = result.outputs
    return epub.read_bytes(), press.read_bytes(), done


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
        pages = []
        for page in book.pages:
            boxes = {key: [round(float(v), 2) for v in page.obj[key]] for key in ("/MediaBox", "/TrimBox", "/BleedBox")}
            links = [([round(float(v), 2) for v in annot.Rect], str(annot.get("/Dest", "")),
                      str(annot.get("/A", {}).get("/URI", ""))) for annot in page.obj.get("/Annots", [])]
            pages.append((boxes, links))
        photos = {obj.objgen for page in book.pages for obj in page.Resources.get("/XObject", {}).values()
                  if obj.get("/Subtype") == pikepdf.Name.Image}
        return {"outline": bookmarks, "destinations": names, "pages": pages, "photos": len(photos),
                "info": {str(key): str(value) for key, value in book.docinfo.items()},
                "catalog": sorted(book.Root.keys())}


def test_the_split_book_is_the_book_one_layout_makes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = collection(tmp_path / "book")
    split_epub, split_pdf, done = build(root, monkeypatch, split=True)
    assert done == ["merged"]
    epub, whole, done = build(root, monkeypatch, split=False)
    assert done == []

    (root / "split.pdf").write_bytes(split_pdf)
    (root / "whole.pdf").write_bytes(whole)
    split_pages, pages = pdf_pages_text(root / "split.pdf"), pdf_pages_text(root / "whole.pdf")
    assert len(pages) > 20
    assert split_pages == pages  # every page, its folio and running head, and the TOC's numbers
    split_structure, whole_structure = structure(split_pdf), structure(whole)
    # The TOC's links (the only ones between parts: a manuscript cannot link to another article) lead
    # from the front matter to both halves.
    links = {link[1] for _, page_links in split_structure["pages"] for link in page_links}
    assert {f"ch0{number}" for number in range(1, 8)} <= links
    for key, value in whole_structure.items():
        if key == "pages":
            for number, (split_page, page) in enumerate(zip(split_structure[key], value, strict=True), start=1):
                assert split_page == page, f"page {number}"
        assert split_structure[key] == value, key
    assert split_epub == epub  # the same print page markers


def test_the_split_book_is_reproducible(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = build(collection(tmp_path / "one"), monkeypatch, split=True)
    second = build(collection(tmp_path / "two"), monkeypatch, split=True)
    assert first[2] == second[2] == ["merged"]
    assert first[:2] == second[:2]


@pytest.mark.parametrize("fork", [True, False])
def test_a_front_matter_that_comes_out_differently_lays_the_book_out_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fork: bool,
) -> None:
    """When the front matter laid out with its real page numbers does not break into pages as the
    first half's did (a TOC line that wraps with "000" but not with "7"), the first half's page
    numbers and the EPUB's page markers may be wrong: the book is laid out again in one process.
    The difference is simulated: the front matter's last page seems to start elsewhere."""
    root = collection(tmp_path / "book")
    epub, whole, _ = build(root, monkeypatch, split=False)
    page_starts = halves.page_starts

    def moved(document: Any) -> list[Any]:
        starts = page_starts(document)
        if len(document.pages) < 5:  # the front matter alone
            starts[-1] = replace(starts[-1], offset=starts[-1].offset + 1)
        return starts

    monkeypatch.setattr(halves, "page_starts", moved)
    monkeypatch.setattr(parallel, "can_fork", lambda: fork)
    before = set(TEMPORARY.glob("weasyprint-*"))
    split_epub, split_pdf, done = build(root, monkeypatch, split=True)
    assert done == ["abandoned"]
    gc.collect()  # (this process's layouts, in reference cycles)
    assert set(TEMPORARY.glob("weasyprint-*")) - before == set()  # the second half, stopped, cleaned up
    assert split_pdf == whole
    assert split_epub == epub  # the EPUB begun with the halves' page markers was made again


@pytest.mark.parametrize("fork", [True, False])
def test_an_error_in_the_second_half_stops_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fork: bool,
) -> None:
    root = collection(tmp_path / "book")
    monkeypatch.setattr(parallel, "can_fork", lambda: fork)

    def failing(*args: Any, **kwargs: Any) -> Any:
        raise RenderError([rules.PDF_RENDER_FAILED("WeasyPrint failed: in the second half", Location("dist/x.pdf"))])

    monkeypatch.setattr(halves, "_second_half", failing)
    monkeypatch.setattr(halves, "SPLIT_FROM", 0)
    (root / "dist").mkdir()
    (root / "dist" / "tuyen-tap-lang-son.print.pdf").write_bytes(b"previous")
    with pytest.raises(RenderError) as raised:
        publish.build(root, environ=ENV, outputs=("epub", "print"), force=True)
    assert "in the second half" in raised.value.diagnostics[0].message
    assert (root / "dist" / "tuyen-tap-lang-son.print.pdf").read_bytes() == b"previous"


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
def test_only_stylesheets_that_lay_out_the_same_in_halves_are_split(css: str, split: bool) -> None:
    assert (halves.splittable(css) is not None) is split


def test_the_toc_reads_its_numbers_from_the_page_laid_out_elsewhere() -> None:
    assert halves.splittable(TOC) == '.toc a::after { content: leader(".") attr(data-folio); }'


def test_the_split_book_does_not_depend_on_the_machine_or_the_other_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two cores or one, fork or not, with the screen PDF or without: the same press PDF and EPUB."""
    root = collection(tmp_path / "book")
    epub, press, done = build(root, monkeypatch, split=True)
    monkeypatch.setattr(parallel, "can_fork", lambda: False)  # one core, or macOS and Windows
    alone_epub, alone_press, alone_done = build(root, monkeypatch, split=True)
    assert done == alone_done == ["merged"]
    assert (alone_epub, alone_press) == (epub, press)

    monkeypatch.setattr(parallel, "can_fork", lambda: True)
    result = publish.build(root, environ=ENV, outputs=("epub", "print", "screen"), force=True)
    assert [path.read_bytes() for path in result.outputs[:2]] == [epub, press]


@pytest.mark.parametrize("extra", [
    ".article { break-before: page; }",  # articles that open on either side
    ".article-title { string-set: article-title content(text); font-size: 1.4em; }",
])
def test_a_restyled_collection_split_or_not_is_the_book_one_layout_makes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: str,
) -> None:
    """Where the articles do not open on right-hand pages, the halves are kept only if the first half
    ends on a left-hand page (and otherwise the book is laid out again): the book is the same."""
    root = collection(tmp_path / "book")
    (root / "styles").mkdir()
    (root / "styles" / "extra.css").write_text(extra, encoding="utf-8")
    split_epub, split_pdf, done = build(root, monkeypatch, split=True)
    assert done in (["merged"], ["abandoned"])
    epub, whole, _ = build(root, monkeypatch, split=False)
    (root / "split.pdf").write_bytes(split_pdf)
    (root / "whole.pdf").write_bytes(whole)
    assert pdf_pages_text(root / "split.pdf") == pdf_pages_text(root / "whole.pdf")
    assert split_epub == epub
