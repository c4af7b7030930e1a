"""The version documents, the OpenAPI document and unknown URLs."""

from __future__ import annotations

from typing import Any

from api_helpers import fault


def test_versions_document(client: Any) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/json"
    assert r.get_json() == {
        "versions": [
            {
                "id": "v2.0",
                "status": "CURRENT",
                "links": [{"href": "http://localhost/v2", "target": "v2", "rel": "self"}],
            }
        ]
    }


def test_v2_redirects_to_slash(client: Any) -> None:
    r = client.get("/v2")
    assert r.status_code == 302
    assert r.headers["Location"] == "http://localhost/v2/"


def test_v2_root(client: Any) -> None:
    r = client.get("/v2/")
    assert r.status_code == 200
    assert r.get_json() == {"uri": "http://localhost/v2"}


def test_links_follow_the_host_the_client_used(client: Any) -> None:
    r = client.get("/v2/", base_url="http://wfq.example:8989")
    assert r.get_json() == {"uri": "http://wfq.example:8989/v2"}


def test_swagger_lists_every_path(client: Any) -> None:
    r = client.get("/swagger.json")
    assert r.status_code == 200
    spec = r.get_json()
    assert spec["swagger"] == "2.0"
    paths = spec["paths"]
    assert set(paths) >= {
        "/",
        "/v2/",
        "/v2/workflows",
        "/v2/workflows/validate",
        "/v2/workflows/{identifier}",
        "/v2/executions",
        "/v2/executions/{ex_id}",
        "/v2/executions/{ex_id}/tasks",
        "/v2/tasks",
        "/v2/tasks/{task_id}",
        "/v2/tasks/{task_id}/action_executions",
        "/v2/action_executions",
        "/v2/action_executions/{action_id}",
    }
    assert set(paths["/v2/workflows"]) >= {"get", "post", "put"}
    assert set(paths["/v2/workflows/{identifier}"]) >= {"get", "delete"}
    assert set(paths["/v2/executions"]) >= {"get", "post"}
    assert "Workflow" in spec["definitions"]
    assert "Execution" in spec["definitions"]


def test_docs_ui_is_served(client: Any) -> None:
    r = client.get("/docs")
    assert r.status_code == 200
    assert "swagger" in r.get_data(as_text=True).lower()


def test_unknown_url_is_a_json_404(client: Any) -> None:
    assert "not found" in fault(client.get("/v2/no_such_thing"), 404).lower()
    fault(client.get("/v2/workflows/x/y"), 404)


def test_method_not_allowed(client: Any) -> None:
    r = client.delete("/v2/tasks")
    fault(r, 405)
    assert "GET" in r.headers["Allow"]


def test_every_operation_documents_the_errors_any_request_may_get(client: Any) -> None:
    # Found by schemathesis: PUT /v2/workflows and others answered an undocumented 400.
    spec = client.get("/swagger.json").get_json()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            responses = operation["responses"]
            assert responses["400"]["schema"] == {"$ref": "#/definitions/Fault"}, (method, path)
            assert ("413" in responses) == (method in ("post", "put")), (method, path)


def _nulls_are_documented(body: dict[str, Any], definition: dict[str, Any]) -> None:
    assert set(body) <= set(definition["properties"]), set(body) - set(definition["properties"])
    for name, value in body.items():
        field = definition["properties"][name]
        if value is None:  # a field without a type takes any value
            assert field.get("x-nullable") is True or "type" not in field, name
        elif "type" in field:
            kind = {"string": str, "array": list, "integer": int, "boolean": bool}[field["type"]]
            assert isinstance(value, kind), (name, value)


def test_null_fields_are_nullable_in_the_document(client: Any, execution: dict[str, Any]) -> None:
    # Found by schemathesis: null state_info, updated_at, debuginfo, tags of a system action ...
    # contradicted the document, which called them strings and lists.
    definitions = client.get("/swagger.json").get_json()["definitions"]
    task = client.get(f"/v2/executions/{execution['id']}/tasks").get_json()["tasks"][0]
    run = client.post("/v2/action_executions", json={"name": "std.noop"}).get_json()
    answers = {
        "Execution": client.get(f"/v2/executions/{execution['id']}").get_json(),
        "Task": client.get(f"/v2/tasks/{task['id']}").get_json(),
        "ActionExecution": run,
        "Action": client.get("/v2/actions/std.echo").get_json(),
        "Workflow": client.get("/v2/workflows/greet").get_json(),
        "Fault": client.get("/v2/executions/nope").get_json(),
        "CronTrigger": client.post(
            "/v2/cron_triggers",
            json={
                "name": "c",
                "workflow_name": "greet",
                "pattern": "0 0 * * *",
                "workflow_input": {"name": "x"},
            },
        ).get_json(),
    }
    for model, body in answers.items():
        assert None in body.values(), model  # each answer shows at least one null
        _nulls_are_documented(body, definitions[model])
    environment = {"name": "e", "variables": {"k": 1}}
    assert client.post("/v2/environments", json=environment).status_code == 201
    _nulls_are_documented(client.get("/v2/environments/e").get_json(), definitions["Environment"])
    graph = client.get("/v2/workflows/greet/graph").get_json()
    _nulls_are_documented(graph["nodes"][0], definitions["GraphNode"])


def test_definition_endpoints_document_their_yaml_body(client: Any) -> None:
    # flask-restx dropped the `consumes` these endpoints declared, so the document said they
    # took JSON and had no body; schemathesis never sent them a definition.
    paths = client.get("/swagger.json").get_json()["paths"]
    takes_yaml = [
        ("post", "/v2/workflows"),
        ("put", "/v2/workflows"),
        ("post", "/v2/workflows/validate"),
        ("post", "/v2/workbooks"),
        ("put", "/v2/workbooks"),
        ("post", "/v2/actions"),
        ("put", "/v2/actions/{identifier}"),
    ]
    for method, path in takes_yaml:
        operation = paths[path][method]
        assert operation["consumes"] == ["text/plain"], (method, path)
        (body,) = [p for p in operation["parameters"] if p["in"] == "body"]
        assert body["schema"] == {"type": "string"}
        assert not any(key.startswith("x-wfq") for key in operation)
    assert "consumes" not in paths["/v2/executions"]["post"]
