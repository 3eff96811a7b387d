"""The build cache, in ``<project>/.publish-cache/``: safe to delete, never shared between projects.

Two things live there. ``manifest.json`` records what the last build read (every file, by SHA-256,
and the listings of the folders it looked through), what it was asked, which code did it, what it
made and what it reported: when nothing of that changed and the outputs are still the files it made,
a build is answered from the manifest without rendering anything. ``artifacts/`` keeps intermediate
files by the hash of what they are made from (CMYK photos, the generated cover), so that a build after
a change re-does only what depends on it.

Nothing in the cache is trusted: it lives in the project, where whoever can write a manuscript can
write it too. The folder is used only when it is a real folder inside the project; an artifact is read
only when it is a regular file (no link is followed) inside it and its bytes match the SHA-256 stored
with them; a manifest names only files inside the project or publish's own. What shapes the output
besides the inputs is in the key of everything: publish's code, the installed Python packages and the
system libraries WeasyPrint lays text out with (Pango, HarfBuzz and its subsetter, fontconfig).

This module imports nothing heavy: the command line consults it before loading the pipeline.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from publish.diagnostics import Diagnostic, Location, Severity, warnings
from publish.resources import defaults_dir
from publish.version import VERSION

CACHE_DIR = ".publish-cache"
PACKAGE = Path(__file__).resolve().parent
_ARTIFACT = b"publish artifact sha256="  # then the digest of the rest, a newline, the bytes
_CODE: list[str] = []
# The libraries that shape the PDFs' bytes: (file name, the function that tells their version).
LIBRARIES = (("libpango-1.0.so.0", "pango_version_string"), ("libharfbuzz.so.0", "hb_version_string"),
             ("libharfbuzz-subset.so.0", "hb_version_string"), ("libfontconfig.so.1", "FcGetVersion"))


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_digest(path: Path) -> str | None:
    """The SHA-256 of a regular file (never of a FIFO or device, which could block or never end)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # (opening a FIFO would wait)
        with os.fdopen(descriptor, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return None
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


def code_fingerprint() -> str:
    """What makes the output besides the inputs: the tool's own code, templates and profiles, the Python
    packages installed beside it and the system libraries that lay out text. A change to any of them
    invalidates every cache."""
    if not _CODE:
        hasher = hashlib.sha256(VERSION.encode())
        for path in sorted(p for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            hasher.update(str(path.relative_to(PACKAGE)).encode() + b"\0" + path.read_bytes())
        hasher.update("\0".join(installed_packages() + system_libraries()).encode())
        _CODE.append(hasher.hexdigest())
    return _CODE[0]


def installed_packages() -> list[str]:
    """The name and version of every Python package installed (from the ``*.dist-info`` folders' names:
    reading each one's metadata would cost fifty times as much)."""
    found = []
    for entry in sys.path:
        if entry:  # (not the working folder: a project's own folders are not installed packages)
            with contextlib.suppress(OSError):
                found += [name for name in os.listdir(entry) if name.endswith(".dist-info")]
    return sorted(found)


def system_libraries() -> list[str]:
    """The version of each library in :data:`LIBRARIES`, or that it is missing (WeasyPrint then does
    without: without HarfBuzz's subsetter, fontTools subsets the fonts, into other bytes)."""
    found = []
    for name, function in LIBRARIES:
        try:
            library = ctypes.CDLL(name)
            version = getattr(library, function)
        except (OSError, AttributeError):
            found.append(f"{name} missing")
            continue
        if function == "FcGetVersion":
            version.restype = ctypes.c_int
            found.append(f"{name} {version()}")
        else:
            version.restype = ctypes.c_char_p
            found.append(f"{name} {version().decode()}")
    return found


@dataclass(frozen=True)
class Request:
    """What a build was asked beyond its files: the outputs and the clock it may read."""

    outputs: tuple[str, ...] | None
    source_date_epoch: str | None

    @classmethod
    def of(cls, outputs: tuple[str, ...] | None, environ: Mapping[str, str]) -> Request:
        return cls(outputs, environ.get("SOURCE_DATE_EPOCH"))

    def key(self) -> dict[str, Any]:
        return {"outputs": list(self.outputs) if self.outputs else None, "sde": self.source_date_epoch}


@dataclass(frozen=True)
class BuildResult:
    """What a build made and reported (defined here, light, so that a cache hit needs no pipeline)."""

    outputs: tuple[Path, ...]
    diagnostics: tuple[Diagnostic, ...]
    timings: Mapping[str, float] = field(default_factory=dict)
    cached: bool = False  # the inputs had not changed: the outputs are those of the previous build

    @property
    def warnings(self) -> list[Diagnostic]:
        return warnings(self.diagnostics)


class Cache:
    def __init__(self, root: Path, enabled: bool = True) -> None:
        self.root = root
        self.folder = root / CACHE_DIR
        self.refused = refusal(self.folder, root)
        self.enabled = enabled and self.refused is None
        self.writable = self.refused is None

    # The whole build ---------------------------------------------------------------------------------

    def lookup(self, request: Request) -> BuildResult | None:
        """The outputs of the last build, when nothing it depended on has changed."""
        if not self.enabled:
            return None
        try:
            manifest = json.loads((self.folder / "manifest.json").read_text(encoding="utf-8"))
            if manifest["code"] != code_fingerprint() or manifest["request"] != request.key():
                return None
            for relative, expected in manifest["inputs"].items():
                if file_digest(self._named(relative)) != expected:
                    return None
            for relative, names in manifest["listings"].items():
                if listing(self._named(relative)) != names:
                    return None
            for relative, expected in manifest["made"].items():
                if not self._named(relative).is_relative_to(self.root) or \
                        file_digest(self._named(relative)) != expected:
                    return None
            diagnostics = tuple(_diagnostic(item) for item in manifest["diagnostics"])
            return BuildResult(tuple(self._named(relative) for relative in manifest["made"]), diagnostics,
                               cached=True)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def store(self, request: Request, inputs: Iterable[Path], folders: Iterable[Path],
              made: Mapping[Path, bytes], diagnostics: Iterable[Diagnostic]) -> None:
        """Record a finished build (its outputs in the order given)."""
        manifest = {
            "code": code_fingerprint(),
            "request": request.key(),
            "inputs": {self._name(path): file_digest(path) for path in sorted(set(inputs))},
            "listings": {self._name(folder): listing(folder) for folder in sorted(set(folders))},
            "made": {self._name(path): digest(data) for path, data in made.items()},
            "diagnostics": [_json(d) for d in diagnostics],
        }
        self._write(self.folder / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode())

    def _named(self, name: str) -> Path:
        """The file a manifest names, when it is one a build may read: inside the project (links followed)
        or among publish's own files; else a ValueError (the manifest was not written by a build)."""
        path = Path(name)
        real = (path if path.is_absolute() else self.root / path).resolve()
        own = (PACKAGE, defaults_dir("styles"), defaults_dir("fonts"))
        if real.is_relative_to(self.root.resolve()) or any(real.is_relative_to(folder) for folder in own):
            return real
        raise ValueError(f"{name} is not a file a build reads")

    def _name(self, path: Path) -> str:
        """Paths inside the project are recorded relative to it; the tool's own files absolutely."""
        resolved = path.resolve()
        try:
            return resolved.relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(resolved)

    # Intermediate files ------------------------------------------------------------------------------

    def artifact(self, kind: str, key: str) -> bytes | None:
        """The intermediate file kept under ``key``, when it is a regular file in the cache (a link is not
        followed) and its bytes are those it was kept with."""
        if not self.enabled:
            return None
        path = self.folder / "artifacts" / kind / key
        try:
            if not path.parent.resolve().is_relative_to(self.folder.resolve()):
                return None
            descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            with os.fdopen(descriptor, "rb") as handle:
                if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                    return None
                kept = handle.read()
        except OSError:
            return None
        head, _, data = kept.partition(b"\n")
        return data if head == _ARTIFACT + digest(data).encode() else None

    def keep(self, kind: str, key: str, data: bytes) -> None:
        self._write(self.folder / "artifacts" / kind / key, _ARTIFACT + digest(data).encode() + b"\n" + data)

    def _write(self, path: Path, data: bytes) -> None:
        """Atomic, inside the cache folder only, and silent on failure (a full disk, a read-only project):
        a cache that cannot be written only costs time, and what was half written is removed."""
        if not self.writable:
            return
        temp: str | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.parent.resolve().is_relative_to(self.folder.resolve()):
                return
            fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(temp, path)
            temp = None
        except OSError:
            pass
        finally:
            if temp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temp)


def refusal(folder: Path, root: Path) -> str | None:
    """Why ``folder`` cannot be the cache (a link, a file, or outside the project), or None."""
    if folder.is_symlink():
        return f"{CACHE_DIR} is a link (to {os.readlink(folder)})"
    if folder.exists() and not folder.is_dir():
        return f"{CACHE_DIR} is not a folder"
    if not folder.resolve().is_relative_to(root.resolve()):
        return f"{CACHE_DIR} leads outside the project"
    return None


def listing(folder: Path) -> list[str]:
    """The names in a folder (none when it does not exist): a file added or removed changes it."""
    try:
        return sorted(entry.name for entry in folder.iterdir())
    except OSError:
        return []


def _json(diagnostic: Diagnostic) -> dict[str, Any]:
    where = diagnostic.location
    return {"code": diagnostic.code, "severity": diagnostic.severity.value, "message": diagnostic.message,
            "hint": diagnostic.hint,
            "location": None if where is None else [where.path, where.line, where.column]}


def _diagnostic(item: dict[str, Any]) -> Diagnostic:
    where = item["location"]
    return Diagnostic(item["code"], Severity(item["severity"]), item["message"], item["hint"],
                      None if where is None else Location(where[0], where[1], where[2]))
