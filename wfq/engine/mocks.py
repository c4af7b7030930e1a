"""Mocked action results for a dry run: per task name or per action name, a result or an error,
or a list of them for successive calls (retries, with-items items, loops). Pure.

    tasks:   {get_user: {result: {name: ann}}, flaky: [{error: boom}, {result: ok}]}
    actions: {std.http: {result: {status: 200}}}

A mock's `result`/`error` may hold expressions: they are evaluated with `$` as the action's
input (`result: <% $.url %>`). When the list is used up, its last entry repeats.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wfq import expressions
from wfq.errors import ExpressionError, InvalidInput

Emulator = Callable[[str, dict[str, Any]], "tuple[bool, Any] | None"]
"""Runs an action that has no side effect (std.echo, std.noop, std.fail ...) for real, or
returns None for an action that must not run."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one mocked call returns."""

    success: bool
    value: Any


@dataclass
class Mocks:
    """Outcome lists by task name and by action name; each call takes the next outcome."""

    tasks: dict[str, list[Outcome]] = field(default_factory=dict)
    actions: dict[str, list[Outcome]] = field(default_factory=dict)
    used: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Any) -> Mocks:
        """Build from `{"tasks": {...}, "actions": {...}}` (400-style InvalidInput otherwise)."""
        if data is None:
            return cls()
        if not isinstance(data, dict) or set(data) - {"tasks", "actions"}:
            raise InvalidInput('mocks must be an object with "tasks" and/or "actions"')
        return cls(
            tasks={
                k: _outcomes(v, f"tasks.{k}")
                for k, v in _mapping(data.get("tasks"), "tasks").items()
            },
            actions={
                k: _outcomes(v, f"actions.{k}")
                for k, v in _mapping(data.get("actions"), "actions").items()
            },
        )

    def outcome(
        self, task: str, action: str, action_input: dict[str, Any]
    ) -> tuple[Outcome, str] | None:
        """The next outcome for this call and what supplied it (`task:<name>` or
        `action:<name>`), or None when nothing mocks it."""
        for key, table in (
            (f"task:{task}", self.tasks.get(task)),
            (f"action:{action}", self.actions.get(action)),
        ):
            if table:
                n = self.used.get(key, 0)
                self.used[key] = n + 1
                chosen = table[min(n, len(table) - 1)]
                return _evaluated(chosen, action_input), key
        return None


def _mapping(value: Any, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(f"mocks.{name} must map names to outcomes")
    return value


def _outcomes(value: Any, where: str) -> list[Outcome]:
    items = value if isinstance(value, list) else [value]
    if not items:
        raise InvalidInput(f"mocks.{where}: an empty list mocks nothing")
    return [_outcome(item, where) for item in items]


def _outcome(item: Any, where: str) -> Outcome:
    if (
        not isinstance(item, dict)
        or len(set(item) & {"result", "error"}) != 1
        or set(item) - {"result", "error"}
    ):
        raise InvalidInput(
            f"mocks.{where}: each outcome is {{result: ...}} or {{error: ...}}, not {item!r}"
        )
    if "error" in item:
        return Outcome(False, item["error"])
    return Outcome(True, item["result"])


def _evaluated(outcome: Outcome, action_input: dict[str, Any]) -> Outcome:
    try:
        return Outcome(
            outcome.success, expressions.evaluate_recursively(outcome.value, action_input)
        )
    except ExpressionError as exc:
        return Outcome(False, f"The mock's expression failed: {exc}")
