"""The ``publish`` command: parses options, calls the library, prints diagnostics, sets the exit code.

Exit codes: 0 success; 1 the build finished but ``--strict`` found warnings; 2 command-line usage;
3 bad input (config, manuscript, resources); 4 the outputs could not be made or written;
5 a required external tool is missing; 70 an internal error (a bug in publish); 128 + the signal's number
when SIGTERM (143) or SIGINT (130) stopped it.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

if TYPE_CHECKING:
    from publish.cache import BuildResult
    from publish.check.report import Report
    from publish.proofread import FixResult

from publish.diagnostics import Diagnostic, Severity
from publish.version import VERSION

EXIT_STRICT = 1
EXIT_TOOL_MISSING = 5
EXIT_INTERNAL = 70

_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


def echo_diagnostic(diagnostic: Diagnostic) -> None:
    text = diagnostic.format()
    head, _, rest = text.partition("\n")
    click.secho(head, fg=_COLOURS[diagnostic.severity], err=True)
    if rest:
        click.echo(rest, err=True)


def run() -> NoReturn:
    """The ``publish`` command as installed: :func:`main`, then the process ends without Python's
    teardown, which collects every object left. After a book's layout those are hundreds of thousands
    of objects in reference cycles: 0.1 s after the sample and 0.2-0.4 s after 600 pages, spent when
    every file is written and closed. The exit handlers still run (logging, workers' clean-up), and
    the standard streams are flushed.

    The command runs with a temporary folder of its own (:func:`publish.lock.temporary_folder`: those
    that killed commands left are removed first) and stops cleanly on SIGTERM or SIGINT
    (:mod:`publish.stopping`)."""
    from publish import lock, stopping

    with stopping.stoppable(), lock.temporary_folder():
        code = exit_code(main)
        stopping.finishing()
        atexit._run_exitfuncs()  # (workers still running are stopped before their folder goes)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe ('publish lint | head')
            stream.flush()
    os._exit(code)


def exit_code(command: Callable[[], object]) -> int:
    """Run ``command`` as the process's whole work, and the exit code it ends with."""
    from publish.stopping import Stopped

    try:
        command()
    except Stopped as exc:
        if not exc.reported:
            click.secho(f"stopped by {exc.name}", fg="red", err=True)
        return 128 + exc.signum
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        print(exc.code, file=sys.stderr)  # as Python does with a message
        return 1
    return 0


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(VERSION, prog_name="publish")
def main() -> None:
    """Vietnamese-first publishing: Markdown manuscripts to EPUB 3 and print-ready PDF."""
    # A layout makes millions of small objects that live until the PDF is written; with Python's
    # default threshold (700) the collector scans them over and over. Paired runs of the 611-page
    # benchmark book: 12.4 s with the default, 11.1 s with this, the same peak memory.
    gc.set_threshold(50_000, 20, 100)


PROJECT = click.argument("project", type=click.Path(file_okay=False, path_type=Path), default=".")
STRICT = click.option("--strict", is_flag=True, help="Finish, then fail (exit 1) if there were warnings.")
VERBOSE = click.option("-v", "--verbose", is_flag=True, help="Also show notices (text normalizations, timings).")


def cached_build(project: Path, outputs: tuple[str, ...] | None) -> BuildResult | None:
    """The previous build's result when nothing changed, found without loading the pipeline (under the
    project's lock, as a build: what a killed build left is removed, a dist/ leading outside refused)."""
    import os

    from publish.cache import Cache, Request
    from publish.lock import project_lock
    from publish.output.files import clean_leftovers, dist_folder

    root = project.resolve()
    folder = dist_folder(root)
    with project_lock(root):
        clean_leftovers(folder)
        return Cache(root).lookup(Request.of(outputs, os.environ))


class Progress:
    """What a long build is doing, on one terminal line that is rewritten; silent when stderr is not a
    terminal, and until the build has taken a second."""

    def __init__(self, delay: float = 1.0) -> None:
        import time

        self.clock = time.monotonic
        self.start = self.clock()
        self.delay = delay
        self.live = sys.stderr.isatty()
        self.shown = False

    def __call__(self, message: str) -> None:
        if self.live and self.clock() - self.start >= self.delay:
            click.echo(f"\r\033[K{message}…", nl=False, err=True)
            self.shown = True

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.shown:
            click.echo("\r\033[K", nl=False, err=True)


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
@click.option("--outputs", "outputs", default=None, metavar="LIST",
              help="Which files to make, overriding publish.yaml: a comma-separated list of epub, print, screen.")
@click.option("--force", is_flag=True, help="Rebuild everything, even when nothing changed (ignores the cache).")
@click.option("--check", "then_check", is_flag=True, help="Then run 'publish check' on the files built.")
@click.option("--debug", is_flag=True, help="Show a traceback for internal errors.")
def build(project: Path, strict: bool, verbose: bool, outputs: str | None, force: bool, then_check: bool,
          debug: bool) -> None:
    """Build PROJECT (default: the current folder) into PROJECT/dist/."""
    from publish.config import outputs_list
    from publish.errors import PublishError
    from publish.stopping import Stopped

    try:
        chosen = outputs_list(outputs) if outputs is not None else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--outputs") from None
    try:
        result = cached_build(project, chosen) if not force else None
        if result is None:
            from publish.pipeline import build as run_build

            with Progress() as progress:
                result = run_build(project, outputs=chosen, force=force, progress=progress)
    except PublishError as exc:
        show(exc.diagnostics, verbose)
        click.secho(f"build failed; dist/ was left as it was (exit {exc.exit_code})", fg="red", err=True)
        sys.exit(exc.exit_code)
    except Stopped as exc:
        click.secho(f"build stopped by {exc.name}; {exc.outcome or 'dist/ was left as it was'} "
                    f"(exit {exc.code})", fg="red", err=True)
        exc.reported = True
        raise
    except Exception as exc:
        internal_error(exc, debug)
    show(result.diagnostics, verbose)
    for path in result.outputs:
        verb = "up to date:" if result.cached else "wrote"
        click.echo(f"{verb} {path} ({path.stat().st_size / 1024:.0f} KiB)")
    if verbose:
        click.echo(" ".join(f"{name} {seconds:.2f}s" for name, seconds in result.timings.items()))
    click.echo(summary(result.diagnostics, verbose))
    if then_check:
        run_checks(list(result.outputs), project, (), "text", None, strict, verbose, debug)
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
    from publish.errors import PublishError
    from publish.proofread import fix as run_fix

    try:
        result = run_fix(project, dry_run=dry_run)
    except PublishError as exc:
        for diagnostic in exc.diagnostics:
            echo_diagnostic(diagnostic)
        click.secho(f"nothing was rewritten (exit {exc.exit_code})", fg="red", err=True)
        sys.exit(exc.exit_code)
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
    files = ", ".join(result.changed[:5]) if result.changed else "nothing to change"
    if len(result.changed) > 5:
        files += f" and {len(result.changed) - 5} more"
    click.echo(f"{verb} {len(result.changed)} file(s): {files}; {len(result.changes)} change(s), "
               f"{len(left)} finding(s) left to fix by hand")


@main.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--project", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The project whose dist/ to check, and whose publish.yaml and fonts the files must match "
                   "(default: the current folder when no FILES are given).")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "junit"]), default="text",
              show_default=True, help="How to write the report.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the report to this file (the text summary still goes to the terminal).")
@click.option("--require", multiple=True, type=click.Choice(["ace"]),
              help="An optional checker that must run: if it is not installed, fail with exit 5.")
@STRICT
@VERBOSE
@click.option("--debug", is_flag=True, help="Show a traceback for internal errors.")
def check(files: tuple[Path, ...], project: Path | None, output_format: str, output: Path | None,
          require: tuple[str, ...], strict: bool, verbose: bool, debug: bool) -> None:
    """Check built EPUB and PDF files (default: the project's dist/) for shipping.

    EPUBCheck, accessibility, CSS and Ace (when installed) for EPUBs; preflight for PDFs; and parity
    between an EPUB and a PDF of the same name. Exit 0 when fit to ship, 1 on errors (or warnings with
    --strict), 3 when there is nothing to check, 5 when a required tool is missing.
    """
    run_checks(list(files), project, require, output_format, output, strict, verbose, debug)


def run_checks(files: list[Path], project: Path | None, require: tuple[str, ...], output_format: str,
               output: Path | None, strict: bool, verbose: bool, debug: bool) -> None:
    from publish.check import check as run_check
    from publish.check import tool_missing
    from publish.errors import PublishError

    try:
        report = run_check(files, project, require)
    except PublishError as exc:
        show(exc.diagnostics, verbose)
        sys.exit(exc.exit_code)
    except Exception as exc:
        internal_error(exc, debug)
    if output_format == "text" or output is not None:
        echo_report(report, verbose)
    if output_format != "text":
        text = report.to_json(strict) if output_format == "json" else report.to_junit()
        if output is None:
            click.echo(text, nl=False)
        else:
            output.write_text(text, encoding="utf-8")
            click.echo(f"wrote the {output_format} report to {output}", err=True)
    if tool_missing(report):
        click.secho("a checker could not run: see the hint above to install it", fg="red", err=True)
        sys.exit(EXIT_TOOL_MISSING)
    if not report.passed(strict):
        sys.exit(EXIT_STRICT)


_STATUS = {"passed": ("PASS", "green"), "failed": ("FAIL", "red"), "skipped": ("SKIP", "yellow")}


def echo_report(report: Report, verbose: bool) -> None:
    """The human report, on standard error so that JSON or JUnit on standard output stays clean."""
    for result in report.results:
        label, colour = _STATUS[result.status.value]
        click.secho(f"{label} {result.name:<19} {result.target}", fg=colour, err=True, nl=False)
        click.echo(f"  {result.summary} ({result.seconds:.1f} s)", err=True)
        # a skipped check says why (and how to install its tool) even without --verbose
        show([d for d in result.diagnostics if d.code != "Q001"], verbose or result.skipped)
    errors = report.count(Severity.ERROR)
    verdict = "fit to ship" if errors == 0 else "not fit to ship"
    click.secho(f"{len(report.results)} check(s): {errors} error(s), {report.count(Severity.WARNING)} warning(s) "
                f"— {verdict}", fg="green" if errors == 0 else "red", err=True)
