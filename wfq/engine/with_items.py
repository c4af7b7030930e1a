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
from wfq.engine.commands import RunItems
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

    spec = run.snap.spec.tasks[task.name]
    try:
        items = item_values(run, task)
        pol = policies.policies(run, task)
        capacity = policies.value(run, task, pol.concurrency, int, "concurrency") if pol.concurrency else 0
    except (ItemsError, policies.PolicyError) as exc:
        raise tasks.TaskFailure(str(exc)) from exc
    count = len(items)
    lanes = min(count, capacity or DEFAULT_LANES)
    attempt = int(task.runtime_context.get("retry_no", 0))
    task.runtime_context = {
        **task.runtime_context,
        "with_items": {"count": count, "capacity": capacity or None},
    }
    if count == 0:
        tasks.complete(run, task, success=True, result=[])
        return
    first: list[str] = []
    for index, item in enumerate(items):
        try:
            action_input = data_flow.evaluate(dict(spec.input), run.snap, task, extra={**item, **task.in_context})
        except ExpressionError as exc:
            raise tasks.TaskFailure(str(exc)) from exc
        runtime = runtime_of(action_input)
        runtime.update(safe_rerun=bool(spec.safe_rerun), queue=spec.target or None, item=True)
        action = run.new_action(task, name, action_input, runtime=runtime, item_index=index, attempt=attempt)
        if index < lanes:
            first.append(action.id)
        else:
            action.state = State.IDLE.value
    run.emit(RunItems(task.id, tuple(first), spec.target or None))


def on_items_completed(run: Run, task: TaskRecord, actions: list[ActionRecord]) -> None:
    """Every item has a result: complete the task with the ordered list of results."""
    from wfq.engine import tasks

    attempt = int(task.runtime_context.get("retry_no", 0))
    current = sorted((a for a in actions if a.attempt == attempt and a.accepted), key=lambda a: a.item_index)
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
