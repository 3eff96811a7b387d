"""Regenerate manuscript/images/trao-giai-placeholder.jpg, the stand-in for the seed's missing photo.

1800 x 1200 px: 300 ppi over 152 mm, wider than the text block of the 145 x 205 mm page.
Run: .venv/bin/python scripts/make_placeholder.py
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
WIDTH, HEIGHT = 1800, 1200


def main() -> None:
    image = Image.new("RGB", (WIDTH, HEIGHT), (206, 206, 200))
    draw = ImageDraw.Draw(image)
    for offset in range(-HEIGHT, WIDTH, 60):
        draw.line((offset, 0, offset + HEIGHT, HEIGHT), fill=(196, 196, 190), width=18)
    draw.rectangle((24, 24, WIDTH - 25, HEIGHT - 25), outline=(120, 120, 115), width=6)
    bold = ImageFont.truetype(str(ROOT / "fonts/BeVietnamPro-Bold.ttf"), 96)
    regular = ImageFont.truetype(str(ROOT / "fonts/BeVietnamPro-Regular.ttf"), 54)
    lines = [("ẢNH THAY THẾ", bold), ("PLACEHOLDER", bold), ("", regular),
             ("Ảnh gốc của bài báo không có sẵn.", regular), ("The original photo is not available.", regular)]
    y = 330
    for text, font in lines:
        if text:
            width = draw.textlength(text, font=font)
            box = (int((WIDTH - width) / 2) - 30, y - 12, int((WIDTH + width) / 2) + 30, y + font.size + 24)
            draw.rectangle(box, fill=(206, 206, 200))
            draw.text(((WIDTH - width) / 2, y), text, font=font, fill=(60, 60, 58))
        y += int(font.size * 1.45)
    image.save(ROOT / "manuscript/images/trao-giai-placeholder.jpg", quality=82, optimize=True, dpi=(300, 300))


if __name__ == "__main__":
    main()
