"""Regenerate docs/diagnostics.md from the catalogue in publish/rules.py (a test keeps them in sync)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from publish.rules import CATALOGUE  # noqa: E402

HEAD = """# Diagnostic codes

Every finding publish reports has a stable code. The letter tells where it comes from: `Y` YAML
structure (publish.yaml and front matter), `C` project configuration, `M` manuscript Markdown, `R` resources
(images, styles, fonts), `T` text normalization, `F` fonts, `P` PDF rendering, `E` EPUB packaging, `B` build
output. Errors stop the build; warnings and notices do not (`--strict` fails on warnings).
`publish lint --list-rules` prints this list; `publish lint` reports every finding that does not need
rendering, without building.

| code | severity | what | how to fix |
|---|---|---|---|
"""


def main() -> None:
    rows = []
    for rule in sorted(CATALOGUE.values(), key=lambda rule: rule.code):
        hint = rule.hint.replace("|", r"\|")
        rows.append(f"| {rule.code} | {rule.severity.value} | {rule.title} | {hint} |")
    (ROOT / "docs" / "diagnostics.md").write_text(HEAD + "\n".join(rows) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
