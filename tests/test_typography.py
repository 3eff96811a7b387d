"""Ties (T012): what a line must not split, kept together with no-break spaces and word joiners."""

from __future__ import annotations

import pytest

from publish import model
from publish.diagnostics import Location
from publish.manuscript.markdown import ChapterConverter
from publish.text.typography import Typographer, typeset

NB, WJ = "\u00a0", "\u2060"


@pytest.mark.parametrize(("source", "expected"), [
    # number ranges: the dash gets a word joiner, its spaces become no-break spaces
    ("nhiệm kỳ 2015 – 2020", f"nhiệm kỳ 2015{NB}–{WJ}{NB}2020"),
    ("nhiệm kỳ 2015 - 2020", f"nhiệm kỳ 2015{NB}–{WJ}{NB}2020"),  # set as a dash first (T006)
    ("nhiệm kỳ 2015–2020", f"nhiệm kỳ 2015–{WJ}2020"),
    ("trang 10--12", f"trang 10–{WJ}12"),
    ("tháng 7 – 8", f"tháng 7{NB}–{WJ}{NB}8"),
    ("từ 7/2017 – 8/2018", f"từ 7/2017{NB}–{WJ}{NB}8/2018"),
    ("1.000 – 2.000 tấn", f"1.000{NB}–{WJ}{NB}2.000{NB}tấn"),
    ("5 – 10 triệu đồng", f"5{NB}–{WJ}{NB}10{NB}triệu{NB}đồng"),
    # a number and its unit, percentage or currency
    ("tăng 12,5 %", f"tăng 12,5{NB}%"),
    ("2 ‰", f"2{NB}‰"),
    ("dài 50 km", f"dài 50{NB}km"),
    ("50 km/h", f"50{NB}km/h"),
    ("3 mm", f"3{NB}mm"),
    ("100 m² và 100 m2", f"100{NB}m² và 100{NB}m2"),
    ("2 m³", f"2{NB}m³"),
    ("20 kg, 5 g", f"20{NB}kg, 5{NB}g"),
    ("5 ha lúa", f"5{NB}ha lúa"),
    ("3 tấn, 2 tạ", f"3{NB}tấn, 2{NB}tạ"),
    ("4 lít", f"4{NB}lít"),
    ("1.000 đồng một kg", f"1.000{NB}đồng một kg"),
    ("giá 500 đồng.", f"giá 500{NB}đồng."),
    ("1,5 tỷ đồng", f"1,5{NB}tỷ{NB}đồng"),
    ("3 tỉ", f"3{NB}tỉ"),
    ("5 nghìn người", f"5{NB}nghìn người"),
    ("200.000 đ", f"200.000{NB}đ"),
    ("200.000 VNĐ", f"200.000{NB}VNĐ"),
    ("5 USD", f"5{NB}USD"),
    ("$ 5", f"${NB}5"),
    ("€ 20", f"€{NB}20"),
    ("30 °C", f"30{NB}°C"),
    ("10 giờ 30 phút", f"10{NB}giờ 30{NB}phút"),
    # an initial and the name after it
    ("Nguyễn V. An", f"Nguyễn V.{NB}An"),
    ("H. Chí Minh", f"H.{NB}Chí Minh"),
    ("V.I. Lênin", f"V.I.{NB}Lênin"),
])
def test_ties(source: str, expected: str) -> None:
    text, changes = typeset(source, "vi")
    assert text == expected
    assert "T012" in [change.rule.code for change in changes]


@pytest.mark.parametrize("source", [
    "26 đồng chí lãnh đạo",  # a count, and 'đồng chí' is a word
    "hơn 1.000 đồng chí",
    "500 đồng bào",
    "500 đồng một kg",  # not money-looking: the amount has no thousands group and the phrase goes on
    "năm 2020 đến nay",
    "26 người, 3 xã, 5 năm",  # ordinary nouns after numbers
    "ngày 31/5",
    "tháng 7/2017",  # no space: nothing to tie (UAX #14 keeps 7/2017 whole)
    "nhiệm kỳ 2016-2021",  # a hyphen between digits: no break there either (UAX #14, LB25)
    "12,5% và 50km",  # no space typed: none added
    "kinh tế – xã hội",  # a dash between words is no range
    "năm 2020 – năm bản lề",
    "hạng A. trong năm",  # a capital and a full stop before a lower-case word
    "e. g. Xin",  # lower-case letters are no initials
    "H5 km",  # a number inside a code
    f"đã tách 5{NB}km",  # already tied: nothing to report
    f"nhiệm kỳ 2015{NB}–{WJ}{NB}2020",
])
def test_no_ties(source: str) -> None:
    text, changes = typeset(source, "vi")
    assert text == source
    assert changes == []


@pytest.mark.parametrize(("source", "reported"), [
    ("2015 – 2020", ["'2015 – 2020' kept on one line: a number range"]),
    ("1.000 – 2.000 tấn", ["'1.000 – 2.000 tấn' kept on one line: a range and its unit"]),
    ("dài 50 km", ["'50 km' kept on one line: a number and its unit"]),
    ("Nguyễn V. An", ["'V. An' kept on one line: an initial and the name after it"]),
])
def test_ties_say_what_they_keep_together(source: str, reported: list[str]) -> None:
    assert [change.describe() for change in typeset(source, "vi")[1]] == reported


def test_offsets_are_in_the_text_as_given() -> None:
    """Earlier passes change lengths (spaces collapsed, a word joiner added): every change still points
    at the character the author typed."""
    source = "a  b - 2015  -  2020, 50 km"
    changes = typeset(source, "vi")[1]
    assert [(change.rule.code, change.offset) for change in changes] == [
        ("T004", 1), ("T006", 5), ("T012", 7), ("T004", 11), ("T006", 13), ("T004", 14), ("T012", 22),
    ]
    assert source[7:11] == "2015" and source[22:24] == "50"


def test_a_range_split_by_markup_is_left_alone() -> None:
    """The typographer sees one text node at a time: '2015 – *2020*' cannot be tied."""
    typographer = Typographer("vi")
    assert [typographer(piece)[0] for piece in ("nhiệm kỳ 2015 – ", "2020")] == ["nhiệm kỳ 2015 – ", "2020"]


def test_other_languages_are_tied_too() -> None:
    assert typeset("from 2015 - 2020, 5 km", "en")[0] == f"from 2015{NB}–{WJ}{NB}2020, 5{NB}km"


def convert(body: str) -> tuple[tuple[model.Block, ...], list[tuple[str, str]]]:
    lines = body.split("\n")
    converter = ChapterConverter("ch01", "a.md", 1, lambda src, where: None, "vi", lines)
    blocks, _ = converter.convert(body)
    return blocks, [(d.code, str(d.location)) for d in converter.found]


def test_code_is_never_tied_and_columns_point_at_the_source() -> None:
    source = "Mã `dài 50 km` và  dài 50 km, nhiệm kỳ 2015 - 2020."
    blocks, found = convert(source)
    paragraph = blocks[0]
    assert isinstance(paragraph, model.Paragraph)
    code = paragraph.children[1]
    assert isinstance(code, model.Code) and code.text == "dài 50 km"
    assert model.plain_text(paragraph.children[2:]) == f" và dài 50{NB}km, nhiệm kỳ 2015{NB}–{WJ}{NB}2020."
    columns = [source.index("  "), source.index("50 km,"), source.index("2015"), source.index("- 2020")]
    assert found == [(code, f"a.md:1:{column + 1}") for code, column in zip(("T004", "T012", "T012", "T006"), columns,
                                                                             strict=True)]


def test_code_blocks_are_not_typeset() -> None:
    blocks, found = convert("```\n2015 - 2020, 50 km\n```")
    assert isinstance(blocks[0], model.CodeBlock) and blocks[0].text == "2015 - 2020, 50 km\n"
    assert found == []


def test_location_of_a_field_tie() -> None:
    from publish.text.typography import typeset_fields

    values = {"title": "Nhiệm kỳ 2015 - 2020"}
    found = typeset_fields(values, ["title"], {"title": Location("publish.yaml", 1, 8)}, "vi")
    assert values["title"] == f"Nhiệm kỳ 2015{NB}–{WJ}{NB}2020"
    assert [(d.code, d.message) for d in found] == [
        ("T012", "title: '2015 – 2020' kept on one line: a number range"),
        ("T006", "title: '-' set as '–'"),
    ]


def test_a_dash_after_a_line_break_is_a_dash() -> None:
    """'foo' + line break + '- bar': the hyphen stands between spaces, as in 'foo - bar' (CommonMark example
    240, a lazy continuation line); the line break is set as the space before it."""
    typographer = Typographer("vi")
    assert typographer("foo")[0] == "foo"
    typographer.skip(" ")
    text, [change] = typographer("- bar")
    assert text == "– bar" and change.offset == 0
    assert Typographer("vi")("- bar")[0] == "- bar"  # (nothing before it: not a dash)
