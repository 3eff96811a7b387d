"""Lists nested to any depth, code in the mono face, and every glyph checked before layout.

A book of nested and mixed lists (bullet in bullet, bullet in number, number in bullet, four levels and more,
loose and tight, a list starting at 7) and Vietnamese code builds its three outputs; the markers are drawn
in a declared face at every level; code is set in Noto Sans Mono in the PDFs and the EPUB. What the
stylesheets generate is checked against the face that sets it before layout, by ``publish lint`` and
``publish build`` alike (the same function, :func:`publish.pipeline.prepare`), and what only layout finds
still names the character, its face and its manuscript line.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from fontTools.ttLib import TTFont

import publish
from publish.cli import main
from publish.fonts import load_faces
from publish.makeup.ink import VIETNAMESE
from publish.output import coverage, engine
from publish.output.pdf import Session, check_faces, embedded_fonts, font_css, virtual_url
from tests import pages
from tests.conftest import ENV, write_project
from tests.helpers import REPO, epubcheck, epubcheck_findings

CONFIG = """
title: Sách thử danh sách
authors: [Tác Giả]
date: 2023-06-01
print:
  trim: A5
  bleed: 3mm
  marks: true
"""

LISTS = """
---
title: Danh sách lồng nhau
date: 2023-06-01
---

Đoạn mở đầu có `mã: Trường Đặng Ấm ỵ Ổ` ở giữa.

- Gạch một
  - Gạch hai
    - Gạch ba
      - Gạch bốn
        - Gạch năm
- Gạch sáu

1. Số một
   - Gạch trong số
     1. Số trong gạch
        - Mức bốn
2. Số hai

Đoạn giữa hai danh sách.

7. Bắt đầu từ bảy
8. Tám

- Mục rời một

  Đoạn thứ hai của mục rời.

- Mục rời hai

```
def chào():
    print("Xin chào Việt Nam: Ấm Ổ ỵ Đặng")
```
"""

DECLARED = {face.postscript_name for face in load_faces(REPO / "fonts", str)}


@pytest.fixture(scope="module")
def lists(tmp_path_factory: pytest.TempPathFactory) -> publish.BuildResult:
    root = write_project(tmp_path_factory.mktemp("lists"), {"publish.yaml": CONFIG, "manuscript/01-bai.md": LISTS})
    return publish.build(root, environ=ENV)


def output(result: publish.BuildResult, suffix: str) -> Path:
    return next(path for path in result.outputs if path.name.endswith(suffix))


def postscript_names(path: Path) -> dict[str, str]:
    """BaseFont without its subset tag → the PostScript name of the embedded program."""
    return {re.sub(r"^/[A-Z]{6}\+", "", base): str(name) for base, name in embedded_fonts(path.read_bytes())}


def test_nested_lists_build_all_three_outputs_and_epubcheck_is_clean(lists: publish.BuildResult,
                                                                     tmp_path: Path) -> None:
    assert [path.name for path in lists.outputs] == [
        "sach-thu-danh-sach.epub", "sach-thu-danh-sach.print.pdf", "sach-thu-danh-sach.screen.pdf"]
    assert not [d for d in lists.diagnostics if d.code.startswith("F")]
    assert epubcheck_findings(epubcheck(lists.outputs[0], tmp_path / "report.json")) == []


@pytest.mark.parametrize("suffix", [".print.pdf", ".screen.pdf"])
def test_markers_are_drawn_in_a_declared_face_at_every_level(lists: publish.BuildResult, suffix: str) -> None:
    path = output(lists, suffix)
    names = postscript_names(path)
    assert set(names.values()) <= DECLARED  # (the build's own check: no fallback font embedded)
    markers = [line.glyphs[0] for page in pages.pages(path) for line in page.lines
               if line.glyphs and line.glyphs[0].text in ("•", "–")]
    assert [glyph.text for glyph in markers[:6]] == ["•", "–", "•", "–", "•", "•"]  # levels 1-5, then 1 again
    assert {names[glyph.font] for glyph in markers} == {"NotoSerif-Regular"}
    numbered = [line for page in pages.pages(path) for line in page.lines
                if "".join(g.text for g in line.glyphs).startswith(("1.", "2.", "7.", "8."))]
    assert len(numbered) >= 4 and all(names[line.glyphs[0].font] == "NotoSerif-Regular" for line in numbered)
    texts = ["".join(g.text for g in line.glyphs).replace(" ", "") for page in pages.pages(path) for line in page.lines]
    assert "7.Bắtđầutừbảy" in texts and "8.Tám" in texts  # a list may start at any number


@pytest.mark.parametrize("suffix", [".print.pdf", ".screen.pdf"])
def test_code_is_set_in_the_mono_face_in_the_pdfs(lists: publish.BuildResult, suffix: str) -> None:
    path = output(lists, suffix)
    names = postscript_names(path)
    code = [glyph for page in pages.pages(path) for glyph in page.glyphs
            if names[glyph.font].startswith("NotoSansMono")]
    text = "".join(glyph.text for glyph in code)
    assert "XinchàoViệtNam:ẤmỔỵĐặng" in text.replace(" ", "")  # the code block
    assert "mã:TrườngĐặngẤmỵỔ" in text.replace(" ", "")  # the code span


def test_code_is_set_in_the_mono_face_in_the_epub(lists: publish.BuildResult) -> None:
    with zipfile.ZipFile(lists.outputs[0]) as book:
        css = book.read("EPUB/styles/book.css").decode("utf-8")
        subset = TTFont(io.BytesIO(book.read("EPUB/fonts/NotoSansMono-Regular.ttf")))
        manifest = book.read("EPUB/content.opf").decode("utf-8")
    assert re.search(r'font-family: "Noto Sans Mono";\s*font-weight: 400;\s*font-style: normal;\s*'
                     r'src: url\("\.\./fonts/NotoSansMono-Regular\.ttf"\)', css)
    assert re.search(r'code, pre \{\s*font-family: "Noto Sans Mono", monospace;', css)
    assert "fonts/NotoSansMono-Regular.ttf" in manifest
    cmap = subset.getBestCmap()
    assert all(ord(ch) in cmap for ch in "Xin chào Việt Nam: Ấm Ổ ỵ Đặng" if not ch.isspace())
    assert all(ord(ch) in cmap for ch in "•–")  # the EPUB's list markers, which its stylesheet generates


@pytest.mark.parametrize("name", ["NotoSansMono-Regular.ttf", "NotoSansMono-Bold.ttf"])
def test_the_mono_face_has_every_vietnamese_letter(name: str) -> None:
    cmap = TTFont(REPO / "fonts" / name).getBestCmap()
    assert [ch for ch in VIETNAMESE if ord(ch) not in cmap] == []
    assert (REPO / "fonts" / "OFL-NotoSansMono.txt").is_file()
    assert "NotoSansMono-Regular/Bold.ttf" in (REPO / "fonts" / "README.md").read_text(encoding="utf-8")


# Generated text no face has: lint and build refuse it alike, before layout.

NESTED = """
---
title: Bài thử
date: 2023-06-01
---

Đoạn văn đầu tiên.

- Một
  - Hai

> Trích dẫn.
"""


def lint_and_build(root: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]], int]:
    linted = [(d.code, str(d.location)) for d in publish.lint(root, environ=ENV) if d.severity.value == "error"]
    with pytest.raises(publish.PublishError) as failure:
        publish.build(root, environ=ENV)
    built = [(d.code, str(d.location)) for d in failure.value.diagnostics]
    return linted, built, failure.value.exit_code


def test_a_stylesheet_generating_a_character_no_face_has_fails_lint_and_build_alike(tmp_path: Path) -> None:
    root = write_project(tmp_path, {
        "publish.yaml": CONFIG, "manuscript/01-bai.md": NESTED,
        "styles/extra.css": '/* the project\'s own */\nblockquote::before {\n  content: "\\2766  ";\n}\n',
    })
    linted, built, code = lint_and_build(root)
    assert linted == built == [("F005", "styles/extra.css:3:3")]
    assert code == 4
    [diagnostic] = publish.lint(root, environ=ENV)
    assert "'❦' (U+2766) FLORAL HEART, ::before content" in diagnostic.message
    assert "NotoSerif-Italic (400 italic)" in diagnostic.message  # the face of a blockquote
    result = CliRunner().invoke(main, ["lint", str(root)])
    assert result.exit_code != 0 and "styles/extra.css:3:3: error[F005]" in result.output
    assert not (root / "dist").exists()


def test_the_check_before_layout_sees_list_markers(tmp_path: Path) -> None:
    """A design that leaves nested lists to WeasyPrint's defaults (◦, in no face of the book) is refused
    before layout, at the line of the nested list (9), by lint as by build: not by the font check of the laid-out
    PDF (F001/F003) or not at all, as before."""
    base = (REPO / "styles" / "base.css").read_text(encoding="utf-8")
    base = re.sub(r"\n(li )*ul \{ list-style-type: [^}]*\}", "", base)
    assert "ul { list-style-type" not in base
    root = write_project(tmp_path, {"publish.yaml": CONFIG, "manuscript/01-bai.md": NESTED, "styles/base.css": base})
    linted, built, _ = lint_and_build(root)
    assert linted == built == [("F005", "manuscript/01-bai.md:9")]  # the nested list
    [diagnostic] = publish.lint(root, environ=ENV)
    assert "'◦' (U+25E6) WHITE BULLET, a list marker in the PDFs and the EPUB" in diagnostic.message
    assert "WeasyPrint's default list-style-type" in diagnostic.message


def test_a_list_style_naming_a_counter_style_is_located_in_its_stylesheet(tmp_path: Path) -> None:
    root = write_project(tmp_path, {
        "publish.yaml": CONFIG, "manuscript/01-bai.md": NESTED,
        "styles/extra.css": "ul ul {\n  list-style: square inside;\n}\n",
    })
    linted, built, _ = lint_and_build(root)
    assert linted == built == [("F005", "styles/extra.css:2:3")]


def test_a_character_missing_from_the_face_of_a_heading_is_found_before_layout(tmp_path: Path) -> None:
    """‣ is in Noto Serif (the text) but not in Be Vietnam Pro (headings): the text check of the whole font
    set passes it, the check per face finds it in the heading, at its own line and column."""
    chapter = NESTED + "\nĐoạn có ‣ trong thân bài.\n\n## Tiêu đề có ‣ ở đây\n"
    root = write_project(tmp_path, {"publish.yaml": CONFIG, "manuscript/01-bai.md": chapter})
    linted, built, _ = lint_and_build(root)
    assert linted == built == [("F003", "manuscript/01-bai.md:15:15")]


def test_lint_reports_a_bad_colour_profile_as_the_build_does(tmp_path: Path) -> None:
    root = write_project(tmp_path, {
        "publish.yaml": CONFIG + "  color_profile: profiles/khong-phai.icc\n", "manuscript/01-bai.md": NESTED,
        "profiles/khong-phai.icc": b"not a profile",
    })
    linted, built, _ = lint_and_build(root)
    assert linted == built and [code for code, _ in built] == ["R005"]


# What only layout finds.

def test_outside_markers_are_read_from_the_laid_out_page_and_checked_with_their_source_line() -> None:
    faces = load_faces(REPO / "fonts", str)
    html = ('<html><body><ul data-src="manuscript/01-bai.md:7"><li>Một<ul><li>Hai</li></ul></li></ul>'
            '</body></html>')
    css = '@page { size: A5; } html { font-family: "Noto Serif"; } li li { list-style-type: "\\25E6  "; }'
    with Session({"project": REPO, "fonts": REPO / "fonts", "styles": REPO / "styles"}, faces,
                 datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC), "x.pdf", lambda char, after: None) as session:
        laid = session.paginate(html, font_css(faces) + css)
    views = engine.views(laid.document)
    assert [run.text for run in views[0].placed] == ["• ", "◦ "]
    assert all(run.generated for run in views[0].placed)
    [found] = check_faces(views, faces, "x.pdf", lambda char, after: None)
    assert found.code == "F003" and str(found.location) == "manuscript/01-bai.md:7"
    assert found.message.startswith("'◦' (U+25E6) WHITE BULLET, made by a stylesheet, set in NotoSerif-Regular")


def test_what_a_declaration_can_generate() -> None:
    found = coverage.declarations([coverage.Sheet("styles/extra.css", """
        ul { list-style: square inside; }
        ol ol { list-style-type: lower-roman; }
        .toc a::after { content: leader(dotted) target-counter(attr(href), page, upper-alpha); }
        q { quotes: "«" "»"; }
        @page { @top-center { content: "— " counter(page) " —"; } }
        @media print { h2::before { content: "§ "; } }
    """)])
    assert [(d.name, d.pseudo, d.where.line) for d in found] == [
        ("list-style", "", 2), ("list-style-type", "", 3), ("content", "after", 4), ("quotes", "", 5),
        ("content", "@top-center", 6), ("content", "before", 7)]
    assert "▪" in found[0].text and set("ivxlcdm") <= set(found[1].text) and "0" in found[1].text
    assert "." in found[2].text and "Z" in found[2].text
    assert found[3].text == "«»" and "—" in found[4].text and "7" in found[4].text and "§" in found[5].text


def test_weasyprint_still_keeps_what_the_checks_read() -> None:
    """The internals :func:`engine.generated` and :func:`engine.read` rely on (see tests/test_engine.py)."""
    engine.load()
    import inspect

    from weasyprint.css import StyleFor
    from weasyprint.css.counters import CounterStyle
    from weasyprint.formatting_structure import build
    from weasyprint.layout.absolute import AbsolutePlaceholder

    assert "_box" in inspect.getsource(AbsolutePlaceholder.__init__)
    assert "is_outside_marker = True" in inspect.getsource(build.marker_to_box)
    assert "self._computed_styles" in inspect.getsource(StyleFor.__init__)
    assert set(inspect.signature(CounterStyle.resolve_counter).parameters) >= {"counter_name"}
    assert engine.counter_text("disc", marker=True) == "• "
    assert engine.counter_text(("string", "– ")) == "– "
    parsed = engine.parsed('<html xmlns="http://www.w3.org/1999/xhtml"><body><p>x</p></body></html>',
                           virtual_url("project"), None)
    assert [element.tag for element in parsed.etree_element.iter()] == ["html", "body", "p"]

