"""Rerun (or skip) preview: what `PUT /v2/tasks/<id>` would run again, and with which inputs,
decided by the engine itself on a detached copy of the execution. Nothing is written or sent.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

from wfq import dsl, engine
from wfq.engine import with_items
from wfq.errors import NotFound
from wfq.persistence.models import TaskExecution, WorkflowExecution
from wfq.persistence.repositories import executions as repo
from wfq.services.catalog import StoredCatalog
from wfq.services.context import Services

MAX_LISTED = 10_000  # item indexes listed in `items_later` (a preview answer stays small)


class _Copy:
    """A detached copy of a row: the engine may change it freely."""

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)


def _copy(row: Any) -> Any:
    return _Copy(**{c.key: copy.deepcopy(getattr(row, c.key)) for c in row.__table__.columns})


def _new_copy(**fields: Any) -> Any:
    """A record the engine creates during the preview (never stored)."""
    return _Copy(**fields)


def preview(
    svc: Services,
    task_id: str,
    *,
    project_id: str,
    skip: bool = False,
    reset: bool = True,
    env: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The tasks that a rerun (or skip) of `task_id` would start now, with their inputs.

    Raises the same errors as the rerun itself (InvalidRequest when the task is not in ERROR).
    """
    counter = itertools.count()
    with svc.db.read() as session:
        row = session.get(TaskExecution, task_id)
        if row is None or row.project_id != project_id:
            raise NotFound(f"Task execution not found [id={task_id}]")
        ex = _copy(session.get(WorkflowExecution, row.workflow_execution_id))
        if env:
            ex.params = {**ex.params, "env": {**(ex.params.get("env") or {}), **env}}
        tasks = [_copy(t) for t in repo.tasks_of(session, ex.id)]
        actions = {a.id: _copy(a) for a in repo.actions_of_task(session, task_id).values()}
        before = {t.id: t.state for t in tasks}
        snap = engine.Snapshot(
            execution=ex,
            spec=dsl.workflow_from_dict(ex.spec),
            tasks=tasks,
            actions=actions,
            new_task=_new_copy,
            new_action=_new_copy,
            env=(ex.params or {}).get("env") or {},
        )
        event = engine.SkipRequested(task_id) if skip else engine.RerunRequested(task_id, reset)
        decision = engine.handle(
            snap,
            event,
            now=svc.now(),
            ids=lambda: f"preview-{next(counter)}",
            actions=StoredCatalog(svc.registry, session, project_id),
        )
    return _answer(snap, decision, before, task_id, skip)


def _items_later(task: Any) -> list[int]:
    """The with-items indexes the operation would run later: their action executions are
    created only when a lane frees (so they have no `actions` entry yet)."""
    todo = (task.runtime_context or {}).get(with_items.TODO) or {}
    return [i for start, end in todo.get("ranges") or [] for i in range(start, end)][:MAX_LISTED]


def _answer(
    snap: engine.Snapshot,
    decision: engine.Decision,
    before: dict[str, str],
    task_id: str,
    skip: bool,
) -> dict[str, Any]:
    started = {c.action_execution_id for c in decision.commands if isinstance(c, engine.RunAction)}
    started |= {
        a
        for c in decision.commands
        if isinstance(c, engine.RunItems)
        for a in c.action_execution_ids
    }
    children = [c for c in decision.commands if isinstance(c, engine.StartSubworkflow)]
    runs = []
    for task in snap.tasks:
        if before.get(task.id) == task.state and task.id != task_id:
            continue
        new_actions = [
            a
            for a in snap.actions.values()
            if a.task_execution_id == task.id and a.id.startswith("preview-")
        ]
        runs.append(
            {
                "task": task.name,
                "task_execution_id": None if task.id.startswith("preview-") else task.id,
                "state_now": before.get(task.id),
                "state_after": task.state,
                "actions": [
                    {
                        "action": a.name,
                        "input": a.input,
                        "item_index": a.item_index,
                        "sent_now": a.id in started,
                    }
                    for a in sorted(new_actions, key=lambda a: a.item_index)
                ],
                "items_later": _items_later(task),
                "subworkflows": [
                    {"workflow_name": c.workflow_name, "input": c.input}
                    for c in children
                    if c.task_execution_id == task.id
                ],
                "inbound_context": task.in_context,
            }
        )
    return {
        "preview": True,
        "operation": "skip" if skip else "rerun",
        "task_execution_id": task_id,
        "execution_id": snap.execution.id,
        "execution_state_after": snap.execution.state,
        "tasks": runs,
        "commands": [type(c).__name__ for c in decision.commands],
    }
