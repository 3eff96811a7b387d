"""EPUB/PDF parity: both files of a book must say the same thing.

Every block of text of the EPUB's reading order (paragraphs, headings, captions, list items, table
cells) must be found, in order, in the PDF's text; the PDF may add only its furniture (running heads,
folios, the table of contents), and the two must carry the same title, authors, language and date.
The two word sequences (NFC, split on white space) are aligned with difflib; where they differ, the
EPUB's letters must still be there in the PDF's (letter-spaced capitals come out of a PDF one letter
at a time), and what the PDF adds must be furniture.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from publish import rules
from publish.check.epub import NS, EpubFile
from publish.check.pdf import Unopened, open_pdf, qpdf_text
from publish.check.streams import font_problems
from publish.check.walk import MALFORMED, drawing_problems, reason, structure_tree
from publish.diagnostics import Diagnostic, Location
from publish.render.labels import LABELS

BLOCKS = {f"{{{NS['x']}}}{tag}" for tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "figcaption", "td",
                                            "th", "dt", "dd", "pre", "blockquote", "caption")}
FURNITURE_RUN = 8  # PDF-only words, not titles or numbers, that make a D002


@dataclass(frozen=True)
class Block:
    document: str
    line: int | None
    words: tuple[str, ...]
    floats: bool = False  # a caption or a note: page make-up may print it a little earlier or later

    @property
    def excerpt(self) -> str:
        text = " ".join(self.words)
        return text if len(text) <= 80 else text[:79] + "…"


# Format characters the typography sets (a word joiner after a range's dash, break opportunities in a
# printed address) that a PDF's text layer drops: they are no letters, and the two files say the same
# words without them. pdfium writes U+FFFE (or STX, reading a part of the page) for a hyphen a line was
# broken after.
_INVISIBLE: dict[int, str | None] = {**dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff")), 0xFFFE: "-", 0x02: "-"}


# A table of contents' leader: the PDF's text layer may run it into the title before it ("Tabs.....24").
_LEADER = re.compile(r"\.{4,}")


def words(text: str) -> list[str]:
    return _LEADER.sub(" \\g<0> ", unicodedata.normalize("NFC", text).translate(_INVISIBLE)).split()


def _floats(element: Any) -> bool:
    """A figure's caption, or a note (at the foot of a page in a PDF with footnotes)."""
    return any(ancestor.tag == f"{{{NS['x']}}}figcaption" or "footnotes" in (ancestor.get("class") or "").split()
               for ancestor in (element, *element.iterancestors()))


def epub_blocks(book: EpubFile) -> list[Block]:
    out = []
    nav = book.nav()
    for inner in book.spine:
        if inner == nav:
            continue  # the table of contents is furniture in the PDF
        root = book.xml(inner)
        body = root.find("x:body", NS)
        if body is None:
            continue
        for element in body.iter(*BLOCKS):
            if any(child.tag in BLOCKS for child in element.iterdescendants()):
                continue  # the innermost blocks carry the text
            found = words("".join(element.itertext()))
            if found:
                out.append(Block(inner, element.sourceline, tuple(found), _floats(element)))
    return out


def pdf_words(path: Path, trims: list[list[float]]) -> list[str]:
    """The words printed inside each page's trim (``trims``, one box a page: not the slug a press PDF
    carries outside it), without the addresses a press PDF prints after links, "(baolangson.vn/...)",
    and the pages it prints after cross-references, "(trang 12)", which the EPUB links instead."""
    import pypdfium2 as pdfium  # type: ignore[import-untyped]

    document = pdfium.PdfDocument(str(path))
    try:
        found = []
        for index in range(min(len(document), len(trims))):
            left, bottom, right, top = trims[index]
            text = document[index].get_textpage().get_text_bounded(left, bottom, right, top)
            found += words(_PAGE_REFERENCE.sub("", _ADDRESS.sub("", text)))
        return found
    finally:
        document.close()


def trim_boxes(pdf: Any) -> list[list[float]]:
    """Each page's TrimBox (its MediaBox when it has none) as four numbers."""
    boxes = []
    for page in pdf.pages:
        box = [float(value) for value in page.obj.get("/TrimBox", page.mediabox)]
        if len(box) != 4:
            raise ValueError(f"a page box has {len(box)} numbers, not 4")
        boxes.append(box)
    return boxes


# An address in parentheses, broken after / . - where it ran over a line.
_ADDRESS = re.compile(r"\s?\((?:[\w\-./?&=#%~+:@\u200b\ufffe\x02]|(?<=[/.\-\ufffe\x02])\s+)+\.\s*[a-z]{2,}"
                      r"(?:[\w\-./?&=#%~+:@\u200b\ufffe\x02]|(?<=[/.\-\ufffe\x02])\s+)*\)")


# The page a press PDF prints after a cross-reference (print.css, a.xref), in any language publish speaks.
_PAGE_WORDS = "|".join(sorted({re.escape(labels["page"]) for labels in LABELS.values()}))
_PAGE_REFERENCE = re.compile(rf"\s*\((?:{_PAGE_WORDS})[\s\u00a0]\d+\)")


def parity(book: EpubFile, pdf_path: Path) -> tuple[list[Diagnostic], str]:
    """Align the EPUB's words with the PDF's; report EPUB blocks that lose words, and PDF-only text.

    The PDF is read by pdfium only when pikepdf has opened it, drawing its pages ends
    (:func:`.walk.drawing_problems`) and its fonts unpack within limits (:func:`.streams.font_problems`):
    otherwise the two are not compared, and the reason is the finding.
    """
    try:
        data, pdf = open_pdf(pdf_path)
    except Unopened as exc:
        return [exc.diagnostic], f"not compared: the PDF is {exc.summary}"
    with pdf:
        try:
            endless = drawing_problems(pdf, len(data)) + font_problems(pdf)
            if endless:
                return [rules.PDF_LOOPS(f"not compared: {endless[0]}", Location(pdf_path.name))], \
                    "not compared: drawing the PDF's pages would not end"
            text = pdf_words(pdf_path, trim_boxes(pdf))
            metadata = _metadata(book, pdf)
            alt_found, alt_summary = _alt_text(book, pdf)
        except MALFORMED as exc:
            return [rules.PDF_LOOPS(f"not compared: the PDF cannot be read ({qpdf_text(reason(exc))})",
                                    Location(pdf_path.name))], "not compared: the PDF is malformed"
    found, summary = _text_parity(book, pdf_path.name, text)
    return found + metadata + alt_found, f"{summary}; {alt_summary}"


def _text_parity(book: EpubFile, label: str, text: list[str]) -> tuple[list[Diagnostic], str]:
    """The EPUB's text blocks missing from the PDF's words ``text``, and the PDF's text not in the EPUB."""
    blocks = epub_blocks(book)
    flowing = [index for index, block in enumerate(blocks) if not block.floats]
    ours = [word for index in flowing for word in blocks[index].words]
    owner = [index for index in flowing for _ in blocks[index].words]
    missing: set[int] = set()  # blocks with words the PDF does not have
    # Captions and notes go where page make-up puts them: each must be in the PDF, in one piece.
    whole = " " + " ".join(text).replace("\u2060", "") + " "
    missing |= {index for index, block in enumerate(blocks) if block.floats
                and f" {' '.join(block.words)} " not in whole and not _same_letters(list(block.words), text)}
    extra: list[list[str]] = []  # PDF-only runs of words
    for op, i1, i2, j1, j2 in align(ours, text):
        if op == "equal":
            continue
        if op == "replace" and _same_letters(ours[i1:i2], text[j1:j2]):
            continue
        if op in ("replace", "delete"):
            missing.update(owner[i1:i2])
        if op in ("replace", "insert"):
            extra.append(text[j1:j2])
    found = [rules.PARITY_MISSING_IN_PDF(f"“{blocks[index].excerpt}” is not in {label} as it is in the EPUB",
                                         book.where(blocks[index].document, blocks[index].line))
             for index in sorted(missing)]
    found += _unexplained(extra, blocks, book, label)
    return found, f"{len(blocks) - len(missing)} of {len(blocks)} EPUB text blocks (captions included) found in the PDF"


def _alt_text(book: EpubFile, pdf: Any) -> tuple[list[Diagnostic], str]:
    """The alt text of the EPUB's figures and of a tagged PDF's Figure elements must be the same."""
    if "/StructTreeRoot" not in pdf.Root:
        return [], "alt text not compared: the PDF is not tagged"
    theirs = sorted(" ".join(words(str(e.get("/Alt", "")))) for e in structure_tree(pdf).elements
                    if e.get("/S") == "/Figure")
    ours = sorted(" ".join(words(str(image.get("alt", "")))) for inner in book.spine if inner in book.entries
                  for image in book.xml(inner).iterfind(".//x:figure//x:img", NS))
    found = [rules.PARITY_ALT(f"alt text “{alt}” is only in the {where}", book.where(book.opf_path))
             for alt, where in [*((a, "EPUB") for a in ours if a not in theirs),
                                *((a, "PDF") for a in theirs if a not in ours)]]
    return found, f"alt text of {len(ours)} figure(s) compared"


Opcode = tuple[str, int, int, int, int]
CHUNK = 1500  # EPUB words aligned at a time: difflib is quadratic in the worst case


def align(ours: list[str], theirs: list[str]) -> list[Opcode]:
    """difflib's opcodes for two long word sequences in the same order, computed chunk by chunk.

    Each chunk of ``ours`` is matched against a window of ``theirs`` that starts where the previous
    chunk's last match ended; the chunk is cut after its last match in its first 90 % (or its last match
    at all), so that a difference straddling the cut is seen whole by the next chunk. A chunk with no match at all
    (a long passage missing from the PDF) is reported as deleted.
    """
    opcodes: list[Opcode] = []
    i = j = 0
    while i < len(ours) or j < len(theirs):
        last = i + CHUNK >= len(ours)
        a = ours[i:] if last else ours[i:i + CHUNK]
        matcher = difflib.SequenceMatcher(None, a, theirs[j:], autojunk=False)
        if not last:
            matches = []
            for window in (CHUNK * 2 + 500, CHUNK * 10, len(theirs) - j):  # the PDF may add a long TOC
                b = theirs[j:j + window]
                matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
                found = [m for m in matcher.get_matching_blocks() if m.size]
                matches = [m for m in found if m.a + m.size <= len(a) * 0.9] or found
                # a few words matched by chance (in a long TOC, say) are not the place: look further
                if sum(m.size for m in found) >= len(a) // 3 or window >= len(theirs) - j:
                    break
            if not matches:
                opcodes.append(("delete", i, i + len(a), j, j))
                i += len(a)
                continue
            end = matches[-1]
            a, b = a[: end.a + end.size], b[: end.b + end.size]
            matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
        opcodes += [(op, i + i1, i + i2, j + j1, j + j2) for op, i1, i2, j1, j2 in matcher.get_opcodes()]
        if last:
            break
        i, j = i + len(a), j + len(b)
    return opcodes


def _same_letters(ours: list[str], theirs: list[str]) -> bool:
    """The EPUB words are in the PDF words once spaces are ignored (letter-spaced or re-broken text),
    with room for furniture (a running head and folio) around them; case is ignored (text-transform)."""
    wanted, have = "".join(ours).casefold(), "".join(theirs).casefold()  # CSS may set capitals
    if not wanted:
        return False
    if wanted in have:
        return True
    # A few characters the PDF adds inside (a note's call, a printed address's pieces) keep it the same text.
    letters = iter(have)
    return len(have) - len(wanted) <= max(3, len(wanted) // 10) and all(char in letters for char in wanted)


def _unexplained(runs: list[list[str]], blocks: list[Block], book: EpubFile, label: str) -> list[Diagnostic]:
    """PDF-only runs of words that are not furniture (titles, headings, the table of contents, numbers)."""
    furniture = {w.casefold() for block in blocks for w in block.words if len(block.words) <= 30 or block.floats}
    nav = book.nav()
    if nav is not None and nav in book.entries:
        furniture |= {w.casefold() for w in words("".join(book.xml(nav).itertext()))}
    found: list[Diagnostic] = []
    for run in runs:
        unexplained = [w for w in run if w.casefold() not in furniture and re.fullmatch(r"[\W\d]+", w) is None]
        if len(unexplained) >= FURNITURE_RUN:
            excerpt = " ".join(run)
            excerpt = excerpt if len(excerpt) <= 80 else excerpt[:79] + "…"
            found.append(rules.PARITY_MISSING_IN_EPUB(f"“{excerpt}” is in the PDF but not in {book.label}",
                                                      Location(label)))
    return found


def _metadata(book: EpubFile, pdf: Any) -> list[Diagnostic]:
    info = pdf.docinfo
    pdf_values = {
        "title": _text(info.get("/Title")),
        "authors": _text(info.get("/Author")),
        "language": _text(pdf.Root.get("/Lang")),
        "date": _text(info.get("/ModDate")).removeprefix("D:")[:8],
    }
    modified = next(iter(book.metadata("dcterms:modified")), "")
    epub_values = {
        "title": next(iter(book.dc("title")), ""),
        "authors": ", ".join(book.dc("creator")),
        "language": next(iter(book.dc("language")), ""),
        "date": modified[:10].replace("-", ""),
    }
    found = []
    for key, epub_value in epub_values.items():
        pdf_value = pdf_values[key]
        if unicodedata.normalize("NFC", epub_value) != unicodedata.normalize("NFC", pdf_value):
            found.append(rules.PARITY_METADATA(
                f"{key}: the EPUB says '{epub_value}', the PDF says '{pdf_value}'", book.where(book.opf_path)))
    return found


def _text(value: Any) -> str:
    return str(value).strip() if value is not None else ""
