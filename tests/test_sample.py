"""The sample article, end to end: every word of the seed survives into both real output files."""

from __future__ import annotations

import re

import pikepdf
import pytest

import publish
from tests.helpers import (
    MM,
    REPO,
    SEED,
    XHTML_NS,
    epub_body_text,
    epub_documents,
    epub_opf,
    epubcheck_findings,
    in_order,
    pdf_fonts,
    pdf_text,
    squash,
)

OPF_NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}


def seed_paragraphs() -> list[str]:
    """The seed's paragraphs as a reader must see them: Ð fixed, stray no-break spaces gone."""
    text = SEED.read_text(encoding="utf-8").replace("\u00d0", "\u0110")
    blocks = [squash(block) for block in text.split("\n\n")]
    return [b for b in blocks if b][2:]  # the first two lines (dateline, place) are rendered from metadata


def test_outputs_are_named_from_the_title(sample: publish.BuildResult) -> None:
    names = sorted(p.name for p in sample.outputs)
    stem = "chu-trong-xay-dung-doi-ngu-can-bo-lanh-dao-quan-ly-cac-cap"
    assert names == [f"{stem}.epub", f"{stem}.print.pdf", f"{stem}.screen.pdf"]


def test_seed_text_in_order_in_the_epub(sample: publish.BuildResult) -> None:
    text = epub_body_text(sample.outputs[0], "EPUB/ch01.xhtml")
    assert in_order(text, ["Thứ năm, 01/06/2023", "Thành phố Lạng Sơn", *seed_paragraphs()]) == []
    assert "\u00d0" not in text and "\u00a0" not in text


def test_seed_text_in_order_in_the_pdf(sample: publish.BuildResult) -> None:
    text = pdf_text(sample.outputs[1])
    assert in_order(text, ["Thứ năm, 01/06/2023", "Thành phố Lạng Sơn", *seed_paragraphs()]) == []
    assert "\u00d0" not in text


def test_figure_keeps_caption_credit_and_alt(sample: publish.BuildResult) -> None:
    doc = epub_documents(sample.outputs[0])["EPUB/ch01.xhtml"]
    figure = doc.find(".//x:figure", XHTML_NS)
    assert figure is not None
    img = figure.find("x:img", XHTML_NS)
    caption = squash("".join(figure.find("x:figcaption/x:span[@class='caption']", XHTML_NS).itertext()))
    assert caption == ("Ban tổ chức trao giải cho thí sinh xuất sắc tại Hội thi Bí thư Chi bộ giỏi "
                       "do Thành ủy Lạng Sơn tổ chức")
    assert img.get("alt", "").startswith("Ảnh thay thế") and img.get("alt") != caption
    assert figure.find("x:figcaption/x:span[@class='credit']", XHTML_NS).text == "Ảnh: chưa có ảnh gốc"
    assert caption in pdf_text(sample.outputs[1])


def test_epubcheck_reports_nothing(epubcheck_reports: dict[str, dict]) -> None:
    report = epubcheck_reports["sample"]
    assert report["checker"]["checkerVersion"].startswith("5.")
    assert epubcheck_findings(report) == []


def test_epub_package_metadata(sample: publish.BuildResult) -> None:
    opf = epub_opf(sample.outputs[0])
    assert opf.get("{http://www.w3.org/XML/1998/namespace}lang") == "vi"
    meta = opf.find("opf:metadata", OPF_NS)
    assert meta.findtext("dc:title", namespaces=OPF_NS).startswith("Chú trọng xây dựng")
    assert meta.findtext("dc:language", namespaces=OPF_NS) == "vi"
    assert meta.findtext("dc:creator", namespaces=OPF_NS) == "TRÍ DŨNG"
    assert meta.findtext("dc:publisher", namespaces=OPF_NS) == "Báo Lạng Sơn"
    assert meta.findtext("dc:identifier", namespaces=OPF_NS).startswith("urn:uuid:")
    props = {m.get("property"): m.text for m in meta.findall("opf:meta", OPF_NS) if m.get("property")}
    assert props["dcterms:modified"] == "2023-06-01T00:00:00Z"
    features = {m.text for m in meta.findall("opf:meta[@property='schema:accessibilityFeature']", OPF_NS)}
    assert {"alternativeText", "tableOfContents", "structuralNavigation"} <= features
    assert props["schema:accessibilityHazard"] == "none"
    assert props["schema:accessibilitySummary"]
    manifest = opf.find("opf:manifest", OPF_NS)
    assert manifest.find("opf:item[@properties='cover-image']", OPF_NS) is not None
    assert manifest.find("opf:item[@properties='nav']", OPF_NS) is not None


def test_every_document_declares_vietnamese(sample: publish.BuildResult) -> None:
    for name, root in epub_documents(sample.outputs[0]).items():
        assert root.get("lang") == "vi", name
        assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "vi", name


def test_nav_has_toc_and_landmarks(sample: publish.BuildResult) -> None:
    nav = epub_documents(sample.outputs[0])["EPUB/nav.xhtml"]
    toc = nav.find(".//x:nav[@epub:type='toc']", XHTML_NS)
    titles = [squash("".join(a.itertext())) for a in toc.iter("{http://www.w3.org/1999/xhtml}a")]
    assert titles[1:] == ["Luân chuyển, rèn luyện cán bộ", "Chú trọng đào tạo, bồi dưỡng"]
    landmarks = nav.find(".//x:nav[@epub:type='landmarks']", XHTML_NS)
    kinds = [a.get("{http://www.idpf.org/2007/ops}type") for a in landmarks.iter("{http://www.w3.org/1999/xhtml}a")]
    assert kinds == ["cover", "titlepage", "bodymatter"]


def test_epub_fonts_are_subset_and_keep_mark_positioning(sample: publish.BuildResult) -> None:
    import io
    import zipfile

    from fontTools.ttLib import TTFont

    with zipfile.ZipFile(sample.outputs[0]) as book:
        fonts = [n for n in book.namelist() if n.startswith("EPUB/fonts/")]
        assert len(fonts) == len(list((REPO / "fonts").glob("*.ttf")))  # every declared face, subset
        regular = TTFont(io.BytesIO(book.read("EPUB/fonts/NotoSerif-Regular.ttf")))
    assert regular["maxp"].numGlyphs < 600  # the full face has 2,900+ glyphs
    features = {record.FeatureTag for record in regular["GPOS"].table.FeatureList.FeatureRecord}
    assert {"mark", "mkmk"} <= features
    cmap = regular.getBestCmap()
    assert all(ord(ch) in cmap for ch in "Đảng Trưởng ủy TRÍ DŨNG")


def test_epub_css_avoids_constructs_old_readers_drop(sample: publish.BuildResult) -> None:
    import zipfile

    with zipfile.ZipFile(sample.outputs[0]) as book:
        css = re.sub(r"/\*.*?\*/", "", book.read("EPUB/styles/book.css").decode(), flags=re.DOTALL)
    assert "@font-face" in css
    assert re.findall(r"\b(?:calc|var)\(|\d(?:vw|vh|vmin|vmax)\b", css) == []


def test_pdf_boxes_on_every_page(sample: publish.BuildResult) -> None:
    with pikepdf.open(sample.outputs[1]) as pdf:
        assert len(pdf.pages) >= 3
        for page in pdf.pages:
            trim = [float(v) for v in page.TrimBox]
            bleed = [float(v) for v in page.BleedBox]
            assert trim[2] - trim[0] == pytest.approx(145 * MM, abs=0.1)
            assert trim[3] - trim[1] == pytest.approx(205 * MM, abs=0.1)
            assert [t - b for t, b in zip(trim[:2], bleed[:2], strict=True)] == pytest.approx([3 * MM] * 2, abs=0.1)
            assert [b - t for t, b in zip(trim[2:], bleed[2:], strict=True)] == pytest.approx([3 * MM] * 2, abs=0.1)


def test_pdf_embeds_only_the_project_fonts(sample: publish.BuildResult) -> None:
    fonts = pdf_fonts(sample.outputs[1])
    assert fonts and all(embedded for _, embedded in fonts)
    families = {name.split("+", 1)[1].split("-")[0] for name, _ in fonts}
    assert families <= {"Noto", "Be"}, families


def test_pdf_metadata_and_outline(sample: publish.BuildResult) -> None:
    with pikepdf.open(sample.outputs[1]) as pdf:
        info = pdf.docinfo
        assert str(info["/Title"]).startswith("Chú trọng xây dựng")
        assert str(info["/Author"]) == "TRÍ DŨNG"
        assert str(pdf.Root.Lang) == "vi"
        with pdf.open_outline() as outline:
            top = [item.title for item in outline.root]
            assert top == ["Chú trọng xây dựng đội ngũ cán bộ, lãnh đạo quản lý các cấp"]
            sections = [item.title for item in outline.root[0].children]
            assert sections == ["Luân chuyển, rèn luyện cán bộ", "Chú trọng đào tạo, bồi dưỡng"]


def test_single_article_has_no_table_of_contents_page(sample: publish.BuildResult) -> None:
    from tests.helpers import pdf_pages_text

    assert not any(page.startswith("Mục lục") for page in pdf_pages_text(sample.outputs[1]))


def test_text_changes_are_reported_with_locations(sample: publish.BuildResult) -> None:
    eth = [d for d in sample.diagnostics if d.code == "T002"]
    assert len(eth) == 3
    assert all(d.location and d.location.path.startswith("manuscript/") and d.location.line for d in eth)
    assert [d for d in sample.diagnostics if d.code == "T003"]
