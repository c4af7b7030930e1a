"""The execution report (`GET /v2/executions/<id>/report`): the tree of task executions,
action executions and subworkflows under one execution, with Mistral's statistics block.

Mistral's rules: the root is depth 0 and its tasks are always shown; a subworkflow deeper than
`max_depth` (when it is not negative) is shown without its tasks. With `errors_only` only tasks
in ERROR are shown and counted. Only tasks in RUNNING, SUCCESS, ERROR, IDLE and PAUSED are
counted. `estimated_time` is 0 for a finished execution; for a running one the average duration
of up to 20 successful runs of the workflow minus the time it has run (at least 1), or -1 when
there is none.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from wfq.errors import NotFound
from wfq.persistence.db import Session
from wfq.persistence.models import WorkflowExecution
from wfq.persistence.repositories import reads
from wfq.services.context import Services

ESTIMATE_SAMPLE = 20
COUNTED = ("RUNNING", "SUCCESS", "ERROR", "IDLE", "PAUSED")
TIMESTAMP = "%Y-%m-%d %H:%M:%S"


@dataclass
class _Tree:
    """The rows under one root, loaded level by level."""

    tasks: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    actions: dict[str | None, list[Any]] = field(default_factory=lambda: defaultdict(list))
    children: dict[str | None, list[Any]] = field(default_factory=lambda: defaultdict(list))
    loaded: set[str] = field(default_factory=set)
    """Executions whose tasks were loaded (the others are deeper than max_depth)."""


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """What the report shows (Mistral's query parameters)."""

    errors_only: bool = False
    max_depth: int = -1
    statistics_only: bool = False


def execution_report(
    svc: Services, execution_id: str, options: ReportOptions, *, project_id: str
) -> dict[str, Any]:
    """The report of an execution of the caller's project (404 otherwise)."""
    with svc.db.read() as session:
        root = session.get(WorkflowExecution, execution_id)
        if root is None or root.project_id != project_id:
            raise NotFound(f"WorkflowExecution not found [id={execution_id}]")
        tree = _load(session, root, options.max_depth)
        stats = {f"{s.lower()}_tasks_count": 0 for s in COUNTED}
        stats["total_tasks_count"] = 0
        stats["estimated_time"] = _estimate(session, root, svc.now())
        entry = _workflow_entry(tree, root, stats, options)
    if options.statistics_only:
        return {"statistics": stats}
    return {"statistics": stats, "root_workflow_execution": entry}


def _load(session: Session, root: WorkflowExecution, max_depth: int) -> _Tree:
    tree = _Tree()
    level, depth = [root.id], 0
    while level and not 0 <= max_depth < depth:
        tree.loaded.update(level)
        tasks = reads.tasks_of(session, level)
        task_ids = [t.id for t in tasks]
        for t in tasks:
            tree.tasks[t.workflow_execution_id].append(t)
        for a in reads.actions_of(session, task_ids) if task_ids else []:
            tree.actions[a.task_execution_id].append(a)
        children = reads.children_of(session, task_ids) if task_ids else []
        for c in children:
            tree.children[c.task_execution_id].append(c)
        level, depth = [c.id for c in children], depth + 1
    return tree


def _base(row: Any, name: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": name,
        "created_at": _ts(row.created_at),
        "updated_at": _ts(row.updated_at or row.created_at),
        "state": row.state,
        "state_info": row.state_info,
    }


def _ts(value: Any) -> str | None:
    return value.strftime(TIMESTAMP) if value is not None else None


def _workflow_entry(
    tree: _Tree, ex: Any, stats: dict[str, int], options: ReportOptions
) -> dict[str, Any]:
    entry = _base(ex, ex.workflow_name)
    if ex.id in tree.loaded:
        tasks = [_task_entry(tree, t, stats, options) for t in tree.tasks[ex.id]]
        entry["task_executions"] = [t for t in tasks if t is not None]
    return entry


def _task_entry(
    tree: _Tree, task: Any, stats: dict[str, int], options: ReportOptions
) -> dict[str, Any] | None:
    if options.errors_only and task.state != "ERROR":
        return None
    if task.state in COUNTED:
        stats[f"{task.state.lower()}_tasks_count"] += 1
        stats["total_tasks_count"] += 1
    entry = _base(task, task.name)
    retries = (task.runtime_context or {}).get("retry_no")
    if retries is not None:
        entry["retry_count"] = int(retries)
    entry["action_executions"] = [
        {**_base(a, a.name), "accepted": a.accepted, "last_heartbeat": _ts(a.heartbeat_at)}
        for a in tree.actions[task.id]
    ]
    entry["workflow_executions"] = [
        _workflow_entry(tree, c, stats, options) for c in tree.children[task.id]
    ]
    return entry


def _estimate(session: Session, ex: WorkflowExecution, now: Any) -> int:
    if ex.state != "RUNNING":
        return 0
    runs = reads.finished_runs(session, ex.workflow_id, "SUCCESS", ESTIMATE_SAMPLE)
    if not runs:
        return -1
    average = sum(
        ((r.updated_at or r.created_at) - r.created_at).total_seconds() for r in runs
    ) / len(runs)
    left = average - (now - ex.created_at).total_seconds()
    return int(left) if left >= 1 else 1
