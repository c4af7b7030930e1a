"""A join that can no longer be released fails only once no inbound branch may still arrive, so
its publish-on-error and the failed execution's output see every branch that did, in whichever
order the branches end (on workers, parallel branches end in any order)."""

from __future__ import annotations

from harness import Rehearsal

from wfq import engine

FORK = """version: '2.0'
wf:
  tasks:
    b1:
      action: std.noop
      publish: {b1: 1}
      on-success: join_task
    join_task:
      action: std.noop
      join: all
      publish-on-error:
        join_task: 1
        seen: <% [$.get(b1), $.get(b2), $.get(bs)] %>
    bs:
      action: std.noop
      publish: {bs: 1}
      on-success: [b2, b3]
    b2:
      action: std.noop
      publish: {b2: 1}
      on-success: join_task
    b3:
      action: std.fail
      on-success: join_task
"""


def _complete(r: Rehearsal, name: str, ok: bool = True, result: object = None) -> None:
    cmd = next(
        c
        for c in r.pending
        if r.task_by_id(r.actions[c.action_execution_id].task_execution_id).name == name
    )
    r.pending.remove(cmd)
    r.handle(engine.ActionCompleted(cmd.action_execution_id, ok, result))


def test_the_failing_branch_ending_first_does_not_fail_the_join_before_the_others_arrive() -> None:
    r = Rehearsal(FORK)
    r.handle(engine.WorkflowStarted())
    _complete(r, "b1")
    _complete(r, "bs")
    _complete(r, "b3", ok=False, result="boom")  # before b2, which still runs
    assert r.task("join_task").state == "WAITING"  # b2 may still arrive
    assert r.execution.state == "RUNNING"
    _complete(r, "b2")
    join = r.task("join_task")
    assert join.state == "ERROR" and join.state_info == "Failed by tasks: ['b3']"
    assert join.published == {"join_task": 1, "seen": [1, 1, 1]}
    assert r.execution.state == "ERROR"
    assert r.execution.output["b2"] == 1 and r.execution.output["seen"] == [1, 1, 1]


def test_the_same_end_when_the_failing_branch_ends_last() -> None:
    r = Rehearsal(FORK)
    r.handle(engine.WorkflowStarted())
    for name in ("b1", "bs", "b2"):
        _complete(r, name)
    _complete(r, "b3", ok=False, result="boom")
    join = r.task("join_task")
    assert join.state == "ERROR" and join.published == {"join_task": 1, "seen": [1, 1, 1]}
    assert r.execution.state == "ERROR"
