"""A project folder and the one way to reach files from it.

One containment rule for every file the build reads: its real path (symbolic links followed) is inside
the project, or it is one of publish's own defaults. A file a manuscript or stylesheet names goes through
:meth:`Project.resolve` (only relative paths that stay inside are accepted); the files the build finds by
itself (publish.yaml, the chapters, stylesheets, fonts) are checked by :meth:`Project.check_links`
before any of them is read, and again where each is opened (:meth:`Project.inside`). So a manuscript
cannot make the build read ``/etc/passwd``, through a link or a path, or reach the network.
"""

from __future__ import annotations

import os
import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from publish import rules
from publish.diagnostics import Diagnostic, Location
from publish.errors import ResourceError
from publish.resources import defaults_dir

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
# The stylesheets of a book together (publish's own are 11 KB): every sheet is parsed and applied several
# times per build, about 20 s of CPU a megabyte; 256 KB keeps the worst build under ten seconds.
SHEET_LIMIT = 256_000  # bytes


@dataclass(frozen=True)
class Project:
    root: Path

    @classmethod
    def at(cls, path: Path | str) -> Project:
        return cls(Path(path).resolve())

    @property
    def manuscript_dir(self) -> Path:
        return self.root / "manuscript"

    @property
    def dist_dir(self) -> Path:
        return self.root / "dist"

    @property
    def fonts_dir(self) -> Path:
        """The project's ``fonts/`` when it holds fonts (they replace the defaults), else the defaults."""
        own = self.root / "fonts"
        if own.is_dir() and any(_is_font(p) for p in own.iterdir()):
            return own
        return defaults_dir("fonts")

    @property
    def styles_dir(self) -> Path:
        """Where relative URLs in stylesheets are resolved: the project's ``styles/`` when it exists."""
        own = self.root / "styles"
        return own if own.is_dir() else defaults_dir("styles")

    def stylesheet(self, name: str) -> Path | None:
        """``styles/NAME`` from the project when it has one (it replaces the default sheet), else the default."""
        own = self.root / "styles" / name
        if own.is_symlink() or own.exists():
            self.inside(own)
            if own.is_file():
                return own
        default = defaults_dir("styles") / name
        return default if default.is_file() else None

    def stylesheets(self, names: tuple[str, ...]) -> str:
        """The named sheets, each from the project or else the defaults, in cascade order."""
        parts = []
        for name in names:
            path = self.stylesheet(name)
            if path is not None:
                parts.append(f"/* {name} */\n" + self.read_sheet(path))
        return "\n".join(parts)

    def read_sheet(self, path: Path) -> str:
        """A stylesheet's text; ResourceError when it is too big (R006) or not UTF-8 (R007)."""
        where = Location(self.name(path))
        with path.open("rb") as handle:
            data = handle.read(SHEET_LIMIT + 1)
        if len(data) > SHEET_LIMIT:
            raise ResourceError([rules.RESOURCE_TOO_LARGE(
                f"{where.path} is larger than {SHEET_LIMIT // 1000} KB; a book's stylesheets are a few "
                "kilobytes, and a bigger one would take minutes to apply", where)])
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
            raise ResourceError([rules.RESOURCE_BAD_STYLESHEET(
                f"{where.path} is not UTF-8 (byte 0x{data[exc.start]:02X})", where.at_line(line, column),
            )]) from exc

    def name(self, path: Path) -> str:
        """How a diagnostic names ``path``: as found in the project (a link by its own name), else whole."""
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return self.relative(path)

    def inside(self, path: Path) -> Path:
        """``path`` (found in the project), once its real path is known to be inside the project too."""
        try:
            real = path.resolve()
        except (OSError, RuntimeError) as exc:  # a loop of links
            raise ResourceError([rules.RESOURCE_OUTSIDE(
                f"'{self.name(path)}' is a link that leads nowhere ({exc})", Location(self.name(path)),
                hint="Replace the link by the file itself.")]) from exc
        if not self.contains(real):
            raise ResourceError([rules.RESOURCE_OUTSIDE(
                f"'{self.name(path)}' is a link to {real}, outside the project", Location(self.name(path)),
                hint="Replace the link by a copy of the file (links are followed only inside the project).")])
        return path

    def check_links(self) -> None:
        """Every link among the files the build finds by itself (publish.yaml, and what is in manuscript/,
        styles/ and fonts/) leads inside the project; a ResourceError lists those that do not."""
        found: list[Diagnostic] = []
        for path in self._found_files():
            if path.is_symlink():
                try:
                    self.inside(path)
                except ResourceError as exc:
                    found += exc.diagnostics
        if found:
            raise ResourceError(found)

    def _found_files(self) -> list[Path]:
        found = [self.root / "publish.yaml"]
        for top in ("manuscript", "styles", "fonts"):
            folder = self.root / top
            found.append(folder)
            if folder.is_dir() and not folder.is_symlink():
                for parent, folders, files in os.walk(folder):
                    found += [Path(parent) / name for name in sorted(folders + files)]
        return found

    def relative(self, path: Path) -> str:
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def contains(self, path: Path) -> bool:
        try:
            path.resolve().relative_to(self.root)
        except ValueError:
            return False
        return True

    def resolve(self, reference: str, base: Path, where: Location) -> Path:
        """The file that ``reference`` (as written in ``base``) names, or a ResourceError saying why not."""
        ref = urllib.parse.unquote(reference.strip())
        if not ref:
            raise ResourceError([rules.RESOURCE_MISSING("empty path", where)])
        if _SCHEME.match(ref) or ref.startswith(("/", "\\", "//")) or Path(ref).is_absolute():
            raise ResourceError([rules.RESOURCE_OUTSIDE(
                f"'{reference}' is not a relative path inside the project", where,
            )])
        target = (base.parent / ref).resolve()
        if not self.contains(target):
            raise ResourceError([rules.RESOURCE_OUTSIDE(f"'{reference}' leads outside the project", where)])
        if not target.is_file():
            raise ResourceError([rules.RESOURCE_MISSING(
                f"'{reference}' not found (looked for {self.relative(target)})", where,
            )])
        return target


def _is_font(path: Path) -> bool:
    return path.suffix.lower() in {".ttf", ".otf"}
