"""with-items: one action execution per item, run by a bounded number of lanes.

The engine creates every item's action execution at once (its input evaluated with the item
variables); the first `lanes` are RUNNING and sent as one `RunItems` command, the rest wait IDLE
and are claimed by a lane when it finishes an item. `concurrency` is the number of lanes; without
it, DEFAULT_LANES. When every item has a result the shell sends `ItemsCompleted` (a Celery chord
callback), and only then does the engine lock the execution: no item completion touches it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wfq.engine import data_flow, policies
from wfq.engine.commands import RunItems, StartSubworkflow
from wfq.engine.events import SubworkflowCompleted
from wfq.engine.run import Run
from wfq.engine.snapshot import ActionRecord, TaskRecord
from wfq.errors import ExpressionError
from wfq.states import COMPLETED, State

DEFAULT_LANES = 64
"""Items in flight for a with-items task without `concurrency` (workers bound it further)."""


class ItemsError(Exception):
    """The with-items values are not lists of one length."""


def item_values(run: Run, task: TaskRecord) -> list[dict[str, Any]]:
    """The item variables of every item, in order: `[{x: 1, y: 'a'}, ...]`."""
    spec = run.snap.spec.tasks[task.name]
    values: dict[str, list[Any]] = {}
    for var, expr in spec.with_items:
        try:
            v = data_flow.evaluate(expr, run.snap, task)
        except ExpressionError as exc:
            raise ItemsError(str(exc)) from exc
        if isinstance(v, dict):
            v = list(v)
        elif isinstance(v, str):
            v = list(v)
        elif not isinstance(v, Iterable):
            raise ItemsError(f"Wrong input format for: {values}. Iterable type is expected for each value.")
        values[var] = list(v)
    lengths = {len(v) for v in values.values()}
    if len(lengths) > 1:
        raise ItemsError(f"Wrong input format for: {values}. All arrays must have the same length.")
    count = lengths.pop() if lengths else 0
    return [{var: vals[i] for var, vals in values.items()} for i in range(count)]


def start(run: Run, task: TaskRecord, name: str, runtime_of: Any) -> None:
    """Create the items of `task` and send the first lanes. `runtime_of(input)` resolves the
    action for one item's input (raises the caller's TaskFailure)."""
    from wfq.engine import tasks

    items, capacity = _items_and_capacity(run, task)
    task.runtime_context = {
        **task.runtime_context,
        "with_items": {"count": len(items), "capacity": capacity or None},
    }
    if not items:
        tasks.complete(run, task, success=True, result=[])
        return
    try:
        _create(run, task, name, runtime_of, items, range(len(items)), capacity)
    except tasks.TaskFailure as exc:
        if not str(exc).startswith("Failed to find action"):
            raise
        # Mistral builds with-items actions inside its error handling: an unknown action is an
        # ordinary task failure there, so on-error applies.
        tasks.complete(run, task, success=False, result=str(exc), state_info=str(exc))


def rerun_failed(run: Run, task: TaskRecord, keep: list[ActionRecord]) -> None:
    """Run again only the items that did not succeed (a rerun with `reset: false`)."""
    from wfq.engine import tasks

    spec = run.snap.spec.tasks[task.name]
    try:
        name = data_flow.evaluate(spec.action, run.snap, task)
        items, capacity = _items_and_capacity(run, task)
        done = {a.item_index for a in keep}
        todo = [i for i in range(len(items)) if i not in done]
        _create(run, task, name, lambda given: tasks.resolve_action(run, task, name, given), items, todo, capacity)
    except (tasks.TaskFailure, ExpressionError) as exc:
        wf = run.snap.execution.workflow_name
        tasks.force_fail(run, task, f"Failed to run task [error={exc}, wf={wf}, task={task.name}]")


def _items_and_capacity(run: Run, task: TaskRecord) -> tuple[list[dict[str, Any]], int]:
    from wfq.engine import tasks

    pol = policies.policies(run, task)
    try:
        items = item_values(run, task)
        capacity = policies.value(run, task, pol.concurrency, int, "concurrency") if pol.concurrency else 0
    except (ItemsError, policies.PolicyError) as exc:
        raise tasks.TaskFailure(str(exc)) from exc
    return items, capacity


def _create(
    run: Run,
    task: TaskRecord,
    name: str,
    runtime_of: Any,
    items: list[dict[str, Any]],
    indexes: Any,
    capacity: int,
) -> None:
    from wfq.engine import tasks

    indexes = list(indexes)
    where = tasks.delivery(run, task)
    lanes = min(len(indexes), capacity or DEFAULT_LANES)
    attempt = int(task.runtime_context.get("retry_no", 0))
    first: list[str] = []
    for n, index in enumerate(indexes):
        # An in_context variable of the same name beats the item variable (Mistral).
        extra = {**items[index], **task.in_context}
        action_input = tasks.with_env_defaults(run, name, tasks.task_input(run, task, extra))
        runtime = runtime_of(action_input)
        runtime.update(where, item=True)
        action = run.new_action(task, name, action_input, runtime=runtime, item_index=index, attempt=attempt)
        if n < lanes:
            first.append(action.id)
        else:
            action.state = State.IDLE.value
    run.emit(RunItems(task.id, tuple(first), where["queue"], tasks.label(run, task, name)))


def start_subworkflows(run: Run, task: TaskRecord, name: str) -> None:
    """A with-items task that runs a workflow: one child execution per item."""
    from wfq.engine import tasks

    items, capacity = _items_and_capacity(run, task)
    task.runtime_context = {
        **task.runtime_context,
        "with_items": {"count": len(items), "capacity": capacity or None},
        "sub_results": {},
    }
    if not items:
        tasks.complete(run, task, success=True, result=[])
        return
    base = tasks.subworkflow_params(run)
    for index, item in enumerate(items):
        wf_input = tasks.task_input(run, task, {**item, **task.in_context})
        run.emit(StartSubworkflow(task.id, name, wf_input, {**base, "index": index}))


def on_subworkflow_item(run: Run, task: TaskRecord, event: SubworkflowCompleted) -> None:
    """One child of a with-items task ended; when all have, complete the task."""
    from wfq.engine import tasks

    results = dict(task.runtime_context.get("sub_results", {}))
    results[str(event.index)] = [event.state, event.output, event.state_info, event.execution_id]
    task.runtime_context = {**task.runtime_context, "sub_results": results}
    count = task.runtime_context.get("with_items", {}).get("count", 0)
    if len(results) < count:
        return
    ordered = [results[str(i)] for i in range(count)]
    failed = [(i, r) for i, r in enumerate(ordered) if r[0] != State.SUCCESS]
    values = [r[1] if r[0] == State.SUCCESS else (r[1] or {}).get("result") for r in ordered]
    if failed:
        errors = [[r[3], i, (r[1] or {}).get("result", r[2]), "wf"] for i, r in failed]
        task.runtime_context = {**task.runtime_context, "errors": errors}
    tasks.complete(
        run, task, success=not failed, result=values,
        state_info="One or more actions had failed." if failed else None,
    )


def on_items_completed(run: Run, task: TaskRecord, actions: list[ActionRecord]) -> None:
    """Every item has a result: complete the task with the ordered list of results."""
    from wfq.engine import tasks

    current = sorted((a for a in actions if a.accepted), key=lambda a: a.item_index)
    count = task.runtime_context.get("with_items", {}).get("count", 0)
    if len(current) < count or any(a.state not in COMPLETED for a in current):
        return  # early or duplicate callback: some item is still running
    results = [(a.output or {}).get("result") for a in current]
    if any(a.state == State.CANCELLED for a in current):
        run.set_task_state(task, State.CANCELLED, "One or more actions was cancelled.")
        task.result = results
        from wfq.engine import controller

        controller.on_task_completed(run, task)
        return
    failed = any(a.state == State.ERROR for a in current)
    if failed:
        errors = [[a.id, a.item_index, (a.output or {}).get("result")] for a in current if a.state == State.ERROR]
        task.runtime_context = {**task.runtime_context, "errors": errors}
    tasks.complete(
        run,
        task,
        success=not failed,
        result=results,
        state_info="One or more actions had failed." if failed else None,
        retry_all=current,
    )
