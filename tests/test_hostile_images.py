"""Hostile and unusual images: refused with a clear diagnostic (cut short, a bomb, a damaged profile, a path
no file can have), or printed right in all three outputs (every EXIF orientation, every pixel mode, a
colour profile), which the pages themselves show: PDF pages rendered by pdfium, EPUB images read back.

Every test image has the same upright look: white, a coloured block in the top-left corner, and below
the middle a grey ramp from black on the left to white on the right; the places where a transparent one
is transparent are black underneath (a lost alpha shows them). A picture turned or mirrored the wrong
way, a blank or cut-short ramp or a wrong colour is seen where it is printed.
"""

from __future__ import annotations

import io
import itertools
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from PIL import Image, ImageCms, ImageOps, ImageStat

import publish
from publish import images
from tests.conftest import ENV, write_project
from tests.hostile import ARTICLE, Case, Place, attack, peak_memory, write

WIDTH, HEIGHT = 240, 160
RED, BLUE = (220, 30, 30), (30, 30, 220)


# Test images ----------------------------------------------------------------------------------------


def picture(width: int = WIDTH, height: int = HEIGHT, block: tuple[int, int, int] = RED,
            alpha: bool = False) -> Image.Image:
    """The upright look (RGB, or RGBA with its top-right quarter transparent over black)."""
    image = Image.new("RGBA" if alpha else "RGB", (width, height), "white")
    image.paste(block, (0, 0, width // 4, height // 4))
    ramp = Image.linear_gradient("L").rotate(90, expand=True)
    image.paste(ramp.resize((width, height - height // 2)).convert(image.mode), (0, height // 2))
    if alpha:
        image.paste((0, 0, 0, 0), (width * 3 // 4, 0, width, height // 4))
    return image


def encoded(image: Image.Image, kind: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, kind, **options)
    return out.getvalue()


# EXIF orientation -> how to store the upright picture so that applying the orientation gives it back.
STORED = {1: None, 2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
          4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_90,
          7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_270}


def oriented(orientation: int, width: int) -> bytes:
    """A JPEG whose EXIF orientation is ``orientation`` and whose upright look is :func:`picture`."""
    upright = picture(width)
    method = STORED[orientation]
    stored = upright if method is None else upright.transpose(method)
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encoded(stored, "JPEG", quality=95, exif=exif.tobytes())


def icc_profile(space: bytes, description: str, tags: dict[bytes, bytes]) -> bytes:
    """A minimal ICC v2 display profile (a matrix/TRC or grey TRC profile)."""
    text = description.encode("ascii") + b"\0"
    tags = {b"desc": b"desc" + bytes(4) + struct.pack(">I", len(text)) + text + bytes(4 + 4 + 2 + 1 + 67),
            b"wtpt": xyz(0.9642, 1.0, 0.8249), **tags}
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, body in tags.items():
        body += bytes(-len(body) % 4)
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = (struct.pack(">I", size) + b"lcms" + bytes([2, 0x10, 0, 0]) + b"mntr" + space + b"XYZ "
              + bytes(12) + b"acsp" + bytes(4 + 4 + 4 + 4 + 8 + 4) + xyz(0.9642, 1.0, 0.8249)[8:] + bytes(48))
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + data


def xyz(x: float, y: float, z: float) -> bytes:
    return b"XYZ " + bytes(4) + b"".join(struct.pack(">i", round(v * 65536)) for v in (x, y, z))


def gamma(value: float) -> bytes:
    return b"curv" + bytes(4) + struct.pack(">IH", 1, round(value * 256))


# sRGB's colorants (D50) with red and blue exchanged: a pixel (220, 30, 30) in it is blue.
SWAPPED = icc_profile(b"RGB ", "publish test: red and blue exchanged", {
    b"rXYZ": xyz(0.1431, 0.0606, 0.7141), b"gXYZ": xyz(0.3851, 0.7169, 0.0971),
    b"bXYZ": xyz(0.4361, 0.2225, 0.0139), b"rTRC": gamma(2.2), b"gTRC": gamma(2.2), b"bTRC": gamma(2.2)})
# Grey with a linear tone curve: its middle grey is lighter on screen than the same value untagged.
LINEAR_GREY = icc_profile(b"GRAY", "publish test: linear grey", {b"kTRC": gamma(1.0)})


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_claiming(width: int, height: int, whole: bool = False) -> bytes:
    """A PNG whose header says ``width`` × ``height`` grey pixels, with a few hundred bytes of body (four
    rows) or, ``whole``, all its rows (black)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = zlib.compress(bytes(width + 1) * (height if whole else 4))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def with_iccp(png: bytes, compressed_profile: bytes) -> bytes:
    """``png`` with an iCCP chunk holding ``compressed_profile`` (as written, not compressed here)."""
    cut = 8 + 25  # signature and IHDR
    return png[:cut] + chunk(b"iCCP", b"broken\0\0" + compressed_profile) + png[cut:]


def grey16() -> Image.Image:
    """The look in 16-bit grey (values 0..65535), the block black."""
    grey = picture(block=(0, 0, 0)).convert("L")
    return grey.convert("I").point(lambda value: value * 257).convert("I;16")


def grey_block() -> Image.Image:
    return picture(block=(0, 0, 0)).convert("L")


def mode_images() -> dict[str, tuple[bytes, str]]:
    """Each pixel mode as a file (bytes, file name); each a width of its own, to be told apart on the page."""
    cmyk = picture(262).convert("CMYK")
    palette = picture(268).convert("P", palette=Image.Palette.ADAPTIVE, colors=64)
    return {
        "grey16": (encoded(grey16().resize((250, HEIGHT)), "PNG"), "grey16.png"),
        "bilevel": (encoded(grey_block().resize((252, HEIGHT)).convert("1"), "PNG"), "bilevel.png"),
        "grey-jpeg": (encoded(grey_block().resize((254, HEIGHT)), "JPEG", quality=95), "xam.jpg"),
        "grey-alpha": (encoded(picture(256, block=(0, 0, 0), alpha=True).convert("LA"), "PNG"), "grey-alpha.png"),
        "rgba": (encoded(picture(258, alpha=True), "PNG"), "rgba.png"),
        "rgb-png": (encoded(picture(260), "PNG"), "rgb.png"),
        "cmyk-jpeg": (encoded(cmyk, "JPEG", quality=95), "cmyk.jpg"),
        "palette": (encoded(palette, "PNG"), "palette.png"),
        "palette-transparent": (encoded(transparent_palette(270), "PNG", transparency=0), "palette-transparent.png"),
        "icc-swapped": (encoded(picture(272), "JPEG", quality=95, icc_profile=SWAPPED), "swapped.jpg"),
        "icc-linear-grey": (encoded(grey_block().resize((274, HEIGHT)), "JPEG", quality=95,
                                    icc_profile=LINEAR_GREY), "linear-grey.jpg"),
        "gif": (encoded(picture(276).convert("P", palette=Image.Palette.ADAPTIVE, colors=64), "GIF"), "anh.gif"),
        "webp-oriented": (webp_oriented(278), "oriented.webp"),
    }


def transparent_palette(width: int) -> Image.Image:
    """The look as a palette image whose entry 0, nearly black, is transparent (the top-right quarter)."""
    colours = [(1, 2, 3), RED, *((grey, grey, grey) for grey in range(0, 254))]
    palette = Image.new("P", (1, 1))
    palette.putpalette([value for colour in colours for value in colour])
    image = picture(width).quantize(palette=palette, dither=Image.Dither.NONE)
    image.paste(0, (width * 3 // 4, 0, width, HEIGHT // 4))
    return image


def webp_oriented(width: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6
    return encoded(picture(width).transpose(Image.Transpose.ROTATE_90), "WEBP", lossless=True, exif=exif.tobytes())


# What each kind must look like: the block's colour ("red", "blue", "dark"), transparency over black.
LOOKS = {"grey16": "dark", "bilevel": "dark", "grey-jpeg": "dark", "grey-alpha": "dark", "rgba": "red",
         "rgb-png": "red", "cmyk-jpeg": "red", "palette": "red", "palette-transparent": "red",
         "icc-swapped": "blue", "icc-linear-grey": "dark", "gif": "red", "webp-oriented": "red"}
WIDTHS = {"grey16": 250, "bilevel": 252, "grey-jpeg": 254, "grey-alpha": 256, "rgba": 258, "rgb-png": 260,
          "cmyk-jpeg": 262, "palette": 268, "palette-transparent": 270, "icc-swapped": 272,
          "icc-linear-grey": 274, "gif": 276, "webp-oriented": 278}
ORIENTATION_WIDTH = 200  # + 2 × the orientation: 202 .. 216


# Judging a picture --------------------------------------------------------------------------------


def mean(image: Image.Image, box: tuple[float, float, float, float]) -> tuple[float, float, float]:
    """The mean RGB of ``box`` given in fractions of the image (left, top, right, bottom)."""
    width, height = image.size
    left, top, right, bottom = box
    region = image.convert("RGB").crop((round(left * width), round(top * height), round(right * width),
                                        round(bottom * height)))
    red, green, blue = ImageStat.Stat(region).mean
    return red, green, blue


def luminance(rgb: tuple[float, float, float]) -> float:
    return 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]


def judge(image: Image.Image, look: str = "red") -> list[str]:
    """What is wrong with a printed or displayed picture that should have the upright look."""
    wrong = []
    width, height = image.size
    if width < height * 1.2:  # every look is 1.25 to 1.75 times as wide as high
        wrong.append(f"shape {width}×{height}: turned")
    block = mean(image, (0.04, 0.05, 0.20, 0.20))
    if look == "red" and not (block[0] > block[2] + 60 and block[0] > block[1] + 60):
        wrong.append(f"top-left block not red: {block}")
    if look == "blue" and not (block[2] > block[0] + 60 and block[2] > block[1] + 40):
        wrong.append(f"top-left block not blue: {block}")
    if look == "dark" and luminance(block) > 90:
        wrong.append(f"top-left block not dark: {block}")
    for name, box in (("top right", (0.80, 0.05, 0.96, 0.20)), ("middle", (0.40, 0.05, 0.60, 0.40))):
        if luminance(mean(image, box)) < 200:
            wrong.append(f"{name} not white: {mean(image, box)}")
    ramp = [luminance(mean(image, (x, 0.62, x + 0.06, 0.95))) for x in (0.02, 0.27, 0.47, 0.67, 0.92)]
    if not (ramp[0] < 80 and ramp[-1] > 175 and all(a < b for a, b in itertools.pairwise(ramp))):
        wrong.append(f"the ramp below is not black to white: {[round(v) for v in ramp]}")
    return wrong


def middle_grey(image: Image.Image) -> float:
    return luminance(mean(image, (0.47, 0.62, 0.53, 0.95)))


# The pages ----------------------------------------------------------------------------------------


def placed_images(path: Path, scale: float = 3.0) -> dict[int, list[Image.Image]]:
    """Every image drawn on the PDF's pages as rendered there (cropped from the page), by its pixel width."""
    found: dict[int, list[Image.Image]] = {}
    document = pdfium.PdfDocument(path)
    try:
        for page in document:
            left, _, _, top = page.get_cropbox()
            rendered = page.render(scale=scale, may_draw_forms=False).to_pil()
            for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,)):
                assert isinstance(obj, pdfium.PdfImage)
                x0, y0, x1, y1 = obj.get_bounds()
                box = (round((x0 - left) * scale), round((top - y1) * scale), round((x1 - left) * scale),
                       round((top - y0) * scale))
                found.setdefault(obj.get_px_size()[0], []).append(rendered.crop(box))
    finally:
        document.close()
    return found


def epub_images(path: Path) -> dict[str, Image.Image]:
    """The EPUB's images by the file name they were given in the manuscript (its slug's start)."""
    found = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if "/images/" in name and not name.rsplit("/", 1)[1].startswith("cover"):
                image = Image.open(io.BytesIO(archive.read(name)))
                image.load()
                found[name.rsplit("/", 1)[1]] = image
    return found


def figures(names: list[str]) -> str:
    return "\n\n".join(f'![Ảnh {index}](images/{name}){{alt="Ảnh thử {index}"}}' for index, name in enumerate(names))


CONFIG = """
title: Ảnh thử
authors: [Nhóm thử]
date: 2024-03-15
language: vi
print:
  trim: A5
"""


def chapter(names: list[str]) -> str:
    return f"---\ntitle: Các ảnh\ndate: 2024-03-15\n---\n\nĐoạn mở đầu.\n\n{figures(names)}\n"


@dataclass(frozen=True)
class Built:
    epub: Path
    press: Path
    screen: Path


def build(root: Path, files: dict[str, bytes], cover: bytes | None = None) -> Built:
    """The book of one article showing ``files`` (by name), with ``cover`` as its cover."""
    project = write_project(root, {"publish.yaml": CONFIG + ("cover: bia.jpg\n" if cover else ""),
                                   "manuscript/01-anh.md": chapter(list(files)),
                                   **{f"manuscript/images/{name}": data for name, data in files.items()},
                                   **({"bia.jpg": cover} if cover else {})})
    result = publish.build(project, environ=ENV)
    epub, press, screen = (next(p for p in result.outputs if p.name.endswith(suffix))
                           for suffix in (".epub", ".print.pdf", ".screen.pdf"))
    return Built(epub, press, screen)


@pytest.fixture(scope="module")
def oriented_book(tmp_path_factory: pytest.TempPathFactory) -> Built:
    files = {f"xoay-{o}.jpg": oriented(o, ORIENTATION_WIDTH + 2 * o) for o in STORED}
    return build(tmp_path_factory.mktemp("oriented"), files, cover=oriented(6, 230))


@pytest.fixture(scope="module")
def modes_book(tmp_path_factory: pytest.TempPathFactory) -> Built:
    return build(tmp_path_factory.mktemp("modes"), {name: data for data, name in mode_images().values()})


@pytest.mark.parametrize("output", ["press", "screen"])
def test_every_orientation_is_upright_in_the_pdfs(oriented_book: Built, output: str) -> None:
    placed = placed_images(getattr(oriented_book, output))
    for orientation in STORED:
        width = ORIENTATION_WIDTH + 2 * orientation
        assert width in placed, f"orientation {orientation}: no image {width} pixels wide (turned?) in {sorted(placed)}"
        for image in placed[width]:
            assert not judge(image), f"{output} PDF, orientation {orientation}: {judge(image)}"


def test_every_orientation_is_upright_in_the_epub(oriented_book: Built) -> None:
    found = epub_images(oriented_book.epub)
    for orientation in STORED:
        name = next(name for name in found if re.fullmatch(rf"xoay-{orientation}-[0-9a-f]{{8}}\.jpg", name))
        image = found[name]
        assert image.getexif().get(0x0112, 1) == 1, f"orientation {orientation}: still tagged"
        assert image.size == (ORIENTATION_WIDTH + 2 * orientation, HEIGHT), f"orientation {orientation}"
        assert not judge(image), f"EPUB, orientation {orientation}: {judge(image)}"
    cover = next(image for name, image in found.items() if name.startswith("bia-"))
    assert cover.size == (230, HEIGHT) and not judge(cover), f"the cover: {judge(cover)}"


def test_the_upright_size_is_the_measured_size(tmp_path: Path) -> None:
    measured = images.measure(oriented(6, 220))
    assert (measured.width, measured.height) == (220, HEIGHT)


@pytest.mark.parametrize("output", ["press", "screen"])
def test_every_mode_prints_right(modes_book: Built, output: str) -> None:
    placed = placed_images(getattr(modes_book, output))
    wrong = {}
    for kind, look in LOOKS.items():
        if WIDTHS[kind] not in placed:
            wrong[kind] = [f"not drawn at its size ({sorted(placed)})"]
            continue
        for image in placed[WIDTHS[kind]]:
            if problems := judge(image, look):
                wrong[kind] = problems
    assert not wrong, f"{output} PDF: {wrong}"


READER_MODES = {"1", "L", "LA", "P", "RGB", "RGBA"}  # what every reading system shows as it is: 8 bits, no CMYK


def test_every_mode_reads_right_in_the_epub(modes_book: Built) -> None:
    found = epub_images(modes_book.epub)
    wrong = {}
    for kind, (_, name) in mode_images().items():
        stem = re.escape(Path(name).stem)
        image = next(image for file, image in found.items() if re.fullmatch(rf"{stem}-[0-9a-f]{{8}}\.\w+", file))
        if image.mode not in READER_MODES:
            wrong[kind] = [f"pixels of mode {image.mode}"]
            continue
        image = image.convert("RGBA")
        on_white = Image.new("RGBA", image.size, "white")
        on_white.alpha_composite(image)
        if problems := judge(on_white, LOOKS[kind]):
            wrong[kind] = problems
        if image.info.get("icc_profile"):
            wrong[kind] = ["keeps a colour profile readers may ignore"]
    assert not wrong, wrong


@pytest.mark.parametrize("output", ["press", "screen"])
def test_a_grey_profile_is_applied(modes_book: Built, output: str) -> None:
    placed = placed_images(getattr(modes_book, output))
    tagged, plain = placed[WIDTHS["icc-linear-grey"]][0], placed[WIDTHS["grey-jpeg"]][0]
    assert middle_grey(tagged) > middle_grey(plain) + 25, (middle_grey(tagged), middle_grey(plain))


# Refusals, through the real command ------------------------------------------------------------------

FIGURE = "images/trao-giai-placeholder.jpg"
WHERE = f"{ARTICLE}:10"


def image(name: str, data: bytes, reference: str | None = None) -> Callable[[Place], None]:
    """Put ``data`` at manuscript/images/``name`` and make the sample's figure name it (or ``reference``)."""

    def arrange(place: Place) -> None:
        write(place, f"manuscript/images/{name}", data)
        path = place.root / ARTICLE
        path.write_text(path.read_text(encoding="utf-8").replace(FIGURE, reference or f"images/{name}"),
                        encoding="utf-8")

    return arrange


def photo() -> bytes:
    return encoded(picture(600, 400), "JPEG", quality=90)


def png() -> bytes:
    return encoded(picture(300, 200), "PNG")


def refused(name: str, arrange: Callable[[Place], None], code: str, args: tuple[str, ...] = ("build", "{root}"),
            timeout: float = 60.0) -> Case:
    return Case(name, arrange, 3, (code,), WHERE, args, timeout)


LINT = ("lint", "{root}")

CASES = [
    refused("JPEG cut in half", image("cut.jpg", photo()[: len(photo()) // 2]), "R003"),
    refused("JPEG cut in half, lint", image("cut.jpg", photo()[: len(photo()) // 2]), "R003", LINT),
    refused("PNG cut short", image("cut.png", png()[: len(png()) * 2 // 3]), "R003"),
    refused("PNG cut short, lint", image("cut.png", png()[: len(png()) * 2 // 3]), "R003", LINT),
    refused("iCCP that does not decompress", image("iccp.png", with_iccp(png(), b"not zlib at all")), "R003"),
    refused("iCCP that is not a profile", image("iccp.png", with_iccp(png(), zlib.compress(b"no profile"))),
            "R003"),
    refused("iCCP that is not a profile, lint",
            image("iccp.png", with_iccp(png(), zlib.compress(b"no profile"))), "R003", LINT),
    refused("30000 × 30000 PNG", image("bomb.png", png_claiming(30000, 30000)), "R006", timeout=20),
    refused("12000 × 12000 PNG", image("bomb.png", png_claiming(12000, 12000)), "R006", timeout=20),
    refused("12000 × 12000 PNG, lint", image("bomb.png", png_claiming(12000, 12000)), "R006", LINT, 20),
    refused("%00 in the image's path", image("a.jpg", photo(), "images/a%00.jpg"), "R001"),
    refused("a path too long for the system", image("a.jpg", photo(), "images/" + "a" * 5000 + ".jpg"), "R001"),
    refused("an EPS named .jpg", image("eps.jpg", b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n"), "R003"),
    refused("a TIFF", image("tiff.tif", encoded(picture(), "TIFF")), "R003"),
    Case("16-bit grey PNG", image("grey16.png", encoded(grey16(), "PNG")), 0),
    Case("JPEG turned by EXIF", image("xoay.jpg", oriented(6, 300)), 0),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_hostile_images(case: Case, tmp_path: Path, sample_dist: Path) -> None:
    outcome = attack(case, tmp_path, sample_dist)
    assert "DecompressionBombWarning" not in outcome.output, outcome.output
    if case.codes == ("R006",):
        assert outcome.seconds < 15, f"{case.name}: {outcome.seconds:.1f} s"


def test_a_bomb_is_refused_before_it_is_decoded(tmp_path: Path) -> None:
    """Refused from the header: the build's peak memory stays that of a small build (12000² grey pixels
    decoded would be 144 MB, 576 MB as RGBA)."""
    root = tmp_path / "project"
    write_project(root, {"publish.yaml": CONFIG, "manuscript/01-anh.md": chapter(["bomb.png"]),
                         "manuscript/images/bomb.png": png_claiming(12000, 12000)})
    peak, code, said = peak_memory(["build", str(root)], root)
    assert code == 3 and "[R006]" in said, said
    assert peak < 250_000, f"peak {peak} KB"


def test_the_limit_is_what_the_code_says() -> None:
    assert images.measure(png_claiming(6000, 6000, whole=True)).width == 6000  # 36 megapixels: a double page of A3
    with pytest.raises(images.Refused) as refusal:
        images.measure(png_claiming(7000, 7000))
    assert refusal.value.rule.code == "R006"


def test_the_test_images_are_what_the_tests_assume() -> None:
    """The swapped profile makes red blue and an oriented JPEG turns upright in LittleCMS and Pillow
    themselves: else the tests of colour and orientation above would prove nothing."""
    source = ImageCms.ImageCmsProfile(io.BytesIO(SWAPPED))
    converted = ImageCms.profileToProfile(Image.new("RGB", (1, 1), RED), source, images.SRGB)
    assert converted is not None
    red, _, blue = converted.getpixel((0, 0))  # type: ignore[misc]
    assert blue > red + 100
    assert ImageOps.exif_transpose(Image.open(io.BytesIO(oriented(6, 220)))).size == (220, HEIGHT)
