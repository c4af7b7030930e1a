"""The engine's plain records (`engine.snapshot.Execution`, `Task`, `Action`) read and written
with Core statements, without ORM rows: what one transition reads under the execution lock and
what it writes back.

A transition reads its records straight into plain dataclasses (no identity map, no instance
state) and, after the decision, compares each record the engine returned with the one it was
given (`is` per field: the engine reassigns, never mutates) and writes only what changed: one
UPDATE per changed record naming only its changed columns (records of a table with the same
changed columns in one executemany), one INSERT per table for the records created. The
statements are built once per table; SQLAlchemy's compiled cache keys them by the columns
given. A column default applies as the ORM applies it (`Base.__init__`), and `updated_at`
gets its `onupdate` when the engine did not set it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import fields
from operator import attrgetter, is_
from typing import Any, TypeVar, cast

from sqlalchemy import JSON, Table, and_, bindparam, insert, null, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.schema import ColumnDefault

from wfq.engine.snapshot import Action, Execution, ReadNeeded, Task
from wfq.persistence.models import ActionExecution, TaskExecution, WorkflowExecution
from wfq.persistence.repositories.executions import columns_by_id
from wfq.types import cap_text

R = TypeVar("R", Execution, Task, Action)

_TABLES: dict[type[Any], Table] = {
    Execution: cast(Table, WorkflowExecution.__table__),
    Task: cast(Table, TaskExecution.__table__),
    Action: cast(Table, ActionExecution.__table__),
}

_DEFERRED: dict[type[Any], tuple[str, ...]] = {Task: ("with_items_values",)}
"""Fields a transition does not read with its records (the last fields of the record): the
engine asks for them (`ReadNeeded`) when it needs them."""


class _Layout:
    """One record class: its fields in order, those read with the record, one C call to read
    them all from a record."""

    def __init__(self, cls: type[Any]) -> None:
        self.cls = cls
        self.names = tuple(f.name for f in fields(cls))
        self.deferred = _DEFERRED.get(cls, ())
        self.loaded = tuple(n for n in self.names if n not in self.deferred)
        assert self.names[: len(self.loaded)] == self.loaded, "deferred fields come last"
        self.of_record = attrgetter(*self.loaded)
        self.table = _TABLES[cls]
        self.columns = [self.table.c[n] for n in self.loaded]
        self.json = frozenset(c.name for c in self.table.c if isinstance(c.type, JSON))
        self.keys = tuple(c.key for c in self.table.c)
        # A callable default is SQLAlchemy's wrapper taking an execution context (None will do).
        self.defaults = {
            c.key: cast(ColumnDefault, c.default).arg for c in self.table.c if c.default is not None
        }

    def default(self, key: str) -> Any:
        """The value the ORM stores for a column not given: its default, else SQL NULL."""
        if key in self.defaults:
            arg = self.defaults[key]
            return arg(None) if callable(arg) else arg
        return null() if key in self.json else None


_LAYOUTS = {cls: _Layout(cls) for cls in _TABLES}


def _record(cls: type[R], values: Sequence[Any]) -> R:
    """A record of the loaded fields `values` (in field order); deferred fields left unset."""
    record = cls(*values)
    for name in _LAYOUTS[cls].deferred:
        object.__delattr__(record, name)
    return record


def copy(record: R) -> R:
    """A shallow copy (values by reference) keeping unset fields unset."""
    cls = type(record)
    layout = _LAYOUTS[cls]
    try:
        new = cls(*layout.of_record(record))
    except ReadNeeded:  # a record read with some fields only (`item_results`)
        new = cls.__new__(cls)
        for name in layout.names:
            try:
                object.__setattr__(new, name, object.__getattribute__(record, name))
            except AttributeError:
                continue
        return new
    for name in layout.deferred:
        try:
            object.__setattr__(new, name, object.__getattribute__(record, name))
        except AttributeError:
            object.__delattr__(new, name)
    return new


# ---- reading


@functools.cache
def _lock_statement(with_actions: bool) -> Any:
    ex, action = _TABLES[Execution], _TABLES[Action]
    columns = [*_LAYOUTS[Execution].columns, ex.c.spec]
    if not with_actions:
        return select(*columns).where(ex.c.id == bindparam("execution_id")).with_for_update()
    return (
        select(*columns, *_LAYOUTS[Action].columns)
        .select_from(
            ex.outerjoin(
                action,
                and_(
                    action.c.workflow_execution_id == ex.c.id,
                    action.c.id.in_(bindparam("action_ids", expanding=True)),
                ),
            )
        )
        .where(ex.c.id == bindparam("execution_id"))
        .with_for_update(of=ex)
    )


def shown_execution(session: Session, execution_id: str) -> Any:
    """The execution's columns as its view reads them (after this transaction's writes)."""
    return columns_by_id(session.connection(), WorkflowExecution, execution_id)


def update_execution(session: Session, execution: Execution, values: dict[str, Any]) -> None:
    """Set these columns of the execution's row now, and the fields among them on its record
    (an edit before the decision: the engine decides on the edited values)."""
    for name, value in values.items():
        if name in Execution.FIELDS:
            object.__setattr__(execution, name, value)
    values = {**values, "_record_id": execution.id}
    session.connection().execute(_update_statement(_TABLES[Execution]), values)


def lock_execution(
    session: Session, execution_id: str, action_ids: Sequence[str] = ()
) -> tuple[Execution, dict[str, Any], dict[str, Action]] | None:
    """Lock the execution row (until the transaction ends: the engine's mutex) and read it as a
    record, with its stored workflow spec and these action executions of it, in one round trip
    (every statement saved under the lock is saved on the critical path of a fork's branches).
    None: no such execution."""
    params: dict[str, Any] = {"execution_id": execution_id}
    if action_ids:
        params["action_ids"] = list(action_ids)
    rows = session.connection().execute(_lock_statement(bool(action_ids)), params).all()
    if not rows:
        return None
    n = len(_LAYOUTS[Execution].loaded)
    first = rows[0]
    execution = _record(Execution, first[:n])
    actions: dict[str, Action] = {}
    for row in rows if action_ids else ():
        if row[n + 1] is not None:
            action = _record(Action, row[n + 1 :])
            actions[action.id] = action
    return execution, first[n], actions


@functools.cache
def _tasks_statement() -> Any:
    task = _TABLES[Task]
    return (
        select(*_LAYOUTS[Task].columns)
        .where(task.c.workflow_execution_id == bindparam("execution_id"))
        .order_by(task.c.id)
    )


def tasks_of(session: Session, execution_id: str) -> list[Task]:
    """Every task execution of one execution as records, in creation order."""
    rows = session.connection().execute(_tasks_statement(), {"execution_id": execution_id})
    return [_record(Task, row) for row in rows]


@functools.cache
def _actions_of_task_statement() -> Any:
    action = _TABLES[Action]
    return select(*_LAYOUTS[Action].columns).where(
        action.c.task_execution_id == bindparam("task_id")
    )


def actions_of_task(session: Session, task_id: str) -> dict[str, Action]:
    """Every action execution of one task, by id."""
    rows = session.connection().execute(_actions_of_task_statement(), {"task_id": task_id})
    return {row[0]: _record(Action, row) for row in rows}


_ITEM_FIELDS = ("id", "task_execution_id", "item_index", "state", "accepted", "output", "attempt")


@functools.cache
def _item_results_statement() -> Any:
    action = _TABLES[Action]
    return select(*(action.c[n] for n in _ITEM_FIELDS)).where(
        action.c.task_execution_id == bindparam("task_id"), action.c.accepted.is_(True)
    )


def item_results(session: Session, task_id: str) -> dict[str, Action]:
    """The accepted items of a task with only what completing the task reads (index, state,
    result): their input and runtime stay unread, which for 100,000 items is most of the
    memory and time. The other fields are unset (a read the engine would ask for)."""
    out: dict[str, Action] = {}
    conn = session.connection()
    for row in conn.execute(_item_results_statement(), {"task_id": task_id}):
        item = Action.__new__(Action)
        for name, value in zip(_ITEM_FIELDS, row, strict=True):
            object.__setattr__(item, name, value)
        out[item.id] = item
    return out


def load_field(session: Session, record: Any, name: str) -> Any:
    """Read the column `name` of `record` (a field left unread, asked for by the engine) and
    keep it in the record, where the next copy finds it."""
    table = _TABLES[type(record)]
    stmt = select(table.c[name]).where(table.c.id == record.id)
    value = session.connection().execute(stmt).scalar_one()
    object.__setattr__(record, name, value)
    return value


# ---- writing


@functools.cache
def _update_statement(table: Table) -> Any:
    return update(table).where(table.c.id == bindparam("_record_id"))


@functools.cache
def _insert_statement(table: Table) -> Any:
    return insert(table)


def changes(before: Any, after: Any) -> dict[str, Any]:
    """The fields of `after` that are not the very objects of `before` (a field unset in
    `after` is not a change)."""
    layout = _LAYOUTS[type(after)]
    try:
        if all(map(is_, layout.of_record(after), layout.of_record(before))):
            names: Iterable[str] = layout.deferred  # the common case: nothing read has changed
        else:
            names = layout.names
    except ReadNeeded:  # a record read with some fields only
        names = layout.names
    changed: dict[str, Any] = {}
    for name in names:
        try:
            value = object.__getattribute__(after, name)
        except AttributeError:
            continue  # not read, and not set by the engine either
        try:
            same = object.__getattribute__(before, name) is value
        except AttributeError:
            same = False
        if not same:
            changed[name] = value
    return changed


def insert_values(record: Any, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every column of the row of a new `record`, as the ORM inserts a row built from it: the
    record's fields and `extra` columns; a column default for a column it lacks, and for a
    None outside JSON columns (the ORM leaves such a None out, so the default applies); SQL
    NULL for a column it lacks that has no default (a None in a JSON column is JSON null)."""
    layout = _LAYOUTS[type(record)]
    values: dict[str, Any] = {}
    for name in layout.names:
        try:
            values[name] = object.__getattribute__(record, name)
        except AttributeError:
            continue
    if extra:
        values.update(extra)
    for key in layout.keys:
        if key not in values:
            values[key] = layout.default(key)
        elif values[key] is None and key not in layout.json:
            values[key] = layout.default(key)
    return values


class Writes:
    """The statements of one transition's write-back, grouped: UPDATEs of a table with the same
    changed columns in one executemany, the INSERTs of a table in one."""

    def __init__(self, state_info_max: int) -> None:
        self.state_info_max = max(state_info_max, 200)
        self.updates: dict[tuple[Table, tuple[str, ...]], list[dict[str, Any]]] = {}
        self.inserts: dict[Table, list[dict[str, Any]]] = {}

    def changed(self, before: Any, after: Any, extra: dict[str, Any] | None = None) -> None:
        """Write the fields of `after` that differ from `before` (the same record, as read),
        and the `extra` columns."""
        values = changes(before, after)
        if extra:
            values.update(extra)
        if not values:
            return
        self._cap(type(after), values, after)
        table = _TABLES[type(after)]
        values["_record_id"] = after.id
        self.updates.setdefault((table, tuple(sorted(values))), []).append(values)

    def created(self, record: Any, extra: dict[str, Any] | None = None) -> None:
        """Insert the row of a record the engine created."""
        values = insert_values(record, extra)
        self._cap(type(record), values, record)
        self.inserts.setdefault(_TABLES[type(record)], []).append(values)

    def _cap(self, cls: type[Any], values: dict[str, Any], record: Any) -> None:
        """No error text, however built, passes the database's limits: a `state_info` longer
        than `state_info_max` is cut, and with it the error text of a failed execution's
        output (as the ORM session's flush does, `db._StateInfoCap`)."""
        info = values.get("state_info")
        if isinstance(info, str) and len(info) > self.state_info_max:
            values["state_info"] = cap_text(info, self.state_info_max)
        if cls is Execution and record.state == "ERROR" and "output" in values:
            output = values["output"]
            result = output.get("result") if isinstance(output, dict) else None
            if isinstance(result, str) and len(result) > self.state_info_max:
                values["output"] = {**output, "result": cap_text(result, self.state_info_max)}

    def execute(self, session: Session) -> None:
        """Run the statements, action executions first, then tasks, then the execution (the
        order the ORM's flush used)."""
        conn = session.connection()
        for table in (_TABLES[Action], _TABLES[Task], _TABLES[Execution]):
            for (of, _), rows in self.updates.items():
                if of is table:
                    conn.execute(_update_statement(table), rows)
            created = self.inserts.get(table)
            if created:
                conn.execute(_insert_statement(table), created)
        self.updates.clear()
        self.inserts.clear()
