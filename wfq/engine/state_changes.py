"""What a user can ask of a running execution: pause, resume, cancel, end it now, and rerun a
failed task. Mistral's rules (docs/mistral-semantics.md section 9)."""

from __future__ import annotations

from wfq.dsl import ENGINE_COMMANDS
from wfq.engine import completion, data_flow, direct, items, revert, tasks, timers, with_items
from wfq.engine.events import (
    ActionStateRequested,
    ChildRerun,
    ChildStateChanged,
    RerunRequested,
    SkipRequested,
    StateRequested,
)
from wfq.engine.snapshot import TaskRecord
from wfq.engine.turn import Turn
from wfq.errors import ExpressionError, InvalidRequest
from wfq.states import COMPLETED, State, can_transition, change

WORKFLOW_TRANSITIONS = {
    State.IDLE: {State.RUNNING, State.ERROR, State.CANCELLED},
    State.RUNNING: {State.PAUSED, State.SUCCESS, State.ERROR, State.CANCELLED, State.REVERTING},
    State.PAUSED: {State.RUNNING, State.ERROR, State.CANCELLED, State.REVERTING},
    State.REVERTING: {State.ERROR, State.CANCELLED},
    State.REVERTED: set(),
    State.CANCELLED: {State.RUNNING},
    State.ERROR: {State.RUNNING},
    State.SUCCESS: set(),
}


def _refuse(turn: Turn, new: State) -> InvalidRequest:
    ex = turn.snap.execution
    return InvalidRequest(
        f"Can't change workflow execution state from {ex.state} to {new}. "
        f"[workflow={ex.workflow_name}, execution_id={ex.id}]"
    )


def on_state_requested(turn: Turn, event: StateRequested) -> None:
    ex = turn.snap.execution
    old, new = State(ex.state), State(event.state)
    if new == State.RUNNING:
        if old == State.PAUSED:
            resume(turn)
        return  # resuming anything else is a no-op, as in Mistral
    if old in COMPLETED and new in (State.CANCELLED, State.ERROR):
        return  # Mistral answers with the unchanged execution
    if old == new:
        return
    if new not in WORKFLOW_TRANSITIONS.get(old, set()):
        raise _refuse(turn, new)
    if new == State.PAUSED:
        change(ex, State.PAUSED)
        ex.state_info = event.state_info
    elif new == State.REVERTING:
        ex.output = {"result": event.state_info or revert.ON_REQUEST}
        revert.begin(turn, event.state_info or revert.ON_REQUEST)
    elif new == State.CANCELLED:
        _stop_items(turn)
        completion.finish(turn, State.CANCELLED, event.state_info)
    else:
        # A user's forced end: no revert (ask for REVERTING for that).
        completion.finish(turn, new, event.state_info, reverts=False)


def _stop_items(turn: Turn) -> None:
    """A cancel stops with-items tasks at once: no further item (or item subworkflow) starts,
    and items still in flight change nothing when they end; the task is CANCELLED."""
    for task in turn.snap.tasks:
        if task.state in (State.RUNNING, State.PAUSED) and items.is_items_task(turn, task):
            with_items.stop(turn, task, State.CANCELLED, with_items.CANCELLED_INFO)


def resume(turn: Turn) -> None:
    """Back to RUNNING: run what the pause held back, then see whether the execution is done."""
    ex = turn.snap.execution
    change(ex, State.RUNNING)
    ex.state_info = None
    for task in list(turn.snap.tasks):
        if not turn.running:
            return
        _resume_task(turn, task)
    completion.check_completion(turn)


def _resume_task(turn: Turn, task: TaskRecord) -> None:
    if task.state == State.IDLE:
        tasks.run_now(turn, task)
        return
    due = task.runtime_context.get("due_on_resume")
    if due:
        task.runtime_context = {
            k: v for k, v in task.runtime_context.items() if k != "due_on_resume"
        }
        for kind in due:
            timers.on_timer(turn, task, kind)
        return
    if task.state in COMPLETED and not task.processed:
        turn.flow.on_task_completed(turn, task)
        return
    backlog = task.runtime_context.get("backlog")
    if backlog:
        task.runtime_context = {k: v for k, v in task.runtime_context.items() if k != "backlog"}
        outbound = {**task.in_context, **(task.published or {})}
        for name, event in backlog:
            if not turn.running:
                return
            if name in ENGINE_COMMANDS:
                if name != "pause":
                    completion.finish(turn, State.ERROR if name == "fail" else State.SUCCESS, None)
            else:
                direct.schedule(turn, name, outbound, task, event)


def on_rerun(turn: Turn, event: RerunRequested) -> None:
    task = turn.snap.task(event.task_execution_id)
    if task is None:
        return
    _refuse_after_revert(turn, task, "rerun")
    if task.state == State.SUCCESS:
        raise InvalidRequest("Rerunning succeeded tasks is not supported.")
    if task.state != State.ERROR:
        raise InvalidRequest(
            "The current task execution must be in ERROR for rerun. "
            "Only updating task to rerun is supported."
        )
    spec = turn.snap.spec.tasks[task.name]
    if not event.reset and not spec.with_items:
        raise InvalidRequest("Only with-items task has the option to not reset.")
    ex = turn.snap.execution
    if ex.state == State.PAUSED:
        return
    _reopen(turn)
    old = [a for a in turn.snap.actions.values() if a.task_execution_id == task.id]
    keep = [] if event.reset else [a for a in old if a.state == State.SUCCESS and a.accepted]
    for a in old:
        if a not in keep:
            a.accepted = False
    items_of_workflow = bool(spec.workflow and spec.with_items and not event.reset)
    task.runtime_context = _kept_on_rerun(task.runtime_context, bool(keep) or items_of_workflow)
    task.processed, task.error_handled, task.finished_at = False, False, None
    task.published, task.result = {}, None
    if items_of_workflow:
        turn.set_task_state(task, State.RUNNING)
        tasks.end_items(turn, task, with_items.rerun_failed_subworkflows(turn, task))
    elif keep:
        turn.set_task_state(task, State.RUNNING)
        tasks.end_items(turn, task, with_items.rerun_failed(turn, task, keep))
    else:
        tasks.start(turn, task)


def _kept_on_rerun(rc: dict[str, object], items: bool) -> dict[str, object]:
    """What a rerun keeps of the task's runtime context: the attempt of its subworkflow items
    and the children of earlier attempts (so that those no longer count), the versions of what
    it published (joins merge by them), and for a rerun of the failed items only, what they are
    and which succeeded."""
    names: tuple[str, ...] = ("sub_attempt", "children_done", "versions")
    if items:
        names += ("with_items", "sub_results")
    return {k: rc[k] for k in names if k in rc}


def on_action_state(turn: Turn, event: ActionStateRequested) -> None:
    """Pause or resume an asynchronous action, or cancel an action: its task follows (PAUSED
    also pauses the execution, RUNNING resumes it; CANCELLED cancels the task, which makes the
    execution CANCELLED once nothing else runs). A finished action is left as it is."""
    action = turn.snap.actions.get(event.action_execution_id)
    if action is None or action.state in COMPLETED:
        return
    task = turn.snap.task(action.task_execution_id or "")
    new = State(event.state)
    if new == State.CANCELLED:
        if (action.runtime or {}).get("item"):
            raise InvalidRequest(
                f"Cancelling one item of a with-items task is not supported [action_ex_id={action.id}]"
            )
        change(action, State.CANCELLED)
        action.output = {"result": None}
        if task is not None and task.state in (State.RUNNING, State.PAUSED):
            turn.set_task_state(
                task, State.CANCELLED, f"Action execution was cancelled [action_ex_id={action.id}]"
            )
            turn.flow.on_task_completed(turn, task)
    elif new == State.PAUSED and action.state == State.RUNNING:
        change(action, State.PAUSED)
        _task_paused(turn, task)
    elif new == State.RUNNING and action.state == State.PAUSED:
        change(action, State.RUNNING)
        _task_resumed(turn, task)


def on_child_state(turn: Turn, event: ChildStateChanged) -> None:
    """A task's subworkflow was paused or resumed: the task and the execution follow, as for
    an asynchronous action (Mistral's `on_action_update`)."""
    task = turn.snap.task(event.task_execution_id)
    if task is None or turn.snap.execution.state in COMPLETED:
        return
    if task.state in COMPLETED or turn.snap.spec.tasks[task.name].with_items:
        # A finished task (the child ended as it was resumed) stays finished; the items'
        # children of a with-items task pause apart, the task itself stays RUNNING.
        if event.state == State.PAUSED:
            return
        task = None
    if event.state == State.PAUSED:
        _task_paused(turn, task)
    elif event.state == State.RUNNING:
        _task_resumed(turn, task)


def _task_paused(turn: Turn, task: TaskRecord | None) -> None:
    """What a task waits for (its asynchronous action, its subworkflow) was paused: the task
    and the execution pause."""
    if task is not None and task.state == State.RUNNING:
        turn.set_task_state(task, State.PAUSED)
    ex = turn.snap.execution
    if ex.state == State.RUNNING:
        change(ex, State.PAUSED)
        ex.state_info = None


def _task_resumed(turn: Turn, task: TaskRecord | None) -> None:
    """What a task waits for runs again: the task too, and the execution once no other task is
    paused (Mistral keeps a parent paused while any of its subworkflows is)."""
    if task is not None and task.state == State.PAUSED:
        turn.set_task_state(task, State.RUNNING)
    if turn.snap.execution.state == State.PAUSED and not any(
        t.state == State.PAUSED for t in turn.snap.tasks
    ):
        resume(turn)


def on_skip(turn: Turn, event: SkipRequested) -> None:
    """Mistral's task skip: a failed task becomes SKIPPED ("Task was skipped."), publishes
    `publish-on-skip`, and its `on-skip` (or `on-success`) transitions run; no after-policies."""
    task = turn.snap.task(event.task_execution_id)
    if task is None:
        return
    _refuse_after_revert(turn, task, "skipped")
    if task.state != State.ERROR:
        raise InvalidRequest(
            "The current task execution must be in ERROR to be skipped "
            f"[task={task.name}, state={task.state}]."
        )
    ex = turn.snap.execution
    if ex.state == State.PAUSED:
        return
    _reopen(turn)
    task.processed, task.error_handled = False, False
    turn.set_task_state(task, State.SKIPPED, "Task was skipped.")
    publish = turn.snap.spec.skip_publish(task.name)
    try:
        task.published = (
            data_flow.evaluate(dict(publish.branch), turn.snap, task) if publish.branch else {}
        )
    except ExpressionError as exc:
        completion.force_fail(
            turn, task, f"Failed to publish on skip [error={exc}, task={task.name}]"
        )
        return
    turn.flow.on_task_completed(turn, task)


def _refuse_after_revert(turn: Turn, task: TaskRecord, what: str) -> None:
    """What was reverted stays reverted: neither a revert nor a task of an execution that
    reverts (or reverted) can be rerun or skipped."""
    ex = turn.snap.execution
    if revert.is_revert(task) or ex.state in (State.REVERTING, State.REVERTED):
        raise InvalidRequest(
            f"A task of a reverting or reverted execution can't be {what} "
            f"[task={task.name}, execution_state={ex.state}]."
        )


def _reopen(turn: Turn) -> None:
    """The execution runs again (a rerun or skip of one of its tasks): no end, no output. A
    SUCCESS execution stays as it is (SUCCESS is final, as in Mistral): refused."""
    ex = turn.snap.execution
    if not can_transition(ex.state, State.RUNNING):
        raise _refuse(turn, State.RUNNING)
    change(ex, State.RUNNING)
    ex.state_info, ex.finished_at, ex.output = None, None, {}


def on_child_rerun(turn: Turn, event: ChildRerun) -> None:
    """A subworkflow of the task was rerun or skipped in: the task runs again, and so does its
    execution, unless that one ended in a state it cannot leave (SUCCESS: the task's error was
    handled)."""
    task = turn.snap.task(event.task_execution_id)
    if task is None or task.state not in (State.ERROR, State.CANCELLED):
        return
    if not can_transition(turn.snap.execution.state, State.RUNNING):
        return
    _reopen(turn)
    task.processed, task.error_handled, task.finished_at = False, False, None
    done = [c for c in task.runtime_context.get("children_done", []) if c != event.execution_id]
    task.runtime_context = {**task.runtime_context, "children_done": done}
    turn.set_task_state(task, State.RUNNING)
