"""/metrics on SQLite: counts and duration histograms from the database, cron numbers, tenancy,
and the process's own engine transition timings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from wfq.api.app import create_app
from wfq.persistence.models import CronTrigger, WorkflowExecution
from wfq.services import metrics
from wfq.services.context import Services
from wfq.services.cron_firing import execution_id_for

OK = """\
version: '2.0'
m_ok:
  tasks:
    one:
      action: std.echo output=1
      on-success: [two]
    two:
      action: std.noop
"""
BAD = """\
version: '2.0'
m_bad:
  tasks:
    boom:
      action: std.fail
"""

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(client: Any, **headers: str) -> Samples:
    r = client.get("/metrics", headers=headers)
    assert r.status_code == 200, r.get_data(as_text=True)
    out: Samples = {}
    for family in text_string_to_metric_families(r.get_data(as_text=True)):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def test_counts_and_histograms_after_known_executions(client: Any, run: Callable[..., Any]) -> None:
    assert run(OK)["state"] == "SUCCESS"
    assert run(OK)["state"] == "SUCCESS"
    assert run(BAD)["state"] == "ERROR"
    s = scrape(client)
    assert value(s, "wfq_executions_started_total", workflow="m_ok") == 2
    assert value(s, "wfq_executions_started_total", workflow="m_bad") == 1
    assert value(s, "wfq_executions_finished_total", workflow="m_ok", state="SUCCESS") == 2
    assert value(s, "wfq_executions_finished_total", workflow="m_bad", state="ERROR") == 1
    assert value(s, "wfq_executions", workflow="m_ok", state="SUCCESS") == 2
    assert value(s, "wfq_execution_duration_seconds_bucket", workflow="m_ok", le="+Inf") == 2
    assert value(s, "wfq_task_duration_seconds_bucket", workflow="m_ok", le="+Inf") == 4
    assert value(s, "wfq_task_duration_seconds_bucket", workflow="m_bad", le="+Inf") == 1
    assert value(s, "wfq_action_duration_seconds_bucket", action="std.echo", le="+Inf") == 2
    assert value(s, "wfq_action_duration_seconds_bucket", action="std.fail", le="+Inf") == 1
    assert value(s, "wfq_task_duration_seconds_gcount", workflow="m_ok") == 4
    assert value(s, "wfq_task_duration_seconds_gsum", workflow="m_ok") >= 0  # type: ignore[operator]
    buckets = [
        value(s, "wfq_task_duration_seconds_bucket", workflow="m_ok", le=le)
        for le in [*(str(b) for b in metrics.DURATION_BUCKETS), "+Inf"]
    ]
    assert buckets == sorted(buckets)  # type: ignore[type-var]
    assert buckets[-2] == 4  # everything here took less than an hour
    assert value(s, "wfq_info", version=__import__("wfq").__version__) == 1
    assert not any(name == "wfq_queue_messages" for name, _ in s)  # memory:// broker: no queues


def test_unfinished_tasks_are_gauges(client: Any, services: Services) -> None:
    assert client.post("/v2/workflows", data=OK, content_type="text/plain").status_code == 201
    assert client.post("/v2/executions", json={"workflow_name": "m_ok"}).status_code == 201
    s = scrape(client)  # nothing drained: the first task still runs
    assert value(s, "wfq_tasks_active", workflow="m_ok", state="RUNNING") == 1
    assert value(s, "wfq_executions", workflow="m_ok", state="RUNNING") == 1
    assert value(s, "wfq_executions_finished_total", workflow="m_ok", state="SUCCESS") is None
    services.dispatcher.drain()
    s = scrape(client)
    assert value(s, "wfq_tasks_active", workflow="m_ok", state="RUNNING") is None
    assert value(s, "wfq_executions_finished_total", workflow="m_ok", state="SUCCESS") == 1


def test_cron_firings_misses_and_lateness(
    client: Any, services: Services, run: Callable[..., Any]
) -> None:
    wf_id = run(OK)["workflow_id"]
    minute = services.now().replace(second=0, microsecond=0)
    trig_id = services.new_id()
    with services.db.write() as session:
        session.add(
            CronTrigger(
                id=trig_id,
                name="every-minute",
                pattern="* * * * *",
                workflow_id=wf_id,
                workflow_name="m_ok",
                next_execution_time=minute - dt.timedelta(minutes=5),
                project_id="<default-project>",
                created_at=minute - dt.timedelta(minutes=10, seconds=30),
            )
        )
        # Of the 5 instants due before next_execution_time, one started its execution.
        fired = minute - dt.timedelta(minutes=8)
        session.add(
            WorkflowExecution(
                id=execution_id_for(trig_id, fired),
                workflow_id=wf_id,
                workflow_name="m_ok",
                spec={},
                state="SUCCESS",
                cron_trigger_id=trig_id,
                project_id="<default-project>",
                created_at=fired,
            )
        )
    s = scrape(client)
    assert value(s, "wfq_cron_trigger_firings_total", trigger="every-minute") == 1
    assert value(s, "wfq_cron_trigger_missed", trigger="every-minute") == 4
    assert value(s, "wfq_cron_trigger_overdue_seconds", trigger="every-minute") >= 300  # type: ignore[operator]


def test_past_instants_are_bounded_and_start_at_first_execution_time() -> None:
    t0 = dt.datetime(2026, 1, 1, 0, 0)

    class T:
        pattern = "* * * * *"
        first_execution_time = t0 + dt.timedelta(seconds=30)
        created_at = t0 - dt.timedelta(days=1)
        next_execution_time = t0 + dt.timedelta(minutes=4)

    assert metrics.past_instants(T, t0 - dt.timedelta(hours=1)) == [
        t0 + dt.timedelta(seconds=30),
        *(t0 + dt.timedelta(minutes=m) for m in (1, 2, 3)),
    ]
    T.next_execution_time = t0 + dt.timedelta(days=30)
    assert len(metrics.past_instants(T, t0)) == metrics.CRON_MAX_INSTANTS


def test_metrics_are_per_project_and_need_a_token(make_services: Callable[..., Services]) -> None:
    svc = make_services(auth_tokens={"tok-a": "proj-a", "tok-b": "proj-b"})
    c = create_app(svc).test_client()
    a = {"Authorization": "Bearer tok-a"}
    assert c.post("/v2/workflows", data=OK, content_type="text/plain", headers=a).status_code == 201
    assert c.post("/v2/executions", json={"workflow_name": "m_ok"}, headers=a).status_code == 201
    svc.dispatcher.drain()
    assert c.get("/metrics").status_code == 401
    assert (
        value(
            scrape(c, Authorization="Bearer tok-a"), "wfq_executions_started_total", workflow="m_ok"
        )
        == 1
    )
    assert (
        value(
            scrape(c, Authorization="Bearer tok-b"), "wfq_executions_started_total", workflow="m_ok"
        )
        is None
    )


def test_engine_transition_timings_of_this_process(client: Any) -> None:
    with metrics.timed_transition("TestEvent"):
        pass
    s = scrape(client)
    assert value(s, "wfq_engine_transition_seconds_count", event="TestEvent") >= 1  # type: ignore[operator]


def test_openmetrics_when_asked(client: Any, run: Callable[..., Any]) -> None:
    run(OK)
    r = client.get("/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"})
    assert r.content_type.startswith("application/openmetrics-text")
    text = r.get_data(as_text=True)
    assert "# TYPE wfq_task_duration_seconds gaugehistogram" in text
    assert text.rstrip().endswith("# EOF")


@pytest.mark.parametrize("broker", ["redis://127.0.0.1:1/0"])
def test_an_unreachable_broker_does_not_break_the_scrape(
    make_services: Callable[..., Services], broker: str
) -> None:
    svc = make_services(broker_url=broker)
    s = scrape(create_app(svc).test_client())
    assert value(s, "wfq_broker_up") == 0
