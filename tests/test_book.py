"""A three-article book with figures, a table, lists, a block quote and a footnote."""

from __future__ import annotations

import re

import pikepdf
import pytest

import publish
from tests.helpers import MM, XHTML_NS, epub_body_text, epub_documents, epubcheck_findings, pdf_pages_text, pdf_text


def test_epubcheck_reports_nothing(epubcheck_reports: dict[str, dict]) -> None:
    assert epubcheck_findings(epubcheck_reports["book"]) == []


def test_every_construct_reaches_the_epub(book: publish.BuildResult) -> None:
    docs = epub_documents(book.outputs[0])
    one = docs["EPUB/ch01.xhtml"]
    assert one.find(".//x:blockquote", XHTML_NS) is not None
    assert len(one.findall(".//x:ul/x:li", XHTML_NS)) == 2
    assert len(one.xpath(".//x:ol[not(@class)]/x:li", namespaces=XHTML_NS)) == 2
    assert one.find(".//x:em", XHTML_NS).text == "nhấn mạnh"
    assert one.find(".//x:a[@href='https://baolangson.vn']", XHTML_NS) is not None
    noteref = one.find(".//x:a[@epub:type='noteref']", XHTML_NS)
    note = one.find(f".//x:li[@id='{noteref.get('href')[1:]}']", XHTML_NS)
    assert "Ghi chú cuối bài" in "".join(note.itertext())
    two = docs["EPUB/ch02.xhtml"]
    cells = [["".join(c.itertext()) for c in row] for row in two.findall(".//x:table//x:tr", XHTML_NS)]
    assert cells == [["Năm", "Số lớp", "Học viên"], ["2019", "2", "120"], ["2020", "3", "185"]]
    assert two.find(".//x:td[@class='align-right']", XHTML_NS) is not None
    three = docs["EPUB/ch03.xhtml"]
    alts = [img.get("alt") for img in three.findall(".//x:img", XHTML_NS)]
    assert alts == ["Ảnh thứ hai, mô tả khác", "Ảnh thứ ba"]


def test_same_image_is_packaged_once(book: publish.BuildResult) -> None:
    import zipfile

    with zipfile.ZipFile(book.outputs[0]) as epub:
        images = [n for n in epub.namelist() if n.startswith("EPUB/images/") and "cover" not in n]
    assert len(images) == 1


def test_collection_has_a_toc_page_with_page_numbers(book: publish.BuildResult) -> None:
    pages = pdf_pages_text(book.outputs[1])
    toc_page = next(page for page in pages if page.startswith("Mục lục"))
    for title in ["Bài thứ nhất về đô thị", "Bài thứ hai có bảng số liệu", "Bài thứ ba với hai ảnh"]:
        match = re.search(re.escape(title) + r" ?\.+ ?(\d+)", toc_page)
        assert match, (title, toc_page)
        printed = next(i for i, page in enumerate(pages, 1) if title in page and not page.startswith("Mục lục"))
        assert int(match.group(1)) == printed


def test_articles_start_on_right_hand_pages(book: publish.BuildResult) -> None:
    pages = pdf_pages_text(book.outputs[1])
    for title in ["Bài thứ nhất về đô thị", "Bài thứ hai có bảng số liệu", "Bài thứ ba với hai ảnh"]:
        first = next(i for i, page in enumerate(pages, 1) if title in page and not page.startswith("Mục lục"))
        assert first % 2 == 1, (title, first)


def test_pdf_text_matches_epub_text(book: publish.BuildResult) -> None:
    text = pdf_text(book.outputs[1])
    for name in ("EPUB/ch02.xhtml", "EPUB/ch03.xhtml"):
        for sentence in ("Bảng trên cho thấy số học viên tăng đều.", "Đoạn giữa hai ảnh.", "Đoạn kết."):
            if sentence in epub_body_text(book.outputs[0], name):
                assert sentence in text


def test_a5_with_crop_marks(book: publish.BuildResult) -> None:
    with pikepdf.open(book.outputs[1]) as pdf:
        page = pdf.pages[0]
        trim = [float(v) for v in page.TrimBox]
        assert trim[2] - trim[0] == pytest.approx(148 * MM, abs=0.1)
        assert trim[3] - trim[1] == pytest.approx(210 * MM, abs=0.1)
        media = [float(v) for v in page.MediaBox]
        assert trim[0] - media[0] == pytest.approx(13 * MM, abs=0.01)  # grown by the slug
        assert _strokes(page) > 0  # the crop marks (tests/test_marks.py measures them)


def test_no_marks_when_off(sample: publish.BuildResult) -> None:
    with pikepdf.open(sample.outputs[1]) as pdf:
        page = pdf.pages[0]
        assert _strokes(page) == 0 and list(page.MediaBox) == list(page.BleedBox)


def _strokes(page: pikepdf.Page) -> int:
    """Stroked paths of the page's own content and its forms."""
    owners = [page, *(x for x in page.obj.Resources.get("/XObject", {}).values() if x.get("/Subtype") == "/Form")]
    count = 0
    for owner in owners:
        for _, operator in pikepdf.parse_content_stream(owner):
            count += str(operator) in ("S", "s", "B", "B*", "b", "b*")
    return count
