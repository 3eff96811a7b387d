"""PDF preflight with pikepdf: the things a printer rejects a file for.

Page boxes (TrimBox and BleedBox on every page, nested in the MediaBox, which may be larger when the
page carries a slug with crop marks, of the size and bleed publish.yaml asks for), no annotation on the
printed area of the press PDF, fonts (embedded, subset, among the declared faces, no ``.notdef`` glyph
drawn), images (effective resolution at the size they are placed), document metadata, and no encryption.

The file may be hostile: every walk of its object graphs is bounded (:mod:`.walk`), no stream is
unpacked before its unpacked size is known to be within limits (:mod:`.streams`), the checks that draw
the pages (images, glyphs, RGB) run only when the drawing ends, an object of the wrong type stops only
the check that met it (each is Q018, saying what was wrong), what qpdf had to repair while reading is
reported (Q018), and a file that cannot be opened at all is Q012 (password) or Q013.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf

from publish import rules
from publish.check.streams import Unbounded, font_problems, unpacked
from publish.check.walk import (
    MALFORMED,
    MAX_FORM_DEPTH,
    MAX_PROBLEMS,
    drawing_problems,
    drawn_xobject,
    instructions,
    outline_problems,
    reason,
    repairs,
    resources_of,
    structure_tree,
)
from publish.config import PrintConfig
from publish.diagnostics import Diagnostic, Location
from publish.fonts import FontFace
from publish.output.pdf import embedded_fonts
from publish.output.press import rgb_uses

PT_PER_MM = 72 / 25.4
TOLERANCE_PT = 0.5
WARN_PPI, ERROR_PPI = 300, 150
MAX_BLEED_PT = 10  # WeasyPrint caps the BleedBox 10 pt outside the trim (publish.output.marks does not)
PRINTER_ANNOTATIONS = ("/PrinterMark", "/TrapNet")  # the only annotations PDF/X allows on the printed area
MAX_ANNOTATION_FINDINGS = 10


@dataclass(frozen=True)
class Expectations:
    """What the PDF should be, from the project: its print settings and declared faces (None: unknown)."""

    print: PrintConfig | None = None
    faces: Sequence[FontFace] | None = None


def role_of(path: Path) -> str:
    """"screen" for the screen PDF (``*.screen.pdf``), "print" for any other."""
    return "screen" if path.name.lower().endswith(".screen.pdf") else "print"


_UNREADABLE: tuple[type[Exception], ...] = (*MALFORMED, OSError)


class Unopened(Exception):
    """A PDF that cannot be opened: its diagnostic (Q012 or Q013) and a one-word summary."""

    def __init__(self, diagnostic: Diagnostic, summary: str) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic
        self.summary = summary


def open_pdf(path: Path) -> tuple[bytes, Any]:
    """The file's bytes and the PDF opened from them, its page tree read; :class:`Unopened` when it
    cannot be (a password, not a PDF, cut short, pages in a loop)."""
    label = path.name
    try:
        data = path.read_bytes()
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        raise Unopened(rules.PDF_ENCRYPTED("the PDF needs a password to open", Location(label)), "encrypted") from None
    except _UNREADABLE as exc:
        raise Unopened(rules.PDF_BROKEN(f"not a readable PDF: {qpdf_text(exc)}", Location(label)),
                       "unreadable") from None
    try:
        len(pdf.pages)
    except MALFORMED as exc:
        pdf.close()
        raise Unopened(rules.PDF_BROKEN(f"the page tree cannot be read: {qpdf_text(exc)}", Location(label)),
                       "unreadable") from None
    return data, pdf


_STREAM_NAME = re.compile(r"^\s*stream <[^>]*>[\s:,]*")


def qpdf_text(exc: BaseException | str) -> str:
    """qpdf's message without the name it gives the in-memory file (``stream <_io.BytesIO …>``)."""
    return _STREAM_NAME.sub("", str(exc)).strip() or type(exc).__name__


def preflight(path: Path, expect: Expectations) -> tuple[list[Diagnostic], str]:
    label = path.name
    where = Location(label)
    role = role_of(path)
    try:
        data, pdf = open_pdf(path)
    except Unopened as exc:
        return [exc.diagnostic], exc.summary
    with pdf:
        found: list[Diagnostic] = [rules.PDF_PAGES(f"{len(pdf.pages)} page(s)", where)]
        if pdf.is_encrypted:
            found.append(rules.PDF_ENCRYPTED("the PDF is encrypted", where))
        drawing = _guarded("drawing the pages", label, lambda: _loops(drawing_problems(pdf, len(data)), where))
        found += drawing
        found += _guarded("the outline", label, lambda: _loops(outline_problems(pdf), where))
        for part, run in _checks(data, pdf, label, role, expect, draw=not drawing):
            found += _guarded(part, label, run)
        found += _loops([f"qpdf repaired the file while reading it: {qpdf_text(repair)}"
                         for repair in repairs(pdf)[:MAX_PROBLEMS]], where)
        what = "press PDF: declared PDF/X-4, CMYK" if role == "print" else "screen PDF: tagged"
        return found, f"{what}, {len(pdf.pages)} page(s)"


Check = Callable[[], list[Diagnostic]]


def _checks(data: bytes, pdf: Any, label: str, role: str, expect: Expectations, draw: bool) -> list[tuple[str, Check]]:
    """The checks for a PDF of this role, each with the part of the PDF it reads; those that draw the
    pages (RGB colours, glyphs, images) run only when ``draw`` (their drawing ends)."""
    checks: list[tuple[str, Check]] = [
        ("page boxes", lambda: _boxes(pdf, label, expect.print)),
        ("annotations", lambda: _annotations(pdf, label)),
        ("PDF/X", lambda: _press(data, pdf, label, rgb=draw)),
    ] if role == "print" else [("the structure tree", lambda: _tags(pdf, label))]
    checks += [("fonts", lambda: _fonts(data, pdf, label, expect.faces)), ("metadata", lambda: _metadata(pdf, label))]
    if draw:
        checks += [("glyphs", lambda: _glyphs(pdf, label)), ("images", lambda: _images(pdf, label))]
    return checks


def _loops(problems: list[str], where: Location) -> list[Diagnostic]:
    return [rules.PDF_LOOPS(problem, where) for problem in problems]


def _guarded(part: str, label: str, run: Check) -> list[Diagnostic]:
    """``run``'s findings, or Q018 saying which part of the PDF holds an object of the wrong type or a
    stream that unpacks too far."""
    try:
        return run()
    except Unbounded as exc:
        return [rules.PDF_LOOPS(f"{part}: {exc}", Location(label))]
    except MALFORMED as exc:
        return [rules.PDF_LOOPS(f"{part}: an object is not what the PDF specification says it is "
                                f"({qpdf_text(reason(exc))})", Location(label))]


def _press(data: bytes, pdf: Any, label: str, rgb: bool) -> list[Diagnostic]:
    """PDF/X-4 declared in the XMP packet, one CMYK output intent, and (when ``rgb``: the pages' drawing
    ends) no RGB colour."""
    found: list[Diagnostic] = []
    where = Location(label)
    if isinstance(pdf.Root.get("/Metadata"), pikepdf.Stream):
        unpacked(pdf.Root.Metadata, "the XMP metadata")
    with pdf.open_metadata() as meta:
        version = meta.get("pdfxid:GTS_PDFXVersion") or meta.get("pdfx:GTS_PDFXVersion")
    if version != "PDF/X-4":
        found.append(rules.PDF_NOT_PDFX(f"GTS_PDFXVersion is {version or 'absent'}, not PDF/X-4", where))
    intents = [i for i in pdf.Root.get("/OutputIntents", []) if i.get("/S") == "/GTS_PDFX"]
    if len(intents) != 1 or intents[0].get("/DestOutputProfile") is None:
        found.append(rules.PDF_NOT_PDFX(f"{len(intents)} PDF/X output intent(s) with a profile; one is needed", where))
    elif int(intents[0].DestOutputProfile.get("/N", 0)) != 4:
        found.append(rules.PDF_NOT_PDFX("the output intent's ICC profile is not CMYK", where))
    if rgb:
        found += [rules.PDF_RGB(use, where) for use in rgb_uses(data)[:10]]
    return found


def _tags(pdf: Any, label: str) -> list[Diagnostic]:
    where = Location(label)
    found = []
    if "/StructTreeRoot" not in pdf.Root:
        found.append(rules.PDF_UNTAGGED("no structure tree", where))
    if not bool(pdf.Root.get("/MarkInfo", {}).get("/Marked", False)):
        found.append(rules.PDF_UNTAGGED("/MarkInfo /Marked is not true", where))
    if not bool(pdf.Root.get("/ViewerPreferences", {}).get("/DisplayDocTitle", False)):
        found.append(rules.PDF_UNTAGGED("viewers are not told to show the document title (DisplayDocTitle)", where))
    tree = structure_tree(pdf)
    found += [rules.PDF_LOOPS(problem, where) for problem in tree.problems]
    for element in tree.elements:
        if element.get("/S") == "/Figure" and not str(element.get("/Alt", "")).strip():
            found.append(rules.PDF_UNTAGGED("a Figure element has no alt text", where))
    return found


def _box(page: Any, name: str) -> tuple[float, float, float, float] | None:
    box = page.obj.get(name)
    if box is None:
        return None
    x0, y0, x1, y1 = (float(v) for v in box)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _inside(inner: tuple[float, ...], outer: tuple[float, ...]) -> bool:
    return (inner[0] >= outer[0] - TOLERANCE_PT and inner[1] >= outer[1] - TOLERANCE_PT
            and inner[2] <= outer[2] + TOLERANCE_PT and inner[3] <= outer[3] + TOLERANCE_PT)


def _boxes(pdf: Any, label: str, settings: PrintConfig | None) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for number, page in enumerate(pdf.pages, start=1):
        where = Location(f"{label}, page {number}")
        media = _box(page, "/MediaBox")
        trim, bleed = _box(page, "/TrimBox"), _box(page, "/BleedBox")
        missing = [name for name, box in (("TrimBox", trim), ("BleedBox", bleed)) if box is None]
        if missing:
            found.append(rules.PDF_BOX_MISSING(f"no {' and no '.join(missing)}", where))
            continue
        assert trim is not None and bleed is not None and media is not None
        if not (_inside(trim, bleed) and _inside(bleed, media)):
            found.append(rules.PDF_BOX_NESTING(f"TrimBox {_fmt(trim)} ⊄ BleedBox {_fmt(bleed)} ⊄ MediaBox "
                                               f"{_fmt(media)}", where))
        if settings is not None:
            found += _geometry(trim, bleed, settings, where)
        if len(found) >= 5:
            break  # the same fault on every page says nothing more
    return found


def _geometry(trim: tuple[float, ...], bleed: tuple[float, ...], settings: PrintConfig,
              where: Location) -> list[Diagnostic]:
    found = []
    width, height = trim[2] - trim[0], trim[3] - trim[1]
    want_w, want_h = (size * PT_PER_MM for size in settings.trim)
    if abs(width - want_w) > TOLERANCE_PT or abs(height - want_h) > TOLERANCE_PT:
        found.append(rules.PDF_GEOMETRY(
            f"the trim is {width / PT_PER_MM:.1f} × {height / PT_PER_MM:.1f} mm; publish.yaml asks for "
            f"{settings.trim[0]:g} × {settings.trim[1]:g} mm", where))
    # The bleed on each side: publish.yaml's exactly (as publish.output.marks writes it), or WeasyPrint's
    # BleedBox, capped at 10 pt, when the bleed is wider than that.
    wanted = settings.bleed * PT_PER_MM
    accepted = (wanted, min(wanted, MAX_BLEED_PT))
    sides = (trim[0] - bleed[0], trim[1] - bleed[1], bleed[2] - trim[2], bleed[3] - trim[3])
    wrong = [side for side in sides if all(abs(side - value) > TOLERANCE_PT for value in accepted)]
    if wrong:
        worst = max(wrong, key=lambda side: abs(side - wanted))
        found.append(rules.PDF_GEOMETRY(
            f"the bleed is {max(worst, 0) / PT_PER_MM:.1f} mm; publish.yaml asks for {settings.bleed:g} mm", where))
    return found


def _annotations(pdf: Any, label: str) -> list[Diagnostic]:
    """Annotations on the printed area (the BleedBox, else the TrimBox or MediaBox) other than printer's
    marks and trap networks: PDF/X forbids them; links belong in the screen PDF."""
    found: list[Diagnostic] = []
    pages = 0
    for number, page in enumerate(pdf.pages, start=1):
        area = _box(page, "/BleedBox") or _box(page, "/TrimBox") or _box(page, "/MediaBox")
        counts: dict[str, int] = {}
        for annotation in page.obj.get("/Annots", []):
            subtype = str(annotation.get("/Subtype", "/?"))
            rect = annotation.get("/Rect")
            if subtype in PRINTER_ANNOTATIONS or area is None or not isinstance(rect, pikepdf.Array) or len(rect) != 4:
                continue
            x0, y0, x1, y1 = (float(v) for v in rect)
            if min(x0, x1) < area[2] and max(x0, x1) > area[0] and min(y0, y1) < area[3] and max(y0, y1) > area[1]:
                counts[subtype] = counts.get(subtype, 0) + 1
        if not counts:
            continue
        pages += 1
        if len(found) < MAX_ANNOTATION_FINDINGS:
            listed = ", ".join(f"{count} {subtype.lstrip('/')}" for subtype, count in sorted(counts.items()))
            found.append(rules.PDF_ANNOTATION_IN_BLEED(f"{listed} annotation(s) inside the BleedBox",
                                                      Location(f"{label}, page {number}")))
    if pages > len(found):
        found.append(rules.PDF_ANNOTATION_IN_BLEED(
            f"{pages} pages have annotations inside the BleedBox; the first {len(found)} are listed", Location(label)))
    return found


def _fmt(box: tuple[float, ...]) -> str:
    return "[" + " ".join(f"{v:.1f}" for v in box) + "]"


def _fonts(data: bytes, pdf: Any, label: str, faces: Sequence[FontFace] | None) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    declared = {face.postscript_name for face in faces} if faces is not None else None
    where = Location(label)
    oversized = font_problems(pdf)
    if oversized:
        raise Unbounded(oversized[0])
    for base_font, program_name in embedded_fonts(data):
        name = base_font.lstrip("/")
        if program_name is None:
            found.append(rules.PDF_FONT_NOT_EMBEDDED(f"font {name} is not embedded", where))
            continue
        if not (len(name) > 7 and name[6] == "+" and name[:6].isupper() and name[:6].isalpha()):
            found.append(rules.PDF_FONT_NOT_SUBSET(f"font {name} is embedded whole, not subset", where))
        if declared is not None and program_name not in declared:
            found.append(rules.PDF_FONT_UNDECLARED(
                f"font {name} ({program_name}) is not one of the project's faces", where))
    return found


def _glyphs(pdf: Any, label: str) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    mappings: dict[tuple[int, int], bytes | None] = {}
    for number, page in enumerate(pdf.pages, start=1):
        for font_name in sorted(_notdef_fonts(page, mappings)):
            found.append(rules.PDF_NOTDEF(f"font {font_name} draws glyph 0 (.notdef)",
                                          Location(f"{label}, page {number}")))
    return found


MAX_CID_TO_GID = 2 * 65536  # a glyph number for each of the 65536 CIDs


def _cid_to_gid(font: Any) -> bytes | None:
    """The CIDToGIDMap of a Type0 font as bytes (None: Identity)."""
    descendant = font.DescendantFonts[0]
    mapping = descendant.get("/CIDToGIDMap")
    if not isinstance(mapping, pikepdf.Stream):
        return None
    return unpacked(mapping, f"the CIDToGIDMap of font {font.get('/BaseFont', '?')}", MAX_CID_TO_GID + 1024)


_TEXT_OPERATORS = "Tf Tj TJ ' \""


def _notdef_fonts(page: Any, mappings: dict[tuple[int, int], bytes | None]) -> set[str]:
    """The Type0 (Identity-H) fonts of a page whose shown strings contain glyph 0; ``mappings`` keeps
    each font's CIDToGIDMap once read."""
    fonts = page.Resources.get("/Font", {}) if "/Resources" in page.obj else {}
    found: set[str] = set()
    current = None
    for operands, op in instructions(page.obj, _TEXT_OPERATORS):
        if op == "Tf":
            current = fonts.get(str(operands[0]))
        elif op in ("Tj", "TJ", "'", '"') and current is not None and current.get("/Subtype") == "/Type0" \
                and str(current.get("/Encoding")) == "/Identity-H":
            strings = operands[0] if op == "TJ" else operands[-1:]
            if current.objgen not in mappings:
                mappings[current.objgen] = _cid_to_gid(current)
            mapping = mappings[current.objgen]
            for item in strings:
                if isinstance(item, pikepdf.String) and _has_glyph_zero(bytes(item), mapping):
                    found.add(str(current.get("/BaseFont", "?")).lstrip("/"))
    return found


def _has_glyph_zero(codes: bytes, mapping: bytes | None) -> bool:
    for index in range(0, len(codes) - 1, 2):
        cid = codes[index] << 8 | codes[index + 1]
        gid = cid if mapping is None else (mapping[2 * cid] << 8 | mapping[2 * cid + 1]
                                           if 2 * cid + 1 < len(mapping) else 0)
        if gid == 0:
            return True
    return False


def _images(pdf: Any, label: str) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    seen: set[tuple[int, int, int]] = set()
    parsed: Parsed = {}
    for number, page in enumerate(pdf.pages, start=1):
        drawn = _placed_images(page.obj, (1, 0, 0, 1, 0, 0), 0, parsed=parsed)
        for image, width_pt, height_pt in drawn:
            if width_pt <= 0 or height_pt <= 0:
                continue
            ppi = min(int(image.Width) / (width_pt / 72), int(image.Height) / (height_pt / 72))
            key = (*image.objgen, round(ppi))
            if key in seen:
                continue
            seen.add(key)
            where = Location(f"{label}, page {number}")
            size = f"{int(image.Width)} × {int(image.Height)} px placed at {width_pt / PT_PER_MM:.0f} × " \
                   f"{height_pt / PT_PER_MM:.0f} mm"
            if ppi < ERROR_PPI:
                found.append(rules.PDF_IMAGE_TOO_LOW(f"an image has {ppi:.0f} ppi ({size})", where))
            elif ppi < WARN_PPI:
                found.append(rules.PDF_IMAGE_LOW(f"an image has {ppi:.0f} ppi ({size})", where))
    return found


Matrix = tuple[float, float, float, float, float, float]


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2,
            e * a2 + f * c2 + e2, e * b2 + f * d2 + f2)


_DRAWING_OPERATORS = "q Q cm Do"
Parsed = dict[tuple[int, int], list[tuple[Any, str]]]  # the operators that place images, by form or page


def _placed_images(owner: Any, ctm: Matrix, depth: int, resources: Any = None,
                   parsed: Parsed | None = None) -> Iterator[tuple[Any, float, float]]:
    """Each image drawn by a page or form, with its placed width and height in points; ``resources``
    are those it draws with (None: its own). Called only on pages whose drawing ends
    (:func:`.walk.drawing_problems`); each form's operators are read once."""
    if depth > MAX_FORM_DEPTH:
        return
    resources = resources_of(owner, None) if resources is None else resources
    parsed = {} if parsed is None else parsed
    key = owner.objgen
    if key not in parsed:
        parsed[key] = list(instructions(owner, _DRAWING_OPERATORS))
    stack: list[Matrix] = []
    for operands, op in parsed[key]:
        if op == "q":
            stack.append(ctm)
        elif op == "Q" and stack:
            ctm = stack.pop()
        elif op == "cm" and len(operands) == 6:
            ctm = _multiply(tuple(float(v) for v in operands), ctm)  # type: ignore[arg-type]
        elif op == "Do" and operands:
            xobject = drawn_xobject(resources, operands[0])
            if xobject is None:
                continue
            if xobject.get("/Subtype") == "/Image":
                a, b, c, d, _, _ = ctm
                yield xobject, math.hypot(a, b), math.hypot(c, d)
            elif xobject.get("/Subtype") == "/Form":
                matrix = tuple(float(v) for v in xobject.get("/Matrix", [1, 0, 0, 1, 0, 0]))
                yield from _placed_images(xobject, _multiply(matrix, ctm), depth + 1,  # type: ignore[arg-type]
                                          resources_of(xobject, resources), parsed)


def _metadata(pdf: Any, label: str) -> list[Diagnostic]:
    found = []
    info = pdf.docinfo
    for key, what in (("/Title", "title"), ("/Author", "author")):
        if not str(info.get(key, "")).strip():
            found.append(rules.PDF_METADATA(f"no {what} in the document information", Location(label)))
    if not str(pdf.Root.get("/Lang", "")).strip():
        found.append(rules.PDF_METADATA("no /Lang (document language) in the catalog", Location(label)))
    return found
