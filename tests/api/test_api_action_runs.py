"""POST `/v2/action_executions` (running an action outside a workflow, Mistral's `run_sync` and
`save_result` rules) and PUT on such an action execution."""

from __future__ import annotations

import json
from typing import Any

from api_helpers import fault, post_yaml

ADHOC = """\
version: '2.0'
concat:
  base: std.echo
  base-input:
    output: "<% $.a %>-<% $.b %>"
  input: [a, b]
shout:
  base: concat
  input: [word]
  base-input:
    a: <% $.word %>
    b: "!"
  output: <% $.toUpper() %>
"""


def _run(client: Any, name: str, wf_input: Any = None, **params: Any) -> Any:
    body: dict[str, Any] = {"name": name}
    if wf_input is not None:
        body["input"] = json.dumps(wf_input)
    if params:
        body["params"] = json.dumps(params)
    return client.post("/v2/action_executions", json=body)


def test_sync_run_is_not_stored(client: Any) -> None:
    r = _run(client, "std.echo", {"output": "direct"})
    assert r.status_code == 201, r.get_json()
    ax = r.get_json()
    assert ax["state"] == "SUCCESS"
    assert ax["output"] == '{"result": "direct"}'
    assert ax["input"] == '{"output": "direct"}'
    assert ax["id"] is None
    assert client.get("/v2/action_executions").get_json() == {"action_executions": []}


def test_run_sync_and_save_result_stores_it(client: Any) -> None:
    ax = _run(client, "std.echo", {"output": [1, 2]}, run_sync=True, save_result=True).get_json()
    assert ax["state"] == "SUCCESS" and ax["id"]
    got = client.get(f"/v2/action_executions/{ax['id']}").get_json()
    assert got["output"] == '{"result": [1, 2]}'
    assert got["task_execution_id"] is None and got["workflow_name"] is None


def test_adhoc_chain_resolves_base_input_and_output(client: Any) -> None:
    post_yaml(client, ADHOC, url="/v2/actions")
    assert _run(client, "concat", {"a": 1, "b": 2}).get_json()["output"] == '{"result": "1-2"}'
    assert _run(client, "shout", {"word": "hi"}).get_json()["output"] == '{"result": "HI-!"}'


def test_failing_action_answers_error(client: Any) -> None:
    ax = _run(client, "std.fail").get_json()
    assert ax["state"] == "ERROR"
    assert "Fail action expected exception." in json.loads(ax["output"])["result"]
    data = _run(client, "std.fail", {"error_data": {"code": 7}}).get_json()
    assert json.loads(data["output"]) == {"result": {"code": 7}}


def test_save_result_without_run_sync_goes_to_a_worker(client: Any, dispatcher: Any) -> None:
    ax = _run(client, "std.echo", {"output": "later"}, save_result=True, target="edge").get_json()
    assert ax["state"] == "RUNNING" and ax["id"]
    assert dispatcher.sent == [(ax["id"], "edge")]


def test_async_action_stays_running_until_put(client: Any, dispatcher: Any) -> None:
    ax = _run(client, "std.async_noop").get_json()
    assert ax["state"] == "RUNNING"
    assert dispatcher.sent == [(ax["id"], None)]
    url = f"/v2/action_executions/{ax['id']}"
    assert client.put(url, json={"state": "PAUSED"}).get_json()["state"] == "PAUSED"
    assert client.put(url, json={"state": "RUNNING"}).get_json()["state"] == "RUNNING"
    r = client.put(url, json={"state": "ERROR"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["state"] == "ERROR"
    assert r.get_json()["output"] == '{"result": "Unknown error"}'


def test_cancel_an_action_outside_a_workflow(client: Any) -> None:
    ax = _run(client, "std.async_noop").get_json()
    r = client.put(f"/v2/action_executions/{ax['id']}", json={"state": "CANCELLED"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["state"] == "CANCELLED"


def test_pausing_a_sync_action_is_400(client: Any) -> None:
    ax = _run(client, "std.echo", {"output": "x"}, save_result=True).get_json()
    msg = fault(client.put(f"/v2/action_executions/{ax['id']}", json={"state": "PAUSED"}), 400)
    assert msg == (
        "Transition to the PAUSED state is only supported for asynchronous action execution."
    )
    bad = fault(client.put(f"/v2/action_executions/{ax['id']}", json={"state": "SKIPPED"}), 400)
    assert bad == (
        "Error. Expected one of ['SUCCESS', 'ERROR', 'CANCELLED', 'PAUSED', 'RUNNING'], "
        "actual: SKIPPED"
    )


def test_run_errors_are_400(client: Any) -> None:
    assert fault(_run(client, "nope"), 400) == "Failed to find action [action_name=nope]"
    assert fault(_run(client, "std.echo"), 400) == (
        "Invalid input [name=std.echo, class=mistral.actions.std_actions.EchoAction, "
        "missing=['output']]"
    )
    assert "unexpected=['bogus']" in fault(_run(client, "std.noop", {"bogus": 1}), 400)
    assert fault(_run(client, "std.async_noop", run_sync=True), 400) == (
        "Action does not support synchronous execution."
    )
    post = client.post
    assert "action name" in fault(post("/v2/action_executions", json={"input": "{}"}), 400)
    bad_input = {"name": "std.noop", "input": "{not json"}
    assert "Expecting property name" in fault(post("/v2/action_executions", json=bad_input), 400)
    bad_params = {"name": "std.noop", "params": '{"run_sync": "maybe"}'}
    assert "run_sync" in fault(post("/v2/action_executions", json=bad_params), 400)
    fault(post("/v2/action_executions", data="{", content_type="application/json"), 400)
