"""`executions()` (Mistral's std function) lists the workflow executions of the running
execution's project, filtered by id, root execution, state and creation time; never another
project's. Named YAQL arguments follow YAQL's convention (`fromTime =>`), as for `tasks()`."""

from __future__ import annotations

import json
from typing import Any

import pytest
from wfq_testing import inline_services

from wfq.services import definitions, executions, queries

P = "<default-project>"

WORKFLOWS = """
version: '2.0'
count:
  input: [root]
  output:
    all_ids: <% $.all_ids %>
    mine: <% $.mine %>
    success: <% $.success %>
    after_now: <% $.after_now %>
    under_root: <% $.under_root %>
  tasks:
    look:
      action: std.noop
      publish:
        all_ids: <% executions().id %>
        mine: <% executions(id => execution().id).select([$.id, $.name, $.state]) %>
        success: <% executions(state => SUCCESS).id %>
        after_now: <% executions(fromTime => '2999-01-01 00:00:00').id %>
        under_root: <% executions(null, $.root).id %>
jinja:
  output:
    n: "{{ executions()|length }}"
  tasks:
    t:
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


def test_executions_filters_like_mistral_within_the_project(svc: Any) -> None:
    foreign = _run(svc, "count", "other-project", root="none")
    first = _run(svc, "count", root="none")
    second = _run(svc, "count", root=first["id"])
    assert second["state"] == "SUCCESS", second["state_info"]
    out = second["output"]
    assert out["all_ids"] == [first["id"], second["id"]]  # oldest first, this project only
    assert foreign["id"] not in out["all_ids"]
    assert out["mine"] == [[second["id"], "count", "RUNNING"]]
    assert out["success"] == [first["id"]]
    assert out["after_now"] == []
    assert out["under_root"] == []  # `first` is a root execution, nobody's child


def test_executions_from_jinja(svc: Any) -> None:
    _run(svc, "count", root="none")
    done = _run(svc, "jinja")
    assert done["state"] == "SUCCESS", done["state_info"]
    assert json.loads(json.dumps(done["output"])) == {"n": 2}


def test_a_bad_time_fails_the_task_with_a_readable_reason(svc: Any) -> None:
    text = (
        "version: '2.0'\nbad_time:\n  output:\n    x: <% executions(null, null, null, null, 'soon') %>\n"
        "  tasks:\n    t: {action: std.noop}\n"
    )
    definitions.create_workflows(svc, text, project_id=P)
    done = _run(svc, "bad_time")
    assert done["state"] == "ERROR"
    assert "soon" in done["state_info"]
