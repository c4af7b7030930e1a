"""Compensation (wfq extension): the `revert:` of completed tasks runs newest first, one at a
time, each as its own task execution; the execution ends REVERTED, or ERROR naming the revert
that failed. Rehearsed through the pure engine."""

from __future__ import annotations

import pytest
from harness import Rehearsal

from wfq import engine
from wfq.engine.commands import Notify
from wfq.errors import InvalidRequest

CHAIN = """
version: '2.0'
wf:
  tasks:
    a:
      action: std.echo output="A"
      publish: {x: 7}
      revert: std.echo output="undo <% task().result %>"
      on-success: b
    b:
      action: std.echo output="B"
      revert:
        action: std.echo
        input:
          output: <% [task().result, $.x] %>
      publish: {y: 1}
      on-success: c
    c:
      action: std.fail
"""


def _reverts(run: Rehearsal) -> list[tuple[str, str, object]]:
    return [(t.name, t.state, t.result) for t in run.tasks if t.name.endswith(":revert")]


def test_a_failure_reverts_completed_tasks_newest_first() -> None:
    run = Rehearsal(CHAIN).run()
    assert run.started == ["a", "b", "c", "b:revert", "a:revert"]
    assert _reverts(run) == [("b:revert", "SUCCESS", ["B", 7]), ("a:revert", "SUCCESS", "undo A")]
    ex = run.execution
    assert ex.state == "REVERTED"
    assert ex.state_info.startswith("Failure caused by error in tasks: c")
    rv = run.task("a:revert")
    assert rv.runtime_context == {"revert_of": run.task("a").id, "revert_item": None}


def test_a_revert_that_fails_ends_the_execution_in_error_naming_it() -> None:
    run = Rehearsal(CHAIN, scripted={"b:revert": [{"error": "cannot undo b"}]}).run()
    # a's revert never runs: the sequence stops at the failing one.
    assert run.started == ["a", "b", "c", "b:revert"]
    ex = run.execution
    assert ex.state == "ERROR"
    assert ex.state_info.startswith("Revert failed: task b:revert [task_ex_id=")
    assert "-> cannot undo b" in ex.state_info
    assert "reverting after: Failure caused by error in tasks: c" in ex.state_info
    assert ex.output["result"] == ex.state_info


def test_a_revert_that_cannot_start_is_its_failure() -> None:
    text = CHAIN.replace(
        'revert: std.echo output="undo <% task().result %>"', "revert: no.such_action"
    )
    run = Rehearsal(text).run()
    assert run.task("a:revert").state == "ERROR"
    assert run.execution.state == "ERROR"
    assert "Failed to find action [action_name=no.such_action" in run.execution.state_info


def test_without_revert_keys_a_failure_is_the_usual_error() -> None:
    text = CHAIN.replace('      revert: std.echo output="undo <% task().result %>"\n', "")
    text = text.replace(
        "      revert:\n        action: std.echo\n        input:\n          output: <% [task().result, $.x] %>\n",
        "",
    )
    assert "revert" not in text
    run = Rehearsal(text).run()
    assert run.started == ["a", "b", "c"]
    assert run.execution.state == "ERROR"
    assert run.execution.state_info.startswith("Failure caused by error in tasks: c")


def test_only_tasks_that_declare_a_revert_and_succeeded_get_one() -> None:
    text = """
version: '2.0'
wf:
  tasks:
    a:
      action: std.noop
      on-success: b
    b:
      action: std.fail
      revert: std.noop
"""
    run = Rehearsal(text).run()
    assert run.started == ["a", "b"]
    # Nothing to revert: the failure is a plain ERROR.
    assert run.execution.state == "ERROR"


def test_a_handled_error_is_no_failure_and_reverts_nothing() -> None:
    text = CHAIN.replace(
        "      action: std.fail\n",
        "      action: std.fail\n      on-error: [d]\n    d: {action: std.noop}\n",
    )
    run = Rehearsal(text).run()
    assert run.execution.state == "SUCCESS"
    assert _reverts(run) == []


def test_with_items_reverts_each_completed_item_with_its_context_and_result() -> None:
    text = """
version: '2.0'
wf:
  tasks:
    each:
      with-items: x in [1, 2, 3]
      action: std.echo output=<% $.x * 10 %>
      revert: std.echo output="undo <% $.x %> <% task().result %>"
      on-success: boom
    boom:
      action: std.fail
"""
    run = Rehearsal(text).run()
    assert run.execution.state == "REVERTED"
    assert _reverts(run) == [
        ("each:revert", "SUCCESS", "undo 3 30"),
        ("each:revert", "SUCCESS", "undo 2 20"),
        ("each:revert", "SUCCESS", "undo 1 10"),
    ]
    assert [t.runtime_context["revert_item"] for t in run.tasks if t.name == "each:revert"] == [
        2,
        1,
        0,
    ]


def test_a_failed_with_items_task_reverts_only_its_items_that_succeeded() -> None:
    text = """
version: '2.0'
wf:
  tasks:
    each:
      with-items: x in [1, 2, 3]
      action: std.echo output=<% $.x %>
      revert: std.echo output="undo <% $.x %>"
"""
    run = Rehearsal(text, scripted={"each": [1, {"error": "no"}, 3]}).run()
    assert run.execution.state == "REVERTED"
    assert [r[2] for r in _reverts(run)] == ["undo 3", "undo 1"]


def test_a_workflow_revert_starts_a_subworkflow_with_its_input() -> None:
    text = CHAIN.replace(
        'revert: std.echo output="undo <% task().result %>"',
        "revert: {workflow: undo_a, input: {what: '<% task().result %>'}}",
    )
    run = Rehearsal(text, scripted={"b:revert": ["ok"]}).run()
    starts = [c for c in run.commands if isinstance(c, engine.StartSubworkflow)]
    assert len(starts) == 1
    assert starts[0].workflow_name == "undo_a" and starts[0].input == {"what": "A"}
    rv = run.task("a:revert")
    assert (rv.type, rv.state, run.execution.state) == ("WORKFLOW", "RUNNING", "REVERTING")
    run.handle(engine.SubworkflowCompleted(rv.id, "SUCCESS", {"done": True}, None, "child-1"))
    assert (rv.state, rv.result, run.execution.state) == ("SUCCESS", {"done": True}, "REVERTED")
    completed = [c for c in run.commands if isinstance(c, engine.ExecutionCompleted)]
    assert [c.state for c in completed] == ["REVERTED"]


def test_a_duplicate_completion_starts_no_second_revert() -> None:
    run = Rehearsal(CHAIN)
    run.handle(engine.WorkflowStarted())
    for _ in range(3):  # a, b, c
        cmd = run.pending.pop(0)
        ok, result = run.result_of(run.actions[cmd.action_execution_id])
        run.handle(engine.ActionCompleted(cmd.action_execution_id, ok, result))
    assert run.execution.state == "REVERTING"
    b_revert = run.pending.pop(0)
    run.handle(engine.ActionCompleted(b_revert.action_execution_id, True, "undone"))
    run.handle(engine.ActionCompleted(b_revert.action_execution_id, True, "undone"))
    assert [t.name for t in run.tasks].count("a:revert") == 1
    assert len(run.pending) == 1


def test_a_user_asks_a_running_execution_to_revert() -> None:
    text = CHAIN.replace(
        "    c:\n      action: std.fail\n", "    c:\n      action: std.async_noop\n"
    )
    run = Rehearsal(text)
    run.handle(engine.WorkflowStarted())
    for _ in range(2):  # a, b
        cmd = run.pending.pop(0)
        ok, result = run.result_of(run.actions[cmd.action_execution_id])
        run.handle(engine.ActionCompleted(cmd.action_execution_id, ok, result))
    c_action = run.pending.pop(0)
    run.handle(engine.StateRequested("REVERTING", "operator said so"))
    # c's action is still in flight: the reverts wait for it.
    assert run.execution.state == "REVERTING" and not run.pending
    run.handle(engine.ActionCompleted(c_action.action_execution_id, True, "C"))
    while run.pending:
        cmd = run.pending.pop(0)
        ok, result = run.result_of(run.actions[cmd.action_execution_id])
        run.handle(engine.ActionCompleted(cmd.action_execution_id, ok, result))
    # c declares no revert; b then a are undone.
    assert [t.name for t in run.tasks] == ["a", "b", "c", "b:revert", "a:revert"]
    assert (run.execution.state, run.execution.state_info) == ("REVERTED", "operator said so")


def test_reverting_cancels_tasks_that_only_wait() -> None:
    text = CHAIN.replace(
        "      action: std.fail\n", "      action: std.noop\n      wait-before: 60\n"
    )
    run = Rehearsal(text)
    run.handle(engine.WorkflowStarted())
    for _ in range(2):
        cmd = run.pending.pop(0)
        run.handle(engine.ActionCompleted(cmd.action_execution_id, True, "x"))
    assert run.task("c").state == "DELAYED"
    run.handle(engine.StateRequested("REVERTING"))
    c = run.task("c")
    assert (c.state, c.state_info, c.timer_at) == (
        "CANCELLED",
        "Cancelled: the execution is reverting",
        None,
    )
    assert run.execution.state == "REVERTING"
    assert [t.name for t in run.tasks][-1] == "b:revert"


@pytest.mark.parametrize("state", ["SUCCESS", "ERROR", "CANCELLED"])
def test_a_finished_execution_cannot_be_asked_to_revert(state: str) -> None:
    run = Rehearsal(CHAIN.replace("action: std.fail", "action: std.noop")).run()
    assert run.execution.state == "SUCCESS"
    with pytest.raises(InvalidRequest, match="from SUCCESS to REVERTING"):
        run.handle(engine.StateRequested("REVERTING"))


def test_a_forced_error_does_not_revert() -> None:
    run = Rehearsal(CHAIN)
    run.handle(engine.WorkflowStarted())
    for _ in range(2):  # a, b; c stays in flight
        cmd = run.pending.pop(0)
        run.handle(engine.ActionCompleted(cmd.action_execution_id, True, "x"))
    run.handle(engine.StateRequested("ERROR", "stop"))
    assert run.execution.state == "ERROR" and _reverts(run) == []


def test_a_revert_task_cannot_be_rerun() -> None:
    run = Rehearsal(CHAIN, scripted={"b:revert": [{"error": "no"}]}).run()
    with pytest.raises(InvalidRequest, match="can't be rerun"):
        run.handle(engine.RerunRequested(run.task("b:revert").id))


def test_webhooks_hear_of_reverting_and_reverted() -> None:
    run = Rehearsal(CHAIN, params={"notify": [{"url": "http://127.0.0.1:9/hook"}]}).run()
    events = [e["event"] for c in run.commands if isinstance(c, Notify) for e in c.events]
    wf_events = [e for e in events if e.startswith("WORKFLOW_")]
    assert wf_events == ["WORKFLOW_LAUNCHED", "WORKFLOW_REVERTING", "WORKFLOW_REVERTED"]
    assert events.count("TASK_LAUNCHED") == 5  # a, b, c, b:revert, a:revert


# --- an execution already in ERROR never goes REVERTING (RUNNING/PAUSED -> REVERTING only) ---

LATE = CHAIN.replace(
    "    c:\n      action: std.fail\n",
    "    c:\n      action: std.async_noop\n      publish: {z: <% task().result.missing %>}\n",
)
"""c's action is in flight (asynchronous) when the execution ends; its result breaks c's
publish, which fails the execution (a forced failure) once more."""


def _in_flight_after_a_and_b(text: str) -> tuple[Rehearsal, engine.RunAction]:
    run = Rehearsal(text)
    run.handle(engine.WorkflowStarted())
    for _ in range(2):  # a, b
        cmd = run.pending.pop(0)
        ok, result = run.result_of(run.actions[cmd.action_execution_id])
        run.handle(engine.ActionCompleted(cmd.action_execution_id, ok, result))
    return run, run.pending.pop(0)


def test_an_execution_in_error_cannot_be_asked_to_revert() -> None:
    run, _ = _in_flight_after_a_and_b(LATE)
    run.handle(engine.StateRequested("ERROR", "stop"))
    with pytest.raises(InvalidRequest, match="from ERROR to REVERTING"):
        run.handle(engine.StateRequested("REVERTING"))
    assert (run.execution.state, _reverts(run)) == ("ERROR", [])


def test_an_execution_whose_revert_failed_cannot_be_asked_to_revert_again() -> None:
    run = Rehearsal(CHAIN, scripted={"b:revert": [{"error": "cannot undo b"}]}).run()
    assert run.execution.state == "ERROR"
    with pytest.raises(InvalidRequest, match="from ERROR to REVERTING"):
        run.handle(engine.StateRequested("REVERTING"))
    assert [t.name for t in run.tasks] == ["a", "b", "c", "b:revert"]


def test_a_late_failure_in_an_execution_forced_to_error_reverts_nothing() -> None:
    # The user ended the execution with ERROR (no revert, docs/compensation.md); c's result
    # then arrives and its publish breaks: the execution stays ERROR and nothing is reverted.
    run, c_action = _in_flight_after_a_and_b(LATE)
    run.handle(engine.StateRequested("ERROR", "stop"))
    run.handle(engine.ActionCompleted(c_action.action_execution_id, True, {"other": 1}))
    c = run.task("c")
    assert c.state == "ERROR" and "missing" in c.state_info
    assert run.execution.state == "ERROR"
    assert _reverts(run) == [] and not run.pending


def test_a_late_failure_after_a_user_stopped_the_reverts_reverts_nothing() -> None:
    # REVERTING waits for c; the user then forces ERROR to stop the reverts; c's broken
    # publish must not start them again.
    run, c_action = _in_flight_after_a_and_b(LATE)
    run.handle(engine.StateRequested("REVERTING"))
    assert run.execution.state == "REVERTING" and not run.pending
    run.handle(engine.StateRequested("ERROR", "stop reverting"))
    run.handle(engine.ActionCompleted(c_action.action_execution_id, True, {"other": 1}))
    assert run.task("c").state == "ERROR"
    assert run.execution.state == "ERROR"
    assert _reverts(run) == [] and not run.pending
