"""Explain, evaluate, lint warnings, dry runs and rerun previews through the API, on SQLite
Services whose work runs inline (drained by the test)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from wfq_testing import inline_services

from wfq.api.app import create_app

PARENT = """
version: '2.0'
parent:
  input: [names]
  output: {greetings: <% $.greetings %>, child: <% $.child %>}
  tasks:
    greet:
      with-items: n in <% $.names %>
      action: std.echo output="hi <% $.n %>"
      publish: {greetings: <% task().result %>}
      on-success: [call_child]
    call_child:
      workflow: child
      input:
        who: <% $.names[0] %>
      publish: {child: <% task().result %>}
child:
  input: [who]
  output: {shout: <% $.shout %>}
  tasks:
    shout:
      action: corp.shout text=<% $.who %>
      publish: {shout: <% task().result %>}
      on-error: [recover]
    recover:
      action: std.echo output="<% task(shout).result %> recovered"
      publish: {shout: <% task().result %>}
"""

SHOUT = """
version: '2.0'
corp.shout:
  base: std.fail
  base-input: {error_data: <% $.text %>}
  input: [text]
"""

FAILING = """
version: '2.0'
failing:
  input: [n]
  tasks:
    count:
      action: std.echo output=<% $.n %>
      publish: {doubled: <% task().result * 2 %>}
      on-success: [boom]
    boom:
      action: std.fail error_data="<% $.doubled %> is too many"
      on-success: [never]
    never:
      action: std.noop
"""


@pytest.fixture
def svc(sqlite_url: str) -> Any:
    s = inline_services(sqlite_url)
    yield s
    s.db.dispose()


@pytest.fixture
def client(svc: Any) -> Any:
    return create_app(svc).test_client()


def _create(client: Any, text: str) -> None:
    r = client.post("/v2/workflows", data=text, content_type="text/plain")
    assert r.status_code == 201, r.get_json()


def _run(client: Any, svc: Any, name: str, wf_input: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/v2/executions", json={"workflow_name": name, "input": json.dumps(wf_input)})
    assert r.status_code == 201, r.get_json()
    svc.dispatcher.drain()
    return client.get(f"/v2/executions/{r.get_json()['id']}").get_json()


def _tasks(client: Any, ex_id: str) -> dict[str, dict[str, Any]]:
    return {
        t["name"]: t
        for t in client.get(f"/v2/tasks?workflow_execution_id={ex_id}").get_json()["tasks"]
    }


def _evaluate(client: Any, task_id: str, expression: str, **extra: Any) -> dict[str, Any]:
    r = client.post(f"/v2/tasks/{task_id}/evaluate", json={"expression": expression, **extra})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


# --- explain -------------------------------------------------------------------------------


def test_explain_a_finished_execution_says_which_upstream_failed(client: Any, svc: Any) -> None:
    _create(client, FAILING)
    ex = _run(client, svc, "failing", {"n": 2})
    assert ex["state"] == "ERROR"
    answer = client.get(f"/v2/executions/{ex['id']}/explain").get_json()
    assert answer["state"] == "ERROR"
    assert [r["task"] for r in answer["tasks"]] == ["never"]
    never = answer["tasks"][0]
    assert never["waiting_on"] == "never-ran"
    assert "boom ended ERROR: 4 is too many, so its on-success was not taken" in never["message"]
    assert answer["summary"] == "The execution ended ERROR; never ran: never."


def test_explain_a_task_and_the_404s(client: Any, svc: Any) -> None:
    _create(client, FAILING)
    ex = _run(client, svc, "failing", {"n": 2})
    boom = _tasks(client, ex["id"])["boom"]
    answer = client.get(f"/v2/tasks/{boom['id']}/explain").get_json()
    assert answer["task"] == "boom" and answer["waiting_on"] is None
    assert answer["message"] == "boom is ERROR: it waits for nothing."
    assert client.get("/v2/executions/nope/explain").status_code == 404
    assert client.get("/v2/tasks/nope/explain").status_code == 404


# --- evaluate ------------------------------------------------------------------------------


def test_evaluate_sees_the_inbound_context_task_and_its_result(client: Any, svc: Any) -> None:
    _create(client, FAILING)
    ex = _run(client, svc, "failing", {"n": 3})
    tasks = _tasks(client, ex["id"])
    count, boom = tasks["count"]["id"], tasks["boom"]["id"]
    assert _evaluate(client, count, "<% task().result + $.n %>")["value"] == 6
    assert _evaluate(client, count, "{{ task().name }}-{{ _.n }}")["value"] == "count-3"
    # boom's inbound context carries what count published; count's does not.
    assert _evaluate(client, boom, "<% $.doubled %>")["value"] == 6
    assert _evaluate(client, boom, "<% task().state_info %>")["value"] == "6 is too many"
    error = _evaluate(client, count, "<% $.doubled %>")
    assert "value" not in error
    assert (
        error["error"]
        == "Can not evaluate YAQL expression [expression=$.doubled, error=key 'doubled' not found]"
    )
    assert _evaluate(client, count, "<% $.doubled %>", context="outbound")["value"] == 6


def test_evaluate_in_a_with_items_task_and_in_a_subworkflow(client: Any, svc: Any) -> None:
    _create(client, PARENT)
    r = client.post("/v2/actions", data=SHOUT, content_type="text/plain")
    assert r.status_code == 201, r.get_json()
    ex = _run(client, svc, "parent", {"names": ["ann", "bob"]})
    assert ex["state"] == "SUCCESS", ex["state_info"]
    tasks = _tasks(client, ex["id"])
    assert _evaluate(client, tasks["greet"]["id"], "<% task().result.len() %>")["value"] == 2
    child_id = client.get(
        f"/v2/executions?task_execution_id={tasks['call_child']['id']}"
    ).get_json()["executions"][0]["id"]
    recover = _tasks(client, child_id)["recover"]
    assert (
        _evaluate(client, recover["id"], "<% $.who %>/<% task(shout).state %>")["value"]
        == "ann/ERROR"
    )
    assert _evaluate(client, tasks["call_child"]["id"], "<% task().result.shout %>")[
        "value"
    ].endswith("recovered")


def test_evaluate_refuses_a_request_without_expression(client: Any, svc: Any) -> None:
    _create(client, FAILING)
    ex = _run(client, svc, "failing", {"n": 1})
    count = _tasks(client, ex["id"])["count"]["id"]
    for body in ({}, {"expression": 1}, {"expression": "<% 1 %>", "context": "later"}):
        r = client.post(f"/v2/tasks/{count}/evaluate", json=body)
        assert r.status_code == 400, body
        assert r.get_json()["faultstring"]
    assert client.post("/v2/tasks/nope/evaluate", json={"expression": "<% 1 %>"}).status_code == 404


def test_evaluate_runs_under_the_engine_bounds(client: Any, svc: Any) -> None:
    _create(client, FAILING)
    ex = _run(client, svc, "failing", {"n": 1})
    count = _tasks(client, ex["id"])["count"]["id"]
    answer = _evaluate(client, count, "<% range(1000000000).sum() %>")
    assert "error" in answer and "value" not in answer


# --- explain: infrastructure facts (a probe standing in for the broker) --------------------


class _Probe:
    def __init__(self, depth: int | None, consumers: list[str] | None) -> None:
        self.depth, self.consumers = depth, consumers
        self.asked: list[str] = []

    def facts(self, queues: list[str]) -> dict[str, Any]:
        from wfq.dispatch.queue_probe import QueueFacts

        self.asked += queues
        return {q: QueueFacts(q, self.depth, self.consumers) for q in queues}


def _started(client: Any, svc: Any) -> tuple[str, Any]:
    from wfq.persistence.models import ActionExecution

    _create(
        client,
        "version: '2.0'\nlonely:\n  tasks:\n    t:\n      action: std.noop\n      target: edge\n",
    )
    r = client.post("/v2/executions", json={"workflow_name": "lonely"})
    ex_id = r.get_json()["id"]
    with svc.db.read() as session:
        action = session.query(ActionExecution).filter_by(workflow_execution_id=ex_id).one()
    return ex_id, action.id


@pytest.mark.parametrize(
    ("consumers", "said"),
    [
        ([], "no live worker consumes queue edge: start one with `wfq worker -Q edge`"),
        (None, "no worker answered: none may be alive"),
        (["w1@host"], "consumed by w1@host"),
    ],
)
def test_explain_an_unclaimed_action_with_what_the_broker_says(
    client: Any, svc: Any, consumers: list[str] | None, said: str
) -> None:
    from wfq.services import explain

    ex_id, _ = _started(client, svc)
    probe = _Probe(3, consumers)
    answer = explain.explain_execution(svc, ex_id, project_id="<default-project>", probe=probe)
    (reason,) = answer["tasks"]
    assert probe.asked == ["edge"]
    assert reason["waiting_on"] == "action-queued"
    assert reason["details"]["queue_depth"] == 3 and reason["details"]["consumers"] == consumers
    assert "3 message(s) waiting in edge" in reason["message"] and said in reason["message"]


def test_explain_a_claimed_action_whose_heartbeat_stopped(client: Any, svc: Any) -> None:
    import datetime as dt

    from wfq.persistence.models import ActionExecution
    from wfq.services import explain

    ex_id, action_id = _started(client, svc)
    with svc.db.write() as session:
        row = session.get(ActionExecution, action_id)
        row.worker, row.heartbeat_at = "host-a:42", svc.now() - dt.timedelta(seconds=300)
    answer = explain.explain_execution(
        svc, ex_id, project_id="<default-project>", probe=_Probe(0, [])
    )
    (reason,) = answer["tasks"]
    assert reason["waiting_on"] == "action-running"
    assert reason["details"]["worker"] == "host-a:42"
    assert reason["details"]["heartbeat_age_s"] >= 300
    assert "the worker looks lost" in reason["message"]
