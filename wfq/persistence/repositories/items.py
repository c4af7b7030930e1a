"""The items of with-items tasks: which are waiting to be taken, dropping those no lane will
take, and counting them by state (progress)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from wfq.persistence.models import ActionExecution, TaskExecution


def has_idle_item(session: Session, task_id: str) -> bool:
    """True when the task has an item created and not yet taken by a lane."""
    stmt = select(ActionExecution.id).where(
        ActionExecution.task_execution_id == task_id, text("action_executions.state = 'IDLE'")
    )
    return session.scalars(stmt.limit(1)).first() is not None


def delete_idle_items(session: Session, task_ids: Sequence[str]) -> int:
    """Forget the items of these tasks that no lane has taken (their task stopped)."""
    if not task_ids:
        return 0
    stmt = delete(ActionExecution).where(
        ActionExecution.task_execution_id.in_(task_ids), ActionExecution.state == "IDLE"
    )
    return int(session.execute(stmt).rowcount or 0)


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
        out.setdefault(task_id, {})[state] = int(n)
    return out


def has_items_to_create(session: Session, task_id: str) -> bool:
    """True when the task runs and has items the engine has not created yet."""
    stmt = select(TaskExecution.state, TaskExecution.runtime_context).where(TaskExecution.id == task_id)
    row = session.execute(stmt).first()
    return row is not None and row.state == "RUNNING" and bool((row.runtime_context or {}).get("items_todo"))
