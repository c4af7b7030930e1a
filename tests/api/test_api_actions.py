"""`/v2/actions`: system actions from the registry, ad-hoc actions from YAML (create, update, get,
list, delete, validate), and the error answers."""

from __future__ import annotations

import re
from typing import Any

from api_helpers import TIMESTAMP, fault, post_yaml, raw_fault

ADHOC = """\
version: '2.0'
concat:
  description: joins a and b
  base: std.echo
  base-input:
    output: "<% $.a %>-<% $.b %>"
  input:
    - a
    - b: two
  output: <% $ %>
"""
KEYS = {
    "id",
    "name",
    "is_system",
    "input",
    "description",
    "tags",
    "definition",
    "scope",
    "project_id",
    "created_at",
    "updated_at",
    "namespace",
}


def _create(client: Any, text: str = ADHOC, **kw: Any) -> Any:
    return post_yaml(client, text, url="/v2/actions", **kw)


def test_system_action_has_mistral_shape(client: Any) -> None:
    for url in ("/v2/actions/std.echo", "/v2/actions/std.echo/"):
        r = client.get(url)
        assert r.status_code == 200
        assert r.get_json() == {
            "id": "std.echo",
            "name": "std.echo",
            "is_system": True,
            "input": "output, delay=0",
            "description": "Returns its `output` unchanged, after `delay` seconds.",
            "tags": None,
            "definition": "",
            "scope": None,
            "project_id": None,
            "created_at": "",
            "updated_at": "",
            "namespace": "",
        }


def test_create_get_and_list(client: Any) -> None:
    r = _create(client)
    assert r.status_code == 201, r.get_json()
    assert r.headers["Content-Type"] == "application/json;charset=utf-8"
    (action,) = r.get_json()["actions"]
    assert set(action) == KEYS - {"updated_at"}
    assert action["name"] == "concat"
    assert action["is_system"] is False
    assert action["input"] == 'a, b="two"'
    assert action["description"] == "joins a and b"
    assert action["definition"] == ADHOC
    assert re.match(TIMESTAMP, action["created_at"])
    for ident in ("concat", action["id"], "concat/"):
        got = client.get(f"/v2/actions/{ident}").get_json()
        assert got["id"] == action["id"] and got["updated_at"] is None
    listed = client.get("/v2/actions").get_json()["actions"]
    names = {a["name"] for a in listed}
    assert {"std.echo", "std.noop", "std.async_noop", "concat"} <= names
    only = client.get("/v2/actions", query_string={"is_system": "false"}).get_json()
    assert [a["name"] for a in only["actions"]] == ["concat"]
    page = client.get("/v2/actions", query_string={"limit": 2, "sort_keys": "name"}).get_json()
    assert [a["name"] for a in page["actions"]] == ["concat", "std.async_noop"]
    assert "marker=std.async_noop" in page["next"]


def test_namespace_in_path(client: Any) -> None:
    _create(client, query_string={"namespace": "ns1"})
    assert client.get("/v2/actions/concat/ns1").get_json()["namespace"] == "ns1"
    fault(client.get("/v2/actions/concat/other"), 404)
    assert client.delete("/v2/actions/concat/ns1").status_code == 204


def test_update(client: Any) -> None:
    _create(client)
    changed = ADHOC.replace("joins", "glues")
    r = client.put("/v2/actions", data=changed, content_type="text/plain")
    assert r.status_code == 200, r.get_json()
    (action,) = r.get_json()["actions"]
    assert action["description"] == "glues a and b"
    assert re.match(TIMESTAMP, action["updated_at"])
    by_id = client.put(f"/v2/actions/{action['id']}", data=ADHOC, content_type="text/plain")
    assert by_id.get_json()["actions"][0]["description"] == "joins a and b"


def test_delete(client: Any) -> None:
    _create(client)
    r = client.delete("/v2/actions/concat")
    assert r.status_code == 204 and r.data == b""
    assert fault(client.get("/v2/actions/concat"), 404) == (
        "Action not found [action_name=concat, namespace=]"
    )


def test_delete_system_action_is_400(client: Any) -> None:
    msg = fault(client.delete("/v2/actions/std.echo"), 400)
    assert msg == "Attempt to delete a system action: std.echo"
    assert client.get("/v2/actions/std.echo").status_code == 200


def test_validate(client: Any) -> None:
    ok = post_yaml(client, ADHOC, url="/v2/actions/validate")
    assert ok.get_json() == {"valid": True, "error": None}
    bad = post_yaml(client, "version: '2.0'\nx:\n  input: [a]\n", url="/v2/actions/validate")
    assert bad.get_json()["valid"] is False
    assert "base" in bad.get_json()["error"]


def test_duplicate_is_409(client: Any) -> None:
    _create(client)
    assert raw_fault(_create(client), 409) == (
        "Duplicate entry for ActionDefinition ['name', 'namespace', 'project_id']: "
        "concat, , <default-project>"
    )
    shadow = "version: '2.0'\nstd.echo:\n  base: std.noop\n"
    assert "std.echo" in raw_fault(_create(client, shadow), 409)


def test_bad_yaml_and_bad_dsl_are_400(client: Any) -> None:
    assert raw_fault(_create(client, "foo: [unclosed"), 400).startswith(
        "Definition could not be parsed"
    )
    assert "Invalid DSL" in raw_fault(_create(client, "version: '2.0'\nx:\n  input: [a]\n"), 400)
    assert "version" in raw_fault(_create(client, "x:\n  base: std.noop\n"), 400)


def test_unknown_is_404(client: Any) -> None:
    fault(client.get("/v2/actions/nope"), 404)
    fault(client.delete("/v2/actions/nope"), 404)
    r = client.put("/v2/actions", data=ADHOC, content_type="text/plain")
    assert raw_fault(r, 404) == "Action not found [action_name=concat, namespace=]"
    r = client.put("/v2/actions", data="version: '2.0'\nstd.echo:\n  base: std.noop\n")
    assert raw_fault(r, 400) == "Attempt to modify a system action: std.echo"
