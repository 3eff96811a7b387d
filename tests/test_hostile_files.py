"""Hostile projects, files: nothing outside the project is read through a link, a stylesheet or the cache,
and nothing is written outside it (see tests.hostile for what every case must hold)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile import ARTICLE, Case, attack, link

CASES = [
    Case("style sheet linked to a file outside", lambda p: link(p, "styles/epub.css", p.canary), 3,
         ("R002",), "styles/epub.css"),
    Case("chapter linked to a file outside", lambda p: link(p, "manuscript/02-x.md", p.canary), 3,
         ("R002",), "manuscript/02-x.md"),
    Case("article linked inside the project", lambda p: link(p, "manuscript/00-a.md", Path("..") / ARTICLE), 0),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_hostile_files(case: Case, tmp_path: Path, sample_dist: Path) -> None:
    attack(case, tmp_path, sample_dist)
