"""The catalogue of diagnostic codes.

Codes are stable: users look them up, CI greps for them. The letter says where a finding comes from:
``Y`` YAML structure (publish.yaml and front matter), ``C`` project configuration, ``M`` manuscript
Markdown, ``R`` resources (images, styles, fonts), ``T`` text normalization, ``F`` fonts,
``P`` PDF rendering, ``E`` EPUB packaging, ``B`` build and output; and for ``publish check``: ``X``
external validators (EPUBCheck, Ace), ``A`` EPUB structure and accessibility, ``Q`` PDF preflight,
``D`` EPUB/PDF parity, ``K`` the checking itself (a tool missing, a check skipped).
"""

from __future__ import annotations

from dataclasses import dataclass

from publish.diagnostics import Diagnostic, Location, Severity


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    title: str
    hint: str = ""

    def __call__(self, message: str, location: Location | None = None, hint: str | None = None) -> Diagnostic:
        return Diagnostic(self.code, self.severity, message, self.hint if hint is None else hint, location)


CATALOGUE: dict[str, Rule] = {}


def _rule(code: str, severity: Severity, title: str, hint: str = "") -> Rule:
    rule = Rule(code, severity, title, hint)
    if code in CATALOGUE:
        raise ValueError(f"duplicate rule code {code}")
    CATALOGUE[code] = rule
    return rule


ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

YAML_SYNTAX = _rule("Y001", ERROR, "YAML syntax error", "Check indentation and quote values that contain ':' or '#'.")
YAML_UNKNOWN_KEY = _rule("Y002", ERROR, "unknown key", "Remove the key or correct its spelling.")
YAML_WRONG_TYPE = _rule("Y003", ERROR, "value of the wrong type or form")
YAML_MISSING_KEY = _rule("Y004", ERROR, "required key missing")
YAML_DUPLICATE_KEY = _rule("Y005", ERROR, "key given twice", "Keep one of the two values.")
YAML_NOT_MAPPING = _rule("Y006", ERROR, "YAML document is not a mapping of keys to values")
YAML_REFUSED = _rule(
    "Y007", ERROR, "YAML feature refused",
    "Write plain values: tags (!!python/..., !!str), aliases (*name), lists used as keys and merge keys (<<) "
    "are not read.",
)
YAML_TOO_BIG = _rule(
    "Y008", ERROR, "YAML too large or too deeply nested",
    "Metadata is a few dozen keys: remove the generated or repeated structure.",
)

CONFIG_MISSING = _rule(
    "C001", ERROR, "no publish.yaml in the project folder",
    "Run publish in the project folder, or give its path: publish build PATH.",
)
CONFIG_NO_CHAPTERS = _rule(
    "C002", ERROR, "the manuscript folder holds no chapter", "Add Markdown files (*.md) to manuscript/.",
)
CONFIG_NO_DATE = _rule(
    "C003", WARNING, "no date for the book",
    "Set 'date' in publish.yaml (or SOURCE_DATE_EPOCH); a fixed date of 1980-01-01 is used meanwhile.",
)
CONFIG_BAD_EPOCH = _rule(
    "C004", ERROR, "SOURCE_DATE_EPOCH is not a time",
    "Give whole seconds since 1970-01-01 UTC, from 0 to 253402300799 (9999-12-31 23:59:59), as 'date +%s' or "
    "'git log -1 --format=%ct' prints them; or unset it to date the book from publish.yaml.",
)
CONFIG_EPOCH_EMPTY = _rule(
    "C005", WARNING, "SOURCE_DATE_EPOCH is set but empty",
    "Unset it, or give it whole seconds since 1970-01-01 UTC ('git log -1 --format=%ct').",
)

MANUSCRIPT_ENCODING = _rule(
    "M001", ERROR, "file is not UTF-8", "Save the file as UTF-8 (in most editors: Save As, Encoding: UTF-8).",
)
MANUSCRIPT_FRONT_MATTER = _rule(
    "M002", ERROR, "missing or unclosed front matter",
    "Start the file with a line '---', the YAML fields (title: ...), and a closing line '---'.",
)
MANUSCRIPT_RAW_HTML = _rule(
    "M003", ERROR, "raw HTML in the manuscript",
    "Write it in Markdown instead; raw HTML could inject markup or scripts into the book.",
)
MANUSCRIPT_INLINE_IMAGE = _rule(
    "M004", ERROR, "image inside running text",
    "Put the image alone in its own paragraph, with blank lines around it, to make a figure.",
)
MANUSCRIPT_HEADING_LEVEL = _rule(
    "M005", ERROR, "level-1 heading inside an article",
    "The article title comes from the front matter 'title'; use ## and ### for sections.",
)
MANUSCRIPT_FIGURE_ATTRIBUTE = _rule(
    "M006", ERROR, "unknown figure attribute", "A figure takes {alt=\"...\" credit=\"...\"} and nothing else.",
)
MANUSCRIPT_UNSUPPORTED = _rule("M007", ERROR, "unsupported Markdown construct")
MANUSCRIPT_NO_ALT = _rule(
    "M008", WARNING, "figure without alt text",
    'Describe what the photo shows for readers who cannot see it: {alt="..."}.',
)

MANUSCRIPT_LINK = _rule(
    "M009", ERROR, "link the book cannot follow",
    "Link to a web address (https://...), mailto: or tel:, or to an article of the book by its file name "
    "(02-cho-phien.md, 02-cho-phien.md#gia-ca, #gia-ca); other files and schemes cannot be followed.",
)

MANUSCRIPT_ALT_IS_CAPTION = _rule(
    "M010", WARNING, "alt text repeats the caption",
    "Screen readers read both: describe what the photo shows in alt, and keep the caption for what it means.",
)
MANUSCRIPT_NO_CAPTION = _rule(
    "M011", WARNING, "figure without caption",
    "Write the caption between the brackets: ![Caption](photo.jpg){alt=\"...\"}.",
)

# Links inside the book and heading ids (docs/manuscript.md, "Links" and "Heading ids").
MANUSCRIPT_BAD_ADDRESS = _rule(
    "M012", ERROR, "link address is not a valid URL",
    "Write the whole address as a browser shows it, with its host name: https://baolangson.vn/..., "
    "mailto:toasoan@baolangson.vn, tel:+842053812345.",
)
MANUSCRIPT_BROKEN_REFERENCE = _rule(
    "M013", ERROR, "link to a missing article or heading",
    "An article is named by its file name in manuscript/ (02-cho-phien.md); a heading by its {#id} or its "
    "text without diacritics, lower case, words joined by '-' (## Giá cả → #gia-ca).",
)
MANUSCRIPT_HEADING_SKIP = _rule(
    "M014", WARNING, "heading level skipped",
    "The article title is level 1: its sections are ##, their subsections ###; a level cannot be skipped.",
)
MANUSCRIPT_HEADING_ID = _rule(
    "M015", ERROR, "heading id unusable or given twice",
    "An id starts with a letter and holds only a-z, A-Z, digits, '-', '_' and '.' ({#gia-ca}); each heading "
    "of an article needs its own.",
)
MANUSCRIPT_TOO_DEEP = _rule(
    "M016", ERROR, "Markdown nested too deeply",
    "Nest lists, quotes and emphasis a few levels at most; deeper structure is not a book's.",
)
MANUSCRIPT_TOO_BIG = _rule(
    "M017", ERROR, "manuscript file or line too large",
    "Split the text into several articles, and its paragraphs into lines of ordinary length.",
)
MANUSCRIPT_BAD_CHARACTER = _rule(
    "M018", ERROR, "character that text may not hold",
    "Delete it: control characters and Unicode noncharacters (U+FFFE, U+FFFF...) are not text.",
)

RESOURCE_MISSING = _rule("R001", ERROR, "file not found", "Check the path; it is relative to the file that names it.")
RESOURCE_OUTSIDE = _rule(
    "R002", ERROR, "resource outside the project",
    "Copy the file into the project folder and use a relative path; absolute paths, '../' escapes, "
    "file:// and network URLs are refused.",
)
RESOURCE_BAD_IMAGE = _rule("R003", ERROR, "image cannot be read", "Re-export the image as JPEG or PNG.")
RESOURCE_BAD_FONT = _rule(
    "R004", ERROR, "font file cannot be used",
    "Replace it with the TrueType (.ttf) or OpenType (.otf) file from the font's release, or remove it from "
    "the fonts folder.",
)
RESOURCE_BAD_PROFILE = _rule(
    "R005", ERROR, "colour profile cannot be used",
    "print.color_profile must name a CMYK output (printer) .icc profile inside the project, or be left out "
    "for the shipped FOGRA39 coated profile.",
)
RESOURCE_TOO_LARGE = _rule(
    "R006", ERROR, "image or stylesheet too large",
    "Scale the image down (a printed page needs at most about 4000 pixels a side) or split the stylesheet.",
)
RESOURCE_BAD_STYLESHEET = _rule(
    "R007", ERROR, "stylesheet cannot be read",
    "Save it as UTF-8 and close every block: each '{' needs its '}'.",
)

TEXT_NFC = _rule("T001", INFO, "text normalized to Unicode NFC", "Save the file with precomposed (NFC) characters.")
TEXT_ETH = _rule(
    "T002", WARNING, "look-alike Đ replaced",
    "Type Đ/đ (U+0110/U+0111); Ð/ð (U+00D0/U+00F0, Icelandic eth) and Ɖ (U+0189) only look alike.",
)
TEXT_NBSP = _rule(
    "T003", INFO, "accidental no-break space removed",
    "Delete the no-break space; it sits next to another space or at the edge of a line.",
)

TEXT_SPACES = _rule("T004", INFO, "run of spaces collapsed", "Type one space between words.")
TEXT_QUOTES = _rule(
    "T005", INFO, "straight quote set as a typographic quote",
    "Nothing to do: straight quotes in the source are set as “ ” and ‘ ’ in the book.",
)
TEXT_DASH = _rule(
    "T006", INFO, "hyphen between spaces set as a dash",
    "Nothing to do: ' - ' and '--' are set as an en dash (–), '---' as an em dash (—).",
)
TEXT_STRAY_MARK = _rule(
    "T007", WARNING, "stray combining mark",
    "The mark does not belong to any Vietnamese letter: delete it and retype the letter with a Vietnamese keyboard.",
)
TEXT_LOOKALIKE = _rule(
    "T008", WARNING, "letter from another alphabet inside a word",
    "Retype the word with a Vietnamese (Latin) keyboard; a Cyrillic or Greek look-alike breaks search and sorting.",
)
TEXT_LEGACY = _rule(
    "T009", ERROR, "text in a pre-Unicode Vietnamese encoding",
    "Run 'publish fix' to convert it to Unicode (it reports each change), or re-save the original as Unicode.",
)
TEXT_TONES_MIXED = _rule(
    "T010", WARNING, "both tone-mark styles in one book",
    "Set 'tone_marks: old' (hòa, thủy) or 'tone_marks: new' (hoà, thuỷ) in publish.yaml to use one style.",
)
TEXT_TONE_MOVED = _rule(
    "T011", INFO, "tone mark placed in the configured style",
    "Nothing to do: 'tone_marks' in publish.yaml chooses the style; 'publish fix' also rewrites the source.",
)
TEXT_TIE = _rule(
    "T012", INFO, "words kept on one line with a no-break space",
    "Nothing to do: the book keeps number ranges (2015 – 2020), numbers with their unit (50 km, 12,5 %, "
    "1.000 đồng) and initials (Nguyễn V. An) on one line; the source is not changed.",
)

FONT_FALLBACK = _rule(
    "F001", ERROR, "fallback font in the PDF",
    "A character is missing from the declared fonts; use a font that covers it or change the text.",
)
FONT_NOT_COVERED = _rule(
    "F002", ERROR, "character not covered by the fonts", "Use a font that covers it or change the text.",
)
FONT_STYLE_NOT_COVERED = _rule(
    "F003", ERROR, "character missing from the face that sets it",
    "Add a face that has the character (or set that text in another style), or change the text.",
)
FONT_SUBSET_LOST = _rule(
    "F004", ERROR, "EPUB font subset lost characters",
    "This is a bug in publish's font subsetting; please report it with the font file.",
)
FONT_GENERATED_NOT_COVERED = _rule(
    "F005", ERROR, "character generated by a stylesheet missing from the face that sets it",
    "Generate characters the face has (list-style-type, content, quotes in the stylesheet named), or set that "
    "pseudo-element in a face that has them.",
)

PDF_RENDER_WARNING = _rule("P001", WARNING, "WeasyPrint warning")
PDF_RENDER_FAILED = _rule("P002", ERROR, "PDF rendering failed")
PDF_SUBSET_FALLBACK = _rule(
    "P003", INFO, "fonts subset with fontTools",
    "Install HarfBuzz's subset library (Debian: libharfbuzz-subset0) for faster font subsetting.",
)
PDF_RGB_LEFT = _rule(
    "P004", ERROR, "RGB colour in the press PDF",
    "A stylesheet or image brings RGB that could not be converted; report it with the stylesheet.",
)
PDF_LINES_COLLIDE = _rule(
    "P005", ERROR, "stacked marks collide with the next line",
    "The line height of this text is too small for its marks (Ổ, Ẫ above; ỵ, ộ, g below): leave line-height "
    "to publish, or raise it in the stylesheet that sets this text.",
)
PDF_UNDERFILLED = _rule(
    "P006", WARNING, "page left partly empty",
    "Something that cannot be split (a figure, a long heading with its first lines, a table row) did not fit "
    "at the foot of the page: shorten it, or move it in the manuscript.",
)
PDF_SHORT_LAST_PAGE = _rule(
    "P007", WARNING, "article ends on a nearly empty page",
    "Shorten or lengthen the article by a few lines, or end it with a longer paragraph.",
)
PDF_MADE_UP = _rule("P008", INFO, "page make-up changed the layout", "Nothing to do: publish moved or scaled "
                    "this for better pages; the manuscript is unchanged.")
PDF_LOOSE_LINES = _rule(
    "P009", INFO, "loosest justified lines",
    "Nothing to do unless a line looks gappy: rewording it (or the one before) lets the line break elsewhere.",
)
PDF_PAGES_UNSETTLED = _rule(
    "P010", ERROR, "printed page numbers never settle",
    "Printing the page numbers (of the contents, or after links inside the book) moves what they number "
    "to other pages, each time: shorten a title or a link's text near the page break it moves across.",
)
EPUB_PACKAGE_FAILED = _rule("E001", ERROR, "EPUB packaging failed")
STALE_OUTPUT_REMOVED = _rule("B002", INFO, "stale output removed from dist/")
WRITE_FAILED = _rule(
    "B001", ERROR, "output could not be written", "Check that dist/ is writable and the disk not full.",
)
DIST_OUTSIDE = _rule(
    "B003", ERROR, "dist/ leads outside the project",
    "Make dist/ a real folder inside the project (remove the symlink).",
)
BUILD_RUNNING = _rule(
    "B004", ERROR, "another build of this project is running",
    "Wait for it to finish, or stop it; a build killed earlier leaves nothing that blocks the next.",
)
CACHE_REFUSED = _rule(
    "B005", WARNING, "build cache not used",
    "Delete .publish-cache (or the link of that name); the next build makes it again, a real folder.",
)

# publish check ---------------------------------------------------------------------------------------

_EPUBCHECK_HINT = "Look the message ID up in the W3C EPUBCheck documentation."
EPUBCHECK_ERROR = _rule("X001", ERROR, "EPUBCheck error", _EPUBCHECK_HINT)
EPUBCHECK_WARNING = _rule("X002", WARNING, "EPUBCheck warning", _EPUBCHECK_HINT)
EPUBCHECK_USAGE = _rule("X003", INFO, "EPUBCheck usage note")
ACE_SERIOUS = _rule(
    "X010", ERROR, "Ace: critical or serious accessibility violation", "See the rule in Ace by DAISY's report.",
)
ACE_MINOR = _rule("X011", WARNING, "Ace: moderate or minor accessibility violation",
                  "See the rule in Ace by DAISY's report.")

EPUB_IMAGE_NO_ALT = _rule(
    "A001", ERROR, "image without alt text", 'Give the figure alt text in the manuscript: {alt="..."}.',
)
EPUB_NO_LANGUAGE = _rule("A002", ERROR, "document without language", "Every XHTML document needs lang and xml:lang.")
EPUB_NAVIGATION = _rule(
    "A003", ERROR, "navigation incomplete", "The navigation document needs a table of contents and landmarks.",
)
EPUB_HEADING_ORDER = _rule(
    "A004", WARNING, "heading level skipped", "Use heading levels in order (## then ###), without skipping one.",
)
EPUB_A11Y_MISSING = _rule(
    "A005", ERROR, "accessibility metadata missing",
    "The package needs schema:accessMode, accessibilityFeature, accessibilityHazard and accessibilitySummary.",
)
EPUB_A11Y_UNTRUE = _rule("A006", ERROR, "accessibility metadata not true for the content")
EPUB_CSS_RISKY = _rule(
    "A007", WARNING, "CSS that common reading systems drop",
    "calc(), var() and viewport units (vw, vh, vmin, vmax) are ignored by many e-readers; use em or %.",
)
EPUB_BROKEN = _rule("A008", ERROR, "EPUB container broken", "Rebuild the EPUB; the file is damaged or not an EPUB.")
EPUB_REFUSED = _rule(
    "A009", ERROR, "EPUB not checked: encrypted, unknown compression or too large when unpacked",
    "Check the EPUB that publish build made; this one cannot be read safely.",
)

PDF_PAGES = _rule("Q001", INFO, "page count")
PDF_BOX_MISSING = _rule("Q002", ERROR, "page box missing", "Print PDFs need a TrimBox and a BleedBox on every page.")
PDF_BOX_NESTING = _rule(
    "Q003", ERROR, "page boxes not nested", "The TrimBox must lie inside the BleedBox, inside the MediaBox.",
)
PDF_GEOMETRY = _rule(
    "Q004", ERROR, "trim or bleed differs from publish.yaml",
    "Rebuild the PDF from this project, or correct print: in publish.yaml.",
)
PDF_FONT_NOT_EMBEDDED = _rule("Q005", ERROR, "font not embedded", "Printers need every font embedded.")
PDF_FONT_NOT_SUBSET = _rule("Q006", WARNING, "font embedded whole", "Subset fonts keep the file small.")
PDF_FONT_UNDECLARED = _rule("Q007", ERROR, "font not among the declared faces", "A fallback font slipped in.")
PDF_NOTDEF = _rule("Q008", ERROR, ".notdef glyph drawn", "A character has no glyph in its font: it prints as a box.")
PDF_IMAGE_LOW = _rule(
    "Q009", WARNING, "image under 300 ppi at its placed size", "Use a larger image or place it smaller.",
)
PDF_IMAGE_TOO_LOW = _rule(
    "Q010", ERROR, "image under 150 ppi at its placed size", "Use a larger image or place it smaller.",
)
PDF_METADATA = _rule("Q011", ERROR, "document metadata missing", "Set title and authors in publish.yaml.")
PDF_ENCRYPTED = _rule("Q012", ERROR, "PDF encrypted", "Printers and archives need unencrypted PDFs.")
PDF_BROKEN = _rule("Q013", ERROR, "PDF unreadable", "Rebuild the PDF; the file is damaged or not a PDF.")
PDF_LOOPS = _rule(
    "Q018", ERROR, "PDF structure loops, is malformed or unpacks too large",
    "Rebuild the PDF from its sources: a structure tree, outline or form that leads back to itself, an object "
    "of the wrong type or a stream that unpacks to tens of megabytes is damage (or an attack), not a book.",
)
PDF_NOT_PDFX = _rule(
    "Q014", ERROR, "press PDF without PDF/X-4 and a CMYK output intent",
    "The press PDF must declare PDF/X-4 (GTS_PDFXVersion) and carry one output intent with a CMYK ICC profile.",
)
PDF_RGB = _rule("Q015", ERROR, "RGB colour in the press PDF", "Printers expect CMYK only: rebuild the press PDF.")
PDF_UNTAGGED = _rule(
    "Q016", ERROR, "screen PDF not tagged for accessibility",
    "The screen PDF needs a structure tree, /MarkInfo /Marked true, the document title shown, and alt text on "
    "every figure.",
)
PDF_ANNOTATION_IN_BLEED = _rule(
    "Q017", ERROR, "annotation on the printed area of the press PDF",
    "PDF/X allows only PrinterMark and TrapNet annotations inside the BleedBox: remove links and comments from "
    "the press PDF; the screen PDF is where links belong.",
)

PARITY_MISSING_IN_PDF = _rule(
    "D001", ERROR, "text of the EPUB missing from the PDF", "Rebuild both files from the same manuscript.",
)
PARITY_MISSING_IN_EPUB = _rule(
    "D002", ERROR, "text of the PDF missing from the EPUB", "Rebuild both files from the same manuscript.",
)
PARITY_METADATA = _rule(
    "D003", ERROR, "EPUB and PDF metadata differ", "Rebuild both files from the same publish.yaml.",
)
PARITY_ALT = _rule(
    "D004", ERROR, "EPUB and tagged PDF alt text differ", "Rebuild both files from the same manuscript.",
)

TOOL_MISSING = _rule("K001", ERROR, "a tool the check needs is missing")
CHECK_SKIPPED = _rule("K002", INFO, "check skipped: its tool is not installed")
CHECK_NOTHING = _rule(
    "K003", ERROR, "nothing to check",
    "Build first (publish build), or name the files: publish check book.epub book.pdf.",
)
