"""How a workflow execution ends: whether it is done (`check_completion`), its terminal state
and output (`finish`, or REVERTING when it has work to undo), the failure texts, and the forced
failure that ends the execution with its task, as Mistral does for broken expressions."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wfq.engine import data_flow, revert, versions
from wfq.engine.commands import ExecutionCompleted
from wfq.engine.snapshot import TaskRecord
from wfq.engine.turn import Turn
from wfq.errors import ExpressionError
from wfq.states import ACTIVE, COMPLETED, State, can_transition, change


def check_completion(turn: Turn) -> None:
    """End the execution when no task is left to run."""
    # A PAUSED task (its asynchronous action or subworkflow paused) holds the execution open.
    if not turn.running or any(
        t.state in ACTIVE or t.state == State.PAUSED for t in turn.snap.tasks
    ):
        return
    cancelled = sorted(t.name for t in turn.snap.tasks if t.state == State.CANCELLED)
    if cancelled:
        finish(turn, State.CANCELLED, f"Cancelled tasks: {', '.join(cancelled)}")
    elif any(t.state == State.ERROR and not t.error_handled for t in turn.snap.tasks):
        finish(turn, State.ERROR, _failure_info(turn))
    else:
        finish(turn, State.SUCCESS, None)


def force_fail(turn: Turn, task: TaskRecord, message: str) -> None:
    """Fail the task and, at once, the whole execution with the same text (no on-error)."""
    turn.set_task_state(task, State.ERROR, message)
    task.processed = True
    finish(turn, State.ERROR, message)


def _failure_info(turn: Turn) -> str:
    """Mistral's text: the failed tasks that have no on-error clause at all, by name."""
    spec = turn.snap.spec
    failed = sorted(
        (
            t
            for t in turn.snap.tasks
            if t.state == State.ERROR and spec.on_clause(t.name, "error") is None
        ),
        key=lambda t: t.name,
    )
    text = f"Failure caused by error in tasks: {', '.join(t.name for t in failed)}\n"
    for t in failed:
        text += f"\n  {t.name} [task_ex_id={t.id}] -> {t.state_info}\n"
        for ident, idx, error, *kind in t.runtime_context.get("errors", []):
            if kind == ["wf"]:
                # The task's state_info above already says what the subworkflow failed with:
                # repeating it here doubled the text at every level of nesting.
                text += f"    [wf_ex_id={ident}, idx={idx}]\n"
            else:
                text += f"    [action_ex_id={ident}, idx={idx}]: {error}\n"
    return text


def child_failure(execution: Any, tasks: Iterable[Any]) -> tuple[str, str] | None:
    """How the parent task of the failed subworkflow `execution` describes it, and the first
    cause it goes back to: "Failure caused by error in task T of subworkflow W [wf_ex_id=...]:
    <cause>", T being the first failed task by name (unhandled first), the cause its own error,
    or, when T failed because of its own subworkflow, that one's cause. Each level thus names
    its child once instead of repeating every level below it. None when no task failed, or
    when the child's `output-on-error` set its own `result` (Mistral shows that, as is)."""
    output = execution.output
    if isinstance(output, dict) and output.get("result") != execution.state_info:
        return None
    failed = sorted((t for t in tasks if t.state == State.ERROR), key=lambda t: t.name)
    if not failed:
        return None
    first = next((t for t in failed if not t.error_handled), failed[0])
    cause = (first.runtime_context or {}).get("cause") or first.state_info or "unknown error"
    summary = (
        f"Failure caused by error in task '{first.name}' of subworkflow '{execution.workflow_name}' "
        f"[wf_ex_id={execution.id}]: {cause}"
    )
    return summary, cause


def final_context(turn: Turn) -> dict[str, Any]:
    """The merged outbound context of the tasks that ended their branch; for a reverse
    workflow, its target task's outbound context."""
    if turn.snap.spec.type == "reverse":
        execs = turn.snap.tasks_named(turn.snap.execution.params.get("task_name"))
        return data_flow.outbound_context(execs[-1]) if execs else {}
    ends = [
        t
        for t in turn.snap.tasks
        if t.state in COMPLETED and not t.runtime_context.get("next_tasks")
    ]
    return versions.merge_in_batches(ends)


def finish(turn: Turn, state: State, state_info: str | None, *, reverts: bool = True) -> None:
    """Put the execution in a terminal state and compute its output. A failure (unless a user
    forced it: `reverts` False) of a RUNNING or PAUSED execution makes it REVERTING instead
    when it has tasks to revert. An execution that ended already keeps its end when the table
    does not let it leave it (a task of a cancelled execution, still running, fails as it
    completes), and never starts reverting."""
    ex = turn.snap.execution
    if ex.state in COMPLETED and not can_transition(ex.state, state):
        return
    spec = turn.snap.spec
    ctx = final_context(turn)
    if state == State.SUCCESS:
        try:
            output = (
                data_flow.evaluate(spec.output, turn.snap, None, extra=ctx) if spec.output else None
            )
            ex.output = output or ctx
        except ExpressionError as exc:
            state = State.ERROR
            state_info = f"Failed to check and complete [wf_ex_id={ex.id}, wf_name={ex.workflow_name}]: {exc}"
    too_big = data_flow.oversize(turn.snap, ex.output, "WorkflowExecution", "output")
    if state == State.SUCCESS and too_big:
        state = State.ERROR
        state_info = f"Failed to check and complete [wf_ex_id={ex.id}, wf_name={ex.workflow_name}]: {too_big}"
        ex.output = {"result": state_info}
    elif state == State.ERROR:
        ex.output, state_info = _error_output(turn, ctx, state_info)
        # Only a RUNNING or PAUSED execution starts reverting: one that ended already (a user
        # forced ERROR, or stopped its reverts) stays ended when a late task fails.
        if reverts and can_transition(ex.state, State.REVERTING) and revert.wanted(turn):
            revert.begin(turn, state_info)
            return
    elif state == State.CANCELLED:
        ex.output = {"result": state_info}
    change(ex, state)
    ex.state_info = state_info
    ex.finished_at = turn.now
    turn.emit(ExecutionCompleted(ex.id, state.value, ex.task_execution_id))


def _error_output(
    turn: Turn, ctx: dict[str, Any], state_info: str | None
) -> tuple[dict[str, Any], str | None]:
    spec = turn.snap.spec
    if not spec.output_on_error:
        return data_flow.merge_dicts({"result": state_info}, ctx), state_info
    try:
        extra = data_flow.evaluate(spec.output_on_error, turn.snap, None, extra=ctx)
    except ExpressionError as exc:
        info = (
            "Failed to evaluate expression in output-on-error! "
            f"(output-on-error: '{spec.output_on_error}', exception: '{exc}' Cause: '{exc.reason}'"
        )
        return {"result": info}, info
    extra = extra if isinstance(extra, dict) else {}
    return data_flow.merge_dicts({"result": state_info}, extra), state_info
