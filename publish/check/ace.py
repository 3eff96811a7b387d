"""Ace by DAISY, the EPUB accessibility checker, when it is installed: its violations as diagnostics.

Ace is a Node.js program that drives a Chromium. Install it with npm and point it at a system Chromium:

    PUPPETEER_SKIP_DOWNLOAD=1 npm install -g @daisy/ace-cli
    export PUPPETEER_EXECUTABLE_PATH=/usr/bin/chromium     # Debian: apt-get install chromium

Its ``report.json`` (EARL) lists, per document, the failed assertions; critical and serious impacts
become errors (X010), moderate and minor ones warnings (X011).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from publish import rules
from publish.diagnostics import Diagnostic, Location
from publish.errors import ToolMissingError
from publish.process import run

INSTALL = ("PUPPETEER_SKIP_DOWNLOAD=1 npm install -g @daisy/ace-cli, install Chromium (Debian: apt-get install "
           "chromium) and set PUPPETEER_EXECUTABLE_PATH=/usr/bin/chromium")
_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_ace(environ: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """The Ace command and the environment to run it with; ToolMissingError when either part is missing."""
    path = environ.get("PATH", os.defpath)
    program = next((found for name in ("ace-cli", "ace") if (found := shutil.which(name, path=path))), None)
    env = dict(environ)
    browser = env.get("PUPPETEER_EXECUTABLE_PATH") or next(
        (found for name in _BROWSERS if (found := shutil.which(name, path=path))), None)
    if program is None or browser is None:
        missing = "Ace (ace-cli)" if program is None else "a Chromium for Ace"
        raise ToolMissingError([rules.TOOL_MISSING(f"{missing} is not installed", Location("ace"), hint=INSTALL)])
    env["PUPPETEER_EXECUTABLE_PATH"] = browser
    return program, env


def ace(epub_path: Path, environ: Mapping[str, str]) -> tuple[list[Diagnostic], str]:
    program, env = find_ace(environ)
    with tempfile.TemporaryDirectory(prefix="publish-ace-") as folder:
        out = Path(folder) / "report"
        done = run([program, "--silent", "--force", "--outdir", str(out), str(epub_path)], timeout=600, environ=env)
        report_path = out / "report.json"
        if not report_path.is_file():
            detail = (done.stderr or done.stdout).strip().splitlines()
            return [rules.ACE_SERIOUS(f"Ace did not produce a report (exit {done.returncode}): "
                                      f"{detail[-1] if detail else ''}", Location(epub_path.name))], "Ace failed to run"
        try:
            report = json.loads(report_path.read_text(encoding="utf-8"))
        except (ValueError, OSError) as exc:
            return [rules.ACE_SERIOUS(f"Ace's report cannot be read: {exc}", Location(epub_path.name))], \
                "Ace failed to run"
    return read_report(report, epub_path.name)


def read_report(report: dict[str, Any], label: str) -> tuple[list[Diagnostic], str]:
    found = []
    for document in report.get("assertions", []):
        url = str(document.get("earl:testSubject", {}).get("url", "")).lstrip("/")
        for violation in document.get("assertions", []):
            test = violation.get("earl:test", {})
            result = violation.get("earl:result", {})
            impact = str(test.get("earl:impact", "serious"))
            rule = rules.ACE_SERIOUS if impact in ("critical", "serious") else rules.ACE_MINOR
            css = ", ".join(result.get("earl:pointer", {}).get("css", []))
            help_url = str(test.get("help", {}).get("url", ""))
            message = f"{test.get('dct:title', '?')} ({impact}): {test.get('dct:description', '')}"
            if css:
                message += f" at {css}"
            found.append(rule(message, Location(f"{label}/{url}" if url else label),
                              hint=f"See {help_url}" if help_url else rule.hint))
    version = report.get("earl:assertedBy", {}).get("doap:release", {}).get("doap:revision", "?")
    outcome = report.get("earl:result", {}).get("earl:outcome", "?")
    return found, f"Ace {version}: {outcome}, {len(found)} violation(s)"
