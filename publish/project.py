"""A project folder and the one way to reach files from it.

Every file the build reads because a manuscript or stylesheet names it goes through
:meth:`Project.resolve`: only relative paths that stay inside the project (after following symlinks)
are accepted, so a manuscript cannot make the build read ``/etc/passwd`` or reach the network.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from publish import rules
from publish.diagnostics import Location
from publish.errors import ResourceError
from publish.resources import defaults_dir

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


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
        for folder in (self.root / "styles", defaults_dir("styles")):
            if (folder / name).is_file():
                return folder / name
        return None

    def stylesheets(self, names: tuple[str, ...]) -> str:
        """The named sheets, each from the project or else the defaults, in cascade order."""
        parts = []
        for name in names:
            path = self.stylesheet(name)
            if path is not None:
                parts.append(f"/* {name} */\n" + path.read_text(encoding="utf-8"))
        return "\n".join(parts)

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
