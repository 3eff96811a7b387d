"""publish: a Vietnamese-first publishing toolchain.

Markdown articles, YAML metadata and photos in; an EPUB 3 and a print-ready PDF out, with
Vietnamese-capable fonts embedded and every change to the text reported.

    >>> import publish
    >>> result = publish.build("path/to/project")   # doctest: +SKIP
    >>> [str(p) for p in result.outputs]             # doctest: +SKIP
"""

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
from publish.pipeline import BuildResult, build
from publish.proofread import FixResult, fix, lint
from publish.version import VERSION as __version__

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
    "fix",
    "lint",
]
