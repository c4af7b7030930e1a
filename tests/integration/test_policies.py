"""Task policies on a real worker: timers travel as Celery ETA messages and are stored on the task."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from test_core_workflows import wf

pytestmark = pytest.mark.integration


def _ts(value: str) -> dt.datetime:
    return dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S")


def test_wait_before_delays_the_action(api: Any) -> None:
    ex = api.run(wf("waitb", """
  tasks:
    first:
      action: std.noop
      on-success: [later]
    later:
      action: std.echo output="late"
      wait-before: 2
"""))
    assert ex["state"] == "SUCCESS", ex["state_info"]
    tasks = api.tasks(ex["id"])
    assert (_ts(tasks["later"]["finished_at"]) - _ts(tasks["first"]["finished_at"])).total_seconds() >= 1


def test_retry_runs_again_then_fails_with_the_last_error(api: Any) -> None:
    ex = api.run(wf("retry", """
  tasks:
    flaky:
      action: std.fail error_data="still broken"
      retry: {count: 2, delay: 0}
"""))
    assert ex["state"] == "ERROR"
    task = api.tasks(ex["id"])["flaky"]
    actions = api.c.get(f"/v2/action_executions?task_execution_id={task['id']}").get_json()["action_executions"]
    assert len(actions) == 3
    assert sorted(a["accepted"] for a in actions) == [False, False, True]


def test_timeout_fails_a_slow_task_and_on_error_handles_it(api: Any) -> None:
    ex = api.run(wf("timeout", """
  tasks:
    slow:
      action: std.sleep seconds=3
      timeout: 1
      on-error: [handled]
    handled:
      action: std.echo output="<% task(slow).state_info %>"
      publish: {why: <% task().result %>}
"""))
    assert ex["state"] == "SUCCESS", ex["state_info"]
    assert json.loads(ex["output"]) == {"why": "Task timed out [timeout(s)=1]."}
    assert api.tasks(ex["id"])["slow"]["state"] == "ERROR"
