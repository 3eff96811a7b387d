"""Front matter: the YAML block between two '---' lines that opens every chapter file."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from publish import rules
from publish.diagnostics import Diagnostic, Location
from publish.text.typography import typeset_fields
from publish.yamlschema import Field, Schema, iso_date, parse_yaml, read_mapping, text, value_locations

SCHEMA: Schema = {
    "title": Field("text", text, required=True, example="Chú trọng xây dựng đội ngũ cán bộ"),
    "date": Field("an ISO 8601 date", iso_date, example="2023-06-01"),
    "place": Field("text", text, example="Thành phố Lạng Sơn"),
    "byline": Field("text", text, example="TRÍ DŨNG"),
    "lead": Field("text", text),
}


@dataclass(frozen=True)
class FrontMatter:
    title: str
    date: datetime.date | None
    place: str
    byline: str
    lead: str
    lead_location: Location


@dataclass(frozen=True)
class SplitSource:
    yaml_text: str
    yaml_first_line: int
    body: str
    body_first_line: int


def split(source: str, path: str) -> tuple[SplitSource | None, list[Diagnostic]]:
    lines = source.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return None, [rules.MANUSCRIPT_FRONT_MATTER(
            "the file does not start with front matter (a line '---')", Location(path, 1),
        )]
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            return SplitSource(
                yaml_text="\n".join(lines[1:index]),
                yaml_first_line=2,
                body="\n".join(lines[index + 1 :]),
                body_first_line=index + 2,
            ), []
    return None, [rules.MANUSCRIPT_FRONT_MATTER("the front matter is never closed by a line '---'", Location(path, 1))]


def read(split_source: SplitSource, path: str, language: str) -> tuple[FrontMatter | None, list[Diagnostic]]:
    """The validated front matter, its text typeset (the lead is Markdown: the converter sets it)."""
    where = Location(path, split_source.yaml_first_line)
    node, found = parse_yaml(split_source.yaml_text, where)
    if found:
        return None, found
    values, found = read_mapping(node, SCHEMA, where)
    if found:
        return None, found
    locations = value_locations(node, where)
    notes = typeset_fields(values, ("title", "place", "byline"), locations, language)
    defaults: dict[str, Any] = {"date": None, "place": "", "byline": "", "lead": ""}
    return FrontMatter(**(defaults | values), lead_location=locations.get("lead", where)), notes
