"""State names of executions, tasks and actions, and the transitions allowed between them.

The names are Mistral's (mistral/workflow/states.py) so that clients see the same strings.
"""

from __future__ import annotations

import enum
from typing import Protocol

from wfq.errors import InvalidStateTransition


class State(enum.StrEnum):
    """The state of a workflow execution, a task execution or an action execution."""

    IDLE = "IDLE"
    """Created but not started: a task held by `pause-before`, or a workflow not yet running."""
    WAITING = "WAITING"
    """A task waiting for its `join` to be satisfied."""
    RUNNING = "RUNNING"
    """Work is in progress."""
    RUNNING_DELAYED = "DELAYED"
    """A task waiting on a timer: `wait-before`, `wait-after` or a retry `delay` (Mistral's
    RUNNING_DELAYED, whose string is "DELAYED")."""
    PAUSED = "PAUSED"
    """Paused by a user, by `pause-before` or by the `pause` engine command."""
    SUCCESS = "SUCCESS"
    """Finished successfully."""
    ERROR = "ERROR"
    """Finished with an error; `state_info` says why."""
    CANCELLED = "CANCELLED"
    """Cancelled by a user."""
    SKIPPED = "SKIPPED"
    """A failed task a user chose to skip: it counts as done and its on-success path runs."""
    REVERTING = "REVERTING"
    """A workflow execution running the `revert` of its completed tasks, newest first (a wfq
    extension, docs/compensation.md): after a failure, or asked for by a user."""
    REVERTED = "REVERTED"
    """A workflow execution whose reverts all succeeded (wfq extension)."""

    def __str__(self) -> str:
        return self.value


COMPLETED = frozenset({State.SUCCESS, State.ERROR, State.CANCELLED, State.SKIPPED, State.REVERTED})
"""Terminal states: nothing changes after them except an explicit rerun."""

ACTIVE = frozenset({State.IDLE, State.WAITING, State.RUNNING, State.RUNNING_DELAYED})
"""States in which a task still holds its workflow execution open."""

VALID_TRANSITIONS: dict[State, frozenset[State]] = {
    State.IDLE: frozenset(
        {
            State.RUNNING,
            State.RUNNING_DELAYED,
            State.WAITING,
            State.PAUSED,
            State.ERROR,
            State.CANCELLED,
        }
    ),
    State.WAITING: frozenset({State.RUNNING, State.RUNNING_DELAYED, State.ERROR, State.CANCELLED}),
    State.RUNNING: frozenset(
        {
            State.RUNNING_DELAYED,
            State.PAUSED,
            State.SUCCESS,
            State.ERROR,
            State.CANCELLED,
            State.REVERTING,
        }
    ),
    State.RUNNING_DELAYED: frozenset(
        {State.RUNNING, State.PAUSED, State.SUCCESS, State.ERROR, State.CANCELLED}
    ),
    # PAUSED -> SUCCESS: the result of a paused asynchronous action arrives (the action ends;
    # its task completes and what follows waits for the execution to be resumed).
    State.PAUSED: frozenset(
        {
            State.RUNNING,
            State.RUNNING_DELAYED,
            State.SUCCESS,
            State.ERROR,
            State.CANCELLED,
            State.REVERTING,
        }
    ),
    # Only a workflow execution reverts: RUNNING or PAUSED -> REVERTING (a failure, a user),
    # then REVERTED, or ERROR when a revert fails; a user may still cancel or force ERROR.
    State.REVERTING: frozenset({State.REVERTED, State.ERROR, State.CANCELLED}),
    State.REVERTED: frozenset(),
    # Terminal states can be left only by a rerun (ERROR -> RUNNING) or a forced state change.
    State.SUCCESS: frozenset(),
    # ERROR -> IDLE: a rerun task held by `pause-before`.
    State.ERROR: frozenset({State.RUNNING, State.IDLE, State.SKIPPED}),
    State.CANCELLED: frozenset({State.RUNNING}),
    State.SKIPPED: frozenset(),
}
"""Which state may follow which: every state change (`change`) is checked against it."""

COMPLETING_TRANSITIONS: dict[State, frozenset[State]] = {
    # fail-on, or a publish or transition that cannot be evaluated (a forced failure), fails a
    # task that just succeeded; retry runs it again at once or after a delay; wait-after delays it.
    State.SUCCESS: frozenset({State.ERROR, State.RUNNING, State.RUNNING_DELAYED}),
    # retry delays a task that just failed (a join waits for its inbound tasks again).
    State.ERROR: frozenset({State.RUNNING_DELAYED, State.WAITING}),
    # publish-on-skip or a transition of a just-skipped task cannot be evaluated.
    State.SKIPPED: frozenset({State.ERROR}),
}
"""What the engine may still make of a task in the event that completed it. The first outcome
is what the task's publish, fail-on and retry expressions see (`task().state`, as in Mistral);
the policies applied after them decide what the event leaves. Nowhere else may a task leave
SUCCESS, ERROR or SKIPPED this way."""


def is_completed(state: State | str) -> bool:
    """True for SUCCESS, ERROR, CANCELLED, SKIPPED and REVERTED."""
    return State(state) in COMPLETED


def can_transition(old: State | str, new: State | str) -> bool:
    """True when `old -> new` is allowed (staying in the same state always is)."""
    old, new = State(old), State(new)
    return old == new or new in VALID_TRANSITIONS[old]


def check_transition(old: State | str, new: State | str) -> None:
    """Raise InvalidStateTransition unless `old -> new` is allowed."""
    if not can_transition(old, new):
        raise InvalidStateTransition(str(old), str(new))


class HasState(Protocol):
    """A workflow, task or action execution: anything whose `state` is a state name."""

    state: str


def change(record: HasState, new: State | str, *, completing: bool = False) -> None:
    """Move `record` to `new` through the transition table (the one way a state is set).
    `completing`: the record is a task completed in the event being applied, which also
    allows COMPLETING_TRANSITIONS.

    Raises:
        InvalidStateTransition: when the table does not allow `record.state -> new`.
    """
    new = State(new)
    old = State(record.state)
    if not (completing and new in COMPLETING_TRANSITIONS.get(old, frozenset())):
        check_transition(old, new)
    record.state = new.value
