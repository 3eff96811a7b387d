"""The command line: options, exit codes, and what it prints."""

from __future__ import annotations

import subprocess
import sys
import tempfile
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
    assert sorted("".join(p.suffixes[-2:]) for p in (root / "dist").iterdir()) == [
        ".epub", ".print.pdf", ".screen.pdf"]


def test_verbose_shows_notices_and_timings(tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    result = CliRunner().invoke(main, ["build", "-v", str(root)])
    assert result.exit_code == 0
    assert "info[T003]" in result.output and "pdf " in result.output


def test_internal_errors_are_reported_without_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import publish.pipeline

    def broken(path: Path, **options: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(publish.pipeline, "build", broken)
    result = CliRunner().invoke(main, ["build", str(tmp_path)])
    assert result.exit_code == 70
    assert "internal error: RuntimeError: boom" in result.output and "Traceback" not in result.output


def test_usage_errors_exit_2() -> None:
    assert CliRunner().invoke(main, ["build", "--no-such-option"]).exit_code == 2


def test_lint_reports_without_building(tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    result = CliRunner().invoke(main, ["lint", str(root)])
    assert result.exit_code == 0
    assert "warning[T002]" in result.output and "warning[T010]" in result.output
    assert not (root / "dist").exists()
    strict = CliRunner().invoke(main, ["lint", "--strict", str(root)])
    assert strict.exit_code == 1


def test_lint_exits_3_on_errors(tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    chapter = next((root / "manuscript").glob("*.md"))
    tcvn3 = "\nCéng hßa x· héi chñ nghÜa ViÖt Nam\n"
    chapter.write_text(chapter.read_text(encoding="utf-8") + tcvn3, encoding="utf-8")
    result = CliRunner().invoke(main, ["lint", str(root)])
    assert result.exit_code == 3
    assert "error[T009]" in result.output and "TCVN3" in result.output and "publish fix" in result.output


def test_list_rules_prints_the_catalogue() -> None:
    from publish.rules import CATALOGUE

    result = CliRunner().invoke(main, ["lint", "--list-rules"])
    assert result.exit_code == 0
    assert [line.split()[0] for line in result.output.splitlines()] == list(CATALOGUE)


def test_fix_dry_run_writes_nothing_and_fix_rewrites(tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    chapter = next((root / "manuscript").glob("*.md"))
    before = chapter.read_bytes()
    dry = CliRunner().invoke(main, ["fix", "--dry-run", str(root)])
    assert dry.exit_code == 0 and chapter.read_bytes() == before
    assert "fixed[T002]" in dry.output and "would rewrite 1 file(s)" in dry.output
    done = CliRunner().invoke(main, ["fix", str(root)])
    assert done.exit_code == 0 and "rewrote 1 file(s)" in done.output
    after = chapter.read_text(encoding="utf-8")
    assert "\u00d0" not in after and after.count("Đ") == before.decode().count("Đ") + 3
    assert after.replace("\u00a0", " ").split() == before.decode().replace("\u00d0", "Đ").replace("\u00a0", " ").split()
    again = CliRunner().invoke(main, ["fix", str(root)])
    assert "rewrote 0 file(s)" in again.output


def test_lint_fix_converts_then_lints(tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    chapter = next((root / "manuscript").glob("*.md"))
    vni = "\nCoäng hoøa xaõ hoäi chuû nghóa Vieät Nam\n"
    chapter.write_text(chapter.read_text(encoding="utf-8") + vni, encoding="utf-8")
    result = CliRunner().invoke(main, ["lint", "--fix", str(root)])
    assert result.exit_code == 0, result.output
    assert "fixed[T009]" in result.output and "VNI" in result.output
    assert chapter.read_text(encoding="utf-8").endswith("\nCộng hòa xã hội chủ nghĩa Việt Nam\n")


def test_the_installed_command_exits_with_the_code_and_leaves_nothing_behind(tmp_path: Path) -> None:
    """`publish` (publish.cli:run) ends the process without Python's teardown: the exit code, the
    messages and the files must be those of a normal exit, and WeasyPrint's temporary fonts removed."""
    temporary = Path(tempfile.gettempdir())
    before = set(temporary.glob("weasyprint-*"))
    root = copy_sample(tmp_path / "sample")
    command = [sys.executable, "-m", "publish", "build", "--force", "--outputs", "epub,print", str(root)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stdout and "warning(s)" in done.stdout and "T002" in done.stderr
    assert sorted(path.suffix for path in (root / "dist").iterdir()) == [".epub", ".pdf"]
    assert set(temporary.glob("weasyprint-*")) == before

    lint = subprocess.run([sys.executable, "-m", "publish", "lint", str(root)], capture_output=True, text=True,
                          timeout=60)
    assert lint.returncode == 0 and "T002" in lint.stderr and "warning(s)" in lint.stdout

    missing = subprocess.run([sys.executable, "-m", "publish", "build", str(tmp_path / "none")],
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 3 and "C001" in missing.stderr
    usage = subprocess.run([sys.executable, "-m", "publish", "build", "--outputs", "bogus", str(root)],
                           capture_output=True, text=True, timeout=60)
    assert usage.returncode == 2 and "unknown output(s) bogus" in usage.stderr
