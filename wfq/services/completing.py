"""Completing an action execution: record its result and advance its workflow (an action run
outside any workflow only takes its result)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from wfq import engine
from wfq.engine import adhoc
from wfq.engine.snapshot import Action
from wfq.persistence.db import Session
from wfq.persistence.models import ActionExecution
from wfq.services import items, work_list
from wfq.services.apply import Applied, Options, apply_event, apply_together, apply_with
from wfq.services.context import Services
from wfq.states import COMPLETED, State, change

log = logging.getLogger("wfq.engine")


def complete_action(
    svc: Services,
    action_id: str,
    success: bool,
    result: Any,
    *,
    execution_id: str | None = None,
    run_here: str | None = None,
    keep: int = 1,
    task_id: str | None = None,
) -> list[Action]:
    """Record an action's result and advance its workflow. A second call changes nothing.

    A worker passes the `execution_id` it read when it claimed the action: the transition then
    locks the execution straight away and reads the action once, in the snapshot (the engine
    ignores a result for an action that is no longer RUNNING). With `run_here` (the worker's
    claimant name), the first action the transition starts on the default queue is not sent:
    it is stored already claimed by that worker, in the same transaction, and returned for the
    caller to run (if the worker dies first, the heartbeat check fails it, or sends it again
    when it is safe-rerun, like any action of a lost worker); up to `keep` of them, in the order
    started (a fork's branches), the first to run next. `task_id`: the action's task, if the
    caller knows it (its large values are then read with the lock, not asked for by the
    decision)."""
    event = engine.ActionCompleted(action_id, success, result)
    tasks = (task_id,) if task_id else ()
    opts = Options(action_ids=(action_id,), task_ids=tasks, claimant=run_here, keep=keep)
    item_of: list[str] = []
    if execution_id:
        applied = _complete_together(svc, execution_id, event, opts)
    else:
        # A result through the API: the action names its execution, if it has one.
        def execution(session: Session) -> str | None:
            return _execution_of_action(session, action_id, success, result, item_of)

        applied = apply_event(
            svc, execution, event, action_ids=opts.action_ids, claimant=run_here, keep=keep
        )
    work_list.carry_out(svc, applied.commands)
    if item_of:
        # An asynchronous item got its result: its slot goes to the task's next item.
        items.item_slot_freed(svc, item_of[0])
    return applied.claimed


def _execution_of_action(
    session: Session, action_id: str, success: bool, result: Any, item_of: list[str]
) -> str | None:
    """The workflow execution of an action still to complete (None: completed already, or
    completed here, being outside any workflow). `item_of` gets its task if it is an item."""
    action = session.get(ActionExecution, action_id)
    if action is None or action.state in COMPLETED:
        return None
    if (action.runtime or {}).get("item") and action.task_execution_id:
        item_of[:] = [action.task_execution_id]
    if action.workflow_execution_id is None:
        final = result
        if success:
            # Outside a workflow no engine transition runs: apply the ad-hoc output here.
            final = adhoc.transform_output(action.runtime or {}, result)
        if action.state == State.PAUSED:
            # A paused asynchronous action may still get its result: it ends as if resumed.
            change(action, State.RUNNING)
        change(action, State.SUCCESS if success else State.ERROR)
        action.output = {"result": final}
        return None
    return action.workflow_execution_id


@dataclass(slots=True)
class _Waiting:
    """A completion handed to the thread already completing an action of its execution."""

    event: engine.Event
    opts: Options
    done: threading.Event = field(default_factory=threading.Event)
    applied: Applied | None = None
    """None once done: its group's transaction failed, the caller applies it alone."""


_waiting: dict[tuple[int, str], list[_Waiting]] = {}
"""Per (Services, execution): the completions waiting for the thread completing one of its
actions; a key is present while that thread is at it."""
_waiting_lock = threading.Lock()


def _complete_together(
    svc: Services, execution_id: str, event: engine.Event, opts: Options
) -> Applied:
    """Apply a completion reported in this process; completions of the same execution that
    arrive while it is applied wait and are then applied together, in one transaction.

    Why: the branches of a fork that a worker runs in its slots end together, and each
    completion locks the execution row: ten branches were ten transactions in a row, each
    waiting for the one before. The first completion goes alone (a chain, a lone action:
    nothing changes for them); whatever arrived meanwhile goes in one transaction after it,
    and so on while more arrive. Across processes the row lock still orders them."""
    key = (id(svc), execution_id)
    mine = _Waiting(event, opts)
    with _waiting_lock:
        queued = _waiting.get(key)
        if queued is None:
            _waiting[key] = []
        else:
            queued.append(mine)
    if queued is not None:
        mine.done.wait()
        if mine.applied is not None:
            return mine.applied
        return apply_with(svc, execution_id, event, opts)
    try:
        return apply_with(svc, execution_id, event, opts)
    finally:
        _serve_waiting(svc, key, execution_id)


def _serve_waiting(svc: Services, key: tuple[int, str], execution_id: str) -> None:
    """Apply the completions that waited, a group per transaction, until none waits. A group
    whose transaction fails is told so: each of its completions is then applied alone by its
    own thread (as if there had been no group), so one cannot fail another."""
    group: list[_Waiting] = []
    try:
        while True:
            with _waiting_lock:
                group = _waiting[key]
                if not group:
                    del _waiting[key]
                    return
                _waiting[key] = []
            try:
                applied: list[Applied | None] = list(
                    apply_together(svc, execution_id, [(w.event, w.opts) for w in group])
                )
            except Exception:
                log.warning("completions applied together failed; each goes alone", exc_info=True)
                applied = [None] * len(group)
            for waiting, one in zip(group, applied, strict=True):
                waiting.applied = one
                waiting.done.set()
            group = []
    except BaseException:
        # This thread is being stopped: whoever still waits goes alone.
        with _waiting_lock:
            left = [*group, *_waiting.pop(key, [])]
        for waiting in left:
            waiting.done.set()
        raise
