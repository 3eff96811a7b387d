"""publish.yaml: defaults, accepted forms, and findings that name the key and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from publish.config import PrintConfig, load_config


def config_from(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    (tmp_path / "publish.yaml").write_text(text, encoding="utf-8")
    return load_config(tmp_path)


def test_defaults(tmp_path: Path) -> None:
    config, found = config_from(tmp_path, "title: Sách\n")
    assert found == []
    assert config is not None
    assert config.language == "vi"
    assert config.print == PrintConfig(trim=(145.0, 205.0), bleed=3.0, marks=False)


@pytest.mark.parametrize(("trim", "size"), [
    ("A5", (148, 210)),
    ("a5", (148, 210)),
    ("145mm x 205mm", (145, 205)),
    ("14.5 x 20.5 cm", (145, 205)),
    ("5.5in x 8.5in", (139.7, 215.9)),
    ("160×240", (160, 240)),
])
def test_trim_sizes(tmp_path: Path, trim: str, size: tuple[float, float]) -> None:
    config, found = config_from(tmp_path, f"title: Sách\nprint:\n  trim: {trim}\n  bleed: 0.125in\n")
    assert found == [] and config is not None
    assert config.print.trim == pytest.approx(size)
    assert config.print.bleed == pytest.approx(3.175)


def test_metadata_is_normalized_and_reported(tmp_path: Path) -> None:
    config, found = config_from(tmp_path, "title: Ðảng bộ\npublisher: Báo\u00a0 Lạng Sơn\n")
    assert config is not None
    assert config.title == "Đảng bộ" and config.publisher == "Báo Lạng Sơn"
    assert [(d.code, str(d.location)) for d in found] == [("T002", "publish.yaml:1:8"), ("T003", "publish.yaml:2:15")]


@pytest.mark.parametrize(("text", "code", "where"), [
    ("title: [a, b]\n", "Y003", "publish.yaml:1:8"),
    ("title: Sách\ndate: 01/06/2023\n", "Y003", "publish.yaml:2:7"),
    ("title: Sách\nlanguage: tiếng Việt\n", "Y003", "publish.yaml:2:11"),
    ("title: Sách\nprint:\n  bleed: 30mm\n", "Y003", "publish.yaml:3:10"),
    ("title: Sách\nprint:\n  size: A5\n", "Y002", "publish.yaml:3:3"),
    ("title: Sách\ntitle: Khác\n", "Y005", "publish.yaml:2:1"),
    ("- title\n", "Y006", "publish.yaml:1:1"),
    ("title: 'Sách\n", "Y001", "publish.yaml:2:1"),
])
def test_findings(tmp_path: Path, text: str, code: str, where: str) -> None:
    config, found = config_from(tmp_path, text)
    assert config is None
    assert (found[0].code, str(found[0].location)) == (code, where)
