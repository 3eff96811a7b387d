"""Bad input: one clear message with file, line and hint; an exit code; no traceback; dist/ untouched."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from publish.cli import main
from tests.conftest import PHOTO, write_project
from tests.helpers import epub_opf

CHAPTER = """
---
title: Bài thử
date: 2023-06-01
---

Đoạn văn đầu tiên.
"""

CONFIG = """
title: Sách thử
authors: [Tác Giả]
date: 2023-06-01
"""

PREVIOUS = {"dist/sach-thu.epub": b"previous epub", "dist/sach-thu.pdf": b"previous pdf"}


def project(tmp_path: Path, **files: str | bytes) -> Path:
    base: dict[str, str | bytes] = {"publish.yaml": CONFIG, "manuscript/01-bai.md": CHAPTER, **PREVIOUS}
    base.update({name.replace("__", "/").replace("_DOT_", "."): content for name, content in files.items()})
    return write_project(tmp_path, base)


def run_build(root: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["build", str(root)])
    return result.exit_code, result.output


def assert_failed_cleanly(root: Path, code: int, output: str, expected_code: int, *needles: str) -> None:
    assert code == expected_code, output
    assert "Traceback" not in output
    for needle in needles:
        assert needle in output, output
    assert "hint:" in output
    for name, content in PREVIOUS.items():
        assert (root / name).read_bytes() == content
    assert sorted(p.name for p in (root / "dist").iterdir()) == ["sach-thu.epub", "sach-thu.pdf"]


CASES = {
    "missing cover": (
        {"publish_DOT_yaml": CONFIG.lstrip("\n") + "cover: images/bia.jpg\n"},
        3, ["publish.yaml:4", "R001", "images/bia.jpg"],
    ),
    "missing image": (
        {"manuscript__01-bai_DOT_md": CHAPTER + "\n![Chú thích](images/khong-co.jpg){alt=\"Ảnh\"}\n"},
        3, ["manuscript/01-bai.md:8", "R001", "images/khong-co.jpg"],
    ),
    "broken yaml": (
        {"publish_DOT_yaml": "title: Sách thử\nauthors: [Tác Giả\ndate: 2023-06-01\n"},
        3, ["publish.yaml:", "Y001"],
    ),
    "unknown key": (
        {"publish_DOT_yaml": CONFIG.lstrip() + "autors: [Ai Đó]\n"},
        3, ["publish.yaml:4:1", "Y002", "autors", "Did you mean 'authors'?"],
    ),
    "wrong type": (
        {"publish_DOT_yaml": CONFIG.lstrip() + "print:\n  marks: maybe\n"},
        3, ["publish.yaml:5:10", "Y003", "print.marks"],
    ),
    "missing title in publish.yaml": (
        {"publish_DOT_yaml": "authors: [Tác Giả]\n"},
        3, ["publish.yaml:1", "Y004", "title"],
    ),
    "missing title in front matter": (
        {"manuscript__01-bai_DOT_md": "---\ndate: 2023-06-01\n---\n\nĐoạn.\n"},
        3, ["manuscript/01-bai.md:2", "Y004", "title"],
    ),
    "non-UTF-8 chapter": (
        {"manuscript__01-bai_DOT_md": "---\ntitle: Bài\n---\n\nĐoạn văn.\n".encode() + b"D\xf2ng h\xe1ng\n"},
        3, ["manuscript/01-bai.md:6", "M001", "UTF-8"],
    ),
    "raw html": (
        {"manuscript__01-bai_DOT_md": CHAPTER + "\n<script>alert(1)</script>\n"},
        3, ["manuscript/01-bai.md:8", "M003"],
    ),
    "absolute image path": (
        {"manuscript__01-bai_DOT_md": CHAPTER + "\n![Chú thích](/etc/passwd){alt=\"x\"}\n"},
        3, ["manuscript/01-bai.md:8", "R002"],
    ),
    "image path escaping the project": (
        {"manuscript__01-bai_DOT_md": CHAPTER + "\n![Chú thích](../../outside.jpg){alt=\"x\"}\n"},
        3, ["R002", "outside the project"],
    ),
    "network image": (
        {"manuscript__01-bai_DOT_md": CHAPTER + "\n![Chú thích](https://example.com/a.jpg){alt=\"x\"}\n"},
        3, ["R002"],
    ),
    "file url image": (
        {"manuscript__01-bai_DOT_md": CHAPTER + "\n![Chú thích](file:///etc/hostname){alt=\"x\"}\n"},
        3, ["R002"],
    ),
    "script link": (
        {"manuscript__01-bai_DOT_md": CHAPTER + "\n[bấm vào đây](javascript:alert(1))\n"},
        3, ["manuscript/01-bai.md:8", "M009"],
    ),
    "stylesheet reaching outside": (
        {"styles__extra_DOT_css": "body { background: url('/etc/passwd'); }\n"},
        3, ["R002", "/etc/passwd"],
    ),
    "character no font covers": (
        {"manuscript__01-bai_DOT_md": CHAPTER + "\nChữ Hán 漢 không có trong phông.\n"},
        4, ["F002", "U+6F22", "manuscript/01-bai.md:8:9"],
    ),
    "characters no font covers, each where it is written": (
        {"manuscript__01-bai_DOT_md": CHAPTER + "\nTích phân &ClockwiseContourIntegral; và &#X0D06;, rồi 漢.\n"},
        4, ["F002", "U+2232", "manuscript/01-bai.md:8:11", "U+0D06", "manuscript/01-bai.md:8:41", "U+6F22",
            "manuscript/01-bai.md:8:55"],
    ),
    "not an image": (
        {"manuscript__01-bai_DOT_md": CHAPTER + "\n![Chú thích](images/x.jpg){alt=\"x\"}\n",
         "manuscript__images__x_DOT_jpg": b"not a jpeg at all"},
        3, ["R003", "manuscript/01-bai.md:8"],
    ),
    "font file that is not a font": (
        {"fonts__Hong_DOT_ttf": b"\x00\x01\x00\x00 not really a font"},
        3, ["R004", "Hong.ttf cannot be read as a font"],
    ),
    "no chapters": (
        {"manuscript__01-bai_DOT_md": b"", "manuscript__README_DOT_txt": "không phải chương"},
        3, ["M002"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_fails_cleanly(tmp_path: Path, case: str) -> None:
    files, expected_code, needles = CASES[case]
    root = project(tmp_path, **files)
    code, output = run_build(root)
    assert_failed_cleanly(root, code, output, expected_code, *needles)


def test_empty_manuscript_folder(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "manuscript" / "01-bai.md").unlink()
    code, output = run_build(root)
    assert_failed_cleanly(root, code, output, 3, "C002")


def test_missing_config(tmp_path: Path) -> None:
    code, output = run_build(tmp_path)
    assert code == 3 and "C001" in output and "Traceback" not in output


def test_all_config_errors_reported_at_once(tmp_path: Path) -> None:
    root = project(tmp_path, publish_DOT_yaml="language: 12\nautors: x\nprint:\n  trim: huge\n")
    code, output = run_build(root)
    assert code == 3
    for needle in ("Y004", "Y003", "Y002", "print.trim"):
        assert needle in output


def test_a_good_project_builds_and_replaces_dist(tmp_path: Path) -> None:
    root = project(tmp_path, manuscript__images__a_DOT_jpg=PHOTO,
                   publish_DOT_yaml=CONFIG.lstrip() + "cover: manuscript/images/a.jpg\n")
    code, output = run_build(root)
    assert code == 0, output
    opf = epub_opf(root / "dist" / "sach-thu.epub")
    cover = opf.find(".//{http://www.idpf.org/2007/opf}item[@properties='cover-image']")
    assert cover.get("href").startswith("images/a-") and cover.get("media-type") == "image/jpeg"
    assert (root / "dist" / "sach-thu.epub").read_bytes()[:2] == b"PK"
    assert (root / "dist" / "sach-thu.print.pdf").read_bytes()[:5] == b"%PDF-"
    assert (root / "dist" / "sach-thu.screen.pdf").read_bytes()[:5] == b"%PDF-"
    assert not [p for p in (root / "dist").iterdir() if p.name.endswith(".tmp")]


def test_a_refused_figure_is_reported_once(tmp_path: Path) -> None:
    """The image of a figure that cannot be read is named (R001); it is not also 'an image in text' (M004)."""
    root = project(tmp_path, **CASES["missing image"][0])
    code, output = run_build(root)
    assert code == 3 and "R001" in output and "M004" not in output, output
