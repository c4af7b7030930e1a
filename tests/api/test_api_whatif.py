"""What-if through the API: lint warnings in POST /v2/workflows/validate, dry runs (POST
/v2/executions with params.dry_run), and rerun/skip previews (PUT /v2/tasks/<id> with preview)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from test_api_insight import PARENT, SHOUT, _create, _run, _tasks
from wfq_testing import inline_services

from wfq.api.app import create_app


@pytest.fixture
def svc(sqlite_url: str) -> Any:
    s = inline_services(sqlite_url)
    yield s
    s.db.dispose()


@pytest.fixture
def client(svc: Any) -> Any:
    return create_app(svc).test_client()


def _warnings(client: Any, text: str) -> list[str]:
    r = client.post("/v2/workflows/validate", data=text, content_type="text/plain")
    assert r.status_code == 200
    body = r.get_json()
    assert body["valid"] is True and body["error"] is None, body
    return [f"{w['path']}: {w['message']}" for w in body["warnings"]]


# --- lint ----------------------------------------------------------------------------------

LINTED = """
version: '2.0'
linted:
  input: [n]
  output: {r: <% $.res %>, z: <% $.zzz %>}
  tasks:
    start:
      action: std.echo output=done
      on-success: [left, right]
    left:
      action: std.echo output="<% $.n %>"
      publish: {res: <% task().result %>}
      on-success: [j]
    right:
      action: std.echo output="<% $.res %> <% frobnicate($.n) %>"
      on-success: [j]
    j:
      join: all
      action: std.noop
    orphan:
      action: std.noop
      on-success: [orphan]
    check:
      action: std.noop
      on-success: [ok]
      on-error: [ko]
    ok:
      action: std.noop
      on-success: [j2]
    ko:
      action: std.noop
      on-success: [j2]
    j2:
      join: all
      action: std.noop
"""


def test_lint_warns_of_each_kind_and_stays_valid(client: Any) -> None:
    found = _warnings(client, LINTED)
    assert sorted(found) == sorted(
        [
            "linted.tasks.right: Unknown function 'frobnicate': no YAQL or Jinja function has this name.",
            "linted.tasks.start.action: Inline parameter 'output=done' is dropped silently (Mistral ignores "
            'unquoted values): write output="done" or move it under input.',
            "linted.tasks.orphan: Task 'orphan' can never run: no transition from a start task leads to it.",
            "linted.tasks.j2.join: join of 'j2' can never be released: 'ok' and 'ko' are the on-success and "
            "on-error branches of 'check', so they never both run.",
            "linted.tasks.right: '$.res' may not exist here: it is published only by ['left'], not upstream "
            "of this task (another parallel branch?) and not declared as input.",
            "linted.output: '$.zzz' is not a workflow input, a var, nor published by any task.",
        ]
    )


def test_lint_is_quiet_about_with_items_variables_subworkflows_and_upstream_publishes(
    client: Any,
) -> None:
    assert _warnings(client, PARENT) == []


def test_lint_join_n_with_too_few_runnable_branches_and_invalid_stays_mistral(client: Any) -> None:
    text = """
version: '2.0'
joins:
  tasks:
    a:
      action: std.noop
      on-success: [j]
    b:
      action: std.noop
      on-success: [b, j]
      on-error: [b]
    j:
      join: 2
      action: std.noop
"""
    found = _warnings(client, text)  # b only follows itself: it never runs
    assert any(
        "join of 'j' can never be released: it needs 2, but ['b'] can never run." in f
        for f in found
    )
    r = client.post(
        "/v2/workflows/validate",
        data="version: '2.0'\nbad: {tasks: {t: {action: 1}}}",
        content_type="text/plain",
    )
    assert r.get_json()["valid"] is False and r.get_json()["warnings"] == []


# --- dry run -------------------------------------------------------------------------------


def _dry(client: Any, name: str, wf_input: dict[str, Any], **params: Any) -> dict[str, Any]:
    body = {
        "workflow_name": name,
        "input": json.dumps(wf_input),
        "params": json.dumps({"dry_run": True, **params}),
    }
    r = client.post("/v2/executions", json=body)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def test_dry_run_with_items_subworkflow_and_error_path_stores_nothing(
    client: Any, svc: Any
) -> None:
    _create(client, PARENT)
    answer = _dry(
        client,
        "parent",
        {"names": ["ann", "bob"]},
        mocks={"actions": {"corp.shout": {"error": "<% $.text %> is mute"}}},
    )
    assert answer["id"].startswith("dry-run-")
    assert answer["state"] == "SUCCESS"
    report = answer["dry_run"]
    assert (
        json.loads(answer["output"])
        == report["output"]
        == {
            "greetings": ["hi ann", "hi bob"],
            "child": {"shout": "ann is mute recovered"},
        }
    )
    assert report["path"] == ["greet", "call_child"]
    greet, call = report["tasks"]
    assert [a["mocked_by"] for a in greet["actions"]] == ["emulated", "emulated"]
    child = call["subworkflows"][0]
    assert child["path"] == ["shout", "recover"]
    assert child["tasks"][0]["actions"][0]["mocked_by"] == "action:corp.shout"
    assert {(t["from"], t["on"], t["to"]): t["taken"] for t in child["transitions"]} == {
        ("shout", "on-error", "recover"): True
    }
    assert client.get("/v2/executions").get_json()["executions"] == []
    assert client.get("/v2/tasks").get_json()["tasks"] == []
    assert svc.dispatcher.queue == []


def test_dry_run_error_outcome_and_uncovered_transitions(client: Any) -> None:
    _create(client, PARENT)
    answer = _dry(
        client, "parent", {"names": ["ann"]}, mocks={"tasks": {"greet": {"error": "no echo today"}}}
    )
    report = answer["dry_run"]
    assert answer["state"] == "ERROR"
    assert "greet" in report["state_info"] and "no echo today" in report["state_info"]
    assert report["path"] == ["greet"]
    assert report["transitions"] == [
        {
            "from": "greet",
            "on": "on-success",
            "to": "call_child",
            "condition": None,
            "taken": False,
        },
    ]


def test_dry_run_replays_a_past_execution(client: Any, svc: Any) -> None:
    _create(client, PARENT)
    r = client.post("/v2/actions", data=SHOUT, content_type="text/plain")
    assert r.status_code == 201
    past = _run(client, svc, "parent", {"names": ["cy", "di"]})
    assert past["state"] == "SUCCESS", past["state_info"]
    answer = _dry(client, "parent", {"names": ["x", "y"]}, replay=past["id"])
    report = answer["dry_run"]
    # Every action result comes back from the past run (greet's echoes, the child's shout and
    # recover), not from this input.
    assert report["output"] == {"greetings": ["hi cy", "hi di"], "child": {"shout": "cy recovered"}}
    assert report["tasks"][1]["subworkflows"][0]["input"] == {"who": "x"}
    assert {a["mocked_by"] for a in report["tasks"][0]["actions"]} == {"task:greet"}


def test_dry_run_bad_mocks_and_unknown_workflow(client: Any) -> None:
    _create(client, PARENT)
    for mocks in ({"tasks": {"greet": {"value": 1}}}, {"steps": {}}, {"tasks": {"greet": []}}):
        body = {
            "workflow_name": "parent",
            "input": json.dumps({"names": []}),
            "params": json.dumps({"dry_run": True, "mocks": mocks}),
        }
        r = client.post("/v2/executions", json=body)
        assert r.status_code == 400, mocks
    r = client.post(
        "/v2/executions", json={"workflow_name": "nope", "params": json.dumps({"dry_run": True})}
    )
    assert r.status_code == 404
    r = client.post(
        "/v2/executions", json={"workflow_name": "parent", "params": json.dumps({"dry_run": True})}
    )
    assert r.status_code == 400 and "missing=['names']" in r.get_json()["faultstring"]


INVERSE = """
version: '2.0'
corp.inverse:
  base: std.echo
  base-input: {output: <% $.x + 1 %>}
  input: [x]
  output: <% 60 / (30 - $) %>
"""

MANY = """
version: '2.0'
many:
  input: [n]
  output: {results: <% $.results %>}
  tasks:
    each:
      with-items: x in <% range($.n) %>
      action: corp.inverse x=<% $.x %>
      publish: {results: <% task().result %>}
"""


@pytest.mark.parametrize("concurrency", [None, 4, 20])
@pytest.mark.parametrize("n", [29, 40])  # 40: item 29 fails (its output divides by zero)
def test_dry_run_of_a_with_items_over_many_items_ends_as_a_real_run(
    client: Any, svc: Any, concurrency: int | None, n: int
) -> None:
    text = (
        MANY
        if concurrency is None
        else MANY.replace(
            "      action: corp.inverse",
            f"      concurrency: {concurrency}\n      action: corp.inverse",
        )
    )
    _create(client, text)
    assert client.post("/v2/actions", data=INVERSE, content_type="text/plain").status_code == 201
    real = _run(client, svc, "many", {"n": n})
    real_each = client.get(f"/v2/tasks/{_tasks(client, real['id'])['each']['id']}").get_json()
    answer = _dry(client, "many", {"n": n})
    report = answer["dry_run"]
    (each,) = report["tasks"]
    expected = "SUCCESS" if n == 29 else "ERROR"
    assert (real["state"], real_each["state"]) == (expected, expected), real["state_info"]
    assert (answer["state"], each["state"]) == (expected, expected), report["notes"]
    assert report["notes"] == []
    assert each["state_info"] == real_each["state_info"]
    assert each["result"] == json.loads(real_each["result"])
    assert each["result"][26:29] == [20, 30, 60]  # in item order
    assert [a["item_index"] for a in each["actions"]] == list(range(n))
    if n == 29:
        assert (
            json.loads(answer["output"])
            == json.loads(real["output"])
            == {"results": each["result"]}
        )
    else:
        assert "division" in each["result"][29]
        assert _without_ids(report["state_info"]) == _without_ids(real["state_info"])
    assert svc.dispatcher.queue == []


def _without_ids(text: str) -> str:
    return re.sub(r"(ex_id=)[^,\]]+", r"\1ID", text)


# --- rerun preview -------------------------------------------------------------------------

ITEMS = """
version: '2.0'
items:
  input: [n]
  tasks:
    each:
      with-items: i in <% range($.n) %>
      action: std.fail
      input: {error_data: <% $.i %>}
      on-success: [after]
    after:
      action: std.echo output=<% $.n %>
"""


def test_rerun_preview_lists_the_items_that_would_run_and_changes_nothing(
    client: Any, svc: Any
) -> None:
    _create(client, ITEMS)
    ex = _run(client, svc, "items", {"n": 2})
    each = _tasks(client, ex["id"])["each"]
    r = client.put(
        f"/v2/tasks/{each['id']}", json={"state": "RUNNING", "reset": True, "preview": True}
    )
    assert r.status_code == 200, r.get_json()
    answer = r.get_json()
    assert answer["operation"] == "rerun" and answer["execution_state_after"] == "RUNNING"
    (task,) = answer["tasks"]
    assert (
        task["task"] == "each" and task["state_now"] == "ERROR" and task["state_after"] == "RUNNING"
    )
    assert [a["input"] for a in task["actions"]] == [{"error_data": 0}, {"error_data": 1}]
    assert client.get(f"/v2/executions/{ex['id']}").get_json()["state"] == "ERROR"
    assert _tasks(client, ex["id"])["each"]["state"] == "ERROR"
    assert svc.dispatcher.queue == []


def test_rerun_preview_of_failed_items_names_those_that_wait_for_a_lane(
    client: Any, svc: Any
) -> None:
    # Every item fails; with one lane, a rerun of only the failed items sends item 0 now and
    # items 1 and 2 as the lane frees: they have no action execution yet, `items_later` names them.
    _create(
        client,
        ITEMS.replace("      action: std.fail\n", "      concurrency: 1\n      action: std.fail\n"),
    )
    ex = _run(client, svc, "items", {"n": 3})
    each = _tasks(client, ex["id"])["each"]
    assert each["state"] == "ERROR", each
    r = client.put(
        f"/v2/tasks/{each['id']}", json={"state": "RUNNING", "reset": False, "preview": True}
    )
    assert r.status_code == 200, r.get_json()
    (task,) = r.get_json()["tasks"]
    assert [(a["item_index"], a["sent_now"]) for a in task["actions"]] == [(0, True)]
    assert task["items_later"] == [1, 2]


def test_skip_preview_shows_the_next_task_and_its_input(client: Any, svc: Any) -> None:
    _create(client, ITEMS)
    ex = _run(client, svc, "items", {"n": 3})
    each = _tasks(client, ex["id"])["each"]
    answer = client.put(
        f"/v2/tasks/{each['id']}", json={"state": "SKIPPED", "preview": True}
    ).get_json()
    assert [(t["task"], t["state_after"]) for t in answer["tasks"]] == [
        ("each", "SKIPPED"),
        ("after", "RUNNING"),
    ]
    assert answer["tasks"][1]["task_execution_id"] is None
    assert answer["tasks"][1]["actions"] == [
        {"action": "std.echo", "input": {"output": 3}, "item_index": 0, "sent_now": True}
    ]
    assert set(_tasks(client, ex["id"])) == {"each"}


def test_preview_refuses_what_the_rerun_refuses(client: Any, svc: Any) -> None:
    _create(client, ITEMS)
    ex = _run(client, svc, "items", {"n": 0})
    each = _tasks(client, ex["id"])["each"]
    assert each["state"] == "SUCCESS"
    r = client.put(
        f"/v2/tasks/{each['id']}", json={"state": "RUNNING", "reset": True, "preview": True}
    )
    assert r.status_code == 400
    assert r.get_json()["faultstring"] == "Rerunning succeeded tasks is not supported."
    r = client.put(
        f"/v2/tasks/{each['id']}", json={"state": "RUNNING", "reset": True, "preview": "maybe"}
    )
    assert r.status_code == 400
