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
