"""The one clock of a build: no output may depend on the wall clock.

The timestamp written into outputs (EPUB ``dcterms:modified``, PDF dates) is ``SOURCE_DATE_EPOCH``
when set (the reproducible-builds convention), else the book's date from ``publish.yaml``, else the
newest chapter date, else a fixed 1980-01-01 with a warning.

``SOURCE_DATE_EPOCH`` is read as its specification asks: whole seconds since 1970-01-01 UTC in ASCII
digits, as ``date +%s`` prints them; a malformed value stops the build (the specification says a build
*should* fail on one), since outputs dated otherwise than the caller asked are not the reproducible build
they wanted. The latest second accepted is the last of 9999: EPUB and PDF dates have four-digit years.
An empty value is taken as unset with a warning, as most tools do: a Makefile's ``SOURCE_DATE_EPOCH=``
or a CI template's empty default sets it so without meaning a date.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping

from publish import rules
from publish.diagnostics import Diagnostic, Location
from publish.errors import ConfigError

FALLBACK = datetime.datetime(1980, 1, 1, tzinfo=datetime.UTC)
VARIABLE = "SOURCE_DATE_EPOCH"
LATEST = 253402300799  # 9999-12-31 23:59:59 UTC
_SECONDS = re.compile(r"[0-9]{1,12}")  # (str.isdigit() also takes '²' and Arabic digits)


def build_timestamp(
    environ: Mapping[str, str], book_date: datetime.date | None, chapter_dates: Iterable[datetime.date | None]
) -> tuple[datetime.datetime, list[Diagnostic]]:
    """The build's timestamp and what to say about it; raises :class:`ConfigError` for a
    ``SOURCE_DATE_EPOCH`` that is set to something other than a time."""
    epoch, notes = source_date_epoch(environ)
    if epoch is not None:
        return epoch, notes
    dates = [d for d in chapter_dates if d is not None]
    day = book_date or (max(dates) if dates else None)
    if day is None:
        return FALLBACK, [*notes, rules.CONFIG_NO_DATE("neither publish.yaml nor any chapter gives a date")]
    return datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC), notes


def source_date_epoch(environ: Mapping[str, str]) -> tuple[datetime.datetime | None, list[Diagnostic]]:
    """The time ``SOURCE_DATE_EPOCH`` gives (``None`` when unset or empty, with a warning for empty)."""
    raw = environ.get(VARIABLE)
    if raw is None:
        return None, []
    value = raw.strip()
    if not value:
        return None, [rules.CONFIG_EPOCH_EMPTY(
            f"{VARIABLE} is set but empty: the book is dated from publish.yaml or its articles", Location(VARIABLE),
        )]
    if not _SECONDS.fullmatch(value) or int(value) > LATEST:
        raise ConfigError([rules.CONFIG_BAD_EPOCH(f"{VARIABLE}={_shown(raw)} is {_why(value)}", Location(VARIABLE))])
    return datetime.datetime.fromtimestamp(int(value), tz=datetime.UTC), []


def _why(value: str) -> str:
    if re.fullmatch(r"[0-9]+", value, re.ASCII):
        return "after the year 9999"
    if re.fullmatch(r"-[0-9]+", value, re.ASCII):
        return "before 1970"
    if re.fullmatch(r"[+-]?[0-9]*[.,eE][0-9.,eE+-]*", value, re.ASCII):
        return "not a whole number of seconds"
    return "not a number of seconds"


def _shown(raw: str, limit: int = 30) -> str:
    return repr(raw) if len(raw) <= limit else f"{raw[:limit]!r}… ({len(raw):,} characters)"
