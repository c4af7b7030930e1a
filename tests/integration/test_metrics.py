"""/metrics on PostgreSQL with a real worker and Redis broker: counts and duration histograms
from the database after known executions, and queue depths from Redis."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from wfq.dispatch import queue_probe

pytestmark = pytest.mark.integration

OK = """\
version: '2.0'
metrics_ok:
  tasks:
    first:
      action: std.sleep seconds=1
      on-success: [second]
    second:
      action: std.echo output="done"
"""
BAD = """\
version: '2.0'
metrics_bad:
  tasks:
    boom:
      action: std.fail
"""


def scrape(client: Any) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    r = client.get("/metrics")
    assert r.status_code == 200, r.get_data(as_text=True)
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(r.get_data(as_text=True))
        for s in family.samples
    }


def get(samples: dict[Any, float], name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def test_execution_task_and_action_metrics_after_known_executions(api: Any, client: Any) -> None:
    # Action histograms are per action over the whole (shared) database: compare deltas.
    before = scrape(client)
    name = api.create_workflow(OK)[0]["name"]
    for _ in range(3):
        assert api.wait(api.start(name)["id"])["state"] == "SUCCESS"
    assert api.run(BAD)["state"] == "ERROR"
    s = scrape(client)
    assert get(s, "wfq_executions_started_total", workflow="metrics_ok") == 3
    assert get(s, "wfq_executions_finished_total", workflow="metrics_ok", state="SUCCESS") == 3
    assert get(s, "wfq_executions_finished_total", workflow="metrics_bad", state="ERROR") == 1
    assert get(s, "wfq_executions_finished_total", workflow="metrics_ok", state="ERROR") is None
    assert get(s, "wfq_execution_duration_seconds_bucket", workflow="metrics_ok", le="+Inf") == 3
    # Each execution took at least its 1 s sleep; none took a minute.
    assert get(s, "wfq_execution_duration_seconds_bucket", workflow="metrics_ok", le="0.5") == 0
    assert get(s, "wfq_execution_duration_seconds_bucket", workflow="metrics_ok", le="60.0") == 3
    assert get(s, "wfq_task_duration_seconds_bucket", workflow="metrics_ok", le="+Inf") == 6
    assert get(s, "wfq_task_duration_seconds_gsum", workflow="metrics_ok") >= 3  # type: ignore[operator]

    def grew(sample: dict[Any, float], le: str) -> float:
        now = get(sample, "wfq_action_duration_seconds_bucket", action="std.sleep", le=le) or 0
        return now - (
            get(before, "wfq_action_duration_seconds_bucket", action="std.sleep", le=le) or 0
        )

    assert grew(s, "+Inf") == 3
    assert grew(s, "0.5") == 0
    assert get(s, "wfq_action_duration_seconds_bucket", action="std.fail", le="+Inf") >= 1  # type: ignore[operator]


def test_queue_depths_come_from_redis(client: Any, integration_settings: Any) -> None:
    s = scrape(client)
    assert get(s, "wfq_broker_up") == 1
    for queue in (integration_settings.queue, integration_settings.engine_queue):
        assert get(s, "wfq_queue_messages", queue=queue) is not None


def test_queue_depths_count_every_priority_list(integration_settings: Any) -> None:
    import redis

    url = integration_settings.broker_url
    queue = f"{integration_settings.queue}-metrics-probe"
    client = redis.Redis.from_url(url)
    try:
        client.rpush(queue, "a", "b", "c")
        client.rpush(queue + "\x06\x166", "d")
        assert queue_probe.queue_depths(url, [queue, queue + "-empty"]) == {
            queue: 4,
            queue + "-empty": 0,
        }
    finally:
        client.delete(queue, queue + "\x06\x166")
        client.close()
