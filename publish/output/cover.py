"""A generated cover (when publish.yaml names none): title, authors and publisher, typeset with Pillow.

The image is deterministic: same metadata and fonts, same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageFont

from publish.config import BookConfig
from publish.fonts import FontFace

WIDTH, HEIGHT = 1600, 2400
MARGIN = 150
PAPER = (244, 241, 234)
INK = (26, 26, 26)
ACCENT = (158, 27, 27)
GREY = (90, 90, 90)


def pick_face(faces: Sequence[FontFace], family: str, weight: int, italic: bool = False) -> FontFace:
    """The face of ``family`` closest to ``weight``; any family when that one is absent."""
    pool = [f for f in faces if f.family == family] or list(faces)
    return min(pool, key=lambda f: (f.italic != italic, abs(f.weight - weight)))


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and draw.textlength(candidate, font=font) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def _fit_title(draw: ImageDraw.ImageDraw, text: str, face: FontFace) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    for size in range(150, 60, -6):
        font = ImageFont.truetype(str(face.path), size, layout_engine=ImageFont.Layout.BASIC)
        lines = _wrap(draw, text, font, WIDTH - 2 * MARGIN)
        if len(lines) <= 6:
            return font, lines
    return font, lines


def generate_cover(config: BookConfig, faces: Sequence[FontFace], display_family: str, text_family: str) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 36), fill=ACCENT)

    small = ImageFont.truetype(str(pick_face(faces, display_family, 600).path), 44,
                               layout_engine=ImageFont.Layout.BASIC)
    y = 190
    if config.publisher:
        draw.text((MARGIN, y), config.publisher.upper(), font=small, fill=ACCENT)
    y = 520
    title_face = pick_face(faces, display_family, 700)
    font, lines = _fit_title(draw, config.title, title_face)
    line_height = int(font.size * 1.22)
    for line in lines:
        draw.text((MARGIN, y), line, font=font, fill=INK)
        y += line_height
    y += 50
    draw.rectangle((MARGIN, y, MARGIN + 220, y + 10), fill=ACCENT)
    y += 90
    if config.subtitle:
        sub = ImageFont.truetype(str(pick_face(faces, text_family, 400, italic=True).path), 64,
                                 layout_engine=ImageFont.Layout.BASIC)
        for line in _wrap(draw, config.subtitle, sub, WIDTH - 2 * MARGIN):
            draw.text((MARGIN, y), line, font=sub, fill=GREY)
            y += 84
    if config.authors:
        names = ImageFont.truetype(str(pick_face(faces, display_family, 600).path), 58,
                                   layout_engine=ImageFont.Layout.BASIC)
        draw.text((MARGIN, HEIGHT - 260), ", ".join(config.authors).upper(), font=names, fill=INK)
    out = io.BytesIO()
    # zlib's default level: Pillow's optimize=True (level 9) took 0.13 s for 3% fewer bytes.
    image.save(out, format="PNG", compress_level=6)
    return out.getvalue()
