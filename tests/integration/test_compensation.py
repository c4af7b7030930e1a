"""Compensation (wfq extension, docs/compensation.md) through the API on real workers: the
reverts of completed tasks run newest first, each its own task execution; the execution ends
REVERTED, or ERROR naming the revert that failed."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from test_core_workflows import wf

pytestmark = pytest.mark.integration

CHAIN = """
  tasks:
    a:
      action: std.echo output="A"
      revert: std.echo output="undo <% task().result %>"
      publish: {x: 7}
      on-success: b
    b:
      action: std.echo output="B"
      revert:
        action: std.echo
        input:
          output: <% [task().result, $.x] %>
          delay: 1
      on-success: c
    c:
      action: std.fail
"""


def _tasks(api: Any, ex_id: str) -> list[dict[str, Any]]:
    """Every task execution of the execution (several may share a name), oldest first."""
    r = api.c.get(f"/v2/tasks?workflow_execution_id={ex_id}&sort_keys=created_at&limit=100")
    assert r.status_code == 200, r.get_json()
    return r.get_json()["tasks"]


def _reverts(api: Any, ex_id: str) -> list[tuple[str, str, Any]]:
    """(name, state, result) of the reverts, in the order they ran."""
    found = []
    for t in _tasks(api, ex_id):
        if t["name"].endswith(":revert"):
            full = api.c.get(f"/v2/tasks/{t['id']}").get_json()
            found.append(
                (t["name"], t["state"], json.loads(full["result"]) if full.get("result") else None)
            )
    return found


def _put_state(api: Any, ex_id: str, state: str) -> dict[str, Any]:
    r = api.c.put(f"/v2/executions/{ex_id}", json={"state": state})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def _wait_state(api: Any, ex_id: str, state: str, timeout: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ex = api.execution(ex_id)
        if ex["state"] == state:
            return ex
        time.sleep(0.05)
    raise AssertionError(f"execution not {state}: {api.execution(ex_id)}")


def _wait_task(api: Any, ex_id: str, name: str, state: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(t["name"] == name and t["state"] == state for t in _tasks(api, ex_id)):
            return
        time.sleep(0.05)
    raise AssertionError(f"{name} not {state}: {_tasks(api, ex_id)}")


def test_a_failed_chain_reverts_b_then_a(api: Any) -> None:
    ex = api.run(wf("revchain", CHAIN))
    assert ex["state"] == "REVERTED", ex["state_info"]
    assert ex["state_info"].startswith("Failure caused by error in tasks: c")
    assert _reverts(api, ex["id"]) == [
        ("b:revert", "SUCCESS", ["B", 7]),
        ("a:revert", "SUCCESS", "undo A"),
    ]
    tasks = {t["name"]: t for t in _tasks(api, ex["id"])}
    # One at a time: a's revert starts only once b's (which takes a second) has ended.
    assert (
        tasks["a:revert"]["created_at"]
        >= tasks["b:revert"]["updated_at"]
        > tasks["b:revert"]["created_at"]
    )
    rc = json.loads(tasks["a:revert"]["runtime_context"])
    assert rc == {"revert_of": tasks["a"]["id"], "revert_item": None}
    # Each revert ran a real action on a worker.
    actions = api.c.get(f"/v2/tasks/{tasks['a:revert']['id']}/action_executions").get_json()[
        "action_executions"
    ]
    assert [(a["name"], a["state"]) for a in actions] == [("std.echo", "SUCCESS")]


def test_a_failing_revert_ends_in_error_naming_it_and_earlier_reverts_do_not_run(api: Any) -> None:
    text = CHAIN.replace(
        "      revert:\n        action: std.echo\n", "      revert:\n        action: std.fail\n"
    ).replace(
        "          output: <% [task().result, $.x] %>\n          delay: 1\n",
        "          error_data: cannot undo b\n",
    )
    ex = api.run(wf("revfail", text))
    assert ex["state"] == "ERROR"
    assert ex["state_info"].startswith("Revert failed: task b:revert [task_ex_id=")
    assert "cannot undo b" in ex["state_info"]
    assert [(n, s) for n, s, _ in _reverts(api, ex["id"])] == [("b:revert", "ERROR")]


@pytest.mark.parametrize("pause_first", [False, True], ids=["running", "paused"])
def test_put_reverting_on_a_running_or_paused_execution(api: Any, pause_first: bool) -> None:
    name = api.create_workflow(
        wf(
            "revput",
            """
  tasks:
    a:
      action: std.echo output="A"
      revert: std.echo output="undo a"
      on-success: b
    b:
      action: std.sleep seconds=1
      revert: std.echo output="undo b"
      on-success: c
    c:
      action: std.echo output="C"
      revert: std.echo output="undo c"
""",
        )
    )[0]["name"]
    ex = api.start(name)
    _wait_task(api, ex["id"], "b", "RUNNING")
    if pause_first:
        assert _put_state(api, ex["id"], "PAUSED")["state"] == "PAUSED"
    answer = _put_state(api, ex["id"], "REVERTING")
    assert answer["state"] == "REVERTING"
    done = api.wait(ex["id"])
    # b was running: it completes, then it is undone first; c never starts.
    assert done["state"] == "REVERTED", done["state_info"]
    assert done["state_info"] == "Reverting on request"
    names = [t["name"] for t in _tasks(api, ex["id"])]
    assert names == ["a", "b", "b:revert", "a:revert"]
    assert [r[1:] for r in _reverts(api, ex["id"])] == [
        ("SUCCESS", "undo b"),
        ("SUCCESS", "undo a"),
    ]


def test_put_reverting_on_a_finished_execution_is_refused(api: Any) -> None:
    ex = api.run(
        wf("revdone", "  tasks:\n    a:\n      action: std.noop\n      revert: std.noop\n")
    )
    assert ex["state"] == "SUCCESS"
    r = api.c.put(f"/v2/executions/{ex['id']}", json={"state": "REVERTING"})
    assert r.status_code == 400
    assert "from SUCCESS to REVERTING" in r.get_json()["faultstring"]


def test_with_items_reverts_each_completed_item(api: Any) -> None:
    ex = api.run(
        wf(
            "revitems",
            """
  tasks:
    each:
      with-items: x in [1, 2, 3]
      concurrency: 2
      action: std.echo output=<% $.x * 10 %>
      revert: std.echo output="undo <% $.x %> <% task().result %>"
      on-success: boom
    boom:
      action: std.fail
""",
        )
    )
    assert ex["state"] == "REVERTED", ex["state_info"]
    assert _reverts(api, ex["id"]) == [
        ("each:revert", "SUCCESS", "undo 3 30"),
        ("each:revert", "SUCCESS", "undo 2 20"),
        ("each:revert", "SUCCESS", "undo 1 10"),
    ]


def test_a_workflow_valued_revert_runs_a_subworkflow(api: Any) -> None:
    undo = api.create_workflow(
        wf(
            "revundo",
            """
  input: [what]
  output: {undone: <% $.what %>}
  tasks:
    u:
      action: std.echo output="<% $.what %>"
""",
        )
    )[0]["name"]
    ex = api.run(
        wf(
            "revwf",
            f"""
  tasks:
    a:
      action: std.echo output="A"
      revert:
        workflow: {undo}
        input: {{what: <% task().result %>}}
      on-success: b
    b:
      action: std.fail
""",
        )
    )
    assert ex["state"] == "REVERTED", ex["state_info"]
    rv = next(t for t in _tasks(api, ex["id"]) if t["name"] == "a:revert")
    result = json.loads(api.c.get(f"/v2/tasks/{rv['id']}").get_json()["result"])
    assert (rv["type"], rv["state"], result) == ("WORKFLOW", "SUCCESS", {"undone": "A"})
    children = api.c.get(f"/v2/executions?task_execution_id={rv['id']}").get_json()["executions"]
    assert [(c["workflow_name"], c["state"], json.loads(c["input"])) for c in children] == [
        (undo, "SUCCESS", {"what": "A"})
    ]


def test_a_file_without_revert_fails_as_before(api: Any) -> None:
    text = CHAIN.replace('      revert: std.echo output="undo <% task().result %>"\n', "").replace(
        "      revert:\n        action: std.echo\n        input:\n          output: <% [task().result, $.x] %>\n"
        "          delay: 1\n",
        "",
    )
    assert "revert" not in text
    ex = api.run(wf("revnone", text))
    assert ex["state"] == "ERROR"
    assert [t["name"] for t in _tasks(api, ex["id"])] == ["a", "b", "c"]


def test_a_failed_with_items_task_reverts_only_the_items_that_succeeded(api: Any) -> None:
    ex = api.run(
        wf(
            "revsome",
            """
  tasks:
    each:
      with-items: x in [1, 2, 3, 4]
      action: std.echo
      input:
        output: <% $.x %>
        delay: <% $.x = 2 and 'bad' or 0 %>
      revert: std.echo output="undo <% $.x %>"
""",
        )
    )
    assert ex["state"] == "REVERTED", ex["state_info"]
    assert [r[2] for r in _reverts(api, ex["id"])] == ["undo 4", "undo 3", "undo 1"]
