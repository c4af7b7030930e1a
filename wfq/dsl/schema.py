"""JSON-schema fragments for the structure of a document, and their conversion into Issues.

The schemas check key sets and the types of simple values. Composite forms whose errors a schema
describes badly (transitions, retry one-liners, with-items, input lists) are parsed in Python by
the module that owns the concept, which reports precise messages.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import jsonschema

from wfq.errors import Issue

# Same alternatives as Mistral's `<%.*?%>` and `{{(.*?)}}` patterns, anchored to the whole value.
EXPRESSION_PATTERN = r"(?s)^\s*(<%.*%>|\{\{.*\}\}|\{%.*%\})\s*$"

NONEMPTY_STRING: dict[str, Any] = {"type": "string", "minLength": 1}
NON_NEGATIVE_INTEGER: dict[str, Any] = {"type": "integer", "minimum": 0}
EXPRESSION: dict[str, Any] = {"type": "string", "pattern": EXPRESSION_PATTERN}
EXPRESSION_OR_NON_NEGATIVE_INTEGER: dict[str, Any] = {"oneOf": [EXPRESSION, NON_NEGATIVE_INTEGER]}
EXPRESSION_OR_BOOLEAN: dict[str, Any] = {"oneOf": [EXPRESSION, {"type": "boolean"}]}
NONEMPTY_DICT: dict[str, Any] = {"type": "object", "minProperties": 1}
UNIQUE_STRING_LIST: dict[str, Any] = {
    "type": "array",
    "items": NONEMPTY_STRING,
    "uniqueItems": True,
    "minItems": 1,
}
STRING_OR_UNIQUE_STRING_LIST: dict[str, Any] = {"oneOf": [NONEMPTY_STRING, UNIQUE_STRING_LIST]}
WORKFLOW_TYPE: dict[str, Any] = {"enum": ["direct", "reverse"]}
# Clause entries are checked by on_clause.py; the schema only fixes the outer shape.
ON_CLAUSE: dict[str, Any] = {"type": ["string", "array", "object"]}
RETRY: dict[str, Any] = {"type": ["string", "object"]}
INPUT_LIST: dict[str, Any] = {"type": "array"}
NAME_PATTERN = r"^[\w-]+$"

_POLICIES: dict[str, Any] = {
    "retry": RETRY,
    "wait-before": EXPRESSION_OR_NON_NEGATIVE_INTEGER,
    "wait-after": EXPRESSION_OR_NON_NEGATIVE_INTEGER,
    "timeout": EXPRESSION_OR_NON_NEGATIVE_INTEGER,
    "pause-before": EXPRESSION_OR_BOOLEAN,
    "concurrency": EXPRESSION_OR_NON_NEGATIVE_INTEGER,
    "fail-on": EXPRESSION_OR_BOOLEAN,
    "safe-rerun": EXPRESSION_OR_BOOLEAN,
}

_TRANSITIONS: dict[str, Any] = {
    "on-success": ON_CLAUSE,
    "on-error": ON_CLAUSE,
    "on-complete": ON_CLAUSE,
    "on-skip": ON_CLAUSE,
}

# The union of direct and reverse task keys; validate.py reports keys of the other type.
TASK: dict[str, Any] = {
    "type": "object",
    "properties": {
        "type": WORKFLOW_TYPE,
        "description": {"type": "string"},
        "tags": UNIQUE_STRING_LIST,
        "action": NONEMPTY_STRING,
        "workflow": NONEMPTY_STRING,
        "input": {"oneOf": [NONEMPTY_DICT, EXPRESSION]},
        "with-items": {"type": ["string", "array"]},
        "publish": NONEMPTY_DICT,
        "publish-on-error": NONEMPTY_DICT,
        "publish-on-skip": NONEMPTY_DICT,
        "target": NONEMPTY_STRING,
        "keep-result": EXPRESSION_OR_BOOLEAN,
        "join": {"oneOf": [{"enum": ["all", "one"]}, NON_NEGATIVE_INTEGER]},
        "requires": STRING_OR_UNIQUE_STRING_LIST,
        # wfq extension, checked by revert.py (which reports precise messages).
        "revert": {},
        "on-revert": {},
        **_POLICIES,
        **_TRANSITIONS,
    },
    "additionalProperties": False,
}

TASK_DEFAULTS: dict[str, Any] = {
    "type": "object",
    "properties": {**_POLICIES, **_TRANSITIONS, "requires": STRING_OR_UNIQUE_STRING_LIST},
    "additionalProperties": False,
}

WORKFLOW: dict[str, Any] = {
    "type": "object",
    "properties": {
        "version": {"type": ["string", "number"]},
        "name": {"type": "string"},
        "type": WORKFLOW_TYPE,
        "description": {"type": "string"},
        "tags": UNIQUE_STRING_LIST,
        "input": INPUT_LIST,
        "output": {},
        "output-on-error": {},
        "vars": NONEMPTY_DICT,
        "task-defaults": NONEMPTY_DICT,
        "tasks": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": NONEMPTY_DICT,
        },
    },
    "required": ["tasks"],
    "additionalProperties": False,
}

PUBLISH: dict[str, Any] = {
    "type": "object",
    "minProperties": 1,
    "properties": {"branch": NONEMPTY_DICT, "global": NONEMPTY_DICT, "atomic": NONEMPTY_DICT},
    "additionalProperties": False,
}

ACTION: dict[str, Any] = {
    "type": "object",
    "properties": {
        "version": {"type": ["string", "number"]},
        "name": {"type": "string"},
        "description": {"type": "string"},
        "tags": UNIQUE_STRING_LIST,
        "base": NONEMPTY_STRING,
        "base-input": NONEMPTY_DICT,
        "input": INPUT_LIST,
        "output": {},
    },
    "required": ["base"],
    "additionalProperties": False,
}

_SECTION: dict[str, Any] = {
    "type": "object",
    "minProperties": 1,
    "propertyNames": {"pattern": NAME_PATTERN},
    "additionalProperties": NONEMPTY_DICT,
    "properties": {"version": {"type": ["string", "number"]}},
}

WORKBOOK: dict[str, Any] = {
    "type": "object",
    "properties": {
        "version": {"type": ["string", "number"]},
        "name": NONEMPTY_STRING,
        "description": {"type": "string"},
        "tags": UNIQUE_STRING_LIST,
        "workflows": _SECTION,
        "actions": _SECTION,
    },
    "required": ["name"],
    "additionalProperties": False,
}

# Fragments whose generic "not valid under any of the given schemas" gets a readable text.
_DESCRIPTIONS: tuple[tuple[dict[str, Any], str], ...] = (
    (EXPRESSION_OR_NON_NEGATIVE_INTEGER, "a non-negative integer or an expression"),
    (EXPRESSION_OR_BOOLEAN, "a boolean or an expression"),
    (STRING_OR_UNIQUE_STRING_LIST, "a task name or a list of unique task names"),
    (TASK["properties"]["input"], "a non-empty mapping or an expression"),
    (TASK["properties"]["join"], "'all', 'one' or a non-negative integer"),
)

_VALIDATORS: dict[int, jsonschema.protocols.Validator] = {}


def _validator(schema: dict[str, Any]) -> jsonschema.protocols.Validator:
    key = id(schema)
    if key not in _VALIDATORS:
        _VALIDATORS[key] = jsonschema.Draft7Validator(schema)
    return _VALIDATORS[key]


def join_path(base: str, *parts: str | int) -> str:
    """Append keys (".key") and list indexes ("[i]") to a dotted issue path."""
    path = base
    for part in parts:
        if isinstance(part, int):
            path = f"{path}[{part}]"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path


def tags_of(raw: dict[str, Any]) -> tuple[str, ...]:
    """The `tags` of a mapping as written, or () when they are not a list (the schema reports it:
    building a spec never fails on a wrong type)."""
    tags = raw.get("tags")
    return tuple(tags) if isinstance(tags, list) else ()


def mapping_of(raw: dict[str, Any], key: str) -> dict[str, Any]:
    """A copy of the mapping at `key`, or {} when it is missing or not a mapping (the schema
    reports a wrong type)."""
    value = raw.get(key)
    return dict(value) if isinstance(value, dict) else {}


class Issues(list[Issue]):
    """Collected problems. `checking=False` skips schema checks: fast rebuilds of valid specs."""

    __slots__ = ("checking",)

    def __init__(self, checking: bool = True) -> None:
        super().__init__()
        self.checking = checking


def check(instance: Any, schema: dict[str, Any], path: str) -> list[Issue]:
    """Validate `instance` against `schema`; every error becomes an Issue located under `path`."""
    issues: list[Issue] = []
    for error in _validator(schema).iter_errors(instance):
        issues.extend(_to_issues(error, path))
    return issues


def check_into(issues: list[Issue], instance: Any, schema: dict[str, Any], path: str) -> int:
    """Append the schema errors of `instance` to `issues` (unless it is a non-checking Issues);
    return how many were found."""
    if not getattr(issues, "checking", True):
        return 0
    found = check(instance, schema, path)
    issues.extend(found)
    return len(found)


def _to_issues(error: jsonschema.ValidationError, base: str) -> Iterable[Issue]:
    path = join_path(base, *error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        for key in error.instance:
            if key not in known:
                yield Issue(
                    join_path(path, str(key)),
                    f"Additional properties are not allowed ('{key}' was unexpected)",
                )
        return
    if "propertyNames" in error.schema_path:
        yield Issue(
            join_path(path, str(error.instance)),
            f"Invalid name '{error.instance}': use letters, digits, '_' and '-' only",
        )
        return
    if error.validator == "oneOf":
        for fragment, text in _DESCRIPTIONS:
            if error.schema == fragment:
                yield Issue(path, f"{error.instance!r} is not {text}")
                return
    yield Issue(path, error.message)
