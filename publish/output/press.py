"""The press PDF's colour: CMYK through one output profile, and no RGB left anywhere.

WeasyPrint never converts colour, so this module does it around the layout: stylesheet colours become
``device-cmyk()`` (greys and black as black ink only), photos become CMYK JPEGs through the profile
(Pillow's ImageCms), and after writing, what WeasyPrint still draws in RGB (crop marks) is rewritten
in CMYK, the output intent with the profile is added, and the random XMP document ID of PDF/X is
replaced by one derived from the book. :func:`rgb_uses` then scans every
content stream, form, transparency group and image for RGB: the build fails if it finds any.
"""

from __future__ import annotations

import functools
import io
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
import tinycss2  # type: ignore[import-untyped]
from PIL import Image, ImageCms
from tinycss2.color4 import parse_color  # type: ignore[import-untyped]

from publish import images
from publish.resources import PACKAGE_DIR

DEFAULT_PROFILE = PACKAGE_DIR / "profiles" / "FOGRA39L-coated.icc"
DEFAULT_CONDITION = "FOGRA39"  # the characterized printing condition registered at color.org


@dataclass(frozen=True)
class PressProfile:
    path: Path
    description: str
    data: bytes

    @property
    def condition(self) -> str:
        return DEFAULT_CONDITION if self.path == DEFAULT_PROFILE else self.description


def load_profile(path: Path | None = None) -> PressProfile:
    """A CMYK output profile; ValueError when the file is not one."""
    path = path or DEFAULT_PROFILE
    data = path.read_bytes()
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(data))
    except (OSError, ImageCms.PyCMSError) as exc:
        raise ValueError(f"not an ICC profile: {exc}") from exc
    if profile.profile.xcolor_space.strip() != "CMYK" or profile.profile.device_class != "prtr":
        raise ValueError("not a CMYK output (printer) profile")
    return PressProfile(path, ImageCms.getProfileDescription(profile).strip(), data)


@functools.lru_cache(maxsize=4)
def _transform(data: bytes, intent: ImageCms.Intent) -> ImageCms.ImageCmsTransform:
    srgb = ImageCms.createProfile("sRGB")
    target = ImageCms.ImageCmsProfile(io.BytesIO(data))
    return ImageCms.buildTransform(srgb, target, "RGB", "CMYK", renderingIntent=intent,
                                   flags=ImageCms.Flags.BLACKPOINTCOMPENSATION)


RGB8 = tuple[int, int, int]
CMYK = tuple[float, float, float, float]
# Colours converted so far, by profile: a conversion through Pillow costs milliseconds (it serializes the
# whole output profile each time), so a stylesheet's colours are converted all at once (see convert_all).
_CONVERTED: dict[bytes, dict[RGB8, CMYK]] = {}


def cmyk(red: float, green: float, blue: float, profile: PressProfile) -> CMYK:
    """An sRGB colour (0..1) in the press CMYK: greys and black in black ink only, others via the profile."""
    if abs(red - green) < 1e-3 and abs(green - blue) < 1e-3:
        return (0.0, 0.0, 0.0, round(1 - red, 4))
    key = (round(red * 255), round(green * 255), round(blue * 255))
    known = _CONVERTED.setdefault(profile.data, {})
    if key not in known:
        convert_all([key], profile)
    return known[key]


def convert_all(colours: list[RGB8], profile: PressProfile) -> None:
    """Convert ``colours`` (8-bit sRGB) through the profile in one pass, for :func:`cmyk` to answer."""
    known = _CONVERTED.setdefault(profile.data, {})
    todo = [colour for colour in dict.fromkeys(colours) if colour not in known]
    if not todo:
        return
    strip = Image.new("RGB", (len(todo), 1))
    strip.putdata(todo)
    converted = ImageCms.applyTransform(strip, _transform(profile.data, ImageCms.Intent.RELATIVE_COLORIMETRIC))
    assert converted is not None
    inks = converted.tobytes()  # (four bytes a pixel: C, M, Y, K)
    for index, colour in enumerate(todo):
        c, m, y, k = (round(v / 255, 4) for v in inks[4 * index:4 * index + 4])
        known[colour] = (c, m, y, k)


def cmyk_image(data: bytes, profile: PressProfile) -> bytes:
    """A photo (measured by :func:`publish.images.measure`) as a CMYK JPEG through the profile (perceptual):
    upright as its EXIF orientation says, from the colour space its own profile gives (sRGB when it has
    none), on white where it was transparent. A CMYK photo is converted from its own profile when it has
    another one, else taken as made for the press."""
    image = images.upright(data)
    dpi = image.info.get("dpi", (300, 300))
    target = ImageCms.ImageCmsProfile(io.BytesIO(profile.data))
    if image.mode == "CMYK":
        source = images.fitting_profile(image)
        if source is not None and image.info.get("icc_profile") != profile.data:
            image = _converted(image, source, target, "CMYK")
        return _jpeg(image, dpi, icc_profile=profile.data)
    values, source = images.pixels(image)
    flat = images.on_white(values)
    if source is None and flat.mode == "L":
        flat = flat.convert("RGB")  # grey in sRGB
    return _jpeg(_converted(flat, source or images.SRGB, target, flat.mode), dpi)


def _converted(image: Image.Image, source: ImageCms.ImageCmsProfile,
               target: ImageCms.ImageCmsProfile, mode: str) -> Image.Image:
    transform = ImageCms.buildTransform(source, target, mode, "CMYK", renderingIntent=ImageCms.Intent.PERCEPTUAL,
                                        flags=ImageCms.Flags.BLACKPOINTCOMPENSATION)
    converted = ImageCms.applyTransform(image, transform)
    assert converted is not None
    return converted


def _jpeg(image: Image.Image, dpi: object, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, dpi=dpi, **options)
    return out.getvalue()


# Stylesheets -----------------------------------------------------------------------------------------


def cmyk_css(css: str, profile: PressProfile) -> str:
    """``css`` with every colour value written as ``device-cmyk()`` (selectors and URLs untouched)."""
    rules = tinycss2.parse_stylesheet(css, skip_comments=True)
    convert_all(list(_colours(rules)), profile)
    return "".join(str(_rule(rule, profile)) for rule in rules)


def _colours(nodes: list[Any]) -> Iterator[RGB8]:
    """Every sRGB colour ``nodes`` may hold, at any depth (and a few words that only look like one)."""
    for node in nodes:
        if node.type in ("hash", "function", "ident"):
            color = parse_color(node)
            if color is not None and color != "currentcolor" and getattr(color, "space", None) not in (
                    None, "device-cmyk"):
                red, green, blue = (_clip(v) for v in color.to("srgb").coordinates)
                yield (round(red * 255), round(green * 255), round(blue * 255))
        for children in ("prelude", "content", "arguments"):
            inner = getattr(node, children, None)
            if isinstance(inner, list):
                yield from _colours(inner)


def _rule(rule: Any, profile: PressProfile) -> str:
    if rule.type == "qualified-rule":
        return f"{tinycss2.serialize(rule.prelude)}{{{_declarations(rule.content, profile)}}}\n"
    if rule.type == "at-rule" and rule.content is not None:
        keyword = rule.lower_at_keyword
        if keyword in ("media", "supports", "layer", "document"):
            inner = tinycss2.parse_rule_list(rule.content, skip_comments=True)
            body = "".join(_rule(r, profile) for r in inner)
        elif keyword in ("page", "footnote", "top-left", "top-center", "top-right", "bottom-left", "bottom-center",
                         "bottom-right", "left-top", "left-middle", "left-bottom", "right-top", "right-middle",
                         "right-bottom", "top-left-corner", "top-right-corner", "bottom-left-corner",
                         "bottom-right-corner"):
            body = _declarations(rule.content, profile)
        else:
            return str(tinycss2.serialize([rule]))
        return f"@{rule.at_keyword}{tinycss2.serialize(rule.prelude)}{{{body}}}\n"
    return str(tinycss2.serialize([rule]))


def _declarations(content: list[Any], profile: PressProfile) -> str:
    out = []
    for item in tinycss2.parse_blocks_contents(content, skip_comments=True):
        if item.type == "declaration":
            value = tinycss2.serialize(_values(item.value, profile))
            out.append(f"{item.name}:{value}{' !important' if item.important else ''};")
        elif item.type == "at-rule" or item.type == "qualified-rule":
            out.append(_rule(item, profile))
    return "".join(out)


def _values(tokens: list[Any], profile: PressProfile) -> list[Any]:
    out = []
    for token in tokens:
        color = parse_color(token) if token.type in ("hash", "function", "ident") else None
        if color is not None and color != "currentcolor" and getattr(color, "space", None) not in (None, "device-cmyk"):
            red, green, blue = color.to("srgb").coordinates
            alpha = color.alpha
            c, m, y, k = cmyk(_clip(red), _clip(green), _clip(blue), profile)
            text = f"device-cmyk({c:g} {m:g} {y:g} {k:g}{'' if alpha >= 1 else f' / {alpha:g}'})"
            out.append(tinycss2.parse_one_component_value(text))
        elif token.type == "function":
            token.arguments = _values(token.arguments, profile)
            out.append(token)
        else:
            out.append(token)
    return out


def _clip(value: float) -> float:
    return min(1.0, max(0.0, value))


def default_colour_css() -> str:
    """What WeasyPrint would otherwise draw in RGB black: text and the page's margin boxes."""
    black = "device-cmyk(0 0 0 1)"
    return f"html {{ color: {black}; }}\n@page {{ color: {black}; }}\n"


# After writing ---------------------------------------------------------------------------------------


_RGB_OPERATORS = {"rg": "k", "RG": "K"}


def finish(data: bytes, profile: PressProfile, document_id: str) -> bytes:
    """Rewrite the RGB WeasyPrint leaves, add the output intent, make the XMP identifiers stable.

    The output intent is added here rather than through WeasyPrint's ``@color-profile``: WeasyPrint
    re-serializes the profile through LittleCMS (doubling it) and compresses it twice at level 9,
    which cost a third of a second on every build.
    """
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return finish_pdf(pdf, profile, document_id)


def drop_annotations(pdf: pikepdf.Pdf) -> None:
    """No annotation on the printed area: PDF/X printers reject them (links belong in the screen PDF)."""
    for page in pdf.pages:
        if "/Annots" in page.obj:
            del page.obj.Annots


def finish_pdf(pdf: pikepdf.Pdf, profile: PressProfile, document_id: str, pack: bool = False) -> bytes:
    """:func:`finish` on a PDF already open (the merged halves of a book laid out in two processes,
    whose objects go back into object streams with ``pack``)."""
    for owner in _content_owners(pdf):
        _recolour(pdf, owner, profile)
    icc = pdf.make_stream(profile.data)
    icc.N = 4
    intent = pikepdf.Dictionary(
        Type=pikepdf.Name.OutputIntent, S=pikepdf.Name.GTS_PDFX, DestOutputProfile=icc,
        OutputConditionIdentifier=pikepdf.String(profile.condition),
        OutputCondition=pikepdf.String(profile.description), Info=pikepdf.String(profile.description),
    )
    if profile.condition == DEFAULT_CONDITION:
        intent.RegistryName = pikepdf.String("http://www.color.org")
    pdf.Root.OutputIntents = pikepdf.Array([intent])
    stable = f"uuid:{uuid.uuid5(uuid.NAMESPACE_URL, document_id)}"
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["xmpMM:DocumentID"] = stable
        meta["xmpMM:InstanceID"] = stable
    if "/ID" in pdf.trailer:
        del pdf.trailer.ID  # PDF/X output carries a random one; qpdf derives both halves from the content
    out = io.BytesIO()
    mode = pikepdf.ObjectStreamMode.generate if pack else pikepdf.ObjectStreamMode.preserve
    pdf.save(out, deterministic_id=True, object_stream_mode=mode)
    return out.getvalue()


def _content_owners(pdf: Any) -> Iterator[Any]:
    """Pages and every form XObject and tiling pattern (with their own content streams)."""
    seen: set[tuple[int, int]] = set()
    for page in pdf.pages:
        yield page.obj
        yield from _nested(page.obj, seen)


def _nested(owner: Any, seen: set[tuple[int, int]]) -> Iterator[Any]:
    resources = owner.get("/Resources", {})
    for kind in ("/XObject", "/Pattern"):
        for item in resources.get(kind, {}).values():
            if not isinstance(item, pikepdf.Stream) or item.objgen in seen:
                continue
            seen.add(item.objgen)
            if item.get("/Subtype") == "/Form" or item.get("/PatternType") == 1:
                yield item
                yield from _nested(item, seen)


# The RGB operators as content-stream tokens; a stream without them needs no parsing.
_RGB_TOKEN = re.compile(rb"(?:^|[\s\])>])(?:rg|RG)(?=[\s%]|$)")
_RGB_NAMES = re.compile(rb"/(?:DeviceRGB|CalRGB|RGB)(?![A-Za-z0-9])")


def _raw(owner: Any) -> bytes:
    """The decoded content of a page (all its content streams) or of a form."""
    if "/Contents" in owner:
        contents = owner.Contents
        streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
        return b"\n".join(stream.read_bytes() for stream in streams)
    return bytes(owner.read_bytes())


def _recolour(pdf: Any, owner: Any, profile: PressProfile) -> None:
    group = owner.get("/Group")
    if group is not None and group.get("/CS") == "/DeviceRGB":
        group.CS = pikepdf.Name.DeviceCMYK
    if not _RGB_TOKEN.search(_raw(owner)):
        return
    instructions = list(pikepdf.parse_content_stream(owner))
    changed = False
    for index, instruction in enumerate(instructions):
        if not isinstance(instruction, pikepdf.ContentStreamInstruction):
            continue
        op = str(instruction.operator)
        if op in _RGB_OPERATORS:
            red, green, blue = (float(v) for v in instruction.operands)
            values = [pikepdf.Object.parse(f"{v:g}".encode()) for v in cmyk(red, green, blue, profile)]
            instructions[index] = pikepdf.ContentStreamInstruction(values, pikepdf.Operator(_RGB_OPERATORS[op]))
            changed = True
    if changed:
        data = pikepdf.unparse_content_stream(instructions)
        if "/Contents" in owner:  # a page: its content streams become one
            owner.Contents = pdf.make_stream(data)
        else:
            owner.write(data)


# The scan ----------------------------------------------------------------------------------------------


def rgb_uses(data: bytes) -> list[str]:
    """Every RGB colour in a PDF: operators, colour spaces (named, inline, of shadings and patterns),
    images, transparency groups, output intents."""
    found: list[str] = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            for index, owner in enumerate([page.obj, *_nested(page.obj, set())]):
                where = f"page {number}" + (f" (form {owner.objgen[0]})" if index else "")
                found += [f"{where}: {use}" for use in _rgb_in(owner)]
        for intent in pdf.Root.get("/OutputIntents", []):
            destination = intent.get("/DestOutputProfile")
            if destination is None or int(destination.get("/N", 0)) != 4:
                found.append("the output intent's profile is not CMYK")
    return found


def _rgb_in(owner: Any) -> list[str]:
    found: list[str] = []
    resources = owner.get("/Resources", {})
    spaces = resources.get("/ColorSpace", {})
    rgb_spaces = {str(name) for name, space in spaces.items() if _is_rgb(space)} if spaces else set()
    raw = _raw(owner)
    if _RGB_TOKEN.search(raw) or _RGB_NAMES.search(raw) or rgb_spaces:
        for instruction in pikepdf.parse_content_stream(owner):
            if isinstance(instruction, pikepdf.ContentStreamInlineImage):
                if _is_rgb(instruction.iimage.obj.get("/ColorSpace")):
                    found.append("an inline image is RGB")
                continue
            op = str(instruction.operator)
            if op in _RGB_OPERATORS:
                found.append(f"'{op}' sets an RGB colour")
            elif op in ("cs", "CS"):
                name = instruction.operands[0]
                if str(name) in rgb_spaces or _is_rgb(name):
                    found.append(f"'{op} {name}' selects an RGB colour space")
    group = owner.get("/Group")
    if group is not None and _is_rgb(group.get("/CS")):
        found.append("a transparency group blends in RGB")
    for name, xobject in resources.get("/XObject", {}).items():
        if xobject.get("/Subtype") == "/Image" and _is_rgb(xobject.get("/ColorSpace")):
            found.append(f"image {name} is RGB")
    for name, shading in resources.get("/Shading", {}).items():
        if _is_rgb(shading.get("/ColorSpace")):
            found.append(f"shading {name} is RGB")
    for name, pattern in resources.get("/Pattern", {}).items():
        shading = pattern.get("/Shading")
        if shading is not None and _is_rgb(shading.get("/ColorSpace")):
            found.append(f"pattern {name} shades in RGB")
    return found


def _is_rgb(space: Any) -> bool:
    if space is None:
        return False
    if isinstance(space, pikepdf.Name):
        return space in ("/DeviceRGB", "/CalRGB")
    if isinstance(space, pikepdf.Array) and len(space) >= 2:
        if space[0] == "/ICCBased":
            return int(space[1].get("/N", 0)) == 3
        if space[0] in ("/CalRGB",):
            return True
        if space[0] in ("/Indexed", "/Separation", "/DeviceN"):
            return _is_rgb(space[1] if space[0] == "/Indexed" else space[2])
    return False
