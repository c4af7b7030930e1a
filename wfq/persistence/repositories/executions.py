"""Loading and saving workflow, task and action executions."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, func, select, text, update
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.orm import Session

from wfq.persistence.listing import ENGINE_ONLY
from wfq.persistence.models import ActionExecution, TaskExecution, WorkflowExecution
from wfq.states import State, check_transition


@functools.cache
def _by_id(table: Any) -> Any:
    hidden = ENGINE_ONLY.get(table.name, ())
    shown = [c for c in table.c if c.name not in hidden]
    return select(*shown).where(table.c.id == bindparam("ident"))


def columns_by_id(conn: Connection, model: Any, ident: str) -> Any:
    """The columns of one row of `model`'s table as a plain Row (attribute access by column
    name, no ORM instance), or None. Without the engine's own columns (`ENGINE_ONLY`): what
    reads a row this way shows it (GET of one execution, polled by clients) or needs its
    names and project."""
    return conn.execute(_by_id(model.__table__), {"ident": ident}).first()


def lock_execution(session: Session, execution_id: str) -> WorkflowExecution | None:
    """The execution row, locked until the transaction ends (the engine's mutex)."""
    stmt = (
        select(WorkflowExecution)
        .where(WorkflowExecution.id == execution_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.scalars(stmt).one_or_none()


@functools.cache
def _tasks_of() -> Any:
    return (
        select(TaskExecution)
        .where(TaskExecution.workflow_execution_id == bindparam("execution_id"))
        .order_by(TaskExecution.id)
        .execution_options(populate_existing=True)
    )


def tasks_of(session: Session, execution_id: str) -> list[TaskExecution]:
    """Every task execution of one execution, in creation order."""
    return list(session.scalars(_tasks_of(), {"execution_id": execution_id}))


def tasks_of_executions(
    session: Session, execution_ids: Sequence[str], project_id: str
) -> list[tuple[TaskExecution, dict[str, Any]]]:
    """The task executions of these executions of one project, oldest first, each with its
    execution's workflow spec (for `tasks()` of other executions)."""
    if not execution_ids:
        return []
    stmt = (
        select(TaskExecution, WorkflowExecution.spec)
        .join(WorkflowExecution, WorkflowExecution.id == TaskExecution.workflow_execution_id)
        .where(
            TaskExecution.workflow_execution_id.in_(execution_ids),
            WorkflowExecution.project_id == project_id,
        )
        .order_by(TaskExecution.id)
    )
    return [(task, spec) for task, spec in session.execute(stmt)]


def children_of_tasks(session: Session, task_ids: Sequence[str]) -> list[str]:
    """Ids of the subworkflow executions started by these task executions."""
    if not task_ids:
        return []
    stmt = select(WorkflowExecution.id).where(WorkflowExecution.task_execution_id.in_(task_ids))
    return list(session.scalars(stmt))


def lock_action(session: Session, action_id: str) -> ActionExecution | None:
    """One action execution row, locked."""
    stmt = select(ActionExecution).where(ActionExecution.id == action_id).with_for_update()
    return session.scalars(stmt.execution_options(populate_existing=True)).one_or_none()


_CLAIM_COLUMNS = (
    "id",
    "name",
    "input",
    "runtime",
    "item_index",
    "task_execution_id",
    "workflow_execution_id",
    "workflow_name",
)


def claim_unclaimed(conn: Connection | Session, action_id: str, worker: str, now: Any) -> Any:
    """Mark a RUNNING action execution that no worker holds yet as `worker`'s, in one
    compare-and-set statement; returns its claim columns, or None when it was not free."""
    params = {"action_id": action_id, "worker": worker, "now": now}
    return conn.execute(_claim(many=False), params).one_or_none()


def claim_unclaimed_many(
    conn: Connection | Session, action_ids: Sequence[str], worker: str, now: Any
) -> list[Any]:
    """`claim_unclaimed` for several action executions in one statement: the claim columns of
    those that were free (in no particular order)."""
    params = {"action_ids": list(action_ids), "worker": worker, "now": now}
    return list(conn.execute(_claim(many=True), params).all())


@functools.cache
def _claim(many: bool) -> Any:
    """The claim statement, built once: of the action `action_id`, or (`many`) of those of the
    list `action_ids`."""
    table = cast(Table, ActionExecution.__table__)
    now = bindparam("now", type_=table.c.updated_at.type)
    which = (
        table.c.id.in_(bindparam("action_ids", expanding=True))
        if many
        else table.c.id == bindparam("action_id")
    )
    return (
        update(table)
        .where(which, table.c.state == "RUNNING", table.c.worker.is_(None))
        .values(worker=bindparam("worker"), heartbeat_at=now, updated_at=now)
        .returning(*(table.c[name] for name in _CLAIM_COLUMNS))
    )


def unclaim(conn: Connection | Session, action_id: str, worker: str) -> bool:
    """Give back a RUNNING action execution `worker` claimed but did not start: no worker, no
    heartbeat, as a message not yet taken leaves it. False when it was not `worker`'s."""
    table = cast(Table, ActionExecution.__table__)
    stmt = (
        update(table)
        .where(table.c.id == action_id, table.c.state == "RUNNING", table.c.worker == worker)
        .values(worker=None, heartbeat_at=None)
    )
    return bool(cast(CursorResult[Any], conn.execute(stmt)).rowcount)


def adder(session: Session, model: type[Any]) -> Any:
    """A factory that creates a `model` row and adds it to the session."""

    def make(**fields: Any) -> Any:
        row = model(**fields)
        session.add(row)
        return row

    return make


def unclaimed_actions(
    session: Session, sent_before: Any, limit: int = 1000
) -> list[ActionExecution]:
    """RUNNING action executions that no worker has claimed, last sent before `sent_before`
    (their `heartbeat_at` when the integrity check sent them again, else their creation),
    the longest waiting first."""
    sent = func.coalesce(ActionExecution.heartbeat_at, ActionExecution.created_at)
    stmt = (
        select(ActionExecution)
        .where(
            ActionExecution.state == "RUNNING", ActionExecution.worker.is_(None), sent < sent_before
        )
        .order_by(sent)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def mark_sent_again(session: Session, action_ids: Sequence[str], at: Any) -> None:
    """Record that the integrity check sent these actions again: while no worker has claimed
    one, its `heartbeat_at` holds when, and `runtime["sent_again"]` how many times."""
    stmt = (
        select(ActionExecution)
        .where(
            ActionExecution.id.in_(action_ids),
            ActionExecution.state == "RUNNING",
            ActionExecution.worker.is_(None),
        )
        .with_for_update()
    )
    for row in session.scalars(stmt):
        row.heartbeat_at = at
        row.runtime = {**row.runtime, "sent_again": int(row.runtime.get("sent_again", 0)) + 1}


def orphan_workflow_tasks(
    session: Session, created_before: Any, limit: int = 1000
) -> list[TaskExecution]:
    """RUNNING tasks of type WORKFLOW whose child execution was never created."""
    child = select(WorkflowExecution.id).where(
        WorkflowExecution.task_execution_id == TaskExecution.id
    )
    stmt = (
        select(TaskExecution)
        .where(
            TaskExecution.type == "WORKFLOW",
            TaskExecution.state == "RUNNING",
            TaskExecution.created_at < created_before,
            ~child.exists(),
        )
        .limit(limit)
    )
    return list(session.scalars(stmt))


def finished_children_of_running_tasks(
    session: Session, limit: int = 1000
) -> list[WorkflowExecution]:
    """Finished child executions whose parent task still waits for them (a child of an earlier
    attempt of a with-items task, before a rerun or retry, is not waited for)."""
    stmt = (
        select(WorkflowExecution, TaskExecution.runtime_context)
        .join(TaskExecution, TaskExecution.id == WorkflowExecution.task_execution_id)
        .where(
            WorkflowExecution.state.in_(("SUCCESS", "ERROR", "CANCELLED", "REVERTED")),
            TaskExecution.state == "RUNNING",
        )
        .limit(limit)
    )
    return [
        child
        for child, rc in session.execute(stmt)
        if (child.params or {}).get("attempt", 0) == int((rc or {}).get("sub_attempt", 0))
    ]


def child_exists(
    session: Session,
    task_id: str,
    index: int | None = None,
    attempt: int = 0,
    ignore: Sequence[str] = (),
) -> bool:
    """True when a child execution of this task (with this with-items `index`, started by this
    `attempt` of the task) exists, not counting the `ignore`d ones (children of earlier
    attempts of a retried task)."""
    stmt = select(WorkflowExecution.id, WorkflowExecution.params).where(
        WorkflowExecution.task_execution_id == task_id
    )
    return any(
        (params or {}).get("index") == index
        and (params or {}).get("attempt", 0) == attempt
        and ident not in ignore
        for ident, params in session.execute(stmt)
    )


def tasks_with_late_timers(
    session: Session, due_before: Any, limit: int = 1000
) -> list[TaskExecution]:
    """Tasks whose earliest timer was due before `due_before` and has not fired."""
    stmt = (
        select(TaskExecution)
        .where(TaskExecution.timer_at.is_not(None), TaskExecution.timer_at < due_before)
        .order_by(TaskExecution.timer_at)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def actions_of_task(session: Session, task_id: str) -> dict[str, ActionExecution]:
    """Every action execution of one task (fresh from the database), by id."""
    stmt = (
        select(ActionExecution)
        .where(ActionExecution.task_execution_id == task_id)
        .execution_options(populate_existing=True)
    )
    return {a.id: a for a in session.scalars(stmt)}


def claim_idle_item(
    session: Session, task_id: str, after_index: int = -1
) -> ActionExecution | None:
    """Lock the task's first IDLE item after `after_index` that no other transaction holds
    (SKIP LOCKED). Items are claimed in index order, so a lane passes the index it just ran:
    the scan then starts past the items already claimed, whose index entries linger until
    VACUUM and would otherwise make every claim walk all of them."""
    stmt = (
        select(ActionExecution)
        # A literal (not a bound parameter) so the planner can use the partial IDLE index.
        .where(
            ActionExecution.task_execution_id == task_id,
            text("action_executions.state = 'IDLE'"),
            ActionExecution.item_index > after_index,
        )
        .order_by(ActionExecution.item_index)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return session.scalars(stmt).first()


# Claiming an item is the compare-and-set IDLE -> RUNNING (`WHERE state = 'IDLE'`): the
# transition table must allow it, checked once here rather than per statement.
check_transition(State.IDLE, State.RUNNING)


def take_idle_item(session: Session, task_id: str, after_index: int, worker: str, now: Any) -> Any:
    """Like `claim_idle_item`, but one statement that also marks the item RUNNING and taken by
    `worker`; returns its claim columns (see `claim_unclaimed`), or None when none is left."""
    rows = take_idle_items(session, task_id, after_index, 1, worker, now)
    return rows[0] if rows else None


def finish_running_actions_each(
    session: Session, results: Sequence[tuple[str, str, Any]], now: Any
) -> None:
    """Store the results of RUNNING action executions `(action id, state, output)` without
    reading them first (an action no longer RUNNING, a duplicate or cancelled meanwhile, is left
    as it is): one compare-and-set statement run for each (psycopg sends them together, in one
    pipeline)."""
    if results:
        params = finish_each_params(results, now)  # refused states raise before any statement
        session.execute(finish_each_statement(), params)


def finish_each_params(results: Sequence[tuple[str, str, Any]], now: Any) -> list[dict[str, Any]]:
    """The parameters of `finish_each_statement`, one set per result (states checked)."""
    for state in {state for _, state, _ in results}:
        check_transition(State.RUNNING, state)
    return [{"b_id": i, "b_state": st, "b_output": out, "b_now": now} for i, st, out in results]


@functools.cache
def finish_each_statement() -> Any:
    """The compare-and-set UPDATE of `finish_running_actions_each`."""
    table = cast(Table, ActionExecution.__table__)
    return (
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.state == "RUNNING")
        .values(
            state=bindparam("b_state"),
            output=bindparam("b_output", type_=table.c.output.type),
            updated_at=bindparam("b_now", type_=table.c.updated_at.type),
        )
    )


def finish_running_actions(
    session: Session, action_ids: Sequence[str], state: str, output: Any, now: Any
) -> int:
    """`finish_running_actions_each` for several actions with the same result, in one
    statement; how many were still RUNNING."""
    check_transition(State.RUNNING, state)
    table = cast(Table, ActionExecution.__table__)
    stmt = (
        update(table)
        .where(table.c.id.in_(action_ids), table.c.state == "RUNNING")
        .values(state=state, output=output, updated_at=now)
    )
    return int(cast(CursorResult[Any], session.execute(stmt)).rowcount or 0)


def take_idle_items(
    session: Session, task_id: str, after_index: int, limit: int, worker: str | None, now: Any
) -> list[Any]:
    """Up to `limit` of the task's next IDLE items, marked RUNNING (and taken by `worker`, or
    left unclaimed for a lane message) in one statement; their claim columns, in index order."""
    params = take_idle_params(task_id, after_index, limit, worker, now)
    rows = session.execute(take_idle_statement(), params).all()
    return sorted(rows, key=lambda row: row.item_index)


def take_idle_params(
    task_id: str, after_index: int, limit: int, worker: str | None, now: Any
) -> dict[str, Any]:
    """The parameters of `take_idle_statement`."""
    return {
        "task_id": task_id,
        "after_index": after_index,
        "limit": limit,
        "worker": worker,
        "now": now,
    }


@functools.cache
def take_idle_statement() -> Any:
    """The statement of `take_idle_items`, built once (an alias's columns cost more to build
    than the statement costs to run)."""
    table = cast(Table, ActionExecution.__table__)
    idle = table.alias("idle")
    now = bindparam("now", type_=table.c.updated_at.type)
    first = (
        select(idle.c.id)
        # A literal (not a bound parameter) so the planner can use the partial IDLE index.
        .where(
            idle.c.task_execution_id == bindparam("task_id"),
            text("idle.state = 'IDLE'"),
            idle.c.item_index > bindparam("after_index"),
        )
        .order_by(idle.c.item_index)
        .limit(bindparam("limit"))
        .with_for_update(skip_locked=True)
    )
    return (
        update(table)
        .where(table.c.id.in_(first))
        # An item's action execution shows from when it starts (an IDLE one is not shown).
        .values(
            state="RUNNING",
            worker=bindparam("worker"),
            heartbeat_at=now,
            created_at=now,
            updated_at=now,
        )
        .returning(*(table.c[name] for name in _CLAIM_COLUMNS))
    )


def count_unfinished_items(session: Session, task_id: str) -> int:
    """Items of the task not finished yet (IDLE or RUNNING)."""
    stmt = select(func.count()).where(
        ActionExecution.task_execution_id == task_id,
        ActionExecution.state.in_(("IDLE", "RUNNING")),
    )
    return int(session.scalar(stmt) or 0)


def failed_tasks(session: Session, execution_id: str) -> list[TaskExecution]:
    """The ERROR task executions of an execution, by name then creation."""
    stmt = (
        select(TaskExecution)
        .where(TaskExecution.workflow_execution_id == execution_id, TaskExecution.state == "ERROR")
        .order_by(TaskExecution.name, TaskExecution.created_at)
    )
    return list(session.scalars(stmt))


def children_of(session: Session, execution_id: str) -> list[WorkflowExecution]:
    """Executions started by tasks of this execution."""
    task_ids = select(TaskExecution.id).where(TaskExecution.workflow_execution_id == execution_id)
    stmt = select(WorkflowExecution).where(WorkflowExecution.task_execution_id.in_(task_ids))
    return list(session.scalars(stmt))


def delete_execution_tree(session: Session, execution_id: str) -> None:
    """Delete an execution, its tasks and action executions, and its children, recursively."""
    for child in children_of(session, execution_id):
        delete_execution_tree(session, child.id)
    session.execute(
        delete(ActionExecution).where(ActionExecution.workflow_execution_id == execution_id)
    )
    session.execute(
        delete(TaskExecution).where(TaskExecution.workflow_execution_id == execution_id)
    )
    session.execute(delete(WorkflowExecution).where(WorkflowExecution.id == execution_id))


def touch_heartbeats(session: Session, worker: str, ids: Sequence[str], now: Any) -> int:
    """Refresh `heartbeat_at` of those of `ids` that are RUNNING and claimed by `worker`."""
    stmt = (
        update(ActionExecution)
        .where(
            ActionExecution.id.in_(ids),
            ActionExecution.worker == worker,
            ActionExecution.state == "RUNNING",
        )
        .values(heartbeat_at=now)
    )
    return int(cast(CursorResult[Any], session.execute(stmt)).rowcount or 0)


def lost_actions(session: Session, beat_before: Any, limit: int = 1000) -> list[ActionExecution]:
    """RUNNING actions claimed by a worker whose last heartbeat is older than `beat_before`
    (asynchronous actions wait for the API and have no heartbeat: they are left alone)."""
    stmt = (
        select(ActionExecution)
        .where(
            ActionExecution.state == "RUNNING",
            ActionExecution.worker.is_not(None),
            ActionExecution.heartbeat_at < beat_before,
        )
        .limit(limit)
    )
    return [a for a in session.scalars(stmt) if not a.runtime.get("async")]


def stale_running_tasks(
    session: Session, updated_before: Any, limit: int = 1000
) -> list[TaskExecution]:
    """RUNNING tasks unchanged since `updated_before` (candidates for a lost chord callback)."""
    stmt = (
        select(TaskExecution)
        .where(
            TaskExecution.state == "RUNNING",
            TaskExecution.type == "ACTION",
            func.coalesce(TaskExecution.updated_at, TaskExecution.created_at) < updated_before,
        )
        .limit(limit)
    )
    return list(session.scalars(stmt))


def count_running_items(session: Session, task_id: str) -> int:
    """Items of the task a lane is running now."""
    stmt = select(func.count()).where(
        ActionExecution.task_execution_id == task_id, ActionExecution.state == "RUNNING"
    )
    return int(session.scalar(stmt) or 0)


def expired_roots(session: Session, finished_before: Any, keep: int, limit: int = 500) -> list[str]:
    """Ids of finished root executions to delete: older than `finished_before` (if given) or
    beyond the newest `keep` finished ones (if keep > 0)."""
    done = ("SUCCESS", "ERROR", "CANCELLED", "REVERTED")
    base = select(WorkflowExecution.id).where(
        WorkflowExecution.task_execution_id.is_(None), WorkflowExecution.state.in_(done)
    )
    ids: list[str] = []
    if finished_before is not None:
        stmt = base.where(
            func.coalesce(WorkflowExecution.finished_at, WorkflowExecution.updated_at)
            < finished_before
        )
        ids += list(session.scalars(stmt.limit(limit)))
    if keep > 0:
        stmt = base.order_by(WorkflowExecution.created_at.desc()).offset(keep).limit(limit)
        ids += [i for i in session.scalars(stmt) if i not in ids]
    return ids
