"""`GET /v2/executions/<id>/report` (`mistral execution-get-report`): the tree of tasks, action
executions and subworkflows, with `errors_only`, `max_depth` and Mistral's statistics."""

from __future__ import annotations

from typing import Any

import pytest
from wfq_testing import inline_services

from wfq.api.app import create_app
from wfq.services import definitions, executions

P = "<default-project>"
WORKFLOWS = """
version: '2.0'
main:
  tasks:
    first:
      action: std.noop
      on-success: [call]
    call:
      workflow: child
child:
  tasks:
    fine:
      action: std.noop
    broken:
      action: std.fail error_data="boom"
      retry: {count: 1, delay: 0}
"""


@pytest.fixture
def run(sqlite_url: str) -> tuple[Any, str]:
    svc = inline_services(sqlite_url)
    definitions.create_workflows(svc, WORKFLOWS, project_id=P)
    ex_id = executions.start_execution(svc, "main", project_id=P)
    svc.dispatcher.drain()
    return create_app(svc).test_client(), ex_id


def _names(entry: dict[str, Any]) -> list[str]:
    return [t["name"] for t in entry.get("task_executions", [])]


def test_the_whole_tree_with_statistics(run: tuple[Any, str]) -> None:
    client, ex_id = run
    report = client.get(f"/v2/executions/{ex_id}/report").get_json()
    root = report["root_workflow_execution"]
    assert (root["id"], root["name"], root["state"]) == (ex_id, "main", "ERROR")
    assert _names(root) == ["first", "call"]
    first, call = root["task_executions"]
    assert [a["name"] for a in first["action_executions"]] == ["std.noop"]
    assert first["action_executions"][0]["accepted"] is True
    (child,) = call["workflow_executions"]
    assert child["name"] == "child" and sorted(_names(child)) == ["broken", "fine"]
    broken = next(t for t in child["task_executions"] if t["name"] == "broken")
    assert broken["state"] == "ERROR" and broken["retry_count"] == 1
    assert [a["state"] for a in broken["action_executions"]] == ["ERROR", "ERROR"]
    assert report["statistics"] == {
        "total_tasks_count": 4,
        "running_tasks_count": 0,
        "success_tasks_count": 2,
        "error_tasks_count": 2,
        "idle_tasks_count": 0,
        "paused_tasks_count": 0,
        "estimated_time": 0,
    }


def test_errors_only_and_max_depth(run: tuple[Any, str]) -> None:
    client, ex_id = run
    errors = client.get(f"/v2/executions/{ex_id}/report?errors_only=True").get_json()
    root = errors["root_workflow_execution"]
    assert _names(root) == ["call"]
    assert _names(root["task_executions"][0]["workflow_executions"][0]) == ["broken"]
    assert errors["statistics"]["total_tasks_count"] == 2
    shallow = client.get(f"/v2/executions/{ex_id}/report?max_depth=0").get_json()
    (child,) = shallow["root_workflow_execution"]["task_executions"][1]["workflow_executions"]
    assert "task_executions" not in child  # shown, without its tasks
    assert shallow["statistics"]["total_tasks_count"] == 2
    stats = client.get(f"/v2/executions/{ex_id}/report?statistics_only=true").get_json()
    assert set(stats) == {"statistics"} and stats["statistics"]["total_tasks_count"] == 4


def test_unknown_execution_and_bad_depth(run: tuple[Any, str]) -> None:
    client, ex_id = run
    assert client.get("/v2/executions/nope/report").status_code == 404
    assert client.get(f"/v2/executions/{ex_id}/report?max_depth=deep").status_code == 400
