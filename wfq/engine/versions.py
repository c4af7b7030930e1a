"""Context versioning: how the contexts of parallel branches are merged (Mistral 23.0).

Every task carries, next to its inbound context, a count per published leaf path (`a`, `a.b` for
a nested dict) of how many tasks along its lineage published it. Where branches meet (a `join`,
the final context of the execution, a reverse task's requirements), a value from another branch
replaces the base's value only when its path was published **more often** on that branch; dicts
merge key by key. So a variable a branch changed beats the stale copy another branch inherited,
whatever order the branches finished in.

The counts live in the task's `runtime_context["versions"]` (Mistral keeps them in the inbound
context as `__versions`; wfq does not show them in `$`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from wfq.engine.snapshot import Snapshot, TaskRecord
from wfq.states import COMPLETED

Context = tuple[dict[str, Any], dict[str, int]]
"""A context and the version counts of its leaf paths."""

BATCH = 20
"""Mistral merges the end tasks' contexts 20 at a time; the base of the first batch is its last."""


def inbound_versions(task: TaskRecord) -> dict[str, int]:
    return dict(task.runtime_context.get("versions") or {})


def outbound(task: TaskRecord) -> Context:
    """The task's outbound context: its inbound context with what it published on top (a
    published key replaces the whole old value), and one more version for each published leaf."""
    published = task.published or {}
    versions = inbound_versions(task)
    for path in leaf_paths(published):
        versions[path] = versions.get(path, 0) + 1
    return {**task.in_context, **published}, versions


def leaf_paths(data: dict[str, Any], prefix: str = "") -> Iterable[str]:
    """Dotted paths of the non-dict values inside `data`."""
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            yield from leaf_paths(value, path)
        else:
            yield path


def merge_upstream(tasks: Sequence[TaskRecord], base: Context | None = None) -> Context:
    """Mistral's `evaluate_upstream_context`: the last task's outbound context is the base
    (unless `base` is given and not empty) and the others are merged into it in order."""
    contexts = [outbound(t) for t in tasks]
    if not contexts:
        return base if base is not None else ({}, {})
    if base is not None and base[0]:
        ctx, vers = _copy(base)
    else:
        ctx, vers = _copy(contexts.pop())
    for other_ctx, other_vers in contexts:
        _merge(ctx, vers, other_ctx, other_vers, "")
        for key, n in other_vers.items():
            vers[key] = max(vers.get(key, 0), n)
    return ctx, vers


def merge_in_batches(tasks: Sequence[TaskRecord]) -> dict[str, Any]:
    """The merged outbound contexts of `tasks` (oldest first), as Mistral builds the final
    context of an execution from its end tasks."""
    merged: Context | None = None
    for start in range(0, len(tasks), BATCH):
        merged = merge_upstream(tasks[start : start + BATCH], merged)
    return merged[0] if merged else {}


def _copy(context: Context) -> Context:
    return _deep_copy(context[0]), dict(context[1])


def _deep_copy(value: dict[str, Any]) -> dict[str, Any]:
    return {k: _deep_copy(v) if isinstance(v, dict) else v for k, v in value.items()}


def _merge(
    left: dict[str, Any], lv: dict[str, int], right: dict[str, Any], rv: dict[str, int], prefix: str
) -> None:
    for key, value in right.items():
        if key not in left:
            left[key] = _deep_copy(value) if isinstance(value, dict) else value
            continue
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(left[key], dict) and isinstance(value, dict):
            _merge(left[key], lv, value, rv, path)
        elif rv.get(path, 0) > lv.get(path, 0):
            left[key] = value


def join_context(snap: Snapshot, task: TaskRecord) -> None:
    """Set the join's inbound context: the versioned merge of the outbound contexts of every
    finished inbound task execution that transitioned into it, oldest first (Mistral)."""
    inbound = set(snap.spec.inbound_tasks(task.name))
    upstream = [
        t
        for t in snap.tasks
        if t.name in inbound
        and t.state in COMPLETED
        and any(n == task.name for n, _ in t.runtime_context.get("next_tasks", []))
    ]
    ctx, counts = merge_upstream(upstream)
    task.in_context = ctx
    task.runtime_context = {**task.runtime_context, "versions": counts}
