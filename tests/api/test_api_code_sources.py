"""`/v2/code_sources` and `/v2/dynamic_actions`: off unless the operator names the project, a
syntax error is a 400 naming the line, and a workflow runs a dynamic action on a worker; an
updated source is used at the next run, without a restart."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from api_helpers import fault, post_yaml
from wfq_testing import inline_services

from wfq.api.app import create_app
from wfq.services import queries

SOURCE = """\
from mistral_lib import actions


class Greet(actions.Action):
    def __init__(self, who, punct="!"):
        self.who = who
        self.punct = punct

    def run(self, context):
        return "hello " + self.who + self.punct


def add(a, b=2):
    return a + b
"""
WF = """\
version: '2.0'
uses_dynamic:
  tasks:
    greet:
      action: my.greet who="ops"
      publish: {said: <% task().result %>}
"""


@pytest.fixture
def svc(sqlite_url: str) -> Any:
    return inline_services(sqlite_url, code_source_projects="<default-project>")


@pytest.fixture
def api(svc: Any) -> Any:
    return create_app(svc).test_client()


def _source(client: Any, text: str = SOURCE, name: str = "greetings", **args: str) -> Any:
    query = "&".join(f"{k}={v}" for k, v in {"name": name, **args}.items())
    return client.post(f"/v2/code_sources?{query}", data=text, content_type="text/plain")


def test_code_source_crud_and_versions(api: Any) -> None:
    created = _source(api)
    assert created.status_code == 201, created.get_json()
    cs = created.get_json()
    assert (cs["name"], cs["version"], cs["content"], cs["actions"]) == ("greetings", 1, SOURCE, [])
    assert "Duplicate entry" in fault(_source(api), 409)
    updated = api.put(
        "/v2/code_sources?identifier=greetings", data=SOURCE + "\n# v2\n", content_type="text/plain"
    )
    assert updated.get_json()["version"] == 2
    assert api.get(f"/v2/code_sources/{cs['id']}").get_json()["content"].endswith("# v2\n")
    assert [c["name"] for c in api.get("/v2/code_sources").get_json()["code_sources"]] == [
        "greetings"
    ]
    assert api.delete("/v2/code_sources/greetings").status_code == 204
    fault(api.get("/v2/code_sources/greetings"), 404)


def test_a_bad_source_is_refused_naming_its_line(api: Any) -> None:
    bad = "import os\n\ndef broken(:\n    pass\n"
    message = fault(_source(api, bad, name="bad"), 400)
    assert "line 3" in message and "bad" in message
    assert api.get("/v2/code_sources").get_json()["code_sources"] == []


def test_dynamic_actions_run_on_workers_and_follow_source_updates(api: Any, svc: Any) -> None:
    cs = _source(api).get_json()
    made = api.post(
        "/v2/dynamic_actions",
        json={"name": "my.greet", "class_name": "Greet", "code_source_id": cs["id"]},
    )
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["code_source_name"] == "greetings"
    assert api.get("/v2/code_sources/greetings").get_json()["actions"] == ["my.greet"]
    missing = {"name": "my.none", "class_name": "Nope", "code_source_name": "greetings"}
    assert "Nope is not defined" in fault(api.post("/v2/dynamic_actions", json=missing), 400)
    system = {"name": "std.echo", "class_name": "Greet", "code_source_name": "greetings"}
    fault(api.post("/v2/dynamic_actions", json=system), 409)
    assert post_yaml(api, WF).status_code == 201

    assert _run(api, svc)["output"] == {"said": "hello ops!"}
    api.put(
        "/v2/code_sources?identifier=greetings",
        data=SOURCE.replace('"hello "', '"hi "'),
        content_type="text/plain",
    )
    assert _run(api, svc)["output"] == {"said": "hi ops!"}  # the new version, no restart

    function = {"name": "my.add", "class_name": "add", "code_source_name": "greetings"}
    assert api.post("/v2/dynamic_actions", json=function).status_code == 201
    ran = api.post("/v2/action_executions", json={"name": "my.add", "input": {"a": 40}})
    assert ran.get_json()["state"] == "RUNNING"  # uploaded code never runs in the API process
    svc.dispatcher.drain()
    done = queries.get(
        svc, "action_execution", ran.get_json()["id"], project_id="<default-project>"
    )
    assert done["output"] == {"result": 42}
    sync = api.post(
        "/v2/action_executions",
        json={"name": "my.add", "input": {"a": 1}, "params": {"run_sync": True}},
    )
    assert "runs on a worker only" in fault(sync, 400)
    renamed = api.put("/v2/dynamic_actions", json={"name": "my.greet", "class_name": "add"})
    assert renamed.get_json()["class_name"] == "add"
    assert api.delete("/v2/dynamic_actions/my.add").status_code == 204
    assert [a["name"] for a in api.get("/v2/dynamic_actions").get_json()["dynamic_actions"]] == [
        "my.greet"
    ]


def _run(api: Any, svc: Any) -> dict[str, Any]:
    ex = api.post("/v2/executions", json={"workflow_name": "uses_dynamic"}).get_json()
    svc.dispatcher.drain()
    done = api.get(f"/v2/executions/{ex['id']}").get_json()
    assert done["state"] == "SUCCESS", done["state_info"]
    done["output"] = json.loads(done["output"])
    return done  # type: ignore[no-any-return]


def test_off_unless_the_operator_names_the_project(make_services: Callable[..., Any]) -> None:
    closed = create_app(make_services()).test_client()
    for response in (
        _source(closed),
        closed.get("/v2/code_sources"),
        closed.get("/v2/dynamic_actions"),
        closed.post(
            "/v2/dynamic_actions", json={"name": "x", "class_name": "y", "code_source_name": "z"}
        ),
    ):
        assert "code_source_projects" in fault(response, 403)
    other = make_services(auth_tokens={"a": "proj-a", "b": "proj-b"}, code_source_projects="proj-a")
    client = create_app(other).test_client()
    allowed = client.post(
        "/v2/code_sources?name=m",
        data="x = 1\n",
        content_type="text/plain",
        headers={"X-Auth-Token": "a"},
    )
    assert allowed.status_code == 201
    refused = client.post(
        "/v2/code_sources?name=m",
        data="x = 1\n",
        content_type="text/plain",
        headers={"X-Auth-Token": "b"},
    )
    fault(refused, 403)
    assert client.get("/v2/code_sources/m", headers={"X-Auth-Token": "b"}).status_code == 403
