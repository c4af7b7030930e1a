"""Event triggers end to end: a real `wfq listener` process takes OpenStack notifications from
RabbitMQ (oslo.messaging envelope on a topic exchange) and from a Redis stream, the API takes one
over HTTP, and each event starts exactly one execution, run by a real Celery worker on
PostgreSQL: duplicates start nothing more, and a listener that was down (or died holding an
entry it had read) loses nothing the broker still held."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from kombu import Connection, Exchange, Producer
from wfq_testing import ROOT

pytestmark = pytest.mark.integration

RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672//"
RUN = uuid.uuid4().hex[:6]
EXCHANGE = f"nova_{RUN}"  # a run of its own: parallel runs never see each other's events
TOPIC = "notifications"
EVENT = "compute.instance.create.end"
STREAM = f"wfq.events.{EXCHANGE}.{TOPIC}"
WORKFLOW = f"""\
version: '2.0'
on_event_{RUN}:
  input: [source]
  output:
    source: <% $.source %>
    service: <% execution().params.event_params.service %>
    user: <% execution().params.event_params.user_id %>
  tasks:
    noted:
      action: std.noop
"""


class ListenerProcess:
    """`wfq listener` as a subprocess (as an operator starts it)."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log_path = env, log
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> ListenerProcess:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "wfq.cli.main", "listener"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None


@pytest.fixture(scope="module")
def listener(
    integration_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ListenerProcess]:
    env = {
        **integration_env,
        "WFQ_EVENT_AMQP_URL": RABBITMQ_URL,
        "WFQ_EVENT_REDIS_URL": integration_env["WFQ_BROKER_URL"],
        "WFQ_EVENT_RELOAD_S": "0.5",
    }
    proc = ListenerProcess(env, tmp_path_factory.mktemp("listener") / "listener.log")
    yield proc
    proc.stop()
    r = redis.Redis.from_url(integration_env["WFQ_BROKER_URL"])
    r.delete(STREAM)
    r.close()
    with Connection(RABBITMQ_URL) as conn, conn.channel() as ch:
        ch.queue_delete(f"wfq.events.{EXCHANGE}.{TOPIC}")
        ch.exchange_delete(EXCHANGE)


def _notification(message_id: str, source: str) -> dict[str, Any]:
    """An oslo.messaging notification, as nova sends it (context packed as _context_*)."""
    return {
        "message_id": message_id,
        "publisher_id": "compute.host1",
        "event_type": EVENT,
        "priority": "INFO",
        "payload": {"instance_id": "i-1", "source": source},
        "timestamp": "2026-12-07 00:00:00.000000",
        "_context_user_id": f"user-{source}",
        "_context_project_id": "p-1",
    }


def _publish_amqp(message_id: str) -> None:
    body = {"oslo.version": "2.0", "oslo.message": json.dumps(_notification(message_id, "amqp"))}
    with Connection(RABBITMQ_URL) as conn:
        exchange = Exchange(EXCHANGE, type="topic", durable=False)
        Producer(conn.channel(), exchange=exchange).publish(
            body, routing_key=f"{TOPIC}.info", serializer="json", declare=[exchange]
        )


def _publish_redis(client: redis.Redis, message_id: str) -> None:
    envelope = {
        "oslo.version": "2.0",
        "oslo.message": json.dumps(_notification(message_id, "redis")),
    }
    client.xadd(STREAM, {"message": json.dumps(envelope)})


def _executions(api: Any, wf_id: str) -> list[dict[str, Any]]:
    return api.c.get(f"/v2/executions?workflow_id={wf_id}").get_json()["executions"]


def _wait_for(api: Any, wf_id: str, count: int, settle_s: float = 3.0) -> list[dict[str, Any]]:
    """The executions once `count` exist and all ended, after `settle_s` more seconds in which
    no extra one may appear."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        runs = _executions(api, wf_id)
        if len(runs) >= count and all(r["state"] in ("SUCCESS", "ERROR") for r in runs):
            time.sleep(settle_s)
            return [api.execution(r["id"]) for r in _executions(api, wf_id)]
        time.sleep(0.2)
    raise AssertionError(f"expected {count} executions, have {_executions(api, wf_id)}")


def _wait_listening(redis_client: redis.Redis) -> None:
    """Until the listener has made its queue and its consumer group (publishing before that
    has nothing to hold the event, for any consumer)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with Connection(RABBITMQ_URL) as conn, conn.channel() as ch:
                ch.queue_declare(f"wfq.events.{EXCHANGE}.{TOPIC}", passive=True)
            if redis_client.exists(STREAM) and redis_client.xinfo_groups(STREAM):
                return
        except Exception:  # not declared yet
            pass
        time.sleep(0.2)
    raise AssertionError("the listener never declared its queue and consumer group")


def test_each_event_starts_one_execution_even_across_listener_restarts(
    api: Any, listener: ListenerProcess, integration_env: dict[str, str]
) -> None:
    (wf,) = api.create_workflow(WORKFLOW)
    trigger = api.c.post(
        "/v2/event_triggers",
        json={
            "name": f"on_create_{RUN}",
            "workflow_id": wf["id"],
            "exchange": EXCHANGE,
            "topic": TOPIC,
            "event": EVENT,
            "workflow_input": {"source": "trigger"},
        },
    )
    assert trigger.status_code == 201, trigger.get_json()
    r = redis.Redis.from_url(integration_env["WFQ_BROKER_URL"])
    listener.start()
    _wait_listening(r)

    # One event each way; the AMQP and Redis ones are delivered twice.
    for _ in range(2):
        _publish_amqp(f"amqp-1-{RUN}")
        _publish_redis(r, f"redis-1-{RUN}")
    http = {
        "exchange": EXCHANGE,
        "topic": TOPIC,
        "event_type": EVENT,
        "message_id": f"http-1-{RUN}",
        "publisher_id": "api.host",
        "context": {"user_id": "user-http"},
    }
    assert len(api.c.post("/v2/events", json=http).get_json()["executions"]) == 1
    runs = _wait_for(api, wf["id"], 3)
    assert len(runs) == 3
    outputs = sorted(json.loads(x["output"])["user"] for x in runs)
    assert outputs == ["user-amqp", "user-http", "user-redis"]
    assert all(x["state"] == "SUCCESS" for x in runs)
    assert {json.loads(x["output"])["service"] for x in runs} == {"compute.host1", "api.host"}

    # The listener is down: what is published meanwhile waits in the broker.
    listener.stop()
    _publish_amqp(f"amqp-2-{RUN}")
    _publish_redis(r, f"redis-2-{RUN}")
    # A listener that died after reading an entry, before acknowledging it.
    _publish_redis(r, f"redis-3-{RUN}")
    read = r.xreadgroup("wfq-listener", "a-listener-that-died", {STREAM: ">"}, count=10)
    assert len(read[0][1]) == 2  # it took both entries and never acknowledged them
    time.sleep(2)
    assert len(_executions(api, wf["id"])) == 3  # nothing ran while the listener was down

    listener.start()
    runs = _wait_for(api, wf["id"], 6)
    assert len(runs) == 6, [json.loads(x["params"])["event_params"] for x in runs]
    assert r.xpending(STREAM, "wfq-listener")["pending"] == 0
    r.close()
