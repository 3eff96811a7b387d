"""Refusals say why and where: links the book cannot follow, addresses no URL parser takes, links to missing
articles or headings, letters from character references, skipped heading levels; and heading ids."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import publish
from publish import model
from publish.cli import main
from publish.diagnostics import Diagnostic
from publish.manuscript.references import BookIds, heading_name
from publish.pipeline import load_book
from publish.project import Project
from tests.conftest import ENV, write_project

CONFIG = """
title: Sách thử
authors: [Tác Giả]
date: 2023-06-01
"""


def article(title: str, body: str) -> str:
    """An article file: front matter on lines 1-3, the blank line 4, ``body`` from line 5."""
    return f"---\ntitle: {title}\n---\n\n{body.strip()}\n"


def lint(tmp_path: Path, **articles: str) -> list[Diagnostic]:
    files: dict[str, str | bytes] = {"publish.yaml": CONFIG}
    files.update({f"manuscript/{name}.md": text for name, text in articles.items()})
    return list(publish.lint(write_project(tmp_path, files), environ=ENV))


def found(diagnostics: list[Diagnostic], code: str) -> list[str]:
    """``location: message`` of the diagnostics of ``code``."""
    return [f"{d.location}: {d.message}" for d in diagnostics if d.code == code]


def chapters(tmp_path: Path, **articles: str) -> tuple[model.Chapter, ...]:
    files: dict[str, str | bytes] = {"publish.yaml": CONFIG}
    files.update({f"manuscript/{name}.md": text for name, text in articles.items()})
    book, _ = load_book(Project.at(write_project(tmp_path, files)), ENV)
    return book.chapters


# Links the book cannot follow, and addresses that are not URLs ------------------------------------------


@pytest.mark.parametrize(("line", "code", "column", "needle"), [
    ("Xem <https://../> nhé.", "M012", 6, "'https://../' is not a valid address"),
    ("Xem [trang](<https://../>) nhé.", "M012", 14, "empty or too long part"),
    ("Xem [trang](https://baolangson..vn/bai) nhé.", "M012", 13, "'baolangson..vn'"),
    ("Gọi [số](tel:abc) nhé.", "M012", 10, "not a phone number"),
    ("Thư [gửi](mailto:toasoan) nhé.", "M012", 11, "not an e-mail address"),
    ("Mở [cổng](https://baolangson.vn:99999/) nhé.", "M012", 11, "port out of range"),
    ("Bấm [vào đây](javascript:alert(1)) nhé.", "M009", 15, "'javascript:alert(1)' cannot be followed"),
    ("Xem [ảnh](images/anh.jpg) nhé.", "M009", 11, "only articles (*.md) can be linked to"),
    ("Xem [tệp](/etc/hostname) nhé.", "M009", 11, "a path on a computer"),
])
def test_a_refused_link_is_reported_at_its_address(tmp_path: Path, line: str, code: str, column: int,
                                                    needle: str) -> None:
    diagnostics = lint(tmp_path, **{"01-bai": article("Bài", f"Đoạn đầu.\n\nDòng một,\n{line}")})
    [message] = found(diagnostics, code)
    assert message.startswith(f"manuscript/01-bai.md:8:{column}: "), message
    assert needle in message
    [diagnostic] = [d for d in diagnostics if d.code == code]
    assert diagnostic.hint


def test_valid_addresses_are_let_through(tmp_path: Path) -> None:
    body = ("[a](https://baolangson.vn/tin-tuc?trang=2#dau) <https://xn--bcher-kva.de> [b](http://[::1]:8080/) "
            "[c](mailto:toasoan@baolangson.vn) [d](tel:+84-205-3812345) <https://bücher.de/sách>")
    diagnostics = lint(tmp_path, **{"01-bai": article("Bài", body)})
    assert not found(diagnostics, "M012") and not found(diagnostics, "M009")


def test_an_invalid_address_stops_the_build_with_its_place(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"publish.yaml": CONFIG,
                                    "manuscript/01-bai.md": article("Bài", "Xem <https://../> nhé.")})
    result = CliRunner().invoke(main, ["build", str(root)])
    assert result.exit_code == 3, result.output
    assert "manuscript/01-bai.md:5:6: error[M012]" in result.output and "hint:" in result.output
    assert not (root / "dist").exists() or not any((root / "dist").iterdir())


# Letters from character references ----------------------------------------------------------------------


def test_a_letter_from_a_reference_is_fixed_and_reported_at_the_reference(tmp_path: Path) -> None:
    body = "Dòng đầu.\nChữ &ETH;ây và &#208;ó, chữ &#x110;úng,\nrồi &quot;trích&quot; và cả &eth;i."
    diagnostics = lint(tmp_path, **{"01-bai": article("Bài", body)})
    assert found(diagnostics, "T002") == [
        "manuscript/01-bai.md:6:5: 'Ð' (U+00D0) replaced by 'Đ' (U+0110) (from a character reference)",
        "manuscript/01-bai.md:6:16: 'Ð' (U+00D0) replaced by 'Đ' (U+0110) (from a character reference)",
        "manuscript/01-bai.md:7:29: 'ð' (U+00F0) replaced by 'đ' (U+0111) (from a character reference)",
    ]
    assert [str(d.location) for d in diagnostics if d.code == "T005"] == [
        "manuscript/01-bai.md:7:5", "manuscript/01-bai.md:7:16"]


def test_letters_from_references_reach_the_book_fixed(tmp_path: Path) -> None:
    body = "Chữ &ETH;ây, *&#208;ó* và `&ETH;` trong mã."
    [chapter] = chapters(tmp_path, **{"01-bai": article("Bài", body)})
    paragraph = chapter.blocks[0]
    assert isinstance(paragraph, model.Paragraph)
    assert model.plain_text(paragraph.children) == "Chữ Đây, Đó và &ETH; trong mã."


def test_typography_after_markup_keeps_its_column(tmp_path: Path) -> None:
    body = 'Có *nhấn* và `mã "x"` rồi "trích" -- hết.'
    diagnostics = lint(tmp_path, **{"01-bai": article("Bài", body)})
    assert [str(d.location) for d in diagnostics if d.code in ("T005", "T006")] == [
        "manuscript/01-bai.md:5:27", "manuscript/01-bai.md:5:33", "manuscript/01-bai.md:5:35"]


# Heading levels -----------------------------------------------------------------------------------------


def test_a_skipped_heading_level_is_a_warning_at_its_line(tmp_path: Path) -> None:
    body = "### Ngay sau tên bài\n\nĐoạn.\n\n## Mục\n\n#### Bỏ một cấp\n\n### Đúng cấp\n\n## Mục khác\n\n### Con"
    diagnostics = lint(tmp_path, **{"01-bai": article("Bài", body)})
    assert found(diagnostics, "M014") == [
        "manuscript/01-bai.md:5:1: '###' heading right after the article title: level ## is skipped",
        "manuscript/01-bai.md:11:1: '####' heading right after a '##' heading: level ### is skipped",
    ]
    assert all(d.severity.value == "warning" for d in diagnostics if d.code == "M014")


# Heading ids --------------------------------------------------------------------------------------------


def test_heading_names_fold_vietnamese_to_ascii() -> None:
    assert heading_name("Giá cả thị trường") == "gia-ca-thi-truong"
    assert heading_name("Đường về “Xứ Lạng”: 2024") == "duong-ve-xu-lang-2024"
    assert heading_name("2. Ổn định đời sống") == "on-dinh-doi-song"
    assert heading_name("2024") == "muc" and heading_name("…", "section") == "section"
    assert len(heading_name("Một " * 40)) <= 60


def test_book_ids_are_unique_and_clear_of_publishs_own() -> None:
    ids = BookIds()
    assert [ids.claim(name) for name in ("gia-ca", "gia-ca", "page-3", "toc", "ch02", "gia-ca-2", "chung")] == [
        "gia-ca", "gia-ca-2", "page-3-2", "toc-2", "ch02-2", "gia-ca-2-2", "chung"]


def test_headings_get_ids_from_their_text_or_their_written_id(tmp_path: Path) -> None:
    first = article("Một", "## Giá cả\n\nA.\n\n## Giá cả\n\nB.\n\n## Tổng quan {#tong-quan}\n\nC.\n\n"
                           "## Kết luận {#gia-ca}\n\nD.")
    second = article("Hai", "## Giá cả\n\nE.\n\n> ## Trong trích dẫn\n\n## Trang 3\n\nF.")
    one, two = chapters(tmp_path, **{"01-mot": first, "02-hai": second})
    assert [(h.name, h.id) for h in one.headings()] == [
        ("gia-ca-2", "gia-ca-2"), ("gia-ca-3", "gia-ca-3"), ("tong-quan", "tong-quan"), ("gia-ca", "gia-ca")]
    assert [model.plain_text(h.children) for h in one.headings()] == ["Giá cả", "Giá cả", "Tổng quan", "Kết luận"]
    assert [(h.name, h.id) for h in two.headings()] == [("gia-ca", "gia-ca-4"), ("trang-3", "trang-3")]
    quoted = two.blocks[2]
    assert isinstance(quoted, model.BlockQuote) and isinstance(quoted.children[0], model.Heading)
    assert quoted.children[0].id == "trong-trich-dan"


def test_an_unusable_or_repeated_written_id_is_an_error(tmp_path: Path) -> None:
    body = "## Một {#2024}\n\n## Hai {#giá-cả}\n\n## Ba {#ba}\n\n## Bốn {#ba}"
    diagnostics = lint(tmp_path, **{"01-bai": article("Bài", body)})
    assert found(diagnostics, "M015") == [
        "manuscript/01-bai.md:5:8: '{#2024}' cannot be an id",
        "manuscript/01-bai.md:7:8: '{#giá-cả}' cannot be an id",
        "manuscript/01-bai.md:11:8: '{#ba}' is given to two headings",
    ]
    assert [d.hint for d in diagnostics if d.code == "M015"][1] == "Write {#gia-ca}."


# Links to articles and headings -------------------------------------------------------------------------


def test_references_are_resolved_to_articles_and_headings(tmp_path: Path) -> None:
    first = article("Một", "Xem [hai](02-hai.md), [giá](02-hai.md#gia-ca), [gõ tay](02-hai.md#Giá-Cả) "
                           "và [dưới](#cuoi).\n\n## Cuối {#cuoi}\n\nHết.")
    second = article("Hai", "## Giá cả\n\nVề [đầu](./01-mot.md).")
    one, two = chapters(tmp_path, **{"01-mot": first, "02-hai": second})
    found_here = [(r.chapter, r.target, model.plain_text(r.children)) for r in one.references()]
    assert found_here == [("ch02", "ch02", "hai"), ("ch02", "gia-ca", "giá"), ("ch02", "gia-ca", "gõ tay"),
                          ("ch01", "cuoi", "dưới")]
    assert [(r.chapter, r.target) for r in two.references()] == [("ch01", "ch01")]


def test_a_reference_to_a_missing_place_is_an_error_at_its_place(tmp_path: Path) -> None:
    first = article("Một", "Đoạn đầu.\n\nXem [ba](03-ba.md) và\n[giá](02-hai.md#gia-ca-ca) và [đây](#khong-co).")
    second = article("Hai", "## Giá cả\n\n## Số liệu\n\nHết.")
    diagnostics = lint(tmp_path, **{"01-mot": first, "02-hai": second})
    assert found(diagnostics, "M013") == [
        "manuscript/01-mot.md:7:10: link to '03-ba.md': there is no article manuscript/03-ba.md",
        "manuscript/01-mot.md:8:7: link to '02-hai.md#gia-ca-ca': no heading '#gia-ca-ca' in manuscript/02-hai.md",
        "manuscript/01-mot.md:8:37: link to '#khong-co': no heading '#khong-co' in this article",
    ]
    hints = [d.hint for d in diagnostics if d.code == "M013"]
    assert hints[1] == "Did you mean #gia-ca?"
    assert hints[2] == "manuscript/01-mot.md has no section heading: link to the article itself (without '#...')."
