"""Every state the engine sets goes through the transition table (wfq.states.change)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from harness import Rehearsal

from wfq import engine
from wfq.errors import InvalidRequest

ASYNC = """
version: '2.0'
wf:
  tasks:
    a:
      action: std.async_noop
      publish: {got: <% task().result.x %>}
"""

HANDLED = """
version: '2.0'
wf:
  tasks:
    a:
      action: std.fail
      on-error: [b]
      on-skip: [c]
    b:
      action: std.noop
    c:
      action: std.noop
"""


def test_the_result_of_a_paused_asynchronous_action_completes_it_and_resuming_ends_the_execution() -> (
    None
):
    r = Rehearsal(ASYNC)
    r.handle(engine.WorkflowStarted())
    action_id = r.pending.pop(0).action_execution_id
    r.handle(engine.ActionStateRequested(action_id, "PAUSED"))
    assert (r.execution.state, r.task("a").state, r.actions[action_id].state) == (
        "PAUSED",
        "PAUSED",
        "PAUSED",
    )
    r.handle(engine.ActionCompleted(action_id, True, {"x": 1}))  # the action: PAUSED -> SUCCESS
    assert (r.execution.state, r.task("a").state, r.actions[action_id].state) == (
        "PAUSED",
        "SUCCESS",
        "SUCCESS",
    )
    r.handle(engine.StateRequested("RUNNING"))
    assert r.execution.state == "SUCCESS"
    assert r.task("a").published == {"got": 1}


@pytest.mark.parametrize("event", [engine.SkipRequested, engine.RerunRequested])
def test_a_succeeded_execution_is_not_reopened_by_a_skip_or_rerun_of_its_handled_failure(
    event: Callable[[str], engine.Event],
) -> None:
    r = Rehearsal(HANDLED).run()
    assert (r.execution.state, r.task_states()) == ("SUCCESS", {"a": "ERROR", "b": "SUCCESS"})
    with pytest.raises(
        InvalidRequest, match="Can't change workflow execution state from SUCCESS to RUNNING"
    ):
        r.handle(event(r.task("a").id))
    assert (r.execution.state, r.task_states()) == ("SUCCESS", {"a": "ERROR", "b": "SUCCESS"})


def test_a_child_rerun_leaves_a_succeeded_parent_as_it_is() -> None:
    r = Rehearsal(HANDLED).run()
    r.handle(engine.ChildRerun(r.task("a").id, "child-1"))
    assert (r.execution.state, r.task_states()) == ("SUCCESS", {"a": "ERROR", "b": "SUCCESS"})


def test_a_retry_and_a_wait_after_re_decide_the_state_a_task_just_completed_with() -> None:
    r = Rehearsal("""
version: '2.0'
wf:
  tasks:
    a:
      action: std.echo output=1
      retry: {count: 1, delay: 5, continue-on: <% task().state = 'SUCCESS' %>}
      wait-after: 3
      publish: {seen: <% task().state %>}
""").run()
    assert r.execution.state == "SUCCESS"
    assert r.task("a").published == {"seen": "SUCCESS"}
    assert r.fired == [("a", "retry"), ("a", "wait-after")]


def test_a_task_of_a_cancelled_execution_that_fails_as_it_completes_leaves_the_execution_cancelled() -> (
    None
):
    r = Rehearsal(ASYNC)
    r.handle(engine.WorkflowStarted())
    action_id = r.pending.pop(0).action_execution_id
    r.handle(engine.StateRequested("CANCELLED"))
    assert (r.execution.state, r.task("a").state) == ("CANCELLED", "RUNNING")
    r.handle(engine.ActionCompleted(action_id, True, {}))  # the publish fails: no `x`
    assert r.task("a").state == "ERROR"
    assert r.execution.state == "CANCELLED"  # CANCELLED -> ERROR is not in the table


def test_a_rerun_task_held_by_pause_before_waits_idle() -> None:
    r = Rehearsal("""
version: '2.0'
wf:
  tasks:
    a:
      action: std.fail
      pause-before: <% $.get(hold, false) %>
""").run()
    assert (r.execution.state, r.task_states()) == ("ERROR", {"a": "ERROR"})
    r.execution.context = {"hold": True}
    r.handle(engine.RerunRequested(r.task("a").id))  # the task: ERROR -> IDLE
    assert (r.execution.state, r.task_states()) == ("PAUSED", {"a": "IDLE"})
