"""``publish.yaml``: the book's metadata and print settings, declared once and validated all at once."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from publish import rules
from publish.diagnostics import Diagnostic, Location, errors
from publish.text import legacy
from publish.text.normalize import TextSettings, ToneUse, normalize
from publish.text.syllables import ToneStyle
from publish.text.typography import typeset_fields
from publish.yamlschema import (
    MAX_BYTES,
    Field,
    Schema,
    Section,
    flag,
    iso_date,
    parse_yaml,
    read_mapping,
    text,
    text_list,
    too_big,
    value_locations,
)

CONFIG_NAME = "publish.yaml"

# Trim sizes in millimetres (width, height).
NAMED_SIZES: dict[str, tuple[float, float]] = {
    "A4": (210, 297),
    "A5": (148, 210),
    "A6": (105, 148),
    "B5": (176, 250),
    "B6": (125, 176),
    "13x19": (130, 190),
    "14.5x20.5": (145, 205),
    "16x24": (160, 240),
}
_UNITS_MM = {"mm": 1.0, "cm": 10.0, "in": 25.4, "pt": 25.4 / 72}
_LENGTH = r"(\d+(?:\.\d+)?)\s*(mm|cm|in|pt)?"
_TRIM_RE = re.compile(rf"^{_LENGTH}\s*[x×]\s*{_LENGTH}$", re.IGNORECASE)
_LANG_RE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


OUTPUTS = ("epub", "print", "screen")

# Where each article of a collection starts: on a right-hand page (a blank page before it where needed),
# on a left-hand page, on the next page, or right after the previous article.
ARTICLE_STARTS = ("recto", "verso", "any", "continuous")
# Where the PDFs put an article's notes: at its end, or at the foot of the page that calls them.
NOTES = ("endnotes", "footnotes")
# How the press PDF, which a reader cannot click, gives a link's address: after the link text, in a
# footnote, or not at all.
LINKS = ("parentheses", "footnotes", "none")


@dataclass(frozen=True)
class PrintConfig:
    """Trim size (width, height) and bleed, in millimetres; crop marks on or off; the press PDF's CMYK
    output profile (a project path, or "" for the shipped FOGRA39 profile) and the print edition's
    identifier (an ISBN, say) that the EPUB's page numbers refer to; where articles start
    (:data:`ARTICLE_STARTS`), where notes go in the PDFs (:data:`NOTES`) and how the press PDF shows
    a link's address (:data:`LINKS`)."""

    trim: tuple[float, float] = (145.0, 205.0)
    bleed: float = 3.0
    marks: bool = False
    color_profile: str = ""
    identifier: str = ""
    article_start: str = "recto"
    notes: str = "endnotes"
    links: str = "parentheses"


@dataclass(frozen=True)
class BookConfig:
    title: str
    subtitle: str = ""
    language: str = "vi"
    authors: tuple[str, ...] = ()
    publisher: str = ""
    date: datetime.date | None = None
    identifier: str = ""
    description: str = ""
    subjects: tuple[str, ...] = ()
    rights: str = ""
    cover: str = ""
    slug: str = ""
    tone_marks: ToneStyle | None = None
    outputs: tuple[str, ...] = OUTPUTS
    print: PrintConfig = field(default_factory=PrintConfig)
    location: Location = field(default=Location(CONFIG_NAME), compare=False)
    places: dict[str, Location] = field(default_factory=dict, compare=False)  # where each key's value is

    def where(self, key: str) -> Location:
        """The place in publish.yaml of a key's value (of ``print:`` for its keys), for a message."""
        return self.places.get(key, self.location)


def _length_mm(value: Any, default_unit: str = "mm") -> float:
    if isinstance(value, bool):
        raise ValueError("write a length such as 3mm")
    if isinstance(value, int | float):
        return float(value) * _UNITS_MM[default_unit]
    if isinstance(value, str):
        match = re.fullmatch(_LENGTH, value.strip(), re.IGNORECASE)
        if match:
            return float(match.group(1)) * _UNITS_MM[(match.group(2) or default_unit).lower()]
    raise ValueError("write a length such as 3mm")


def _bleed(value: Any) -> float:
    mm = _length_mm(value)
    if not 0 <= mm <= 10:
        raise ValueError("bleed is between 0 and 10 mm; printers usually ask for 3 mm")
    return mm


def _trim(value: Any) -> tuple[float, float]:
    if isinstance(value, str):
        key = value.strip().replace(" ", "")
        for name, size in NAMED_SIZES.items():
            if key.lower() == name.lower():
                return size
        match = _TRIM_RE.match(value.strip())
        if match:
            unit_w = (match.group(2) or match.group(4) or "mm").lower()
            unit_h = (match.group(4) or unit_w).lower()
            width = float(match.group(1)) * _UNITS_MM[unit_w]
            height = float(match.group(3)) * _UNITS_MM[unit_h]
            if not (50 <= width <= 500 and 50 <= height <= 700):
                raise ValueError("the size is outside 50-500 mm wide, 50-700 mm high")
            return (width, height)
    raise ValueError(f"write WIDTH x HEIGHT with a unit, or one of {', '.join(NAMED_SIZES)}")


def _language(value: Any) -> str:
    tag = text(value)
    if not _LANG_RE.match(tag):
        raise ValueError("use a BCP 47 tag such as vi or en-GB")
    return tag


def _slug(value: Any) -> str:
    slug = text(value)
    if not _SLUG_RE.match(slug):
        raise ValueError("use lowercase ASCII letters, digits and single hyphens")
    return slug


def outputs_list(value: Any) -> tuple[str, ...]:
    """Which files to make: a list (or comma-separated text) of epub, print and screen."""
    items = [item.strip() for item in value.split(",")] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items:
        raise ValueError(f"write a list of {', '.join(OUTPUTS)}")
    unknown = [str(item) for item in items if item not in OUTPUTS]
    if unknown:
        raise ValueError(f"unknown output(s) {', '.join(unknown)}; choose from {', '.join(OUTPUTS)}")
    return tuple(name for name in OUTPUTS if name in items)


def _choice(choices: tuple[str, ...]) -> Any:
    def read(value: Any) -> str:
        word = text(value).strip().lower()
        if word not in choices:
            raise ValueError(f"write one of {', '.join(choices)}")
        return word
    return read


def _tone_marks(value: Any) -> ToneStyle:
    try:
        return ToneStyle(text(value).lower())
    except ValueError:
        raise ValueError("write old (hòa, thủy) or new (hoà, thuỷ)") from None


SCHEMA: Schema = {
    "title": Field("text", text, required=True, example="Chú trọng xây dựng đội ngũ cán bộ"),
    "subtitle": Field("text", text),
    "language": Field("a BCP 47 language tag", _language, example="vi"),
    "authors": Field("a list of names", text_list, example="[TRÍ DŨNG]"),
    "publisher": Field("text", text, example="Báo Lạng Sơn"),
    "date": Field("an ISO 8601 date", iso_date, example="2023-06-01"),
    "identifier": Field("text", text, example="urn:isbn:9786040000000"),
    "description": Field("text", text),
    "subjects": Field("a list of subjects", text_list, example="[Chính trị, Xây dựng Đảng]"),
    "rights": Field("text", text),
    "cover": Field("a path to an image inside the project", text, example="images/cover.jpg"),
    "slug": Field("a file name stem", _slug, example="chu-trong-xay-dung"),
    "tone_marks": Field("old or new", _tone_marks, example="old"),
    "outputs": Field("a list of outputs", outputs_list, example="[epub, print, screen]"),
    "print": Section({
        "trim": Field("a page size", _trim, example="145mm x 205mm"),
        "bleed": Field("a length", _bleed, example="3mm"),
        "marks": Field("true or false", flag, example="true"),
        "color_profile": Field("a path to a CMYK .icc profile inside the project", text,
                               example="profiles/PSOcoated_v3.icc"),
        "identifier": Field("text", text, example="urn:isbn:9786040000001"),
        "article_start": Field(" or ".join(ARTICLE_STARTS), _choice(ARTICLE_STARTS), example="recto"),
        "notes": Field(" or ".join(NOTES), _choice(NOTES), example="footnotes"),
        "links": Field(" or ".join(LINKS), _choice(LINKS), example="parentheses"),
    }),
}


def text_settings(source: str, convert_legacy: bool = False) -> TextSettings:
    """The text settings a config declares, read before normalization (which depends on them)."""
    language = re.search(r"^language:\s*['\"]?([A-Za-z0-9-]+)", source, re.MULTILINE)
    tones = re.search(r"^tone_marks:\s*['\"]?(old|new)\b", source, re.MULTILINE | re.IGNORECASE)
    return TextSettings(
        language=language.group(1) if language else "vi",
        tone_marks=ToneStyle(tones.group(1).lower()) if tones else None,
        convert_legacy=convert_legacy,
    )


def decode(raw: bytes, where: Location) -> tuple[str | None, list[Diagnostic]]:
    """publish.yaml's text (a UTF-8 byte order mark dropped), or M001 at the first byte that is not UTF-8."""
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, [rules.MANUSCRIPT_ENCODING(
            f"byte 0x{raw[exc.start]:02X} of {CONFIG_NAME} is not valid UTF-8", where.at_line(line, column),
            hint=_encoding_hint(raw),
        )]


def _encoding_hint(raw: bytes) -> str | None:
    """What the file seems to be instead (None: the rule's own hint)."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "The file is saved as UTF-16: save it as UTF-8 (in most editors: Save As, Encoding: UTF-8)."
    lines = legacy.read_as_windows_1252(raw).split("\n")
    detection = next(filter(None, map(legacy.detect, lines)), None)
    if detection is None:
        return None
    return (f"The file looks like Vietnamese typed in {detection.encoding.description}: "
            "run 'publish fix' to convert it to Unicode (UTF-8).")


def load_config(root: Path, tones: list[ToneUse] | None = None) -> tuple[BookConfig | None, list[Diagnostic]]:
    """Read and validate ``root/publish.yaml``; ``None`` when it has errors (all of them are returned).

    The syllables whose tone placement shows a style are added to ``tones``, for the book-wide check.
    """
    path = root / CONFIG_NAME
    where = Location(CONFIG_NAME, 1)
    if not path.is_file():
        return None, [rules.CONFIG_MISSING(f"no {CONFIG_NAME} in {root}", Location(CONFIG_NAME))]
    with path.open("rb") as file:
        raw = file.read(MAX_BYTES + 1)  # (no further: the file may be of any size)
    if len(raw) > MAX_BYTES:
        return None, [too_big(path.stat().st_size, where.at_line(raw[:MAX_BYTES].count(b"\n") + 1))]
    source, found = decode(raw, where)
    if source is None:
        return None, found
    normalized = normalize(source, CONFIG_NAME, text_settings(source))
    source, found = normalized.text, normalized.diagnostics
    if tones is not None:
        tones += normalized.tones
    node, syntax = parse_yaml(source, where)
    if syntax:
        return None, found + syntax
    values, problems = read_mapping(node, SCHEMA, where)
    places = value_locations(node, where)
    found += problems + typeset_fields(values, ("title", "subtitle", "description", "publisher", "rights"),
                                       places, values.get("language", "vi"))
    if errors(found):
        return None, found
    print_values = values.pop("print", {})
    return BookConfig(**values, print=PrintConfig(**print_values), location=where, places=places), found
