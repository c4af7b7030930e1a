"""Compensation, a wfq extension (docs/compensation.md): the `revert:` of the tasks that
completed runs newest first, one at a time, once the execution is REVERTING.

Nothing but the task executions says where a revert sequence stands: each revert is a task
execution named `<task>:revert` whose `runtime_context` names the task (and with-items item) it
undoes. Every transition of a REVERTING execution recomputes what is left from them (`advance`),
so a duplicate event starts nothing twice and a crash loses nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from wfq.dsl.revert import RevertSpec
from wfq.engine import adhoc, data_flow, inputs, items
from wfq.engine.commands import ExecutionCompleted, RunAction, StartSubworkflow
from wfq.engine.snapshot import ActionRecord, TaskRecord
from wfq.engine.turn import Turn
from wfq.errors import ExpressionError
from wfq.states import COMPLETED, State, change

SUFFIX = ":revert"
"""A revert's task execution is named after the task it undoes, plus this suffix."""

OF, ITEM = "revert_of", "revert_item"
"""runtime_context keys of a revert: the task execution id it undoes, the item index (or None)."""

STOPPED_INFO = "Cancelled: the execution is reverting"
ON_REQUEST = "Reverting on request"

_WAITING = (State.IDLE, State.WAITING, State.RUNNING_DELAYED, State.PAUSED)
"""States of a task that has nothing in flight: a reverting execution cancels it."""


def is_revert(task: TaskRecord) -> bool:
    """True for a task execution that runs a revert."""
    return OF in task.runtime_context


def wanted(turn: Turn) -> bool:
    """True when something is (or may still be) to revert: a completed task with a `revert`,
    or a running one that declares it (it may yet complete)."""
    if next(_pending(turn), None) is not None:
        return True
    return any(t.state == State.RUNNING and _spec(turn, t) is not None for t in _originals(turn))


def begin(turn: Turn, state_info: str | None) -> None:
    """The execution goes REVERTING; `advance` (after every event) runs the reverts."""
    ex = turn.snap.execution
    change(ex, State.REVERTING)
    ex.state_info = state_info
    ex.finished_at = None


def advance(turn: Turn) -> None:
    """Start the next revert, or end the execution: REVERTED once all are done, ERROR naming
    the first revert that failed. Tasks still running are waited for (they may complete and
    need reverting too); tasks that only wait (a timer, a join, a pause) are cancelled."""
    if turn.snap.execution.state != State.REVERTING:
        return
    _cancel_waiting(turn)
    reverts = [t for t in turn.snap.tasks if is_revert(t)]
    if any(t.state not in COMPLETED for t in reverts):
        return
    failed = next((t for t in reverts if t.state != State.SUCCESS), None)
    if failed is not None:
        _end(turn, State.ERROR, _failure(turn, failed))
        return
    if any(t.state == State.RUNNING for t in _originals(turn)):
        return
    unit = next(_pending(turn), None)
    if unit is None:
        _end(turn, State.REVERTED, turn.snap.execution.state_info)
        return
    started = _start(turn, *unit)
    if started.state == State.ERROR:
        _end(turn, State.ERROR, _failure(turn, started))


def on_action_completed(
    turn: Turn, task: TaskRecord, action: ActionRecord, success: bool, result: Any
) -> None:
    """The action of a revert ended: the revert's task execution ends with it."""
    success, result = adhoc.apply_output(action.runtime, success, result)
    _done(turn, task, success, result)


def on_subworkflow_completed(
    turn: Turn, task: TaskRecord, state: str, output: Any, info: str | None
) -> None:
    """The workflow of a revert ended."""
    if state == State.SUCCESS:
        _done(turn, task, True, output)
        return
    error = (output or {}).get("result") if isinstance(output, dict) else None
    _done(turn, task, False, error or info or f"Revert workflow ended {state}")


def _done(turn: Turn, task: TaskRecord, success: bool, result: Any) -> None:
    task.result = result
    turn.set_task_state(
        task, State.SUCCESS if success else State.ERROR, None if success else str(result)
    )
    task.processed = True


def _originals(turn: Turn) -> list[TaskRecord]:
    return [t for t in turn.snap.tasks if not is_revert(t)]


def _spec(turn: Turn, task: TaskRecord) -> RevertSpec | None:
    spec = turn.snap.spec.tasks.get(task.name)
    return spec.revert if spec is not None else None


def _cancel_waiting(turn: Turn) -> None:
    for task in _originals(turn):
        if task.state in _WAITING:
            turn.set_task_state(task, State.CANCELLED, STOPPED_INFO)
            task.finished_at = turn.now
            task.processed = True
            task.timer_at = None
            task.runtime_context = {k: v for k, v in task.runtime_context.items() if k != "timers"}


def _pending(turn: Turn) -> Iterator[tuple[TaskRecord, int | None]]:
    """What is left to revert, in the order it is reverted: tasks newest completion first, the
    items of a with-items task highest index first."""
    done = {
        (t.runtime_context[OF], t.runtime_context.get(ITEM))
        for t in turn.snap.tasks
        if is_revert(t)
    }
    for task in _completed(turn):
        for index in _units_of(turn, task):
            if (task.id, index) not in done:
                yield task, index


def _completed(turn: Turn) -> list[TaskRecord]:
    """Tasks that declare a revert and may have done work, newest completion first (creation
    order breaks ties)."""
    found = [
        (t.finished_at or t.created_at, i, t)
        for i, t in enumerate(turn.snap.tasks)
        if not is_revert(t) and t.state in COMPLETED and _spec(turn, t) is not None
    ]
    return [t for _, _, t in sorted(found, key=lambda f: (f[0], f[1]), reverse=True)]


def _units_of(turn: Turn, task: TaskRecord) -> list[int | None]:
    """None for a task that succeeded; for a with-items task, the indexes of its items that
    succeeded (whether the task did or not), highest first."""
    if not items.is_items_task(turn, task):
        return [None] if task.state == State.SUCCESS else []
    if task.state not in (State.SUCCESS, State.ERROR):
        return []
    count = int(task.runtime_context.get("with_items", {}).get("count", 0))
    failed = set()
    if task.state == State.ERROR:
        errors = task.runtime_context.get("errors", [])
        failed = {e[1] for e in errors if len(e) > 1}
        if not errors:
            return []  # failed as a whole (a timeout, a broken expression): items unknown
    return [i for i in reversed(range(count)) if i not in failed]


class _ItemView:
    """A with-items task as one of its items saw it: the item variables in its context, the
    item's result as its result (what `task()` and `$` give a revert's expressions)."""

    def __init__(self, task: TaskRecord, item: dict[str, Any], result: Any) -> None:
        self._task = task
        # An in_context variable of the same name beats the item variable (Mistral).
        self.in_context = {**item, **task.in_context}
        self.result = result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._task, name)


def _seen_as(turn: Turn, task: TaskRecord, index: int | None) -> Any:
    if index is None:
        return task
    values = task.with_items_values
    if not values:
        try:
            values = items.item_values(turn, task)
        except items.ItemsError:
            values = {}
    item = {var: vals[index] for var, vals in values.items() if index < len(vals)}
    result = (
        task.result[index] if isinstance(task.result, list) and index < len(task.result) else None
    )
    return _ItemView(task, item, result)


def _new_revert_task(
    turn: Turn, task: TaskRecord, index: int | None, seen: Any, kind: str
) -> TaskRecord:
    return turn.new_task(
        task.name + SUFFIX,
        dict(seen.in_context),
        State.RUNNING,
        kind=kind,
        runtime_context={OF: task.id, ITEM: index},
        started_at=turn.now,
    )


def _start(turn: Turn, task: TaskRecord, index: int | None) -> TaskRecord:
    """Create the revert's task execution and start its action or workflow; a revert that
    cannot start (a broken expression, an unknown action) is an ERROR at once."""
    spec = _spec(turn, task)
    assert spec is not None
    seen = _seen_as(turn, task, index)
    rv = _new_revert_task(turn, task, index, seen, "WORKFLOW" if spec.workflow else "ACTION")
    try:
        if spec.workflow:
            _start_workflow(turn, rv, seen, spec)
        else:
            _start_action(turn, task, rv, seen, spec, index)
    except (inputs.TaskFailure, ExpressionError) as exc:
        _done(turn, rv, False, f"Failed to run revert [error={exc}, task={task.name}]")
    return rv


def _input(turn: Turn, seen: Any, spec: RevertSpec) -> dict[str, Any]:
    raw = spec.input if isinstance(spec.input, str) else dict(spec.input)
    value = data_flow.evaluate(raw, turn.snap, seen)
    if not isinstance(value, dict):
        raise inputs.TaskFailure(
            f"Wrong revert input: a dict is expected, not {type(value).__name__}"
        )
    return value


def _start_workflow(turn: Turn, rv: TaskRecord, seen: Any, spec: RevertSpec) -> None:
    name = data_flow.evaluate(spec.workflow, turn.snap, seen)
    wf_input = _input(turn, seen, spec)
    params = inputs.subworkflow_params(turn)
    # Kept so that the integrity check starts a child that a crash lost (as for any task).
    rv.runtime_context = {
        **rv.runtime_context,
        "subworkflow": {"name": name, "input": wf_input, "params": params},
    }
    turn.emit(StartSubworkflow(rv.id, name, wf_input, params))


def _start_action(
    turn: Turn, task: TaskRecord, rv: TaskRecord, seen: Any, spec: RevertSpec, index: int | None
) -> None:
    name = data_flow.evaluate(spec.action, turn.snap, seen)
    action_input = inputs.with_env_defaults(turn, name, _input(turn, seen, spec))
    runtime = inputs.resolve_action(turn, seen, name, action_input)
    # A revert is sent again when its worker is lost (safe-rerun): an undo must be repeatable,
    # and the sequence must reach its end.
    runtime.update(safe_rerun=True, queue=inputs.delivery(turn, task)["queue"])
    action = turn.new_action(
        rv, name, action_input, runtime=runtime, item_index=index or 0, attempt=0
    )
    turn.emit(RunAction(action.id, runtime["queue"], inputs.label(turn, rv, name)))


def _failure(turn: Turn, failed: TaskRecord) -> str:
    of = failed.runtime_context.get(OF)
    item = failed.runtime_context.get(ITEM)
    where = f", item {item}" if item is not None else ""
    text = (
        f"Revert failed: task {failed.name} [task_ex_id={failed.id}] undoing task_ex_id={of}{where} "
        f"-> {failed.state_info}"
    )
    before = turn.snap.execution.state_info
    return f"{text}\nThe execution was reverting after: {before}" if before else text


def _end(turn: Turn, state: State, info: str | None) -> None:
    ex = turn.snap.execution
    change(ex, state)
    ex.state_info, ex.finished_at = info, turn.now
    if state == State.ERROR:
        ex.output = {**(ex.output or {}), "result": info}
    turn.emit(ExecutionCompleted(ex.id, state.value, ex.task_execution_id))
