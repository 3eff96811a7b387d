"""Pure text functions, driven by tables of input and expected output."""

from __future__ import annotations

import datetime
import unicodedata

import pytest

from publish.text.dates import dateline_date, numeric_date
from publish.text.normalize import TextSettings, normalize
from publish.text.slug import fold_ascii, slugify

VI = TextSettings("vi")


@pytest.mark.parametrize(("source", "expected", "codes"), [
    ("Ðể đạt được", "Để đạt được", ["T002"]),
    ("ðường", "đường", ["T002"]),
    ("Ɖại hội", "Đại hội", ["T002"]),
    (unicodedata.normalize("NFD", "Trường Đặng Ấm"), "Trường Đặng Ấm", ["T001"]),
    ("phường.\u00a0 Giữa", "phường. Giữa", ["T003"]),
    ("\u00a0TRÍ DŨNG", "TRÍ DŨNG", ["T003"]),
    ("mục tiêu\u00a0 huy động", "mục tiêu huy động", ["T003"]),
    ("5\u00a0km", "5\u00a0km", []),
    ("Không có gì để sửa.", "Không có gì để sửa.", []),
])
def test_normalize(source: str, expected: str, codes: list[str]) -> None:
    result = normalize(source, "a.md", VI)
    assert result.text == expected
    assert [d.code for d in result.diagnostics] == codes


def test_eth_is_kept_outside_vietnamese() -> None:
    result = normalize("Ðórður", "a.md", TextSettings("is"))
    assert result.text == "Ðórður" and result.diagnostics == []


def test_locations_point_at_the_character() -> None:
    found = normalize("dòng một\nhai Ðể\n", "m.md", VI, first_line=10).diagnostics
    assert str(found[0].location) == "m.md:11:5"


def test_nfd_and_nfc_sources_give_the_same_text() -> None:
    nfc = "Chú trọng đào tạo, bồi dưỡng cán bộ thành phố Lạng Sơn"
    assert normalize(unicodedata.normalize("NFD", nfc), "a.md", VI).text == nfc


@pytest.mark.parametrize(("title", "slug"), [
    ("Chú trọng xây dựng đội ngũ cán bộ, lãnh đạo quản lý các cấp",
     "chu-trong-xay-dung-doi-ngu-can-bo-lanh-dao-quan-ly-cac-cap"),
    ("Đảng bộ ĐẠI HỘI", "dang-bo-dai-hoi"),
    ("Ðể (eth)", "de-eth"),
    ("", "book"),
])
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_fold_ascii() -> None:
    assert fold_ascii("Thành phố Lạng Sơn, Đồng Đăng") == "Thanh pho Lang Son, Dong Dang"


@pytest.mark.parametrize(("day", "language", "expected"), [
    (datetime.date(2023, 6, 1), "vi", "Thứ năm, 01/06/2023"),
    (datetime.date(2024, 3, 17), "vi", "Chủ nhật, 17/03/2024"),
    (datetime.date(2023, 6, 1), "en", "Thursday, 06/01/2023"),
])
def test_dateline(day: datetime.date, language: str, expected: str) -> None:
    assert dateline_date(day, language) == expected


def test_numeric_date_follows_the_locale_order() -> None:
    assert numeric_date(datetime.date(2023, 6, 1), "fr") == "01/06/2023"
