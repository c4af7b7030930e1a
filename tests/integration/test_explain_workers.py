"""`GET /v2/executions/<id>/explain` on real workers (Redis, PostgreSQL, a Celery worker
process): one test per thing a task can wait on."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from test_core_workflows import wf

pytestmark = pytest.mark.integration


def _explain(api: Any, ex_id: str) -> dict[str, Any]:
    r = api.c.get(f"/v2/executions/{ex_id}/explain")
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def _until(
    api: Any, ex_id: str, check: Callable[[dict[str, dict[str, Any]]], bool], timeout: float = 60
) -> dict[str, dict[str, Any]]:
    """Poll explain until `check(reasons by task name)` holds; returns those reasons."""
    deadline = time.monotonic() + timeout
    last: dict[str, Any] = {}
    while time.monotonic() < deadline:
        last = _explain(api, ex_id)
        by_task = {r["task"]: r for r in last["tasks"]}
        if check(by_task):
            return by_task
        time.sleep(0.2)
    raise AssertionError(f"explain never matched: {last}")


def _cancel(api: Any, ex_id: str) -> None:
    api.c.put(f"/v2/executions/{ex_id}", json={"state": "CANCELLED"})


def test_an_action_sent_to_a_target_nobody_serves(
    api: Any, integration_env: dict[str, str]
) -> None:
    queue = f"nobody-{uuid.uuid4().hex[:8]}"
    name = api.create_workflow(
        wf(
            "target_nobody",
            f"""
  tasks:
    remote:
      action: std.noop
      target: {queue}
""",
        )
    )[0]["name"]
    ex = api.start(name)
    try:
        why = _until(api, ex["id"], lambda r: r["remote"]["details"].get("consumers") is not None)[
            "remote"
        ]
        assert why["waiting_on"] == "action-queued"
        details = why["details"]
        assert details["queue"] == queue
        assert details["consumers"] == []  # the worker answered, and it does not consume that queue
        assert details["queue_depth"] == 1
        assert details["message_age_s"] >= 0
        assert (
            f"no live worker consumes queue {queue}: start one with `wfq worker -Q {queue}`"
            in why["message"]
        )
    finally:
        _cancel(api, ex["id"])
        import redis

        redis.Redis.from_url(integration_env["WFQ_BROKER_URL"]).delete(queue)


def test_the_default_queue_is_consumed_by_the_live_worker(
    services: Any, integration_env: dict[str, str]
) -> None:
    from wfq.dispatch.queue_probe import probe_for

    queue = integration_env["WFQ_QUEUE"]
    facts = probe_for(services.dispatcher).facts([queue])[queue]
    assert facts.consumers and all("@" in w for w in facts.consumers)
    assert facts.depth is not None


def test_a_join_waiting_for_a_branch_and_a_claimed_action_with_its_heartbeat(api: Any) -> None:
    name = api.create_workflow(
        wf(
            "join_wait",
            """
  tasks:
    quick:
      action: std.noop
      on-success: [together]
    slow:
      action: std.sleep seconds=4
      on-success: [together]
    together:
      join: all
      action: std.noop
""",
        )
    )[0]["name"]
    ex = api.start(name)
    why = _until(
        api,
        ex["id"],
        lambda r: (
            r.get("together", {}).get("waiting_on") == "join"
            and r.get("slow", {}).get("waiting_on") == "action-running"
        ),
    )
    join = why["together"]
    assert join["details"]["arrived"] == ["quick"]
    assert join["details"]["missing"] == [{"task": "slow", "can_still_arrive": True}]
    assert "1 of 2 arrived; waiting for slow" in join["message"]
    slow = why["slow"]["details"]
    assert slow["worker"] and slow["heartbeat_at"]
    assert 0 <= slow["heartbeat_age_s"] < slow["heartbeat_timeout_s"]
    assert "runs on worker" in why["slow"]["message"] and "Last heartbeat" in why["slow"]["message"]
    assert api.wait(ex["id"])["state"] == "SUCCESS"
    assert _explain(api, ex["id"])["tasks"] == []


def test_wait_before_says_until_when(api: Any) -> None:
    name = api.create_workflow(
        wf(
            "explain_waitb",
            """
  tasks:
    later:
      action: std.noop
      wait-before: 120
""",
        )
    )[0]["name"]
    ex = api.start(name)
    try:
        why = _until(api, ex["id"], lambda r: r["later"]["waiting_on"] == "wait-before")["later"]
        assert 100 < why["details"]["seconds_left"] <= 120
        assert why["state"] == "DELAYED"
    finally:
        _cancel(api, ex["id"])


def test_pause_before(api: Any) -> None:
    name = api.create_workflow(
        wf(
            "explain_pauseb",
            """
  tasks:
    first:
      action: std.noop
      on-success: [gate]
    gate:
      action: std.noop
      pause-before: true
""",
        )
    )[0]["name"]
    ex = api.start(name)
    try:
        why = _until(api, ex["id"], lambda r: r.get("gate", {}).get("waiting_on") == "pause-before")
        assert why["gate"]["state"] == "IDLE"
        assert _explain(api, ex["id"])["state"] == "PAUSED"
        assert api.c.put(f"/v2/executions/{ex['id']}", json={"state": "RUNNING"}).status_code == 200
        assert api.wait(ex["id"])["state"] == "SUCCESS"
    finally:
        _cancel(api, ex["id"])


def test_an_asynchronous_action_waiting_for_its_result(api: Any) -> None:
    name = api.create_workflow(
        wf(
            "explain_async",
            """
  tasks:
    callback:
      action: std.async_noop
""",
        )
    )[0]["name"]
    ex = api.start(name)
    why = _until(api, ex["id"], lambda r: r["callback"]["waiting_on"] == "async-action")["callback"]
    action_id = why["details"]["action_execution_id"]
    assert f"PUT /v2/action_executions/{action_id}" in why["message"]
    r = api.c.put(f"/v2/action_executions/{action_id}", json={"state": "SUCCESS", "output": "{}"})
    assert r.status_code == 200, r.get_json()
    assert api.wait(ex["id"])["state"] == "SUCCESS"


def test_a_subworkflow_and_what_it_waits_on(api: Any) -> None:
    child = api.create_workflow(
        wf(
            "explain_child",
            """
  tasks:
    nap:
      action: std.noop
      wait-before: 120
""",
        )
    )[0]["name"]
    name = api.create_workflow(
        wf(
            "explain_parent",
            f"""
  tasks:
    call:
      workflow: {child}
""",
        )
    )[0]["name"]
    ex = api.start(name)
    try:
        why = _until(api, ex["id"], lambda r: r["call"]["details"].get("explain", {}).get("tasks"))[
            "call"
        ]
        assert why["waiting_on"] == "subworkflow"
        assert why["details"]["execution_state"] == "RUNNING"
        inner = why["details"]["explain"]["tasks"][0]
        assert (inner["task"], inner["waiting_on"]) == ("nap", "wait-before")
        assert child in why["message"] and "nap: wait-before until" in why["message"]
    finally:
        _cancel(api, ex["id"])


def test_with_items_waiting_for_a_concurrency_slot(api: Any) -> None:
    name = api.create_workflow(
        wf(
            "explain_slots",
            """
  tasks:
    each:
      with-items: i in [1, 2, 3]
      concurrency: 1
      action: std.sleep seconds=1.5
""",
        )
    )[0]["name"]
    ex = api.start(name)
    why = _until(
        api,
        ex["id"],
        lambda r: r["each"]["waiting_on"] == "concurrency" and r["each"]["details"]["running"] == 1,
    )["each"]
    details = why["details"]
    assert details["items"] == 3 and details["concurrency"] == 1
    assert details["waiting_for_slot"] >= 1
    assert details["oldest_running"]["waiting_on"] in ("action-running", "action-queued")
    assert "waiting for a free slot (concurrency 1)" in why["message"]
    assert api.wait(ex["id"])["state"] == "SUCCESS"
