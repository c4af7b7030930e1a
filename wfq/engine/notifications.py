"""Mistral's `notify` execution parameter: which state changes become which events."""

from __future__ import annotations

from typing import Any

from wfq.engine.commands import Notify
from wfq.engine.turn import Turn
from wfq.states import State

WORKFLOW_EVENTS = {
    State.SUCCESS: "WORKFLOW_SUCCEEDED",
    State.ERROR: "WORKFLOW_FAILED",
    State.CANCELLED: "WORKFLOW_CANCELLED",
    State.PAUSED: "WORKFLOW_PAUSED",
    # wfq's compensation extension (docs/compensation.md).
    State.REVERTING: "WORKFLOW_REVERTING",
    State.REVERTED: "WORKFLOW_REVERTED",
}
TASK_EVENTS = {
    State.SUCCESS: "TASK_SUCCEEDED",
    State.ERROR: "TASK_FAILED",
    State.CANCELLED: "TASK_CANCELLED",
    State.PAUSED: "TASK_PAUSED",
    State.SKIPPED: "TASK_SKIPPED",
}

Seen = tuple[str, dict[str, str]]


def before(turn: Turn) -> Seen | None:
    """The states to compare with after the event (None when nobody listens)."""
    if not turn.snap.execution.params.get("notify"):
        return None
    return turn.snap.execution.state, {t.id: t.state for t in turn.snap.tasks}


def _workflow_event(old: str, new: str) -> str | None:
    if old == new:
        return None
    if new == State.RUNNING:
        return "WORKFLOW_RESUMED" if old == State.PAUSED else "WORKFLOW_LAUNCHED"
    return WORKFLOW_EVENTS.get(State(new))


def _task_event(old: str | None, new: str) -> str | None:
    if old == new:
        return None
    if new == State.RUNNING:
        return (
            "TASK_RESUMED"
            if old == State.PAUSED
            else "TASK_LAUNCHED"
            if old in (None, "IDLE", "WAITING")
            else None
        )
    return TASK_EVENTS.get(State(new)) if new in TASK_EVENTS else None


def after(turn: Turn, seen: Seen | None) -> None:
    """Emit one Notify command with every state change since `before`, in Mistral's order: a
    workflow that starts or resumes first, its tasks, then a workflow that stops."""
    if seen is None:
        return
    ex = turn.snap.execution
    base = {
        "execution_id": ex.id,
        "workflow_name": ex.workflow_name,
        "timestamp": turn.now.isoformat(),
    }
    old_ex, old_tasks = seen
    events: list[dict[str, Any]] = []
    for task in turn.snap.tasks:
        kind = _task_event(old_tasks.get(task.id), task.state)
        if kind:
            events.append(
                {
                    **base,
                    "event": kind,
                    "task_execution_id": task.id,
                    "task_name": task.name,
                    "state": task.state,
                    "state_info": task.state_info,
                }
            )
    kind = _workflow_event(old_ex, ex.state)
    if kind:
        wf_event = {**base, "event": kind, "state": ex.state, "state_info": ex.state_info}
        events.insert(0, wf_event) if kind in (
            "WORKFLOW_LAUNCHED",
            "WORKFLOW_RESUMED",
        ) else events.append(wf_event)
    if events:
        turn.emit(Notify(tuple(_targets(ex.params.get("notify"))), tuple(events)))


def _targets(notify: Any) -> list[dict[str, Any]]:
    items = notify if isinstance(notify, list) else [notify]
    return [
        t
        for t in items
        if isinstance(t, dict) and t.get("type", "webhook") == "webhook" and t.get("url")
    ]


def wants(target: dict[str, Any], event: str) -> bool:
    """Does this webhook subscribe to `event`? (all events when it lists none)"""
    kinds = target.get("event_types") or target.get("events")
    return not kinds or event in kinds
