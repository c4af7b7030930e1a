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
        {State.RUNNING, State.RUNNING_DELAYED, State.WAITING, State.PAUSED, State.ERROR, State.CANCELLED}
    ),
    State.WAITING: frozenset({State.RUNNING, State.RUNNING_DELAYED, State.ERROR, State.CANCELLED}),
    State.RUNNING: frozenset(
        {State.RUNNING_DELAYED, State.PAUSED, State.SUCCESS, State.ERROR, State.CANCELLED, State.REVERTING}
    ),
    State.RUNNING_DELAYED: frozenset(
        {State.RUNNING, State.PAUSED, State.SUCCESS, State.ERROR, State.CANCELLED}
    ),
    State.PAUSED: frozenset(
        {State.RUNNING, State.RUNNING_DELAYED, State.ERROR, State.CANCELLED, State.REVERTING}
    ),
    # Only a workflow execution reverts: RUNNING or PAUSED -> REVERTING (a failure, a user),
    # then REVERTED, or ERROR when a revert fails; a user may still cancel or force ERROR.
    State.REVERTING: frozenset({State.REVERTED, State.ERROR, State.CANCELLED}),
    State.REVERTED: frozenset(),
    # Terminal states can be left only by a rerun (ERROR -> RUNNING) or a forced state change.
    State.SUCCESS: frozenset(),
    State.ERROR: frozenset({State.RUNNING, State.SKIPPED}),
    State.CANCELLED: frozenset({State.RUNNING}),
    State.SKIPPED: frozenset(),
}


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


def change(record: HasState, new: State | str) -> None:
    """Move `record` to `new` through the transition table (the one way a state is set).

    Raises:
        InvalidStateTransition: when the table does not allow `record.state -> new`.
    """
    new = State(new)
    check_transition(record.state, new)
    record.state = new.value
