"""Tenant isolation across every resource and list filter: project B can never read, list,
filter its way to, change, delete or use project A's objects, except a workflow or workbook A
shared with B and B accepted (members): B then sees and runs it, and still cannot change it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from api_helpers import post_yaml

A = {"Authorization": "Bearer tok-a"}
B = {"Authorization": "Bearer tok-b"}
C = {"X-Auth-Token": "tok-c"}

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

    svc = make_services(auth_tokens={"tok-a": "proj-a", "tok-b": "proj-b", "tok-c": "proj-c"})
    app = create_app(svc)
    app.config["TESTING"] = True
    return app.test_client()


@pytest.fixture
def objects(client: Any) -> dict[str, Any]:
    """One object of every kind, owned by project A."""
    assert post_yaml(client, WB, url="/v2/workbooks", headers=A).status_code == 201
    assert post_yaml(client, ACTIONS, url="/v2/actions", headers=A).status_code == 201
    wf = post_yaml(client, WF, headers=A).get_json()["workflows"][0]
    env = client.post(
        "/v2/environments", json={"name": "env_a", "variables": {"k": "v"}}, headers=A
    )
    assert env.status_code == 201, env.get_json()
    trig = client.post(
        "/v2/cron_triggers",
        json={"name": "trig_a", "workflow_name": "wf_a", "pattern": "0 0 * * *"},
        headers=A,
    )
    assert trig.status_code == 201, trig.get_json()
    ex = client.post("/v2/executions", json={"workflow_name": "wf_a"}, headers=A).get_json()
    task = client.get(f"/v2/tasks?workflow_execution_id={ex['id']}", headers=A).get_json()["tasks"][
        0
    ]
    action = client.get(
        f"/v2/action_executions?task_execution_id={task['id']}", headers=A
    ).get_json()
    return {
        "workflow": wf,
        "execution": ex,
        "task": task,
        "action_execution": action["action_executions"][0],
    }


def test_b_cannot_read_any_of_a_s_objects(client: Any, objects: dict[str, Any]) -> None:
    urls = [
        "/v2/workbooks/wb_a",
        "/v2/workflows/wf_a",
        f"/v2/workflows/{objects['workflow']['id']}",
        "/v2/workflows/wb_a.inner",
        "/v2/actions/act_a",
        "/v2/environments/env_a",
        "/v2/cron_triggers/trig_a",
        f"/v2/executions/{objects['execution']['id']}",
        f"/v2/tasks/{objects['task']['id']}",
        f"/v2/action_executions/{objects['action_execution']['id']}",
    ]
    for url in urls:
        assert client.get(url, headers=A).status_code == 200, url
        assert client.get(url, headers=B).status_code == 404, url


def test_b_s_lists_and_filters_never_show_a_s_objects(client: Any, objects: dict[str, Any]) -> None:
    ex_id, task_id = objects["execution"]["id"], objects["task"]["id"]
    lists = {
        "/v2/workbooks": "workbooks",
        "/v2/workflows": "workflows",
        "/v2/environments": "environments",
        "/v2/cron_triggers": "cron_triggers",
        "/v2/executions": "executions",
        "/v2/tasks": "tasks",
        "/v2/action_executions": "action_executions",
        f"/v2/executions?id={ex_id}": "executions",
        "/v2/executions?workflow_name=wf_a": "executions",
        "/v2/executions?project_id=proj-a": "executions",
        f"/v2/tasks?workflow_execution_id={ex_id}": "tasks",
        f"/v2/action_executions?task_execution_id={task_id}": "action_executions",
        "/v2/workflows?name=wf_a": "workflows",
        "/v2/workflows?project_id=proj-a": "workflows",
        # Nested lists answer like Mistral for an unknown parent: an empty list.
        f"/v2/executions/{ex_id}/tasks": "tasks",
        f"/v2/tasks/{task_id}/action_executions": "action_executions",
    }
    for url, key in lists.items():
        assert client.get(url, headers=B).get_json()[key] == [], url
    names = [a["name"] for a in client.get("/v2/actions", headers=B).get_json()["actions"]]
    assert "act_a" not in names and "wb_a.inner" not in names and "std.echo" in names


def test_b_cannot_change_delete_or_use_a_s_objects(client: Any, objects: dict[str, Any]) -> None:
    ex_id, task_id = objects["execution"]["id"], objects["task"]["id"]
    assert (
        client.put(f"/v2/executions/{ex_id}", json={"state": "CANCELLED"}, headers=B).status_code
        == 404
    )
    assert (
        client.put(
            f"/v2/tasks/{task_id}", json={"state": "RUNNING", "reset": True}, headers=B
        ).status_code
        == 404
    )
    action_id = objects["action_execution"]["id"]
    assert (
        client.put(
            f"/v2/action_executions/{action_id}", json={"state": "SUCCESS"}, headers=B
        ).status_code
        == 404
    )
    for url in (
        "/v2/workbooks/wb_a",
        "/v2/workflows/wf_a",
        "/v2/actions/act_a",
        "/v2/environments/env_a",
        "/v2/cron_triggers/trig_a",
        f"/v2/executions/{ex_id}",
    ):
        assert client.delete(url, headers=B).status_code == 404, url
        assert client.get(url, headers=A).status_code == 200, url
    # Using A's objects by name from B's side finds nothing.
    assert (
        client.post("/v2/executions", json={"workflow_name": "wf_a"}, headers=B).status_code == 404
    )
    trig = client.post(
        "/v2/cron_triggers",
        json={"name": "t", "workflow_name": "wf_a", "pattern": "0 0 * * *"},
        headers=B,
    )
    assert trig.status_code == 404
    post_yaml(client, WF.replace("wf_a", "wf_b"), headers=B)
    env_by_name = client.post(
        "/v2/executions",
        json={"workflow_name": "wf_b", "params": json.dumps({"env": "env_a"})},
        headers=B,
    )
    assert env_by_name.status_code == 404


def _share(client: Any, kind: str, resource_id: str, member: str = "proj-b") -> Any:
    return client.post(f"/v2/{kind}s/{resource_id}/members", json={"member_id": member}, headers=A)


def _answer(client: Any, kind: str, resource_id: str, status: str, who: dict[str, str] = B) -> Any:
    return client.put(
        f"/v2/{kind}s/{resource_id}/members/proj-b", json={"status": status}, headers=who
    )


def _b_sees_workflow(client: Any, wf_id: str) -> dict[str, bool]:
    """Every read path of B to A's workflow wf_a: get by id and by name, list, filters."""
    listed = client.get("/v2/workflows", headers=B).get_json()["workflows"]
    by_name = client.get("/v2/workflows?name=wf_a", headers=B).get_json()["workflows"]
    by_project = client.get("/v2/workflows?project_id=proj-a", headers=B).get_json()["workflows"]
    return {
        "get by id": client.get(f"/v2/workflows/{wf_id}", headers=B).status_code == 200,
        "get by name": client.get("/v2/workflows/wf_a", headers=B).status_code == 200,
        "list": wf_id in {w["id"] for w in listed},
        "filter by name": [w["id"] for w in by_name] == [wf_id],
        "filter by project": [w["id"] for w in by_project] == [wf_id],
    }


def test_a_shared_workflow_is_seen_and_run_by_the_member_only_once_accepted(
    client: Any, objects: dict[str, Any]
) -> None:
    wf_id = objects["workflow"]["id"]
    shared = _share(client, "workflow", wf_id)
    assert shared.status_code == 201, shared.get_json()
    assert shared.get_json()["status"] == "pending" and shared.get_json()["project_id"] == "proj-a"
    assert not any(_b_sees_workflow(client, wf_id).values())  # pending: nothing yet
    assert client.post("/v2/executions", json={"workflow_id": wf_id}, headers=B).status_code == 404

    assert _answer(client, "workflow", wf_id, "accepted").get_json()["status"] == "accepted"
    assert all(_b_sees_workflow(client, wf_id).values()), _b_sees_workflow(client, wf_id)
    for ref in ({"workflow_id": wf_id}, {"workflow_name": "wf_a"}):
        run = client.post("/v2/executions", json=ref, headers=B)
        assert run.status_code == 201, run.get_json()
        ex = run.get_json()
        assert ex["project_id"] == "proj-b"  # the member's execution, not the owner's
        assert client.get(f"/v2/executions/{ex['id']}", headers=A).status_code == 404
        assert client.get(f"/v2/executions/{ex['id']}", headers=B).status_code == 200

    # Another project sees nothing, not even the membership.
    assert client.get(f"/v2/workflows/{wf_id}", headers=C).status_code == 404
    assert client.get(f"/v2/workflows/{wf_id}/members", headers=C).get_json()["members"] == []
    assert client.get(f"/v2/workflows/{wf_id}/members/proj-b", headers=C).status_code == 404

    assert _answer(client, "workflow", wf_id, "rejected").status_code == 200
    assert not any(_b_sees_workflow(client, wf_id).values())


def test_a_member_cannot_change_delete_or_reshare_a_shared_workflow(
    client: Any, objects: dict[str, Any]
) -> None:
    wf_id = objects["workflow"]["id"]
    _share(client, "workflow", wf_id)
    _answer(client, "workflow", wf_id, "accepted")
    changed = WF.replace("secret of A", "changed by B")
    assert (
        client.put(
            "/v2/workflows", data=changed, headers={**B, "Content-Type": "text/plain"}
        ).status_code
        == 404
    )
    assert client.delete(f"/v2/workflows/{wf_id}", headers=B).status_code == 404
    assert client.delete("/v2/workflows/wf_a", headers=B).status_code == 404
    assert "secret of A" in client.get(f"/v2/workflows/{wf_id}", headers=A).get_json()["definition"]
    again = client.post(f"/v2/workflows/{wf_id}/members", json={"member_id": "proj-c"}, headers=B)
    assert again.status_code == 404
    # Only the member answers the invitation; only the owner ends it.
    assert _answer(client, "workflow", wf_id, "rejected", who=A).status_code == 403
    assert client.delete(f"/v2/workflows/{wf_id}/members/proj-b", headers=B).status_code == 404
    members = client.get(f"/v2/workflows/{wf_id}/members", headers=A).get_json()["members"]
    assert [(m["member_id"], m["status"]) for m in members] == [("proj-b", "accepted")]
    assert client.delete(f"/v2/workflows/{wf_id}/members/proj-b", headers=A).status_code == 204
    assert not any(_b_sees_workflow(client, wf_id).values())


def test_sharing_rules(
    client: Any, objects: dict[str, Any], make_services: Callable[..., Any]
) -> None:
    wf_id = objects["workflow"]["id"]
    assert _share(client, "workflow", wf_id).status_code == 201
    assert _share(client, "workflow", wf_id).status_code == 409
    assert client.post(f"/v2/workflows/{wf_id}/members", json={}, headers=A).status_code == 400
    public = post_yaml(
        client, WF.replace("wf_a", "wf_pub"), url="/v2/workflows?scope=public", headers=A
    )
    pub_id = public.get_json()["workflows"][0]["id"]
    assert "Only private" in _share(client, "workflow", pub_id).get_json()["faultstring"]
    assert (
        client.post(
            "/v2/workflows/nope/members", json={"member_id": "proj-b"}, headers=A
        ).status_code
        == 404
    )
    # Deleting the workflow ends its memberships.
    assert client.delete(f"/v2/workflows/{wf_id}", headers=A).status_code == 204
    assert client.get(f"/v2/workflows/{wf_id}/members", headers=A).get_json()["members"] == []
    # Without authentication there is one project: sharing is refused, as in Mistral.
    from wfq.api.app import create_app

    open_client = create_app(make_services()).test_client()
    refused = open_client.get(f"/v2/workflows/{wf_id}/members")
    assert refused.status_code == 400
    assert "authentication" in refused.get_json()["faultstring"]


def test_a_shared_workbook_is_seen_by_the_member_once_accepted(
    client: Any, objects: dict[str, Any]
) -> None:
    wb = client.get("/v2/workbooks/wb_a", headers=A).get_json()
    assert _share(client, "workbook", wb["id"]).status_code == 201
    assert client.get(f"/v2/workbooks/{wb['id']}", headers=B).status_code == 404
    assert _answer(client, "workbook", wb["id"], "accepted").status_code == 200
    assert client.get(f"/v2/workbooks/{wb['id']}", headers=B).status_code == 200
    assert client.get("/v2/workbooks/wb_a", headers=B).get_json()["id"] == wb["id"]
    assert [w["name"] for w in client.get("/v2/workbooks", headers=B).get_json()["workbooks"]] == [
        "wb_a"
    ]
    assert client.delete("/v2/workbooks/wb_a", headers=B).status_code == 404
    assert client.get("/v2/workbooks/wb_a", headers=A).status_code == 200
