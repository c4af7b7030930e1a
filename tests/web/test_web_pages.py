"""The web page's files under /ui/, the graph endpoints, and their tenancy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from wfq.api.app import create_app
from wfq.services.context import Services
from wfq.web import STATIC_DIR

SCRIPTS = (
    "api.js",
    "ui.js",
    "highlight.js",
    "graph.js",
    "panel.js",
    "items.js",
    "explain.js",
    "evaluate.js",
    "tree.js",
    "editor.js",
    "lint.js",
    "list.js",
    "execution.js",
    "versions.js",
    "definitions.js",
    "cron.js",
    "environments.js",
    "app.js",
)

FORK = """\
version: '2.0'
fork:
  tasks:
    a:
      action: std.echo output=1
      publish: {x: <% task().result %>}
      on-success: [b, c]
    b:
      action: std.noop
      on-success: [d]
    c:
      action: std.noop
      on-success: [d]
    d:
      join: all
      action: std.noop
"""


def test_ui_redirects_to_the_page(client: Any) -> None:
    r = client.get("/ui")
    assert r.status_code == 302
    assert r.headers["Location"].endswith("/ui/")


def test_the_page_and_its_files_are_served_with_a_strict_policy(client: Any) -> None:
    r = client.get("/ui/")
    assert r.status_code == 200
    assert r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    assert '<main id="view">' in page
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert "<script>" not in page  # no inline script: the policy would refuse it
    for name in (*SCRIPTS, "app.css"):
        assert f"static/{name}" in page
        f = client.get(f"/ui/static/{name}")
        assert f.status_code == 200, name
        assert f.headers["X-Content-Type-Options"] == "nosniff"
    assert "innerHTML" not in "".join(
        client.get(f"/ui/static/{n}").get_data(as_text=True) for n in SCRIPTS
    )
    # Every script of the folder is loaded by the page (none forgotten).
    assert sorted(SCRIPTS) == sorted(p.name for p in STATIC_DIR.glob("*.js"))


def test_missing_files_and_paths_outside_the_folder_are_404(client: Any) -> None:
    assert client.get("/ui/static/nope.js").status_code == 404
    assert client.get("/ui/static/../__init__.py").status_code == 404
    assert client.get("/ui/static/%2e%2e/__init__.py").status_code == 404


def test_the_root_still_answers_the_versions_document(client: Any) -> None:
    assert client.get("/").get_json()["versions"][0]["id"] == "v2.0"


def test_workflow_graph_by_name_and_id(client: Any) -> None:
    r = client.post("/v2/workflows", data=FORK, content_type="text/plain")
    wf_id = r.get_json()["workflows"][0]["id"]
    for ident in ("fork", wf_id):
        g = client.get(f"/v2/workflows/{ident}/graph")
        assert g.status_code == 200
        body = g.get_json()
        assert body["workflow"] == "fork" and body["workflow_id"] == wf_id
        assert body["levels"] == [["a"], ["b", "c"], ["d"]]
        assert {(e["source"], e["target"]) for e in body["edges"]} == {
            ("a", "b"),
            ("a", "c"),
            ("b", "d"),
            ("c", "d"),
        }


def test_execution_graph_uses_the_execution_copy_of_the_spec(
    client: Any, run: Callable[..., Any]
) -> None:
    ex = run(FORK)
    assert ex["state"] == "SUCCESS"
    # Changing the workflow afterwards does not change what the execution ran.
    changed = FORK.replace("on-success: [b, c]", "on-success: [b]")
    assert client.put("/v2/workflows", data=changed, content_type="text/plain").status_code == 200
    g = client.get(f"/v2/executions/{ex['id']}/graph").get_json()
    assert g["execution_id"] == ex["id"]
    assert ("a", "c") in {(e["source"], e["target"]) for e in g["edges"]}
    assert ("a", "c") not in {
        (e["source"], e["target"])
        for e in client.get("/v2/workflows/fork/graph").get_json()["edges"]
    }


def test_unknown_graphs_are_404_in_mistral_shape(client: Any) -> None:
    r = client.get("/v2/workflows/nope/graph")
    assert r.status_code == 404
    assert "Workflow not found" in r.get_json()["faultstring"]
    r = client.get("/v2/executions/nope/graph")
    assert r.status_code == 404
    assert r.get_json()["faultstring"] == "WorkflowExecution not found [id=nope]"


def test_graph_endpoints_are_in_the_openapi_document(client: Any) -> None:
    paths = client.get("/swagger.json").get_json()["paths"]
    assert "/v2/workflows/{identifier}/graph" in paths
    assert "/v2/executions/{ex_id}/graph" in paths


@pytest.fixture
def tenant_client(make_services: Callable[..., Services]) -> Any:
    svc = make_services(auth_tokens={"tok-a": "proj-a", "tok-b": "proj-b"})
    return create_app(svc).test_client()


def test_graphs_need_a_token_and_stay_in_their_project(tenant_client: Any) -> None:
    c = tenant_client
    a = {"Authorization": "Bearer tok-a"}
    b = {"Authorization": "Bearer tok-b"}
    assert (
        c.post("/v2/workflows", data=FORK, content_type="text/plain", headers=a).status_code == 201
    )
    ex = c.post("/v2/executions", json={"workflow_name": "fork"}, headers=a).get_json()
    assert c.get("/v2/workflows/fork/graph").status_code == 401
    assert c.get("/v2/workflows/fork/graph", headers=a).status_code == 200
    assert c.get("/v2/workflows/fork/graph", headers=b).status_code == 404
    assert c.get(f"/v2/executions/{ex['id']}/graph", headers=b).status_code == 404
    assert (
        c.get(f"/v2/executions/{ex['id']}/graph", headers={"X-Auth-Token": "tok-a"}).status_code
        == 200
    )
    # The page itself is static and needs no token: it asks for one.
    assert c.get("/ui/").status_code == 200


NESTED = """\
version: '2.0'
outer:
  tasks:
    call:
      workflow: inner
inner:
  tasks:
    call:
      workflow: leaf
leaf:
  tasks:
    one:
      action: std.noop
"""


def test_nulls_lists_only_top_level_executions(client: Any, run: Callable[..., Any]) -> None:
    """The page lists root executions with Mistral's `nulls=task_execution_id`."""
    root = run(NESTED)
    assert root["state"] == "SUCCESS"
    everything = client.get("/v2/executions").get_json()["executions"]
    assert sorted(e["workflow_name"] for e in everything) == ["inner", "leaf", "outer"]
    assert {e["root_execution_id"] for e in everything if e["id"] != root["id"]} == {root["id"]}
    r = client.get("/v2/executions?nulls=task_execution_id")
    assert r.status_code == 200, r.get_json()
    assert [e["id"] for e in r.get_json()["executions"]] == [root["id"]]
    # Combined with a filter, and repeated by the `next` link of a full page.
    both = client.get("/v2/executions?nulls=task_execution_id&root_execution_id=" + root["id"])
    assert both.get_json()["executions"] == []
    page = client.get("/v2/executions?nulls=task_execution_id&limit=1").get_json()
    assert "nulls=task_execution_id" in page["next"]
    assert client.get("/v2/executions?nulls=bogus").status_code == 400
