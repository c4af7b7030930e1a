"""PUT/DELETE `/v2/executions/<id>` (pause, resume, cancel, description, env, delete) and PUT
`/v2/tasks/<id>` (rerun of a failed task), with Mistral's request checks."""

from __future__ import annotations

import json
from typing import Any

from api_helpers import fault, post_yaml, start

FAILING = """\
version: '2.0'
flaky:
  tasks:
    t:
      action: std.echo output=1
"""


def _put(client: Any, ex_id: str, **body: Any) -> Any:
    return client.put(f"/v2/executions/{ex_id}", json=body)


def _only_task(client: Any, ex_id: str) -> dict[str, Any]:
    (task,) = client.get(f"/v2/executions/{ex_id}/tasks").get_json()["tasks"]
    return dict(task)


def _only_action(client: Any, task_id: str) -> dict[str, Any]:
    url = f"/v2/tasks/{task_id}/action_executions"
    return dict(client.get(url).get_json()["action_executions"][-1])


def test_pause_resume_cancel(client: Any, execution: dict[str, Any]) -> None:
    ex_id = execution["id"]
    r = _put(client, ex_id, state="PAUSED")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["state"] == "PAUSED"
    assert "published_global" in r.get_json()
    assert _put(client, ex_id, state="RUNNING").get_json()["state"] == "RUNNING"
    cancelled = _put(client, ex_id, state="CANCELLED", state_info="enough").get_json()
    assert cancelled["state"] == "CANCELLED"
    assert cancelled["state_info"] == "enough"


def test_description_and_env(client: Any, execution: dict[str, Any]) -> None:
    ex_id = execution["id"]
    assert _put(client, ex_id, description="described").get_json()["description"] == "described"
    r = _put(client, ex_id, params=json.dumps({"env": {"k": "v"}}))
    assert r.status_code == 200, r.get_json()
    assert json.loads(r.get_json()["params"])["env"] == {"k": "v"}


def test_update_request_checks_are_400(client: Any, execution: dict[str, Any]) -> None:
    ex_id = execution["id"]
    assert fault(_put(client, ex_id), 400) == (
        "The property state, description, or env is not provided for update."
    )
    both = fault(_put(client, ex_id, state="PAUSED", description="d"), 400)
    assert both == "The property description must be updated separately from state."
    env = _put(client, ex_id, state="PAUSED", params={"env": {"k": 1}})
    assert "env can only be updated" in fault(env, 400)
    fault(_put(client, ex_id, state=5), 400)
    fault(client.put(f"/v2/executions/{ex_id}", json=["PAUSED"]), 400)
    fault(_put(client, ex_id, state="BOGUS"), 400)


def test_delete(client: Any, execution: dict[str, Any]) -> None:
    url = f"/v2/executions/{execution['id']}"
    r = client.delete(url, query_string={"force": "true"})
    assert r.status_code == 204 and r.data == b""
    fault(client.get(url), 404)
    assert client.get("/v2/tasks").get_json() == {"tasks": []}


def _failed(client: Any) -> tuple[str, dict[str, Any]]:
    post_yaml(client, FAILING)
    ex_id = start(client, "flaky").get_json()["id"]
    task = _only_task(client, ex_id)
    action = _only_action(client, task["id"])
    r = client.put(f"/v2/action_executions/{action['id']}", json={"state": "ERROR"})
    assert r.status_code == 200, r.get_json()
    assert client.get(f"/v2/executions/{ex_id}").get_json()["state"] == "ERROR"
    return ex_id, task


def test_rerun_a_failed_task(client: Any) -> None:
    ex_id, task = _failed(client)
    r = client.put(
        f"/v2/tasks/{task['id']}", json={"id": task["id"], "state": "RUNNING", "reset": True}
    )
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["state"] == "RUNNING"
    assert "result" in r.get_json()
    assert client.get(f"/v2/executions/{ex_id}").get_json()["state"] == "RUNNING"
    fresh = _only_action(client, task["id"])
    client.put(f"/v2/action_executions/{fresh['id']}", json={"state": "SUCCESS", "output": "1"})
    assert client.get(f"/v2/executions/{ex_id}").get_json()["state"] == "SUCCESS"


def test_rerun_request_checks(client: Any, execution: dict[str, Any]) -> None:
    running = _only_task(client, execution["id"])
    url = f"/v2/tasks/{running['id']}"
    assert fault(client.put(url, json={"state": "RUNNING"}), 400) == (
        "Reset field is mandatory to rerun task."
    )
    assert fault(client.put(url, json={"state": "ERROR", "reset": True}), 400) == (
        "Invalid task state. Only updating task to RUNNING or SKIPPED is supported."
    )
    not_failed_skip = fault(client.put(url, json={"state": "SKIPPED"}), 400)
    assert not_failed_skip.startswith("The current task execution must be in ERROR to be skipped")
    mismatch = {"state": "RUNNING", "reset": True, "name": "other"}
    assert fault(client.put(url, json=mismatch), 400) == "Task name does not match."
    not_failed = fault(client.put(url, json={"state": "RUNNING", "reset": True}), 400)
    assert "must be in ERROR" in not_failed


SKIPPY = """\
version: '2.0'
skippy:
  input: [with_on_skip]
  output:
    skipped: <% $.skipped %>
  tasks:
    t:
      action: std.echo output=1
      publish-on-skip: {skipped: <% task().state %>}
      on-skip:
        - after_skip: <% $.with_on_skip %>
      on-success: [after_success]
      on-complete: [never_on_skip]
    after_skip:
      action: std.noop
    after_success:
      action: std.noop
    never_on_skip:
      action: std.noop
"""


def _task_names(client: Any, ex_id: str) -> list[tuple[str, str]]:
    tasks = client.get(f"/v2/executions/{ex_id}/tasks").get_json()["tasks"]
    return sorted((t["name"], t["state"]) for t in tasks)


def _skip_failed_t(client: Any, with_on_skip: bool) -> tuple[str, dict[str, Any]]:
    post_yaml(client, SKIPPY)
    ex_id = start(client, "skippy", {"with_on_skip": with_on_skip}).get_json()["id"]
    task = _only_task(client, ex_id)
    action = _only_action(client, task["id"])
    client.put(f"/v2/action_executions/{action['id']}", json={"state": "ERROR", "output": "boom"})
    assert _finish_running(client, ex_id)["state"] == "ERROR"  # on-complete ran never_on_skip
    r = client.put(f"/v2/tasks/{task['id']}", json={"state": "SKIPPED"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["state"] == "SKIPPED"
    assert r.get_json()["state_info"] == "Task was skipped."
    assert client.get(f"/v2/executions/{ex_id}").get_json()["state"] == "RUNNING"
    return ex_id, task


def _finish_running(client: Any, ex_id: str) -> dict[str, Any]:
    for t in client.get(f"/v2/executions/{ex_id}/tasks").get_json()["tasks"]:
        if t["state"] == "RUNNING":
            action = _only_action(client, t["id"])
            client.put(
                f"/v2/action_executions/{action['id']}", json={"state": "SUCCESS", "output": "ok"}
            )
    return dict(client.get(f"/v2/executions/{ex_id}").get_json())


def test_skip_a_failed_task_follows_on_skip(client: Any) -> None:
    ex_id, _ = _skip_failed_t(client, with_on_skip=True)
    # on-skip instead of on-success, and on-complete does not run again.
    assert _task_names(client, ex_id) == [
        ("after_skip", "RUNNING"),
        ("never_on_skip", "SUCCESS"),
        ("t", "SKIPPED"),
    ]
    ex = _finish_running(client, ex_id)
    assert ex["state"] == "SUCCESS"
    assert json.loads(ex["output"]) == {"skipped": "SKIPPED"}


def test_skip_without_a_firing_on_skip_follows_on_success(client: Any) -> None:
    ex_id, _ = _skip_failed_t(client, with_on_skip=False)
    assert _task_names(client, ex_id) == [
        ("after_success", "RUNNING"),
        ("never_on_skip", "SUCCESS"),
        ("t", "SKIPPED"),
    ]
    assert _finish_running(client, ex_id)["state"] == "SUCCESS"


def test_a_skipped_task_cannot_be_skipped_again(client: Any) -> None:
    _, task = _skip_failed_t(client, with_on_skip=True)
    again = fault(client.put(f"/v2/tasks/{task['id']}", json={"state": "SKIPPED"}), 400)
    assert "must be in ERROR to be skipped" in again
