"""Engine side of issue 15: an expression bomb fails its task and the execution with a clear
reason at once, and a failed subworkflow's error is summarised once in its parent instead of
being repeated (which doubled the text at every level of nesting)."""

from __future__ import annotations

import time

from harness import Rehearsal

from wfq import engine

REGEX_BOMB = "<% regex('^(a|aa)+$').matches('" + "a" * 45 + "!') %>"

PARENT = """version: '2.0'
parent:
  tasks:
    call:
      workflow: child
"""


def test_a_regex_bomb_in_a_task_input_fails_the_execution_with_the_reason() -> None:
    wf = f"""version: '2.0'
bomb:
  tasks:
    t:
      action: std.echo output="{REGEX_BOMB}"
"""
    started = time.monotonic()
    r = Rehearsal(wf).run()
    assert time.monotonic() - started < 15  # the default bound is 5 s; `re` takes ~3 minutes
    assert r.execution.state == "ERROR"
    assert "took longer than" in r.execution.state_info
    assert "expression_timeout_s" in r.execution.state_info


def test_a_memory_bomb_in_a_publish_fails_the_execution_with_the_reason() -> None:
    wf = """version: '2.0'
bomb:
  tasks:
    t:
      action: std.noop
      publish:
        big: <% range(0, 1000).select('a' * 9000000) %>
"""
    r = Rehearsal(wf).run()
    assert r.execution.state == "ERROR"
    assert "expression_memory_mb" in r.execution.state_info


def _failed_child(r: Rehearsal, summary: str, cause: str, full_text: str) -> None:
    r.handle(engine.WorkflowStarted())
    task = r.task("call")
    r.handle(
        engine.SubworkflowCompleted(
            task.id, "ERROR", {"result": full_text}, summary, "child-1", None, 0, cause
        )
    )


def test_a_failed_subworkflow_is_summarised_once_in_its_parent() -> None:
    r = Rehearsal(PARENT)
    leaf = "Action failed: disk full"
    full_text = "Failure caused by error in tasks: t\n\n  t [task_ex_id=x] -> " + leaf * 100 + "\n"
    summary = (
        f"Failure caused by error in task 't' of subworkflow 'child' [wf_ex_id=child-1]: {leaf}"
    )
    _failed_child(r, summary, leaf, full_text)
    task = r.task("call")
    assert task.state == "ERROR"
    assert task.state_info == summary
    assert task.runtime_context["cause"] == leaf
    info = r.execution.state_info
    assert info.count(leaf) == 1, info  # was twice: state_info, then the [wf_ex_id] line
    assert "[wf_ex_id=child-1, idx=0]" in info
    assert len(info) < 400


def test_without_a_cause_the_child_text_is_kept_as_before() -> None:
    # A child result delivered by an older process (no cause): Mistral's text, once.
    r = Rehearsal(PARENT)
    r.handle(engine.WorkflowStarted())
    task = r.task("call")
    r.handle(engine.SubworkflowCompleted(task.id, "ERROR", {"result": "boom"}, "boom", "child-1"))
    assert task.state_info == "boom"
    assert r.execution.state_info.count("boom") == 1
