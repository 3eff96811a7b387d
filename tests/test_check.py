"""publish check on real files: the sample passes; outputs broken on purpose each give their diagnostic."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import jsonschema
import pikepdf
import pytest
from click.testing import CliRunner
from junitparser import JUnitXml

import publish
from publish.check import check
from publish.check.ace import read_report as read_ace
from publish.check.report import Report
from publish.cli import main
from tests.conftest import ENV, copy_sample
from tests.helpers import REPO

CHECKS = ["epub-structure", "epubcheck", "epub-accessibility", "epub-css", "ace", "pdf-preflight", "pdf-preflight",
          "parity", "parity"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_sample(tmp_path_factory.mktemp("checked"))
    publish.build(root, environ=ENV)
    return root


def outputs(root: Path) -> tuple[Path, Path]:
    """The EPUB and the press PDF."""
    epub = next((root / "dist").glob("*.epub"))
    return epub, epub.with_name(f"{epub.stem}.print.pdf")


def codes(report: Report) -> set[str]:
    return {d.code for d in report.diagnostics}


def rezip(source: Path, target: Path, change: dict[str, bytes | None]) -> Path:
    """A copy of an EPUB with entries replaced (bytes) or removed (None), written like a real EPUB."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = change.get(info.filename, old.read(info))
            if data is not None:
                new.writestr(info, data, compress_type=info.compress_type)
    return target


def test_the_sample_is_fit_to_ship(built: Path) -> None:
    result = CliRunner().invoke(main, ["check", "--project", str(built)])
    assert result.exit_code == 0, result.output
    for name in CHECKS:
        assert name in result.output
    assert "PASS epubcheck" in result.output and "SKIP ace" in result.output and "fit to ship" in result.output
    assert "npm install" in result.output  # a skipped check says how to get it


def test_json_report_follows_its_schema_and_junit_parses(built: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    as_json = runner.invoke(main, ["check", "--project", str(built), "--format", "json", "-o",
                                   str(tmp_path / "report.json")])
    assert as_json.exit_code == 0
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    schema = json.loads((REPO / "docs" / "check-report.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(data, schema)
    assert [c["name"] for c in data["checks"]] == CHECKS and data["status"] == "passed"

    as_junit = runner.invoke(main, ["check", "--project", str(built), "--format", "junit", "-o",
                                    str(tmp_path / "junit.xml")])
    assert as_junit.exit_code == 0
    xml = JUnitXml.fromfile(str(tmp_path / "junit.xml"))
    cases = [case for suite in xml for case in suite]
    assert [case.name for case in cases] == CHECKS
    assert [bool(case.is_skipped) for case in cases] == [name == "ace" for name in CHECKS]
    assert all(case.is_passed or case.is_skipped for case in cases)


def test_a_dropped_alt_is_found(built: Path, tmp_path: Path) -> None:
    epub, _ = outputs(built)
    with zipfile.ZipFile(epub) as archive:
        chapter = archive.read("EPUB/ch01.xhtml").decode()
    start = chapter.index(' alt="', chapter.index("<figure"))
    broken = chapter[:start] + chapter[chapter.index('"', start + 6) + 1:]
    target = rezip(epub, tmp_path / epub.name, {"EPUB/ch01.xhtml": broken.encode()})
    report = check([target], environ=ENV)
    assert {"A001", "A006"} <= codes(report)
    [missing] = [d for d in report.diagnostics if d.code == "A001"]
    assert str(missing.location).startswith(f"{epub.name}/EPUB/ch01.xhtml:")
    assert not report.passed()


def test_a_font_removed_from_the_epub_is_found(built: Path, tmp_path: Path) -> None:
    epub, _ = outputs(built)
    target = rezip(epub, tmp_path / epub.name, {"EPUB/fonts/NotoSerif-Italic.ttf": None})
    report = check([target], environ=ENV)
    assert "A008" in codes(report) and "X001" in codes(report)  # ours, and EPUBCheck's RSC-001
    assert any("NotoSerif-Italic.ttf" in d.message for d in report.diagnostics if d.code == "A008")


def test_a_corrupt_zip_is_found(built: Path, tmp_path: Path) -> None:
    epub, _ = outputs(built)
    target = tmp_path / epub.name
    data = bytearray(epub.read_bytes())
    target.write_bytes(bytes(data[: len(data) // 2]))
    result = CliRunner().invoke(main, ["check", str(target)])
    assert result.exit_code == 1
    assert "error[A008]" in result.output and "not a readable ZIP archive" in result.output


def test_a_shrunk_bleed_is_found(built: Path, tmp_path: Path) -> None:
    _, pdf_path = outputs(built)
    with pikepdf.open(pdf_path) as pdf:
        for page in pdf.pages:
            page.obj.BleedBox = page.obj.TrimBox
        target = tmp_path / pdf_path.name
        pdf.save(target)
    report = check([target], project=built, environ=ENV)
    [geometry, *_] = [d for d in report.diagnostics if d.code == "Q004"]
    assert "the bleed is 0.0 mm; publish.yaml asks for 3 mm" in geometry.message
    assert str(geometry.location) == f"{pdf_path.name}, page 1"


def test_a_paragraph_missing_from_the_pdf_is_named(built: Path, tmp_path: Path) -> None:
    """The PDF of a manuscript without one paragraph, paired with the full book's EPUB."""
    epub, pdf_path = outputs(built)
    shorter = copy_sample(tmp_path / "shorter")
    chapter = next((shorter / "manuscript").glob("*.md"))
    text = chapter.read_text(encoding="utf-8")
    paragraph = next(p for p in text.split("\n\n") if p.startswith("Theo bà Hoàng Thị Thanh Phương"))
    chapter.write_text(text.replace(paragraph + "\n\n", ""), encoding="utf-8")
    publish.build(shorter, environ=ENV)
    pair = tmp_path / "pair"
    pair.mkdir()
    shutil.copy(epub, pair / epub.name)
    shutil.copy(outputs(shorter)[1], pair / pdf_path.name)
    report = check([pair / epub.name, pair / pdf_path.name], environ=ENV)
    [missing] = [d for d in report.diagnostics if d.code == "D001"]
    assert "Theo bà Hoàng Thị Thanh Phương" in missing.message
    assert missing.location is not None and missing.location.path == f"{epub.name}/EPUB/ch01.xhtml"
    assert [r.status.value for r in report.results if r.name == "parity"] == ["failed"]


def test_without_java_check_says_what_is_missing(built: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", "--project", str(built)], env={"PATH": str(tmp_path)})
    assert result.exit_code == 5
    assert "error[K001]" in result.output and "'java' is not installed" in result.output
    assert "default-jre-headless" in result.output


def test_requiring_a_missing_ace_fails_with_exit_5(built: Path) -> None:
    epub, _ = outputs(built)
    result = CliRunner().invoke(main, ["check", "--require", "ace", str(epub)],
                                env={"PATH": ENV["PATH"], "PUPPETEER_EXECUTABLE_PATH": ""})
    assert result.exit_code == 5
    assert "Ace (ace-cli) is not installed" in result.output and "npm install" in result.output


def test_nothing_to_check_is_an_input_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", "--project", str(tmp_path)])
    assert result.exit_code == 3 and "K003" in result.output


def test_ace_report_mapping() -> None:
    """An Ace 1.4.6 report (EARL JSON) of a book whose image lost its alt, as Ace wrote it."""
    report = json.loads((REPO / "tests" / "fixtures" / "ace-report-image-alt.json").read_text(encoding="utf-8"))
    found, summary = read_ace(report, "book.epub")
    assert summary == "Ace 1.4.6: fail, 1 violation(s)"
    [violation] = found
    assert violation.code == "X010" and violation.message.startswith("image-alt (critical)")
    assert str(violation.location) == "book.epub/ch01.xhtml"
    assert violation.hint == "See http://kb.daisy.org/publishing/docs/html/images.html"


def test_build_check_runs_the_checks(tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    result = CliRunner().invoke(main, ["build", "--check", str(root)])
    assert result.exit_code == 0, result.output
    assert "PASS parity" in result.output and "fit to ship" in result.output


def test_the_ci_workflow_for_users_builds_and_checks() -> None:
    import yaml

    workflow = yaml.safe_load((REPO / "docs" / "ci" / "github-actions.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["build-and-check"]["steps"]
    commands = " ".join(str(step.get("run", "")) for step in steps)
    assert "publish build" in commands and "publish check" in commands and "--format junit" in commands
    assert any("upload-artifact" in str(step.get("uses", "")) for step in steps)


def test_a_notdef_glyph_is_found(built: Path, tmp_path: Path) -> None:
    _, pdf_path = outputs(built)
    with pikepdf.open(pdf_path) as pdf:
        page = pdf.pages[2]
        instructions = list(pikepdf.parse_content_stream(page))
        index = next(i for i, ins in enumerate(instructions) if str(ins.operator) == "TJ")
        strings = list(instructions[index].operands[0])
        first = next(i for i, item in enumerate(strings) if isinstance(item, pikepdf.String))
        strings[first] = pikepdf.String(b"\x00\x00" + bytes(strings[first])[2:])
        instructions[index] = pikepdf.ContentStreamInstruction([pikepdf.Array(strings)], pikepdf.Operator("TJ"))
        page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))
        target = tmp_path / pdf_path.name
        pdf.save(target)
    report = check([target], environ=ENV)
    [notdef] = [d for d in report.diagnostics if d.code == "Q008"]
    assert str(notdef.location) == f"{pdf_path.name}, page 3" and ".notdef" in notdef.message


def test_a_low_resolution_photo_is_found(tmp_path: Path) -> None:
    from PIL import Image

    root = copy_sample(tmp_path)
    photo = next((root / "manuscript" / "images").glob("*.jpg"))
    with Image.open(photo) as image:
        image.resize((240, 160)).save(photo, quality=90)
    publish.build(root, environ=ENV)
    report = check([outputs(root)[1]], project=root, environ=ENV)
    [low] = [d for d in report.diagnostics if d.code in ("Q009", "Q010")]
    assert low.code == "Q010" and "240 × 160 px" in low.message


def test_the_sample_photo_resolution_is_measured(built: Path) -> None:
    from publish.check.pdf import _placed_images

    _, pdf_path = outputs(built)
    with pikepdf.open(pdf_path) as pdf:
        placed = [(int(image.Width), width) for page in pdf.pages
                  for image, width, _ in _placed_images(page.obj, (1, 0, 0, 1, 0, 0), 0)]
    [(pixels, width_pt)] = placed
    assert pixels == 1800 and 300 < pixels / (width_pt / 72) < 600  # the type area is about 105 mm wide


def test_rgb_left_in_a_press_pdf_is_found(built: Path, tmp_path: Path) -> None:
    _, pdf_path = outputs(built)
    with pikepdf.open(pdf_path) as pdf:
        page = pdf.pages[3]
        page.contents_add(pdf.make_stream(b"q 1 0 0 rg 10 10 20 20 re f Q"), prepend=False)
        target = tmp_path / pdf_path.name
        pdf.save(target)
    report = check([target], environ=ENV)
    [rgb] = [d for d in report.diagnostics if d.code == "Q015"]
    assert "page 4: 'rg' sets an RGB colour" in rgb.message


def test_alignment_of_long_texts_is_chunked_and_exact() -> None:
    """A 30,000-word text with a long table of contents in front, a dropped paragraph and page furniture."""
    import random

    from publish.check.parity import align

    rng = random.Random(7)
    vocabulary = [f"từ{n}" for n in range(400)]
    ours = [rng.choice(vocabulary) for _ in range(30000)]
    theirs = ["Mục", "lục", *(rng.choice(vocabulary) for _ in range(6000))]  # a long printed TOC
    for start in range(0, len(ours), 300):
        if start == 15000:
            continue  # a paragraph the PDF lost
        theirs += [*ours[start:start + 300], "Chú", "trọng", str(start // 300)]  # a running head and folio
    opcodes = align(ours, theirs)
    lost = [(i1, i2) for op, i1, i2, _, _ in opcodes if op in ("delete", "replace")]
    assert lost == [(15000, 15300)]
    assert sum(i2 - i1 for op, i1, i2, _, _ in opcodes if op == "equal") == 30000 - 300


def test_a_leader_run_into_a_title_is_not_a_word() -> None:
    """pdfium reads a table of contents line whose leader touches the title as one word."""
    from publish.check.parity import words

    assert words("Ví dụ 1: Tabs.............23") == ["Ví", "dụ", "1:", "Tabs", ".............", "23"]
    assert words("Chờ… và đợi...") == ["Chờ…", "và", "đợi..."]


@pytest.mark.parametrize("printed", [
    "liên kết (baolangson.vn).", "liên kết (baolangson.\r\nvn).",
    "liên kết (baolangson.vn/chu-\r\ntrong-xay-\r\ndung).", "liên kết (https://baolangson.vn/\r\na/b.html).",
])
def test_parity_reads_a_printed_address_broken_anywhere_it_may_break(printed: str) -> None:
    """The press PDF prints a link's address in parentheses, breakable after / . - (the EPUB links it)."""
    from publish.check.parity import _ADDRESS, words

    assert words(_ADDRESS.sub("", printed)) == ["liên", "kết."]
