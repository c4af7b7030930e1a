"""Service-level rules on SQLite with work run inline: result size limit, expiration policy,
and the heartbeat refresh."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from wfq_testing import inline_services

from wfq.persistence.listing import ListQuery
from wfq.services import definitions, executions, queries, recovery
from wfq.services.heartbeat import Heartbeat, running

P = "<default-project>"
BIG = """version: '2.0'
big:
  input: [n]
  tasks:
    t:
      action: std.test_dict size=<% $.n %> key_prefix="k" val="0123456789"
"""


def _run(svc: Any, name: str, wf_input: dict[str, Any] | None = None) -> dict[str, Any]:
    ex_id = executions.start_execution(svc, name, project_id=P, wf_input=wf_input or {})
    svc.dispatcher.drain()
    return queries.get(svc, "execution", ex_id, project_id=P)


@pytest.fixture
def svc(sqlite_url: str) -> Any:
    s = inline_services(sqlite_url, field_size_limit_kb=4)
    definitions.create_workflows(s, BIG, project_id=P)
    return s


def test_result_over_the_field_size_limit_fails_the_action(svc: Any) -> None:
    small = _run(svc, "big", {"n": 10})
    assert small["state"] == "SUCCESS"
    big = _run(svc, "big", {"n": 1000})
    assert big["state"] == "ERROR"
    assert "Field size limit exceeded [class=ActionExecution, field=output" in big["state_info"]
    assert "limit=4KB" in big["state_info"]


GROW = """version: '2.0'
published_twice:
  input: [n]
  tasks:
    make:
      action: std.echo output=<% '0123456789' * $.n %>
      publish:
        a: <% task().result %>
        b: <% task().result %>
      on-success: [after]
    after:
      action: std.noop
output_thrice:
  input: [n]
  output:
    a: <% $.a %>
    b: <% $.a %>
    c: <% $.a %>
  tasks:
    make:
      action: std.echo output=<% '0123456789' * $.n %>
      publish:
        a: <% task().result %>
"""
"""Each task's result (10*n characters) stays within the 4 KiB limit; what is published, or
the workflow output, holds it two or three times."""


def _tasks(svc: Any, ex_id: str) -> dict[str, dict[str, Any]]:
    rows = queries.list_(svc, "task", ListQuery(), project_id=P)
    return {t["name"]: t for t in rows if t["workflow_execution_id"] == ex_id}


def test_published_values_over_the_field_size_limit_fail_the_task(svc: Any) -> None:
    definitions.create_workflows(svc, GROW, project_id=P)
    assert _run(svc, "published_twice", {"n": 150})["state"] == "SUCCESS"
    big = _run(svc, "published_twice", {"n": 250})
    assert big["state"] == "ERROR"
    tasks = _tasks(svc, big["id"])
    assert set(tasks) == {"make"}  # it failed: `after` never ran
    info = tasks["make"]["state_info"]
    assert (
        "Field size limit exceeded [class=TaskExecution, field=published, size=4KB, limit=4KB]"
        in info
    )  # 5,000 bytes
    assert tasks["make"]["published"] == {}


def test_a_workflow_output_over_the_field_size_limit_fails_the_execution(svc: Any) -> None:
    definitions.create_workflows(svc, GROW, project_id=P)
    assert _run(svc, "output_thrice", {"n": 100})["state"] == "SUCCESS"
    big = _run(svc, "output_thrice", {"n": 250})
    assert big["state"] == "ERROR"
    assert (
        "Field size limit exceeded [class=WorkflowExecution, field=output, size=7KB, limit=4KB]"
        in big["state_info"]
    )
    assert big["output"] == {"result": big["state_info"]}


def test_expiration_deletes_only_old_finished_roots(svc: Any, sqlite_url: str) -> None:
    ids = [_run(svc, "big", {"n": 1})["id"] for _ in range(5)]
    keep_two = dataclasses.replace(svc, settings=svc.settings.replace(expiration_max_finished=2))
    assert recovery.expire(svc) == 0  # off by default
    assert recovery.expire(keep_two) == 3
    left = [e["id"] for e in queries.list_(svc, "execution", ListQuery(), project_id=P)]
    assert left == ids[3:]
    tasks = queries.list_(svc, "task", ListQuery(), project_id=P)
    assert {t["workflow_execution_id"] for t in tasks} == set(ids[3:])


def test_heartbeat_touches_only_this_workers_running_actions(svc: Any) -> None:
    from wfq.persistence.models import ActionExecution

    with svc.db.write() as session:
        session.add(
            ActionExecution(id="a1", name="std.noop", state="RUNNING", worker="w1", project_id=P)
        )
        session.add(
            ActionExecution(id="a2", name="std.noop", state="RUNNING", worker="w2", project_id=P)
        )
        session.add(
            ActionExecution(id="a3", name="std.noop", state="SUCCESS", worker="w1", project_id=P)
        )
        session.add(
            ActionExecution(id="a4", name="std.noop", state="RUNNING", worker="w1", project_id=P)
        )
    assert Heartbeat(svc, "w1").beat() == 0  # nothing runs in this process yet
    with running("a1"), running("a2"), running("a3"):
        assert Heartbeat(svc, "w1").beat() == 1
    with svc.db.read() as session:
        beats = {a.id: a.heartbeat_at for a in session.query(ActionExecution)}
    # a2 is another worker's, a3 finished, and a4 names this worker but is not running here
    # (its result could not be stored): it must go silent so the integrity check handles it.
    assert beats["a1"] is not None
    assert beats["a2"] is None and beats["a3"] is None and beats["a4"] is None
