"""Applying an engine event that arrived by message (`wfq.continue_execution`): a due timer,
a with-items task that wants its next batch of items or has all their results."""

from __future__ import annotations

from typing import Any

from wfq import engine
from wfq.logging_setup import bind, log_context
from wfq.persistence.db import Session
from wfq.persistence.models import TaskExecution
from wfq.services import work_list
from wfq.services.apply import apply_event
from wfq.services.context import Services


def continue_execution(svc: Services, data: dict[str, Any]) -> None:
    """Apply the event `data` (`Event.to_dict()`) to the execution of its task (idempotent)."""
    event = engine.event_from_dict(data)
    task_id = getattr(event, "task_execution_id", None)

    def execution_of_task(session: Session) -> str | None:
        task = session.get(TaskExecution, task_id)
        if task is None:
            return None
        bind(execution_id=task.workflow_execution_id)
        return task.workflow_execution_id

    lane_wants_batch = isinstance(event, engine.ItemsWanted) and not event.lanes
    with log_context(task_execution_id=task_id):
        applied = apply_event(
            svc,
            execution_of_task,
            event,
            unless_idle_items=task_id if lane_wants_batch else None,
            item_results=task_id if isinstance(event, engine.ItemsCompleted) else None,
        )
        work_list.carry_out(svc, applied.commands)
