"""`wfq.engine.explain` on executions rehearsed in memory: what each task waits on, and why
tasks never ran, from the engine's own records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from harness import NOW, Rehearsal

from wfq import engine
from wfq.engine.explain import explain


def _explain(r: Rehearsal, now: dt.datetime = NOW) -> dict[str, dict[str, Any]]:
    snap = r._snapshot()
    return {reason["task"]: reason for reason in explain(snap, now=now)}


def _started(text: str, **kw: Any) -> Rehearsal:
    r = Rehearsal(text, **kw)
    r.handle(engine.WorkflowStarted())
    return r


def _complete(r: Rehearsal, task: str, ok: bool = True, result: Any = None) -> None:
    cmd = next(
        c
        for c in r.pending
        if r.actions[c.action_execution_id].task_execution_id == r.task(task).id
    )
    r.pending.remove(cmd)
    r.handle(engine.ActionCompleted(cmd.action_execution_id, ok, result))


FORK = """
version: '2.0'
fork:
  tasks:
    a:
      action: std.noop
      on-success: [j]
    b:
      action: std.noop
      on-success: [j]
      on-error: [cleanup]
    c:
      action: std.noop
      on-success: [j]
    j:
      join: all
      action: std.noop
    cleanup:
      action: std.noop
"""


def test_a_join_names_the_branches_still_missing_and_those_that_cannot_arrive() -> None:
    r = _started(FORK)
    _complete(r, "a")
    why = _explain(r)
    assert why["j"]["waiting_on"] == "join"
    assert why["j"]["details"]["arrived"] == ["a"]
    assert why["j"]["details"]["needed"] == 3
    assert {m["task"]: m["can_still_arrive"] for m in why["j"]["details"]["missing"]} == {
        "b": True,
        "c": True,
    }
    assert "1 of 3 arrived; waiting for b, c" in why["j"]["message"]
    assert why["b"]["waiting_on"] == "action-queued"
    assert why["cleanup"]["waiting_on"] == "upstream"


def test_a_join_names_a_branch_that_can_no_longer_arrive() -> None:
    r = _started(FORK.replace("join: all", "join: 2"))
    _complete(r, "a")
    _complete(r, "b", ok=False, result="boom")  # b went to cleanup: it never reaches j
    why = _explain(r)["j"]
    assert {m["task"]: m["can_still_arrive"] for m in why["details"]["missing"]} == {
        "b": False,
        "c": True,
    }
    assert "1 of 2 arrived; waiting for c (b can no longer arrive)" in why["message"]


def test_a_finished_execution_says_why_a_task_never_ran() -> None:
    text = """
version: '2.0'
never:
  input: [go]
  tasks:
    first:
      action: std.fail
      on-success: [after_success]
      on-error: [handler]
    handler:
      action: std.noop
      on-success:
        - guarded: <% $.go %>
    after_success:
      action: std.noop
    guarded:
      action: std.noop
"""
    r = Rehearsal(text, {"go": False}).run()
    assert r.execution.state == "SUCCESS"
    why = _explain(r)
    assert set(why) == {"after_success", "guarded"}
    assert why["after_success"]["waiting_on"] == "never-ran"
    assert "first ended ERROR" in why["after_success"]["message"]
    assert "its on-success was not taken" in why["after_success"]["message"]
    assert "the condition <% $.go %> of handler's on-success was false" in why["guarded"]["message"]


def test_timers_say_until_when() -> None:
    text = """
version: '2.0'
timed:
  tasks:
    later:
      action: std.noop
      wait-before: 30
      timeout: 100
"""
    r = _started(text)
    why = _explain(r, NOW + dt.timedelta(seconds=10))
    assert why["later"]["waiting_on"] == "wait-before"
    assert why["later"]["details"]["seconds_left"] == 20
    # The timeout counts the action, not the waits (docs/mistral-semantics.md): it is not
    # armed yet while the task waits before its action.
    assert "timeout_at" not in why["later"]["details"]


def test_retry_delay_and_pause_before() -> None:
    text = """
version: '2.0'
policies:
  tasks:
    flaky:
      action: std.fail
      retry: {count: 3, delay: 7}
      on-error: [gate]
    gate:
      action: std.noop
      pause-before: true
"""
    r = _started(text)
    _complete(r, "flaky", ok=False, result="boom")
    why = _explain(r)
    assert why["flaky"]["waiting_on"] == "retry"
    assert "retry 1 delay" in why["flaky"]["message"]
    for _ in range(3):
        timer = r.timers.pop(0)
        r.handle(engine.TimerFired(timer.task_execution_id, timer.kind, timer.token))
        if r.pending:
            _complete(r, "flaky", ok=False, result="boom")
    assert r.execution.state == "PAUSED"
    why = _explain(r)
    assert why["gate"]["waiting_on"] == "pause-before"
    assert "resume the execution" in why["gate"]["message"]


def test_with_items_items_waiting_for_a_concurrency_slot() -> None:
    text = """
version: '2.0'
items:
  tasks:
    each:
      with-items: i in [1, 2, 3, 4, 5]
      concurrency: 2
      action: std.echo output=<% $.i %>
"""
    r = _started(text)
    why = _explain(r)["each"]
    assert why["waiting_on"] == "concurrency"
    assert why["details"] | {"oldest_running": None} == {
        "items": 5,
        "done": 0,
        "running": 2,
        "waiting_for_slot": 3,
        "failed": 0,
        "concurrency": 2,
        "oldest_running": None,
    }
    assert why["details"]["oldest_running"]["waiting_on"] == "action-queued"
