"""Workflows through the v2 API, run by a real `celery worker` process on Redis, with every
state in PostgreSQL."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

pytestmark = pytest.mark.integration


def wf(name: str, body: str) -> str:
    """A workflow document whose workflow gets a unique name for this run."""
    return f"version: '2.0'\n{name}_{uuid.uuid4().hex[:6]}:\n{body}"


def loads(value: str) -> Any:
    return json.loads(value)


def test_sequence_publishes_and_outputs(api: Any) -> None:
    ex = api.run(
        wf(
            "seq",
            """
  input: [name, {greeting: hello}]
  output: {message: <% $.message %>, shout: <% $.shout %>}
  tasks:
    greet:
      action: std.echo output="<% $.greeting %> <% $.name %>"
      publish: {message: <% task().result %>}
      on-success: [shout]
    shout:
      action: std.echo
      input: {output: "{{ _.message | upper }}"}
      publish: {shout: <% task().result %>}
""",
        ),
        {"name": "ops"},
    )
    assert ex["state"] == "SUCCESS", ex["state_info"]
    assert loads(ex["output"]) == {"message": "hello ops", "shout": "HELLO OPS"}
    assert loads(ex["input"]) == {"name": "ops", "greeting": "hello"}
    tasks = api.tasks(ex["id"])
    assert {n: t["state"] for n, t in tasks.items()} == {"greet": "SUCCESS", "shout": "SUCCESS"}
    assert loads(tasks["greet"]["published"]) == {"message": "hello ops"}


def test_fork_runs_branches_in_parallel_on_the_worker(api: Any) -> None:
    ex = api.run(
        wf(
            "fork",
            """
  tasks:
    start:
      action: std.noop
      on-success: [left, right]
    left:
      action: std.sleep seconds=1
      publish: {l: done}
    right:
      action: std.sleep seconds=1
      publish: {r: done}
""",
        )
    )
    assert ex["state"] == "SUCCESS", ex["state_info"]
    tasks = api.tasks(ex["id"])
    left, right = tasks["left"], tasks["right"]
    # Both one-second sleeps overlapped: each started before the other finished.
    assert left["started_at"] <= right["finished_at"] and right["started_at"] <= left["finished_at"]
    assert loads(ex["output"]) == {"l": "done", "r": "done"}


def test_join_all_merges_branches(api: Any) -> None:
    ex = api.run(
        wf(
            "join",
            """
  output: {sum: <% $.a + $.b %>}
  tasks:
    a:
      action: std.echo output=1
      publish: {a: <% task().result %>}
      on-success: [total]
    b:
      action: std.echo output=2
      publish: {b: <% task().result %>}
      on-success: [total]
    total:
      join: all
      action: std.noop
""",
        )
    )
    assert ex["state"] == "SUCCESS", ex["state_info"]
    assert loads(ex["output"]) == {"sum": 3}
    assert api.tasks(ex["id"])["total"]["state"] == "SUCCESS"


def test_error_handled_by_on_error(api: Any) -> None:
    ex = api.run(
        wf(
            "handled",
            """
  tasks:
    risky:
      action: std.fail error_data="volume busy"
      publish-on-error: {why: <% task().result %>}
      on-error: [recover]
      on-success: [never]
    recover:
      action: std.echo output="recovered after <% $.why %>"
      publish: {note: <% task().result %>}
    never:
      action: std.noop
""",
        )
    )
    assert ex["state"] == "SUCCESS", ex["state_info"]
    tasks = api.tasks(ex["id"])
    assert tasks["risky"]["state"] == "ERROR" and "never" not in tasks
    assert tasks["risky"]["state_info"] == "volume busy"
    assert loads(ex["output"]) == {"why": "volume busy", "note": "recovered after volume busy"}


def test_unhandled_error_fails_the_execution(api: Any) -> None:
    ex = api.run(
        wf(
            "unhandled",
            """
  tasks:
    boom:
      action: std.fail
      on-success: [after]
    after:
      action: std.noop
""",
        )
    )
    assert ex["state"] == "ERROR"
    assert ex["state_info"].startswith("Failure caused by error in tasks: boom")
    assert "Fail action expected exception." in ex["state_info"]
    assert loads(ex["output"])["result"] == ex["state_info"]
    assert set(api.tasks(ex["id"])) == {"boom"}


def test_on_complete_runs_after_failure_but_does_not_handle_it(api: Any) -> None:
    ex = api.run(
        wf(
            "complete",
            """
  tasks:
    boom:
      action: std.fail
      on-complete: [cleanup]
    cleanup:
      action: std.echo output="cleaned"
""",
        )
    )
    assert ex["state"] == "ERROR"
    assert api.tasks(ex["id"])["cleanup"]["state"] == "SUCCESS"


def test_conditions_choose_the_branch(api: Any) -> None:
    text = wf(
        "cond",
        """
  input: [size]
  tasks:
    measure:
      action: std.noop
      on-success:
        - big: <% $.size > 10 %>
        - small: <% $.size <= 10 %>
    big:
      action: std.echo output="big"
      publish: {kind: <% task().result %>}
    small:
      action: std.echo output="small"
      publish: {kind: <% task().result %>}
""",
    )
    name = api.create_workflow(text)[0]["name"]
    big = api.wait(api.start(name, {"size": 42})["id"])
    small = api.wait(api.start(name, {"size": 3})["id"])
    assert loads(big["output"]) == {"kind": "big"}
    assert loads(small["output"]) == {"kind": "small"}


def test_engine_fail_command_with_message(api: Any) -> None:
    ex = api.run(
        wf(
            "failcmd",
            """
  tasks:
    check:
      action: std.echo output=false
      on-success:
        - fail msg="precondition failed": <% not task().result %>
        - go: <% task().result %>
    go:
      action: std.noop
""",
        )
    )
    assert ex["state"] == "ERROR"
    assert ex["state_info"] == "precondition failed"
    assert set(api.tasks(ex["id"])) == {"check"}


def test_inline_parameters_and_task_input(api: Any) -> None:
    ex = api.run(
        wf(
            "inline",
            """
  tasks:
    inline:
      action: std.echo output="hi" delay=0
      publish: {a: <% task().result %>}
    listed:
      action: std.echo output=[1, 2, 3]
      publish: {b: <% task().result %>}
    via_input:
      action: std.echo
      input:
        output: {nested: [<% 1 + 1 %>]}
      publish: {c: <% task().result %>}
""",
        )
    )
    assert ex["state"] == "SUCCESS", ex["state_info"]
    assert loads(ex["output"]) == {"a": "hi", "b": [1, 2, 3], "c": {"nested": [2]}}


def test_expression_error_fails_task_and_execution_with_a_reason(api: Any) -> None:
    ex = api.run(
        wf(
            "exprerr",
            """
  tasks:
    t:
      action: std.echo output="<% $.missing_key %>"
""",
        )
    )
    assert ex["state"] == "ERROR"
    assert "missing_key" in ex["state_info"] and "task=t" in ex["state_info"]
    t = api.tasks(ex["id"])["t"]
    assert t["state"] == "ERROR" and "missing_key" in t["state_info"]


def test_unknown_action_fails_at_run_time(api: Any) -> None:
    ex = api.run(
        wf(
            "unknown",
            """
  tasks:
    t:
      action: nope.nothing
""",
        )
    )
    assert ex["state"] == "ERROR"
    assert "Failed to find action [action_name=nope.nothing" in ex["state_info"]


def test_vars_env_and_execution_function(api: Any) -> None:
    ex = api.run(
        wf(
            "vars",
            """
  vars: {prefix: "[<% $.zone %>]"}
  input: [zone]
  tasks:
    t:
      action: std.echo output="<% $.prefix %> <% env().cluster %> <% execution().id %>"
      publish: {line: <% task().result %>}
""",
        ),
        {"zone": "eu"},
        env={"cluster": "c9"},
    )
    assert ex["state"] == "SUCCESS", ex["state_info"]
    assert loads(ex["output"]) == {"line": f"[eu] c9 {ex['id']}"}
    assert loads(ex["params"])["env"] == {"cluster": "c9"}


def test_bad_input_is_rejected_with_400_and_nothing_is_stored(api: Any) -> None:
    name = api.create_workflow(
        wf(
            "needs",
            """
  input: [host]
  tasks:
    t:
      action: std.noop
""",
        )
    )[0]["name"]
    before = len(api.c.get(f"/v2/executions?workflow_name={name}").get_json()["executions"])
    missing = api.c.post("/v2/executions", json={"workflow_name": name, "input": "{}"})
    assert missing.status_code == 400
    assert missing.get_json()["faultstring"] == (
        f"Invalid input [name={name}, class=DirectWorkflowSpec, missing=['host']]"
    )
    extra = api.c.post(
        "/v2/executions", json={"workflow_name": name, "input": '{"host": 1, "port": 2}'}
    )
    assert extra.status_code == 400 and "unexpected=['port']" in extra.get_json()["faultstring"]
    after = len(api.c.get(f"/v2/executions?workflow_name={name}").get_json()["executions"])
    assert after == before


def test_action_executions_are_recorded(api: Any) -> None:
    ex = api.run(
        wf(
            "actions",
            """
  tasks:
    t:
      action: std.echo output="x"
""",
        )
    )
    task = api.tasks(ex["id"])["t"]
    r = api.c.get(f"/v2/action_executions?task_execution_id={task['id']}")
    (action,) = r.get_json()["action_executions"]
    assert action["name"] == "std.echo" and action["state"] == "SUCCESS"
    full = api.c.get(f"/v2/action_executions/{action['id']}").get_json()
    assert loads(full["output"]) == {"result": "x"}
    assert loads(full["input"]) == {"output": "x"}


def test_many_executions_in_parallel_all_finish(api: Any) -> None:
    name = api.create_workflow(
        wf(
            "many",
            """
  input: [i]
  output: {i: <% $.i %>}
  tasks:
    a:
      action: std.echo output=<% $.i %>
      on-success: [b]
    b:
      action: std.noop
""",
        )
    )[0]["name"]
    ids = [api.start(name, {"i": i})["id"] for i in range(20)]
    results = [api.wait(i) for i in ids]
    assert [loads(r["output"])["i"] for r in results] == list(range(20))
    assert {r["state"] for r in results} == {"SUCCESS"}
