"""Reading executions across one project: task names of action executions, the executions
`executions()` asks for, and the execution tree of a report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from wfq.persistence.models import ActionExecution, TaskExecution, WorkflowExecution


def task_names(conn: Connection, task_ids: list[str]) -> dict[str, str]:
    """Task execution id -> task name, for the given ids."""
    table = TaskExecution.__table__
    rows = conn.execute(select(table.c.id, table.c.name).where(table.c.id.in_(task_ids)))
    return {r.id: r.name for r in rows}


EXECUTIONS_LIMIT = 1000
"""Most executions one `executions()` call returns (oldest first)."""


def executions_of_project(
    session: Session, project_id: str, **filters: str
) -> list[WorkflowExecution]:
    """Workflow executions of a project by id, root_execution_id, state, and creation time
    (`from_time` inclusive, `to_time` exclusive, ISO texts), oldest first."""
    stmt = select(WorkflowExecution).where(WorkflowExecution.project_id == project_id)
    for name in ("id", "root_execution_id", "state"):
        if name in filters:
            stmt = stmt.where(getattr(WorkflowExecution, name) == filters[name])
    if "from_time" in filters:
        stmt = stmt.where(WorkflowExecution.created_at >= _timestamp(filters["from_time"]))
    if "to_time" in filters:
        stmt = stmt.where(WorkflowExecution.created_at < _timestamp(filters["to_time"]))
    stmt = stmt.order_by(WorkflowExecution.created_at, WorkflowExecution.id).limit(EXECUTIONS_LIMIT)
    return list(session.scalars(stmt))


def _timestamp(text: str) -> Any:
    return dt.datetime.fromisoformat(text)  # checked by the expression function


def tasks_of(session: Session, execution_ids: list[str]) -> list[TaskExecution]:
    """The task executions of these workflow executions, oldest first."""
    stmt = select(TaskExecution).where(TaskExecution.workflow_execution_id.in_(execution_ids))
    return list(session.scalars(stmt.order_by(TaskExecution.created_at, TaskExecution.id)))


def actions_of(session: Session, task_ids: list[str]) -> list[ActionExecution]:
    """The action executions of these task executions, oldest first."""
    stmt = select(ActionExecution).where(ActionExecution.task_execution_id.in_(task_ids))
    return list(session.scalars(stmt.order_by(ActionExecution.created_at, ActionExecution.id)))


def children_of(session: Session, task_ids: list[str]) -> list[WorkflowExecution]:
    """The subworkflow executions these task executions started, oldest first."""
    stmt = select(WorkflowExecution).where(WorkflowExecution.task_execution_id.in_(task_ids))
    return list(session.scalars(stmt.order_by(WorkflowExecution.created_at, WorkflowExecution.id)))


def finished_runs(
    session: Session, workflow_id: str, state: str, limit: int
) -> list[WorkflowExecution]:
    """Up to `limit` executions of a workflow in `state`, oldest first (Mistral's estimate)."""
    stmt = select(WorkflowExecution).where(
        WorkflowExecution.workflow_id == workflow_id, WorkflowExecution.state == state
    )
    return list(session.scalars(stmt.order_by(WorkflowExecution.created_at).limit(limit)))
