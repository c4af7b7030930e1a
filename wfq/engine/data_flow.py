"""The data an expression sees (`$`, `task()`, `execution()`, `env()`) and how published
variables flow from a task to the tasks it triggers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from wfq import expressions, storable
from wfq.dsl import WorkflowSpec
from wfq.engine.snapshot import Snapshot, TaskRecord
from wfq.states import COMPLETED, State


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
        """Mistral's fields of `execution()`, no others (there is no `state`)."""
        ex = self.snap.execution
        return {
            "id": ex.id,
            "name": ex.workflow_name,
            "spec": workflow_spec_view(self.snap.spec),
            "input": ex.input,
            "params": ex.params,
            "created_at": _fmt(ex.created_at),
            "updated_at": _fmt(ex.updated_at or ex.created_at),
            "root_execution_id": ex.root_execution_id,
        }

    def env(self) -> dict[str, Any]:
        return self.snap.env

    def executions(self, **filters: str) -> list[dict[str, Any]]:
        related = self.snap.related
        return related.executions(**filters) if related is not None else []

    def global_(self, name: str) -> Any:
        # Mistral reads the execution context: vars and globally published variables.
        return self.snap.execution.context.get(name)


def execution_view(ex: Any, spec: dict[str, Any]) -> dict[str, Any]:
    """One item of `executions()`: a stored execution as Mistral's query returns it (with its
    state; `execution()` of the running workflow has no state, see EngineRuntime.execution)."""
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
    return task_view_with_spec(task, spec_view(task.name, spec.raw if spec else {}, snap.spec.type))


def workflow_spec_view(spec: WorkflowSpec) -> dict[str, Any]:
    """The workflow's spec as Mistral stores it: its keys plus `name` (inside a workbook the
    short name), `version`, and every task with its defaults (`spec_view`)."""
    short = spec.name.split(".", 1)[1] if spec.workbook_name else spec.name
    tasks = {
        n: spec_view(n, t, spec.type)
        for n, t in (spec.raw.get("tasks") or {}).items()
        if isinstance(t, dict)
    }
    return {**spec.raw, "name": short, "version": "2.0", "tasks": tasks}


def spec_view(name: str, raw: dict[str, Any], workflow_type: str) -> dict[str, Any]:
    """A task's spec as Mistral stores it: the task's own keys plus `name`, `version` and the
    workflow's `type`."""
    return {**raw, "name": name, "version": "2.0", "type": workflow_type}


def task_view_with_spec(task: Any, spec: dict[str, Any]) -> dict[str, Any]:
    """`task_view` of a task of any execution, given its task spec.

    `result` is `[]` while the task has no finished action (Mistral's list of accepted results
    is empty then), so `task().result.x` in the task's own input gives `[]`, not an error."""
    result = task.result
    if result is None and State(task.state) not in COMPLETED:
        result = []
    updated = getattr(task, "updated_at", None)
    return {
        "id": task.id,
        "name": task.name,
        "spec": spec,
        "state": task.state,
        "state_info": task.state_info,
        "result": result,
        "published": task.published,
        "type": task.type,
        "workflow_execution_id": task.workflow_execution_id,
        "created_at": _fmt(task.created_at),
        "updated_at": _fmt(updated),
    }


def data_for(
    snap: Snapshot, task: TaskRecord | None, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """`$` for expressions of `task` (or of the workflow when None), lowest layer first: input,
    vars and globals with `__execution: {id}`, the variables published on the branch that led
    to the task, `extra` (e.g. with-items vars), then `__env` (the root execution's env) and
    `__task_execution: {id, name}` (Mistral's context views)."""
    ex = snap.execution
    data = {**ex.input, **ex.context, "__execution": {"id": ex.id}}
    if task is not None:
        data.update(task.in_context)
    if extra:
        data.update(extra)
    data["__env"] = snap.env
    if task is not None:
        data["__task_execution"] = {"id": task.id, "name": task.name}
    return data


def evaluate(
    value: Any, snap: Snapshot, task: TaskRecord | None, extra: dict[str, Any] | None = None
) -> Any:
    """Evaluate `value` (recursively) for `task`; `extra` overlays `$` (e.g. with-items vars)."""
    if not _has_expression(value):
        return value
    return expressions.evaluate_recursively(
        value, data_for(snap, task, extra), EngineRuntime(snap, task)
    )


def oversize(snap: Snapshot, value: Any, cls: str, field_name: str) -> str | None:
    """Mistral's size-limit text when `value` as JSON is larger than the snapshot's
    `value_limit_kb`, else None."""
    if not value:
        return None
    return storable.oversize(value, snap.value_limit_kb, cls, field_name)


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
