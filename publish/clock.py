"""The one clock of a build: no output may depend on the wall clock.

The timestamp written into outputs (EPUB ``dcterms:modified``, PDF dates) is ``SOURCE_DATE_EPOCH``
when set (the reproducible-builds convention), else the book's date from ``publish.yaml``, else the
newest chapter date, else a fixed 1980-01-01 with a warning.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping

from publish import rules
from publish.diagnostics import Diagnostic

FALLBACK = datetime.datetime(1980, 1, 1, tzinfo=datetime.UTC)


def build_timestamp(
    environ: Mapping[str, str], book_date: datetime.date | None, chapter_dates: Iterable[datetime.date | None]
) -> tuple[datetime.datetime, list[Diagnostic]]:
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC), []
    dates = [d for d in chapter_dates if d is not None]
    day = book_date or (max(dates) if dates else None)
    if day is None:
        return FALLBACK, [rules.CONFIG_NO_DATE("neither publish.yaml nor any chapter gives a date")]
    return datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC), []
