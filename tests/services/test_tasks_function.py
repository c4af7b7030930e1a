"""`tasks(id)` and `tasks(id, true)` read task executions beyond the running execution: those of
another execution of the same project, and those of subworkflows at every depth (Mistral's
std_functions), never another project's."""

from __future__ import annotations

from typing import Any

import pytest
from wfq_testing import inline_services

from wfq.services import definitions, executions, queries

P = "<default-project>"

WORKFLOWS = """
version: '2.0'
main:
  input: [other]
  output:
    own: <% $.own %>
    deep: <% $.deep %>
    deep_success: <% $.deep_success %>
    other: <% $.other_tasks %>
  tasks:
    call:
      workflow: middle
      on-success: [count]
    count:
      publish:
        own: <% tasks(execution().id).name.orderBy($) %>
        deep: <% tasks(execution().id, true).name.orderBy($) %>
        deep_success: <% len(tasks(execution().id, true, SUCCESS)) %>
        other_tasks: <% tasks($.other).name.orderBy($) %>
middle:
  tasks:
    m1:
      workflow: leaf
leaf:
  tasks:
    l1:
      action: std.noop
      on-success: [l2]
    l2:
      action: std.noop
"""


@pytest.fixture
def svc(sqlite_url: str) -> Any:
    svc = inline_services(sqlite_url)
    definitions.create_workflows(svc, WORKFLOWS, project_id=P)
    definitions.create_workflows(svc, WORKFLOWS, project_id="other-project")
    return svc


def _run(svc: Any, workflow: str, project: str = P, **wf_input: Any) -> dict[str, Any]:
    ex_id = executions.start_execution(svc, workflow, project_id=project, wf_input=wf_input)
    svc.dispatcher.drain()
    return queries.get(svc, "execution", ex_id, project_id=project)


def test_recursive_tasks_include_every_subworkflow_level(svc: Any) -> None:
    leaf = _run(svc, "leaf")
    ex = _run(svc, "main", other=leaf["id"])
    assert ex["state"] == "SUCCESS", ex["state_info"]
    out = ex["output"]
    assert out["own"] == ["call", "count"]
    assert out["deep"] == ["call", "count", "l1", "l2", "m1"]
    # A task publishes once it has its state (Mistral's Task.complete), so `count` is counted.
    assert out["deep_success"] == 5
    assert out["other"] == ["l1", "l2"]


def test_another_projects_execution_has_no_tasks_here(svc: Any) -> None:
    foreign = _run(svc, "leaf", project="other-project")
    ex = _run(svc, "main", other=foreign["id"])
    assert ex["state"] == "SUCCESS", ex["state_info"]
    assert ex["output"]["other"] == []
