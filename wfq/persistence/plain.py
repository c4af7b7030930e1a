"""Rows to the engine's plain records and back: a copy holds the row's loaded values by
reference (no deep copy), and writing back sets only the attributes the engine replaced."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.orm.attributes import instance_dict

from wfq.engine.snapshot import Action, Execution, Task
from wfq.persistence.models import ActionExecution, TaskExecution, WorkflowExecution

P = TypeVar("P", Execution, Task, Action)

_ROWS: dict[type[Any], type[Any]] = {Execution: WorkflowExecution, Task: TaskExecution, Action: ActionExecution}


def copy_of(row: Any, cls: type[P]) -> P:
    """A plain `cls` record with the row's loaded values; a column not loaded (deferred, or
    left out by `load_only`) stays unset, so the engine's reading it is a `ReadNeeded`."""
    loaded = instance_dict(row)
    plain = cls.__new__(cls)
    for name in cls.FIELDS:
        if name in loaded:
            object.__setattr__(plain, name, loaded[name])
    return plain


def write_back(plain: Any, row: Any) -> None:
    """Set on `row` every attribute the engine replaced in its copy `plain` (the engine
    reassigns values, never changes them in place: an identical object is unchanged)."""
    loaded = instance_dict(row)
    for name in type(plain).FIELDS:
        try:
            value = object.__getattribute__(plain, name)
        except AttributeError:
            continue  # not loaded, and not set by the engine either
        if name not in loaded or loaded[name] is not value:
            setattr(row, name, value)


def new_row(plain: Any) -> Any:
    """The row to insert for a record the engine created."""
    values = {}
    for name in type(plain).FIELDS:
        try:
            values[name] = object.__getattribute__(plain, name)
        except AttributeError:
            continue
    return _ROWS[type(plain)](**values)
