"""Incremental builds: an unchanged project is answered from the cache; any change to what the build
read (or to what it was asked) rebuilds, and a rebuild that reuses cached pieces gives the same bytes."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

import publish
from publish.cli import Progress, main
from publish.project import defaults_dir
from tests.conftest import ENV, copy_sample


def snapshot(result: publish.BuildResult) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in result.outputs}


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, publish.BuildResult]:
    root = copy_sample(tmp_path / "book")
    return root, publish.build(root, environ=ENV)


def test_an_unchanged_project_is_answered_from_the_cache(built: tuple[Path, publish.BuildResult]) -> None:
    root, first = built
    again = publish.build(root, environ=ENV)
    assert again.cached and not first.cached
    assert again.outputs == first.outputs and snapshot(again) == snapshot(first)
    assert again.diagnostics == first.diagnostics  # warnings are reported again, so --strict still fails
    result = CliRunner().invoke(main, ["build", "--strict", str(root)])
    assert result.exit_code == 1 and "up to date:" in result.output and "warning[T002]" in result.output


@pytest.mark.parametrize("change", ["chapter", "new chapter", "extra.css", "config", "clock", "outputs",
                                    "dist", "force", "cache deleted"])
def test_any_change_rebuilds(built: tuple[Path, publish.BuildResult], change: str) -> None:
    root, first = built
    environ, outputs, force = dict(ENV), None, False
    chapter = next((root / "manuscript").glob("*.md"))
    if change == "chapter":
        chapter.write_text(chapter.read_text(encoding="utf-8").replace("TRÍ DŨNG", "TRÍ DŨNG, HÀ AN"), encoding="utf-8")
    elif change == "new chapter":
        (root / "manuscript" / "02-them.md").write_text("---\ntitle: Bài thêm\n---\n\nĐoạn mới.\n", encoding="utf-8")
    elif change == "extra.css":
        (root / "styles").mkdir()
        (root / "styles" / "extra.css").write_text("p { letter-spacing: 0.01em; }\n", encoding="utf-8")
    elif change == "config":
        config = root / "publish.yaml"
        config.write_text(config.read_text(encoding="utf-8").replace("bleed: 3mm", "bleed: 5mm"), encoding="utf-8")
    elif change == "clock":
        environ["SOURCE_DATE_EPOCH"] = "1700000000"
    elif change == "outputs":
        outputs = ("epub",)
    elif change == "dist":
        first.outputs[1].write_bytes(b"edited by hand")
    elif change == "force":
        force = True
    elif change == "cache deleted":
        shutil.rmtree(root / ".publish-cache")
    again = publish.build(root, environ=environ, outputs=outputs, force=force)
    assert not again.cached
    for path in again.outputs:
        assert path.read_bytes()[:4] in (b"PK\x03\x04", b"%PDF")


def test_an_edited_epub_stylesheet_rebuilds_the_epub_made_in_another_process(tmp_path: Path) -> None:
    """The EPUB is packaged in a forked process; what it reads must still reach the cache's manifest."""
    root = copy_sample(tmp_path / "book")
    sheet = root / "styles" / "epub.css"
    sheet.parent.mkdir(exist_ok=True)
    sheet.write_text((defaults_dir("styles") / "epub.css").read_text(encoding="utf-8")
                     + "\n.lead { color: #333333; }\n", encoding="utf-8")
    publish.build(root, environ=ENV, outputs=("epub", "print"))
    assert publish.build(root, environ=ENV, outputs=("epub", "print")).cached
    sheet.write_text(sheet.read_text(encoding="utf-8").replace("#333333", "#444444"), encoding="utf-8")
    again = publish.build(root, environ=ENV, outputs=("epub", "print"))
    assert not again.cached
    with zipfile.ZipFile(again.outputs[0]) as epub:
        css = "".join(epub.read(name).decode() for name in epub.namelist() if name.endswith(".css"))
    assert "#444444" in css and "#333333" not in css


def test_a_rebuild_from_cached_pieces_gives_the_same_bytes(built: tuple[Path, publish.BuildResult],
                                                           tmp_path: Path) -> None:
    root, _ = built
    chapter = next((root / "manuscript").glob("*.md"))
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nMột đoạn thêm vào cuối bài.\n", encoding="utf-8")
    artifacts = sorted(p.name for p in (root / ".publish-cache" / "artifacts").rglob("*") if p.is_file())
    incremental = snapshot(publish.build(root, environ=ENV))
    assert sorted(p.name for p in (root / ".publish-cache" / "artifacts").rglob("*") if p.is_file()) == artifacts
    clean = copy_sample(tmp_path / "clean")
    shutil.copy(chapter, clean / "manuscript" / chapter.name)
    assert snapshot(publish.build(clean, environ=ENV, force=True)) == incremental


def test_progress_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    captured = io.StringIO()
    captured.isatty = lambda: True  # type: ignore[method-assign]
    monkeypatch.setattr("sys.stderr", captured)
    with Progress(delay=0) as progress:
        progress("press PDF: page 3")
    assert "press PDF: page 3…" in captured.getvalue()
    quiet = io.StringIO()
    monkeypatch.setattr("sys.stderr", quiet)
    with Progress(delay=0) as progress:
        progress("press PDF: page 3")
    assert quiet.getvalue() == ""


def test_help_does_not_load_the_renderers() -> None:
    heavy = "('weasyprint', 'pikepdf', 'ebooklib')"
    code = f"import sys, publish.cli; print(sorted(m for m in {heavy} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.skipif(sys.platform != "linux", reason="the soname shortcut is for Linux")
def test_weasyprint_loads_without_a_library_search() -> None:
    """cffi's find_library runs ldconfig, gcc and ld for each name WeasyPrint tries (0.12 s a build)."""
    code = (
        "import subprocess, sys\n"
        "started = []\n"
        "spawn = subprocess.Popen._execute_child\n"
        "def counted(self, args, *rest, **named):\n"
        "    started.append(args)\n"
        "    return spawn(self, args, *rest, **named)\n"
        "subprocess.Popen._execute_child = counted\n"
        "from publish.output import engine\n"
        "engine.load()\n"
        "from weasyprint.text.ffi import pango, fontconfig\n"
        "import ctypes.util\n"
        "print(len(started), pango.pango_version() > 0, ctypes.util.find_library.__module__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["0", "True", "ctypes.util"]


def test_work_in_a_forked_process_reports_its_result_and_its_errors() -> None:
    from publish import rules
    from publish.diagnostics import Location
    from publish.output import parallel

    notes: list = []

    def works() -> bytes:
        notes.append(rules.PDF_RENDER_WARNING("from the child", Location("x.pdf")))
        return b"%PDF-bytes"

    def fails() -> bytes:
        raise publish.RenderError([rules.PDF_RENDER_FAILED("broken in the child", Location("x.pdf"))])

    def crashes() -> bytes:
        raise KeyError("bug")

    assert parallel.start(works, notes).result() == b"%PDF-bytes"
    assert [n.message for n in notes] == ["from the child"]
    with pytest.raises(publish.RenderError) as failure:
        parallel.start(fails, notes).result()
    assert failure.value.diagnostics[0].message == "broken in the child"
    with pytest.raises(RuntimeError, match="KeyError"):
        parallel.start(crashes, notes).result()
    assert parallel.can_fork()  # CI machines have two cores: the screen PDF really runs in parallel there
