"""YAML mappings validated against a declared schema, with every finding pointing at its line.

Both ``publish.yaml`` and the front matter of each chapter go through :func:`parse_yaml` and
:func:`read_mapping`: the text is composed by a guarded loader (limits below), the schema is declared once
as a dict of :class:`Field`, all problems are collected (not just the first), and each diagnostic names the
key, the expected form and what was received.

The loader reads plain YAML only, and says so at the line of what it refuses:

- Aliases (``*name``), wherever they are (Y007). They are refused rather than counted: the composer
  resolves an alias to the very node its anchor names, so nine lists of nine aliases of the list before
  make a tree of 9⁹ leaves out of 700 bytes, and any walk of it (printing a key, constructing a value,
  our own checks) takes that long and that much memory (6 GB, then MemoryError). Without aliases the tree
  is no larger than the text, which is capped, so no node count is needed; and metadata has nothing
  worth repeating.
- Tags (Y007), ``!!str`` as well as ``!!python/...`` (which the safe constructor refuses too, but later
  and as a crash): quoting a value says plainly what ``!!str`` says.
- A list or a mapping as a key, and the merge key ``<<`` (Y007): a key is a name, and each mapping says
  all it holds.
- More than :data:`MAX_BYTES` of text, :data:`MAX_DEPTH` levels (PyYAML's composer recurses once per
  level: 20,000 levels were a RecursionError) or a key of more than :data:`MAX_KEY` characters (Y008).
- A character no text can hold (Y003 when an escape makes it, ``"\\ud800"``; Y001 when it is typed), and a
  byte order mark after the start of the file (Y001).

A value YAML types by its form but cannot construct (``2023-02-30``, a number of 5000 digits) is a Y003
at that value, like any value of the wrong form.
"""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from publish import rules
from publish.diagnostics import Diagnostic, Location
from publish.rules import Rule

# publish.yaml is a few dozen keys and a front matter a title, a date and a lead: a few kilobytes.
MAX_BYTES = 64 * 1024
# publish.yaml nests three levels (print: trim: value) and a list adds one.
MAX_DEPTH = 16
# Our keys are single words; a longer one is not a typo and would fill every message that names it.
MAX_KEY = 100

_MERGE = "tag:yaml.org,2002:merge"
_INT = "tag:yaml.org,2002:int"


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
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:
        return None, [too_big(size, where.at_line(first + _line_of_byte(text, MAX_BYTES)))]
    stray = _stray_byte_order_mark(text, first, where)
    if stray is not None:
        return None, [stray]
    try:
        loader = _GuardedLoader(text)
    except yaml.reader.ReaderError as exc:
        return None, [_unreadable_character(exc, text, first, where)]
    try:
        return loader.get_single_node(), []
    except _Refused as exc:
        return None, [exc.rule(exc.message, where.at_line(first + exc.line, exc.column + 1), hint=exc.hint)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = where.at_line(first + mark.line, mark.column + 1) if mark else where
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        return None, [rules.YAML_SYNTAX(f"YAML syntax error: {what}", loc)]
    except yaml.YAMLError as exc:
        return None, [rules.YAML_SYNTAX(f"YAML syntax error: {exc}", where)]
    finally:
        loader.dispose()


def too_big(size: int, where: Location) -> Diagnostic:
    """Y008 for a text of ``size`` bytes, at the line where it passes :data:`MAX_BYTES`."""
    return rules.YAML_TOO_BIG(
        f"the YAML here is {size:,} bytes long; publish reads at most {MAX_BYTES // 1024} KiB of YAML "
        "(this line passes the limit)", where,
    )


def _line_of_byte(text: str, offset: int) -> int:
    """The 0-based line of ``text`` that holds its UTF-8 byte ``offset``."""
    return text.encode("utf-8", "surrogatepass")[:offset].count(b"\n")


class _Refused(Exception):
    """A construct the loader does not read, at the start of ``event`` (0-based line and column)."""

    def __init__(self, rule: Rule, message: str, event: yaml.Event, hint: str | None = None) -> None:
        super().__init__(message)
        self.rule, self.message, self.hint = rule, message, hint
        mark = event.start_mark
        self.line, self.column = (mark.line, mark.column) if mark is not None else (0, 0)


class _GuardedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, whose composer refuses what the module's text explains before composing it."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event: yaml.Event = self.peek_event()  # type: ignore[no-untyped-call]
        is_key = isinstance(parent, yaml.MappingNode) and index is None
        _refuse_alias_or_tag(event)
        if is_key:
            _refuse_key(event, self.resolve)
        if isinstance(event, yaml.ScalarEvent):
            _refuse_characters(event)
        if self.depth >= MAX_DEPTH:
            raise _Refused(rules.YAML_TOO_BIG, f"the YAML nests more than {MAX_DEPTH} levels deep here",
                           event)
        self.depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self.depth -= 1
        return node


def _refuse_alias_or_tag(event: yaml.Event) -> None:
    if isinstance(event, yaml.AliasEvent):
        raise _Refused(rules.YAML_REFUSED, f"the alias *{event.anchor} is not read", event,
                       hint="Write the value out in full where it is used: aliases (*name) are not read.")
    tag = getattr(event, "tag", None)
    if tag is not None:
        raise _Refused(rules.YAML_REFUSED, f"the tag {tag} is not read", event,
                       hint="Remove the tag and write a plain value; to make a number or a date text, "
                            "quote it: '2023'.")


def _refuse_key(event: yaml.Event, resolve: Callable[[type, str, tuple[bool, bool]], str]) -> None:
    if not isinstance(event, yaml.ScalarEvent):
        raise _Refused(rules.YAML_REFUSED, "a list or a mapping is used as a key", event,
                       hint="Keys are names: write 'key: value'.")
    if len(event.value) > MAX_KEY:
        raise _Refused(rules.YAML_TOO_BIG, f"a key of {len(event.value):,} characters", event,
                       hint=f"Keys are names of at most {MAX_KEY} characters, such as 'title'.")
    if resolve(yaml.ScalarNode, event.value, event.implicit) == _MERGE:
        raise _Refused(rules.YAML_REFUSED, "the merge key << is not read", event,
                       hint="Write each key and its value out in this mapping.")


def _refuse_characters(event: yaml.ScalarEvent) -> None:
    """A character no text may hold, written as an escape ("\\ud800", "\\0"): the reader refuses them
    typed, the scanner makes them from escapes."""
    bad = next((char for char in event.value if not _holdable(char)), None)
    if bad is not None:
        raise _Refused(rules.YAML_WRONG_TYPE, f"the text holds {_name(bad)}, which no text can hold",
                       event,
                       hint=f"Remove the escape that writes it (\\u{ord(bad):04x}) from the value.")


def _holdable(char: str) -> bool:
    """What XML 1.0 (and so the EPUB and our PDFs' text) can carry."""
    code = ord(char)
    return (code >= 0x20 or char in "\t\n\r") and not 0xD800 <= code <= 0xDFFF and code not in (0xFFFE, 0xFFFF)


def _name(char: str) -> str:
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        return f"U+{code:04X} (half of a surrogate pair, alone)"
    if code < 0x20:
        return f"U+{code:04X} (a control character)"
    return f"U+{code:04X} (a noncharacter)"


def _unreadable_character(exc: yaml.reader.ReaderError, text: str, first: int, where: Location) -> Diagnostic:
    """A character YAML does not allow typed (NUL, a control character), at its line and column."""
    character = exc.character if isinstance(exc.character, str) else chr(exc.character)
    return rules.YAML_SYNTAX(f"{_name(character)} is not allowed in YAML", _place(text, exc.position, first, where),
                             hint="Delete it: an editor that shows invisible characters helps find it.")


def _stray_byte_order_mark(text: str, first: int, where: Location) -> Diagnostic | None:
    """U+FEFF after the start of the file (the reader of a file drops the one that opens it): invisible, it
    would become part of a key ('\ufefftitle' is not 'title') or of a value."""
    position = text.find("\ufeff")
    if position < 0:
        return None
    return rules.YAML_SYNTAX(
        "a byte order mark (U+FEFF, invisible) inside the text: it belongs only at the start of a file",
        _place(text, position, first, where),
        hint="Delete it (files pasted together often leave one); an editor that shows invisible characters helps.",
    )


def _place(text: str, position: int, first: int, where: Location) -> Location:
    """The file location of ``text[position]``; the text starts at the file's line ``first``."""
    line = text.count("\n", 0, position)
    return where.at_line(first + line, position - (text.rfind("\n", 0, position) + 1) + 1)


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
            value, problem = _read_value(spec, value_node, prefix + key, where)
            if problem is None:
                values[key] = value
            else:
                found.append(problem)
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


def _read_value(spec: Field, node: yaml.Node, name: str, where: Location) -> tuple[Any, Diagnostic | None]:
    """The value of the key ``name`` converted by ``spec``, or why it cannot be (at the scalar at fault)."""
    first = where.line or 1
    hint = f"For example: {name}: {spec.example}" if spec.example else ""
    try:
        raw = _construct(node)
    except ValueError:
        culprit, reason = _first_unreadable(node)
        return None, rules.YAML_WRONG_TYPE(f"'{name}' must be {spec.expected}, got {_quote(str(culprit.value))} "
                                           f"({reason})", _at(culprit, first, where), hint=hint)
    try:
        return spec.convert(raw), None
    except (ValueError, OverflowError) as exc:
        detail = f" ({exc})" if str(exc) else ""
        return None, rules.YAML_WRONG_TYPE(f"'{name}' must be {spec.expected}, got {_describe(raw)}{detail}",
                                           _at(node, first, where), hint=hint)


def _construct(node: yaml.Node) -> Any:
    return SafeConstructor().construct_object(node, deep=True)


def _first_unreadable(node: yaml.Node) -> tuple[yaml.Node, str]:
    """The first scalar under ``node`` that YAML's resolver typed but cannot construct (2023-02-30 is a
    date by its form; a number of 5000 digits is past Python's limit), and why."""
    for scalar in _scalars(node):
        try:
            _construct(scalar)
        except ValueError as exc:
            if scalar.tag == _INT:
                return scalar, "a number too long to read"
            return scalar, str(exc)
    return node, "a value YAML cannot read"


def _scalars(node: yaml.Node) -> Iterator[yaml.ScalarNode]:
    """The scalars of a tree (the loader lets through no alias, so it is one), in document order."""
    pending = [node]
    while pending:
        current = pending.pop()
        if isinstance(current, yaml.ScalarNode):
            yield current
        elif isinstance(current, yaml.SequenceNode):
            pending.extend(reversed(current.value))
        elif isinstance(current, yaml.MappingNode):
            pending.extend(item for pair in reversed(current.value) for item in reversed(pair))


def _quote(text: str, limit: int = 40) -> str:
    """``text`` quoted for a message, cut after ``limit`` characters."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text):,} characters)"


def _at(node: yaml.Node, first: int, where: Location) -> Location:
    return where.at_line(first + node.start_mark.line, node.start_mark.column + 1)


def _describe_node(node: yaml.Node) -> str:
    if isinstance(node, yaml.ScalarNode):
        return _quote(str(node.value))
    return "a list" if isinstance(node, yaml.SequenceNode) else "something else"


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
    if isinstance(value, int) and abs(value) >= 10**20:
        return f"a number of {len(str(abs(value))):,} digits"
    if isinstance(value, int | float):
        return f"the number {value}"
    return _quote(str(value))


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
