"""with-items on real workers: lanes in a Celery chord (Redis result backend), results in order."""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_core_workflows import wf

pytestmark = pytest.mark.integration


def test_items_results_are_ordered_and_published(api: Any) -> None:
    ex = api.run(wf("items", """
  input: [names]
  output: {all: <% $.all %>}
  tasks:
    each:
      with-items: name in <% $.names %>
      action: std.echo output="hello <% $.name %>"
      publish: {all: <% task().result %>}
"""), {"names": [f"n{i}" for i in range(40)]})
    assert ex["state"] == "SUCCESS", ex["state_info"]
    assert json.loads(ex["output"]) == {"all": [f"hello n{i}" for i in range(40)]}
    task = api.tasks(ex["id"])["each"]
    assert json.loads(task["runtime_context"])["with_items"] == {"count": 40, "capacity": None}
    actions = api.c.get(f"/v2/action_executions?task_execution_id={task['id']}&limit=100").get_json()
    assert len(actions["action_executions"]) == 40


def test_concurrency_and_a_failing_item(api: Any) -> None:
    ex = api.run(wf("itemsfail", """
  tasks:
    each:
      with-items: n in <% range(0, 12) %>
      concurrency: 3
      action: std.fail
      input:
        error_data: <% $.n = 7 and 'seven is bad' or '' %>
"""))
    assert ex["state"] == "ERROR"
    task = api.tasks(ex["id"])["each"]
    assert task["state"] == "ERROR" and task["state_info"] == "One or more actions had failed."
    assert "seven is bad" in ex["state_info"]


def test_a_thousand_items(api: Any) -> None:
    ex = api.run(wf("kitems", """
  tasks:
    each:
      with-items: n in <% range(0, 1000) %>
      action: std.echo output=<% $.n %>
      publish: {total: <% task().result.sum() %>}
"""))
    assert ex["state"] == "SUCCESS", ex["state_info"]
    assert json.loads(ex["output"]) == {"total": sum(range(1000))}
