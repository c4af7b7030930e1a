"""Cron trigger firing with an injected clock: patterns, first execution time, counts, missed
instants, and two schedulers racing on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from wfq_testing import inline_services

from wfq.persistence.listing import ListQuery
from wfq.persistence.models import CronTrigger
from wfq.services import cron_firing, definitions, queries

P = "<default-project>"
WF = """version: '2.0'
tick:
  input: [n]
  output: {n: <% $.n %>}
  tasks:
    t:
      action: std.noop
"""
T0 = dt.datetime(2026, 11, 23, 2, 0, 0)


def _trigger(
    svc: Any,
    *,
    pattern: str = "* * * * *",
    remaining: int | None = None,
    first: dt.datetime | None = None,
    workflow: str = "tick",
) -> str:
    wf = definitions.get_workflow(svc, workflow, project_id=P)
    trig_id = svc.new_id()
    nxt = first or cron_firing.next_instant(pattern, T0 - dt.timedelta(seconds=1))
    with svc.db.write() as session:
        session.add(
            CronTrigger(
                id=trig_id,
                name=f"trig-{trig_id[-6:]}",
                pattern=pattern,
                first_execution_time=first,
                next_execution_time=nxt,
                remaining_executions=remaining,
                workflow_id=wf["id"],
                workflow_name=workflow,
                workflow_input={"n": 1},
                project_id=P,
            )
        )
    return trig_id


def _trigger_row(svc: Any, trig_id: str) -> CronTrigger:
    with svc.db.read() as session:
        return session.get(CronTrigger, trig_id)


def _executions(svc: Any, trig_id: str) -> list[dict[str, Any]]:
    q = ListQuery(filters={"cron_trigger_id": ("eq", trig_id)})
    return queries.list_(svc, "execution", q, project_id=P)


@pytest.fixture
def svc(sqlite_url: str) -> Any:
    s = inline_services(sqlite_url)
    definitions.create_workflows(s, WF, project_id=P)
    return s


def test_fires_on_the_minute_and_not_before(svc: Any) -> None:
    trig = _trigger(svc)
    assert cron_firing.fire_due(svc, T0 - dt.timedelta(seconds=1)) == []
    (fired,) = cron_firing.fire_due(svc, T0)
    assert fired.instant == T0 and fired.execution_id
    assert cron_firing.fire_due(svc, T0 + dt.timedelta(seconds=30)) == []
    assert _trigger_row(svc, trig).next_execution_time == T0 + dt.timedelta(minutes=1)
    svc.dispatcher.drain()
    (ex,) = _executions(svc, trig)
    assert ex["state"] == "SUCCESS" and ex["cron_trigger_id"] == trig and ex["input"] == {"n": 1}


def test_count_exhausted_keeps_the_trigger_completed(svc: Any) -> None:
    trig = _trigger(svc, remaining=2)
    assert len(cron_firing.fire_due(svc, T0)) == 1
    assert len(cron_firing.fire_due(svc, T0 + dt.timedelta(minutes=1))) == 1
    assert cron_firing.fire_due(svc, T0 + dt.timedelta(minutes=2)) == []
    row = _trigger_row(svc, trig)
    assert (
        row.status == "COMPLETED"
        and row.remaining_executions == 0
        and row.next_execution_time is None
    )
    assert len(_executions(svc, trig)) == 2


def test_missed_instants_fire_once_then_continue_on_schedule(svc: Any) -> None:
    trig = _trigger(svc, pattern="*/5 * * * *")
    late = T0 + dt.timedelta(minutes=23, seconds=10)  # beat was down for 23 minutes
    assert len(cron_firing.fire_due(svc, late)) == 1
    assert _trigger_row(svc, trig).next_execution_time == T0 + dt.timedelta(minutes=25)
    assert cron_firing.fire_due(svc, late + dt.timedelta(seconds=20)) == []


def test_first_execution_time_is_honoured(svc: Any) -> None:
    first = T0 + dt.timedelta(hours=3, minutes=7)
    trig = _trigger(svc, pattern="0 * * * *", first=first)
    assert cron_firing.fire_due(svc, T0 + dt.timedelta(hours=1)) == []
    (fired,) = cron_firing.fire_due(svc, first)
    assert fired.instant == first
    assert _trigger_row(svc, trig).next_execution_time == T0 + dt.timedelta(hours=4)


def test_a_deleted_workflow_does_not_jam_the_trigger(svc: Any) -> None:
    trig = _trigger(svc)
    definitions.delete_workflow(svc, "tick", project_id=P)
    (fired,) = cron_firing.fire_due(svc, T0)
    assert fired.execution_id is None and "Workflow not found" in fired.error
    assert _trigger_row(svc, trig).next_execution_time == T0 + dt.timedelta(minutes=1)


def test_tick_fires_only_what_is_due_and_says_how_long_to_wait(svc: Any, caplog: Any) -> None:
    assert cron_firing.tick(svc, T0, poll_s=1.0) == 1.0  # no trigger: check again in poll_s
    trig = _trigger(svc)
    assert cron_firing.tick(svc, T0 - dt.timedelta(seconds=30), poll_s=1.0) == 1.0
    assert cron_firing.tick(svc, T0 - dt.timedelta(seconds=0.25), poll_s=1.0) == 0.25
    assert _executions(svc, trig) == []
    with caplog.at_level("INFO", logger="wfq.cron"):
        assert cron_firing.tick(svc, T0, poll_s=1.0) == 1.0
    (ex,) = _executions(svc, trig)
    assert (
        f"cron trigger trig-{trig[-6:]} fired for 2026-11-23 02:00:00: execution {ex['id']}"
        in caplog.text
    )
    assert _trigger_row(svc, trig).next_execution_time == T0 + dt.timedelta(minutes=1)


@pytest.mark.integration
def test_two_schedulers_racing_on_postgresql_fire_each_instant_once(pg_url: str) -> None:
    svc = inline_services(pg_url)
    name = f"tick_{svc.new_id()[-8:]}"
    definitions.create_workflows(svc, WF.replace("tick:", f"{name}:"), project_id=P)
    trig = _trigger(svc, workflow=name)
    barrier = threading.Barrier(4)
    results: list[list[Any]] = []

    def scheduler(now: dt.datetime) -> None:
        barrier.wait()
        results.append(cron_firing.fire_due(svc, now))

    try:
        for minute in range(3):
            now = T0 + dt.timedelta(minutes=minute, seconds=1)
            threads = [threading.Thread(target=scheduler, args=(now,)) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        fired = [f for batch in results for f in batch if f.execution_id]
        assert sorted(f.instant for f in fired) == [T0 + dt.timedelta(minutes=m) for m in range(3)]
        assert len(_executions(svc, trig)) == 3
    finally:
        svc.db.dispose()
