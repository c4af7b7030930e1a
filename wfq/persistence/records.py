"""The engine's plain records (`engine.snapshot.Execution`, `Task`, `Action`) read and written
without ORM rows: what one transition reads under the execution lock and what it writes back.

A transition reads its records straight into plain dataclasses (no identity map, no instance
state) and, after the decision, compares each record the engine returned with the one it was
given (`is` per field: the engine reassigns, never mutates) and writes only what changed: one
UPDATE per changed record naming only its changed columns, one INSERT per record created. A
column default applies as the ORM applies it (`Base.__init__`, and a None left out of its
INSERT), `updated_at` gets its `onupdate` when the engine did not set it, and a `state_info`
is capped as the ORM session's flush caps it.

Round trips are what a transition costs most, and the lock is held across them (a fork's
branches wait for one another's): on PostgreSQL a transition given its execution's id takes
two, BEGIN + the lock + the tasks' read in one, the writes + COMMIT in the other, each sent in
psycopg's pipeline mode with server-side prepared statements. SQLite, in-process, runs Core
statements one by one (UPDATEs of a table with the same columns, and the INSERTs of a table,
as one executemany).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from operator import attrgetter, is_
from typing import Any, TypeVar, cast

import psycopg
from psycopg import pq
from psycopg.rows import namedtuple_row
from psycopg.types.json import Jsonb
from sqlalchemy import (
    JSON,
    String,
    Table,
    and_,
    any_,
    bindparam,
    case,
    func,
    insert,
    not_,
    null,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import psycopg as pg_dialect
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import instance_dict
from sqlalchemy.sql.elements import Null
from sqlalchemy.sql.schema import ColumnDefault

from wfq.engine.snapshot import Action, Execution, ReadNeeded, Task
from wfq.persistence.models import ActionExecution, TaskExecution, WorkflowExecution
from wfq.persistence.repositories import executions as repo
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

LARGE_BYTES = 2048
"""A task's `in_context`, `published` or `result` stored in more bytes than this (its stored
size: `pg_column_size`, after compression, on PostgreSQL; the JSON text's length on SQLite) is
not read with the tasks under the execution's lock: the engine asks for it (`ReadNeeded`) if
the decision needs it, and it is read then with the task's other large values. Without this a
transition read and decoded every task's values, so a workflow of many tasks with big results
(HTTP responses, lists) paid more for each transition than for the one before."""
_LARGE = ("in_context", "published", "result")


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
    columns = [*_LAYOUTS[Execution].columns, ex.c.spec["checksum"].as_string()]
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


def execution_spec(session: Session, execution_id: str) -> dict[str, Any]:
    """The stored workflow spec of an execution (see `Locked`)."""
    ex = _TABLES[Execution]
    found = session.connection().execute(select(ex.c.spec).where(ex.c.id == execution_id))
    return cast(dict[str, Any], found.scalar_one())


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


@dataclass(slots=True)
class Locked:
    """An execution locked by this transaction, as records: the execution, the checksum of
    its stored workflow spec, the action executions asked for (by id) and, if asked for, its
    task executions in creation order.

    The spec itself is not read with the lock: it never changes once the execution exists, a
    process keeps the specs it built by checksum (`dsl.workflow_from_dict`), and reading and
    decoding it on every transition cost as much as the rest of the lock's row for a workflow
    of a few dozen tasks. `execution_spec` reads it when the checksum is not known here (None:
    a spec stored without one)."""

    execution: Execution
    spec_checksum: str | None
    actions: dict[str, Action]
    tasks: list[Task] | None = None


def lock_execution(
    session: Session,
    execution_id: str,
    action_ids: Sequence[str] = (),
    *,
    tasks: bool = False,
    begin: bool = False,
    whole: Sequence[str] = (),
) -> Locked | None:
    """Lock the execution row (until the transaction ends: the engine's mutex) and read it as a
    record, with its stored workflow spec, these action executions of it and (`tasks`) its
    task executions, their large values left out (`LARGE_BYTES`) but those of the tasks
    `whole`. None: no such execution.

    Every round trip saved while holding the lock is saved on the critical path of a fork's
    branches: on PostgreSQL this is one round trip, the lock and the tasks' read pipelined (the
    server runs them in order, the tasks read with a snapshot taken once the lock is held, as
    READ COMMITTED gives each statement), preceded by the transaction's BEGIN when `begin`
    (the write transaction was opened without one: `Database.write(begin=False)`). SQLite runs
    the statements one after another."""
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        return _lock_core(session, execution_id, action_ids, tasks, whole)
    driver = _driver(conn)
    with _pipeline(conn, driver):
        if begin:
            driver.execute("BEGIN")
        lock = driver.cursor()
        lock.execute(_lock_sql(len(action_ids)), [*action_ids, execution_id], prepare=True)
        read = driver.cursor()
        if tasks:
            sql, fixed = _pg_sql(_pg_tasks_statement)
            read.execute(sql, {**fixed, **_tasks_params(execution_id, whole)}, prepare=True)
    locked = _locked(lock.fetchall(), bool(action_ids))
    if tasks and locked is not None:
        locked.tasks = _task_records(read.fetchall())
    return locked


def _lock_core(
    session: Session,
    execution_id: str,
    action_ids: Sequence[str],
    tasks: bool,
    whole: Sequence[str],
) -> Locked | None:
    params: dict[str, Any] = {"execution_id": execution_id}
    if action_ids:
        params["action_ids"] = list(action_ids)
    rows = session.connection().execute(_lock_statement(bool(action_ids)), params).all()
    locked = _locked(rows, bool(action_ids))
    if locked is not None and tasks:
        found = session.connection().execute(
            _tasks_statement(False), _tasks_params(execution_id, whole)
        )
        locked.tasks = _task_records(found.all())
    return locked


def _locked(rows: Sequence[Any], with_actions: bool) -> Locked | None:
    if not rows:
        return None
    n = len(_LAYOUTS[Execution].loaded)
    first = rows[0]
    actions: dict[str, Action] = {}
    for row in rows if with_actions else ():
        if row[n + 1] is not None:
            action = _record(Action, row[n + 1 :])
            actions[action.id] = action
    return Locked(_record(Execution, first[:n]), first[n], actions)


def _select_sql(cls: type[Any], alias: str) -> str:
    return ", ".join(f'{alias}."{name}"' for name in _LAYOUTS[cls].loaded)


@functools.cache
def _lock_sql(n_actions: int) -> str:
    columns = f"{_select_sql(Execution, 'e')}, e.\"spec\"->>'checksum'"
    if not n_actions:
        return f'SELECT {columns} FROM "workflow_executions" e WHERE e."id" = %s FOR UPDATE'
    ids = ", ".join(["%s"] * n_actions)
    return (
        f'SELECT {columns}, {_select_sql(Action, "a")} FROM "workflow_executions" e '
        f'LEFT OUTER JOIN "action_executions" a ON a."workflow_execution_id" = e."id" '
        f'AND a."id" IN ({ids}) WHERE e."id" = %s FOR UPDATE OF e'
    )


def _driver(conn: Connection) -> psycopg.Connection[Any]:
    """The psycopg connection under a PostgreSQL SQLAlchemy connection."""
    return cast(psycopg.Connection[Any], conn.connection.driver_connection)


@contextlib.contextmanager
def _pipeline(conn: Connection, driver: psycopg.Connection[Any]) -> Iterator[None]:
    """psycopg's pipeline mode on the connection under `conn`: the statements executed inside
    are sent at once and their results read at the end, one round trip. A driver error is
    raised as SQLAlchemy raises it (`DBAPIError` and its subclasses, the connection
    invalidated when it was lost), so callers retry or report it as for any statement."""
    try:
        with driver.pipeline():
            yield
    except psycopg.Error as exc:
        lost = conn.dialect.is_disconnect(cast(Any, exc), cast(Any, driver), None)
        if lost:
            conn.invalidate(exc)
        raise DBAPIError.instance(
            "(pipeline)",
            None,
            exc,
            psycopg.Error,
            connection_invalidated=lost,
            dialect=conn.dialect,
        ) from exc


@functools.cache
def _tasks_statement(postgresql: bool) -> Any:
    """Every task of an execution (`execution_id`) in creation order, its large values (more
    than the `large` parameter: `LARGE_BYTES`) left out unless it is one of the tasks `whole`;
    after the task's columns, one flag per large value left out."""
    task = _TABLES[Task]
    if postgresql:
        size: Any = func.pg_column_size
        whole = task.c.id == any_(bindparam("whole", type_=ARRAY(String)))
    else:
        size = func.length
        whole = task.c.id.in_(bindparam("whole", expanding=True))
    columns: list[Any] = []
    flags: list[Any] = []
    for column in _LAYOUTS[Task].columns:
        if column.name not in _LARGE:
            columns.append(column)
            continue
        left_out = and_(size(column) > bindparam("large"), not_(whole))
        columns.append(type_coerce(case((left_out, null()), else_=column), column.type))
        flags.append(left_out)
    return (
        select(*columns, *flags)
        .where(task.c.workflow_execution_id == bindparam("execution_id"))
        .order_by(task.c.id)
    )


def _pg_tasks_statement() -> Any:
    return _tasks_statement(True)


_LARGE_IN_ORDER = tuple(n for n in _LAYOUTS[Task].loaded if n in _LARGE)
_TASK_LOADED = len(_LAYOUTS[Task].loaded)


def _tasks_params(execution_id: str, whole: Sequence[str]) -> dict[str, Any]:
    return {"execution_id": execution_id, "large": LARGE_BYTES, "whole": list(whole)}


def _task_records(rows: Iterable[Sequence[Any]]) -> list[Task]:
    """Task records of rows of `_tasks_statement`: a value left out stays unset."""
    n = _TASK_LOADED
    out = []
    for row in rows:
        task = _record(Task, row[:n])
        flags = row[n:]
        if True in flags:
            for name, flag in zip(_LARGE_IN_ORDER, flags, strict=True):
                if flag:
                    object.__delattr__(task, name)
        out.append(task)
    return out


def left_out(tasks: Iterable[Task], name: str) -> list[Task]:
    """The tasks whose large value `name` was not read with them (see `LARGE_BYTES`)."""
    out = []
    for task in tasks:
        try:
            object.__getattribute__(task, name)
        except AttributeError:
            out.append(task)
    return out


def read_left_out(session: Session, tasks: Sequence[Task], name: str | None = None) -> None:
    """Read the large values (`name`: that one only) the lock's read left out of `tasks`,
    one query per value."""
    for field_name in _LARGE if name is None else (name,):
        load_fields(session, left_out(tasks, field_name), (field_name,))


def is_large_field(name: str) -> bool:
    return name in _LARGE


def read_left_out_of(session: Session, task: Task) -> None:
    """Read every large value the lock's read left out of `task`, in one query."""
    load_fields(session, [task], [n for n in _LARGE if left_out([task], n)])


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


def load_fields(session: Session, records: Sequence[Any], names: Sequence[str]) -> None:
    """`load_field` for several records of one kind and several columns, in one query."""
    if not records or not names:
        return
    table = _TABLES[type(records[0])]
    stmt = select(table.c.id, *(table.c[n] for n in names)).where(
        table.c.id.in_([r.id for r in records])
    )
    values = {row[0]: row[1:] for row in session.connection().execute(stmt)}
    for record in records:
        for name, value in zip(names, values[record.id], strict=True):
            object.__setattr__(record, name, value)


# ---- writing

Take = tuple[str, int, int, str | None]
"""One task's take of its next IDLE items: (task id, after this index, how many, by worker)."""


def finish_and_take(
    session: Session, results: Sequence[tuple[str, str, Any]], takes: Sequence[Take], now: Any
) -> list[list[Any]]:
    """Store item results and take tasks' next IDLE items in one transaction (the item
    writer's, services/item_results.py): the compare-and-set UPDATE of each result
    (`repo.finish_running_actions_each`) and each task's `UPDATE ... RETURNING` of its next
    items (`repo.take_idle_items`). Returns each take's claim columns, in index order.

    On PostgreSQL, under `Database.write(begin=False)`, it is one round trip: BEGIN, the
    statements and COMMIT sent together in psycopg's pipeline mode (the session's own commit
    then finds the transaction ended and sends nothing). SQLite runs them one by one."""
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        repo.finish_running_actions_each(session, results, now)
        return [repo.take_idle_items(session, *take, now) for take in takes]
    driver = _driver(conn)
    finish_sql, finish_fixed = _pg_sql(repo.finish_each_statement)
    take_sql, take_fixed = _pg_sql(repo.take_idle_statement)
    begin = driver.info.transaction_status == pq.TransactionStatus.IDLE
    cursors = []
    with _pipeline(conn, driver):
        cur = driver.cursor()
        if begin:
            cur.execute("BEGIN", prepare=False)
        if results:
            cur.executemany(
                finish_sql,
                [
                    {**finish_fixed, **p, "b_output": Jsonb(p["b_output"])}
                    for p in repo.finish_each_params(results, now)
                ],
            )
        for take in takes:
            taking = driver.cursor(row_factory=namedtuple_row)
            taking.execute(
                take_sql, {**take_fixed, **repo.take_idle_params(*take, now)}, prepare=True
            )
            cursors.append(taking)
        cur.execute("COMMIT", prepare=False)
    return [sorted(c.fetchall(), key=attrgetter("item_index")) for c in cursors]


@functools.cache
def _pg_sql(statement: Any) -> tuple[str, dict[str, Any]]:
    """A repository statement's PostgreSQL text (named parameters) and its fixed parameters."""
    compiled = statement().compile(dialect=pg_dialect.dialect())
    return str(compiled), dict(compiled.params)


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
    return _with_defaults(layout, values)


def _with_defaults(layout: _Layout, values: dict[str, Any]) -> dict[str, Any]:
    for key in layout.keys:
        if key not in values:
            values[key] = layout.default(key)
        elif values[key] is None and key not in layout.json:
            values[key] = layout.default(key)
    return values


class Writes:
    """The statements of one transition's write-back: an UPDATE of the changed columns of each
    changed record, an INSERT of each new one (on SQLite, those of a table with the same
    columns as one executemany; on PostgreSQL, all in one pipeline)."""

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

    def created_row(self, session: Session, row: WorkflowExecution) -> None:
        """Insert an execution created as an ORM row in this session (`session.add`) with
        these statements instead of the session's flush: the row leaves the session (its
        attributes stay readable, for its view)."""
        session.expunge(row)
        layout = _LAYOUTS[Execution]
        values = _with_defaults(
            layout, {k: v for k, v in instance_dict(row).items() if k in layout.table.c}
        )
        self._cap(Execution, values, row)
        self.inserts.setdefault(layout.table, []).append(values)

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

    def execute(self, session: Session, *, commit: bool = False) -> None:
        """Run the statements, action executions first, then tasks, then the execution (the
        order the ORM's flush used). On PostgreSQL they go in one round trip (psycopg's
        pipeline mode, each statement prepared on the server once per connection); with
        `commit`, the transaction's COMMIT goes with them (the caller runs no statement after
        this one: the session's own commit then finds the transaction ended and sends
        nothing)."""
        conn = session.connection()
        if conn.dialect.name == "postgresql":
            statements = list(self._statements())
            driver = _driver(conn)
            # Under `Database.write(begin=False)` no statement may have begun the transaction
            # yet (a start's reads run by themselves): its BEGIN goes with the writes.
            begin = driver.info.transaction_status == pq.TransactionStatus.IDLE
            if statements or commit or begin:
                with _pipeline(conn, driver):
                    cur = driver.cursor()
                    if begin:
                        cur.execute("BEGIN", prepare=False)
                    for sql, args in statements:
                        cur.execute(sql, args, prepare=True)
                    if commit:
                        # Not prepared: pg_stat_statements then counts it, as it counts the
                        # session's COMMIT (benchmarks.execution_costs counts write transactions
                        # by their COMMITs).
                        cur.execute("COMMIT", prepare=False)
        else:
            for table in _ORDER:
                for (of, _), rows in self.updates.items():
                    if of is table:
                        conn.execute(_update_statement(table), rows)
                created = self.inserts.get(table)
                if created:
                    conn.execute(_insert_statement(table), created)
        self.updates.clear()
        self.inserts.clear()

    def _statements(self) -> Iterator[tuple[str, list[Any]]]:
        """PostgreSQL's statements and their parameters (JSON columns as jsonb, None in a JSON
        column as JSON null, SQL NULL where the ORM stores one)."""
        for table in _ORDER:
            json = _LAYOUTS[_RECORDS[table]].json
            onupdate = _onupdate(table)
            for (of, keys), rows in self.updates.items():
                if of is not table:
                    continue
                names = [k for k in keys if k != "_record_id"]
                if onupdate and onupdate[0] not in names:
                    names.append(onupdate[0])
                sql = _update_sql(table.name, tuple(names))
                for row in rows:
                    if onupdate:
                        row.setdefault(onupdate[0], onupdate[1](None))
                    args = [_param(row[n], n in json) for n in names]
                    args.append(row["_record_id"])
                    yield sql, args
            for row in self.inserts.get(table, ()):
                columns = tuple(row)
                args = [_param(row[n], n in json) for n in columns]
                yield _insert_sql(table.name, columns), args


_ORDER = (_TABLES[Action], _TABLES[Task], _TABLES[Execution])
_RECORDS = {table: cls for cls, table in _TABLES.items()}


def _param(value: Any, is_json: bool) -> Any:
    if isinstance(value, Null):
        return None  # SQL NULL (`Layout.default`)
    return Jsonb(value) if is_json else value


@functools.cache
def _onupdate(table: Table) -> tuple[str, Any] | None:
    """The column with a Python `onupdate` (`updated_at`) and its function, as Core's UPDATE
    applies it when the statement does not set that column."""
    for column in table.c:
        if column.onupdate is not None:
            return column.key, cast(ColumnDefault, column.onupdate).arg
    return None


@functools.cache
def _update_sql(table: str, names: tuple[str, ...]) -> str:
    sets = ", ".join(f'"{n}" = %s' for n in names)
    return f'UPDATE "{table}" SET {sets} WHERE "id" = %s'


@functools.cache
def _insert_sql(table: str, names: tuple[str, ...]) -> str:
    columns = ", ".join(f'"{n}"' for n in names)
    return f'INSERT INTO "{table}" ({columns}) VALUES ({", ".join(["%s"] * len(names))})'
