"""The command line: options, exit codes, and what it prints."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from publish.cli import main
from tests.conftest import copy_sample


def test_strict_finishes_the_build_then_fails_on_warnings(tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    result = CliRunner().invoke(main, ["build", "--strict", str(root)])
    assert result.exit_code == 1
    assert "warning[T002]" in result.output and "--strict" in result.output
    assert sorted(p.suffix for p in (root / "dist").iterdir()) == [".epub", ".pdf"]


def test_verbose_shows_notices_and_timings(tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    result = CliRunner().invoke(main, ["build", "-v", str(root)])
    assert result.exit_code == 0
    assert "info[T003]" in result.output and "pdf " in result.output


def test_internal_errors_are_reported_without_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import publish.pipeline

    def broken(path: Path) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(publish.pipeline, "build", broken)
    result = CliRunner().invoke(main, ["build", str(tmp_path)])
    assert result.exit_code == 70
    assert "internal error: RuntimeError: boom" in result.output and "Traceback" not in result.output


def test_usage_errors_exit_2() -> None:
    assert CliRunner().invoke(main, ["build", "--no-such-option"]).exit_code == 2
