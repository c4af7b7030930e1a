"""Compensation edges through the API (docs/compensation.md): an execution that has ended in
ERROR never goes REVERTING. A user's request for it is refused with a 400; a task still in
flight that fails after the end (its result breaks its publish) neither reverts nor errs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from wfq_testing import inline_services

from wfq.api.app import create_app

LATE = """
version: '2.0'
late:
  tasks:
    a:
      action: std.echo output="A"
      revert: std.echo output="undo A"
      on-success: [c]
    c:
      action: std.async_noop
      publish: {z: <% task().result.missing %>}
"""


@pytest.fixture
def svc(sqlite_url: str) -> Any:
    s = inline_services(sqlite_url)
    yield s
    s.db.dispose()


@pytest.fixture
def client(svc: Any) -> Any:
    return create_app(svc).test_client()


def _started(client: Any, svc: Any) -> str:
    assert client.post("/v2/workflows", data=LATE, content_type="text/plain").status_code == 201
    r = client.post("/v2/executions", json={"workflow_name": "late"})
    assert r.status_code == 201, r.get_json()
    svc.dispatcher.drain()  # a runs; c's asynchronous action waits for its result
    return str(r.get_json()["id"])


def _tasks(client: Any, ex_id: str) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for t in client.get(f"/v2/executions/{ex_id}/tasks").get_json()["tasks"]}


def _put(client: Any, ex_id: str, **body: Any) -> Any:
    return client.put(f"/v2/executions/{ex_id}", json=body)


def _finish_c(client: Any, svc: Any, ex_id: str) -> None:
    """c's result arrives (through the API, as an asynchronous action's does) and breaks its
    publish: a failure of the execution, after it ended."""
    c = _tasks(client, ex_id)["c"]
    (action,) = client.get(f"/v2/tasks/{c['id']}/action_executions").get_json()["action_executions"]
    r = client.put(
        f"/v2/action_executions/{action['id']}",
        json={"state": "SUCCESS", "output": json.dumps({"x": 1})},
    )
    assert r.status_code == 200, r.get_json()
    svc.dispatcher.drain()


def test_put_reverting_on_an_execution_in_error_is_a_400(client: Any, svc: Any) -> None:
    ex_id = _started(client, svc)
    assert _put(client, ex_id, state="ERROR", state_info="stop").get_json()["state"] == "ERROR"
    r = _put(client, ex_id, state="REVERTING")
    assert r.status_code == 400
    assert r.get_json()["faultstring"].startswith(
        "Can't change workflow execution state from ERROR to REVERTING."
    )
    assert client.get(f"/v2/executions/{ex_id}").get_json()["state"] == "ERROR"


@pytest.mark.parametrize("reverting_first", [False, True])
def test_a_task_failing_after_the_user_ended_the_execution_reverts_nothing(
    client: Any, svc: Any, reverting_first: bool
) -> None:
    ex_id = _started(client, svc)
    if reverting_first:  # REVERTING waits for c; the user then stops the reverts
        assert _put(client, ex_id, state="REVERTING").get_json()["state"] == "REVERTING"
    assert _put(client, ex_id, state="ERROR", state_info="stop").get_json()["state"] == "ERROR"
    _finish_c(client, svc, ex_id)
    ex = client.get(f"/v2/executions/{ex_id}").get_json()
    tasks = _tasks(client, ex_id)
    assert ex["state"] == "ERROR"
    assert set(tasks) == {"a", "c"}  # no a:revert
    assert tasks["c"]["state"] == "ERROR" and "missing" in tasks["c"]["state_info"]
