"""Every text and figure rule, from tests/fixtures/rules.yaml: a line that triggers it (reported at that
line by ``publish lint``) and lines that must not."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from publish.proofread import lint
from publish.rules import CATALOGUE
from tests.conftest import ENV, PHOTO, write_project
from tests.helpers import REPO

FIXTURES: dict[str, dict] = yaml.safe_load((REPO / "tests" / "fixtures" / "rules.yaml").read_text(encoding="utf-8"))


def lint_line(root: Path, line: str, config: str = "") -> list[tuple[str, int | None]]:
    write_project(root, {
        "publish.yaml": f"title: Sách thử\ndate: 2023-06-01\n{config}\n",
        "manuscript/01-bai.md": f"---\ntitle: Bài thử\n---\n\n{line}\n",
        "manuscript/images/anh.jpg": PHOTO,
    })
    return [(d.code, d.location.line if d.location else None) for d in lint(root, ENV)]


def test_every_text_and_figure_rule_has_a_fixture() -> None:
    text_rules = {code for code in CATALOGUE if code.startswith("T")}
    assert text_rules | {"M008", "M010", "M011", "F002"} <= set(FIXTURES)


@pytest.mark.parametrize("code", list(FIXTURES))
def test_rule_triggers(tmp_path: Path, code: str) -> None:
    case = FIXTURES[code]
    found = lint_line(tmp_path, case["triggers"], case.get("config", ""))
    assert (code, 5) in found


CLEAN = [(code, index) for code in FIXTURES for index in range(len(FIXTURES[code]["clean"]))]


@pytest.mark.parametrize(("code", "index"), CLEAN)
def test_rule_stays_quiet(tmp_path: Path, code: str, index: int) -> None:
    case = FIXTURES[code]
    found = lint_line(tmp_path, case["clean"][index], case.get("config", ""))
    assert code not in [c for c, _ in found]
