"""`/v2/workflows`: shapes and encodings of create, update, get, list, delete and validate,
and their errors in Mistral's two error shapes."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from api_helpers import GREET, TIMESTAMP, TRIO, fault, post_yaml, raw_fault

CREATED_KEYS = {
    "id",
    "name",
    "namespace",
    "input",
    "interface",
    "definition",
    "checksum",
    "tags",
    "scope",
    "project_id",
    "created_at",
}
INTERFACE = {"input": ["name", {"greeting": "hi"}], "output": ["message"]}


def test_create_answers_201_with_mistral_shape(client: Any) -> None:
    r = post_yaml(client, GREET)
    assert r.status_code == 201
    assert r.headers["Content-Type"] == "application/json;charset=utf-8"
    (wf,) = r.get_json()["workflows"]
    assert set(wf) == CREATED_KEYS  # no updated_at in the 201 body
    assert wf["name"] == "greet"
    assert wf["namespace"] == ""
    assert wf["input"] == 'name, greeting="hi"'
    assert wf["interface"] == INTERFACE  # an object in the POST answer
    assert wf["scope"] == "private"
    assert wf["tags"] == []
    assert wf["project_id"] == "<default-project>"
    assert wf["checksum"] == hashlib.md5(wf["definition"].encode()).hexdigest()
    assert "greet:" in wf["definition"]
    assert re.match(TIMESTAMP, wf["created_at"])


def test_create_reads_yaml_whatever_the_content_type(client: Any) -> None:
    r = client.post("/v2/workflows", data=GREET, content_type="application/json")
    assert r.status_code == 201
    assert r.get_json()["workflows"][0]["name"] == "greet"


def test_create_several_workflows_with_namespace_and_scope(client: Any) -> None:
    r = post_yaml(client, TRIO, query_string={"namespace": "ns1", "scope": "public"})
    assert r.status_code == 201
    wfs = r.get_json()["workflows"]
    assert [w["name"] for w in wfs] == ["wf_a", "wf_b", "wf_c"]
    assert {w["namespace"] for w in wfs} == {"ns1"}
    assert {w["scope"] for w in wfs} == {"public"}


def test_get_encodes_interface_as_json_string(client: Any, greet: dict[str, Any]) -> None:
    for ident in ("greet", greet["id"]):
        r = client.get(f"/v2/workflows/{ident}")
        assert r.status_code == 200
        assert r.headers["Content-Type"] == "application/json"
        wf = r.get_json()
        assert set(wf) == CREATED_KEYS | {"updated_at"}
        assert isinstance(wf["interface"], str)
        assert json.loads(wf["interface"]) == INTERFACE
        assert wf["updated_at"] is None
        assert wf["created_at"] == greet["created_at"]


def test_get_in_namespace(client: Any) -> None:
    post_yaml(client, TRIO, query_string={"namespace": "ns1"})
    r = client.get("/v2/workflows/wf_a", query_string={"namespace": "ns1"})
    assert r.status_code == 200
    assert r.get_json()["namespace"] == "ns1"


def test_list(client: Any, greet: dict[str, Any]) -> None:
    r = client.get("/v2/workflows")
    assert r.status_code == 200
    body = r.get_json()
    assert set(body) == {"workflows"}  # no `next` without a limit
    (wf,) = body["workflows"]
    assert wf["id"] == greet["id"]
    assert isinstance(wf["interface"], str)
    assert wf["definition"] == greet["definition"]


def test_update(client: Any, greet: dict[str, Any]) -> None:
    changed = GREET.replace("greeting: hi", "greeting: hello")
    r = client.put("/v2/workflows", data=changed, content_type="text/plain")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json;charset=utf-8"
    (wf,) = r.get_json()["workflows"]
    assert wf["id"] == greet["id"]
    assert wf["input"] == 'name, greeting="hello"'
    assert wf["interface"] == {"input": ["name", {"greeting": "hello"}], "output": ["message"]}
    assert re.match(TIMESTAMP, wf["updated_at"])
    assert wf["checksum"] != greet["checksum"]
    assert client.get("/v2/workflows/greet").get_json()["input"] == 'name, greeting="hello"'


def test_update_unknown_workflow_is_404_raw(client: Any) -> None:
    r = client.put("/v2/workflows", data=GREET, content_type="text/plain")
    assert raw_fault(r, 404) == "Workflow not found [workflow_identifier=greet, namespace=]"


def test_update_keeps_scope_unless_given(client: Any) -> None:
    post_yaml(client, GREET, query_string={"scope": "public"})
    r = client.put("/v2/workflows", data=GREET, content_type="text/plain")
    assert r.get_json()["workflows"][0]["scope"] == "public"
    r = client.put("/v2/workflows?scope=private", data=GREET, content_type="text/plain")
    assert r.get_json()["workflows"][0]["scope"] == "private"


def test_delete(client: Any, greet: dict[str, Any]) -> None:
    r = client.delete("/v2/workflows/greet")
    assert r.status_code == 204
    assert r.get_data() == b""
    assert "Content-Type" not in r.headers
    fault(client.get("/v2/workflows/greet"), 404)
    fault(client.delete("/v2/workflows/greet"), 404)


def test_delete_by_id(client: Any, greet: dict[str, Any]) -> None:
    assert client.delete(f"/v2/workflows/{greet['id']}").status_code == 204


def test_unknown_workflow_is_404_wsme(client: Any) -> None:
    msg = fault(client.get("/v2/workflows/no_such_wf"), 404)
    assert msg == "Workflow not found [workflow_identifier=no_such_wf, namespace=]"


def test_duplicate_is_409_raw(client: Any, greet: dict[str, Any]) -> None:
    msg = raw_fault(post_yaml(client, GREET), 409)
    assert msg == (
        "Duplicate entry for WorkflowDefinition ['name', 'namespace', 'project_id']: "
        "greet, , <default-project>"
    )


def test_same_name_in_another_namespace_is_fine(client: Any, greet: dict[str, Any]) -> None:
    assert post_yaml(client, GREET, query_string={"namespace": "other"}).status_code == 201


def test_yaml_syntax_error_is_400_raw(client: Any) -> None:
    msg = raw_fault(post_yaml(client, "---\nfoo: [unclosed\n"), 400)
    assert msg.startswith("Definition could not be parsed: ")


def test_dsl_violation_is_400_raw(client: Any) -> None:
    msg = raw_fault(post_yaml(client, "---\nversion: '2.0'\nwf:\n  taskz: {}\n"), 400)
    assert msg.startswith("Invalid DSL: ")
    assert "tasks" in msg


def test_missing_version_empty_body_and_json_body_are_invalid_dsl(client: Any) -> None:
    assert raw_fault(post_yaml(client, "wf:\n  tasks: {}\n"), 400).startswith("Invalid DSL: ")
    assert raw_fault(post_yaml(client, ""), 400).startswith("Invalid DSL: ")
    r = client.post("/v2/workflows", json={"definition": "x"})
    assert raw_fault(r, 400).startswith("Invalid DSL: ")


def test_bad_scope_and_namespace_are_400_raw(client: Any) -> None:
    assert "Scope" in raw_fault(post_yaml(client, GREET, query_string={"scope": "world"}), 400)
    long_ns = "n" * 300
    raw_fault(post_yaml(client, GREET, query_string={"namespace": long_ns}), 400)


def test_validate(client: Any) -> None:
    r = post_yaml(client, GREET, url="/v2/workflows/validate")
    assert r.status_code == 200
    assert r.get_json() == {"valid": True, "error": None, "warnings": []}  # warnings: wfq's lint
    r = post_yaml(client, "---\nfoo: [unclosed\n", url="/v2/workflows/validate")
    body = r.get_json()
    assert r.status_code == 200
    assert body["valid"] is False
    assert body["error"].startswith("Definition could not be parsed: ")
    r = post_yaml(client, "---\nversion: '2.0'\nwf:\n  taskz: {}\n", url="/v2/workflows/validate")
    assert r.get_json()["valid"] is False
    assert client.get("/v2/workflows").get_json()["workflows"] == []  # nothing stored


def test_a_malformed_revert_is_refused_with_its_path(client: Any) -> None:
    """`revert:` is wfq's compensation extension (docs/compensation.md)."""
    text = "---\nversion: '2.0'\nrv_wf:\n  tasks:\n    t1:\n      action: std.noop\n      revert: {input: {a: 1}}\n"
    msg = raw_fault(post_yaml(client, text), 400)
    assert (
        "rv_wf.tasks.t1.revert: 'revert' must name exactly one of 'action' or 'workflow' (neither given)"
        in msg
    )
    ok = post_yaml(client, text.replace("revert: {input: {a: 1}}", "revert: std.echo output=1"))
    assert ok.status_code == 201
