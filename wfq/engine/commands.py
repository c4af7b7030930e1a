"""Commands the engine returns: work for the service layer to do after its commit."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Command:
    """Base of every command."""

    def to_dict(self) -> dict[str, Any]:
        return {"type": type(self).__name__, **asdict(self)}


@dataclass(frozen=True, slots=True)
class RunAction(Command):
    """Send the action execution to a worker. `queue` is the task's `target`, if any."""

    action_execution_id: str
    queue: str | None = None
    label: str = ""
    """What the action execution is, for people (Flower, worker logs): never parsed."""


@dataclass(frozen=True, slots=True)
class StartSubworkflow(Command):
    """Start the workflow a task names, as a child of that task."""

    task_execution_id: str
    workflow_name: str
    input: dict[str, Any]
    params: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ExecutionCompleted(Command):
    """The execution reached a terminal state; a parent task may be waiting for it."""

    execution_id: str
    state: str
    parent_task_execution_id: str | None


@dataclass(frozen=True, slots=True)
class ExecutionPausedOrResumed(Command):
    """The execution went from RUNNING to PAUSED (`state` PAUSED) or back (RUNNING). As in
    Mistral, its running subworkflows follow it, and a parent task waiting for it follows too
    (which may pause or resume the parent execution in turn)."""

    execution_id: str
    state: str
    parent_task_execution_id: str | None


@dataclass(frozen=True, slots=True)
class ScheduleTimer(Command):
    """Deliver `TimerFired(task_execution_id, kind, token)` to the engine at `due_at` (UTC).
    The due time is also stored on the task, so a lost message is re-sent by the integrity
    check; a duplicate is ignored by its token."""

    task_execution_id: str
    kind: str
    token: int
    due_at: dt.datetime


@dataclass(frozen=True, slots=True)
class RunItems(Command):
    """Send the first items of a with-items task, one lane each, with a completion callback
    (a Celery chord): lanes claim the task's IDLE items until none is left."""

    task_execution_id: str
    action_execution_ids: tuple[str, ...]
    queue: str | None = None
    label: str = ""
    """What the items are, for people (Flower, worker logs): never parsed."""


@dataclass(frozen=True, slots=True)
class StartLanes(Command):
    """Have a worker start the rest of a with-items task's lanes (`ItemsWanted(lanes=True)` on
    the engine queue): a task with many lanes does not create and send them all in the
    transition that starts it (a POST)."""

    task_execution_id: str


@dataclass(frozen=True, slots=True)
class Notify(Command):
    """Tell the execution's `notify` webhooks about the state changes of one transition, in
    order (one message, sent after commit, retried, never waited for)."""

    targets: tuple[dict[str, Any], ...]
    events: tuple[dict[str, Any], ...]
