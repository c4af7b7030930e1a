"""How far a with-items task is: items done of total, failed, in flight, and an estimate of
the time left. Shown as the task's `progress` object (GET /v2/tasks, `wfq watch`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from wfq.persistence.repositories import items as items_repo
from wfq.services.context import Services
from wfq.states import State

_DONE = (State.SUCCESS.value, State.ERROR.value, State.CANCELLED.value)


def add_to(svc: Services, views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give each with-items task view its `progress` (one query for all of them)."""
    tasks = [
        v for v in views if isinstance((v.get("runtime_context") or {}).get("with_items"), dict)
    ]
    if not tasks:
        return views
    action_tasks = [v["id"] for v in tasks if v.get("type") != "WORKFLOW"]
    with svc.db.read() as session:
        counts = items_repo.item_states(session, action_tasks)
    now = svc.now()
    for v in tasks:
        states = counts.get(v["id"], {}) if v.get("type") != "WORKFLOW" else _child_states(v)
        v["progress"] = of_task(v, states, now)
    return views


def _child_states(view: dict[str, Any]) -> dict[str, int]:
    """Item states of a with-items task of subworkflows, from the results it holds."""
    rc = view.get("runtime_context") or {}
    states: dict[str, int] = {}
    for result in (rc.get("sub_results") or {}).values():
        states[result[0]] = states.get(result[0], 0) + 1
    if view.get("state") == State.RUNNING:
        count = int(rc["with_items"].get("count") or 0)
        states[State.RUNNING.value] = max(0, count - sum(states.values()))
    return states


def of_task(view: dict[str, Any], states: dict[str, int], now: dt.datetime) -> dict[str, Any]:
    """`{"total", "done", "succeeded", "failed", "running", "eta_seconds"}` of one task, from
    its items' states; the estimate assumes the pace so far (None until an item is done)."""
    total = int(view["runtime_context"]["with_items"].get("count") or 0)
    done = min(total, sum(n for s, n in states.items() if s in _DONE))
    return {
        "total": total,
        "done": done,
        "succeeded": states.get(State.SUCCESS.value, 0),
        "failed": states.get(State.ERROR.value, 0),
        "running": states.get(State.RUNNING.value, 0),
        "eta_seconds": _eta(view, done, total, now),
    }


def _eta(view: dict[str, Any], done: int, total: int, now: dt.datetime) -> float | None:
    if view.get("state") != State.RUNNING:
        return 0.0 if done >= total else None
    started = view.get("started_at")
    if not done or started is None:
        return None
    elapsed = max((now - started).total_seconds(), 0.001)
    return round((total - done) * elapsed / done, 1)
