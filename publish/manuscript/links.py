"""Where a link of the manuscript leads: an address outside the book, a place in it, or nowhere it can go.

A book can follow three kinds of link: a web address (``https://...``), an e-mail address or a phone
number (``mailto:``, ``tel:``), and a place in the book itself: an article by its file name
(``02-cho-phien.md``) or a heading in one (``02-cho-phien.md#gia-ca``, ``#gia-ca`` in the same article).
Anything else (another scheme, a file that is not an article, an address no URL parser takes) is refused
with its reason; places are resolved once every article is read (:mod:`publish.manuscript.references`).
"""

from __future__ import annotations

import ipaddress
import posixpath
import re
import urllib.parse
from dataclasses import dataclass

from publish import rules
from publish.rules import Rule

SCHEMES = ("http", "https", "mailto", "tel")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_LABEL = re.compile(r"[a-z0-9_]([a-z0-9_\-]{0,61}[a-z0-9_])?")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_PHONE = re.compile(r"\+?[\d().\-]*\d[\d().\-]*(;[\w\-.=%]+)*")


@dataclass(frozen=True)
class Place:
    """A place in the book as a link names it: the article's file (relative to the project root) and the
    heading's name in it ("" for the article itself)."""

    article: str
    fragment: str


@dataclass(frozen=True)
class Refused:
    """Why the book cannot follow a link."""

    rule: Rule
    message: str


def destination(href: str, source: str) -> str | Place | Refused:
    """Where ``href`` (as markdown-it gives it: percent-encoded) leads from the article ``source`` (its path
    relative to the project root): the address itself, a :class:`Place`, or :class:`Refused`."""
    shown = urllib.parse.unquote(href)
    if not href.strip():
        return Refused(rules.MANUSCRIPT_LINK, "a link without an address")
    scheme = _SCHEME.match(href)
    if scheme is not None:
        name = scheme.group(0)[:-1].lower()
        if name not in SCHEMES:
            return Refused(rules.MANUSCRIPT_LINK, f"link to '{shown}' cannot be followed from the book")
        problem = address_problem(href)
        if problem:
            return Refused(rules.MANUSCRIPT_BAD_ADDRESS, f"'{shown}' is not a valid address: {problem}")
        return href
    if href.startswith(("/", "\\")):
        return Refused(rules.MANUSCRIPT_LINK, f"link to '{shown}' (a path on a computer, not in the book)")
    path, _, fragment = href.partition("#")
    path = urllib.parse.unquote(path)
    if "?" in path or (path and not path.lower().endswith(".md")):
        return Refused(rules.MANUSCRIPT_LINK, f"link to the file '{shown}': only articles (*.md) can be linked to")
    if not path and not fragment:
        return Refused(rules.MANUSCRIPT_LINK, f"link to '{shown}' leads nowhere")
    article = posixpath.normpath(posixpath.join(posixpath.dirname(source), path)) if path else ""
    return Place(article, urllib.parse.unquote(fragment))


def address_problem(href: str) -> str:
    """What is wrong with an http(s), mailto: or tel: address, or "" when a URL parser takes it (as
    EPUBCheck's does: an address it refuses is an error there, RSC-020)."""
    if any(ch.isspace() or ord(ch) < 0x20 or ch == "\x7f" for ch in href):
        return "it contains a space or a control character"
    if _BAD_ESCAPE.search(href):
        return "a '%' that does not start an escape (%20)"
    try:
        parts = urllib.parse.urlsplit(href)
        parts.port  # noqa: B018 (raises on a port that is not a number up to 65535)
    except ValueError as exc:
        return str(exc).lower()
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        if not parts.netloc or not parts.hostname:
            return "no host name after '//'"
        return host_problem(urllib.parse.unquote(parts.hostname))
    rest = urllib.parse.unquote(parts.path)
    if scheme == "mailto":
        addresses = [address for address in rest.split(",") if address]
        if not addresses:
            return "no e-mail address"
        for address in addresses:
            local, at, domain = address.rpartition("@")
            if not at or not local:
                return f"'{address}' is not an e-mail address"
            problem = host_problem(domain)
            if problem:
                return problem
        return ""
    if _PHONE.fullmatch(rest) is None:
        return f"'{rest}' is not a phone number"
    return ""


def host_problem(host: str) -> str:
    """What is wrong with a host name (or IP address), "" for none."""
    if host.startswith("[") or ":" in host:
        try:
            ipaddress.IPv6Address(host.strip("[]"))
        except ValueError:
            return f"'{host}' is not an IP address"
        return ""
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return f"the host name '{host}' has an empty or too long part"
    labels = ascii_host.removesuffix(".").split(".")
    bad = next((label for label in labels if _LABEL.fullmatch(label) is None), None)
    if bad is not None:
        return f"the host name '{host}' has a part '{bad}' that cannot be a host name's"
    return ""
