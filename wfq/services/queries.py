"""Reading executions, task executions and action executions (list and get)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from wfq.errors import NotFound
from wfq.persistence.listing import ListQuery, list_rows
from wfq.persistence.models import ActionExecution, TaskExecution, WorkflowExecution
from wfq.persistence.repositories import executions as repo
from wfq.persistence.repositories import reads
from wfq.services import progress, views
from wfq.services.context import Services
from wfq.states import State

_Row = WorkflowExecution | TaskExecution | ActionExecution

_KINDS: dict[str, tuple[type[_Row], Callable[[Any], dict[str, Any]], str]] = {
    "execution": (WorkflowExecution, views.execution, "WorkflowExecution not found [id={}]"),
    "task": (TaskExecution, views.task, "Task execution not found [id={}]"),
    "action_execution": (
        ActionExecution,
        views.action_execution,
        "ActionExecution not found [id={}]",
    ),
}


def get(svc: Services, kind: str, ident: str, *, project_id: str) -> dict[str, Any]:
    """One execution, task execution or action execution of the caller's project."""
    model, view, missing = _KINDS[kind]
    # Polling clients GET one execution many times a second: a plain row (the views read
    # attributes, which a Row has too) spares the ORM's instance loading, a third of a request.
    with svc.db.connection() as conn:
        row = repo.columns_by_id(conn, model, ident)
        if row is None or row.project_id != project_id or _unstarted_item(kind, row):
            raise NotFound(missing.format(ident))
        out = view(row)
        if kind == "action_execution" and row.task_execution_id:
            out["task_name"] = reads.task_names(conn, [row.task_execution_id]).get(
                row.task_execution_id
            )
    return progress.add_to(svc, [out])[0] if kind == "task" else out


def list_(svc: Services, kind: str, query: ListQuery, *, project_id: str) -> list[dict[str, Any]]:
    """Rows of one kind visible to the project, filtered, sorted and paged as asked."""
    model, view, _ = _KINDS[kind]
    scope = [model.project_id == project_id]
    if kind == "action_execution":
        scope.append(ActionExecution.state != State.IDLE.value)
    with svc.db.read() as session:
        out = [view(r) for r in list_rows(session, model, query, *scope)]
        if kind == "action_execution":
            _add_task_names(session.connection(), out)
    return progress.add_to(svc, out) if kind == "task" else out


def _add_task_names(conn: Any, views_: list[dict[str, Any]]) -> None:
    """Mistral's `task_name` of each action execution (one query for the page)."""
    ids = {v["task_execution_id"] for v in views_ if v["task_execution_id"]}
    names = reads.task_names(conn, sorted(ids)) if ids else {}
    for v in views_:
        v["task_name"] = names.get(v["task_execution_id"])


def _unstarted_item(kind: str, row: object) -> bool:
    """An item of a with-items task that no lane has started yet is not shown (Mistral creates
    an item's action execution when the item starts)."""
    return kind == "action_execution" and getattr(row, "state", None) == State.IDLE
