"""Pause, resume, cancel, rerun; subworkflows and reverse workflows, on real workers."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from test_core_workflows import wf

from wfq.services import controls

pytestmark = pytest.mark.integration
P = "<default-project>"


def _unique(prefix: str) -> str:
    """A prefix for workflow names no other test run uses."""
    return prefix + uuid.uuid4().hex[:6]


def _wait_task(api: Any, ex_id: str, name: str, state: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        t = api.tasks(ex_id).get(name)
        if t and t["state"] == state:
            return
        time.sleep(0.05)
    raise AssertionError(f"{name} not {state}: {api.tasks(ex_id)}")


def test_pause_holds_the_next_task_and_resume_finishes(api: Any, services: Any) -> None:
    name = api.create_workflow(
        wf(
            "pause",
            """
  tasks:
    one:
      action: std.sleep seconds=1
      on-success: [two]
    two:
      action: std.echo output="done"
      publish: {r: <% task().result %>}
""",
        )
    )[0]["name"]
    ex = api.start(name)
    paused = controls.update_execution(services, ex["id"], project_id=P, state="PAUSED")
    assert paused["state"] == "PAUSED"
    _wait_task(api, ex["id"], "one", "SUCCESS")
    time.sleep(0.5)
    assert "two" not in api.tasks(ex["id"]) and api.execution(ex["id"])["state"] == "PAUSED"
    controls.update_execution(services, ex["id"], project_id=P, state="RUNNING")
    done = api.wait(ex["id"])
    assert done["state"] == "SUCCESS" and json.loads(done["output"]) == {"r": "done"}


def test_pause_before_then_resume(api: Any, services: Any) -> None:
    name = api.create_workflow(
        wf(
            "pb",
            """
  tasks:
    gate:
      action: std.noop
      pause-before: true
""",
        )
    )[0]["name"]
    ex = api.start(name)
    deadline = time.monotonic() + 10
    while api.execution(ex["id"])["state"] != "PAUSED" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert api.tasks(ex["id"])["gate"]["state"] == "IDLE"
    controls.update_execution(services, ex["id"], project_id=P, state="RUNNING")
    assert api.wait(ex["id"])["state"] == "SUCCESS"


def test_cancel_stops_scheduling_but_lets_the_running_task_finish(api: Any, services: Any) -> None:
    name = api.create_workflow(
        wf(
            "cancel",
            """
  tasks:
    one:
      action: std.sleep seconds=1
      on-success: [two]
    two:
      action: std.noop
""",
        )
    )[0]["name"]
    ex = api.start(name)
    out = controls.update_execution(
        services, ex["id"], project_id=P, state="CANCELLED", state_info="stop"
    )
    assert out["state"] == "CANCELLED" and out["output"] == {"result": "stop"}
    _wait_task(api, ex["id"], "one", "SUCCESS")
    time.sleep(0.3)
    assert "two" not in api.tasks(ex["id"]) and api.execution(ex["id"])["state"] == "CANCELLED"


def test_invalid_state_change_is_refused(api: Any, services: Any) -> None:
    ex = api.run(
        wf(
            "done",
            """
  tasks:
    t:
      action: std.noop
""",
        )
    )
    from wfq.errors import InvalidRequest

    with pytest.raises(
        InvalidRequest, match="Can't change workflow execution state from SUCCESS to PAUSED"
    ):
        controls.update_execution(services, ex["id"], project_id=P, state="PAUSED")


def test_rerun_a_failed_task_continues_the_execution(api: Any, services: Any) -> None:
    ex = api.run(
        wf(
            "rerun",
            """
  tasks:
    flaky:
      action: <% env().get(act, 'std.fail') %>
      on-success: [after]
    after:
      action: std.echo output="after"
      publish: {r: <% task().result %>}
""",
        )
    )
    assert ex["state"] == "ERROR"
    task = api.tasks(ex["id"])["flaky"]
    controls.rerun_task(services, task["id"], project_id=P, env={"act": "std.noop"})
    done = api.wait(ex["id"])
    assert done["state"] == "SUCCESS", done["state_info"]
    tasks = api.tasks(ex["id"])
    assert tasks["flaky"]["id"] == task["id"] and tasks["flaky"]["state"] == "SUCCESS"
    assert json.loads(done["output"]) == {"r": "after"}


def test_subworkflows_nest_and_pass_data(api: Any) -> None:
    text = """version: '2.0'
{p}_leaf:
  input: [n]
  output: {doubled: <% $.n * 2 %>}
  tasks:
    t:
      action: std.noop
{p}_middle:
  input: [n]
  output: {value: <% $.value %>}
  tasks:
    call:
      workflow: {p}_leaf
      input: {{n: <% $.n + 1 %>}}
      publish: {{value: <% task().result.doubled %>}}
{p}_top:
  output: {result: <% $.result %>}
  tasks:
    call:
      workflow: {p}_middle n=4
      publish: {{result: <% task().result.value %>}}
"""
    p = _unique("sub")
    api.create_workflow(text.replace("{p}", p).replace("{{", "{").replace("}}", "}"))
    ex = api.wait(api.start(f"{p}_top")["id"])
    assert ex["state"] == "SUCCESS", ex["state_info"]
    assert json.loads(ex["output"]) == {"result": 10}
    assert api.tasks(ex["id"])["call"]["type"] == "WORKFLOW"


def test_failing_subworkflow_fails_its_task(api: Any) -> None:
    p = _unique("subf")
    api.create_workflow(f"""version: '2.0'
{p}_child:
  tasks:
    boom:
      action: std.fail error_data="child broke"
{p}_parent:
  tasks:
    call:
      workflow: {p}_child
      on-error: [handled]
    handled:
      action: std.noop
""")
    ex = api.wait(api.start(f"{p}_parent")["id"])
    assert ex["state"] == "SUCCESS"
    call = api.tasks(ex["id"])["call"]
    assert call["state"] == "ERROR" and "child broke" in call["state_info"]


def test_reverse_workflow_runs_what_the_target_needs(api: Any) -> None:
    name = api.create_workflow(
        wf(
            "rev",
            """
  type: reverse
  tasks:
    a:
      action: std.echo output="a"
      publish: {a: <% task().result %>}
    b:
      action: std.sleep seconds=0
    c:
      requires: [a]
      action: std.echo output="<% $.a %>c"
      publish: {c: <% task().result %>}
""",
        )
    )[0]["name"]
    ex = api.wait(api.start(name, task_name="c")["id"])
    assert ex["state"] == "SUCCESS", ex["state_info"]
    assert set(api.tasks(ex["id"])) == {"a", "c"}
    assert json.loads(ex["output"]) == {"a": "a", "c": "ac"}
    bad = api.c.post(
        "/v2/executions", json={"workflow_name": name, "params": '{"task_name": "zzz"}'}
    )
    assert bad.status_code == 400 and "Invalid task name" in bad.get_json()["faultstring"]


def test_pause_before_inside_a_subworkflow_pauses_the_parent(api: Any, services: Any) -> None:
    """A `pause-before` reached by a worker inside a child pauses the parent task and the
    parent execution; resuming the parent resumes the child, and the tree finishes."""
    p = _unique("subp")
    api.create_workflow(f"""version: '2.0'
{p}_child:
  tasks:
    gate:
      action: std.echo output="through"
      pause-before: true
      publish: {{seen: <% task().result %>}}
  output: {{seen: <% $.seen %>}}
{p}_parent:
  tasks:
    call:
      workflow: {p}_child
      publish: {{seen: <% task().result.seen %>}}
  output: {{seen: <% $.seen %>}}
""")
    ex = api.start(f"{p}_parent")
    deadline = time.monotonic() + 15
    while api.execution(ex["id"])["state"] != "PAUSED" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert api.execution(ex["id"])["state"] == "PAUSED"
    assert api.tasks(ex["id"])["call"]["state"] == "PAUSED"
    controls.update_execution(services, ex["id"], project_id=P, state="RUNNING")
    done = api.wait(ex["id"])
    assert done["state"] == "SUCCESS", done["state_info"]
    assert json.loads(done["output"]) == {"seen": "through"}
