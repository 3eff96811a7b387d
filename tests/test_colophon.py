"""The colophon: what it prints for the publisher, the date and the identifier, in the book's language."""

from __future__ import annotations

import datetime

import pytest
from lxml import html

from publish import model
from publish.config import BookConfig
from publish.render.labels import identifier_line, publisher_line
from publish.render.xhtml import Renderer


@pytest.mark.parametrize(("publisher", "language", "expected"), [
    ("Báo Lạng Sơn", "vi", "Nhà xuất bản: Báo Lạng Sơn"),
    ("Nhà xuất bản Thử Nghiệm", "vi", "Nhà xuất bản Thử Nghiệm"),  # the label is not said twice
    ("NHÀ XUẤT BẢN KIM ĐỒNG", "vi", "NHÀ XUẤT BẢN KIM ĐỒNG"),
    ("NXB Trẻ", "vi", "NXB Trẻ"),
    ("Nxb. Chính trị quốc gia", "vi", "Nxb. Chính trị quốc gia"),
    ("NXBT Sài Gòn", "vi", "Nhà xuất bản: NXBT Sài Gòn"),  # a word that only begins like one
    ("Publisher Books", "en", "Publisher Books"),
    ("Lang Son Press", "en", "Publisher: Lang Son Press"),
])
def test_publisher_line(publisher: str, language: str, expected: str) -> None:
    assert publisher_line(publisher, language) == expected


@pytest.mark.parametrize(("identifier", "language", "expected"), [
    ("urn:isbn:978-604-0-00000-0", "vi", "ISBN 978-604-0-00000-0"),
    ("urn:isbn:9786040000000", "en", "ISBN 9786040000000"),
    ("ISBN 978-604-0-00000-0", "vi", "ISBN 978-604-0-00000-0"),
    ("urn:issn:1859-0000", "vi", "ISSN 1859-0000"),
    ("doi:10.1000/182", "vi", "DOI 10.1000/182"),
    ("LS-2023-01", "vi", "Mã định danh: LS-2023-01"),
    ("urn:uuid:6f2b1c1e-8a1b-5c3d-9e4f-0a1b2c3d4e5f", "vi", ""),  # internal: never printed
    ("6F2B1C1E-8A1B-5C3D-9E4F-0A1B2C3D4E5F", "vi", ""),
    ("", "vi", ""),
])
def test_identifier_line(identifier: str, language: str, expected: str) -> None:
    assert identifier_line(identifier, language) == expected


def colophon(config: BookConfig, identifier: str = "urn:uuid:6f2b1c1e-8a1b-5c3d-9e4f-0a1b2c3d4e5f") -> list[str]:
    book = model.Book(config, (), None, datetime.datetime(2024, 9, 2, tzinfo=datetime.UTC))
    page = html.fragment_fromstring(str(Renderer(book, identifier, ("Noto Serif",)).titlepage()),
                                    create_parent="div")
    return [" ".join(p.text_content().split()) for p in page.find_class("colophon")[0].iter("p")]


def test_vietnamese_colophon() -> None:
    config = BookConfig(title="Sách thử", authors=("TRÍ DŨNG",), publisher="Nhà xuất bản Thử Nghiệm",
                        date=datetime.date(2024, 9, 2), rights="© 2024 Báo Lạng Sơn")
    assert colophon(config) == [
        "Sách thử",
        "TRÍ DŨNG",
        "Nhà xuất bản Thử Nghiệm",
        "Phát hành ngày 2 tháng 9 năm 2024",
        "© 2024 Báo Lạng Sơn",
        "Phông chữ: Noto Serif",
    ]


def test_colophon_prints_an_isbn_the_author_gave() -> None:
    config = BookConfig(title="Sách thử", publisher="Báo Lạng Sơn", date=datetime.date(2024, 9, 2),
                        identifier="urn:isbn:978-604-0-00000-0")
    lines = colophon(config, identifier=config.identifier)
    assert "Nhà xuất bản: Báo Lạng Sơn" in lines
    assert "ISBN 978-604-0-00000-0" in lines
    assert not any("urn:" in line for line in lines)


def test_english_colophon() -> None:
    config = BookConfig(title="A test", language="en", publisher="Lang Son Press", date=datetime.date(2024, 9, 2))
    assert colophon(config)[1:3] == ["Publisher: Lang Son Press", "Published September 2, 2024"]
