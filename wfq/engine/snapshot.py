"""What the engine reads and changes: one workflow execution with its task and action executions.

The engine only touches attributes named in the Protocols below, so the service layer can hand in
its persistence rows directly and the tests plain dataclasses. JSON attributes are always
*reassigned*, never mutated in place, so that a row notices the change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from wfq.dsl import WorkflowSpec


class ExecutionRecord(Protocol):
    id: str
    workflow_id: str
    workflow_name: str
    workflow_namespace: str
    state: str
    state_info: str | None
    input: dict[str, Any]
    output: dict[str, Any]
    params: dict[str, Any]
    context: dict[str, Any]
    published_global: dict[str, Any]
    task_execution_id: str | None
    root_execution_id: str | None
    project_id: str
    created_at: dt.datetime
    updated_at: dt.datetime | None
    finished_at: dt.datetime | None


class TaskRecord(Protocol):
    id: str
    workflow_execution_id: str
    name: str
    type: str
    state: str
    state_info: str | None
    in_context: dict[str, Any]
    published: dict[str, Any]
    result: Any
    runtime_context: dict[str, Any]
    processed: bool
    error_handled: bool
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    timer_at: dt.datetime | None
    with_items_values: Any
    """The evaluated with-items lists `{var: [values]}` (read only when items are created)."""


class ActionRecord(Protocol):
    id: str
    task_execution_id: str | None
    name: str
    state: str
    state_info: str | None
    input: dict[str, Any]
    output: Any
    runtime: dict[str, Any]
    accepted: bool
    item_index: int
    attempt: int


class RelatedTasks(Protocol):
    """Task executions outside the snapshot, as `task()` views (read on demand)."""

    def of_execution(self, execution_id: str, recursive: bool, state: str | None) -> list[dict[str, Any]]:
        """The tasks of another execution of the same project (and of its subworkflows)."""

    def descendants(self, task_ids: list[str], state: str | None) -> list[dict[str, Any]]:
        """The tasks of the subworkflows started by these tasks, at every depth."""

    def executions(self, **filters: str) -> list[dict[str, Any]]:
        """Workflow executions of the same project, as `execution()` views (`executions()`)."""


@dataclass
class Snapshot:
    """One workflow execution as the engine sees it during one event.

    `tasks` holds every task execution of the run in creation order; `actions` the action
    executions loaded for this event, by id. `new_task`/`new_action` create records that the
    caller will persist (they are also appended to `tasks`/`actions` by the engine).
    """

    execution: ExecutionRecord
    spec: WorkflowSpec
    tasks: list[TaskRecord]
    actions: dict[str, ActionRecord]
    new_task: Callable[..., TaskRecord]
    new_action: Callable[..., ActionRecord]
    env: dict[str, Any] = field(default_factory=dict)
    related: RelatedTasks | None = None
    """Reads the tasks of other executions for `tasks(id)` and `tasks(id, true)` (None: only
    this execution's tasks are known, as in the pure test runner)."""
    value_limit_kb: int = 0
    """Largest published value set and workflow output stored, in KiB, as JSON (the
    `field_size_limit_kb` setting; 0: no limit). A larger one fails the task or execution."""

    def tasks_named(self, name: str | None) -> list[TaskRecord]:
        """Every execution of the task `name`, oldest first."""
        return [t for t in self.tasks if t.name == name]

    def task(self, task_id: str) -> TaskRecord | None:
        """The task execution with this id, if it belongs to this run."""
        return next((t for t in self.tasks if t.id == task_id), None)
