"""Where the tool's own assets live: default styles and fonts, and the templates.

In an installed wheel the defaults are packaged under ``publish/_defaults``; in a source checkout
(or an editable install) they are the repository's top-level ``styles/`` and ``fonts/``.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"


def defaults_dir(kind: str) -> Path:
    """``kind`` is "styles" or "fonts"."""
    for candidate in (PACKAGE_DIR / "_defaults" / kind, PACKAGE_DIR.parent / kind):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"publish is installed without its default {kind}")
