"""How a task's actions travel to workers: `safe-rerun` (from task-defaults too) and `target`,
both of which may be expressions. A wrong `safe_rerun` decides, after a worker crash, whether an
action runs twice."""

from __future__ import annotations

from typing import Any

from harness import Rehearsal

WF = """
version: '2.0'
wf:
  input: [safe, queue]
  task-defaults:
    safe-rerun: true
  tasks:
    inherits:
      action: std.noop
      on-success: [own_false, evaluated, with_items]
    own_false:
      action: std.noop
      safe-rerun: false
    evaluated:
      action: std.noop
      safe-rerun: <% $.safe %>
      target: <% $.queue %>
    with_items:
      with-items: x in [1, 2]
      action: std.noop
      safe-rerun: <% $.safe %>
      target: <% $.queue %>-items
"""


def _runtimes(run: Rehearsal, task: str) -> list[dict[str, Any]]:
    task_id = run.task(task).id
    return [a.runtime for a in run.actions.values() if a.task_execution_id == task_id]


def test_safe_rerun_comes_from_task_defaults_unless_the_task_sets_it() -> None:
    run = Rehearsal(WF, {"safe": False, "queue": "q1"}).run()
    assert [r["safe_rerun"] for r in _runtimes(run, "inherits")] == [True]
    assert [r["safe_rerun"] for r in _runtimes(run, "own_false")] == [False]


def test_safe_rerun_and_target_expressions_are_evaluated() -> None:
    off = Rehearsal(WF, {"safe": False, "queue": "q1"}).run()
    assert [(r["safe_rerun"], r["queue"]) for r in _runtimes(off, "evaluated")] == [(False, "q1")]
    assert {(r["safe_rerun"], r["queue"]) for r in _runtimes(off, "with_items")} == {
        (False, "q1-items")
    }
    on = Rehearsal(WF, {"safe": True, "queue": "q2"}).run()
    assert [(r["safe_rerun"], r["queue"]) for r in _runtimes(on, "evaluated")] == [(True, "q2")]
