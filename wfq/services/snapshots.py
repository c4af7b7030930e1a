"""The engine's view of one workflow execution (`snapshot`) and one decision over it (`decide`),
inside the caller's open transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from wfq import dsl, engine, expressions
from wfq.engine import data_flow
from wfq.persistence.models import ActionExecution, TaskExecution, WorkflowExecution
from wfq.persistence.repositories import executions as repo
from wfq.persistence.repositories import items as items_repo
from wfq.persistence.repositories import reads
from wfq.services import metrics
from wfq.services.catalog import StoredCatalog
from wfq.services.context import Services


def snapshot(
    svc: Services,
    session: Session,
    ex: WorkflowExecution,
    *,
    new: bool = False,
    actions: dict[str, ActionExecution] | None = None,
) -> engine.Snapshot:
    """The engine's view of `ex` (already locked by the caller; `new`: created in this
    transaction, so it has no tasks to read yet; `actions`: the action executions the event
    is about, read with the lock)."""
    return engine.Snapshot(
        execution=ex,
        spec=dsl.workflow_from_dict(ex.spec),
        tasks=[] if new else repo.tasks_of(session, ex.id),
        actions=actions or {},
        new_task=repo.adder(session, TaskExecution),
        new_action=repo.adder(session, ActionExecution),
        env=(ex.params or {}).get("env") or {},
        related=StoredTasks(session, ex.project_id),
        value_limit_kb=svc.settings.field_size_limit_kb,
    )


class StoredTasks:
    """`tasks(id)` and `tasks(id, true)` beyond the snapshot: read from the database, within
    the project of the execution being decided."""

    def __init__(self, session: Session, project_id: str) -> None:
        self.session = session
        self.project_id = project_id

    def of_execution(self, execution_id: str, recursive: bool, state: str | None) -> list[dict[str, Any]]:
        return self._walk([execution_id], recursive, state)

    def descendants(self, task_ids: list[str], state: str | None) -> list[dict[str, Any]]:
        return self._walk(repo.children_of_tasks(self.session, task_ids), True, state)

    def _walk(self, execution_ids: list[str], recursive: bool, state: str | None) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while execution_ids:
            rows = repo.tasks_of_executions(self.session, execution_ids, self.project_id)
            for task, wf_spec in rows:
                if state is None or task.state == state:
                    found.append(data_flow.task_view_with_spec(task, _task_spec(wf_spec, task.name)))
            if not recursive:
                break
            execution_ids = repo.children_of_tasks(self.session, [t.id for t, _ in rows])
        return found


    def executions(self, **filters: str) -> list[dict[str, Any]]:
        rows = reads.executions_of_project(self.session, self.project_id, **filters)
        return [data_flow.execution_view(r, (r.spec or {}).get("raw") or {}) for r in rows]


def _task_spec(wf_spec: dict[str, Any], name: str) -> dict[str, Any]:
    spec = dsl.workflow_from_dict(wf_spec)
    task = spec.tasks.get(name)
    return data_flow.spec_view(name, dict(task.raw), spec.type) if task else {}


def decide(
    svc: Services, session: Session, snap: engine.Snapshot, event: engine.Event, project_id: str
) -> list[engine.Command]:
    """Apply `event` to `snap`; the caller commits and then carries out the commands."""
    running_items = [t for t in snap.tasks if t.state == "RUNNING" and t.runtime_context.get("with_items")]
    # One state change (e.g. starting an execution inside POST /v2/executions, with all its
    # start tasks) gets twice one expression's time in all: a thousand start tasks with a
    # heavy with-items list each fail fast once it is spent, instead of holding the request.
    budget = 2 * svc.settings.expression_timeout_s
    with metrics.timed_transition(type(event).__name__), expressions.shared_deadline(budget):
        decision = engine.handle(
            snap,
            event,
            now=svc.now(),
            ids=svc.new_id,
            actions=StoredCatalog(
                svc.registry, session, project_id, svc.settings, lambda: run_started(session, snap.execution)
            ),
        )
    stopped = [t.id for t in running_items if t.state != "RUNNING"]
    if stopped:
        # A stopped task (cancelled, timed out, failed) starts no further item: those no lane
        # took are dropped (never shown), those no worker started yet are cancelled.
        session.flush()
        items_repo.drop_unstarted_items(session, stopped, svc.now())
    return decision.commands


def run_started(session: Session, ex: Any) -> Any:
    """When the run `ex` belongs to started: its root execution's creation time."""
    root = session.get(WorkflowExecution, ex.root_execution_id) if ex.root_execution_id else None
    return (root or ex).created_at
