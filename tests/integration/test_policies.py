"""Task policies on a real worker: timers travel as Celery ETA messages and are stored on the task."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import pytest
from test_core_workflows import wf

pytestmark = pytest.mark.integration


def _ts(value: str) -> dt.datetime:
    return dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S")


def test_wait_before_delays_the_action(api: Any) -> None:
    ex = api.run(
        wf(
            "waitb",
            """
  tasks:
    first:
      action: std.noop
      on-success: [later]
    later:
      action: std.echo output="late"
      wait-before: 2
""",
        )
    )
    assert ex["state"] == "SUCCESS", ex["state_info"]
    tasks = api.tasks(ex["id"])
    assert (
        _ts(tasks["later"]["finished_at"]) - _ts(tasks["first"]["finished_at"])
    ).total_seconds() >= 1


def test_retry_runs_again_then_fails_with_the_last_error(api: Any) -> None:
    ex = api.run(
        wf(
            "retry",
            """
  tasks:
    flaky:
      action: std.fail error_data="still broken"
      retry: {count: 2, delay: 0}
""",
        )
    )
    assert ex["state"] == "ERROR"
    task = api.tasks(ex["id"])["flaky"]
    actions = api.c.get(f"/v2/action_executions?task_execution_id={task['id']}").get_json()[
        "action_executions"
    ]
    assert len(actions) == 3
    assert sorted(a["accepted"] for a in actions) == [False, False, True]


def test_timeout_fails_a_slow_task_and_on_error_handles_it(api: Any) -> None:
    ex = api.run(
        wf(
            "timeout",
            """
  tasks:
    slow:
      action: std.sleep seconds=3
      timeout: 1
      on-error: [handled]
    handled:
      action: std.echo output="<% task(slow).state_info %>"
      publish: {why: <% task().result %>}
""",
        )
    )
    assert ex["state"] == "SUCCESS", ex["state_info"]
    assert json.loads(ex["output"]) == {"why": "Task timed out [timeout(s)=1]."}
    assert api.tasks(ex["id"])["slow"]["state"] == "ERROR"


def test_retry_backoff_delays_grow_are_durable_timers_and_are_recorded(api: Any) -> None:
    """wfq extension: `backoff` multiplies the delay at each retry; each wait is a stored timer
    (visible on the task while it waits) and the delays are kept in its runtime_context."""
    name = api.create_workflow(
        wf(
            "backoff",
            """
  tasks:
    flaky:
      action: std.fail error_data="down"
      retry: {count: 2, delay: 1, backoff: 3, max-delay: 60}
""",
        )
    )[0]["name"]
    ex_id = api.start(name)["id"]
    deadline = time.monotonic() + 30
    seen_second_wait = None
    while time.monotonic() < deadline and api.execution(ex_id)["state"] == "RUNNING":
        task = api.tasks(ex_id).get("flaky")
        rc = json.loads(task["runtime_context"]) if task else {}
        if task and task["state"] == "DELAYED" and rc.get("retry_no") == 2:
            seen_second_wait = (task["state_info"], rc)
        time.sleep(0.05)
    assert seen_second_wait is not None, "the second retry wait was never observed"
    state_info, rc = seen_second_wait
    assert state_info == "Delayed by 'retry' policy [delay=3]"
    assert "due" in rc["timers"]["retry"]
    ex = api.wait(ex_id)
    assert ex["state"] == "ERROR"
    task = api.tasks(ex_id)["flaky"]
    assert json.loads(task["runtime_context"])["retry_delays"] == [1, 3]
    actions = api.c.get(f"/v2/action_executions?task_execution_id={task['id']}").get_json()[
        "action_executions"
    ]
    started = sorted(_ts(a["created_at"]) for a in actions)
    assert len(started) == 3
    # Second-granular timestamps: a 3 s wait shows as at least 2 s.
    assert (started[2] - started[1]).total_seconds() >= 2
