"""The items of with-items tasks: which are waiting to be taken, dropping those no lane will
take, and counting them by state (progress)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session, load_only

from wfq.persistence.models import ActionExecution, TaskExecution
from wfq.states import State, check_transition


def has_idle_item(session: Session, task_id: str) -> bool:
    """True when the task has an item created and not yet taken by a lane."""
    stmt = select(ActionExecution.id).where(
        ActionExecution.task_execution_id == task_id, text("action_executions.state = 'IDLE'")
    )
    return session.scalars(stmt.limit(1)).first() is not None


def drop_unstarted_items(session: Session, task_ids: Sequence[str], now: Any) -> None:
    """These tasks stopped: forget their items that no lane has taken (IDLE, never shown), and
    cancel those sent to a lane that no worker has started yet (RUNNING, unclaimed)."""
    if not task_ids:
        return
    check_transition(State.RUNNING, State.CANCELLED)  # the lane-sent items: a compare-and-set
    mine = ActionExecution.task_execution_id.in_(task_ids)
    session.execute(delete(ActionExecution).where(mine, ActionExecution.state == "IDLE"))
    session.execute(
        update(ActionExecution)
        .where(mine, ActionExecution.state == "RUNNING", ActionExecution.worker.is_(None))
        .values(state="CANCELLED", output={"result": None}, updated_at=now)
    )


def item_states(session: Session, task_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """How many accepted items of each task are in each state: `{task_id: {state: n}}`."""
    if not task_ids:
        return {}
    stmt = (
        select(ActionExecution.task_execution_id, ActionExecution.state, func.count())
        .where(ActionExecution.task_execution_id.in_(task_ids), ActionExecution.accepted.is_(True))
        .group_by(ActionExecution.task_execution_id, ActionExecution.state)
    )
    out: dict[str, dict[str, int]] = {}
    for task_id, state, n in session.execute(stmt):
        out.setdefault(cast(str, task_id), {})[state] = int(n)  # in task_ids: not NULL
    return out


def has_items_to_create(session: Session, task_id: str) -> bool:
    """True when the task runs and has items the engine has not created yet."""
    stmt = select(TaskExecution.state, TaskExecution.runtime_context).where(
        TaskExecution.id == task_id
    )
    row = session.execute(stmt).first()
    return (
        row is not None
        and row.state == "RUNNING"
        and bool((row.runtime_context or {}).get("items_todo"))
    )


def item_results(session: Session, task_id: str) -> dict[str, ActionExecution]:
    """The accepted items of a task with only what completing the task reads (index, state,
    result): their input and runtime stay unread, which for 100,000 items is most of the
    memory and time."""
    cols = (
        ActionExecution.id,
        ActionExecution.task_execution_id,
        ActionExecution.item_index,
        ActionExecution.state,
        ActionExecution.accepted,
        ActionExecution.output,
        ActionExecution.attempt,
    )
    stmt = (
        select(ActionExecution)
        .options(load_only(*cols))
        .where(ActionExecution.task_execution_id == task_id, ActionExecution.accepted.is_(True))
        .execution_options(populate_existing=True)
    )
    return {a.id: a for a in session.scalars(stmt)}
