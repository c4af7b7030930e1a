"""`/v2/environments`: create, update, get, list, delete, `variables` as a JSON string, an
execution reading a stored environment by name, and the error answers."""

from __future__ import annotations

import json
import re
from typing import Any

from api_helpers import TIMESTAMP, fault, start

KEYS = {
    "id",
    "name",
    "description",
    "variables",
    "scope",
    "project_id",
    "created_at",
    "updated_at",
}
ENV = {"name": "prod", "description": "d", "variables": json.dumps({"k": "v", "n": [1]})}


def test_create_and_get(client: Any) -> None:
    r = client.post("/v2/environments", json=ENV)
    assert r.status_code == 201, r.get_json()
    env = r.get_json()
    assert set(env) == KEYS
    assert env["name"] == "prod" and env["description"] == "d"
    assert isinstance(env["variables"], str)
    assert json.loads(env["variables"]) == {"k": "v", "n": [1]}
    assert env["scope"] == "private"
    assert env["updated_at"] is None
    assert re.match(TIMESTAMP, env["created_at"])
    for ident in ("prod", env["id"]):
        assert client.get(f"/v2/environments/{ident}").get_json() == env


def test_variables_as_object_and_list(client: Any) -> None:
    body = {"name": "e2", "variables": {"a": 1}, "scope": "public"}
    assert client.post("/v2/environments", json=body).status_code == 201
    client.post("/v2/environments", json=ENV)
    listed = client.get("/v2/environments").get_json()["environments"]
    assert [e["name"] for e in listed] == ["e2", "prod"]
    assert json.loads(listed[0]["variables"]) == {"a": 1}
    assert listed[0]["scope"] == "public"
    only = client.get("/v2/environments?scope=public").get_json()["environments"]
    assert [e["name"] for e in only] == ["e2"]


def test_update(client: Any) -> None:
    client.post("/v2/environments", json=ENV)
    r = client.put("/v2/environments", json={"name": "prod", "variables": '{"k": "w"}'})
    assert r.status_code == 200, r.get_json()
    env = r.get_json()
    assert json.loads(env["variables"]) == {"k": "w"}
    assert env["description"] == "d"  # fields not sent are kept
    assert re.match(TIMESTAMP, env["updated_at"])


def test_delete(client: Any) -> None:
    client.post("/v2/environments", json=ENV)
    r = client.delete("/v2/environments/prod")
    assert r.status_code == 204 and r.data == b""
    assert fault(client.get("/v2/environments/prod"), 404) == "Environment not found [name=prod]"


def test_execution_reads_a_stored_environment(client: Any) -> None:
    client.post("/v2/environments", json=ENV)
    client.post(
        "/v2/workflows",
        data="version: '2.0'\nw:\n  tasks:\n    t:\n      action: std.echo output=<% env().k %>\n",
        content_type="text/plain",
    )
    r = start(client, "w", params=json.dumps({"env": "prod"}))
    assert r.status_code == 201, r.get_json()
    assert json.loads(r.get_json()["params"])["env"] == {"k": "v", "n": [1]}


def test_duplicate_is_409(client: Any) -> None:
    client.post("/v2/environments", json=ENV)
    msg = fault(client.post("/v2/environments", json=ENV), 409)
    assert msg == "Duplicate entry for Environment ['name', 'project_id']: prod, <default-project>"


def test_bad_bodies_are_400(client: Any) -> None:
    post = client.post
    fault(post("/v2/environments", data="{", content_type="application/json"), 400)
    fault(post("/v2/environments", json=["x"]), 400)
    assert "name" in fault(post("/v2/environments", json={"variables": "{}"}), 400)
    assert "variables" in fault(post("/v2/environments", json={"name": "x"}), 400)
    bad_json = {"name": "x", "variables": "{not json"}
    assert "Expecting property name" in fault(post("/v2/environments", json=bad_json), 400)
    not_obj = {"name": "x", "variables": "[1]"}
    assert "must be a dictionary" in fault(post("/v2/environments", json=not_obj), 400)
    extra = {"name": "x", "variables": "{}", "bogus": 1}
    assert "allowed as definition keys" in fault(post("/v2/environments", json=extra), 400)
    scope = {"name": "x", "variables": "{}", "scope": "world"}
    assert "Scope" in fault(post("/v2/environments", json=scope), 400)


def test_unknown_is_404(client: Any) -> None:
    fault(client.get("/v2/environments/nope"), 404)
    fault(client.delete("/v2/environments/nope"), 404)
    fault(client.put("/v2/environments", json={"name": "nope", "variables": "{}"}), 404)
