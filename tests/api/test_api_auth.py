"""Tenancy: with tokens configured every request needs one, and a project sees only its own
(and public) objects; without tokens everything is the default project."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from api_helpers import GREET, fault, post_yaml, raw_fault

A = {"Authorization": "Bearer tok-a"}
B = {"X-Auth-Token": "tok-b"}


@pytest.fixture
def client(make_services: Callable[..., Any]) -> Any:
    from wfq.api.app import create_app

    svc = make_services(auth_tokens={"tok-a": "proj-a", "tok-b": "proj-b"})
    app = create_app(svc)
    app.config["TESTING"] = True
    return app.test_client()


def test_no_token_is_401(client: Any) -> None:
    r = client.get("/v2/workflows")
    assert "authentication" in fault(r, 401)
    assert r.headers["WWW-Authenticate"] == "Bearer"
    fault(client.get("/v2/workflows", headers={"Authorization": "Bearer wrong"}), 401)
    fault(client.get("/v2/workflows", headers={"Authorization": "Basic tok-a"}), 401)
    fault(client.get("/v2/executions/x"), 401)
    fault(client.post("/v2/executions", json={"workflow_name": "greet"}), 401)
    raw_fault(post_yaml(client, GREET), 401)
    raw_fault(post_yaml(client, GREET, url="/v2/workflows/validate"), 401)


def test_root_and_docs_need_no_token(client: Any) -> None:
    assert client.get("/").status_code == 200
    assert client.get("/v2/").status_code == 200
    assert client.get("/swagger.json").status_code == 200


def test_projects_are_isolated(client: Any) -> None:
    r = post_yaml(client, GREET, headers=A)
    assert r.status_code == 201
    wf = r.get_json()["workflows"][0]
    assert wf["project_id"] == "proj-a"
    assert client.get("/v2/workflows/greet", headers=A).status_code == 200
    assert fault(client.get("/v2/workflows/greet", headers=B), 404).startswith("Workflow not found")
    fault(client.get(f"/v2/workflows/{wf['id']}", headers=B), 404)
    assert client.get("/v2/workflows", headers=B).get_json() == {"workflows": []}
    fault(client.delete("/v2/workflows/greet", headers=B), 404)
    # B may create its own workflow of the same name.
    assert post_yaml(client, GREET, headers=B).status_code == 201
    assert client.get("/v2/workflows/greet", headers=B).get_json()["id"] != wf["id"]


def test_public_workflows_are_visible_but_not_deletable(client: Any) -> None:
    r = post_yaml(client, GREET, headers=A, query_string={"scope": "public"})
    assert r.status_code == 201
    assert client.get("/v2/workflows/greet", headers=B).status_code == 200
    assert [w["name"] for w in client.get("/v2/workflows", headers=B).get_json()["workflows"]] == [
        "greet"
    ]
    fault(client.delete("/v2/workflows/greet", headers=B), 404)
    assert client.delete("/v2/workflows/greet", headers=A).status_code == 204


def test_executions_are_isolated(client: Any) -> None:
    post_yaml(client, GREET, headers=A)
    r = client.post(
        "/v2/executions", headers=A, json={"workflow_name": "greet", "input": '{"name": "x"}'}
    )
    assert r.status_code == 201, r.get_json()
    ex = r.get_json()
    assert ex["project_id"] == "proj-a"
    fault(client.get(f"/v2/executions/{ex['id']}", headers=B), 404)
    assert client.get("/v2/executions", headers=B).get_json() == {"executions": []}
    assert client.get(f"/v2/executions/{ex['id']}/tasks", headers=B).get_json() == {"tasks": []}
    assert client.get("/v2/tasks", headers=B).get_json() == {"tasks": []}
    assert client.get("/v2/action_executions", headers=B).get_json() == {"action_executions": []}
    fault(
        client.post(
            "/v2/executions", headers=B, json={"workflow_name": "greet", "input": '{"name": "x"}'}
        ),
        404,
    )
    assert len(client.get("/v2/tasks", headers=A).get_json()["tasks"]) == 1


def test_auth_off_is_the_default_project(
    make_services: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    from wfq.api.app import create_app

    with caplog.at_level("WARNING", logger="wfq.api"):
        app = create_app(make_services())
    assert "authentication is off" in caplog.text
    r = post_yaml(app.test_client(), GREET, headers={"Authorization": "Bearer anything"})
    assert r.get_json()["workflows"][0]["project_id"] == "<default-project>"


def test_all_projects_is_forbidden(client: Any) -> None:
    fault(client.get("/v2/executions?all_projects=true", headers=A), 403)
    assert client.get("/v2/executions?all_projects=false", headers=A).status_code == 200
