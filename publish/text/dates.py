"""Dates as a reader of the book's language expects them, from the CLDR data in Babel."""

from __future__ import annotations

import datetime
import re

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, get_date_format


def _locale(language: str) -> Locale:
    try:
        return Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def numeric_date(day: datetime.date, language: str) -> str:
    """The locale's numeric date order, zero-padded with a four-digit year: vi -> 01/06/2023."""
    locale = _locale(language)
    pattern = get_date_format("short", locale=locale).pattern
    pattern = re.sub(r"d+", "dd", pattern)
    pattern = re.sub(r"M+", "MM", pattern)
    pattern = re.sub(r"y+", "y", pattern)
    return format_date(day, pattern, locale=locale)


def weekday(day: datetime.date, language: str) -> str:
    """The weekday name in sentence case, as a dateline starts: vi -> 'Thứ năm'."""
    name = str(format_date(day, "EEEE", locale=_locale(language)))
    return name[:1].upper() + name[1:].lower()


def dateline_date(day: datetime.date, language: str) -> str:
    """'Thứ năm, 01/06/2023'."""
    return f"{weekday(day, language)}, {numeric_date(day, language)}"


def long_date(day: datetime.date, language: str) -> str:
    """The date in words, as a sentence carries it: vi -> 'ngày 2 tháng 9 năm 2024', en -> 'September 2, 2024'.

    CLDR's Vietnamese long date ('2 tháng 9, 2024') is not what Vietnamese text says: books, the press
    and official documents write 'ngày … tháng … năm …', so that is built here. Other languages keep
    Babel's."""
    if language.lower().split("-")[0] == "vi":
        return f"ngày {day.day} tháng {day.month} năm {day.year}"
    return str(format_date(day, "long", locale=_locale(language)))

