"""Definition versions on real workers (PostgreSQL, Redis, a Celery worker): an execution keeps
the version it started on while the workflow changes under it, runs an explicit version, and
survives the delete of its workflow or workbook; versions of the three kinds are listed, shown
and diffed; another project sees none of them."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from wfq_testing import until

pytestmark = pytest.mark.integration


def _doc(name: str, later_output: str, *, wait: int, extra: bool = False) -> str:
    more = "      on-success: [extra]\n    extra:\n      action: std.noop\n" if extra else ""
    return f"""---
version: '2.0'
{name}:
  output:
    said: <% $.said %>
  tasks:
    first:
      action: std.echo output="begin"
      on-success: [later]
    later:
      action: std.echo output="{later_output}"
      wait-before: {wait}
      publish:
        said: <% task().result %>
{more}"""


def _put(api: Any, text: str, url: str = "/v2/workflows") -> dict[str, Any]:
    r = api.c.put(url, data=text, content_type="text/plain")
    assert r.status_code == 200, r.get_json()
    return dict(r.get_json())


def _start(api: Any, workflow: str, **body: Any) -> Any:
    return api.c.post("/v2/executions", json={"workflow_name": workflow, "input": "{}", **body})


def test_an_execution_waiting_on_a_timer_finishes_on_its_old_version(api: Any) -> None:
    name = f"deploy_{uuid.uuid4().hex[:6]}"
    api.create_workflow(_doc(name, "v1", wait=3))
    old = api.start(name)
    assert old["workflow_version"] == 1
    until(
        lambda: "later" in api.tasks(old["id"]),
        "the wait-before timer of the old execution",
        30,
        0.05,
    )
    _put(api, _doc(name, "v2", wait=0, extra=True))
    new = api.start(name)
    assert new["workflow_version"] == 2
    done_new = api.wait(new["id"])
    assert api.execution(old["id"])["state"] == "RUNNING"  # still waiting on its timer
    done_old = api.wait(old["id"])
    assert done_old["state"] == "SUCCESS", done_old["state_info"]
    assert json.loads(done_old["output"]) == {"said": "v1"}
    assert set(api.tasks(old["id"])) == {"first", "later"}
    assert done_old["workflow_version"] == 1
    assert done_new["state"] == "SUCCESS", done_new["state_info"]
    assert json.loads(done_new["output"]) == {"said": "v2"}
    assert set(api.tasks(new["id"])) == {"first", "later", "extra"}


def test_an_execution_starts_on_an_explicit_version(api: Any) -> None:
    name = f"pick_{uuid.uuid4().hex[:6]}"
    api.create_workflow(_doc(name, "v1", wait=0))
    _put(api, _doc(name, "v2", wait=0))
    _put(api, _doc(name, "v3", wait=0))
    r = _start(api, name, workflow_version=1)
    assert r.status_code == 201, r.get_json()
    by_params = _start(api, name, params=json.dumps({"workflow_version": 2}))
    assert by_params.status_code == 201, by_params.get_json()
    first, second = api.wait(r.get_json()["id"]), api.wait(by_params.get_json()["id"])
    assert (first["workflow_version"], json.loads(first["output"])) == (1, {"said": "v1"})
    assert (second["workflow_version"], json.loads(second["output"])) == (2, {"said": "v2"})
    unknown = _start(api, name, workflow_version=4)
    assert unknown.status_code == 400
    assert f"Workflow {name} has no version 4" in unknown.get_json()["faultstring"]


def test_deleting_a_workflow_keeps_its_running_execution_going(api: Any) -> None:
    name = f"doomed_{uuid.uuid4().hex[:6]}"
    api.create_workflow(_doc(name, "still here", wait=2))
    ex = api.start(name)
    until(lambda: "later" in api.tasks(ex["id"]), "the task later", 30, 0.05)
    assert api.c.delete(f"/v2/workflows/{name}").status_code == 204
    assert api.c.get(f"/v2/workflows/{name}/versions").status_code == 404
    assert _start(api, name).status_code == 404
    done = api.wait(ex["id"])
    assert done["state"] == "SUCCESS", done["state_info"]
    assert json.loads(done["output"]) == {"said": "still here"}
    assert done["workflow_version"] == 1


def _workbook(name: str, word: str) -> str:
    return f"""---
version: '2.0'
name: {name}
actions:
  shout:
    base: std.echo
    base-input:
      output: <% $.text + "!" %>
    input: [text]
workflows:
  main:
    output:
      loud: <% $.loud %>
      child: <% $.child %>
    tasks:
      pause:
        action: std.noop
        wait-before: 2
        on-success: [call]
      call:
        action: shout text="{word}"
        publish:
          loud: <% task().result %>
        on-success: [sub]
      sub:
        workflow: child
        publish:
          child: <% task().result.said %>
  child:
    output:
      said: <% $.said %>
    tasks:
      t:
        action: shout text="child"
        publish:
          said: <% task().result %>
"""


def test_deleting_a_workbook_keeps_the_actions_and_subworkflows_a_running_execution_needs(
    api: Any,
) -> None:
    wb = f"wb_{uuid.uuid4().hex[:6]}"
    r = api.c.post("/v2/workbooks", data=_workbook(wb, "hey"), content_type="text/plain")
    assert r.status_code == 201, r.get_json()
    ex = api.start(f"{wb}.main")
    until(lambda: "pause" in api.tasks(ex["id"]), "the task pause", 30, 0.05)
    assert api.c.delete(f"/v2/workbooks/{wb}").status_code == 204
    assert api.c.get(f"/v2/actions/{wb}.shout").status_code == 404
    done = api.wait(ex["id"])
    assert done["state"] == "SUCCESS", done["state_info"]
    assert json.loads(done["output"]) == {"loud": "hey!", "child": "child!"}


def test_versions_of_workflows_workbooks_and_actions_are_listed_shown_and_diffed(api: Any) -> None:
    wb = f"lib_{uuid.uuid4().hex[:6]}"
    assert (
        api.c.post(
            "/v2/workbooks", data=_workbook(wb, "one"), content_type="text/plain"
        ).status_code
        == 201
    )
    _put(api, _workbook(wb, "two").replace('+ "!"', '+ "?"'), "/v2/workbooks")
    for url, versions in (
        (f"/v2/workbooks/{wb}", [2, 1]),
        (f"/v2/workflows/{wb}.main", [2, 1]),
        (f"/v2/workflows/{wb}.child", [1]),  # its text did not change
        (f"/v2/actions/{wb}.shout", [2, 1]),
    ):
        listed = api.c.get(f"{url}/versions").get_json()["versions"]
        assert [v["version"] for v in listed] == versions, url
        assert listed[0]["current"] and len({v["checksum"] for v in listed}) == len(versions)
        assert all(v["created_at"] and v["project_id"] for v in listed)
    assert 'text="one"' in api.c.get(f"/v2/workflows/{wb}.main/versions/1").get_json()["definition"]
    diff = api.c.get(f"/v2/workbooks/{wb}/versions/1/diff/2").get_json()
    assert {c["path"] for c in diff["changes"]} == {
        "actions.shout.base-input.output",
        "workflows.main.tasks.call.action",
    }
    assert (
        '-        action: shout text="one"\n+        action: shout text="two"\n'
        in diff["unified_diff"]
    )
    action_diff = api.c.get(f"/v2/actions/{wb}.shout/versions/1/diff/2").get_json()
    assert action_diff["changes"][0]["old"] == '<% $.text + "!" %>'
    assert action_diff["changes"][0]["new"] == '<% $.text + "?" %>'


def test_another_project_sees_no_versions(integration_settings: Any) -> None:
    from wfq.api.app import create_app
    from wfq.cli.bootstrap import build

    proc = build(
        integration_settings.replace(auth_tokens={"tok-a": "ver-a", "tok-b": "ver-b"}),
        migrate=False,
        embedded_worker=False,
    )
    try:
        c = create_app(proc.services).test_client()
        a, b = {"Authorization": "Bearer tok-a"}, {"Authorization": "Bearer tok-b"}
        name = f"secret_{uuid.uuid4().hex[:6]}"
        wf = c.post(
            "/v2/workflows", data=_doc(name, "1", wait=0), content_type="text/plain", headers=a
        )
        wf_id = wf.get_json()["workflows"][0]["id"]
        c.put("/v2/workflows", data=_doc(name, "2", wait=0), content_type="text/plain", headers=a)
        assert len(c.get(f"/v2/workflows/{wf_id}/versions", headers=a).get_json()["versions"]) == 2
        for tail in ("versions", "versions/1", "versions/1/diff/2"):
            for ident in (wf_id, name):
                assert c.get(f"/v2/workflows/{ident}/{tail}", headers=b).status_code == 404
        body = {"workflow_id": wf_id, "input": "{}", "workflow_version": 1}
        assert c.post("/v2/executions", json=body, headers=b).status_code == 404
    finally:
        proc.close()


def _child(name: str, word: str) -> str:
    return f"""---
version: '2.0'
{name}:
  output:
    said: {word}
  tasks:
    t:
      action: std.noop
"""


def test_a_subworkflow_task_runs_the_current_version_of_its_child_or_the_one_it_names(
    api: Any,
) -> None:
    child = f"child_{uuid.uuid4().hex[:6]}"
    api.create_workflow(_child(child, "one"))
    _put(api, _child(child, "two"))
    parent = api.run(f"""---
version: '2.0'
parent_{uuid.uuid4().hex[:6]}:
  output:
    current: <% $.current %>
    pinned: <% $.pinned %>
  tasks:
    current:
      workflow: {child}
      publish:
        current: <% task().result.said %>
    pinned:
      workflow: {child} workflow_version=1
      publish:
        pinned: <% task().result.said %>
""")
    assert parent["state"] == "SUCCESS", parent["state_info"]
    assert json.loads(parent["output"]) == {"current": "two", "pinned": "one"}
    children = api.c.get(f"/v2/executions?root_execution_id={parent['id']}").get_json()[
        "executions"
    ]
    assert sorted(c["workflow_version"] for c in children) == [1, 2]


def test_concurrent_updates_number_their_versions_one_after_the_other(
    services: Any, api: Any
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from wfq.api.app import create_app

    name = f"busy_{uuid.uuid4().hex[:6]}"
    api.create_workflow(_doc(name, "v0", wait=0))
    app = create_app(services)

    def update(i: int) -> int:
        r = app.test_client().put(
            "/v2/workflows", data=_doc(name, f"v{i}", wait=0), content_type="text/plain"
        )
        return int(r.status_code)

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(update, range(1, 9))) == [200] * 8
    listed = api.c.get(f"/v2/workflows/{name}/versions").get_json()["versions"]
    assert [v["version"] for v in listed] == list(range(9, 0, -1))
    assert len({v["checksum"] for v in listed}) == 9
    assert listed[0]["checksum"] == api.c.get(f"/v2/workflows/{name}").get_json()["checksum"]
