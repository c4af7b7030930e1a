"""Reads for explain and dry-run replays (no writes)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wfq.persistence.models import ActionExecution, TaskExecution


def action_results_by_task(
    session: Session, execution_ids: Sequence[str]
) -> list[tuple[str, str, Any]]:
    """(task name, action state, action output) of every action execution of these executions,
    in the order the actions were created (items by index)."""
    stmt = (
        select(TaskExecution.name, ActionExecution.state, ActionExecution.output)
        .join(TaskExecution, TaskExecution.id == ActionExecution.task_execution_id)
        .where(ActionExecution.workflow_execution_id.in_(list(execution_ids)))
        .order_by(ActionExecution.created_at, ActionExecution.item_index, ActionExecution.id)
    )
    return [(name, state, output) for name, state, output in session.execute(stmt)]
