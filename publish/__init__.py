"""publish: a Vietnamese-first publishing toolchain.

Markdown articles, YAML metadata and photos in; an EPUB 3, a press PDF and a screen PDF out, with
Vietnamese-capable fonts embedded and every change to the text reported.

    >>> import publish
    >>> result = publish.build("path/to/project")   # doctest: +SKIP
    >>> [str(p) for p in result.outputs]             # doctest: +SKIP

The names below are imported on first use, so that ``publish --help`` does not load WeasyPrint.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from publish.version import VERSION as __version__

_WHERE = {
    "Diagnostic": "publish.diagnostics", "Location": "publish.diagnostics", "Severity": "publish.diagnostics",
    "ConfigError": "publish.errors", "InputError": "publish.errors", "ManuscriptError": "publish.errors",
    "OutputError": "publish.errors", "PublishError": "publish.errors", "RenderError": "publish.errors",
    "ResourceError": "publish.errors", "ToolMissingError": "publish.errors", "WriteError": "publish.errors",
    "BuildResult": "publish.cache", "build": "publish.pipeline",
    "FixResult": "publish.proofread", "fix": "publish.proofread", "lint": "publish.proofread",
    "check": "publish.check",
}

if TYPE_CHECKING:
    from publish.cache import BuildResult
    from publish.check import check
    from publish.diagnostics import Diagnostic, Location, Severity
    from publish.errors import (
        ConfigError,
        InputError,
        ManuscriptError,
        OutputError,
        PublishError,
        RenderError,
        ResourceError,
        ToolMissingError,
        WriteError,
    )
    from publish.pipeline import build
    from publish.proofread import FixResult, fix, lint

__all__ = [
    "BuildResult",
    "ConfigError",
    "Diagnostic",
    "FixResult",
    "InputError",
    "Location",
    "ManuscriptError",
    "OutputError",
    "PublishError",
    "RenderError",
    "ResourceError",
    "Severity",
    "ToolMissingError",
    "WriteError",
    "__version__",
    "build",
    "check",
    "fix",
    "lint",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'publish' has no attribute {name!r}")
