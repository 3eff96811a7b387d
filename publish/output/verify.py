"""The checks a laid-out PDF must pass before it is written, as diagnostics: no stacked mark touching the
line above or below (an error), and the report of its word spacing (the loosest lines, for ``--verbose``).

The measuring is :mod:`publish.makeup.measure`'s; this module names what it finds in the manuscript's
terms: the source line of the block (``data-src``, which the PDF's markup carries) and the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from publish import rules
from publish.diagnostics import Diagnostic, Location
from publish.fonts import FontFace, matching_face
from publish.makeup import ink, measure
from publish.makeup.lines import LOOSE
from publish.output.engine import Font, PageView

LOOSEST = 5  # lines named in the spacing report


class _Faces:
    def __init__(self, faces: Sequence[FontFace]) -> None:
        self.faces = faces
        self.known: dict[Font, ink.Face | None] = {}

    def __call__(self, font: Font) -> ink.Face | None:
        if font not in self.known:
            chosen = matching_face(self.faces, *font)
            self.known[font] = ink.face(chosen.path) if chosen is not None else None
        return self.known[font]


class Sources:
    """The manuscript line of an element of a laid-out document: its own ``data-src`` or an ancestor's."""

    def __init__(self) -> None:
        self.parents: dict[Any, dict[Any, Any]] = {}

    def __call__(self, view: PageView, element: Any, fallback: Location) -> Location:
        if view.root is not None and view.root not in self.parents:
            self.parents[view.root] = {kid: parent for parent in view.root.iter() for kid in parent}
        parents = self.parents.get(view.root, {})
        while element is not None:
            source = element.get("data-src") if hasattr(element, "get") else None
            if source:
                path, _, line = str(source).rpartition(":")
                if path and line.isdigit():
                    return Location(path, int(line))
            element = parents.get(element)
        return fallback


def collisions(views: Sequence[PageView], faces: Sequence[FontFace], pdf_path: str) -> list[Diagnostic]:
    found, fonts, sources = [], _Faces(faces), Sources()
    for number, view in enumerate(views, start=1):
        for hit in measure.collisions(view, fonts):
            where = sources(view, hit.block, Location(pdf_path))
            found.append(rules.PDF_LINES_COLLIDE(
                f"on page {number}, the ink of '{hit.upper}' reaches {hit.overlap * 0.75:.1f} pt into '{hit.lower}' "
                "on the line below", where))
    return found


def spacing(views: Sequence[PageView], faces: Sequence[FontFace], pdf_path: str) -> list[Diagnostic]:
    """One notice summing up the word spaces of the justified lines, and one for each of the loosest."""
    fonts, sources = _Faces(faces), Sources()
    spaced = [(number, view, line) for number, view in enumerate(views, start=1)
              for line in measure.spacing(view, fonts)]
    if not spaced:
        return []
    loose = sum(line.space > LOOSE for _, _, line in spaced)
    widest = max(line.space for _, _, line in spaced)
    found = [rules.PDF_LOOSE_LINES(
        f"{len(spaced)} justified lines; widest word space {widest:.2f} em; {loose} line(s) "
        f"({loose / len(spaced):.1%}) over {LOOSE} em", Location(pdf_path))]
    for number, view, line in sorted(spaced, key=lambda item: -item[2].space)[:LOOSEST]:
        found.append(rules.PDF_LOOSE_LINES(
            f"page {number}: word spaces of {line.space:.2f} em in \u201c{line.text[:60]}\u201d",
            sources(view, line.block, Location(pdf_path))))
    return found
