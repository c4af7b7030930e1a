"""Tenant isolation across every resource and list filter: project B can never read, list,
filter its way to, change, delete or use project A's objects."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from api_helpers import post_yaml

A = {"Authorization": "Bearer tok-a"}
B = {"Authorization": "Bearer tok-b"}

WB = """version: '2.0'
name: wb_a
workflows:
  inner:
    tasks:
      t:
        action: std.noop
"""
ACTIONS = """version: '2.0'
act_a:
  base: std.echo
  base-input: {output: 'a'}
"""
WF = """version: '2.0'
wf_a:
  tasks:
    t:
      action: std.echo output="secret of A"
"""


@pytest.fixture
def client(make_services: Callable[..., Any]) -> Any:
    from wfq.api.app import create_app

    svc = make_services(auth_tokens={"tok-a": "proj-a", "tok-b": "proj-b"})
    app = create_app(svc)
    app.config["TESTING"] = True
    return app.test_client()


@pytest.fixture
def objects(client: Any) -> dict[str, Any]:
    """One object of every kind, owned by project A."""
    assert post_yaml(client, WB, url="/v2/workbooks", headers=A).status_code == 201
    assert post_yaml(client, ACTIONS, url="/v2/actions", headers=A).status_code == 201
    wf = post_yaml(client, WF, headers=A).get_json()["workflows"][0]
    env = client.post("/v2/environments", json={"name": "env_a", "variables": {"k": "v"}}, headers=A)
    assert env.status_code == 201, env.get_json()
    trig = client.post(
        "/v2/cron_triggers", json={"name": "trig_a", "workflow_name": "wf_a", "pattern": "0 0 * * *"}, headers=A
    )
    assert trig.status_code == 201, trig.get_json()
    ex = client.post("/v2/executions", json={"workflow_name": "wf_a"}, headers=A).get_json()
    task = client.get(f"/v2/tasks?workflow_execution_id={ex['id']}", headers=A).get_json()["tasks"][0]
    action = client.get(f"/v2/action_executions?task_execution_id={task['id']}", headers=A).get_json()
    return {
        "workflow": wf, "execution": ex, "task": task,
        "action_execution": action["action_executions"][0],
    }


def test_b_cannot_read_any_of_a_s_objects(client: Any, objects: dict[str, Any]) -> None:
    urls = [
        "/v2/workbooks/wb_a", "/v2/workflows/wf_a", f"/v2/workflows/{objects['workflow']['id']}",
        "/v2/workflows/wb_a.inner", "/v2/actions/act_a", "/v2/environments/env_a",
        "/v2/cron_triggers/trig_a", f"/v2/executions/{objects['execution']['id']}",
        f"/v2/tasks/{objects['task']['id']}", f"/v2/action_executions/{objects['action_execution']['id']}",
    ]
    for url in urls:
        assert client.get(url, headers=A).status_code == 200, url
        assert client.get(url, headers=B).status_code == 404, url


def test_b_s_lists_and_filters_never_show_a_s_objects(client: Any, objects: dict[str, Any]) -> None:
    ex_id, task_id = objects["execution"]["id"], objects["task"]["id"]
    lists = {
        "/v2/workbooks": "workbooks", "/v2/workflows": "workflows", "/v2/environments": "environments",
        "/v2/cron_triggers": "cron_triggers", "/v2/executions": "executions", "/v2/tasks": "tasks",
        "/v2/action_executions": "action_executions",
        f"/v2/executions?id={ex_id}": "executions", "/v2/executions?workflow_name=wf_a": "executions",
        "/v2/executions?project_id=proj-a": "executions", f"/v2/tasks?workflow_execution_id={ex_id}": "tasks",
        f"/v2/action_executions?task_execution_id={task_id}": "action_executions",
        "/v2/workflows?name=wf_a": "workflows", "/v2/workflows?project_id=proj-a": "workflows",
        # Nested lists answer like Mistral for an unknown parent: an empty list.
        f"/v2/executions/{ex_id}/tasks": "tasks", f"/v2/tasks/{task_id}/action_executions": "action_executions",
    }
    for url, key in lists.items():
        assert client.get(url, headers=B).get_json()[key] == [], url
    names = [a["name"] for a in client.get("/v2/actions", headers=B).get_json()["actions"]]
    assert "act_a" not in names and "wb_a.inner" not in names and "std.echo" in names


def test_b_cannot_change_delete_or_use_a_s_objects(client: Any, objects: dict[str, Any]) -> None:
    ex_id, task_id = objects["execution"]["id"], objects["task"]["id"]
    assert client.put(f"/v2/executions/{ex_id}", json={"state": "CANCELLED"}, headers=B).status_code == 404
    assert client.put(f"/v2/tasks/{task_id}", json={"state": "RUNNING", "reset": True}, headers=B).status_code == 404
    action_id = objects["action_execution"]["id"]
    assert client.put(f"/v2/action_executions/{action_id}", json={"state": "SUCCESS"}, headers=B).status_code == 404
    for url in ("/v2/workbooks/wb_a", "/v2/workflows/wf_a", "/v2/actions/act_a", "/v2/environments/env_a",
                "/v2/cron_triggers/trig_a", f"/v2/executions/{ex_id}"):
        assert client.delete(url, headers=B).status_code == 404, url
        assert client.get(url, headers=A).status_code == 200, url
    # Using A's objects by name from B's side finds nothing.
    assert client.post("/v2/executions", json={"workflow_name": "wf_a"}, headers=B).status_code == 404
    trig = client.post(
        "/v2/cron_triggers", json={"name": "t", "workflow_name": "wf_a", "pattern": "0 0 * * *"}, headers=B
    )
    assert trig.status_code == 404
    post_yaml(client, WF.replace("wf_a", "wf_b"), headers=B)
    env_by_name = client.post(
        "/v2/executions", json={"workflow_name": "wf_b", "params": json.dumps({"env": "env_a"})}, headers=B
    )
    assert env_by_name.status_code == 404
