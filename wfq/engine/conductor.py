"""The engine's single entry point: `handle(snapshot, event, ...) -> Decision`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from wfq.engine import (
    adhoc,
    completion,
    data_flow,
    direct,
    notifications,
    policies,
    reverse,
    revert,
    state_changes,
    tasks,
    timers,
    with_items,
)
from wfq.engine.catalog import ActionCatalog
from wfq.engine.commands import Command, ExecutionPausedOrResumed
from wfq.engine.events import (
    ActionCompleted,
    ActionStateRequested,
    ChildRerun,
    ChildStateChanged,
    Event,
    ItemsCompleted,
    ItemsWanted,
    RerunRequested,
    SkipRequested,
    StateRequested,
    SubworkflowCompleted,
    TimerFired,
    WorkflowStarted,
)
from wfq.engine.snapshot import ActionRecord, Snapshot, TaskRecord
from wfq.engine.turn import Flow, Turn
from wfq.errors import ExpressionError
from wfq.states import COMPLETED, State, change


@dataclass(frozen=True, slots=True)
class Decision:
    """The changed snapshot and the commands to carry out once it is committed."""

    snapshot: Snapshot
    commands: list[Command]


def handle(
    snap: Snapshot,
    event: Event,
    *,
    now: dt.datetime,
    ids: Callable[[], str],
    actions: ActionCatalog,
) -> Decision:
    """Apply `event` to the execution in `snap`. Handling the same event twice changes nothing
    the second time: every branch first checks that the event still applies."""
    turn = Turn(snap, now, ids, actions, flow_of(snap))
    seen = notifications.before(turn)
    state_before = snap.execution.state
    _dispatch_event(turn, event)
    revert.advance(turn)
    notifications.after(turn, seen)
    _paused_or_resumed(turn, state_before)
    return Decision(snap, turn.commands)


def flow_of(snap: Snapshot) -> Flow:
    """What comes next in the execution's workflow: `reverse` or `direct`."""
    return reverse if snap.spec.type == "reverse" else direct


def _paused_or_resumed(turn: Turn, before: str) -> None:
    """Whatever paused or resumed the execution (a user, an async action, the `pause` command,
    `pause-before` even on a first task), its subworkflows and its parent task follow. A paused
    execution that ends as it is resumed (nothing was left to run) counts as resumed: its
    parent must not stay paused for it."""
    ex = turn.snap.execution
    if ex.state == State.PAUSED and before in (State.RUNNING, State.IDLE):
        turn.emit(ExecutionPausedOrResumed(ex.id, State.PAUSED.value, ex.task_execution_id))
    elif before == State.PAUSED and (ex.state == State.RUNNING or ex.state in COMPLETED):
        turn.emit(ExecutionPausedOrResumed(ex.id, State.RUNNING.value, ex.task_execution_id))


def _on_workflow_started(turn: Turn, event: WorkflowStarted) -> None:
    """Begin a new execution: evaluate `vars`, then start the first tasks."""
    ex = turn.snap.execution
    if ex.state != State.IDLE:
        return
    change(ex, State.RUNNING)
    spec = turn.snap.spec
    try:
        ex.context = data_flow.evaluate(dict(spec.vars), turn.snap, None) if spec.vars else {}
    except ExpressionError as exc:
        completion.finish(turn, State.ERROR, str(exc))
        return
    turn.flow.start(turn)
    completion.check_completion(turn)


def _dispatch_event(turn: Turn, event: Event) -> None:
    handler = _HANDLERS.get(type(event))
    if handler is None:
        raise TypeError(f"unknown event {event!r}")
    handler(turn, event)


def _on_action_completed(turn: Turn, event: ActionCompleted) -> None:
    action = turn.snap.actions.get(event.action_execution_id)
    if action is None or action.state in COMPLETED:
        return
    if (action.runtime or {}).get("item"):
        _record_item(action, event)
        return
    change(action, State.SUCCESS if event.success else State.ERROR)
    action.output = {"result": event.result}
    task = turn.snap.task(action.task_execution_id or "")
    if task is not None and task.state == State.PAUSED:
        # The result of a paused asynchronous action arrived: its task completes; what
        # follows waits for the execution to be resumed.
        turn.set_task_state(task, State.RUNNING)
    if task is None or task.state != State.RUNNING:
        return
    if revert.is_revert(task):
        revert.on_action_completed(turn, task, action, event.success, event.result)
        return
    result, success = event.result, event.success
    if success:
        success, result = adhoc.apply_output(action.runtime, success, result)
        if not success:
            # A broken output transformation fails the execution at once (Mistral).
            wf = turn.snap.execution.workflow_name
            completion.force_fail(
                turn,
                task,
                f"Failed to handle action completion [error={result}, wf={wf}, task={task.name}, "
                f"action={action.name}]",
            )
            return
        info = None
    else:
        info = str(result) if result else None
        errors = [*task.runtime_context.get("errors", []), [action.id, action.attempt, result]]
        task.runtime_context = {**task.runtime_context, "errors": errors}
    tasks.complete(
        turn,
        task,
        success=success,
        result=result,
        state_info=info,
        action_name=action.name,
        action=action,
    )


def _record_item(action: ActionRecord, event: ActionCompleted) -> None:
    """The result of one with-items item (an asynchronous one, sent through the API): stored
    like a lane stores it; the task completes when every item has one (`ItemsCompleted`)."""
    success, result = adhoc.apply_output(action.runtime, event.success, event.result)
    change(action, State.SUCCESS if success else State.ERROR)
    action.output = {"result": result}


def _on_subworkflow_completed(turn: Turn, event: SubworkflowCompleted) -> None:
    task = turn.snap.task(event.task_execution_id)
    if task is not None and task.state == State.PAUSED:
        # The child ended while paused (cancelled, or forced to an end): its task completes;
        # what follows waits for the execution to be resumed.
        turn.set_task_state(task, State.RUNNING)
    if task is None or task.state != State.RUNNING:
        return
    if revert.is_revert(task):
        revert.on_subworkflow_completed(turn, task, event.state, event.output, event.state_info)
    elif event.index is not None:
        tasks.end_items(turn, task, with_items.on_subworkflow_item(turn, task, event))
    elif _first_news_of(task, event):
        _complete_with_child(turn, task, event)


def _first_news_of(task: TaskRecord, event: SubworkflowCompleted) -> bool:
    """False for the child of an earlier attempt (a retry runs a new child) or a duplicate
    event; otherwise the child is noted as done."""
    done = list(task.runtime_context.get("children_done", []))
    if event.execution_id:
        if event.execution_id in done:
            return False
        task.runtime_context = {
            **task.runtime_context,
            "children_done": [*done, event.execution_id],
        }
    return True


def _complete_with_child(turn: Turn, task: TaskRecord, event: SubworkflowCompleted) -> None:
    """The task's subworkflow ended: the task ends as it did."""
    if event.state == State.SUCCESS:
        tasks.complete(turn, task, success=True, result=event.output)
        return
    if event.state == State.CANCELLED:
        turn.set_task_state(task, State.CANCELLED, event.state_info)
        turn.flow.on_task_completed(turn, task)
        return
    error = (event.output or {}).get("result") if isinstance(event.output, dict) else None
    error = error or event.state_info or f"Failed subworkflow [execution_id={event.execution_id}]"
    # With a cause, state_info is the child's failure summarised once (see SubworkflowCompleted):
    # the task shows that, not the child's whole text, which held every level below it.
    info = event.state_info if event.cause is not None and event.state_info else str(error)
    if event.execution_id:
        errors = [*task.runtime_context.get("errors", []), [event.execution_id, 0, info, "wf"]]
        task.runtime_context = {**task.runtime_context, "errors": errors}
    if event.cause is not None:
        task.runtime_context = {**task.runtime_context, "cause": event.cause}
    tasks.complete(turn, task, success=False, result=error, state_info=info)


def _on_timer(turn: Turn, event: TimerFired) -> None:
    task = turn.snap.task(event.task_execution_id)
    if task is None or not policies.take(task, event.kind, event.token):
        return
    if turn.snap.execution.state != State.RUNNING and event.kind != "timeout":
        # Paused: remember the timer; resuming fires it.
        due = [*task.runtime_context.get("due_on_resume", []), event.kind]
        task.runtime_context = {**task.runtime_context, "due_on_resume": due}
        return
    timers.on_timer(turn, task, event.kind)


def _on_items_wanted(turn: Turn, event: ItemsWanted) -> None:
    task = turn.snap.task(event.task_execution_id)
    if task is not None:
        with_items.more(turn, task, event.lanes)


def _on_items_completed(turn: Turn, event: ItemsCompleted) -> None:
    task = turn.snap.task(event.task_execution_id)
    if task is None or task.state != State.RUNNING:
        return
    items = [a for a in turn.snap.actions.values() if a.task_execution_id == task.id]
    tasks.end_items(turn, task, with_items.on_items_completed(turn, task, items))


_HANDLERS: dict[type[Event], Callable[[Turn, Any], None]] = {
    WorkflowStarted: _on_workflow_started,
    ActionCompleted: _on_action_completed,
    SubworkflowCompleted: _on_subworkflow_completed,
    TimerFired: _on_timer,
    ItemsCompleted: _on_items_completed,
    ItemsWanted: _on_items_wanted,
    StateRequested: state_changes.on_state_requested,
    RerunRequested: state_changes.on_rerun,
    ActionStateRequested: state_changes.on_action_state,
    SkipRequested: state_changes.on_skip,
    ChildRerun: state_changes.on_child_rerun,
    ChildStateChanged: state_changes.on_child_state,
}
"""Which function applies which event."""
