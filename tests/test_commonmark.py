"""Every CommonMark 0.31.2 example goes through, in all three outputs, or is refused on purpose.

The examples a book takes are built as the articles of one book (one example each): the EPUB, the press
PDF and the screen PDF build, EPUBCheck reports nothing, each example's text reaches the EPUB as the spec
says it (set by publish's typography), and the PDFs carry the EPUB's text (the parity check). The others
are linted as the articles of a second book, and each is refused with its construct's code at a line of
the example.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import publish
from publish.check import check
from publish.check.parity import words
from tests import commonmark
from tests.conftest import ENV, write_project
from tests.helpers import epub_documents

CONFIG = """
    title: CommonMark 0.31.2
    authors: [John MacFarlane]
    language: vi
    date: 2024-01-28
    print:
      trim: A5
      article_start: continuous
    """
HEADER_LINES = 4  # the front matter before an example's first line


def article(example: commonmark.Example) -> str:
    title = f"Ví dụ {example.number}: {example.section}".replace('"', "'")
    return f'---\ntitle: "{title}"\n---\n\n{example.markdown}'


def book(root: Path, chosen: list[commonmark.Example]) -> Path:
    files = {f"manuscript/{example.number:03d}.md": article(example) for example in chosen}
    return write_project(root, {"publish.yaml": CONFIG, **files})


ACCEPTED = [example for example in commonmark.examples() if not example.refused]
REFUSED = [example for example in commonmark.examples() if example.refused]


def test_the_corpus_is_the_whole_spec() -> None:
    assert len(commonmark.examples()) == 655
    assert len(ACCEPTED) > 400  # (435 with the fonts of this commit)
    assert {code for example in REFUSED for code in example.refused} >= {"M003", "M004", "M005", "M009", "M012",
                                                                          "M013", "F002"}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> publish.BuildResult:
    return publish.build(book(tmp_path_factory.mktemp("commonmark"), ACCEPTED), environ=ENV)


def test_every_example_a_book_takes_builds_and_checks_clean(built: publish.BuildResult) -> None:
    assert [path.suffix for path in built.outputs] == [".epub", ".pdf", ".pdf"]
    report = check(built.outputs, environ=ENV)
    found = [f"{result.name}: {d.code} {d.message} ({d.location})" for result in report.results
             for d in result.diagnostics if d.severity.value in ("error", "warning") and d.code != "A004"]
    assert found == []
    assert {result.name: result.status.value for result in report.results}["epubcheck"] == "passed"


def test_each_example_reaches_the_epub_as_the_spec_says(built: publish.BuildResult) -> None:
    documents = epub_documents(built.outputs[0])
    texts: dict[int, list[str]] = {}
    for root in documents.values():
        title = root.find(".//{*}header//{*}h1")
        number = re.match(r"Ví dụ (\d+):", "".join(title.itertext())) if title is not None else None
        if number is None:
            continue
        body = root.find(".//{*}body")
        assert body is not None
        for header in body.iter("{*}header"):
            header.getparent().remove(header)
        texts[int(number.group(1))] = words(" ".join(body.itertext()))
    assert sorted(texts) == [example.number for example in ACCEPTED]
    lost = {example.number: (words(commonmark.typeset_text(example)), texts[example.number])
            for example in ACCEPTED if words(commonmark.typeset_text(example)) != texts[example.number]}
    assert lost == {}


@pytest.mark.parametrize("uncovered", [False, True], ids=["constructs", "characters"])
def test_each_refused_example_says_why_where(uncovered: bool, tmp_path: Path) -> None:
    # (Characters are checked once the manuscript reads without errors: their examples make a book of their own.)
    chosen = [example for example in REFUSED if (example.refused == {commonmark.UNCOVERED}) == uncovered]
    found = publish.lint(book(tmp_path / "refused", chosen), environ=ENV)
    where: dict[str, list[tuple[str, int | None]]] = {}
    for diagnostic in found:
        if diagnostic.severity.value == "error":
            location = diagnostic.location or publish.Location("")
            where.setdefault(Path(location.path).name, []).append((diagnostic.code, location.line))
    wrong = {}
    for example in chosen:
        errors = where.get(f"{example.number:03d}.md", [])
        first, last = HEADER_LINES + 1, HEADER_LINES + example.markdown.count("\n")
        codes = {code for code, _ in errors}
        if not codes or not codes <= example.refused or any(line is None or not first <= line <= last
                                                            for _, line in errors):
            wrong[example.number] = (sorted(example.refused), errors)
    assert wrong == {}
