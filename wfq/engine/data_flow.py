"""The data an expression sees (`$`, `task()`, `execution()`, `env()`) and how published
variables flow from a task to the tasks it triggers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from wfq import expressions
from wfq.engine.snapshot import Snapshot, TaskRecord


def merge_dicts(left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    """Deep merge: dicts merge key by key, anything else in `right` wins (Mistral's rule)."""
    out = dict(left)
    for key, value in right.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_dicts(out[key], value)
        else:
            out[key] = value
    return out


def _fmt(value: dt.datetime | None) -> str | None:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else None


class EngineRuntime:
    """Answers `task()`, `tasks()`, `execution()`, `env()` and `global()` from the snapshot."""

    def __init__(self, snap: Snapshot, current: TaskRecord | None = None) -> None:
        self.snap = snap
        self.current = current

    def task(self, name: str | None) -> dict[str, Any] | None:
        if name is None:
            task = self.current
        else:
            named = self.snap.tasks_named(name)
            task = named[-1] if named else None
        return None if task is None else task_view(self.snap, task)

    def tasks(
        self, workflow_execution_id: str | None, recursive: bool, state: str | None
    ) -> list[dict[str, Any]]:
        snap = self.snap
        wanted = workflow_execution_id or snap.execution.id
        if wanted != snap.execution.id:
            return snap.related.of_execution(wanted, recursive, state) if snap.related else []
        found = [task_view(snap, t) for t in snap.tasks if state is None or t.state == state]
        if recursive and snap.related is not None:
            found += snap.related.descendants([t.id for t in snap.tasks], state)
        return found

    def execution(self) -> dict[str, Any]:
        return execution_view(self.snap.execution, self.snap.spec.raw)

    def env(self) -> dict[str, Any]:
        return self.snap.env

    def executions(self, **filters: str) -> list[dict[str, Any]]:
        related = self.snap.related
        return related.executions(**filters) if related is not None else []

    def global_(self, name: str) -> Any:
        # Mistral reads the execution context: vars and globally published variables.
        return self.snap.execution.context.get(name)


def execution_view(ex: Any, spec: dict[str, Any]) -> dict[str, Any]:
    """What `execution()` (and each item of `executions()`) returns (Mistral's fields)."""
    return {
        "id": ex.id,
        "name": ex.workflow_name,
        "spec": spec,
        "input": ex.input,
        "params": ex.params,
        "state": ex.state,
        "state_info": ex.state_info,
        "created_at": _fmt(ex.created_at),
        "updated_at": _fmt(ex.updated_at),
        "root_execution_id": ex.root_execution_id,
    }


def task_view(snap: Snapshot, task: TaskRecord) -> dict[str, Any]:
    """What `task(name)` returns (Mistral's fields)."""
    spec = snap.spec.tasks.get(task.name)
    return task_view_with_spec(task, spec.raw if spec else {})


def task_view_with_spec(task: Any, spec: dict[str, Any]) -> dict[str, Any]:
    """`task_view` of a task of any execution, given its task spec."""
    return {
        "id": task.id,
        "name": task.name,
        "spec": spec,
        "state": task.state,
        "state_info": task.state_info,
        "result": task.result,
        "published": task.published,
        "type": task.type,
    }


def data_for(snap: Snapshot, task: TaskRecord | None) -> dict[str, Any]:
    """`$` for expressions of `task` (or of the workflow when None): input, vars, then the
    variables published on the branch that led to the task."""
    ex = snap.execution
    data = {**ex.input, **ex.context}
    if task is not None:
        data.update(task.in_context)
    return data


def evaluate(value: Any, snap: Snapshot, task: TaskRecord | None, extra: dict[str, Any] | None = None) -> Any:
    """Evaluate `value` (recursively) for `task`; `extra` overlays `$` (e.g. with-items vars)."""
    if not _has_expression(value):
        return value
    data = data_for(snap, task)
    if extra:
        data.update(extra)
    return expressions.evaluate_recursively(value, data, EngineRuntime(snap, task))


def _has_expression(value: Any) -> bool:
    if isinstance(value, str):
        return expressions.is_expression(value)
    if isinstance(value, dict):
        return any(_has_expression(k) or _has_expression(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_expression(v) for v in value)
    return False


def outbound_context(task: TaskRecord) -> dict[str, Any]:
    """The variables a task passes to the tasks it triggers: a published key replaces the
    whole previous value (Mistral's default `replace` merge strategy)."""
    return {**task.in_context, **(task.published or {})}
