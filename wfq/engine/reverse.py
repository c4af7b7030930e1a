"""What follows in a reverse workflow: run exactly the tasks the target (`task_name`) requires,
each as soon as everything it requires has succeeded."""

from __future__ import annotations

from typing import Any

from wfq.engine import completion, tasks, versions
from wfq.engine.snapshot import TaskRecord
from wfq.engine.turn import Turn
from wfq.states import State


def needed(turn: Turn) -> list[str]:
    """The tasks to run for the execution's target, dependencies first."""
    target = turn.snap.execution.params.get("task_name")
    levels = turn.snap.spec.tasks_to_run(target)
    return [name for level in levels for name in level]


def start(turn: Turn) -> None:
    """Start what the target needs first (the execution has just started)."""
    schedule_ready(turn)


def schedule_ready(turn: Turn) -> None:
    """Start every needed task not started yet whose requirements all succeeded."""
    spec = turn.snap.spec
    started = {t.name for t in turn.snap.tasks}
    succeeded = {t.name: t for t in turn.snap.tasks if t.state == State.SUCCESS}
    for name in needed(turn):
        if not turn.running:
            return
        if name in started:
            continue
        reqs = spec.requires(name)
        if all(r in succeeded for r in reqs):
            upstream = [t for t in turn.snap.tasks if t.name in reqs and succeeded[t.name] is t]
            ctx, counts = versions.merge_upstream(upstream)
            rc: dict[str, Any] = {
                "triggered_by": [{"task_id": succeeded[r].id, "event": "on-success"} for r in reqs]
            }
            if counts:
                rc["versions"] = counts
            task = turn.new_task(name, ctx, State.IDLE, runtime_context=rc)
            started.add(name)
            tasks.start(turn, task)


def on_task_completed(turn: Turn, task: TaskRecord) -> None:
    """A task of a reverse workflow is done: start what it unblocked (its transitions do not
    apply), then see whether the execution is done."""
    task.processed = True
    task.error_handled = False
    if turn.running:
        schedule_ready(turn)
    completion.check_completion(turn)
