"""Pure text functions, driven by tables of input and expected output."""

from __future__ import annotations

import datetime
import unicodedata

import pytest

from publish.text.dates import dateline_date, long_date, numeric_date
from publish.text.normalize import TextSettings, mixed_tone_styles, normalize
from publish.text.slug import fold_ascii, slugify
from publish.text.syllables import ToneStyle, is_syllable, tone_style, with_tone_style
from publish.text.typography import Typographer, typeset

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


@pytest.mark.parametrize(("day", "language", "expected"), [
    (datetime.date(2024, 9, 2), "vi", "ngày 2 tháng 9 năm 2024"),  # not CLDR's "2 tháng 9, 2024"
    (datetime.date(2023, 12, 31), "vi", "ngày 31 tháng 12 năm 2023"),
    (datetime.date(2024, 1, 5), "vi-VN", "ngày 5 tháng 1 năm 2024"),
    (datetime.date(2024, 9, 2), "en", "September 2, 2024"),
    (datetime.date(2024, 9, 2), "fr", "2 septembre 2024"),
    (datetime.date(2024, 9, 2), "xx", "September 2, 2024"),  # an unknown language falls back to English
])
def test_long_date(day: datetime.date, language: str, expected: str) -> None:
    assert long_date(day, language) == expected


@pytest.mark.parametrize(("source", "expected", "codes"), [
    ('Anh nói "xin chào".', "Anh nói “xin chào”.", ["T005", "T005"]),
    ("(\"trích\")", "(“trích”)", ["T005", "T005"]),
    ("O'Neil và 'dấu nháy đơn'", "O’Neil và ‘dấu nháy đơn’", ["T005", "T005", "T005"]),
    ("nhiệm kỳ 2015 - 2020", "nhiệm kỳ 2015\u00a0–\u2060\u00a02020", ["T012", "T006"]),  # the range tied too
    ("trang 10--12", "trang 10–\u206012", ["T012", "T006"]),
    ("kinh tế - xã hội", "kinh tế – xã hội", ["T006"]),
    ("lời --- ngắt", "lời — ngắt", ["T006"]),
    ("hai  khoảng   trắng", "hai khoảng trắng", ["T004", "T004"]),
    ("LSO- Ngày 31/5, HĐND-UBND", "LSO- Ngày 31/5, HĐND-UBND", []),
])
def test_typeset(source: str, expected: str, codes: list[str]) -> None:
    text, changes = typeset(source, "vi")
    assert text == expected
    assert [change.rule.code for change in changes] == codes


def test_quotes_pair_across_pieces_of_one_block() -> None:
    typographer = Typographer("vi")
    assert [typographer(piece)[0] for piece in ('Anh nói "xin ', "chào", '" rồi đi.')] == [
        "Anh nói “xin ", "chào", "” rồi đi."]


def test_other_languages_keep_straight_quotes() -> None:
    assert typeset('Il dit "bonjour" - puis', "fr")[0] == 'Il dit "bonjour" – puis'


@pytest.mark.parametrize(("word", "style", "new", "old"), [
    ("hòa", ToneStyle.OLD, "hoà", "hòa"),
    ("hoà", ToneStyle.NEW, "hoà", "hòa"),
    ("Thủy", ToneStyle.OLD, "Thuỷ", "Thủy"),
    ("KHOẺ", ToneStyle.NEW, "KHOẺ", "KHỎE"),
    ("ủy", ToneStyle.OLD, "uỷ", "ủy"),
    ("quý", None, "quý", "quý"),  # qu + y: one placement only
    ("hoàng", None, "hoàng", "hoàng"),  # a final consonant: one placement only
    ("thuyền", None, "thuyền", "thuyền"),
    ("hoa", None, "hoa", "hoa"),
])
def test_tone_styles(word: str, style: ToneStyle | None, new: str, old: str) -> None:
    assert tone_style(word) is style
    assert with_tone_style(word, ToneStyle.NEW) == new
    assert with_tone_style(word, ToneStyle.OLD) == old


@pytest.mark.parametrize(("word", "valid"), [
    ("nghiêng", True), ("khuya", True), ("người", True), ("giữ", True), ("quốc", True), ("Đảng", True),
    ("hßa", False), ("ViÖt", False), ("Straße", False), ("hòá", False), ("xyz", False),
])
def test_syllable_shape(word: str, valid: bool) -> None:
    assert is_syllable(word) is valid


def test_tone_styles_mixed_in_a_book_are_reported_once_per_word() -> None:
    uses = normalize("hòa thủy hòa\nhoà\nthuỷ hoà khỏe", "a.md", VI).tones
    found = mixed_tone_styles(uses)
    assert [(d.code, str(d.location)) for d in found] == [("T010", "a.md:2:1"), ("T010", "a.md:3:1")]
