"""`/v2/workbooks`: create, update, get, list, delete and validate, with the workflows and ad-hoc
actions a workbook registers as "<workbook>.<name>", and the error answers."""

from __future__ import annotations

import re
from typing import Any

from api_helpers import TIMESTAMP, fault, post_yaml, raw_fault, start

WB = """\
version: '2.0'
name: wb1
tags: [ops]
actions:
  greet:
    base: std.echo
    base-input:
      output: "hey <% $.who %>"
    input: [who]
workflows:
  main:
    tasks:
      t:
        action: greet
        input:
          who: wb
  other:
    tasks:
      t:
        action: std.noop
"""
KEYS = {"id", "name", "namespace", "definition", "tags", "scope", "project_id", "created_at"}


def _create(client: Any, text: str = WB, **kw: Any) -> Any:
    return post_yaml(client, text, url="/v2/workbooks", **kw)


def test_create_answers_201_and_registers_workflows_and_actions(client: Any) -> None:
    r = _create(client)
    assert r.status_code == 201, r.get_json()
    assert r.headers["Content-Type"] == "application/json;charset=utf-8"
    wb = r.get_json()
    assert set(wb) == KEYS
    assert wb["name"] == "wb1"
    assert wb["namespace"] == ""
    assert wb["tags"] == ["ops"]
    assert wb["scope"] == "private"
    assert wb["project_id"] == "<default-project>"
    assert wb["definition"] == WB
    assert re.match(TIMESTAMP, wb["created_at"])
    names = [w["name"] for w in client.get("/v2/workflows").get_json()["workflows"]]
    assert sorted(names) == ["wb1.main", "wb1.other"]
    action = client.get("/v2/actions/wb1.greet").get_json()
    assert action["is_system"] is False
    assert action["input"] == "who"
    assert "greet" in action["definition"]


def test_workbook_workflow_runs_its_sibling_action(client: Any, dispatcher: Any) -> None:
    _create(client)
    r = start(client, "wb1.main")
    assert r.status_code == 201, r.get_json()
    (task,) = client.get(f"/v2/executions/{r.get_json()['id']}/tasks").get_json()["tasks"]
    (action,) = client.get(f"/v2/tasks/{task['id']}/action_executions").get_json()[
        "action_executions"
    ]
    assert action["name"] == "wb1.greet"
    assert dispatcher.sent[0][0] == action["id"]


def test_get_list_and_namespace(client: Any) -> None:
    _create(client, query_string={"namespace": "ns1", "scope": "public"})
    r = client.get("/v2/workbooks/wb1", query_string={"namespace": "ns1"})
    assert r.status_code == 200
    wb = r.get_json()
    assert set(wb) == KEYS | {"updated_at"}
    assert wb["updated_at"] is None
    assert wb["namespace"] == "ns1" and wb["scope"] == "public"
    listed = client.get("/v2/workbooks").get_json()["workbooks"]
    assert [w["name"] for w in listed] == ["wb1"]
    assert client.get("/v2/workbooks?name=nope").get_json() == {"workbooks": []}
    wf = client.get("/v2/workflows/wb1.main", query_string={"namespace": "ns1"}).get_json()
    assert wf["namespace"] == "ns1"


def test_update_replaces_members_and_keeps_scope(client: Any) -> None:
    _create(client, query_string={"scope": "public"})
    changed = WB.replace("hey", "hello").replace(
        "  other:\n    tasks:\n      t:\n        action: std.noop\n", ""
    )
    r = client.put("/v2/workbooks", data=changed, content_type="text/plain")
    assert r.status_code == 200, r.get_json()
    wb = r.get_json()
    assert wb["definition"] == changed
    assert wb["scope"] == "public"
    assert re.match(TIMESTAMP, wb["updated_at"])
    names = [w["name"] for w in client.get("/v2/workflows").get_json()["workflows"]]
    assert names == ["wb1.main"]  # the workflow it no longer defines is gone
    assert "hello" in client.get("/v2/actions/wb1.greet").get_json()["definition"]


def test_delete_removes_workflows_and_actions(client: Any) -> None:
    _create(client)
    r = client.delete("/v2/workbooks/wb1")
    assert r.status_code == 204 and r.data == b""
    assert client.get("/v2/workflows").get_json() == {"workflows": []}
    fault(client.get("/v2/actions/wb1.greet"), 404)
    msg = fault(client.get("/v2/workbooks/wb1"), 404)
    assert msg == "Workbook not found [name=wb1, namespace=]"


def test_validate(client: Any) -> None:
    ok = post_yaml(client, WB, url="/v2/workbooks/validate")
    assert ok.status_code == 200
    assert ok.get_json() == {"valid": True, "error": None}
    bad = post_yaml(client, "version: '2.0'\nname: x\n", url="/v2/workbooks/validate")
    assert bad.get_json()["valid"] is False
    assert "workflow or action" in bad.get_json()["error"]
    assert client.get("/v2/workbooks").get_json() == {"workbooks": []}


def test_duplicate_is_409(client: Any) -> None:
    _create(client)
    msg = raw_fault(_create(client), 409)
    assert msg == (
        "Duplicate entry for Workbook ['name', 'namespace', 'project_id']: wb1, , <default-project>"
    )


def test_member_name_taken_is_409_and_stores_nothing(client: Any) -> None:
    post_yaml(client, "version: '2.0'\nwb1.other:\n  tasks:\n    t:\n      action: std.noop\n")
    assert "wb1.other" in raw_fault(_create(client), 409)
    assert client.get("/v2/workbooks").get_json() == {"workbooks": []}
    fault(client.get("/v2/actions/wb1.greet"), 404)


def test_bad_yaml_and_bad_dsl_are_400(client: Any) -> None:
    assert raw_fault(_create(client, "foo: [unclosed"), 400).startswith(
        "Definition could not be parsed"
    )
    assert "Invalid DSL" in raw_fault(_create(client, "version: '2.0'\nname: x\n"), 400)
    assert "version" in raw_fault(_create(client, ""), 400)


def test_unknown_is_404(client: Any) -> None:
    fault(client.get("/v2/workbooks/nope"), 404)
    fault(client.delete("/v2/workbooks/nope"), 404)
    r = client.put("/v2/workbooks", data=WB, content_type="text/plain")
    assert raw_fault(r, 404) == "Workbook not found [name=wb1, namespace=]"
