"""Transitions of direct workflows: `on-success`, `on-error`, `on-complete`.

An entry is `task`, `{task: <% guard %>}`, or an engine command with optional parameters:
`fail`, `fail msg="..."`, `fail(msg=<% ... %>)`, `- succeed: <% $.done %>`. A clause is one entry,
a list of entries, or the advanced form `{publish: {branch:, global:, atomic:}, next: [...]}`.
A name that is an engine command is always the command, even if a task has that name (observed in
Mistral 23; its documentation says the task wins).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from wfq.dsl import inline
from wfq.dsl.publish import PublishSpec, scoped_publish
from wfq.dsl.schema import EXPRESSION_PATTERN, join_path
from wfq.errors import Issue

NOOP, FAIL, SUCCEED, PAUSE = "noop", "fail", "succeed", "pause"
ENGINE_COMMANDS: tuple[str, ...] = (NOOP, FAIL, SUCCEED, PAUSE)

_EXPRESSION = re.compile(EXPRESSION_PATTERN)
# `name`, `name key=value ...` or `name(key=value ...)`; Mistral allows only \w in names, wfq
# also allows '-' so that any task name wfq accepts can be a target.
_ENTRY = re.compile(
    r"(?s)\s*(?P<name>[\w-]+)(?:\s*\((?P<call>[-\w]+=.*)\)|\s+(?P<args>[-\w]+=.*))?\s*"
)


@dataclass(frozen=True, slots=True)
class Transition:
    """One target of an on-clause: a task or an engine command, with guard and parameters."""

    name: str
    condition: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    is_engine_command: bool = False


@dataclass(frozen=True, slots=True)
class OnClause:
    """An on-success/on-error/on-complete clause: ordered transitions, optional scoped publish."""

    transitions: tuple[Transition, ...] = ()
    publish: PublishSpec | None = None

    @property
    def task_names(self) -> tuple[str, ...]:
        """Targets that are tasks (not engine commands), in order, without repeats."""
        return tuple(dict.fromkeys(t.name for t in self.transitions if not t.is_engine_command))


def parse_transition(entry: Any, path: str, issues: list[Issue]) -> Transition | None:
    """Parse one clause entry; report and return None when it is malformed."""
    condition: Any = None
    text = entry
    if isinstance(entry, dict):
        if len(entry) != 1:
            issues.append(Issue(path, f"A guarded transition must have one key, got {entry!r}"))
            return None
        text, condition = next(iter(entry.items()))
        if not isinstance(condition, str) or not _EXPRESSION.match(condition):
            issues.append(
                Issue(path, f"The guard of '{text}' must be an expression, got {condition!r}")
            )
            return None
    if not isinstance(text, str):
        issues.append(Issue(path, f"A transition must be a task name, got {entry!r}"))
        return None
    match = _ENTRY.fullmatch(text)
    if not match:
        issues.append(
            Issue(
                path,
                f"Invalid transition '{text}': expected 'task', 'task: <% guard %>' or "
                "'command key=value'",
            )
        )
        return None
    name = match.group("name")
    args = match.group("call") or match.group("args") or ""
    return Transition(name, condition, inline.parse_params(args), name in ENGINE_COMMANDS)


def _parse_next(raw: Any, path: str, issues: list[Issue]) -> tuple[Transition, ...]:
    if raw is None:
        return ()
    entries = raw if isinstance(raw, list) else [raw]
    if isinstance(raw, list) and not raw:
        issues.append(Issue(path, "A list of transitions must not be empty"))
    found: list[Transition] = []
    for index, entry in enumerate(entries):
        where = join_path(path, index) if isinstance(raw, list) else path
        transition = parse_transition(entry, where, issues)
        if transition is not None:
            found.append(transition)
    return tuple(found)


def _is_advanced(raw: dict[str, Any]) -> bool:
    return bool(raw) and set(raw) <= {"publish", "next"}


def parse_on_clause(raw: Any, path: str, issues: list[Issue]) -> OnClause | None:
    """Parse a whole clause in any of its forms."""
    if not isinstance(raw, (str, list, dict)):
        return None  # absent, or a wrong type the schema reports
    if isinstance(raw, dict) and _is_advanced(raw):
        publish = None
        if "publish" in raw:
            publish = scoped_publish(raw["publish"], join_path(path, "publish"), issues)
        transitions = _parse_next(raw.get("next"), join_path(path, "next"), issues)
        return OnClause(transitions, publish)
    return OnClause(_parse_next(raw, path, issues))
