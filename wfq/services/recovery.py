"""The integrity check: finds work that a crash stranded and sets it going again.

It looks for: actions committed but never picked up (the send was lost), actions whose worker
died (no heartbeat), subworkflows never started, child results never delivered, timers never
fired, and with-items tasks whose chord callback was lost. Every message it sends is idempotent,
so running it too often, or on several machines at once, is harmless.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, fields
from typing import Any

from wfq.dispatch import names
from wfq.engine import ExecutionCompleted, ItemsWanted, StartSubworkflow, TimerFired, with_items
from wfq.persistence.models import ActionExecution, WorkflowExecution
from wfq.persistence.repositories import executions as repo
from wfq.persistence.repositories import items as items_repo
from wfq.services import completing, items, work_list
from wfq.services.context import Services
from wfq.states import State, change

log = logging.getLogger("wfq.recovery")


@dataclass(frozen=True, slots=True)
class Recovered:
    """What one pass of the integrity check did (counts)."""

    actions: int = 0
    subworkflows: int = 0
    parents: int = 0
    timers: int = 0
    lost_failed: int = 0
    lost_rerun: int = 0
    callbacks: int = 0
    expired: int = 0

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))

    def __str__(self) -> str:
        """The non-zero counts in words: `1 unclaimed action(s) sent again, 2 late timer(s) fired`."""
        return ", ".join(
            f"{n} {_WHAT_WAS_DONE[f.name]}" for f in fields(self) if (n := getattr(self, f.name))
        )


_WHAT_WAS_DONE = {
    "actions": "unclaimed action(s) sent again",
    "subworkflows": "subworkflow(s) started",
    "parents": "child result(s) delivered",
    "timers": "late timer(s) fired",
    "lost_failed": "action(s) of lost workers failed",
    "lost_rerun": "action(s) of lost workers sent again (safe-rerun)",
    "callbacks": "with-items task(s) moved on",
    "expired": "old execution(s) deleted",
}


def recover(svc: Services, *, startup: bool = False) -> Recovered:
    """One pass of the integrity check.

    Args:
        startup: the first pass after wfq (beat, or the embedded server) started. A timer that
            came due while wfq was down has no message left to fire it, so every due timer is
            fired at once instead of only those late by more than `dispatch_grace_s` (a
            duplicate is harmless: the timer's token makes the second one a no-op).
    """
    now = svc.now()
    grace = now - dt.timedelta(seconds=svc.settings.dispatch_grace_s)
    beat = now - dt.timedelta(seconds=svc.settings.heartbeat_timeout_s)
    result = Recovered(
        actions=_resend_unclaimed(svc, grace),
        subworkflows=_start_missing_children(svc, grace),
        parents=_deliver_child_results(svc),
        timers=_fire_late_timers(svc, now if startup else grace),
        **_handle_lost_workers(svc, beat),
        callbacks=_complete_finished_items(svc, grace),
        expired=expire(svc),
    )
    if result:
        # Expected operation after a crash or a lost message, not a fault: INFO. A pass that
        # itself fails is logged as an error by its caller (beat/periodic.py).
        log.info("integrity check recovered work: %s", result)
    return result


def _send(svc: Services, rows: list[Any]) -> None:
    plain = [(a.id, a.runtime.get("queue")) for a in rows if not a.runtime.get("item")]
    svc.dispatcher.run_actions(plain)
    for a in rows:
        if a.runtime.get("item"):
            svc.dispatcher.send(
                names.RUN_ITEMS, [a.id, True], queue=a.runtime.get("queue") or svc.settings.queue
            )


RESEND_BACKOFF_MAX = 6
"""An action nobody claims is sent again after `dispatch_grace_s`, then after twice that, four
times... up to 2**6 times (32 min with the default 30 s)."""


def _resend_unclaimed(svc: Services, cutoff: dt.datetime) -> int:
    """Send again the actions no worker has claimed: their message was lost, or it still waits
    in a long queue. Each is sent again with a doubling delay, so a backlog the workers are
    draining is not copied into the queue again at every pass."""
    now, grace = svc.now(), dt.timedelta(seconds=svc.settings.dispatch_grace_s)
    with svc.db.read() as session:
        rows = repo.unclaimed_actions(session, cutoff)
    due = [
        a
        for a in rows
        if _sent_at(a) + grace * 2 ** min(_times_sent_again(a), RESEND_BACKOFF_MAX) <= now
    ]
    _send(svc, due)
    if due:
        with svc.db.write() as session:
            repo.mark_sent_again(session, [a.id for a in due], now)
    return len(due)


def _sent_at(action: Any) -> dt.datetime:
    return action.heartbeat_at or action.created_at


def _times_sent_again(action: Any) -> int:
    return int((action.runtime or {}).get("sent_again", 0))


def _start_missing_children(svc: Services, cutoff: dt.datetime) -> int:
    with svc.db.read() as session:
        starts = [
            StartSubworkflow(t.id, sub["name"], sub["input"], sub["params"])
            for t in repo.orphan_workflow_tasks(session, cutoff)
            if (sub := t.runtime_context.get("subworkflow"))
        ]
    work_list.carry_out(svc, starts)
    return len(starts)


def _deliver_child_results(svc: Services) -> int:
    with svc.db.read() as session:
        done = [
            ExecutionCompleted(c.id, c.state, c.task_execution_id)
            for c in repo.finished_children_of_running_tasks(session)
        ]
    work_list.carry_out(svc, done)
    return len(done)


def _fire_late_timers(svc: Services, cutoff: dt.datetime) -> int:
    with svc.db.read() as session:
        events = [
            TimerFired(t.id, kind, int(timer["token"])).to_dict()
            for t in repo.tasks_with_late_timers(session, cutoff)
            for kind, timer in t.runtime_context.get("timers", {}).items()
            if dt.datetime.fromisoformat(timer["due"]) < cutoff
        ]
    for event in events:
        svc.dispatcher.send(names.CONTINUE_EXECUTION, [event])
    return len(events)


def _handle_lost_workers(svc: Services, beat_before: dt.datetime) -> dict[str, int]:
    """Actions whose worker stopped beating: run again if safe-rerun, otherwise fail them."""
    with svc.db.read() as session:
        lost = repo.lost_actions(session, beat_before)
    rerun: list[ActionExecution] = []
    failed = 0
    items: set[str] = set()
    for a in lost:
        if a.runtime.get("safe_rerun"):
            if _release(svc, a.id, beat_before):
                rerun.append(a)
            continue
        msg = (
            f"The worker running this action was lost [action={a.name}, action_ex_id={a.id}, "
            f"worker={a.worker}]: no heartbeat for {svc.settings.heartbeat_timeout_s:g} s"
        )
        if a.runtime.get("item"):
            if _fail_item(svc, a.id, beat_before, msg):
                assert a.task_execution_id is not None  # an item belongs to a with-items task
                items.add(a.task_execution_id)
                failed += 1
        else:
            completing.complete_action(svc, a.id, False, msg)
            failed += 1
    _send(svc, rerun)
    for task_id in items:
        _restart_lane_or_finish(svc, task_id)
    return {"lost_failed": failed, "lost_rerun": len(rerun)}


def _lock_if_lost(session: Any, action_id: str, beat_before: dt.datetime) -> Any:
    """The action row, locked, if it is still RUNNING without a recent heartbeat."""
    row = repo.lock_action(session, action_id)
    if (
        row is None
        or row.state != State.RUNNING
        or (row.heartbeat_at and row.heartbeat_at >= beat_before)
    ):
        return None
    return row


def _release(svc: Services, action_id: str, beat_before: dt.datetime) -> bool:
    with svc.db.write() as session:
        row = _lock_if_lost(session, action_id, beat_before)
        if row is None:
            return False
        # Unclaimed again; `heartbeat_at` now says when it is sent (see _resend_unclaimed).
        row.worker, row.heartbeat_at = None, svc.now()
        return True


def _fail_item(svc: Services, action_id: str, beat_before: dt.datetime, msg: str) -> bool:
    with svc.db.write() as session:
        row = _lock_if_lost(session, action_id, beat_before)
        if row is None:
            return False
        change(row, State.ERROR)
        row.output = {"result": msg}
        return True


def _restart_lane_or_finish(svc: Services, task_id: str) -> None:
    """A lane died with its item: with no lane left, start a new one if items wait (or are
    still to be created), else complete the task."""
    with svc.db.read() as session:
        running = repo.count_running_items(session, task_id)
    if running == 0:
        items.item_slot_freed(svc, task_id)
    else:
        items.finish_items_check(svc, task_id)


def _complete_finished_items(svc: Services, cutoff: dt.datetime) -> int:
    """with-items tasks whose items are all done but whose callback never came, or whose
    lanes all ended before the next batch of items was created."""
    with svc.db.read() as session:
        stale = [
            t
            for t in repo.stale_running_tasks(session, cutoff)
            if t.runtime_context.get("with_items")
        ]
        lanes_due = [
            t.id for t in stale if (t.runtime_context.get(with_items.TODO) or {}).get("lanes_due")
        ]
        waiting = [
            t.id
            for t in stale
            if t.id not in lanes_due and repo.count_unfinished_items(session, t.id) == 0
        ]
        laneless = [
            (t.id, t.runtime_context["with_items"].get("capacity") or with_items.DEFAULT_LANES)
            for t in stale
            if t.id not in lanes_due and t.id not in waiting and _laneless(session, t)
        ]
    for task_id in lanes_due:  # the message that starts its other lanes was lost
        svc.dispatcher.send(names.CONTINUE_EXECUTION, [ItemsWanted(task_id, lanes=True).to_dict()])
    for task_id in waiting:
        items.item_slot_freed(svc, task_id)
    for task_id, capacity in laneless:
        items.restart_lanes(svc, task_id, int(capacity))
    return len(waiting) + len(lanes_due) + len(laneless)


def _laneless(session: Any, task: Any) -> bool:
    """Items of the task wait (IDLE) and no lane runs any (none RUNNING), in a running
    execution: its lanes all ended on an error between two items (the database went away as a
    lane took its next one, say)."""
    if repo.count_running_items(session, task.id) or not items_repo.has_idle_item(session, task.id):
        return False
    execution = session.get(WorkflowExecution, task.workflow_execution_id)
    return execution is not None and execution.state == State.RUNNING


def expire(svc: Services) -> int:
    """The expiration policy: delete old finished root executions (off unless configured)."""
    s = svc.settings
    if not s.expiration_max_age_h and not s.expiration_max_finished:
        return 0
    before = (
        svc.now() - dt.timedelta(hours=s.expiration_max_age_h) if s.expiration_max_age_h else None
    )
    with svc.db.read() as session:
        ids = repo.expired_roots(session, before, s.expiration_max_finished)
    for ex_id in ids:
        with svc.db.write() as session:
            ex = repo.lock_execution(session, ex_id)
            if ex is not None and ex.state in ("SUCCESS", "ERROR", "CANCELLED", "REVERTED"):
                repo.delete_execution_tree(session, ex_id)
    return len(ids)
