"""The installable tool: the wheel carries its defaults, and `python -m publish` works."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.helpers import REPO


def test_wheel_ships_styles_fonts_and_templates(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(tmp_path), str(REPO)],
        check=True, capture_output=True, timeout=300,
    )
    wheel = next(tmp_path.glob("xuatban-*.whl"))  # (the distribution's name: "publish" is taken on PyPI)
    names = set(zipfile.ZipFile(wheel).namelist())
    for font in (REPO / "fonts").glob("*.ttf"):
        assert f"publish/_defaults/fonts/{font.name}" in names
    assert {"publish/_defaults/fonts/OFL-NotoSerif.txt", "publish/_defaults/fonts/OFL-BeVietnamPro.txt"} <= names
    for css in ("base.css", "epub.css", "print.css"):
        assert f"publish/_defaults/styles/{css}" in names
    assert "publish/templates/article.j2" in names


def test_python_dash_m_publish() -> None:
    done = subprocess.run([sys.executable, "-m", "publish", "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "publish" in done.stdout


def test_every_diagnostic_code_is_documented() -> None:
    from publish.rules import CATALOGUE

    documented = (REPO / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    assert [code for code in CATALOGUE if f"| {code} |" not in documented] == []
