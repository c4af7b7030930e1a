"""`/v2/tasks` and `/v2/action_executions`: shapes, JSON-string fields, filters, 404s, and
completing an action execution through PUT."""

from __future__ import annotations

import json
import re
from typing import Any

from api_helpers import TIMESTAMP, fault, post_yaml, start

TASK_KEYS = {
    "id",
    "name",
    "type",
    "workflow_name",
    "workflow_namespace",
    "workflow_id",
    "workflow_execution_id",
    "tags",
    "state",
    "state_info",
    "project_id",
    "runtime_context",
    "published",
    "processed",
    "created_at",
    "updated_at",
    "started_at",
    "finished_at",
}
ACTION_KEYS = {
    "id",
    "workflow_name",
    "workflow_namespace",
    "task_name",
    "task_execution_id",
    "state",
    "state_info",
    "tags",
    "name",
    "description",
    "project_id",
    "accepted",
    "input",
    "created_at",
    "updated_at",
}


def _task(client: Any, ex_id: str) -> dict[str, Any]:
    r = client.get("/v2/tasks", query_string={"workflow_execution_id": ex_id})
    assert r.status_code == 200
    (task,) = r.get_json()["tasks"]
    return dict(task)


def _action(client: Any, task_id: str) -> dict[str, Any]:
    r = client.get("/v2/action_executions", query_string={"task_execution_id": task_id})
    assert r.status_code == 200
    (action,) = r.get_json()["action_executions"]
    return dict(action)


def test_task_list_by_execution(client: Any, execution: dict[str, Any]) -> None:
    task = _task(client, execution["id"])
    assert set(task) == TASK_KEYS  # no `result` in lists
    assert task["name"] == "say"
    assert task["type"] == "ACTION"
    assert task["workflow_name"] == "greet"
    assert task["workflow_id"] == execution["workflow_id"]
    assert task["state"] == "RUNNING"
    assert isinstance(task["published"], str) and isinstance(task["runtime_context"], str)
    assert json.loads(task["published"]) == {}
    assert re.match(TIMESTAMP, task["created_at"])
    other = client.get("/v2/tasks", query_string={"workflow_execution_id": "eq:nope"})
    assert other.get_json() == {"tasks": []}


def test_task_get_adds_result(client: Any, execution: dict[str, Any]) -> None:
    task = _task(client, execution["id"])
    r = client.get(f"/v2/tasks/{task['id']}")
    assert r.status_code == 200
    assert set(r.get_json()) == TASK_KEYS | {"result"}


def test_action_executions(client: Any, execution: dict[str, Any]) -> None:
    task = _task(client, execution["id"])
    action = _action(client, task["id"])
    assert set(action) == ACTION_KEYS  # no `output` in lists
    assert action["name"] == "std.echo"
    assert action["state"] == "RUNNING"
    assert action["task_execution_id"] == task["id"]
    assert action["task_name"] == task["name"]  # `mistral action-execution-list` shows it
    assert json.loads(action["input"]) == {"output": "hi x"}
    via_task = client.get(f"/v2/tasks/{task['id']}/action_executions").get_json()
    assert via_task["action_executions"] == [action]
    r = client.get(f"/v2/action_executions/{action['id']}")
    assert r.status_code == 200
    assert set(r.get_json()) == ACTION_KEYS | {"output"}
    assert r.get_json()["task_name"] == task["name"]
    everything = client.get("/v2/action_executions").get_json()["action_executions"]
    assert [a["id"] for a in everything] == [action["id"]]


def test_completing_the_action_finishes_the_execution(
    client: Any, execution: dict[str, Any]
) -> None:
    task = _task(client, execution["id"])
    action = _action(client, task["id"])
    r = client.put(
        f"/v2/action_executions/{action['id']}",
        json={"state": "SUCCESS", "output": json.dumps("hi x")},
    )
    assert r.status_code == 200, r.get_json()
    done = r.get_json()
    assert done["state"] == "SUCCESS"
    assert done["output"] == '{"result": "hi x"}'
    task = client.get(f"/v2/tasks/{task['id']}").get_json()
    assert task["state"] == "SUCCESS"
    assert task["result"] == '"hi x"'
    assert json.loads(task["published"]) == {"message": "hi x"}
    assert re.match(TIMESTAMP, task["finished_at"])
    ex = client.get(f"/v2/executions/{execution['id']}").get_json()
    assert ex["state"] == "SUCCESS"
    assert ex["output"] == '{"message": "hi x"}'


def test_action_put_errors(client: Any, execution: dict[str, Any]) -> None:
    action = _action(client, _task(client, execution["id"])["id"])
    url = f"/v2/action_executions/{action['id']}"
    assert "Expected one of" in fault(client.put(url, json={"state": "BOGUS"}), 400)
    paused = fault(client.put(url, json={"state": "PAUSED"}), 400)
    assert paused == (
        "Transition to the PAUSED state is only supported for asynchronous action execution."
    )
    fault(client.put(url, data="{", content_type="application/json"), 400)
    fault(client.put("/v2/action_executions/nope", json={"state": "SUCCESS"}), 404)


def test_unknown_ids_are_404(client: Any) -> None:
    assert fault(client.get("/v2/tasks/nope"), 404) == "Task execution not found [id=nope]"
    assert fault(client.get("/v2/action_executions/nope"), 404) == (
        "ActionExecution not found [id=nope]"
    )
    assert fault(client.put("/v2/tasks/nope", json={}), 404)
    assert client.get("/v2/tasks/nope/action_executions").get_json() == {"action_executions": []}


def test_cancelling_an_action_cancels_its_task_and_execution(
    client: Any, execution: dict[str, Any]
) -> None:
    task = _task(client, execution["id"])
    action = _action(client, task["id"])
    r = client.put(f"/v2/action_executions/{action['id']}", json={"state": "CANCELLED"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["state"] == "CANCELLED"
    assert client.get(f"/v2/tasks/{task['id']}").get_json()["state"] == "CANCELLED"
    ex = client.get(f"/v2/executions/{execution['id']}").get_json()
    assert ex["state"] == "CANCELLED"
    assert ex["state_info"] == "Cancelled tasks: say"
    # A result arriving afterwards changes nothing.
    late = client.put(
        f"/v2/action_executions/{action['id']}", json={"state": "SUCCESS", "output": "x"}
    )
    assert late.get_json()["state"] == "CANCELLED"


ASYNC = """\
version: '2.0'
waits:
  tasks:
    wait:
      action: std.async_noop
      on-success: [after]
    after:
      action: std.noop
"""


def _states(client: Any, ex_id: str, action_id: str) -> tuple[str, str, str]:
    action = client.get(f"/v2/action_executions/{action_id}").get_json()
    task = client.get(f"/v2/tasks/{action['task_execution_id']}").get_json()
    ex = client.get(f"/v2/executions/{ex_id}").get_json()
    return action["state"], task["state"], ex["state"]


def test_pause_and_resume_an_asynchronous_action(client: Any) -> None:
    post_yaml(client, ASYNC)
    ex_id = start(client, "waits").get_json()["id"]
    action = _action(client, _task(client, ex_id)["id"])
    url = f"/v2/action_executions/{action['id']}"
    assert client.put(url, json={"state": "PAUSED"}).status_code == 200
    assert _states(client, ex_id, action["id"]) == ("PAUSED", "PAUSED", "PAUSED")
    # Resuming the execution alone does not end it while the action is paused.
    client.put(f"/v2/executions/{ex_id}", json={"state": "RUNNING"})
    assert client.get(f"/v2/executions/{ex_id}").get_json()["state"] == "RUNNING"
    client.put(f"/v2/executions/{ex_id}", json={"state": "PAUSED"})
    assert client.put(url, json={"state": "RUNNING"}).status_code == 200
    assert _states(client, ex_id, action["id"]) == ("RUNNING", "RUNNING", "RUNNING")
    client.put(url, json={"state": "SUCCESS", "output": "done"})
    names = {
        t["name"]: t["state"]
        for t in client.get(f"/v2/executions/{ex_id}/tasks").get_json()["tasks"]
    }
    assert names == {"wait": "SUCCESS", "after": "RUNNING"}


def test_the_result_of_a_paused_action_waits_for_the_resume(client: Any) -> None:
    post_yaml(client, ASYNC)
    ex_id = start(client, "waits").get_json()["id"]
    action = _action(client, _task(client, ex_id)["id"])
    url = f"/v2/action_executions/{action['id']}"
    client.put(url, json={"state": "PAUSED"})
    client.put(url, json={"state": "SUCCESS", "output": "done"})
    assert _states(client, ex_id, action["id"]) == ("SUCCESS", "SUCCESS", "PAUSED")
    assert [t["name"] for t in client.get(f"/v2/executions/{ex_id}/tasks").get_json()["tasks"]] == [
        "wait"
    ]
    client.put(f"/v2/executions/{ex_id}", json={"state": "RUNNING"})
    names = {
        t["name"]: t["state"]
        for t in client.get(f"/v2/executions/{ex_id}/tasks").get_json()["tasks"]
    }
    assert names == {"wait": "SUCCESS", "after": "RUNNING"}


ASYNC_ITEMS = """
version: '2.0'
prog_items:
  tasks:
    each:
      with-items: i in [1, 2, 3, 4, 5]
      concurrency: 2
      action: std.async_noop
"""


def test_with_items_progress_and_items_shown_as_they_start(client: Any) -> None:
    assert post_yaml(client, ASYNC_ITEMS).status_code == 201
    ex_id = start(client, "prog_items").get_json()["id"]
    task = _task(client, ex_id)
    assert task["progress"] == {
        "total": 5,
        "done": 0,
        "succeeded": 0,
        "failed": 0,
        "running": 2,
        "eta_seconds": None,
    }
    listed = client.get(f"/v2/tasks/{task['id']}/action_executions").get_json()["action_executions"]
    assert [a["state"] for a in listed] == ["RUNNING", "RUNNING"]

    def put(action_id: str, state: str) -> None:
        r = client.put(f"/v2/action_executions/{action_id}", json={"state": state, "output": '"x"'})
        assert r.status_code == 200, r.get_json()

    put(listed[0]["id"], "SUCCESS")
    put(listed[1]["id"], "ERROR")
    one = client.get(f"/v2/tasks/{task['id']}").get_json()
    assert one["state"] == "RUNNING"
    progress = one["progress"]
    assert {k: progress[k] for k in ("total", "done", "succeeded", "failed", "running")} == {
        "total": 5,
        "done": 2,
        "succeeded": 1,
        "failed": 1,
        "running": 2,
    }
    assert progress["eta_seconds"] is not None and progress["eta_seconds"] >= 0
    # The two freed slots started the next two items; the others are not shown before they start.
    states = [
        a["state"]
        for a in client.get(f"/v2/action_executions?task_execution_id={task['id']}").get_json()[
            "action_executions"
        ]
    ]
    assert sorted(states) == ["ERROR", "RUNNING", "RUNNING", "SUCCESS"]


def test_tasks_without_items_have_no_progress(client: Any) -> None:
    post_yaml(client, "version: '2.0'\nnoprog:\n  tasks:\n    t:\n      action: std.noop\n")
    ex_id = start(client, "noprog").get_json()["id"]
    assert "progress" not in _task(client, ex_id)
