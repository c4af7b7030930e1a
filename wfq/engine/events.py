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
