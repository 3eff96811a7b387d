"""A hostile PDF's streams, unpacked only within limits: the PDF counterpart of a zip bomb.

A Flate stream inflates about a thousand times: an 800 KB PDF can carry 800 MB of page content, which
pikepdf would parse into objects (gigabytes, minutes) and pdfium would draw. Before a check reads a
content stream, font program, CMap or XMP packet, its unpacked size is measured here by inflating it
into nothing (Flate, or no filter), or by unpacking it when it is small enough for any filter to be
harmless; a stream over its limit raises :class:`Unbounded`, which the checks report (Q018).
"""

from __future__ import annotations

import zlib
from typing import Any

import pikepdf

MIB = 2**20
MAX_STREAM_BYTES = 16 * MIB  # one page's content, one form's, a font program, a CMap, the XMP packet
MAX_DRAWN_BYTES = 16 * MIB  # the content a page draws: its forms' counted each time they are drawn
# The content of every page and form, each once: page content packs 4 to 6 times (a publish book's pages
# hold about 40 KB each), so 20 times the file's size is more than any real PDF holds; a bomb, 1000 times.
CONTENT_FLOOR, CONTENT_RATIO = 8 * MIB, 20
WORST_RATIO = 2000  # what LZW (the worst filter after Flate) can reach: above limit / this, not unpacked


def content_budget(file_size: int) -> int:
    """How far the content of a document's pages and forms may unpack in all: a few seconds' reading."""
    return CONTENT_FLOOR + CONTENT_RATIO * file_size


class Unbounded(Exception):
    """Reading on would not end, or not soon: a loop, forms too deep, a stream that unpacks too far."""


def unpacked_size(stream: Any, limit: int) -> int:
    """The unpacked size of ``stream``, or more than ``limit`` when it is over (counting stops there).
    A stream packed otherwise than with Flate alone and too large to be unpacked safely counts as over."""
    filters = _filters(stream)
    raw = stream.read_raw_bytes()
    if not filters:
        return len(raw)
    if filters == ["/FlateDecode"]:
        return _inflated_size(raw, limit)
    if len(raw) <= limit // WORST_RATIO:
        return len(stream.read_bytes())
    return limit + 1


def _filters(stream: Any) -> list[str]:
    value = stream.get("/Filter")
    if value is None:
        return []
    return [str(name) for name in value] if isinstance(value, pikepdf.Array) else [str(value)]


def _inflated_size(raw: bytes, limit: int) -> int:
    """The size ``raw`` inflates to, a mebibyte at a time, none of it kept; up to damage, as qpdf reads."""
    inflater = zlib.decompressobj()
    size = 0
    try:
        size += len(inflater.decompress(raw, MIB))
        while inflater.unconsumed_tail and size <= limit:
            size += len(inflater.decompress(inflater.unconsumed_tail, MIB))
        if size <= limit:
            size += len(inflater.flush())
    except zlib.error:
        pass
    return size


def content_streams(owner: Any) -> list[Any]:
    """The streams holding a page's content (/Contents, one or an array), or a form itself."""
    if isinstance(owner, pikepdf.Stream):
        return [owner]
    contents = owner.get("/Contents")
    if isinstance(contents, pikepdf.Array):
        return [stream for stream in contents if isinstance(stream, pikepdf.Stream)]
    return [contents] if isinstance(contents, pikepdf.Stream) else []


def content_size(owner: Any, what: str) -> int:
    """The unpacked size of a page's or form's content; :class:`Unbounded` over :data:`MAX_STREAM_BYTES`."""
    total = 0
    for stream in content_streams(owner):
        total += unpacked_size(stream, MAX_STREAM_BYTES - total)
        if total > MAX_STREAM_BYTES:
            raise Unbounded(f"the content of {what} unpacks to more than {size(MAX_STREAM_BYTES)}")
    return total


def unpacked(stream: Any, what: str, limit: int = MAX_STREAM_BYTES) -> bytes:
    """``stream`` unpacked, once its size is known to be within ``limit``; :class:`Unbounded` otherwise."""
    if unpacked_size(stream, limit) > limit:
        raise Unbounded(f"{what} unpacks to more than {size(limit)}")
    return bytes(stream.read_bytes())


def size(count: int) -> str:
    """A number of bytes in MiB, or KiB under one MiB."""
    return f"{count // MIB} MiB" if count >= MIB else f"{count // 1024} KiB"


FONT_STREAMS = ("/FontFile", "/FontFile2", "/FontFile3")


def font_problems(pdf: Any) -> list[str]:
    """The fonts of the pages whose program, ToUnicode CMap or CIDToGIDMap unpacks beyond
    :data:`MAX_STREAM_BYTES`: reading them (fontTools, pdfium) would hold it all in memory."""
    problems: list[str] = []
    seen: set[tuple[int, int]] = set()
    for number, page in enumerate(pdf.pages, start=1):
        resources = page.obj.get("/Resources")
        fonts = resources.get("/Font") if isinstance(resources, pikepdf.Dictionary) else None
        for font in fonts.values() if isinstance(fonts, pikepdf.Dictionary) else ():
            if not isinstance(font, pikepdf.Dictionary) or font.objgen in seen:
                continue
            seen.add(font.objgen)
            name = str(font.get("/BaseFont", "?")).lstrip("/")
            for key, stream in _font_streams(font):
                if unpacked_size(stream, MAX_STREAM_BYTES) > MAX_STREAM_BYTES:
                    problems.append(f"page {number}: font {name}'s {key} unpacks to more than {size(MAX_STREAM_BYTES)}")
    return problems


def _font_streams(font: Any) -> list[tuple[str, Any]]:
    """(key, stream) of a font's program(s), ToUnicode CMap and CIDToGIDMap, descendant fonts included."""
    owners = [font]
    descendants = font.get("/DescendantFonts")
    if isinstance(descendants, pikepdf.Array):
        owners += [child for child in descendants if isinstance(child, pikepdf.Dictionary)]
    found = []
    for owner in owners:
        for key in ("/ToUnicode", "/CIDToGIDMap"):
            if isinstance(owner.get(key), pikepdf.Stream):
                found.append((key, owner.get(key)))
        descriptor = owner.get("/FontDescriptor")
        if isinstance(descriptor, pikepdf.Dictionary):
            found += [(key, descriptor.get(key)) for key in FONT_STREAMS
                      if isinstance(descriptor.get(key), pikepdf.Stream)]
    return found
