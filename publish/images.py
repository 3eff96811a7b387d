"""Every image of the book is opened here: checked when the manuscript is read, then made upright and
converted for each output.

:func:`measure` is the check, the same for ``publish lint`` and ``publish build``: a format the outputs
take, at most :data:`PIXEL_LIMIT` pixels (read from the header, before anything is decoded), every pixel
decodable (a file cut short is refused), a colour profile that can be read; the size it gives is the
upright one (the EXIF orientation applied). :func:`for_screen` gives the bytes the EPUB and the screen
PDF carry: the file itself when a reader shows it as it is, else its pixels upright, 8-bit and sRGB,
in the same format. The press PDF's CMYK conversion (:func:`publish.output.press.cmyk_image`) starts
from :func:`upright` and :func:`pixels`.

A refusal is an :class:`Refused` naming its rule (R003 or R006); the caller knows where the image was
named and makes the diagnostic.
"""

from __future__ import annotations

import io
import re
import struct
import warnings
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PIL import ExifTags, Image, ImageCms, ImageOps, UnidentifiedImageError

from publish import rules
from publish.resources import PACKAGE_DIR

# The limit is deliberate: a photo printed across a double page of A3 with bleed at 300 ppi is about
# 7100 × 5000 pixels (36 megapixels), more than any book prints, so nothing a book needs is refused;
# and one decoded copy of 40 megapixels takes 160 MB (Pillow keeps 4 bytes a pixel), a few of which a
# conversion holds at once. Pillow's own guard warns only from 89 megapixels and refuses from 179:
# a 12000 × 12000 PNG (144) took 1.3 GB before.
PIXEL_LIMIT = 40_000_000
# A file larger than any image of PIXEL_LIMIT pixels would be, even 16-bit RGBA and uncompressed, is
# not read into memory at all.
FILE_LIMIT = PIXEL_LIMIT * 8 + 1_000_000

FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"), "GIF": ("image/gif", ".gif"),
           "WEBP": ("image/webp", ".webp")}
# Only these decoders ever see a file: a project's "photo.jpg" that is really an EPS or a PSD is not
# handed to another plugin (Pillow's EPS decoder runs Ghostscript).
_DECODERS = tuple(FORMATS)

_SIXTEEN_BIT = frozenset({"I", "I;16", "I;16B", "I;16L", "I;16N"})  # PNG's 16-bit grey, 0..65535
_GREY = frozenset({"1", "L", "LA"}) | _SIXTEEN_BIT
_COLOUR = frozenset({"P", "PA", "RGB", "RGBA"})
_MODES = _GREY | _COLOUR | {"CMYK"}
# The pixels each kind of ICC profile describes; a profile for other pixels is ignored, as browsers do.
_PROFILE_MODES = {"GRAY": _GREY, "RGB": _COLOUR, "CMYK": frozenset({"CMYK"})}
# What every reader (browsers, e-readers, WeasyPrint) shows as it is: 8 bits, no CMYK.
_AS_IS = frozenset({"1", "L", "LA", "P", "RGB", "RGBA"})

# A CMYK image without a profile is taken to be in the press condition publish prints for.
_CMYK_FALLBACK = PACKAGE_DIR / "profiles" / "FOGRA39L-coated.icc"
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
_UPRIGHT_SWAPS = {5, 6, 7, 8}  # EXIF orientations that turn the image a quarter

# What Pillow's decoders raise on a malformed file, whatever its part: a header, a chunk, a profile.
_MALFORMED = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError, ZeroDivisionError,
              struct.error, zlib.error, ImageCms.PyCMSError)


class Refused(Exception):
    """An image the build cannot use: the rule that says so (R003 or R006), what is wrong, how to fix it."""

    def __init__(self, rule: rules.Rule, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.rule, self.message, self.hint = rule, message, hint


@dataclass(frozen=True)
class Measured:
    """An image that passed :func:`measure`: its format and its upright size in pixels."""

    format: str
    width: int
    height: int

    @property
    def media_type(self) -> str:
        return FORMATS[self.format][0]

    @property
    def extension(self) -> str:
        return FORMATS[self.format][1]


def measure(data: bytes) -> Measured:
    """The format and upright size of the image ``data``, or :class:`Refused` saying why it cannot be used.

    Every pixel is decoded (a JPEG cut in half has a whole header), but only once the header's size is
    known to be within :data:`PIXEL_LIMIT`. Meant for the main thread (it silences Pillow's own warning,
    which this check replaces, and :func:`warnings.catch_warnings` is not thread-safe)."""
    if len(data) > FILE_LIMIT:
        raise _too_large(f"is a file of {len(data) / 1e6:.0f} MB")
    with _reading(data):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = _open(data)
        with image:
            width, height = image.size
            if width * height > PIXEL_LIMIT:
                raise _too_large(f"has {width} × {height} pixels ({width * height / 1e6:.0f} megapixels)")
            if image.format not in FORMATS:
                raise Refused(rules.RESOURCE_BAD_IMAGE, f"is a {image.format} image; use JPEG, PNG, GIF or WebP")
            if image.mode not in _MODES:
                raise Refused(rules.RESOURCE_BAD_IMAGE, f"has pixels of a kind publish cannot print ({image.mode})",
                              "Re-export the image as 8-bit RGB or greyscale JPEG or PNG.")
            kind = image.format
            image.load()
            fitting_profile(image)
            orientation = _orientation(image)
        with _open(data) as again:
            again.verify()  # the checksums of PNG's chunks, which decoding does not read
    if orientation in _UPRIGHT_SWAPS:
        width, height = height, width
    return Measured(kind, width, height)


def _too_large(what: str) -> Refused:
    return Refused(rules.RESOURCE_TOO_LARGE, f"{what}, more than the {PIXEL_LIMIT // 1_000_000} megapixels "
                   "publish reads", "Scale the image down: a photo across a double page of A3 printed at 300 ppi "
                   "has about 7100 × 5000 pixels (36 megapixels); a page of A5 needs about 1800 × 2550.")


# What a file that is not an image publish takes may be, by its first bytes, to say so.
_OTHER_FORMATS = {b"II*\0": "TIFF", b"MM\0*": "TIFF", b"8BPS": "Photoshop (PSD)", b"%!PS": "PostScript (EPS)",
                  b"\xc5\xd0\xd3\xc6": "PostScript (EPS)", b"BM": "BMP", b"%PDF": "PDF", b"<svg": "SVG",
                  b"<?xml": "XML (SVG?)", b"\0\0\0\x0cjP": "JPEG 2000"}


def _looks_like(data: bytes) -> str:
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypavif"):
        return " (it looks like HEIF/AVIF, as phones save photos)"
    kind = next((name for start, name in _OTHER_FORMATS.items() if data.startswith(start)), None)
    return f" (it looks like {kind})" if kind else ""


@contextmanager
def _reading(data: bytes) -> Iterator[None]:
    """Pillow's failures on a malformed or oversized file as :class:`Refused`."""
    try:
        yield
    except Image.DecompressionBombError as exc:
        size = re.search(r"\((\d+) pixels\)", str(exc))
        raise _too_large(f"has {int(size[1]) / 1e6:.0f} megapixels" if size else "is too large to open") from exc
    except UnidentifiedImageError as exc:
        raise Refused(rules.RESOURCE_BAD_IMAGE, f"is not a JPEG, PNG, GIF or WebP image{_looks_like(data)}") from exc
    except _MALFORMED as exc:
        if "truncated" in str(exc) or isinstance(exc, EOFError):
            raise Refused(rules.RESOURCE_BAD_IMAGE, f"is cut short: {exc}",
                          "The file is incomplete (a copy or a download that stopped): copy it again from the "
                          "original.") from exc
        raise Refused(rules.RESOURCE_BAD_IMAGE, f"is not a readable image: {exc}") from exc


def _open(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data), formats=_DECODERS)


def fitting_profile(image: Image.Image) -> ImageCms.ImageCmsProfile | None:
    """The image's embedded colour profile when it describes its pixels; :class:`Refused` when it is damaged.

    (Pillow keeps ``icc_profile: None`` for a PNG whose iCCP chunk does not decompress.)"""
    if "icc_profile" not in image.info:
        return None
    data = image.info["icc_profile"]
    try:
        if not data:
            raise ValueError("it is empty or does not decompress")
        profile = ImageCms.ImageCmsProfile(io.BytesIO(data))
        space = profile.profile.xcolor_space.strip()
    except _MALFORMED as exc:
        raise Refused(rules.RESOURCE_BAD_IMAGE, f"has a damaged colour profile (ICC): {exc}",
                      "Export the image again with its colour profile embedded (sRGB is the safe choice), or "
                      "without one.") from exc
    return profile if image.mode in _PROFILE_MODES.get(space, ()) else None


def _orientation(image: Image.Image) -> int:
    value = image.getexif().get(ExifTags.Base.Orientation, 1)
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def upright(data: bytes) -> Image.Image:
    """The image ``data`` (already measured) decoded and turned as its EXIF orientation says (in place: a
    copy of a big photo is a big copy)."""
    image = _open(data)
    image.load()
    ImageOps.exif_transpose(image, in_place=True)
    return image


def pixels(image: Image.Image) -> tuple[Image.Image, ImageCms.ImageCmsProfile | None]:
    """``image``'s pixels as 8-bit L, LA, RGB or RGBA, and the colour profile they are in (None: sRGB).

    16-bit grey is scaled to 8 bits (Pillow's conversion clips it: all but black turned white); palettes
    and 1-bit become grey or colour, with alpha where they had transparency; CMYK is converted to sRGB
    through its own profile, or FOGRA39 when it has none."""
    profile = fitting_profile(image)
    mode = image.mode
    if mode in _SIXTEEN_BIT:
        return image.convert("I").point(lambda value: value * (1 / 257) + 0.5).convert("L"), profile
    if mode == "CMYK":
        source = profile or ImageCms.getOpenProfile(str(_CMYK_FALLBACK))
        converted = ImageCms.profileToProfile(image, source, SRGB, renderingIntent=ImageCms.Intent.PERCEPTUAL,
                                              outputMode="RGB")
        assert converted is not None
        return converted, None
    transparent = "transparency" in image.info
    if mode in ("P", "PA"):
        return image.convert("RGBA" if transparent or mode == "PA" else "RGB"), profile
    if mode == "1":
        return image.convert("L"), profile
    if transparent and mode in ("L", "RGB"):
        return image.convert(f"{mode}A"), profile
    return image, profile


def on_white(image: Image.Image) -> Image.Image:
    """An L, LA, RGB or RGBA image as L or RGB, laid on white where it was transparent."""
    if image.mode not in ("LA", "RGBA"):
        return image
    base = Image.new(image.mode[:-1], image.size, "white")
    base.paste(image.convert(image.mode[:-1]), mask=image.getchannel("A"))
    return base


def is_srgb(profile: ImageCms.ImageCmsProfile) -> bool:
    """Whether the profile is (a version of) sRGB, which readers assume when there is none."""
    return "srgb" in ImageCms.getProfileDescription(profile).lower()


def for_screen(data: bytes) -> bytes:
    """The image ``data`` (already measured) as the EPUB and the screen PDF carry it.

    The file itself when every reader shows it as it is: upright, 8 bits, not CMYK, in sRGB or without a
    profile (most photos). Otherwise its pixels turned upright, scaled to 8 bits and converted to sRGB
    (WeasyPrint ignores a profile, and many e-readers do), written in the same format: JPEG at quality
    95, PNG and WebP losslessly."""
    with _open(data) as image:
        profile = fitting_profile(image)
        if image.mode in _AS_IS and _orientation(image) == 1 and (profile is None or is_srgb(profile)):
            return data
        kind, dpi = image.format, image.info.get("dpi")
    values, profile = pixels(upright(data))
    values = _in_srgb(values, profile)
    return _encoded(values, kind or "PNG", dpi)


def _in_srgb(image: Image.Image, profile: ImageCms.ImageCmsProfile | None) -> Image.Image:
    """L, LA, RGB or RGBA pixels in ``profile`` (None: sRGB already) converted to sRGB, alpha kept."""
    if profile is None or is_srgb(profile):
        return image
    converted = ImageCms.profileToProfile(image.convert(image.mode.removesuffix("A")), profile, SRGB,
                                          renderingIntent=ImageCms.Intent.PERCEPTUAL, outputMode="RGB")
    assert converted is not None
    if image.mode.startswith("L"):
        converted = converted.convert("L")
    if image.mode.endswith("A"):
        converted.putalpha(image.getchannel("A"))
    return converted


def _encoded(image: Image.Image, kind: str, dpi: object) -> bytes:
    out = io.BytesIO()
    options: dict[str, object] = {"icc_profile": None}  # the pixels are sRGB now; PNG would copy the old one
    if isinstance(dpi, tuple):
        options["dpi"] = dpi
    if kind == "JPEG":
        image.save(out, "JPEG", quality=95, **options)
    elif kind == "WEBP":
        image.save(out, "WEBP", lossless=True, **options)
    elif kind == "GIF":
        image.save(out, "GIF")
    else:
        image.save(out, "PNG", **options)
    return out.getvalue()
