"""Hostile projects, the manuscript's text: nesting, sizes and note calls past their limits, characters that
are not text, and the paths that were quadratic in a paragraph's length (see tests.hostile for what every
case must hold).

The sample's article has 32 lines, so what ``adds`` appends starts on line 33. Each refusal is asserted at
its place: ``{ARTICLE}:33: error[M016]`` (a line) or ``{ARTICLE}:33:5: error[M018]`` (a character).
The timing cases measure processor time in a process of their own (the package under test, as for the
table), against a bound or against the same work done the ordinary way, so that a loaded machine does not
make them fail and the old quadratic code fails them by far.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from tests.helpers import REPO
from tests.hostile import ARTICLE, STEM, UNDER_TEST, Case, Place, append, attack

Arrange = Callable[[Place], None]
MEGABYTE = 1024 * 1024
LIMIT = 32  # publish.manuscript.markdown.MAX_NESTING, as the author meets it
WORDS = re.findall(r"[^\W\d_]+", (REPO / ARTICLE).read_text(encoding="utf-8"))


def adds(text: str) -> Arrange:
    """The article with ``text`` appended (from line 33)."""
    return lambda place: append(place, ARTICLE, text)


def replaces(name: str, old: str, new: str) -> Arrange:
    def arrange(place: Place) -> None:
        path = place.root / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} is not in {name}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return arrange


def line_of(size: float) -> str:
    """A paragraph of ``size`` MB of the sample's Vietnamese words on one line (1 MB: some 170,000 words)."""
    words, length = [], 0
    while length < size * MEGABYTE:
        words.append(WORDS[len(words) % len(WORDS)])
        length += len(words[-1].encode()) + 1
    return " ".join(words)


def at(line: int, column: int | None = None, code: str = "M018") -> str:
    """How the output names a place in the article: ``manuscript/01-....md:33:5: error[M018]``."""
    return f"{ARTICLE}:{line}{f':{column}' if column else ''}: error[{code}]"


def with_lint(case: Case) -> list[Case]:
    """The case, and ``publish lint`` on the same project, which must report the same code at the same place."""
    return [case, dataclasses.replace(case, name=f"{case.name}, lint", args=("lint", "{root}"))]


def emphasis(depth: int, words: str) -> str:
    """``words`` inside ``depth`` emphases, * and _ in turn: ``*chữ _chữ words chữ_ chữ*``."""
    marks = ["*_"[level % 2] for level in range(depth)]
    return " ".join(f"{mark}chữ" for mark in marks) + f" {words} " + " ".join(f"chữ{mark}" for mark in reversed(marks))


def nested_lists(depth: int) -> str:
    return "".join("  " * level + f"- mục {level + 1}\n" for level in range(depth))


# A file past 8 MB: the line where it passes them is where the error points.
FILLER = ("Một dòng chữ bình thường của bài viết, lặp lại cho đủ dài.\n" * 160_000)
PASSED_AT = ((REPO / ARTICLE).read_bytes() + FILLER.encode())[: 8 * MEGABYTE].count(b"\n") + 1
DEEPEST = "sâu-tận-đáy"  # the words at the bottom of the deepest nesting allowed, which must reach the book


@dataclasses.dataclass(frozen=True)
class TextCase:
    """A case of the table, with the text its output must also say (a hint) and the words the EPUB must hold."""

    case: Case
    says: str = ""
    keeps: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.case.name


def cases(*items: Case | TextCase) -> list[TextCase]:
    return [item if isinstance(item, TextCase) else TextCase(item) for item in items]


CASES = cases(
    # Nesting: refused at its line before markdown-it's tree is built (RecursionError before), and never cut
    # silently (markdown-it dropped the text past its own limit: the tenth nested list, the twentieth quote).
    *with_lint(Case("1000 nested *", adds("*" * 1000 + "chữ" + "*" * 1000 + "\n"), 3, ("M016",),
                    at(33, code="M016"))),
    Case("1000 nested * after three lines of a paragraph", adds("Một\nhai\nba " + "*" * 1000 + "x" + "*" * 1000),
         3, ("M016",), at(35, code="M016")),
    Case("33 nested _ and *", adds(emphasis(33, "giữa") + "\n"), 3, ("M016",), at(33, code="M016")),
    *with_lint(Case("20,000 nested block quotes", adds(">" * 20_000 + " chữ\n"), 3, ("M016",), at(33, code="M016"))),
    Case("20,000 nested lists on one line", adds("- " * 20_000 + "chữ\n"), 3, ("M016",), at(33, code="M016")),
    Case("20,000 nested ordered lists", adds("1. " * 20_000 + "chữ\n"), 3, ("M016",), at(33, code="M016")),
    Case("33 lists nested by indentation", adds(nested_lists(33)), 3, ("M016",), at(33 + 32, code="M016")),
    Case("33 quotes in a note", adds("Có ghi chú.[^sâu]\n\n[^sâu]: " + "> " * 33 + "chữ\n"), 3, ("M016",),
         at(35, code="M016")),
    Case("1000 nested * in the lead", replaces(ARTICLE, "lead: >-\n  LSO-", "lead: >-\n  " + "*" * 1000 + "LSO"
                                               + "*" * 1000), 3, ("M016",), at(6, code="M016")),
    TextCase(Case("32 levels of quotes, lists and emphasis are a book's, every word kept",
                  adds("> " * LIMIT + emphasis(LIMIT, f"{DEEPEST}-1") + "\n\n"
                       + nested_lists(LIMIT - 1) + "  " * (LIMIT - 1) + f"- {DEEPEST}-2\n"), 0),
             keeps=(f"{DEEPEST}-1", f"{DEEPEST}-2", "mục 11", "mục 31")),
    # Sizes: refused before any per-line work (a 1 MB line was read and laid out for minutes before).
    *with_lint(Case("a line of 1 MB", adds(line_of(1.0) + "\n"), 3, ("M017",), at(33, code="M017"),
                    timeout=10)),
    Case("a file of 9 MB", adds(FILLER), 3, ("M017",), at(PASSED_AT, code="M017"), timeout=30),
    Case("10,001 note calls", adds("".join(f"Câu {n}.[^{n}]\n" for n in range(1, 10_002)) + "\n"
                                   + "".join(f"[^{n}]: Ghi chú {n}.\n" for n in range(1, 10_002))),
         3, ("M017",), at(33 + 10_000, code="M017"), timeout=30),
    Case("a line of 250 KB is read, and linted, in linear time", adds(line_of(0.24) + "\n"), 0,
         args=("lint", "{root}"), timeout=30),
    # Characters that are not text: at their line and column, not at a generated file.
    *with_lint(Case("U+FFFE in the text", adds("Chữ \ufffe lạ.\n"), 3, ("M018",), at(33, 5))),
    TextCase(Case("U+FFFF, U+FDD0 and U+10FFFF", adds("Một\uffff hai\ufdd0 ba \U0010ffff.\n"), 3, ("M018",),
                  at(33, 4)), says=at(33, 14)),
    Case("a C0 control character", adds("Một\x01hai.\n"), 3, ("M018",), at(33, 4)),
    Case("a C1 control character", adds("Một hai\x85 ba.\n"), 3, ("M018",), at(33, 8)),
    Case("DEL", adds("Một hai\x7f.\n"), 3, ("M018",), at(33, 8)),
    TextCase(Case("a vertical tab (a word processor's line break)", adds("Dòng một\x0bdòng hai.\n"), 3, ("M018",),
                  at(33, 9)), says="manual line break"),
    TextCase(Case("a form feed", adds("\x0c\n## Trang mới\n"), 3, ("M018",), at(33, 1)), says="page break"),
    TextCase(Case("NULs of a file saved as UTF-16", adds("".join(f"{ch}\x00" for ch in "Mot hai ba.\n")), 3,
                  ("M018",), at(33, 2)), says="UTF-16"),
    Case("a noncharacter in a heading", adds("## Mục\ufdd0 mới\n"), 3, ("M018",), at(33, 7)),
    Case("a control character in the front matter's title", replaces(ARTICLE, "title: Chú", "title: Ch\x02ú"), 3,
         ("M018",), at(2, 10)),
    Case("a control character in a link's address", adds("[trang](https://a.vn/\x01)\n"), 3, ("M018",), at(33, 22)),
    Case("a noncharacter in publish.yaml", replaces("publish.yaml", "language: vi", "language: vi\nsubtitle: a\ufffe"),
         3, ("M018",), "publish.yaml:4:12: error[M018]"),
)


@pytest.mark.parametrize("text_case", CASES, ids=str)
def test_hostile_text(text_case: TextCase, tmp_path: Path, sample_dist: Path) -> None:
    outcome = attack(text_case.case, tmp_path, sample_dist)
    assert text_case.says in outcome.output, outcome.output
    if text_case.keeps:
        with zipfile.ZipFile(tmp_path / "project" / "dist" / f"{STEM}.epub") as book:
            text = " ".join("".join(etree.fromstring(book.read(name)).itertext())  # (a page marker may split a word)
                            for name in book.namelist() if name.endswith(".xhtml"))
        missing = [words for words in text_case.keeps if words not in text]
        assert not missing, f"{text_case}: {missing} not in the EPUB"


# Timing: processor time in a process of its own, the package under test first on its path. --------------------

def processor_time(script: str, timeout: float = 120) -> list[float]:
    """The numbers ``script`` prints (processor seconds it measured), run with the package under test."""
    environ = {**os.environ, "PYTHONPATH": str(UNDER_TEST), "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        done = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], env=environ, cwd=UNDER_TEST,
                              capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"still running after {timeout:g} s") from exc
    return [float(number) for number in done.stdout.split()]


def test_page_markers_in_a_paragraph_of_many_pages_take_linear_time() -> None:
    """2000 pages starting inside one paragraph of a million characters (a one-line article of 470 pages
    has 470): each marker counted the paragraph's letters from its start (75 s), now one reading."""
    [seconds] = processor_time("""
        import time
        from lxml import etree
        from publish.output import pagination
        xhtml = "http://www.w3.org/1999/xhtml"
        root = etree.Element(f"{{{xhtml}}}body")
        paragraph = etree.SubElement(etree.SubElement(root, f"{{{xhtml}}}section", id="a"), f"{{{xhtml}}}p")
        paragraph.text = "chữ " * 250_000
        starts = [pagination.PageStart(page, "a", (0,), page * 120) for page in range(1, 2001)]
        started = time.process_time()
        assert len(pagination.mark_pages(root, starts)) == 2000
        assert paragraph.text == "chữ " * 40 and len(paragraph) == 2000
        print(time.process_time() - started)
    """, timeout=60)
    assert seconds < 5.0


def test_a_paragraph_on_one_line_is_laid_out_as_fast_as_the_same_words_in_paragraphs() -> None:
    """WeasyPrint copies the rest of a text box for every line it breaks from it: a 150,000-character
    paragraph on a narrow page took 5 times as long as the same words in paragraphs of 100."""
    one, apart = processor_time(f"""
        import time
        from publish.output import engine
        engine.load()
        from weasyprint import CSS, HTML
        words = {WORDS!r}
        text = [words[index % len(words)] for index in range(30_000)]
        css = CSS(string="@page {{ size: 40mm 1000mm; margin: 5mm }} "
                         "body {{ font: 8pt/1.2 serif; text-align: justify }}")

        def lay_out(paragraphs):
            html = "<html lang='vi'><body>" + "".join(f"<p>{{' '.join(p)}}</p>" for p in paragraphs) + "</body></html>"
            started = time.process_time()
            engine.paginate(HTML(string=html), stylesheets=[css])
            return time.process_time() - started

        apart = lay_out([text[index:index + 100] for index in range(0, len(text), 100)])
        print(lay_out([text]), apart)
    """)
    assert one < 1.5 * apart + 0.5, f"one paragraph {one:.2f} s, the same words in paragraphs {apart:.2f} s"
