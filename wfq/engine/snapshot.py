"""What the engine reads and changes: one workflow execution with its task and action executions.

The engine only touches attributes named in the Protocols below. The service layer hands in
plain copies (`Execution`, `Task`, `Action`) of its rows and writes back what changed; the tests
may use any record with those attributes. JSON attributes are always *reassigned*, never mutated
in place, so a copy holds the row's values by reference and a change shows as a new object.

The engine reads nothing else during a decision: what the snapshot does not hold (another
execution's tasks, an action definition, a column not loaded) it asks for by raising
`ReadNeeded`. Nothing of that decision counts; the caller reads the answer and decides again on
a fresh copy with the answer in `Snapshot.answers` (see `wfq.services.snapshots`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Protocol

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
    """Task executions outside the snapshot, as `task()` views (`KnownTasks`: those the caller
    read before the decision; a call it has no answer for is a `ReadNeeded`)."""

    def of_execution(
        self, execution_id: str, recursive: bool, state: str | None
    ) -> list[dict[str, Any]]:
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
    """Answers `tasks(id)`, `tasks(id, true)` and `executions()` beyond this execution (None:
    only this execution's tasks are known, as in the pure test runner)."""
    value_limit_kb: int = 0
    """Largest published value set and workflow output stored, in KiB, as JSON (the
    `field_size_limit_kb` setting; 0: no limit). A larger one fails the task or execution."""

    def tasks_named(self, name: str | None) -> list[TaskRecord]:
        """Every execution of the task `name`, oldest first."""
        return [t for t in self.tasks if t.name == name]

    def task(self, task_id: str) -> TaskRecord | None:
        """The task execution with this id, if it belongs to this run."""
        return next((t for t in self.tasks if t.id == task_id), None)


@dataclass(frozen=True, slots=True)
class Read:
    """One read a decision needs: `kind` says what, `key` holds its arguments (hashable).

    Kinds: "action" (name, namespace, workbook) -> ActionInfo | None; "tasks" (execution id,
    recursive, state), "descendants" (task ids, state) and "executions" (filters as sorted
    pairs) -> lists of views; "field" (record kind, id, attribute) -> a column not loaded."""

    kind: str
    key: tuple[Any, ...]


class ReadNeeded(Exception):  # noqa: N818 - a request, not an error
    """The decision stopped because it needs `read`: answer it and decide again."""

    def __init__(self, read: Read) -> None:
        super().__init__(f"{read.kind} {read.key!r}")
        self.read = read


class _Plain:
    """An attribute of a plain record that was not copied (its column was not loaded) is a
    read the decision needs, not a silent database access."""

    __slots__ = ()
    KIND: ClassVar[str] = ""
    FIELDS: ClassVar[frozenset[str]] = frozenset()

    def __getattr__(self, name: str) -> Any:
        if name in type(self).FIELDS:
            raise ReadNeeded(
                Read("field", (type(self).KIND, object.__getattribute__(self, "id"), name))
            )
        raise AttributeError(name)


@dataclass(slots=True, eq=False)
class Execution(_Plain):
    """A plain workflow execution (the fields of `ExecutionRecord`)."""

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
    KIND: ClassVar[str] = "execution"


@dataclass(slots=True, eq=False)
class Task(_Plain):
    """A plain task execution (the fields of `TaskRecord` and those a new one is stored with)."""

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
    workflow_id: str
    workflow_name: str
    workflow_namespace: str
    project_id: str
    updated_at: dt.datetime | None = None
    with_items_values: Any = None
    KIND: ClassVar[str] = "task"


@dataclass(slots=True, eq=False)
class Action(_Plain):
    """A plain action execution (the fields of `ActionRecord` and those a new one is stored with)."""

    id: str
    task_execution_id: str | None
    name: str
    state: str
    state_info: str | None
    input: dict[str, Any]
    output: Any
    accepted: bool
    workflow_execution_id: str | None = None
    runtime: dict[str, Any] = field(default_factory=dict)
    item_index: int = 0
    attempt: int = 0
    workflow_name: str | None = None
    workflow_namespace: str = ""
    project_id: str = ""
    created_at: dt.datetime | None = None
    KIND: ClassVar[str] = "action"


for _cls in (Execution, Task, Action):
    _cls.FIELDS = frozenset(f.name for f in fields(_cls))


class KnownTasks:
    """`RelatedTasks` answered from `Snapshot.answers`; an unanswered call is a `ReadNeeded`."""

    def __init__(self, answers: dict[Read, Any]) -> None:
        self.answers = answers

    def of_execution(
        self, execution_id: str, recursive: bool, state: str | None
    ) -> list[dict[str, Any]]:
        return self._answer(Read("tasks", (execution_id, recursive, state)))

    def descendants(self, task_ids: list[str], state: str | None) -> list[dict[str, Any]]:
        return self._answer(Read("descendants", (tuple(task_ids), state)))

    def executions(self, **filters: str) -> list[dict[str, Any]]:
        return self._answer(Read("executions", tuple(sorted(filters.items()))))

    def _answer(self, read: Read) -> list[dict[str, Any]]:
        if read not in self.answers:
            raise ReadNeeded(read)
        found: list[dict[str, Any]] = self.answers[read]
        return found
