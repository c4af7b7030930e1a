"""Explain an execution: the engine's reasons (`wfq.engine.explain`) plus what only the
infrastructure knows — how old an unclaimed message is, how deep its queue, whether any live
worker consumes it, how old a running action's heartbeat is, how a subworkflow is doing.
Read-only: no lock is taken and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from wfq import dsl, engine
from wfq.dispatch.queue_probe import QueueProbe, probe_for
from wfq.engine import explain as engine_explain
from wfq.engine.snapshot import TaskRecord
from wfq.errors import NotFound
from wfq.persistence.db import Session
from wfq.persistence.models import TaskExecution, WorkflowExecution
from wfq.persistence.repositories import executions as repo
from wfq.services.context import Services
from wfq.states import COMPLETED

CHILD_DEPTH = 3
"""How deep subworkflows are explained inside their parent's answer."""


def explain_execution(
    svc: Services, ex_id: str, *, project_id: str, probe: QueueProbe | None = None
) -> dict[str, Any]:
    """Why the tasks of an execution wait (or why some never ran), as words and data."""
    probe = probe or probe_for(svc.dispatcher)
    return _explain(svc, ex_id, project_id, probe, CHILD_DEPTH)


def explain_task(
    svc: Services, task_id: str, *, project_id: str, probe: QueueProbe | None = None
) -> dict[str, Any]:
    """The explanation of one task execution (its execution's answer, narrowed to it)."""
    with svc.db.read() as session:
        task = session.get(TaskExecution, task_id)
        if task is None or task.project_id != project_id:
            raise NotFound(f"Task execution not found [id={task_id}]")
        ex_id = task.workflow_execution_id
    whole = explain_execution(svc, ex_id, project_id=project_id, probe=probe)
    mine = [r for r in whole["tasks"] if r["task_execution_id"] == task_id]
    reason = (
        mine[0]
        if mine
        else {
            "task": task.name,
            "task_execution_id": task_id,
            "state": task.state,
            "waiting_on": None,
            "message": f"{task.name} is {task.state}: it waits for nothing.",
            "details": {},
        }
    )
    return {**{k: v for k, v in whole.items() if k != "tasks"}, **reason}


def _explain(
    svc: Services, ex_id: str, project_id: str, probe: QueueProbe, depth: int
) -> dict[str, Any]:
    now = svc.now()
    with svc.db.read() as session:
        ex = session.get(WorkflowExecution, ex_id)
        if ex is None or ex.project_id != project_id:
            raise NotFound(f"WorkflowExecution not found [id={ex_id}]")
        snap = _snapshot(session, ex)
        reasons = engine_explain.explain(snap, now=now)
        children = {c.task_execution_id: c for c in repo.children_of(session, ex.id)}
    for reason in reasons:
        _add_facts(svc, reason, now, probe, children, project_id, depth)
    return {
        "execution_id": ex.id,
        "workflow_name": ex.workflow_name,
        "state": ex.state,
        "state_info": ex.state_info,
        "summary": _summary(ex.state, reasons),
        "tasks": reasons,
    }


def _snapshot(session: Session, ex: WorkflowExecution) -> engine.Snapshot:
    tasks: list[TaskRecord] = list(repo.tasks_of(session, ex.id))
    actions: dict[str, Any] = {}
    for task in tasks:
        if task.state not in COMPLETED:
            actions.update(repo.actions_of_task(session, task.id))
    return engine.Snapshot(
        execution=ex,
        spec=dsl.workflow_from_dict(ex.spec),
        tasks=tasks,
        actions=actions,
        new_task=_read_only,
        new_action=_read_only,
        env=(ex.params or {}).get("env") or {},
    )


def _read_only(**_: Any) -> Any:
    raise RuntimeError("explain changes nothing")


def _summary(state: str, reasons: list[dict[str, Any]]) -> str:
    waiting = [r for r in reasons if r["task_execution_id"]]
    if state in COMPLETED:
        never = [r["task"] for r in reasons if r["waiting_on"] == "never-ran"]
        tail = f"; never ran: {', '.join(never)}" if never else ""
        return f"The execution ended {state}{tail}."
    if not waiting:
        return f"The execution is {state} with no task waiting."
    return (
        f"The execution is {state}; " + "; ".join(r["message"].rstrip(".") for r in waiting) + "."
    )


def _age(now: dt.datetime, stamp: str | None) -> float | None:
    if not stamp:
        return None
    return round((now - dt.datetime.fromisoformat(stamp)).total_seconds(), 3)


def _add_facts(
    svc: Services,
    reason: dict[str, Any],
    now: dt.datetime,
    probe: QueueProbe,
    children: dict[str | None, WorkflowExecution],
    project_id: str,
    depth: int,
) -> None:
    kind, details = reason["waiting_on"], reason["details"]
    for nested in [details.get("oldest_running")] if details.get("oldest_running") else []:
        _add_facts(svc, nested, now, probe, children, project_id, depth)
    if kind == "action-queued":
        _queued(svc, reason, now, probe)
    elif kind == "action-running":
        age = _age(now, details.get("heartbeat_at"))
        details["heartbeat_age_s"] = age
        limit = svc.settings.heartbeat_timeout_s
        details["heartbeat_timeout_s"] = limit
        if age is not None and age > limit:
            reason["message"] += (
                f" Its last heartbeat is {age:.0f} s old (more than {limit:.0f} s): the worker "
                "looks lost; the integrity check will fail the action or send it again."
            )
        elif age is not None:
            reason["message"] += f" Last heartbeat {age:.0f} s ago."
    elif kind == "subworkflow":
        _child(svc, reason, children, project_id, probe, depth)


def _queued(svc: Services, reason: dict[str, Any], now: dt.datetime, probe: QueueProbe) -> None:
    details = reason["details"]
    queue = details.get("queue") or svc.settings.queue
    facts = probe.facts([queue])[queue]
    age = _age(now, details.get("sent_at"))
    details.update(
        queue=queue, message_age_s=age, queue_depth=facts.depth, consumers=facts.consumers
    )
    parts = []
    if age is not None:
        parts.append(f"sent {age:.0f} s ago")
    if facts.depth is not None:
        parts.append(f"{facts.depth} message(s) waiting in {queue}")
    if facts.consumers is None:
        parts.append("no worker answered: none may be alive")
    elif not facts.consumers:
        parts.append(
            f"no live worker consumes queue {queue}: start one with `wfq worker -Q {queue}`"
        )
    else:
        parts.append(f"consumed by {', '.join(facts.consumers)}")
    text = "; ".join(parts)
    reason["message"] += " " + text[:1].upper() + text[1:] + "."


def _child(
    svc: Services,
    reason: dict[str, Any],
    children: dict[str | None, WorkflowExecution],
    project_id: str,
    probe: QueueProbe,
    depth: int,
) -> None:
    child = children.get(reason["task_execution_id"])
    if child is None:
        if "items" not in reason["details"]:
            reason["message"] += " The subworkflow has not been created yet."
        return
    details = reason["details"]
    details.update(execution_id=child.id, execution_state=child.state)
    reason["message"] += f" Subworkflow execution {child.id} is {child.state}."
    if depth > 0 and child.state not in COMPLETED:
        inner = _explain(svc, child.id, project_id, probe, depth - 1)
        details["explain"] = inner
        reason["message"] += f" {inner['summary']}"
