"""Why a task waits, or why it never ran: read-only answers over one execution's snapshot.

Pure like the rest of the engine: it changes nothing, reads no clock (`now` is passed in) and
reuses the engine's own rules (join arrivals, timers in `runtime_context`, with-items lanes,
transitions taken) instead of restating them. Facts the engine cannot know (queue depths,
live workers, child executions) are added by `wfq.services.explain`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from wfq.engine import conductor, direct
from wfq.engine.snapshot import ActionRecord, Snapshot, TaskRecord
from wfq.engine.turn import Turn
from wfq.states import COMPLETED, State

Reason = dict[str, Any]
"""One answer: `task`, `task_execution_id`, `state`, `waiting_on` (a kind), `message`, `details`."""

TIMER_KINDS = ("wait-before", "retry", "wait-after")


def explain(snap: Snapshot, *, now: dt.datetime) -> list[Reason]:
    """For every task execution that is not finished, what it waits on; then, for every task of
    a direct workflow that has no execution, why it has not run (or never will).

    `snap.actions` must hold the action executions of the unfinished tasks."""
    turn = Turn(snap, now, lambda: "", _NoCatalog(), conductor.flow_of(snap))
    reasons = [_waiting(turn, t) for t in snap.tasks if _unfinished(turn, t)]
    if snap.spec.type == "direct":
        ran = {t.name for t in snap.tasks}
        reasons += [_never_ran(turn, name) for name in snap.spec.tasks if name not in ran]
    return reasons


class _NoCatalog:
    def get(self, name: str, *, namespace: str = "", workbook: str | None = None) -> None:
        return None


def _unfinished(turn: Turn, task: TaskRecord) -> bool:
    if task.state not in COMPLETED:
        return True
    # Finished, but its transitions wait for the execution to be resumed.
    return turn.snap.execution.state == State.PAUSED and not task.processed


def _reason(task: TaskRecord | None, name: str, kind: str, message: str, **details: Any) -> Reason:
    return {
        "task": name,
        "task_execution_id": task.id if task else None,
        "state": task.state if task else None,
        "waiting_on": kind,
        "message": message,
        "details": details,
    }


def _waiting(turn: Turn, task: TaskRecord) -> Reason:
    state = task.state
    if state == State.WAITING:
        return _join(turn, task)
    if state == State.RUNNING_DELAYED:
        return _timer(turn, task)
    if state in COMPLETED:
        return _reason(
            task,
            task.name,
            "paused",
            f"{task.name} ended {state}; its transitions run when the execution is resumed.",
        )
    if state == State.IDLE:
        return _idle(turn, task)
    spec = turn.snap.spec.tasks.get(task.name)
    if spec is None:  # a revert (`<task>:revert`, docs/compensation.md)
        return _subworkflow(task) if task.type == "WORKFLOW" else _action(turn, task)
    if spec.with_items:
        return _items(turn, task)
    if spec.workflow:
        return _subworkflow(task)
    return _action(turn, task)


def _idle(turn: Turn, task: TaskRecord) -> Reason:
    if turn.snap.execution.state == State.PAUSED and "pause-before" in (task.state_info or ""):
        return _reason(
            task,
            task.name,
            "pause-before",
            f"{task.name} has 'pause-before': the execution is PAUSED before it; resume the "
            "execution to run it.",
        )
    return _reason(task, task.name, "start", f"{task.name} is created and about to start.")


def _join(turn: Turn, task: TaskRecord) -> Reason:
    arrived = sorted(
        {a.get("task_name") for a in task.runtime_context.get("triggered_by", [])} - {None}
    )
    need = direct._join_need(turn, task.name)  # the engine's own count of what releases it
    inbound = turn.snap.spec.inbound_tasks(task.name)
    can_arrive = {
        n: direct._can_still_arrive(turn, n, task.name, set()) for n in inbound if n not in arrived
    }
    missing = [{"task": n, "can_still_arrive": ok} for n, ok in can_arrive.items()]
    possible = [n for n, ok in can_arrive.items() if ok]
    msg = f"join of {task.name}: {len(arrived)} of {need} arrived"
    if missing:
        msg += f"; waiting for {', '.join(possible) or 'none that can still arrive'}"
    gone = [n for n, ok in can_arrive.items() if not ok]
    if gone:
        msg += f" ({', '.join(gone)} can no longer arrive)"
    return _reason(
        task,
        task.name,
        "join",
        msg + ".",
        join=turn.snap.spec.tasks[task.name].join,
        needed=need,
        arrived=arrived,
        missing=missing,
    )


def _timer(turn: Turn, task: TaskRecord) -> Reason:
    timers = task.runtime_context.get("timers", {})
    kind = next((k for k in TIMER_KINDS if k in timers), None)
    due_on_resume = task.runtime_context.get("due_on_resume", [])
    if kind is None and due_on_resume:
        return _reason(
            task,
            task.name,
            due_on_resume[0],
            f"{task.name}: its '{due_on_resume[0]}' delay is over; it goes on when the execution "
            "is resumed.",
        )
    if kind is None:
        return _reason(task, task.name, "timer", f"{task.name} is delayed ({task.state_info}).")
    due = dt.datetime.fromisoformat(timers[kind]["due"])
    left = max(0.0, (due - turn.now).total_seconds())
    what = {
        "retry": f"retry {task.runtime_context.get('retry_no', 0)} delay",
        "wait-before": "wait-before",
        "wait-after": "wait-after",
    }[kind]
    return _reason(
        task,
        task.name,
        kind,
        f"{task.name}: {what} until {due.isoformat(sep=' ')} UTC ({left:.0f} s left).",
        due_at=due.isoformat(sep=" "),
        seconds_left=round(left, 3),
        **_timeout(task),
    )


def _timeout(task: TaskRecord) -> dict[str, Any]:
    timer = task.runtime_context.get("timers", {}).get("timeout")
    return (
        {"timeout_at": dt.datetime.fromisoformat(timer["due"]).isoformat(sep=" ")} if timer else {}
    )


def _current_actions(turn: Turn, task: TaskRecord) -> list[ActionRecord]:
    return sorted(
        (a for a in turn.snap.actions.values() if a.task_execution_id == task.id and a.accepted),
        key=lambda a: (a.item_index, a.attempt),
    )


def _action(turn: Turn, task: TaskRecord) -> Reason:
    actions = [a for a in _current_actions(turn, task) if a.state in (State.RUNNING, State.PAUSED)]
    if not actions:
        return _reason(task, task.name, "transition", f"{task.name}: its result is being recorded.")
    return _one_action(task, actions[-1])


def _one_action(task: TaskRecord, action: ActionRecord) -> Reason:
    runtime = action.runtime or {}
    base = {"action_execution_id": action.id, "action": action.name, **_timeout(task)}
    if runtime.get("async") or action.state == State.PAUSED:
        paused = " (PAUSED)" if action.state == State.PAUSED else ""
        return _reason(
            task,
            task.name,
            "async-action",
            f"{task.name}: asynchronous action {action.name}{paused} waits for its result: "
            f"PUT /v2/action_executions/{action.id} with state SUCCESS or ERROR.",
            **base,
        )
    worker = getattr(action, "worker", None)
    queue = runtime.get("queue")
    if worker is None:
        return _reason(
            task,
            task.name,
            "action-queued",
            f"{task.name}: action {action.name} was sent to queue {queue or '(default)'} and no "
            "worker has claimed it yet.",
            queue=queue,
            created_at=_stamp(getattr(action, "created_at", None)),
            # The integrity check sends an unclaimed action again and records when in heartbeat_at.
            sent_at=_stamp(
                getattr(action, "heartbeat_at", None) or getattr(action, "created_at", None)
            ),
            **base,
        )
    return _reason(
        task,
        task.name,
        "action-running",
        f"{task.name}: action {action.name} runs on worker {worker}.",
        worker=worker,
        heartbeat_at=_stamp(getattr(action, "heartbeat_at", None)),
        queue=queue,
        **base,
    )


def _stamp(value: dt.datetime | None) -> str | None:
    return value.isoformat(sep=" ") if value else None


def _items(turn: Turn, task: TaskRecord) -> Reason:
    wi = task.runtime_context.get("with_items") or {}
    total, concurrency = int(wi.get("count", 0)), wi.get("capacity")
    if turn.snap.spec.tasks[task.name].workflow:
        done = len(task.runtime_context.get("sub_results", {}))
        return _reason(
            task,
            task.name,
            "subworkflow",
            f"{task.name}: {done} of {total} subworkflows ended; waits for the others.",
            items=total,
            done=done,
            workflow_name=turn.snap.spec.tasks[task.name].workflow,
        )
    actions = _current_actions(turn, task)
    counts = {
        s: sum(1 for a in actions if a.state == s) for s in ("IDLE", "RUNNING", "SUCCESS", "ERROR")
    }
    done = counts["SUCCESS"] + counts["ERROR"]
    # Items are created as lanes need them: those not created yet wait for a slot too.
    waiting = max(0, total - done - counts["RUNNING"])
    msg = f"{task.name}: {done} of {total} items done, {counts['RUNNING']} running"
    if waiting:
        msg += f", {waiting} waiting for a free slot (concurrency {concurrency or 'default'})"
    details: dict[str, Any] = {
        "items": total,
        "done": done,
        "running": counts["RUNNING"],
        "waiting_for_slot": waiting,
        "failed": counts["ERROR"],
        "concurrency": concurrency,
    }
    running = [a for a in actions if a.state == State.RUNNING]
    if running:
        details["oldest_running"] = _one_action(task, running[0])
    return _reason(task, task.name, "concurrency" if waiting else "items", msg + ".", **details)


def _subworkflow(task: TaskRecord) -> Reason:
    sub = task.runtime_context.get("subworkflow", {})
    name = sub.get("name", "?")
    return _reason(
        task,
        task.name,
        "subworkflow",
        f"{task.name}: waits for its subworkflow {name} to end.",
        workflow_name=name,
        **_timeout(task),
    )


def _never_ran(turn: Turn, name: str) -> Reason:
    """Why task `name` has no execution: for each inbound task, what happened there."""
    spec = turn.snap.spec
    inbound = spec.inbound_tasks(name)
    upstream = [_upstream(turn, src, name) for src in inbound]
    active = turn.snap.execution.state not in COMPLETED
    if active and any(u["pending"] for u in upstream):
        pending = [u["task"] for u in upstream if u["pending"]]
        return _reason(
            None,
            name,
            "upstream",
            f"{name} has not been reached yet: it waits for {', '.join(pending)}.",
            upstream=upstream,
        )
    if not inbound:
        info = turn.snap.execution.state_info or "the execution ended first"
        return _reason(None, name, "never-ran", f"{name} never ran: {info}", upstream=[])
    why = "; ".join(u["why"] for u in upstream)
    return _reason(None, name, "never-ran", f"{name} never ran: {why}.", upstream=upstream)


def _upstream(turn: Turn, src: str, target: str) -> dict[str, Any]:
    execs = turn.snap.tasks_named(src)
    edges = _edges(turn, src, target)
    if not execs:
        return {
            "task": src,
            "state": None,
            "pending": True,
            "edges": edges,
            "why": f"{src} never ran",
        }
    last = execs[-1]
    if last.state not in COMPLETED or not last.processed:
        return {
            "task": src,
            "state": last.state,
            "pending": True,
            "edges": edges,
            "why": f"{src} has not finished ({last.state})",
        }
    taken = {n for n, _ in last.runtime_context.get("next_tasks", [])}
    why = (
        _not_taken(last, edges)
        if target not in taken
        else (f"{src} transitioned to {target}, but the execution ended before it started")
    )
    return {
        "task": src,
        "state": last.state,
        "pending": False,
        "edges": edges,
        "why": why,
        "state_info": last.state_info,
        "taken": sorted(taken),
    }


def _edges(turn: Turn, src: str, target: str) -> list[dict[str, Any]]:
    found = []
    for kind in ("success", "error", "complete", "skip"):
        clause = turn.snap.spec.on_clause(src, kind)
        for tr in clause.transitions if clause else ():
            if tr.name == target:
                found.append({"on": f"on-{kind}", "condition": tr.condition})
    return found


_CLAUSE_STATES = {
    "on-success": (State.SUCCESS, State.SKIPPED),
    "on-error": (State.ERROR,),
    "on-complete": (State.SUCCESS, State.ERROR),
    "on-skip": (State.SKIPPED,),
}


def _not_taken(task: TaskRecord, edges: list[dict[str, Any]]) -> str:
    parts = []
    for edge in edges:
        if task.state not in _CLAUSE_STATES[edge["on"]]:
            extra = f": {task.state_info}" if task.state == State.ERROR and task.state_info else ""
            parts.append(
                f"{task.name} ended {task.state}{extra}, so its {edge['on']} was not taken"
            )
        elif edge["condition"] is not None:
            parts.append(
                f"the condition {edge['condition']} of {task.name}'s {edge['on']} was false"
            )
        else:
            parts.append(
                f"{task.name}'s {edge['on']} stopped at an engine command (fail, succeed or pause) before it"
            )
    return "; ".join(parts) or f"{task.name} has no transition to it"
