"""ORM rows to the engine's plain records and back: a copy holds the row's loaded values by
reference (no deep copy), and writing back sets only the attributes the engine replaced. Used
for the one ORM row a transition decides on, the execution created by its own transaction
(`services/starting.py`); the rows of a stored execution are read into records directly
(`records.py`)."""

from __future__ import annotations

from dataclasses import fields
from operator import attrgetter, is_, itemgetter
from typing import Any, TypeVar

from sqlalchemy.orm.attributes import instance_dict, instance_state

from wfq.engine.snapshot import Action, Execution, Task
from wfq.persistence.models import ActionExecution, TaskExecution, WorkflowExecution

P = TypeVar("P", Execution, Task, Action)

_ROWS: dict[type[Any], type[Any]] = {
    Execution: WorkflowExecution,
    Task: TaskExecution,
    Action: ActionExecution,
}

_DEFERRED = {Task: ("with_items_values",)}
"""Columns a snapshot's rows usually leave unloaded (they are the last fields of the record)."""


class _Layout:
    """The fields of one record class: those a loaded row always has, read and compared in one
    C call each (a snapshot copies and compares every task of the execution per transition)."""

    def __init__(self, cls: type[Any]) -> None:
        names = [f.name for f in fields(cls)]
        self.deferred = _DEFERRED.get(cls, ())
        self.loaded = tuple(n for n in names if n not in self.deferred)
        assert names[: len(self.loaded)] == list(self.loaded), "deferred fields come last"
        self.keys = frozenset(self.loaded)
        self.of_row = itemgetter(*self.loaded)
        self.of_plain = attrgetter(*self.loaded)


_LAYOUTS = {cls: _Layout(cls) for cls in _ROWS}


def copy_of(row: Any, cls: type[P]) -> P:
    """A plain `cls` record with the row's loaded values; a column not loaded (deferred, or
    left out by `load_only`) stays unset, so the engine's reading it is a `ReadNeeded`."""
    loaded = instance_dict(row)
    layout = _LAYOUTS[cls]
    if loaded.keys() >= layout.keys:
        plain = cls(*layout.of_row(loaded))
        for name in layout.deferred:
            if name in loaded:
                object.__setattr__(plain, name, loaded[name])
            else:
                object.__delattr__(plain, name)
        return plain
    state = instance_state(row)
    if state.expired_attributes:
        # Expired by an earlier flush or UPDATE in this transaction: one read reloads them all,
        # before the decision (rather than one round of requests per row).
        getattr(row, next(iter(state.expired_attributes)))
        loaded = instance_dict(row)
    # A row not stored yet (created in this transaction) has nothing to load: a column it was
    # not given reads as its default without the database.
    stored = state.key is not None
    plain = cls.__new__(cls)
    for name in cls.FIELDS:
        if name in loaded:
            object.__setattr__(plain, name, loaded[name])
        elif not stored:
            object.__setattr__(plain, name, getattr(row, name))
    return plain


def write_back(plain: Any, row: Any) -> None:
    """Set on `row` every attribute the engine replaced in its copy `plain` (the engine
    reassigns values, never changes them in place: an identical object is unchanged)."""
    loaded = instance_dict(row)
    layout = _LAYOUTS[type(plain)]
    if loaded.keys() >= layout.keys and all(
        map(is_, layout.of_plain(plain), layout.of_row(loaded))
    ):
        names: tuple[str, ...] | frozenset[str] = layout.deferred  # the common case: unchanged
    else:
        names = type(plain).FIELDS
    for name in names:
        try:
            value = object.__getattribute__(plain, name)
        except AttributeError:
            continue  # not loaded, and not set by the engine either
        if name not in loaded or loaded[name] is not value:
            setattr(row, name, value)
