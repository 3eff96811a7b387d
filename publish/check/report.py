"""The result of ``publish check``: one :class:`CheckResult` per check and file, and its three forms.

Text is for people (the CLI colours it), JSON for programs (schema ``docs/check-report.schema.json``,
versioned by ``SCHEMA``), JUnit XML for CI systems (one test case per check).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from publish.diagnostics import Diagnostic, Severity
from publish.version import VERSION

SCHEMA = "https://publish.invalid/schemas/check-report/1"


class Status(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class CheckResult:
    name: str  # epubcheck, epub-structure, epub-accessibility, epub-css, ace, pdf-preflight, parity
    target: str  # the file (or files) checked, as given
    diagnostics: tuple[Diagnostic, ...]
    seconds: float
    summary: str = ""
    skipped: bool = False

    @property
    def status(self) -> Status:
        if any(d.severity is Severity.ERROR for d in self.diagnostics):
            return Status.FAILED
        return Status.SKIPPED if self.skipped else Status.PASSED

    def count(self, severity: Severity) -> int:
        return sum(1 for d in self.diagnostics if d.severity is severity)


@dataclass(frozen=True)
class Report:
    results: tuple[CheckResult, ...]

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return [d for result in self.results for d in result.diagnostics]

    def count(self, severity: Severity) -> int:
        return sum(result.count(severity) for result in self.results)

    def passed(self, strict: bool = False) -> bool:
        return self.count(Severity.ERROR) == 0 and not (strict and self.count(Severity.WARNING))

    def to_json(self, strict: bool = False) -> str:
        data = {
            "$schema": SCHEMA,
            "tool": {"name": "publish", "version": VERSION},
            "status": "passed" if self.passed(strict) else "failed",
            "strict": strict,
            "counts": {severity.value: self.count(severity) for severity in Severity},
            "checks": [
                {
                    "name": result.name,
                    "target": result.target,
                    "status": result.status.value,
                    "summary": result.summary,
                    "seconds": round(result.seconds, 3),
                    "diagnostics": [diagnostic_json(d) for d in result.diagnostics],
                }
                for result in self.results
            ],
        }
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"

    def to_junit(self) -> str:
        suites = ET.Element("testsuites", name="publish check")
        suite = ET.SubElement(suites, "testsuite", {
            "name": "publish check",
            "tests": str(len(self.results)),
            "failures": str(sum(1 for r in self.results if r.status is Status.FAILED)),
            "errors": "0",
            "skipped": str(sum(1 for r in self.results if r.status is Status.SKIPPED)),
            "time": f"{sum(r.seconds for r in self.results):.3f}",
        })
        for result in self.results:
            case = ET.SubElement(suite, "testcase", {
                "classname": f"publish.check.{result.target}", "name": result.name, "time": f"{result.seconds:.3f}",
            })
            errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
            if errors:
                failure = ET.SubElement(case, "failure", {
                    "message": f"{len(errors)} error(s): {errors[0].code} {errors[0].message}"[:500],
                    "type": errors[0].code,
                })
                failure.text = "\n".join(d.format() for d in errors)
            elif result.skipped:
                ET.SubElement(case, "skipped", message=result.summary)
            others = [d for d in result.diagnostics if d.severity is not Severity.ERROR]
            if others or result.summary:
                out = ET.SubElement(case, "system-out")
                out.text = "\n".join([result.summary, *(d.format() for d in others)]).strip()
        ET.indent(suites)
        return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def diagnostic_json(diagnostic: Diagnostic) -> dict[str, Any]:
    where = diagnostic.location
    return {
        "code": diagnostic.code,
        "severity": diagnostic.severity.value,
        "message": diagnostic.message,
        "hint": diagnostic.hint,
        "location": None if where is None else {"path": where.path, "line": where.line, "column": where.column},
    }
