"""YAML mappings validated against a declared schema, with every finding pointing at its line.

Both ``publish.yaml`` and the front matter of each chapter go through :func:`read_mapping`: the
schema is declared once as a dict of :class:`Field`, all problems are collected (not just the first),
and each diagnostic names the key, the expected form and what was received.
"""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from publish import rules
from publish.diagnostics import Diagnostic, Location


@dataclass(frozen=True)
class Field:
    """One key of a schema: ``convert`` turns the YAML value into ours or raises ValueError."""

    expected: str
    convert: Callable[[Any], Any]
    required: bool = False
    example: str = ""


@dataclass(frozen=True)
class Section:
    """A nested mapping (such as ``print:``)."""

    fields: Mapping[str, Field]


Schema = Mapping[str, "Field | Section"]


def parse_yaml(text: str, where: Location) -> tuple[yaml.Node | None, list[Diagnostic]]:
    """Compose YAML text into a node tree; ``where.line`` is the file line of the text's first line."""
    first = where.line or 1
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader), []
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = where.at_line(first + mark.line, mark.column + 1) if mark else where
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        return None, [rules.YAML_SYNTAX(f"YAML syntax error: {what}", loc)]
    except yaml.YAMLError as exc:
        return None, [rules.YAML_SYNTAX(f"YAML syntax error: {exc}", where)]


def read_mapping(
    node: yaml.Node | None, schema: Schema, where: Location, prefix: str = ""
) -> tuple[dict[str, Any], list[Diagnostic]]:
    """Validate a composed mapping against ``schema``; returns the converted values and the findings."""
    first = where.line or 1
    values: dict[str, Any] = {}
    found: list[Diagnostic] = []
    if node is None or (isinstance(node, yaml.ScalarNode) and node.value == ""):
        node = yaml.MappingNode("tag:yaml.org,2002:map", [])
    if not isinstance(node, yaml.MappingNode):
        return values, [rules.YAML_NOT_MAPPING(
            f"expected keys and values{' under ' + repr(prefix.rstrip('.')) if prefix else ''}, "
            f"got {_describe_node(node)}",
            _at(node, first, where),
            hint="Write one 'key: value' per line.",
        )]
    seen: set[str] = set()
    failed: set[str] = set()
    for key_node, value_node in node.value:
        key = str(key_node.value)
        loc = _at(key_node, first, where)
        if key in seen:
            found.append(rules.YAML_DUPLICATE_KEY(f"'{prefix}{key}' is given twice", loc))
            continue
        seen.add(key)
        spec = schema.get(key)
        if spec is None:
            close = difflib.get_close_matches(key, list(schema), n=1)
            hint = f"Did you mean '{prefix}{close[0]}'?" if close else f"Known keys: {', '.join(schema)}."
            found.append(rules.YAML_UNKNOWN_KEY(f"unknown key '{prefix}{key}'", loc, hint=hint))
        elif isinstance(spec, Section):
            sub, sub_found = read_mapping(value_node, spec.fields, where, f"{prefix}{key}.")
            values[key] = sub
            found.extend(sub_found)
        else:
            raw = _construct(value_node)
            try:
                values[key] = spec.convert(raw)
            except ValueError as exc:
                failed.add(key)
                detail = f" ({exc})" if str(exc) else ""
                hint = f"For example: {prefix}{key}: {spec.example}" if spec.example else ""
                found.append(rules.YAML_WRONG_TYPE(
                    f"'{prefix}{key}' must be {spec.expected}, got {_describe(raw)}{detail}",
                    _at(value_node, first, where), hint=hint,
                ))
    for key, spec in schema.items():
        if isinstance(spec, Field) and spec.required and key not in seen:
            hint = f"Add a line: {prefix}{key}: {spec.example}" if spec.example else ""
            found.append(rules.YAML_MISSING_KEY(f"required key '{prefix}{key}' is missing", where, hint=hint))
    return values, found


def value_locations(node: yaml.Node | None, where: Location) -> dict[str, Location]:
    """Where each top-level value of a mapping starts, by key."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    first = where.line or 1
    return {str(key.value): _at(value, first, where) for key, value in node.value}


def _construct(node: yaml.Node) -> Any:
    return SafeConstructor().construct_object(node, deep=True)


def _at(node: yaml.Node, first: int, where: Location) -> Location:
    return where.at_line(first + node.start_mark.line, node.start_mark.column + 1)


def _describe_node(node: yaml.Node) -> str:
    return {"SequenceNode": "a list", "ScalarNode": f"'{getattr(node, 'value', '')}'"}.get(
        type(node).__name__, "something else"
    )


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, datetime.date):
        return f"the date {value.isoformat()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    return repr(value)


# Converters -----------------------------------------------------------------------------------------


def text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("quote it if it looks like a number or a date" if value is not None else "")
    if not value.strip():
        raise ValueError("it is empty")
    return value.strip()


def text_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError("write it as a list: [First, Second]")
    return tuple(text(item) for item in value)


def flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("write true or false")
    return value


def iso_date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError("use the ISO 8601 form YYYY-MM-DD")
