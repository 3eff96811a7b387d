"""The ``publish`` command: parses options, calls the library, prints diagnostics, sets the exit code.

Exit codes: 0 success; 1 the build finished but ``--strict`` found warnings; 2 command-line usage;
3 bad input (config, manuscript, resources); 4 the outputs could not be made or written;
5 a required external tool is missing; 70 an internal error (a bug in publish).
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import click

from publish.diagnostics import Diagnostic, Severity
from publish.version import VERSION

EXIT_STRICT = 1
EXIT_INTERNAL = 70

_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def echo_diagnostic(diagnostic: Diagnostic) -> None:
    text = diagnostic.format()
    head, _, rest = text.partition("\n")
    click.secho(head, fg=_COLOURS[diagnostic.severity], err=True)
    if rest:
        click.echo(rest, err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(VERSION, prog_name="publish")
def main() -> None:
    """Vietnamese-first publishing: Markdown manuscripts to EPUB 3 and print-ready PDF."""


@main.command()
@click.argument("project", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option("--strict", is_flag=True, help="Finish the build, then fail (exit 1) if there were warnings.")
@click.option("-v", "--verbose", is_flag=True, help="Also show notices (text normalizations, timings).")
@click.option("--debug", is_flag=True, help="Show a traceback for internal errors.")
def build(project: Path, strict: bool, verbose: bool, debug: bool) -> None:
    """Build PROJECT (default: the current folder) into PROJECT/dist/."""
    from publish.errors import PublishError
    from publish.pipeline import build as run_build

    try:
        result = run_build(project)
    except PublishError as exc:
        for diagnostic in exc.diagnostics:
            if verbose or diagnostic.severity is not Severity.INFO:
                echo_diagnostic(diagnostic)
        click.secho(f"build failed; dist/ was left as it was (exit {exc.exit_code})", fg="red", err=True)
        sys.exit(exc.exit_code)
    except Exception as exc:  # a bug: say so plainly, keep the traceback behind --debug
        if debug:
            traceback.print_exc()
        click.secho(f"internal error: {type(exc).__name__}: {exc}", fg="red", err=True)
        click.echo("  hint: this is a bug in publish; run again with --debug and report the output.", err=True)
        sys.exit(EXIT_INTERNAL)
    shown = [d for d in result.diagnostics if verbose or d.severity is not Severity.INFO]
    for diagnostic in shown:
        echo_diagnostic(diagnostic)
    notices = sum(1 for d in result.diagnostics if d.severity is Severity.INFO)
    for path in result.outputs:
        click.echo(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
    if verbose:
        click.echo(" ".join(f"{name} {seconds:.2f}s" for name, seconds in result.timings.items()))
    summary = f"{len(result.warnings)} warning(s), {notices} notice(s)"
    if notices and not verbose:
        summary += " (see them with --verbose)"
    click.echo(summary)
    if strict and result.warnings:
        click.secho("--strict: warnings make this build fail", fg="red", err=True)
        sys.exit(EXIT_STRICT)
