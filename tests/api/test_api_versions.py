"""Definition versions through the API (SQLite, no workers): list, get, diff of workflows,
workbooks and ad-hoc actions, the version an execution starts on, tenancy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from api_helpers import fault, post_yaml, start

V1 = """\
---
version: '2.0'
deploy:
  input: [target]
  tasks:
    copy:
      action: std.echo output="copy to <% $.target %>"
"""
V2 = (
    V1.replace('"copy to', '"copy v2 to')
    + """\
      on-success: [check]
    check:
      action: std.noop
"""
)

WB1 = """\
---
version: '2.0'
name: tools
actions:
  shout:
    base: std.echo
    base-input:
      output: <% $.text %>
    input: [text]
workflows:
  use:
    tasks:
      t:
        action: tools.shout text="one"
"""
WB2 = WB1.replace('text="one"', 'text="two"')

ACTION1 = """\
---
version: '2.0'
greet_action:
  base: std.echo
  base-input:
    output: hello
"""
ACTION2 = ACTION1.replace("output: hello", "output: bonjour")


def _put(client: Any, text: str, url: str = "/v2/workflows", **kw: Any) -> Any:
    return client.put(url, data=text, content_type="text/plain", **kw)


@pytest.fixture
def deploy(client: Any) -> dict[str, Any]:
    created = post_yaml(client, V1).get_json()["workflows"][0]
    assert _put(client, V2, headers={"X-User-Name": "alice"}).status_code == 200
    return created


def test_an_update_keeps_the_previous_version(client: Any, deploy: dict[str, Any]) -> None:
    listed = client.get("/v2/workflows/deploy/versions").get_json()["versions"]
    assert [(v["version"], v["current"], v["user"]) for v in listed] == [
        (2, True, "alice"),
        (1, False, None),
    ]
    assert listed[1]["checksum"] == deploy["checksum"]
    assert listed[0]["project_id"] == deploy["project_id"]
    by_id = client.get(f"/v2/workflows/{deploy['id']}/versions").get_json()
    assert by_id["versions"] == listed
    one = client.get("/v2/workflows/deploy/versions/1").get_json()
    assert one["definition"] == V1
    assert client.get("/v2/workflows/deploy").get_json()["definition"] == V2
    assert "Version not found" in fault(client.get("/v2/workflows/deploy/versions/9"), 404)


def test_the_same_text_again_is_not_a_new_version(client: Any, deploy: dict[str, Any]) -> None:
    assert _put(client, V2).status_code == 200
    assert len(client.get("/v2/workflows/deploy/versions").get_json()["versions"]) == 2


def test_diff_gives_a_unified_diff_and_the_changed_paths(
    client: Any, deploy: dict[str, Any]
) -> None:
    body = client.get("/v2/workflows/deploy/versions/1/diff/2").get_json()
    assert body["from_version"] == 1 and body["to_version"] == 2
    assert '-      action: std.echo output="copy to <% $.target %>"' in body["unified_diff"]
    assert "+    check:" in body["unified_diff"]
    paths = {c["path"]: c["change"] for c in body["changes"]}
    assert paths == {
        "deploy.tasks.copy.action": "changed",
        "deploy.tasks.copy.on-success": "added",
        "deploy.tasks.check": "added",
    }
    assert body["summary"] == {"added": 2, "removed": 0, "changed": 1}
    back = client.get("/v2/workflows/deploy/versions/2/diff/1").get_json()
    assert back["summary"] == {"added": 0, "removed": 2, "changed": 1}


def test_workbook_and_its_members_keep_versions(client: Any) -> None:
    assert post_yaml(client, WB1, url="/v2/workbooks").status_code == 201
    assert _put(client, WB2, url="/v2/workbooks").status_code == 200
    wb = client.get("/v2/workbooks/tools/versions").get_json()["versions"]
    assert [v["version"] for v in wb] == [2, 1]
    wf = client.get("/v2/workflows/tools.use/versions").get_json()["versions"]
    assert [v["version"] for v in wf] == [2, 1]
    action = client.get("/v2/actions/tools.shout/versions").get_json()["versions"]
    assert [v["version"] for v in action] == [1]  # its text did not change
    diff = client.get("/v2/workbooks/tools/versions/1/diff/2").get_json()
    assert [c["path"] for c in diff["changes"]] == ["workflows.use.tasks.t.action"]


def test_ad_hoc_action_versions(client: Any) -> None:
    assert post_yaml(client, ACTION1, url="/v2/actions").status_code == 201
    assert _put(client, ACTION2, url="/v2/actions").status_code == 200
    listed = client.get("/v2/actions/greet_action/versions").get_json()["versions"]
    assert [v["version"] for v in listed] == [2, 1]
    assert client.get("/v2/actions/greet_action/versions/1").get_json()["definition"] == ACTION1
    diff = client.get("/v2/actions/greet_action/versions/1/diff/2").get_json()
    assert diff["changes"] == [
        {
            "path": "greet_action.base-input.output",
            "change": "changed",
            "old": "hello",
            "new": "bonjour",
        }
    ]
    # /v2/actions/<name>/<namespace> still answers
    assert client.get("/v2/actions/greet_action/").status_code == 200


def test_an_execution_shows_and_can_choose_its_version(client: Any, deploy: dict[str, Any]) -> None:
    current = start(client, "deploy", {"target": "a"}).get_json()
    assert current["workflow_version"] == 2
    old = start(client, "deploy", {"target": "a"}, workflow_version=1).get_json()
    assert old["workflow_version"] == 1
    got = client.get(f"/v2/executions/{old['id']}").get_json()
    assert got["workflow_version"] == 1
    by_params = start(
        client, "deploy", {"target": "a"}, params='{"workflow_version": 1}'
    ).get_json()
    assert by_params["workflow_version"] == 1
    listed = client.get("/v2/executions?workflow_version=1").get_json()["executions"]
    assert {e["id"] for e in listed} == {old["id"], by_params["id"]}
    assert "has no version 7" in fault(
        start(client, "deploy", {"target": "a"}, workflow_version=7), 400
    )
    assert "workflow_version" in fault(
        start(client, "deploy", {"target": "a"}, workflow_version="x"), 400
    )


def test_another_project_cannot_see_the_versions(make_services: Callable[..., Any]) -> None:
    from wfq.api.app import create_app

    client = create_app(
        make_services(auth_tokens={"tok-a": "proj-a", "tok-b": "proj-b"})
    ).test_client()
    a, b = {"Authorization": "Bearer tok-a"}, {"Authorization": "Bearer tok-b"}
    wf = post_yaml(client, V1, headers=a).get_json()["workflows"][0]
    assert _put(client, V2, headers=a).status_code == 200
    assert client.get(f"/v2/workflows/{wf['id']}/versions", headers=a).status_code == 200
    for url in ("versions", "versions/1", "versions/1/diff/2"):
        fault(client.get(f"/v2/workflows/{wf['id']}/{url}", headers=b), 404)
        fault(client.get(f"/v2/workflows/deploy/{url}", headers=b), 404)
    body = {"workflow_id": wf["id"], "input": '{"target": "x"}', "workflow_version": 1}
    fault(client.post("/v2/executions", json=body, headers=b), 404)


def test_version_numbers_that_cannot_exist(client: Any, deploy: dict[str, Any]) -> None:
    for bad in ("0", "x", "99999999999999999999", "³", "٣"):  # digits that int() refuses or reads
        fault(client.get(f"/v2/workflows/deploy/versions/{bad}"), 404)
        fault(client.get(f"/v2/workflows/deploy/versions/1/diff/{bad}"), 404)
    for bad in (0, -1, 2**40, True, 1.5, "2x", "³"):
        assert "Invalid workflow_version" in fault(
            start(client, "deploy", {"target": "a"}, workflow_version=bad), 400
        )
