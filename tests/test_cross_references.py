"""Links inside the book: to an article, to a heading in another article, to a heading of the same article.

The EPUB links them to the right document and id (EPUBCheck clean); the screen PDF has link annotations whose
destinations are the pages the headings are on; the press PDF has no annotation at all and prints the page
each link leads to, "(trang 12)", whether the book is laid out article by article or as one document.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pikepdf
import pytest

import publish
from publish import model
from publish.check import check
from publish.check.report import Report
from publish.makeup.setting import Setting
from publish.output import layout
from tests.conftest import ENV, write_project
from tests.helpers import XHTML_NS, epub_documents, pdf_pages_text

SENTENCE = ("Phiên chợ họp từ sáng sớm, người dân các xã vùng cao mang nông sản xuống bán và mua về những thứ "
            "cần cho cả tháng; cán bộ phường ghi chép giá cả từng mặt hàng để báo cáo. ")


def filler(paragraphs: int) -> str:
    return "\n\n".join(SENTENCE * 4 for _ in range(paragraphs))


BOOK: dict[str, str | bytes] = {
    "publish.yaml": """
        title: Sách có liên kết
        authors: [Nhóm biên tập]
        date: 2024-03-15
        language: vi
        print:
          trim: A5
          bleed: 3mm
          marks: true
        """,
    "manuscript/01-mo-dau.md": f"""---
title: Mở đầu
---

Đọc [phần giá cả](02-cho-phien.md#gia-ca) trước, rồi [bài chợ phiên](02-cho-phien.md) và [phần kết](#ket-luan).

{filler(6)}

## Kết luận

Hết phần mở đầu.
""",
    "manuscript/02-cho-phien.md": f"""---
title: Chợ phiên Kỳ Lừa
---

## Người bán

{filler(7)}

## Giá cả thị trường {{#gia-ca}}

Quay về [bài mở đầu](01-mo-dau.md). Xem thêm [nhắc lại giá](#giá-cả).[^1]

[^1]: Bảng giá ở [phần cuối sách](03-cuoi.md#ket-luan).
""",
    "manuscript/03-cuoi.md": f"""---
title: Lời cuối
---

{filler(3)}

Đọc lại [người bán](02-cho-phien.md#nguoi-ban) và [kết luận ở đây](#ket-luan).

{filler(4)}

## Kết luận

Hết sách.
""",
}

# Link text -> (the EPUB href, the id it leads to, the text of the heading or title it leads to, the article)
LINKS = {
    "phần giá cả": ("ch02.xhtml#gia-ca", "gia-ca", "Giá cả thị trường", 2),
    "bài chợ phiên": ("ch02.xhtml", "ch02", "Chợ phiên Kỳ Lừa", 2),
    "phần kết": ("ch01.xhtml#ket-luan", "ket-luan", "Kết luận", 1),
    "bài mở đầu": ("ch01.xhtml", "ch01", "Mở đầu", 1),
    "nhắc lại giá": ("ch02.xhtml#gia-ca", "gia-ca", "Giá cả thị trường", 2),
    "phần cuối sách": ("ch03.xhtml#ket-luan-2", "ket-luan-2", "Kết luận", 3),
    "người bán": ("ch02.xhtml#nguoi-ban", "nguoi-ban", "Người bán", 2),
    "kết luận ở đây": ("ch03.xhtml#ket-luan-2", "ket-luan-2", "Kết luận", 3),
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[publish.BuildResult, Report]:
    root = write_project(tmp_path_factory.mktemp("xref"), BOOK)
    result = publish.build(root, environ=ENV)
    return result, check(list(result.outputs), environ=ENV)


TITLES = ["Mở đầu", "Chợ phiên Kỳ Lừa", "Lời cuối"]


def heading_pages(pages: list[str]) -> dict[tuple[str, int], int]:
    """(heading or title text, article number) -> the page (from 1) it is on, read from the pages' text in
    order (the table of contents left out)."""
    found: dict[tuple[str, int], int] = {}
    article = 0
    headings = {heading for _, _, heading, _ in LINKS.values()} - set(TITLES)
    for number, text in enumerate(pages, start=1):
        if "Mục lục" in text:
            continue
        marks = [(m.start(), index, title) for index, title in enumerate(TITLES, start=1)
                 for m in re.finditer(re.escape(title), text)]
        marks += [(m.start(), 0, heading) for heading in headings for m in re.finditer(re.escape(heading), text)]
        for _, index, name in sorted(marks):
            if index == article + 1:  # the next article's title (not a running head)
                article = index
                found[(name, index)] = number
            elif not index:
                found.setdefault((name, article), number)
    return found


def test_epub_links_lead_to_their_documents_and_ids(built: tuple[publish.BuildResult, Report]) -> None:
    result, _ = built
    docs = epub_documents(result.outputs[0])
    ids = {name.removeprefix("EPUB/"): {e.get("id") for e in root.iter() if e.get("id")} for name, root in docs.items()}
    links: dict[str, str] = {}
    for root in docs.values():
        for a in root.iterfind(".//x:a[@class='xref']", XHTML_NS):
            links["".join(str(text) for text in a.itertext())] = str(a.get("href"))
            assert not a.get("data-folio") and not a.get("data-page-label")  # the reader follows the link
    assert links == {text: href for text, (href, *_) in LINKS.items()}
    for href in links.values():
        document, _, fragment = href.partition("#")
        assert document in ids and (not fragment or fragment in ids[document]), href


def test_the_book_is_fit_to_ship(built: tuple[publish.BuildResult, Report]) -> None:
    """EPUBCheck: no error, no warning; parity of the EPUB with both PDFs; the press PDF's preflight (Q017)."""
    _, report = built
    assert [str(d) for d in report.diagnostics if d.severity.value in ("error", "warning")] == []
    by_name = {(r.name, r.target): r.status.value for r in report.results}
    assert by_name[("epubcheck", "sach-co-lien-ket.epub")] == "passed"
    assert [status for (name, _), status in by_name.items() if name == "parity"] == ["passed", "passed"]


def destinations(pdf: Any) -> dict[str, int]:
    """The named destinations of a PDF: name -> page (from 1)."""
    pages = {page.objgen: number for number, page in enumerate(pdf.pages, start=1)}
    found: dict[str, int] = {}

    def walk(node: Any) -> None:
        names = node.get("/Names", [])
        for index in range(0, len(names), 2):
            found[str(names[index])] = pages[names[index + 1][0].objgen]
        for kid in node.get("/Kids", []):
            walk(kid)

    walk(pdf.Root.Names.Dests)
    return found


def test_screen_pdf_links_go_to_the_pages_of_their_headings(built: tuple[publish.BuildResult, Report]) -> None:
    result, _ = built
    screen = result.outputs[2]
    where = heading_pages(pdf_pages_text(screen))
    with pikepdf.open(screen) as pdf:
        named = destinations(pdf)
        followed = [str(annotation.Dest) for page in pdf.pages for annotation in page.obj.get("/Annots", [])
                    if annotation.get("/Subtype") == "/Link" and "/Dest" in annotation]
    for _, target, heading, article in LINKS.values():
        assert target in followed, target
        assert named[target] == where[(heading, article)], (target, heading)
    assert "(trang" not in " ".join(pdf_pages_text(screen))


def test_press_pdf_prints_the_pages_and_has_no_annotation(built: tuple[publish.BuildResult, Report]) -> None:
    result, _ = built
    press = result.outputs[1]
    pages = pdf_pages_text(press)
    where = heading_pages(pages)
    text = " ".join(pages)
    for link, (_, _, heading, article) in LINKS.items():
        printed = re.search(rf"{re.escape(link)} \(trang (\d+)\)", text)
        assert printed is not None, link
        assert int(printed.group(1)) == where[(heading, article)], link
    with pikepdf.open(press) as pdf:
        assert all("/Annots" not in page.obj for page in pdf.pages)
    assert len({where[(heading, article)] for _, _, heading, article in LINKS.values()}) >= 4  # not one page for all


def test_a_book_laid_out_as_one_document_prints_the_pages_too(tmp_path: Path) -> None:
    """``article_start: continuous`` lays the book out as one document: WeasyPrint's target-counter() sets them."""
    files = dict(BOOK)
    continuous = "marks: true\n          article_start: continuous"
    files["publish.yaml"] = str(BOOK["publish.yaml"]).replace("marks: true", continuous)
    result = publish.build(write_project(tmp_path, files), environ=ENV, outputs=("print",))
    pages = pdf_pages_text(result.outputs[0])
    where, text = heading_pages(pages), " ".join(pages)
    for link, (_, _, heading, article) in LINKS.items():
        printed = re.search(rf"{re.escape(link)} \(trang (\d+)\)", text)
        assert printed is not None and int(printed.group(1)) == where[(heading, article)], link


def test_the_page_a_link_prints_is_read_from_data_folio_when_articles_are_laid_out_alone() -> None:
    css = ('a.xref[data-page-label]::after { content: " (" attr(data-page-label) "\\a0" '
           'target-counter(attr(href), page) ")"; }')
    split = layout.splittable(css)
    assert split is not None and "attr(data-folio)" in split and "target-counter" not in split


def test_line_prediction_counts_the_printed_page() -> None:
    """Page make-up predicts a paragraph's lines with the ' (trang 12)' the press PDF sets after a link."""
    where = publish.Location("manuscript/01.md", 5)
    reference = model.Reference("manuscript/02.md", "gia-ca", "", (model.Text("giá cả"),), where, "ch02", "gia-ca")
    paragraph = model.Paragraph((model.Text("Xem "), reference, model.Text(" nhé.")), where)
    press = Setting(None, (), pdf=True, page_label="trang")
    pieces = [piece.text for piece in press._pieces(paragraph, None, 10.0) if piece is not None]  # type: ignore[arg-type]
    assert pieces == ["Xem ", "giá cả", " (trang\u00a0000)", " nhé."]
    known = press.with_folios({"#gia-ca": "12"})
    assert known.page_reference(reference) == " (trang\u00a012)"
    screen = Setting(None, (), pdf=True)
    assert [p.text for p in screen._pieces(paragraph, None, 10.0) if p is not None] == [  # type: ignore[arg-type]
        "Xem ", "giá cả", " nhé."]


def test_page_numbers_that_never_settle_fail_with_p010(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should printing the pages move the headings each time, the build stops with an error, not a crash."""
    moves = iter(range(1000))
    monkeypatch.setattr(layout, "target_pages",
                        lambda book, targets: {href: str(next(moves)) for hrefs in targets for href in hrefs})
    with pytest.raises(publish.RenderError) as failure:
        publish.build(write_project(tmp_path, dict(BOOK)), environ=ENV, outputs=("print",))
    assert [d.code for d in failure.value.diagnostics] == ["P010"]
