"""The build cache, in ``<project>/.publish-cache/``: safe to delete, never shared between projects.

Two things live there. ``manifest.json`` records what the last build read (every file, by SHA-256,
and the listings of the folders it looked through), what it was asked, which code did it, what it
made and what it reported: when nothing of that changed and the outputs are still the files it made,
a build is answered from the manifest without rendering anything. ``artifacts/`` keeps intermediate
files by the hash of what they are made from (CMYK photos, the generated cover), so that a build after
a change re-does only what depends on it.

This module imports nothing heavy: the command line consults it before loading the pipeline.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from publish.diagnostics import Diagnostic, Location, Severity, warnings
from publish.version import VERSION

CACHE_DIR = ".publish-cache"
_CODE: list[str] = []


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_digest(path: Path) -> str | None:
    try:
        return digest(path.read_bytes())
    except OSError:
        return None


def code_fingerprint() -> str:
    """The tool's own code, templates and profiles: a change to any of them invalidates every cache."""
    if not _CODE:
        package = Path(__file__).resolve().parent
        hasher = hashlib.sha256(VERSION.encode())
        for path in sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            hasher.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
        _CODE.append(hasher.hexdigest())
    return _CODE[0]


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
        self.enabled = enabled

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
                if file_digest(self.root / relative) != expected:
                    return None
            for relative, names in manifest["listings"].items():
                if listing(self.root / relative) != names:
                    return None
            for relative, expected in manifest["made"].items():
                if file_digest(self.root / relative) != expected:
                    return None
            diagnostics = tuple(_diagnostic(item) for item in manifest["diagnostics"])
            return BuildResult(tuple(self.root / relative for relative in manifest["made"]), diagnostics, cached=True)
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

    def _name(self, path: Path) -> str:
        """Paths inside the project are recorded relative to it; the tool's own files absolutely."""
        resolved = path.resolve()
        try:
            return resolved.relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(resolved)

    # Intermediate files ------------------------------------------------------------------------------

    def artifact(self, kind: str, key: str) -> bytes | None:
        if not self.enabled:
            return None
        try:
            return (self.folder / "artifacts" / kind / key).read_bytes()
        except OSError:
            return None

    def keep(self, kind: str, key: str, data: bytes) -> None:
        self._write(self.folder / "artifacts" / kind / key, data)

    def _write(self, path: Path, data: bytes) -> None:
        """Atomic, and silent on failure: a cache that cannot be written only costs time."""
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(temp, path)


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
