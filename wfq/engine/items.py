"""The items of a with-items task as values: the evaluated lists, one item's variables, and
index ranges. No task is started or completed here (with_items.py does that)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wfq.engine import data_flow
from wfq.engine.snapshot import TaskRecord
from wfq.engine.turn import Turn
from wfq.errors import ExpressionError


class ItemsError(Exception):
    """The with-items values are not lists of one length."""


def item_values(turn: Turn, task: TaskRecord) -> dict[str, list[Any]]:
    """The evaluated lists of the task's with-items, by variable: `{x: [1, 2], y: ['a', 'b']}`."""
    spec = turn.snap.spec.tasks[task.name]
    values: dict[str, list[Any]] = {}
    for var, expr in spec.with_items:
        try:
            v = data_flow.evaluate(expr, turn.snap, task)
        except ExpressionError as exc:
            raise ItemsError(str(exc)) from exc
        if isinstance(v, dict):
            v = list(v)
        elif isinstance(v, str):
            v = list(v)
        elif not isinstance(v, Iterable):
            raise ItemsError(
                f"Wrong input format for: {values}. Iterable type is expected for each value."
            )
        values[var] = list(v)
    if len({len(v) for v in values.values()}) > 1:
        raise ItemsError(f"Wrong input format for: {values}. All arrays must have the same length.")
    return values


def count_of(values: dict[str, list[Any]]) -> int:
    """How many items the lists make."""
    return len(next(iter(values.values()))) if values else 0


def item_vars(values: dict[str, list[Any]], index: int) -> dict[str, Any]:
    """The item variables of item `index`: `{x: 1, y: 'a'}`."""
    return {var: vals[index] for var, vals in values.items()}


def is_items_task(turn: Turn, task: TaskRecord) -> bool:
    """True for a task that runs with-items (actions or subworkflows)."""
    spec = turn.snap.spec.tasks.get(task.name)
    return bool(spec is not None and spec.with_items)


def ranges_of(indexes: Iterable[int]) -> list[list[int]]:
    """Ascending indexes as `[start, end)` ranges: [0, 1, 2, 5] -> [[0, 3], [5, 6]]."""
    out: list[list[int]] = []
    for i in indexes:
        if out and out[-1][1] == i:
            out[-1][1] = i + 1
        else:
            out.append([i, i + 1])
    return out


def take(ranges: list[list[int]], n: int) -> tuple[list[int], list[list[int]]]:
    """The first `n` indexes of `ranges`, and the ranges left."""
    taken: list[int] = []
    rest = [list(r) for r in ranges]
    while rest and len(taken) < n:
        start, end = rest[0]
        upto = min(end, start + n - len(taken))
        taken.extend(range(start, upto))
        if upto == end:
            rest.pop(0)
        else:
            rest[0] = [upto, end]
    return taken, rest
