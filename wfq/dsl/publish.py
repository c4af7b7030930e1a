"""What a task publishes: `branch` (the task's own branch context), `global` and `atomic` scopes.

A task-level `publish:` (or `publish-on-error:`) mapping is the `branch` scope. The advanced form
inside an on-clause names the scopes explicitly: `on-success: {publish: {branch:, global:}, ...}`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from wfq.dsl import schema
from wfq.errors import Issue


@dataclass(frozen=True, slots=True)
class PublishSpec:
    """Variables to publish per scope; empty mappings when nothing is published. Falsy if empty."""

    branch: dict[str, Any] = field(default_factory=dict)
    global_: dict[str, Any] = field(default_factory=dict)
    atomic: dict[str, Any] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.branch or self.global_ or self.atomic)

    def merged(self, over: PublishSpec | None) -> PublishSpec:
        """Return self with `over` applied on top, scope by scope (keys of `over` win)."""
        if not over:
            return self
        return PublishSpec(
            {**self.branch, **over.branch},
            {**self.global_, **over.global_},
            {**self.atomic, **over.atomic},
        )

    def to_raw(self) -> dict[str, Any]:
        """The advanced (scoped) form as written in an on-clause."""
        scopes = {"branch": self.branch, "global": self.global_, "atomic": self.atomic}
        return {name: values for name, values in scopes.items() if values}


EMPTY = PublishSpec()


def branch_publish(raw: Any) -> PublishSpec:
    """A task-level `publish` / `publish-on-error` mapping (the schema checked its type)."""
    return PublishSpec(branch=dict(raw)) if isinstance(raw, dict) and raw else EMPTY


def scoped_publish(raw: Any, path: str, issues: list[Issue]) -> PublishSpec | None:
    """The `publish` of an advanced on-clause: a mapping of scopes."""
    if schema.check_into(issues, raw, schema.PUBLISH, path) or not isinstance(raw, dict):
        return None
    return PublishSpec(
        dict(raw.get("branch") or {}),
        dict(raw.get("global") or {}),
        dict(raw.get("atomic") or {}),
    )
