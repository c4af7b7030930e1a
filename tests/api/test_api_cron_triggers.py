"""`/v2/cron_triggers`: create (with `next_execution_time`), get, list, delete, and the error
answers: bad pattern, unknown workflow, bad workflow input, duplicates."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from api_helpers import TIMESTAMP, fault
from croniter import croniter

KEYS = {
    "id",
    "name",
    "pattern",
    "workflow_name",
    "workflow_id",
    "workflow_input",
    "workflow_params",
    "scope",
    "project_id",
    "remaining_executions",
    "first_execution_time",
    "next_execution_time",
    "status",
    "created_at",
}


def _trigger(**body: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "nightly",
        "workflow_name": "greet",
        "workflow_input": json.dumps({"name": "cron"}),
        "pattern": "*/5 * * * *",
    }
    return {**base, **body}


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def test_create_answers_201_with_next_execution_time(client: Any, greet: dict[str, Any]) -> None:
    before = _utcnow()
    r = client.post("/v2/cron_triggers", json=_trigger(remaining_executions=2))
    assert r.status_code == 201, r.get_json()
    ct = r.get_json()
    assert set(ct) == KEYS  # no updated_at in the 201 body
    assert ct["workflow_id"] == greet["id"]
    assert ct["workflow_input"] == '{"name": "cron"}'
    assert ct["workflow_params"] == "{}"
    assert ct["first_execution_time"] is None
    assert ct["remaining_executions"] == 2
    assert ct["status"] == "ACTIVE"
    assert ct["scope"] == "private" and ct["project_id"] == "<default-project>"
    assert re.match(TIMESTAMP, ct["next_execution_time"])
    after = _utcnow()
    expected = {
        croniter("*/5 * * * *", t).get_next(dt.datetime).strftime("%Y-%m-%d %H:%M:%S")
        for t in (before, after)
    }
    assert ct["next_execution_time"] in expected


def test_first_execution_time_is_the_next_one(client: Any, greet: dict[str, Any]) -> None:
    first = (_utcnow() + dt.timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
    body = _trigger(workflow_name=None, workflow_id=greet["id"], first_execution_time=first)
    ct = client.post("/v2/cron_triggers", json=body).get_json()
    assert ct["first_execution_time"] == first + ":00"
    assert ct["next_execution_time"] == first + ":00"


def test_get_list_delete(client: Any, greet: dict[str, Any]) -> None:
    ct = client.post("/v2/cron_triggers", json=_trigger()).get_json()
    for ident in ("nightly", ct["id"]):
        got = client.get(f"/v2/cron_triggers/{ident}").get_json()
        assert set(got) == KEYS | {"updated_at"}
        assert got["id"] == ct["id"]
    listed = client.get("/v2/cron_triggers").get_json()["cron_triggers"]
    assert [t["name"] for t in listed] == ["nightly"]
    assert client.get("/v2/cron_triggers?remaining_executions=3").get_json() == {
        "cron_triggers": []
    }
    r = client.delete("/v2/cron_triggers/nightly")
    assert r.status_code == 204 and r.data == b""
    msg = fault(client.get("/v2/cron_triggers/nightly"), 404)
    assert msg == "Cron trigger not found [identifier=nightly]"


@pytest.mark.parametrize("pattern", ["bogus", "61 * * * *", "* * *", "x" * 101])
def test_bad_pattern_is_400(client: Any, greet: dict[str, Any], pattern: str) -> None:
    msg = fault(client.post("/v2/cron_triggers", json=_trigger(pattern=pattern)), 400)
    assert msg == f"The specified pattern is not valid: {pattern}"


def test_unknown_workflow_is_404(client: Any) -> None:
    msg = fault(client.post("/v2/cron_triggers", json=_trigger(workflow_name="nope")), 404)
    assert msg == "Workflow not found [workflow_identifier=nope, namespace=]"


def test_bad_workflow_input_is_400(client: Any, greet: dict[str, Any]) -> None:
    missing = fault(client.post("/v2/cron_triggers", json=_trigger(workflow_input="{}")), 400)
    assert missing == "Invalid input [name=greet, class=DirectWorkflowSpec, missing=['name']]"
    extra = json.dumps({"name": "x", "bogus": 1})
    msg = fault(client.post("/v2/cron_triggers", json=_trigger(workflow_input=extra)), 400)
    assert "unexpected=['bogus']" in msg
    bad = fault(client.post("/v2/cron_triggers", json=_trigger(workflow_input="[1]")), 400)
    assert "must be a dictionary" in bad


def test_schedule_rules_are_400(client: Any, greet: dict[str, Any]) -> None:
    post = client.post
    none = fault(post("/v2/cron_triggers", json=_trigger(pattern=None)), 400)
    assert none == "Pattern or first_execution_time must be specified."
    soon = _utcnow().strftime("%Y-%m-%d %H:%M")
    msg = fault(post("/v2/cron_triggers", json=_trigger(first_execution_time=soon)), 400)
    assert msg == "first_execution_time must be at least 1 minute in the future."
    msg = fault(post("/v2/cron_triggers", json=_trigger(first_execution_time="tomorrow")), 400)
    assert "does not match format" in msg
    later = (_utcnow() + dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    once = _trigger(pattern=None, first_execution_time=later, remaining_executions=2)
    assert "Pattern must be provided" in fault(post("/v2/cron_triggers", json=once), 400)
    zero = fault(post("/v2/cron_triggers", json=_trigger(remaining_executions=0)), 400)
    assert "greater or equal to 1" in zero
    assert "integer" in fault(
        post("/v2/cron_triggers", json=_trigger(remaining_executions="2")), 400
    )


def test_bad_bodies_are_400(client: Any, greet: dict[str, Any]) -> None:
    post = client.post
    fault(post("/v2/cron_triggers", data="{", content_type="application/json"), 400)
    assert "name" in fault(post("/v2/cron_triggers", json=_trigger(name="")), 400)
    msg = fault(post("/v2/cron_triggers", json=_trigger(workflow_name=None)), 400)
    assert msg.startswith("Workflow ID or workflow name must be provided")
    assert "bogus" in fault(post("/v2/cron_triggers", json=_trigger(bogus=1)), 400)


def test_duplicate_is_409(client: Any, greet: dict[str, Any]) -> None:
    client.post("/v2/cron_triggers", json=_trigger())
    msg = fault(client.post("/v2/cron_triggers", json=_trigger()), 409)
    assert (
        msg == "Duplicate entry for CronTrigger ['name', 'project_id']: nightly, <default-project>"
    )


def test_unknown_is_404(client: Any) -> None:
    fault(client.get("/v2/cron_triggers/nope"), 404)
    fault(client.delete("/v2/cron_triggers/nope"), 404)
