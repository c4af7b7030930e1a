"""Events fed to the engine. Frozen, and plain enough to cross a process boundary."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Event:
    """Base of every engine event."""

    def to_dict(self) -> dict[str, Any]:
        return {"type": type(self).__name__, **asdict(self)}


@dataclass(frozen=True, slots=True)
class WorkflowStarted(Event):
    """A new execution was created in state IDLE and must begin."""


@dataclass(frozen=True, slots=True)
class ActionCompleted(Event):
    """An action execution finished. `result` is its output on success, its error on failure."""

    action_execution_id: str
    success: bool
    result: Any = None


@dataclass(frozen=True, slots=True)
class SubworkflowCompleted(Event):
    """A child execution ended; the parent task completes with its output or error."""

    task_execution_id: str
    state: str
    output: Any = None
    state_info: str | None = None
    execution_id: str | None = None
    index: int | None = None
    attempt: int = 0
    """Which start of a with-items task the child belongs to (a rerun or retry starts anew)."""
    cause: str | None = None
    """The first error the failed child's own failure goes back to (the innermost of nested
    subworkflows): kept on the parent task, so that each level summarises it once."""


@dataclass(frozen=True, slots=True)
class TimerFired(Event):
    """A timer armed by the engine is due. `token` tells a stale or duplicated timer apart."""

    task_execution_id: str
    kind: str
    token: int


@dataclass(frozen=True, slots=True)
class ItemsCompleted(Event):
    """Every item of a with-items task has a result (the chord callback, or its fallback)."""

    task_execution_id: str


@dataclass(frozen=True, slots=True)
class ItemsWanted(Event):
    """A with-items lane found no item left to claim: create the task's next batch of items.
    With `lanes`: start the lanes the task's start left to a worker (see `StartLanes`)."""

    task_execution_id: str
    lanes: bool = False


def event_from_dict(data: dict[str, Any]) -> Event:
    """Rebuild an event sent through a message."""
    kinds = {c.__name__: c for c in Event.__subclasses__()}
    fields = dict(data)
    return kinds[fields.pop("type")](**fields)


@dataclass(frozen=True, slots=True)
class StateRequested(Event):
    """A user asks the execution to pause (PAUSED), resume (RUNNING), cancel (CANCELLED),
    or end now (SUCCESS / ERROR)."""

    state: str
    state_info: str | None = None


@dataclass(frozen=True, slots=True)
class RerunRequested(Event):
    """Run a failed task again; `reset` re-runs every item of a with-items task, not only the
    failed ones."""

    task_execution_id: str
    reset: bool = True


@dataclass(frozen=True, slots=True)
class ActionStateRequested(Event):
    """A user pauses (PAUSED) or resumes (RUNNING) an asynchronous action of the execution, or
    cancels (CANCELLED) one of its actions."""

    action_execution_id: str
    state: str


@dataclass(frozen=True, slots=True)
class SkipRequested(Event):
    """Skip a failed task: it becomes SKIPPED and the workflow goes on from it (`on-skip`, or
    `on-success` when no on-skip transition fires)."""

    task_execution_id: str


@dataclass(frozen=True, slots=True)
class ChildRerun(Event):
    """A task of a child execution was rerun: the parent task waits for the child again."""

    task_execution_id: str
    execution_id: str | None = None
    """The child that runs again (its result counts again, see `children_done`)."""


@dataclass(frozen=True, slots=True)
class ChildStateChanged(Event):
    """The child execution of a task was paused (PAUSED) or resumed (RUNNING): the task
    follows it, and the execution with it (a resume only once no other task is paused)."""

    task_execution_id: str
    state: str
