"""The ``publish`` command: parses options, calls the library, prints diagnostics, sets the exit code.

Exit codes: 0 success; 1 the build finished but ``--strict`` found warnings; 2 command-line usage;
3 bad input (config, manuscript, resources); 4 the outputs could not be made or written;
5 a required external tool is missing; 70 an internal error (a bug in publish).
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

if TYPE_CHECKING:
    from publish.proofread import FixResult

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


PROJECT = click.argument("project", type=click.Path(file_okay=False, path_type=Path), default=".")
STRICT = click.option("--strict", is_flag=True, help="Finish, then fail (exit 1) if there were warnings.")
VERBOSE = click.option("-v", "--verbose", is_flag=True, help="Also show notices (text normalizations, timings).")


def show(diagnostics: tuple[Diagnostic, ...] | list[Diagnostic], verbose: bool) -> None:
    for diagnostic in diagnostics:
        if verbose or diagnostic.severity is not Severity.INFO:
            echo_diagnostic(diagnostic)


def summary(diagnostics: tuple[Diagnostic, ...] | list[Diagnostic], verbose: bool) -> str:
    counts = {severity: sum(1 for d in diagnostics if d.severity is severity) for severity in Severity}
    text = f"{counts[Severity.WARNING]} warning(s), {counts[Severity.INFO]} notice(s)"
    if counts[Severity.ERROR]:
        text = f"{counts[Severity.ERROR]} error(s), " + text
    if counts[Severity.INFO] and not verbose:
        text += " (see them with --verbose)"
    return text


def finish_strict(strict: bool, diagnostics: tuple[Diagnostic, ...] | list[Diagnostic], what: str) -> None:
    if strict and any(d.severity is Severity.WARNING for d in diagnostics):
        click.secho(f"--strict: warnings make this {what} fail", fg="red", err=True)
        sys.exit(EXIT_STRICT)


def internal_error(exc: Exception, debug: bool) -> NoReturn:
    """A bug: say so plainly, keep the traceback behind --debug."""
    if debug:
        traceback.print_exc()
    click.secho(f"internal error: {type(exc).__name__}: {exc}", fg="red", err=True)
    click.echo("  hint: this is a bug in publish; run again with --debug and report the output.", err=True)
    sys.exit(EXIT_INTERNAL)


@main.command()
@PROJECT
@STRICT
@VERBOSE
@click.option("--debug", is_flag=True, help="Show a traceback for internal errors.")
def build(project: Path, strict: bool, verbose: bool, debug: bool) -> None:
    """Build PROJECT (default: the current folder) into PROJECT/dist/."""
    from publish.errors import PublishError
    from publish.pipeline import build as run_build

    try:
        result = run_build(project)
    except PublishError as exc:
        show(exc.diagnostics, verbose)
        click.secho(f"build failed; dist/ was left as it was (exit {exc.exit_code})", fg="red", err=True)
        sys.exit(exc.exit_code)
    except Exception as exc:
        internal_error(exc, debug)
    show(result.diagnostics, verbose)
    for path in result.outputs:
        click.echo(f"wrote {path} ({path.stat().st_size / 1024:.0f} KiB)")
    if verbose:
        click.echo(" ".join(f"{name} {seconds:.2f}s" for name, seconds in result.timings.items()))
    click.echo(summary(result.diagnostics, verbose))
    finish_strict(strict, result.diagnostics, "build")


@main.command()
@PROJECT
@STRICT
@VERBOSE
@click.option("--fix", "apply_fixes", is_flag=True, help="Run 'publish fix' first, then lint the fixed files.")
@click.option("--list-rules", is_flag=True, help="Print the catalogue of diagnostic codes and exit.")
@click.option("--debug", is_flag=True, help="Show a traceback for internal errors.")
def lint(project: Path, strict: bool, verbose: bool, apply_fixes: bool, list_rules: bool, debug: bool) -> None:
    """Check PROJECT's text, figures and font coverage without building (exit 3 on errors)."""
    from publish.errors import InputError
    from publish.proofread import fix as run_fix
    from publish.proofread import lint as run_lint
    from publish.rules import CATALOGUE

    if list_rules:
        for rule in CATALOGUE.values():
            click.echo(f"{rule.code}  {rule.severity.value:<7}  {rule.title}")
            if verbose and rule.hint:
                click.echo(f"                   {rule.hint}")
        return
    try:
        if apply_fixes:
            report_fixes(run_fix(project), verbose, dry_run=False)
        found = run_lint(project)
    except Exception as exc:
        internal_error(exc, debug)
    show(found, verbose)
    click.echo(summary(found, verbose))
    if any(d.severity is Severity.ERROR for d in found):
        sys.exit(InputError.exit_code)
    finish_strict(strict, found, "lint")


@main.command()
@PROJECT
@VERBOSE
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@click.option("--debug", is_flag=True, help="Show a traceback for internal errors.")
def fix(project: Path, verbose: bool, dry_run: bool, debug: bool) -> None:
    """Rewrite PROJECT's sources with their text fixed: legacy encodings (TCVN3, VNI, VISCII) to Unicode,
    NFC, look-alike Đ, stray no-break spaces, and the tone-mark style set in publish.yaml."""
    from publish.proofread import fix as run_fix

    try:
        result = run_fix(project, dry_run=dry_run)
    except Exception as exc:
        internal_error(exc, debug)
    report_fixes(result, verbose, dry_run)


def report_fixes(result: FixResult, verbose: bool, dry_run: bool) -> None:
    for change in result.changes:
        label = f"{change.severity.value}[{change.code}]"
        click.echo(change.format().partition("\n")[0].replace(label, f"fixed[{change.code}]"))
    left = result.left
    show(left, verbose)
    verb = "would rewrite" if dry_run else "rewrote"
    files = ", ".join(result.changed) if result.changed else "nothing to change"
    click.echo(f"{verb} {len(result.changed)} file(s): {files}; {len(result.changes)} change(s), "
               f"{len(left)} finding(s) left to fix by hand")
