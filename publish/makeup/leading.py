"""Line heights that clear Vietnamese stacked marks.

Be Vietnam Pro Bold's ink runs from 1.22 em above the baseline (Ẳ) to 0.25 em below it (ỵ, Ợ): a title
set at line height 1.2 puts the dot under Ộ on the circumflex and tilde of Ỗ on the next line. For each
element whose text could reach that far, the line height is made at least the ink its characters can
take above the baseline plus what they can take below it, and a little air (:data:`CLEARANCE`); the
design's own line height is kept wherever it already clears them. Only the element's own characters
count: an all-caps headline with Ẳ gets more room than a lowercase one, as a typesetter would set it.
"""

from __future__ import annotations

import math

from publish.makeup.ink import Face

CLEARANCE = 0.05  # em of white between the lowest ink of a line and the highest of the next


def needed(face: Face, text: str) -> float:
    """The smallest line height (in em) at which lines of ``text`` in ``face`` cannot touch."""
    reach = face.reach(text)
    return reach.top + reach.bottom + CLEARANCE


def line_height(face: Face, text: str, design: float) -> float | None:
    """The line height (em, rounded up to hundredths) ``text`` needs instead of the ``design``'s, or None
    when the design's clears its marks."""
    if face.worst.top + face.worst.bottom + CLEARANCE <= design + 1e-6:
        return None  # (no Vietnamese letter of the face could touch: body text)
    wanted = needed(face, text)
    if wanted <= design + 1e-6:
        return None
    return math.ceil(wanted * 100 - 1e-6) / 100
