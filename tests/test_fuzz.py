"""Random manuscripts, front matter and stylesheets (Hypothesis), through ``publish lint`` and ``publish build``
run in this process: no internal error (exit 70) or traceback, no file opened outside the project (a
``sys.addaudithook`` hook on ``open``), and a bounded time for each example.

The examples are drawn from the pieces that break parsers: Markdown's block and inline markers nested
and unbalanced, YAML's anchors, tags and flow collections, CSS's blocks, strings, escapes and
addresses, with Vietnamese letters, look-alikes, combining marks, control characters and
noncharacters among them. The numbers of examples are fixed (and derandomized), so CI always runs the
same ones.
"""

from __future__ import annotations

import mimetypes
import os
import re
import resource
import sys
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from publish.cli import main
from publish.resources import PACKAGE_DIR, defaults_dir

SECONDS = 20.0  # of CPU for one example (lint takes a fraction of a second, a build about two)

TEXT = ["Đường", "làng", "Ðà", "hoà", "hòa", "ủy", "a\u0301", "\u00a0", "\u200b", "\u2060", "\ufffe", "\x00",
        "\x1b", "\x85", "\ud7ff", "\U0001f600", "\u25e6", "\u0300\u0301\u0302", " ", "\t", "\n", "\n\n", "x", "1"]
MARKDOWN = ["- ", "* ", "+ ", "1. ", "9) ", "> ", ">>", "#", "## ", "### ", "    ", "```", "~~~", "`", "*", "**",
            "_", "__", "~~", "[", "]", "(", ")", "](", "![", "<", ">", "&", "&#", "&#x", ";", "&amp;", "\\", "|",
            "| --- |", "---", "===", "[^1]", "[^1]: ", "{#", "}", '{alt="', '"}', "http://", "https://x.vn",
            "images/a.jpg", "../", "/etc/passwd", "file:///", "<!-- ", " -->", "<b>", "$", "^", "=", ":"]
YAML = ["title: ", "date: ", "authors: ", "- ", "[", "]", "{", "}", ", ", ": ", "? ", "&a ", "*a", "<<: ", "!!str ",
        "!!python/object/apply:os.system ", "!!binary ", "'", '"', '"\\ud800"', "\\", "2023-02-30", "2024-03-15",
        "9" * 40, "-1", "1e999", ".inf", "null", "~", "yes", "|", ">-", "#", "\n", "\n  ", "\t", "%YAML 1.1\n", "..."]
CSS = ["p", "h1", "body", "@page", "@media screen", "@supports (x: y)", "@font-face", "@import ", "@top-center",
       "::before", "::marker", " { ", " }", "{", "}", ";", ": ", "color: red", "content: ", "'\u25e6'", '"',
       "counter(x)", "counters(x, '.')", "list-style-type: circle", "url(", ")", "url('", "')", "data:,",
       "file:///etc/passwd", "http://127.0.0.1:9/", "../../", "x.png", "/*", "*/", "\\", "\\72", "!important",
       "string-set: x content()", "quotes: '\u00ab' '\u00bb'", "font-family: serif", "\n"]


def pieces(words: list[str], size: int) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(words) | st.text(max_size=3), max_size=size).map("".join)


markdown = pieces(MARKDOWN + TEXT, 60)
# Mostly broken YAML, and well-formed mappings with odd values (which reach the schema and the text).
front_matter = pieces(YAML + TEXT, 40) | st.builds("title: {}\ndate: {}\n{}".format, pieces(YAML + TEXT, 8),
                                                   pieces(YAML, 3), pieces(YAML + TEXT, 20))
# Mostly broken CSS, and well-formed rules with odd values (which reach WeasyPrint's cascade).
stylesheet = pieces(CSS + TEXT, 50) | st.lists(
    st.builds("{} {{ {}: {} }}\n".format, st.sampled_from(["p", "h1", "li", "@page", "body", "ol"]),
              st.sampled_from(["content", "list-style-type", "quotes", "background", "font-family", "color"]),
              pieces(CSS + TEXT, 6)), max_size=5).map("".join)

CONFIG = "title: Sách thử\nauthors: [Tác Giả]\ndate: 2024-03-15\n"
ARTICLE = "---\ntitle: Bài thử\n---\n\n{}\n"


# Every file opened while an example runs, by path, and the folders an example may open files in.
OPENED: list[str] = []
ARMED: list[bool] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if ARMED and event == "open" and isinstance(args[0], str | bytes):
        OPENED.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)  # (hooks cannot be removed: this one records only while an example runs)


def allowed_folders(root: Path) -> list[Path]:
    """The project, the temporary folder, publish itself and its defaults, and Python's own files
    (modules imported late)."""
    import tempfile

    python = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    return [root.resolve(), Path(tempfile.gettempdir()).resolve(), PACKAGE_DIR, defaults_dir("styles"),
            defaults_dir("fonts"), *python, *(Path(p).resolve() for p in sys.path if p and Path(p).is_dir())]


@contextmanager
def watched(root: Path) -> Iterator[None]:
    OPENED.clear()
    ARMED.append(True)
    try:
        yield
    finally:
        ARMED.clear()
    allowed = allowed_folders(root)
    outside = [path for path in OPENED if not _within(path, root, allowed)]
    assert not outside, f"opened outside the project: {outside}"


# What the standard library reads of the system by itself, whatever the input: its table of media types
# (mimetypes, on first use) and the time zone database (zoneinfo).
SYSTEM = (*mimetypes.knownfiles, "/dev/null", "/dev/urandom")
SYSTEM_FOLDERS = ("/usr/share/zoneinfo/", "/proc/self/")


def _within(path: str, root: Path, allowed: list[Path]) -> bool:
    if path in SYSTEM or path.startswith(SYSTEM_FOLDERS):
        return True
    resolved = (root / path).resolve() if not os.path.isabs(path) else Path(path).resolve()
    return any(resolved.is_relative_to(folder) for folder in allowed)


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (the forked PDF and EPUB makers): the bound
    holds on a loaded machine, where wall time would not."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


# An error that names a file publish made (``ch01.xhtml:15``) rather than the line of the project that caused it.
_GENERATED = re.compile(r"^\S*\.xhtml\b.*error\[|.*\(<string>, line \d+\)")


def run(command: str, root: Path) -> None:
    """``publish COMMAND root`` in this process: any exit but 70, no traceback, within :data:`SECONDS`."""
    started = cpu_seconds()
    with watched(root):
        result = CliRunner().invoke(main, [command, str(root)])
    seconds = cpu_seconds() - started
    failure = "".join(traceback.format_exception(result.exception)) if result.exception and \
        not isinstance(result.exception, SystemExit) else ""
    assert result.exit_code != 70 and not failure and "Traceback" not in result.output, result.output + failure
    generated = [line for line in result.output.splitlines() if _GENERATED.match(line)]
    assert not generated, f"errors located in generated files, not in the project's: {generated}"
    assert seconds < SECONDS, f"{command} took {seconds:.1f} s"


def project(tmp_path_factory: pytest.TempPathFactory, files: Mapping[str, str | bytes]) -> Path:
    root = tmp_path_factory.mktemp("fuzz")
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass"))
    return root


EXAMPLES = settings(max_examples=50, deadline=None, derandomize=True, database=None,
                    phases=[Phase.explicit, Phase.generate],  # (no shrinking: a failure shows its example)
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@EXAMPLES
@given(text=markdown)
def test_random_markdown_lints(text: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    run("lint", project(tmp_path_factory, {"publish.yaml": CONFIG, "manuscript/01.md": ARTICLE.format(text)}))


@EXAMPLES
@given(header=front_matter)
def test_random_front_matter_lints(header: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    files = {"publish.yaml": CONFIG, "manuscript/01.md": f"---\n{header}\n---\n\nĐoạn văn.\n"}
    run("lint", project(tmp_path_factory, files))


@EXAMPLES
@given(config=front_matter)
def test_random_publish_yaml_lints(config: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    run("lint", project(tmp_path_factory, {"publish.yaml": config, "manuscript/01.md": ARTICLE.format("Đoạn.")}))


@EXAMPLES
@given(css=stylesheet)
def test_random_stylesheet_lints(css: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    files = {"publish.yaml": CONFIG, "manuscript/01.md": ARTICLE.format("- Một\n  - Hai\n\n> Trích."),
             "styles/extra.css": css}
    run("lint", project(tmp_path_factory, files))


BUILDS = settings(EXAMPLES, max_examples=10)


@BUILDS
@given(text=markdown, css=stylesheet)
def test_random_books_build(text: str, css: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    files = {"publish.yaml": CONFIG + "outputs: [epub, print, screen]\n",
             "manuscript/01.md": ARTICLE.format(text), "styles/extra.css": css}
    run("build", project(tmp_path_factory, files))


def test_the_watch_sees_a_file_opened_outside(tmp_path: Path) -> None:
    """(The audit hook is live: a test that cannot fail proves nothing.)"""
    outside = tmp_path / "outside.txt"
    outside.write_text("x", encoding="utf-8")
    root = tmp_path / "project"
    root.mkdir()
    with pytest.raises(AssertionError, match="opened outside the project"), watched(root):
        outside.read_text(encoding="utf-8")
