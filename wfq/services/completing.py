"""Completing an action execution: record its result and advance its workflow (an action run
outside any workflow only takes its result)."""

from __future__ import annotations

from typing import Any

from wfq import engine
from wfq.engine import adhoc
from wfq.engine.snapshot import Action
from wfq.persistence.db import Session
from wfq.persistence.models import ActionExecution
from wfq.services import items, work_list
from wfq.services.apply import Locate, apply_event
from wfq.services.context import Services
from wfq.states import COMPLETED, State, change


def complete_action(
    svc: Services,
    action_id: str,
    success: bool,
    result: Any,
    *,
    execution_id: str | None = None,
    run_here: str | None = None,
    keep: int = 1,
) -> list[Action]:
    """Record an action's result and advance its workflow. A second call changes nothing.

    A worker passes the `execution_id` it read when it claimed the action: the transition then
    locks the execution straight away and reads the action once, in the snapshot (the engine
    ignores a result for an action that is no longer RUNNING). With `run_here` (the worker's
    claimant name), the first action the transition starts on the default queue is not sent:
    it is stored already claimed by that worker, in the same transaction, and returned for the
    caller to run (if the worker dies first, the heartbeat check fails it, or sends it again
    when it is safe-rerun, like any action of a lost worker); up to `keep` of them, in the order
    started (a fork's branches), the first to run next."""
    event = engine.ActionCompleted(action_id, success, result)
    item_of: list[str] = []
    execution: str | Locate = execution_id or (
        # A result through the API: the action names its execution, if it has one.
        lambda session: _execution_of_action(session, action_id, success, result, item_of)
    )
    applied = apply_event(
        svc, execution, event, action_ids=(action_id,), claimant=run_here, keep=keep
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
