"""Evaluate an expression against the context a task execution saw: `$` as its inbound
context (workflow input, vars, what its branch published), `task()` as the task itself with its
result, `env()`, `execution()` — through the engine's own evaluation path, so the engine's time
and memory bounds apply. Read-only.
"""

from __future__ import annotations

from typing import Any

from wfq import dsl, engine
from wfq.engine import data_flow
from wfq.engine.snapshot import TaskRecord
from wfq.errors import ExpressionError, InvalidRequest, NotFound
from wfq.persistence.models import TaskExecution, WorkflowExecution
from wfq.persistence.repositories import executions as repo
from wfq.services.context import Services
from wfq.services.snapshots import StoredTasks

CONTEXTS = ("inbound", "outbound")
"""`inbound`: what the task's input and action saw. `outbound`: what its publish made
visible to its transitions' guards and the tasks it started."""

MAX_EXPRESSION = 64 * 1024


def check_request(body: Any) -> tuple[str, str]:
    """The expression and context a request names (400 with a clear message otherwise)."""
    if not isinstance(body, dict) or not isinstance(body.get("expression"), str):
        raise InvalidRequest('Expected {"expression": "<% ... %>"}')
    expression, context = body["expression"], body.get("context", "inbound")
    if len(expression) > MAX_EXPRESSION:
        raise InvalidRequest(f"The expression is longer than {MAX_EXPRESSION} characters")
    if context not in CONTEXTS:
        raise InvalidRequest(f"context must be one of {list(CONTEXTS)}, not {context!r}")
    return expression, context


def evaluate_for_task(
    svc: Services, task_id: str, expression: str, *, project_id: str, context: str = "inbound"
) -> dict[str, Any]:
    """`{"expression", "value"}` or `{"expression", "error"}` (Mistral's wording)."""
    with svc.db.read() as session:
        task = session.get(TaskExecution, task_id)
        if task is None or task.project_id != project_id:
            raise NotFound(f"Task execution not found [id={task_id}]")
        ex = session.get(WorkflowExecution, task.workflow_execution_id)
        assert ex is not None  # a task execution's execution is deleted with it, never before
        tasks: list[TaskRecord] = list(repo.tasks_of(session, ex.id))
        snap = engine.Snapshot(
            execution=ex,
            spec=dsl.workflow_from_dict(ex.spec),
            tasks=tasks,
            actions={},
            new_task=_read_only,
            new_action=_read_only,
            env=(ex.params or {}).get("env") or {},
            related=StoredTasks(session, project_id),
        )
        current = snap.task(task_id)
        assert current is not None  # `tasks` holds every task of the execution, this one too
        extra = data_flow.outbound_context(current) if context == "outbound" else None
        try:
            value = data_flow.evaluate(expression, snap, current, extra=extra)
        except ExpressionError as exc:
            return {"expression": expression, "context": context, "error": str(exc)}
    return {"expression": expression, "context": context, "value": value}


def _read_only(**_: Any) -> Any:
    raise RuntimeError("evaluate changes nothing")
