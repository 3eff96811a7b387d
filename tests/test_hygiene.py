"""Text hygiene and font coverage through whole builds: the real EPUB and PDF are read back."""

from __future__ import annotations

import io
import shutil
import unicodedata
import zipfile
from pathlib import Path

import pytest
from fontTools import subset
from fontTools.ttLib import TTFont

import publish
from tests.conftest import ENV, copy_sample, write_project
from tests.helpers import REPO, epub_body_text, pdf_text

CHAPTER_FILE = "manuscript/01-chu-trong-xay-dung-doi-ngu-can-bo.md"


def test_sample_text_is_nfc_without_eth(sample: publish.BuildResult) -> None:
    epub_text = epub_body_text(sample.outputs[0], "EPUB/ch01.xhtml")
    text = pdf_text(sample.outputs[1])
    for out in (epub_text, text):
        assert "\u00d0" not in out and unicodedata.normalize("NFC", out) == out
    assert epub_text.count("Để") + epub_text.count("Đây") >= 3


def test_sample_reports_its_mixed_tone_marks(sample: publish.BuildResult) -> None:
    mixed = [d for d in sample.diagnostics if d.code == "T010"]
    assert [str(d.location) for d in mixed] == [f"{CHAPTER_FILE}:17:214"]
    assert "'khoá'" in mixed[0].message and "old style" in mixed[0].message


def test_nfd_manuscript_builds_to_the_same_text(sample: publish.BuildResult, tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    chapter = root / CHAPTER_FILE
    chapter.write_text(unicodedata.normalize("NFD", chapter.read_text(encoding="utf-8")), encoding="utf-8")
    result = publish.build(root, environ=ENV)
    assert epub_body_text(result.outputs[0], "EPUB/ch01.xhtml") == epub_body_text(sample.outputs[0], "EPUB/ch01.xhtml")
    assert pdf_text(result.outputs[1]) == pdf_text(sample.outputs[1])
    assert any(d.code == "T001" for d in result.diagnostics)


def test_tone_marks_setting_gives_one_style(tmp_path: Path) -> None:
    root = copy_sample(tmp_path)
    config = root / "publish.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "tone_marks: new\n", encoding="utf-8")
    result = publish.build(root, environ=ENV)
    text = epub_body_text(result.outputs[0], "EPUB/ch01.xhtml") + pdf_text(result.outputs[1])
    assert "ủy" not in text and "hóa" not in text
    assert "uỷ" in text and "hoá" in text and "khoá" in text
    codes = [d.code for d in result.diagnostics]
    assert "T010" not in codes and codes.count("T011") >= 10


def test_typography_in_the_outputs(tmp_path: Path) -> None:
    root = write_project(tmp_path, {
        "publish.yaml": 'title: Sách "thử"\ndate: 2023-06-01\n',
        "manuscript/01-bai.md": '---\ntitle: Bài "một"\n---\n\n'
                                'Anh nói "xin *chào*" - rồi  đi. Mã `"a" - b` giữ nguyên.\n',
    })
    result = publish.build(root, environ=ENV)
    text = epub_body_text(result.outputs[0], "EPUB/ch01.xhtml")
    assert "Bài “một”" in text
    assert "Anh nói “xin chào” – rồi đi. Mã \"a\" - b giữ nguyên." in text
    assert "Anh nói “xin chào” – rồi đi." in pdf_text(result.outputs[1])


def font_without(source: Path, target: Path, character: str) -> None:
    """A copy of a face with one character's glyph mapping removed."""
    font = TTFont(source)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=set(font.getBestCmap()) - {ord(character)})
    subsetter.subset(font)
    font.save(target)


@pytest.fixture(scope="module")
def fonts_without_italic_u_horn(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("fonts")
    for path in (REPO / "fonts").glob("*.ttf"):
        if path.name == "NotoSerif-Italic.ttf":
            font_without(path, folder / path.name, "ữ")
        else:
            shutil.copy(path, folder / path.name)
    return folder


@pytest.mark.parametrize("italic", [True, False])
def test_a_glyph_missing_from_the_italic_face_fails_the_build(
    tmp_path: Path, fonts_without_italic_u_horn: Path, italic: bool,
) -> None:
    word = "*những*" if italic else "những"
    root = write_project(tmp_path, {
        "publish.yaml": "title: Sách thử\ndate: 2023-06-01\n",
        "manuscript/01-bai.md": f"---\ntitle: Bài thử\n---\n\nMột đoạn có {word} chữ.\n",
    })
    shutil.copytree(fonts_without_italic_u_horn, root / "fonts")
    if not italic:
        assert publish.build(root, environ=ENV).outputs
        return
    with pytest.raises(publish.RenderError) as failure:
        publish.build(root, environ=ENV)
    [diagnostic] = failure.value.diagnostics
    assert diagnostic.code == "F003"
    assert "'ữ' (U+1EEF)" in diagnostic.message and "NotoSerif-Italic" in diagnostic.message
    assert str(diagnostic.location) == "manuscript/01-bai.md:5:16"  # the ữ itself
    assert not (root / "dist").exists()


def test_epub_subsets_are_checked_against_the_text() -> None:
    """An EPUB whose subsets were made for less text than the book has: every face is reported."""
    from publish.fonts import load_faces
    from publish.output.epub import check_subsets

    faces = load_faces(REPO / "fonts", str)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as out:
        for face in faces:
            font = TTFont(face.path)
            subsetter = subset.Subsetter(subset.Options())
            subsetter.populate(text="Việt Nam")
            subsetter.subset(font)
            data = io.BytesIO()
            font.save(data)
            out.writestr(f"EPUB/fonts/{face.file_name}", data.getvalue())
    assert check_subsets(archive.getvalue(), faces, "Việt Nam") == []
    lost = check_subsets(archive.getvalue(), faces, "Việt Nam đẹp")
    assert {d.code for d in lost} == {"F004"} and len(lost) == len(faces)
    assert "'đ' (U+0111)" in lost[0].message
