"""What a typesetter would check on finished PDFs, read back from the files (tests/pages.py): pages, blank
pages, the least-filled page that is not an article's last, the lines on each article's last page, the
loosest justified line and how many pass 0.45 em, and ink collisions between lines.

    .venv/bin/python scripts/makeup_report.py dist/*.pdf
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import pages  # noqa: E402
from tests.test_makeup import articles  # noqa: E402


def report(path: Path) -> str:
    fill, counts = pages.page_fill(path), pages.text_lines_per_page(path)
    blank = pages.blank_pages(path)
    inner = [(fill[number - 1], number) for article in articles(path) for number in article[:-1]]
    lasts = [f"p. {article[-1]}: {counts[article[-1] - 1]}" for article in articles(path) if len(article) > 1]
    spacing = pages.loosest(pages.word_spacing(path))
    least = min(inner, default=None)
    loosest = spacing.loosest
    return "\n".join([
        f"{path.name}: {len(fill)} pages, {len(blank)} blank {blank}",
        "  least-filled page but an article's last: " + (f"{least[0]:.0%} (p. {least[1]})" if least else "none"),
        f"  lines on articles' last pages: {', '.join(lasts) or 'none'}",
        f"  justified lines: {spacing.lines}; widest word space {spacing.widest:.3f} em; over 0.45 em: "
        f"{spacing.over} ({spacing.share:.1%})" + (f"; loosest on p. {loosest.page}: {loosest.text[:60]}"
                                                   if loosest else ""),
        f"  ink collisions between lines: {len(pages.collisions(path))}",
    ])


def main(arguments: list[str]) -> int:
    if not arguments:
        print(__doc__, file=sys.stderr)
        return 2
    for argument in arguments:
        print(report(Path(argument)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
