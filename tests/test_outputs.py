"""The three outputs, read back: the press PDF (PDF/X-4, CMYK only), the tagged screen PDF, and the
EPUB's print page numbers checked against where the press PDF really prints each heading."""

from __future__ import annotations

import gc
import re
import tempfile
from pathlib import Path
from typing import Any

import pikepdf
import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner
from lxml import etree

import publish
from publish.cli import main
from tests import pages
from tests.conftest import BOOK, ENV, copy_sample, write_project
from tests.helpers import MM, XHTML_NS, epub_documents, epub_opf, squash

RGB_OPERATORS = {"rg", "RG"}


def content_owners(page: Any) -> list[Any]:
    """A page and every form XObject it draws, at any depth."""
    owners, todo, seen = [], [page.obj], set()
    while todo:
        owner = todo.pop()
        owners.append(owner)
        for xobject in owner.get("/Resources", {}).get("/XObject", {}).values():
            if xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
                seen.add(xobject.objgen)
                todo.append(xobject)
    return owners


def rgb_in(pdf: Any) -> list[str]:
    """The test's own scan: RGB operators, RGB colour spaces selected, RGB images, RGB blending groups."""
    found = []
    for number, page in enumerate(pdf.pages, start=1):
        for owner in content_owners(page):
            spaces = owner.get("/Resources", {}).get("/ColorSpace", {})
            for instruction in pikepdf.parse_content_stream(owner):
                op = str(instruction.operator)
                if op in RGB_OPERATORS:
                    found.append(f"page {number}: {op}")
                if op in ("cs", "CS"):
                    space = spaces.get(str(instruction.operands[0]), instruction.operands[0])
                    if space == "/DeviceRGB" or (isinstance(space, pikepdf.Array) and space[0] == "/ICCBased"
                                                 and int(space[1].N) == 3):
                        found.append(f"page {number}: {op} {instruction.operands[0]}")
            group = owner.get("/Group")
            if group is not None and group.get("/CS") == "/DeviceRGB":
                found.append(f"page {number}: RGB transparency group")
            for name, xobject in owner.get("/Resources", {}).get("/XObject", {}).items():
                if xobject.get("/Subtype") == "/Image" and xobject.get("/ColorSpace") != "/DeviceCMYK":
                    found.append(f"page {number}: image {name} in {xobject.get('/ColorSpace')}")
    return found


def test_press_pdf_declares_pdfx4_with_a_cmyk_output_intent(sample: publish.BuildResult) -> None:
    press = sample.outputs[1]
    assert press.name.endswith(".print.pdf")
    with pikepdf.open(press) as pdf:
        with pdf.open_metadata() as meta:
            assert meta["pdfxid:GTS_PDFXVersion"] == "PDF/X-4"
        [intent] = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFX" and str(intent.OutputConditionIdentifier) == "FOGRA39"
        profile = intent.DestOutputProfile.read_bytes()
        assert profile[36:40] == b"acsp" and profile[16:20] == b"CMYK" and profile[12:16] == b"prtr"
        assert int(intent.DestOutputProfile.N) == 4
        for page in pdf.pages:
            assert "/TrimBox" in page.obj and "/BleedBox" in page.obj
        assert rgb_in(pdf) == []
        images = [x for page in pdf.pages for x in page.Resources.get("/XObject", {}).values()
                  if x.get("/Subtype") == "/Image"]
        assert images and all(x.ColorSpace == "/DeviceCMYK" for x in images)


def test_press_pdf_text_is_black_ink_only(sample: publish.BuildResult) -> None:
    """Body text is set in K only: every fill colour before text is 0 0 0 k (or DeviceCMYK 0 0 0 k)."""
    with pikepdf.open(sample.outputs[1]) as pdf:
        page = pdf.pages[3]
        fills, text_colours = None, set()
        for instruction in pikepdf.parse_content_stream(page):
            op = str(instruction.operator)
            if op in ("k", "scn", "sc"):
                fills = tuple(float(v) for v in instruction.operands)
            elif op in ("Tj", "TJ") and fills is not None:
                text_colours.add(fills)
        assert text_colours and all(c == m == y == 0 for c, m, y, _ in text_colours)


def page_bitmap(path: Path, index: int) -> Any:
    document = pdfium.PdfDocument(str(path))
    return document[index].render(scale=2, may_draw_forms=True).to_pil().convert("L")


def test_crop_marks_stay_outside_the_bleed(tmp_path: Path) -> None:
    """With marks, the page grows by a slug: its bleed area is the page without marks, pixel for pixel, and
    the marks and the slug line are drawn outside it (5 mm marks, 3 mm from the trim)."""
    root = copy_sample(tmp_path / "marks")
    config = root / "publish.yaml"
    plain = config.read_text(encoding="utf-8")
    config.write_text(re.sub(r"marks: \w+", "marks: false", plain), encoding="utf-8")
    without = publish.build(root, environ=ENV, outputs=("print",)).outputs[0]
    without_copy = tmp_path / "without.pdf"
    without_copy.write_bytes(without.read_bytes())
    config.write_text(re.sub(r"marks: \w+", "marks: true", plain), encoding="utf-8")
    with_marks = publish.build(root, environ=ENV, outputs=("print",)).outputs[0]
    with pikepdf.open(with_marks) as pdf:
        page = pdf.pages[2]
        media, bleed, trim = ([float(v) for v in box] for box in (page.MediaBox, page.BleedBox, page.TrimBox))
    assert media[0] == pytest.approx(trim[0] - 13 * MM, abs=0.01)
    assert bleed[0] == pytest.approx(trim[0] - 3 * MM, abs=0.01)

    def inside(line: pages.Line) -> bool:
        return bleed[0] <= line.ink.left and line.ink.right <= bleed[2] and bleed[1] <= line.ink.bottom
    marked = pages.lines(with_marks, 2)
    assert [(line.text, round(line.baseline, 2)) for line in marked if inside(line)] == [
        (line.text, round(line.baseline, 2)) for line in pages.lines(without_copy, 2)]
    assert [line.text for line in marked if not inside(line)] == [
        "Chú trọng xây dựng đội ngũ cán bộ, lãnh đạo quản lý các cấp — trang 3"]  # the slug, below the marks




def test_screen_pdf_is_tagged_with_alt_text(sample: publish.BuildResult) -> None:
    screen = sample.outputs[2]
    assert screen.name.endswith(".screen.pdf")
    with pikepdf.open(screen) as pdf:
        assert "/StructTreeRoot" in pdf.Root
        assert bool(pdf.Root.MarkInfo.Marked) is True
        assert str(pdf.Root.Lang) == "vi"
        assert bool(pdf.Root.ViewerPreferences.DisplayDocTitle) is True
        assert str(pdf.docinfo.Title).startswith("Chú trọng xây dựng")
        elements, todo = [], [pdf.Root.StructTreeRoot]
        while todo:
            node = todo.pop()
            if isinstance(node, pikepdf.Dictionary):
                if "/S" in node:
                    elements.append(node)
                kids = node.get("/K")
                todo.extend(kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else [])
        figures = [str(e.get("/Alt", "")) for e in elements if e.S == "/Figure"]
        epub_alt = epub_documents(sample.outputs[0])["EPUB/ch01.xhtml"].find(".//x:figure/x:img", XHTML_NS).get("alt")
        assert figures == [epub_alt] and epub_alt.startswith("Ảnh thay thế")
        assert any(e.S == "/Caption" for e in elements)
        page = pdf.pages[0]
        assert [float(v) for v in page.MediaBox] == [float(v) for v in page.TrimBox]  # no bleed, no marks
        assert len(pdf.Root.Outlines.First.keys()) > 0


@pytest.fixture(scope="module")
def collection(tmp_path_factory: pytest.TempPathFactory) -> publish.BuildResult:
    root = write_project(tmp_path_factory.mktemp("pages"), BOOK)
    return publish.build(root, environ=ENV)


def pdf_pages(path: Path) -> list[str]:
    """The text of each page's type area (running heads and folios left out)."""
    document = pdfium.PdfDocument(str(path))
    pages = []
    for index in range(len(document)):
        page = document[index]
        left, bottom, right, top = page.get_cropbox()
        area = page.get_textpage().get_text_bounded(left, bottom + 24 * MM, right, top - 20 * MM)
        pages.append(squash(area))
    return pages


def page_markers_before_headings(epub: Path) -> dict[str, int]:
    """For each section heading of the EPUB: the number of the last page marker before it."""
    docs = epub_documents(epub)
    spine = [item.get("idref") for item in epub_opf(epub).iterfind(".//{*}itemref")]
    manifest = {item.get("id"): item.get("href") for item in epub_opf(epub).iterfind(".//{*}item")}
    current, found = 0, {}
    for idref in spine:
        root = docs[f"EPUB/{manifest[idref]}"]
        for element in root.iter():
            if element.get("{http://www.idpf.org/2007/ops}type") == "pagebreak":
                current = int(element.get("aria-label"))
            elif element.tag == f"{{{XHTML_NS['x']}}}h2" and _is_section(element):
                found[squash("".join(element.itertext()))] = current
    return found


def _is_section(heading: Any) -> bool:
    """A section heading of an article (not the title of its notes)."""
    return (heading.get("class") != "footnotes-title"
            and any(a.tag == f"{{{XHTML_NS['x']}}}article" for a in heading.iterancestors()))


@pytest.mark.parametrize("which", ["sample", "collection"])
def test_epub_page_list_follows_the_press_pdf(which: str, sample: publish.BuildResult,
                                              collection: publish.BuildResult) -> None:
    result = sample if which == "sample" else collection
    epub, press = result.outputs[0], result.outputs[1]
    pages = pdf_pages(press)
    with_text = [number for number, text in enumerate(pages, start=1) if text]
    nav = epub_documents(epub)["EPUB/nav.xhtml"]
    page_list = nav.find(".//x:nav[@id='page-list']", XHTML_NS)
    assert page_list is not None
    labels = [int(a.text) for a in page_list.iterfind(".//x:a", XHTML_NS)]
    assert labels == with_text
    headings = page_markers_before_headings(epub)
    assert headings
    for heading, page in headings.items():
        printed = next(number for number, text in enumerate(pages, start=1) if heading in text)
        assert page == printed, heading
    opf = etree.tostring(epub_opf(epub), encoding="unicode")
    assert 'property="pageBreakSource"' in opf and "pageBreakMarkers" in opf


def test_markers_sit_where_pages_begin(sample: publish.BuildResult) -> None:
    """Mid-paragraph page breaks: the text after each marker is the text that starts the page."""
    pages = pdf_pages(sample.outputs[1])
    docs = epub_documents(sample.outputs[0])
    chapter = docs["EPUB/ch01.xhtml"]
    for marker in chapter.iter("{http://www.w3.org/1999/xhtml}span"):
        if marker.get("role") != "doc-pagebreak":
            continue
        following = squash(marker.tail or "")[:25] or squash("".join(marker.getnext().itertext()))[:25]
        page_text = pages[int(marker.get("aria-label")) - 1]
        assert page_text.startswith(following), (following, page_text[:80])


def test_outputs_can_be_chosen_and_stale_files_go(tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    publish.build(root, environ=ENV)
    assert len(list((root / "dist").iterdir())) == 3
    config = root / "publish.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "outputs: [epub]\n", encoding="utf-8")
    result = publish.build(root, environ=ENV)
    assert [p.suffix for p in result.outputs] == [".epub"]
    assert [p.name for p in (root / "dist").iterdir()] == [result.outputs[0].name]
    assert [d.code for d in result.diagnostics].count("B002") == 2
    nav = epub_documents(result.outputs[0])["EPUB/nav.xhtml"]
    assert nav.find(".//x:nav[@id='page-list']", XHTML_NS) is None  # no print edition, no page numbers
    cli = CliRunner().invoke(main, ["build", "--outputs", "screen", str(root)])
    assert cli.exit_code == 0 and ".screen.pdf" in cli.output
    bad = CliRunner().invoke(main, ["build", "--outputs", "pdf", str(root)])
    assert bad.exit_code == 2 and "unknown output(s) pdf" in bad.output


def test_a_project_profile_must_be_cmyk(tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    (root / "srgb.icc").write_bytes(
        __import__("PIL.ImageCms", fromlist=["ImageCms"]).ImageCmsProfile(
            __import__("PIL.ImageCms", fromlist=["ImageCms"]).createProfile("sRGB")).tobytes())
    config = root / "publish.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("print:\n", "print:\n  color_profile: srgb.icc\n"),
                      encoding="utf-8")
    with pytest.raises(publish.ResourceError) as failure:
        publish.build(root, environ=ENV)
    assert failure.value.diagnostics[0].code == "R005"
    assert "not a CMYK output" in failure.value.diagnostics[0].message


def test_builds_leave_no_temporary_files(tmp_path: Path) -> None:
    """WeasyPrint copies the @font-face files to a temporary folder per layout; the screen PDF is laid
    out in a forked process, which never ran WeasyPrint's clean-up: each build left 3 MB in /tmp."""
    temporary = Path(tempfile.gettempdir())
    before = set(temporary.glob("weasyprint-*"))
    root = write_project(tmp_path / "book", BOOK)
    publish.build(root, environ=ENV, force=True)  # all three outputs: the screen PDF in a child
    gc.collect()  # (this process's layouts, in reference cycles, go with the next collection)
    assert set(temporary.glob("weasyprint-*")) - before == set()
