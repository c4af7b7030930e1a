"""`/v2/event_triggers` (Mistral's CRUD rules) and `POST /v2/events`: an event starts one
execution per matching trigger, once per message id, with the event in `params.event_params`
as Mistral passes it; with authentication on only the event's own project's triggers fire."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from api_helpers import GREET, fault, post_yaml

from wfq.api.app import create_app

EVENT = "compute.instance.create.end"


def _trigger(client: Any, wf_id: str, headers: dict[str, str] | None = None, **extra: Any) -> Any:
    body = {
        "name": "on_create",
        "workflow_id": wf_id,
        "exchange": "nova",
        "topic": "notifications",
        "event": EVENT,
        "workflow_input": json.dumps({"name": "event"}),
        **extra,
    }
    return client.post("/v2/event_triggers", json=body, headers=headers or {})


def _event(message_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "exchange": "nova",
        "topic": "notifications",
        "event_type": EVENT,
        "publisher_id": "compute.host1",
        "message_id": message_id,
        "timestamp": "2026-12-07 01:02:03.456789",
        "payload": {"instance_id": "i-1"},
        "context": {"user_id": "u-1", "project_id": "p-1"},
        **extra,
    }


def test_crud(client: Any, greet: dict[str, Any]) -> None:
    created = _trigger(client, greet["id"], workflow_params=json.dumps({"env": {"k": 1}}))
    assert created.status_code == 201, created.get_json()
    trig = created.get_json()
    assert trig["exchange"] == "nova" and trig["event"] == EVENT and trig["scope"] == "private"
    assert json.loads(trig["workflow_input"]) == {"name": "event"}
    assert json.loads(trig["workflow_params"]) == {"env": {"k": 1}}
    assert client.get(f"/v2/event_triggers/{trig['id']}").get_json() == trig
    listed = client.get("/v2/event_triggers?topic=notifications").get_json()["event_triggers"]
    assert [t["id"] for t in listed] == [trig["id"]]
    assert "Duplicate entry" in fault(_trigger(client, greet["id"]), 409)
    renamed = client.put(f"/v2/event_triggers/{trig['id']}", json={"name": "renamed"})
    assert renamed.get_json()["name"] == "renamed"
    moved = client.put(f"/v2/event_triggers/{trig['id']}", json={"topic": "other"})
    assert "Can not update fields" in fault(moved, 400)
    assert client.delete(f"/v2/event_triggers/{trig['id']}").status_code == 204
    fault(client.get(f"/v2/event_triggers/{trig['id']}"), 404)


def test_bad_triggers(client: Any, greet: dict[str, Any]) -> None:
    assert "must be provided" in fault(_trigger(client, greet["id"], exchange=""), 400)
    assert "missing=['name']" in fault(_trigger(client, greet["id"], workflow_input="{}"), 400)
    fault(_trigger(client, "no-such-workflow"), 404)
    fault(_trigger(client, greet["id"], bogus=1), 400)


def test_an_event_starts_one_execution_per_message(client: Any, greet: dict[str, Any]) -> None:
    trig = _trigger(client, greet["id"]).get_json()
    first = client.post("/v2/events", json=_event("m-1"))
    assert first.status_code == 200, first.get_json()
    (ex_id,) = first.get_json()["executions"]
    again = client.post("/v2/events", json=_event("m-1"))  # the same message delivered twice
    assert again.get_json()["executions"] == [ex_id]
    other = client.post("/v2/events", json=_event("m-2")).get_json()["executions"]
    assert len(other) == 1 and other != [ex_id]
    assert (
        client.post("/v2/events", json=_event("m-3", event_type="other.event")).get_json()[
            "executions"
        ]
        == []
    )
    runs = client.get(f"/v2/executions?workflow_id={greet['id']}").get_json()["executions"]
    assert sorted(r["id"] for r in runs) == sorted([ex_id, *other])

    ex = client.get(f"/v2/executions/{ex_id}").get_json()
    assert json.loads(ex["input"]) == {"name": "event", "greeting": "hi"}
    params = json.loads(ex["params"])
    # Mistral's default event properties.
    assert params["event_params"] == {
        "service": "compute.host1",
        "project_id": "p-1",
        "user_id": "u-1",
        "timestamp": "2026-12-07 01:02:03.456789",
    }
    description = json.loads(ex["description"])
    assert description["triggered_by"] == {
        "type": "event_trigger",
        "id": trig["id"],
        "name": "on_create",
    }


def test_an_oslo_envelope_and_event_definitions(
    make_services: Callable[..., Any], tmp_path: Path
) -> None:
    definitions = tmp_path / "events.yaml"
    definitions.write_text(
        "- event_types: compute.instance.*\n  properties:\n    instance: <% $.payload.instance_id %>\n"
    )
    client = create_app(make_services(event_definitions_file=str(definitions))).test_client()
    wf = post_yaml(client, GREET).get_json()["workflows"][0]
    _trigger(client, wf["id"])
    inner = {k: v for k, v in _event("m-9").items() if k not in ("exchange", "topic", "context")}
    inner["_context_project_id"] = "p-1"
    envelope = {
        "exchange": "nova",
        "topic": "notifications",
        "oslo.version": "2.0",
        "oslo.message": json.dumps(inner),
    }
    (ex_id,) = client.post("/v2/events", json=envelope).get_json()["executions"]
    params = json.loads(client.get(f"/v2/executions/{ex_id}").get_json()["params"])
    assert params["event_params"] == {"instance": "i-1"}


def test_bad_events(client: Any) -> None:
    assert "exchange and a topic" in fault(client.post("/v2/events", json={"event_type": "x"}), 400)
    no_type = client.post("/v2/events", json={"exchange": "nova", "topic": "n"})
    assert "event_type" in fault(no_type, 400)
    fault(client.post("/v2/events", json=[1]), 400)


@pytest.fixture
def tenant_client(make_services: Callable[..., Any]) -> Any:
    return create_app(
        make_services(auth_tokens={"tok-a": "proj-a", "tok-b": "proj-b"})
    ).test_client()


def test_with_authentication_an_event_fires_its_own_project_s_triggers(tenant_client: Any) -> None:
    a, b = {"X-Auth-Token": "tok-a"}, {"X-Auth-Token": "tok-b"}
    for headers in (a, b):
        wf = post_yaml(tenant_client, GREET, headers=headers).get_json()["workflows"][0]
        assert _trigger(tenant_client, wf["id"], headers=headers).status_code == 201
    # A posted event belongs to the caller's project, whatever its context says.
    started = tenant_client.post("/v2/events", json=_event("m-1"), headers=a).get_json()[
        "executions"
    ]
    assert len(started) == 1
    assert tenant_client.get(f"/v2/executions/{started[0]}", headers=a).status_code == 200
    assert tenant_client.get(f"/v2/executions/{started[0]}", headers=b).status_code == 404
    assert (
        tenant_client.get("/v2/event_triggers", headers=b).get_json()["event_triggers"][0][
            "project_id"
        ]
        == "proj-b"
    )
    # Not even inside an oslo envelope can a caller speak for another project.
    inner = {k: v for k, v in _event("m-2").items() if k not in ("exchange", "topic", "context")}
    inner["_context_project_id"] = "proj-b"
    envelope = {"exchange": "nova", "topic": "notifications", "oslo.message": json.dumps(inner)}
    (mine,) = tenant_client.post("/v2/events", json=envelope, headers=a).get_json()["executions"]
    assert tenant_client.get(f"/v2/executions/{mine}", headers=a).status_code == 200
