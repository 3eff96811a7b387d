"""Errors that stop a build, each with the exit code the command line returns for it.

    PublishError                 exit 1  (base; never raised directly)
    ├── InputError               exit 3  the project is wrong: fix the input
    │   ├── ConfigError                  publish.yaml is missing, broken or invalid
    │   ├── ManuscriptError              a chapter file cannot be read or parsed
    │   └── ResourceError                an image, stylesheet or font is missing or outside the project
    ├── OutputError              exit 4  the files could not be made as promised
    │   ├── RenderError                  WeasyPrint or EbookLib failed, or a fallback font appeared
    │   └── WriteError                   dist/ could not be written
    └── ToolMissingError         exit 5  an external tool (Java, EPUBCheck) is not installed

Every error carries the diagnostics that explain it; the CLI prints them and exits with ``exit_code``.
Exit code 2 is click's for command-line usage errors.
"""

from __future__ import annotations

from collections.abc import Sequence

from publish.diagnostics import Diagnostic


class PublishError(Exception):
    exit_code = 1

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        if not diagnostics:
            raise ValueError("a PublishError needs at least one diagnostic")
        self.diagnostics = tuple(diagnostics)
        super().__init__("\n".join(d.format() for d in self.diagnostics))


class InputError(PublishError):
    exit_code = 3


class ConfigError(InputError):
    pass


class ManuscriptError(InputError):
    pass


class ResourceError(InputError):
    pass


class OutputError(PublishError):
    exit_code = 4


class RenderError(OutputError):
    pass


class WriteError(OutputError):
    pass


class ToolMissingError(PublishError):
    exit_code = 5
