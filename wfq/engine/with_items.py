"""with-items: one action execution per item, run by a bounded number of lanes.

The engine evaluates the with-items lists once and keeps them on the task
(`with_items_values`). It creates the action executions of the first `lanes` items only
(RUNNING, sent as one `RunItems` command) and notes in `runtime_context["items_todo"]` the
indexes still to create. A lane that finds no IDLE item left asks for more (`ItemsWanted`): the
engine then creates the next batch, IDLE, for the lanes to claim. So starting a task over
100,000 items costs what starting `lanes` items costs, and an item's action execution appears
when its turn comes. `concurrency` is the number of lanes; without it, DEFAULT_LANES. When every
item has a result the shell sends `ItemsCompleted` (a Celery chord callback), and only then does
the engine lock the execution for the task: no item completion touches it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wfq.engine import completion, data_flow, inputs, policies
from wfq.engine.commands import RunItems, StartLanes, StartSubworkflow
from wfq.engine.events import SubworkflowCompleted
from wfq.engine.items import ItemsError, count_of, item_values, item_vars, ranges_of, take
from wfq.engine.snapshot import ActionRecord, TaskRecord
from wfq.engine.turn import Turn
from wfq.errors import ExpressionError
from wfq.states import COMPLETED, State

DEFAULT_LANES = 64
"""Items in flight for a with-items task without `concurrency` (workers bound it further)."""

FIRST_LANES = 16
"""Lanes a with-items task starts in the transition that starts it; the rest (up to
`concurrency`) are started by a worker (`StartLanes`), so that a task of 1,000 lanes does not
evaluate and send 1,000 items inside the request that starts its execution."""

BATCH_MIN, BATCH_MAX = 100, 1000
"""Items created per `ItemsWanted`: one per lane, at least BATCH_MIN and at most BATCH_MAX (the
batch is created with the execution locked, so it is kept to a fraction of a second)."""

TODO = "items_todo"
"""runtime_context key of what is left to create: the action, its delivery, the attempt, the
index ranges `[[start, end), ...]` of the items not created yet, and `lanes_due`, the lanes a
worker is still to start."""

CANCELLED_INFO = "One or more actions was cancelled."

FAILED_INFO = "One or more actions had failed."


@dataclass(frozen=True, slots=True)
class ItemsDone:
    """The items of a with-items task have all ended: how the task ends. The caller completes
    the task with it (`tasks.end_items`): this module starts and counts items, it does not
    follow a task's transitions."""

    success: bool
    result: Any
    state_info: str | None = None
    retry_all: list[ActionRecord] | None = None
    cancelled: bool = False


def start(turn: Turn, task: TaskRecord, name: str) -> ItemsDone | None:
    """Keep the items of `task` and create and send the first lanes' items; done at once
    when there are no items or the action is unknown."""
    values, capacity = _values_and_capacity(turn, task)
    count = count_of(values)
    task.runtime_context = {
        **task.runtime_context,
        "with_items": {"count": count, "capacity": capacity or None},
    }
    if not count:
        return ItemsDone(True, [])
    task.with_items_values = values
    try:
        _open(turn, task, name, [[0, count]], capacity)
    except inputs.TaskFailure as exc:
        if not str(exc).startswith("Failed to find action"):
            raise
        # Mistral builds with-items actions inside its error handling: an unknown action is an
        # ordinary task failure there, so on-error applies.
        return ItemsDone(False, str(exc), str(exc))
    return None


def rerun_failed(turn: Turn, task: TaskRecord, keep: list[ActionRecord]) -> ItemsDone | None:
    """Run again only the items that did not succeed (a rerun with `reset: false`); done at
    once when none is left to run."""
    spec = turn.snap.spec.tasks[task.name]
    try:
        name = data_flow.evaluate(spec.action, turn.snap, task)
        values, capacity = _values_and_capacity(turn, task)
        task.with_items_values = values
        done = {a.item_index for a in keep}
        _set_count(task, count_of(values), capacity)
        todo = ranges_of(i for i in range(count_of(values)) if i not in done)
        if not todo:
            return on_items_completed(turn, task, keep)
        _open(turn, task, name, todo, capacity)
    except (inputs.TaskFailure, ExpressionError) as exc:
        wf = turn.snap.execution.workflow_name
        completion.force_fail(
            turn, task, f"Failed to run task [error={exc}, wf={wf}, task={task.name}]"
        )
    return None


def more(turn: Turn, task: TaskRecord, lanes: bool = False) -> None:
    """A lane found no IDLE item: create the next batch of the task's items (IDLE), if the task
    still runs and has items left to create. With `lanes`: start the lanes still due instead
    (once: a duplicate finds none due)."""
    todo = task.runtime_context.get(TODO)
    if not todo or task.state != State.RUNNING:
        return
    if lanes:
        n = int(todo.get("lanes_due", 0))
    else:
        capacity = task.runtime_context.get("with_items", {}).get("capacity") or DEFAULT_LANES
        n = min(max(capacity, BATCH_MIN), BATCH_MAX)
    if n <= 0:
        return
    indexes, rest = take(todo["ranges"], n)
    try:
        ids = _create(turn, task, todo, indexes, State.RUNNING if lanes else State.IDLE)
    except inputs.TaskFailure as exc:
        wf = turn.snap.execution.workflow_name
        completion.force_fail(
            turn, task, f"Failed to run task [error={exc}, wf={wf}, task={task.name}]"
        )
        return
    _set_todo(task, {**todo, "lanes_due": 0} if lanes else todo, rest)
    if lanes:
        label = inputs.label(turn, task, todo["action"])
        turn.emit(RunItems(task.id, tuple(ids), todo["delivery"]["queue"], label))


def stop(turn: Turn, task: TaskRecord, state: State, state_info: str) -> None:
    """End a running with-items task now (its execution is cancelled): no further item is
    created or started; results of items still in flight are recorded and change nothing."""
    turn.set_task_state(task, state, state_info)
    task.runtime_context = {k: v for k, v in task.runtime_context.items() if k != TODO}
    policies.disarm(task, "timeout")


def _values_and_capacity(turn: Turn, task: TaskRecord) -> tuple[dict[str, list[Any]], int]:
    pol = policies.policies(turn, task)
    try:
        values = item_values(turn, task)
        capacity = (
            policies.value(turn, task, pol.concurrency, int, "concurrency")
            if pol.concurrency
            else 0
        )
    except (ItemsError, policies.PolicyError) as exc:
        raise inputs.TaskFailure(str(exc)) from exc
    return values, capacity


def _set_count(task: TaskRecord, count: int, capacity: int) -> None:
    wi = {
        **task.runtime_context.get("with_items", {}),
        "count": count,
        "capacity": capacity or None,
    }
    task.runtime_context = {**task.runtime_context, "with_items": wi}


def _set_todo(task: TaskRecord, todo: dict[str, Any], rest: list[list[int]]) -> None:
    rc = {k: v for k, v in task.runtime_context.items() if k != TODO}
    if rest:
        lanes_due = min(int(todo.get("lanes_due", 0)), sum(e - s for s, e in rest))
        task.runtime_context = {**rc, TODO: {**todo, "ranges": rest, "lanes_due": lanes_due}}
    else:
        task.runtime_context = rc


def _open(turn: Turn, task: TaskRecord, name: str, ranges: list[list[int]], capacity: int) -> None:
    """Create the first lanes' items (RUNNING) and send them; note the rest as to do."""
    where = inputs.delivery(turn, task)
    todo = {
        "action": name,
        "delivery": where,
        "attempt": int(task.runtime_context.get("retry_no", 0)),
        "ranges": ranges,
    }
    lanes = capacity or DEFAULT_LANES
    first, rest = take(ranges, min(lanes, FIRST_LANES))
    ids = _create(turn, task, todo, first, State.RUNNING)
    _set_todo(task, {**todo, "lanes_due": lanes - len(first)}, rest)
    turn.emit(RunItems(task.id, tuple(ids), where["queue"], inputs.label(turn, task, name)))
    if task.runtime_context.get(TODO, {}).get("lanes_due"):
        turn.emit(StartLanes(task.id))


def _create(
    turn: Turn, task: TaskRecord, todo: dict[str, Any], indexes: list[int], state: State
) -> list[str]:
    """The action executions of these items, their input evaluated with the item variables."""
    name, values = todo["action"], task.with_items_values or {}
    ids = []
    for index in indexes:
        # An in_context variable of the same name beats the item variable (Mistral).
        extra = {**item_vars(values, index), **task.in_context}
        action_input = inputs.with_env_defaults(turn, name, inputs.task_input(turn, task, extra))
        runtime = inputs.resolve_action(turn, task, name, action_input)
        runtime.update(todo["delivery"], item=True)
        action = turn.new_action(
            task,
            name,
            action_input,
            state,
            runtime=runtime,
            item_index=index,
            attempt=todo["attempt"],
        )
        ids.append(action.id)
    return ids


def start_subworkflows(
    turn: Turn, task: TaskRecord, name: str, indexes: list[int] | None = None
) -> ItemsDone | None:
    """A with-items task that runs a workflow: one child execution per item (`indexes`: only
    those, when rerunning the failed items). Each start is an attempt: a child of an earlier
    attempt (before a retry or rerun) no longer counts for the task. Done at once when no
    item is left to start."""
    values, capacity = _values_and_capacity(turn, task)
    count = count_of(values)
    attempt = int(task.runtime_context.get("sub_attempt", -1)) + 1
    kept = task.runtime_context.get("sub_results", {}) if indexes is not None else {}
    task.runtime_context = {
        **task.runtime_context,
        "with_items": {"count": count, "capacity": capacity or None},
        "sub_results": kept,
        "sub_attempt": attempt,
    }
    todo = list(range(count)) if indexes is None else [i for i in indexes if i < count]
    if not count:
        return ItemsDone(True, [])
    if not todo:
        return _subworkflows_done(turn, task)
    base = inputs.subworkflow_params(turn)
    for index in todo:
        wf_input = inputs.task_input(turn, task, {**item_vars(values, index), **task.in_context})
        params = {**base, "index": index, **({"attempt": attempt} if attempt else {})}
        turn.emit(StartSubworkflow(task.id, name, wf_input, params))
    return None


def on_subworkflow_item(
    turn: Turn, task: TaskRecord, event: SubworkflowCompleted
) -> ItemsDone | None:
    """One child of a with-items task ended; done when all have."""
    if event.attempt != int(task.runtime_context.get("sub_attempt", 0)):
        return None  # a child of an earlier attempt (before a rerun or retry)
    results = dict(task.runtime_context.get("sub_results", {}))
    results[str(event.index)] = [event.state, event.output, event.state_info, event.execution_id]
    task.runtime_context = {**task.runtime_context, "sub_results": results}
    return _subworkflows_done(turn, task)


def _subworkflows_done(turn: Turn, task: TaskRecord) -> ItemsDone | None:
    results = task.runtime_context.get("sub_results", {})
    count = task.runtime_context.get("with_items", {}).get("count", 0)
    if len(results) < count:
        return None
    ordered = [results[str(i)] for i in range(count)]
    failed = [(i, r) for i, r in enumerate(ordered) if r[0] != State.SUCCESS]
    values = [r[1] if r[0] == State.SUCCESS else (r[1] or {}).get("result") for r in ordered]
    if failed:
        errors = [[r[3], i, (r[1] or {}).get("result", r[2]), "wf"] for i, r in failed]
        task.runtime_context = {**task.runtime_context, "errors": errors}
    return ItemsDone(not failed, values, FAILED_INFO if failed else None)


def rerun_failed_subworkflows(turn: Turn, task: TaskRecord) -> ItemsDone | None:
    """Start new children only for the items whose child did not succeed (`reset: false`)."""
    spec = turn.snap.spec.tasks[task.name]
    results = task.runtime_context.get("sub_results", {})
    kept = {k: r for k, r in results.items() if r[0] == State.SUCCESS}
    task.runtime_context = {**task.runtime_context, "sub_results": kept}
    count = task.runtime_context.get("with_items", {}).get("count", 0)
    try:
        name = data_flow.evaluate(spec.workflow, turn.snap, task)
        return start_subworkflows(turn, task, name, [i for i in range(count) if str(i) not in kept])
    except (inputs.TaskFailure, ExpressionError) as exc:
        wf = turn.snap.execution.workflow_name
        completion.force_fail(
            turn, task, f"Failed to run task [error={exc}, wf={wf}, task={task.name}]"
        )
    return None


def on_items_completed(
    turn: Turn, task: TaskRecord, actions: list[ActionRecord]
) -> ItemsDone | None:
    """Every item has a result: the task is done, with the ordered list of results."""
    if task.runtime_context.get(TODO):
        return None  # items are still to be created
    current = sorted((a for a in actions if a.accepted), key=lambda a: a.item_index)
    count = task.runtime_context.get("with_items", {}).get("count", 0)
    if len(current) < count or any(a.state not in COMPLETED for a in current):
        return None  # early or duplicate callback: some item is still running
    results = [(a.output or {}).get("result") for a in current]
    if any(a.state == State.CANCELLED for a in current):
        return ItemsDone(False, results, CANCELLED_INFO, cancelled=True)
    failed = any(a.state == State.ERROR for a in current)
    if failed:
        errors = [
            [a.id, a.item_index, (a.output or {}).get("result")]
            for a in current
            if a.state == State.ERROR
        ]
        task.runtime_context = {**task.runtime_context, "errors": errors}
    return ItemsDone(not failed, results, FAILED_INFO if failed else None, retry_all=current)
