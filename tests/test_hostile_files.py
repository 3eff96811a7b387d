"""Hostile projects, files: nothing outside the project is read through a link, a stylesheet or the cache,
and nothing is written outside it (see tests.hostile for what every case must hold)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from publish import cache, stylesheets
from publish.project import Project
from publish.resources import defaults_dir
from tests.hostile import ARTICLE, Case, Place, attack, link, write
from tests.test_hostile_images import png_claiming

SHEET_NOTE = "p { color: #222 }\n"


def outside_folder(place: Place, name: str) -> Path:
    """A folder outside the project holding a copy of ``name`` from it (a chapter, say)."""
    folder = place.outside / "elsewhere"
    folder.mkdir(exist_ok=True)
    source = place.root / name
    if source.is_dir():
        shutil.copytree(source, folder / source.name)
        return folder / source.name
    shutil.copy(source, folder / source.name)
    return folder


def link_outside_folder(place: Place, name: str) -> None:
    copy = outside_folder(place, name)
    shutil.rmtree(place.root / name)
    link(place, name, copy)


def outside_font(place: Place) -> None:
    font = sorted(defaults_dir("fonts").glob("*.ttf"))[0]
    shutil.copy(font, place.outside / font.name)
    link(place, f"fonts/{font.name}", place.outside / font.name)


def sample_cache(place: Place) -> Path:
    """The built sample's cache, copied into the project without its manifest (the build is not skipped)."""
    cache = place.root / ".publish-cache"
    shutil.copytree(place.built / ".publish-cache", cache)
    (cache / "manifest.json").unlink()
    return cache


def artifacts_linked_to_canary(place: Place) -> None:
    for artifact in [p for p in (sample_cache(place) / "artifacts").rglob("*") if p.is_file()]:
        artifact.unlink()
        artifact.symlink_to(place.canary)


def artifacts_replaced_by_canary(place: Place) -> None:
    for artifact in [p for p in (sample_cache(place) / "artifacts").rglob("*") if p.is_file()]:
        artifact.write_bytes(place.canary.read_bytes())


def manifest_naming_outside(place: Place) -> None:
    cache = place.root / ".publish-cache"
    shutil.copytree(place.built / ".publish-cache", cache)
    manifest = json.loads((cache / "manifest.json").read_text(encoding="utf-8"))
    manifest["inputs"] = {"/dev/zero": "0" * 64, str(place.canary): "0" * 64, **manifest["inputs"]}
    (cache / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def fifo_in_manifest(place: Place) -> None:
    """A FIFO named by the manifest: hashing it would wait for a writer forever."""
    manifest_naming_outside(place)
    os.mkfifo(place.root / "manuscript" / "pipe.txt")
    path = place.root / ".publish-cache" / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["inputs"] = {"manuscript/pipe.txt": "0" * 64, **manifest["inputs"]}
    path.write_text(json.dumps(manifest), encoding="utf-8")


def sheet(name: str, text: str | bytes) -> Callable[[Place], object]:
    """Arrange: ``styles/NAME`` holds ``text``."""
    return lambda place: write(place, f"styles/{name}", text)


STRAY = "p { color: red }\n}\nh2 { color: blue }\n"
NOT_UTF8 = "p {}\n/* Đ */\n".encode("cp1258")

CASES = [
    # Links: followed only when they lead inside the project.
    Case("epub.css linked to a file outside", lambda p: link(p, "styles/epub.css", p.canary), 3,
         ("R002",), "styles/epub.css"),
    Case("print.css linked to a file outside", lambda p: link(p, "styles/print.css", p.canary), 3,
         ("R002",), "styles/print.css"),
    Case("extra.css linked to a file outside", lambda p: link(p, "styles/extra.css", p.canary), 3,
         ("R002",), "styles/extra.css"),
    Case("styles/ linked to a folder outside", lambda p: (write(p, "styles/extra.css", SHEET_NOTE),
                                                            link_outside_folder(p, "styles")), 3,
         ("R002",), "'styles' is a link to"),
    Case("chapter linked to a file outside", lambda p: link(p, "manuscript/02-x.md", p.canary), 3,
         ("R002",), "manuscript/02-x.md"),
    Case("manuscript/ linked to a folder outside", lambda p: link_outside_folder(p, "manuscript"), 3,
         ("R002",), "'manuscript' is a link to"),
    Case("publish.yaml linked to a file outside", lambda p: link(p, "publish.yaml", p.canary), 3,
         ("R002",), "publish.yaml"),
    Case("font linked to a file outside", outside_font, 3, ("R002",), "fonts/"),
    Case("image linked to a file outside",
         lambda p: link(p, "manuscript/images/trao-giai-placeholder.jpg", p.canary), 3, ("R002",),
         "manuscript/images/trao-giai-placeholder.jpg"),
    Case("a link to itself", lambda p: link(p, "styles/extra.css", p.root / "styles/extra.css"), 3,
         ("R002",), "styles/extra.css"),
    Case("a chapter linked inside the project", lambda p: link(p, "manuscript/00-a.md", Path("..") / ARTICLE), 0),
    Case("publish fix on a chapter linked outside", lambda p: link(p, "manuscript/02-x.md", p.canary), 3,
         ("R002",), "manuscript/02-x.md", args=("fix", "{root}")),
    Case("publish fix on publish.yaml linked outside", lambda p: link(p, "publish.yaml", p.canary), 3,
         ("R002",), "publish.yaml", args=("fix", "{root}")),
    Case("publish fix on a chapter of 9 MB", lambda p: write(p, "manuscript/02-x.md", "Chữ.\n" * 1_500_000), 3,
         ("M017",), "manuscript/02-x.md", args=("fix", "{root}"), timeout=30),
    Case("publish lint on a stylesheet linked outside", lambda p: link(p, "styles/extra.css", p.canary), 3,
         ("R002",), "styles/extra.css", args=("lint", "{root}")),
    # Addresses in stylesheets: checked in every rule before anything is written.
    Case("@import of a network address in epub.css",
         sheet("epub.css", '@import url("http://127.0.0.1:9/x.css");\n' + SHEET_NOTE), 3,
         ("R007", "R002"), "styles/epub.css:1:1"),
    Case("file:// address inside @media screen in extra.css",
         sheet("extra.css", "@media screen {\n  p { background: url(file:///etc/passwd) }\n}\n"),
         3, ("R002",), "styles/extra.css:2:19"),
    Case("absolute path in @font-face",
         sheet("extra.css", '@font-face {\n  font-family: X;\n  src: url("/etc/passwd");\n}\n'),
         3, ("R002",), "styles/extra.css:3:8"),
    Case("network address in a page margin box inside @supports",
         sheet("print.css", "@supports (display: grid) {\n  @page {\n    @top-center {\n"
                         "      content: 'x'; background: url(https://example.com/a.png)\n    }\n  }\n}\n"),
         3, ("R002",), "styles/print.css:4:33"),
    Case("address escaping the project by ../",
         sheet("print.css", "body { background: url('../../outside/canary.txt') }\n"),
         3, ("R002",), "styles/print.css:1"),
    Case("address written with CSS escapes", sheet("extra.css", "p { background: u\\72l(file:///etc/passwd) }\n"),
         3, ("R002",), "styles/extra.css:1"),
    Case("image-set address", sheet("extra.css", 'p { background: image-set("http://x/a.png" 1x) }\n'),
         3, ("R002",), "styles/extra.css:1"),
    Case("missing file named by print.css", sheet("print.css", "body { background: url(bg.png) }\n"),
         3, ("R001",), "styles/print.css:1:20"),
    Case("file named by a sheet the EPUB carries",
         lambda p: (write(p, "styles/bg.png", b"\x89PNG"), sheet("extra.css", "body { background: url(bg.png) }\n")(p)),
         3, ("R007",), "styles/extra.css:1:20"),
    Case("print.css naming a PNG of 30000 x 30000 pixels",
         lambda p: (write(p, "styles/bomb.png", png_claiming(30000, 30000)),
                    sheet("print.css", "body { background: url(bomb.png) }\n")(p)),
         3, ("R006",), "styles/print.css:1:20"),
    Case("data: address", sheet("extra.css", 'h1::after { content: url("data:,") }\n'), 0),
    # Sheets that cannot be read as they are.
    Case("stray } in extra.css", sheet("extra.css", STRAY),
         3, ("R007",), "styles/extra.css:2:1"),
    Case("stray } in extra.css, lint", sheet("extra.css", STRAY),
         3, ("R007",), "styles/extra.css:2:1", args=("lint", "{root}")),
    Case("stylesheet not in UTF-8", sheet("extra.css", NOT_UTF8), 3,
         ("R007",), "styles/extra.css:2:4"),
    Case("stylesheet not in UTF-8, lint", sheet("extra.css", NOT_UTF8),
         3, ("R007",), "styles/extra.css:2:4", args=("lint", "{root}")),
    Case("10 MB stylesheet", sheet("extra.css", "p { color: red }\n" * 600_000), 3,
         ("R006",), "styles/extra.css", timeout=30),
    Case("stylesheets of 300 KB together", lambda p: (sheet("extra.css", "p { color: red }\n" * 9000)(p),
                                                     sheet("print.css", "h2 { color: blue }\n" * 8000)(p)),
         3, ("R006",), "styles/extra.css", timeout=30),
    # The cache: never trusted, never followed outside.
    Case("cache artifacts planted as links to a file outside", artifacts_linked_to_canary, 0),
    Case("cache artifacts replaced by other bytes", artifacts_replaced_by_canary, 0),
    Case("cache manifest naming /dev/zero and a file outside", manifest_naming_outside, 0, timeout=60),
    Case("cache manifest naming a FIFO", fifo_in_manifest, 0, timeout=60),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_hostile_files(case: Case, tmp_path: Path, sample_dist: Path) -> None:
    attack(case, tmp_path, sample_dist)


def test_a_cache_folder_that_is_a_link_is_neither_read_nor_written(tmp_path: Path, sample_dist: Path) -> None:
    def arrange(place: Place) -> None:
        target = place.outside / "cache"
        target.mkdir()
        (target / "manifest.json").write_text("{}", encoding="utf-8")
        link(place, ".publish-cache", target)

    outcome = attack(Case("cache folder linked outside", arrange, 0, ("B005",), ".publish-cache"),
                     tmp_path, sample_dist)
    assert sorted(p.name for p in (tmp_path / "outside" / "cache").iterdir()) == ["manifest.json"], outcome.output


def test_the_default_stylesheets_pass_their_own_check(tmp_path: Path) -> None:
    stylesheets.check(Project.at(tmp_path))  # (a project without styles/: publish's own sheets)


def test_the_cache_key_holds_the_libraries_that_lay_out_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same project, the same publish, another HarfBuzz (its subsetter makes other font bytes): every
    earlier entry is of no use."""
    libraries = cache.system_libraries()
    assert [entry.split(" ")[0] for entry in libraries] == [name for name, _ in cache.LIBRARIES]
    assert any(entry.startswith("libharfbuzz.so.0 ") and entry[-1].isdigit() for entry in libraries), libraries
    monkeypatch.setattr(cache, "_CODE", [])
    before = cache.code_fingerprint()
    monkeypatch.setattr(cache, "_CODE", [])
    monkeypatch.setattr(cache, "system_libraries", lambda: [*libraries[:2], "libharfbuzz-subset.so.0 missing"])
    assert cache.code_fingerprint() != before


def test_a_cache_artifact_is_used_only_as_kept(tmp_path: Path) -> None:
    kept = cache.Cache(tmp_path)
    kept.keep("cmyk", "k", b"photo")
    assert kept.artifact("cmyk", "k") == b"photo"
    path = tmp_path / cache.CACHE_DIR / "artifacts" / "cmyk" / "k"
    whole = path.read_bytes()
    path.write_bytes(whole.replace(b"photo", b"other"))
    assert kept.artifact("cmyk", "k") is None  # (bytes that are not those kept)
    path.unlink()
    (tmp_path / "elsewhere").write_bytes(whole)
    path.symlink_to(tmp_path / "elsewhere")
    assert kept.artifact("cmyk", "k") is None  # (a whole entry, but through a link)


def test_colours_converted_together_are_those_converted_one_by_one() -> None:
    """(The press converts a stylesheet's colours in one strip: 4,000 of them, one by one, took 16 s.)"""
    from PIL import Image, ImageCms

    from publish.output import press

    profile = press.load_profile()
    colours = [(200, 16, 46), (0, 91, 187), (255, 204, 0), (17, 120, 60)]
    press._CONVERTED.pop(profile.data, None)
    press.convert_all(colours, profile)
    transform = press._transform(profile.data, ImageCms.Intent.RELATIVE_COLORIMETRIC)
    for colour in colours:
        pixel = ImageCms.applyTransform(Image.new("RGB", (1, 1), colour), transform)
        assert pixel is not None
        alone = tuple(round(v / 255, 4) for v in pixel.tobytes())
        assert press.cmyk(*(v / 255 for v in colour), profile) == alone
