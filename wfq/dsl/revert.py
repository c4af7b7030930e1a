"""A task's `revert:` (alias `on-revert:`), a wfq extension: the action or workflow that undoes
the task once it completed, run when its execution fails or is asked to revert
(docs/compensation.md).

Forms, the same as a task's own `action:`/`workflow:` + `input:`:

    revert: std.echo output=<% task().result %>           # an action with inline parameters
    revert: {action: undo_create, input: {id: <% task().result.id %>}}
    revert: {workflow: cleanup, input: <% {id => task().result.id} %>}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wfq.dsl import inline
from wfq.dsl.schema import EXPRESSION_PATTERN, join_path
from wfq.errors import Issue

KEYS = ("revert", "on-revert")
"""The task keys naming a revert; `on-revert` is an alias."""

_FORM = (
    "must be an action with its inline parameters (a non-empty string) or a mapping with "
    "'action' or 'workflow' and an optional 'input'"
)


@dataclass(frozen=True, slots=True)
class RevertSpec:
    """What undoes a task: an action or a workflow (one of them), and its input."""

    action: str | None = None
    workflow: str | None = None
    input: dict[str, Any] | str = field(default_factory=dict)


def parse_revert(
    raw: Mapping[str, Any], path: str, refs: Mapping[str, Mapping[str, str]], issues: list[Issue]
) -> RevertSpec | None:
    """The task's revert, or None when it has none; every problem is appended to `issues`."""
    present = [k for k in KEYS if k in raw]
    if not present:
        return None
    if len(present) > 1:
        issues.append(
            Issue(path, "A task can have either 'revert' or 'on-revert', not both", "semantics")
        )
    key = present[0]
    where = join_path(path, key)
    value = raw[key]
    if isinstance(value, str) and value.strip():
        return _named(value, "action", {}, where, refs, issues)
    if not isinstance(value, Mapping):
        issues.append(Issue(where, f"'{key}' {_FORM}, not {_shown(value)}"))
        return None
    return _from_mapping(value, key, where, refs, issues)


def _from_mapping(
    value: Mapping[str, Any],
    key: str,
    where: str,
    refs: Mapping[str, Mapping[str, str]],
    issues: list[Issue],
) -> RevertSpec | None:
    unknown = sorted(str(k) for k in value if k not in ("action", "workflow", "input"))
    if unknown:
        issues.append(
            Issue(
                where,
                f"Unknown key(s) in '{key}': {', '.join(unknown)} (allowed: action, workflow, input)",
            )
        )
    kinds = [k for k in ("action", "workflow") if k in value]
    if len(kinds) != 1:
        what = "both" if kinds else "neither"
        issues.append(
            Issue(
                where,
                f"'{key}' must name exactly one of 'action' or 'workflow' ({what} given)",
                "semantics",
            )
        )
        return None
    kind = kinds[0]
    name = value[kind]
    if not isinstance(name, str) or not name.strip():
        issues.append(
            Issue(
                join_path(where, kind), f"'{kind}' must be a non-empty string, not {_shown(name)}"
            )
        )
        return None
    given = value.get("input")
    if given is not None and not _input_ok(given):
        issues.append(
            Issue(
                join_path(where, "input"),
                f"'input' must be a non-empty mapping or an expression, not {_shown(given)}",
            )
        )
        given = None
    return _named(name, kind, given, where, refs, issues)


def _named(
    text: str,
    kind: str,
    given: Any,
    where: str,
    refs: Mapping[str, Mapping[str, str]],
    issues: list[Issue],
) -> RevertSpec:
    """Split inline parameters off the name, qualify a workbook sibling, merge the input (the
    one under `input:` wins, as for a task)."""
    try:
        name, params = inline.parse_command(text)
    except ValueError as exc:
        issues.append(Issue(join_path(where, kind), str(exc)))
        name, params = text, {}
    name = refs.get("actions" if kind == "action" else "workflows", {}).get(name, name)
    if isinstance(given, str):
        if params:
            issues.append(
                Issue(
                    join_path(where, "input"),
                    "Inline parameters can't be combined with an 'input' expression",
                )
            )
        merged: dict[str, Any] | str = given
    else:
        merged = {**params, **(given or {})}
    if kind == "action":
        return RevertSpec(action=name, input=merged)
    return RevertSpec(workflow=name, input=merged)


def _input_ok(value: Any) -> bool:
    if isinstance(value, dict):
        return bool(value)
    return isinstance(value, str) and re.match(EXPRESSION_PATTERN, value) is not None


def _shown(value: Any) -> str:
    return "an empty string" if value == "" else f"{type(value).__name__} {value!r}"
