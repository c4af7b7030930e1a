"""Nested subworkflows on SQLite with work run inline (issue 15): starts and completions of a
deep chain do not nest calls, `max_subworkflow_depth` ends a workflow that runs itself with a
clear error (and the integrity check does not grow the chain), a failed child is summarised
once per level, and every state_info is capped."""

from __future__ import annotations

from typing import Any

import pytest
from wfq_testing import inline_services

from wfq.persistence.models import ActionExecution, TaskExecution, WorkflowExecution
from wfq.services import definitions, executions, queries, recovery

P = "<default-project>"

SELF = """version: '2.0'
again:
  tasks:
    call:
      workflow: again
"""


def _nested(levels: int, leaf_error: str | None) -> str:
    """Workflows l0 (the root) .. l{levels}: each calls the next as its first task; the last
    one fails with `leaf_error` (None: succeeds)."""
    text = "version: '2.0'\n"
    for i in range(levels):
        text += f"l{i}:\n  tasks:\n    call{i}:\n      workflow: l{i + 1}\n"
    action = f'std.fail error_data="{leaf_error}"' if leaf_error else "std.noop"
    text += f"l{levels}:\n  tasks:\n    leaf:\n      action: {action}\n"
    return text


def _run(svc: Any, name: str, wf_input: dict[str, Any] | None = None) -> dict[str, Any]:
    ex_id = executions.start_execution(svc, name, project_id=P, wf_input=wf_input or {})
    svc.dispatcher.drain()
    return queries.get(svc, "execution", ex_id, project_id=P)


def _rows(svc: Any, model: Any) -> list[Any]:
    with svc.db.read() as session:
        return list(session.query(model).all())


def test_a_workflow_that_runs_itself_ends_in_error_at_the_maximum_depth(sqlite_url: str) -> None:
    svc = inline_services(sqlite_url, max_subworkflow_depth=8)
    definitions.create_workflows(svc, SELF, project_id=P)
    root = _run(svc, "again")
    assert root["state"] == "ERROR"
    chain = _rows(svc, WorkflowExecution)
    assert len(chain) == 9  # the root and 8 nested executions, no more
    assert {ex.state for ex in chain} == {"ERROR"}
    deepest = next(
        ex
        for ex in chain
        if "Maximum subworkflow depth 8 exceeded" in (ex.state_info or "")
        and "of subworkflow" not in ex.state_info
    )
    assert "would start 'again' at depth 9" in deepest.state_info
    assert "max_subworkflow_depth" in deepest.state_info
    # The root names the depth once, in a short text.
    assert root["state_info"].count("Maximum subworkflow depth 8 exceeded") == 1
    assert len(root["state_info"]) < 1500


def test_the_integrity_check_does_not_grow_a_chain_stopped_at_the_depth(sqlite_url: str) -> None:
    svc = inline_services(sqlite_url, max_subworkflow_depth=4, dispatch_grace_s=0)
    definitions.create_workflows(svc, SELF, project_id=P)
    _run(svc, "again")
    before = len(_rows(svc, WorkflowExecution))
    for _ in range(3):
        recovery.recover(svc)
        svc.dispatcher.drain()
    assert len(_rows(svc, WorkflowExecution)) == before == 5


def test_a_chain_deeper_than_python_recursion_allowed_completes(sqlite_url: str) -> None:
    # 236 nested starts ended in a RecursionError: each start carried out its child's start
    # inside its own call. Now the starts (and the completions back up) are a work list.
    svc = inline_services(sqlite_url, max_subworkflow_depth=400)
    definitions.create_workflows(svc, _nested(300, None), project_id=P)
    root = _run(svc, "l0")
    assert root["state"] == "SUCCESS", root["state_info"]
    assert len(_rows(svc, WorkflowExecution)) == 301


def test_a_failure_deep_down_is_summarised_once_at_each_level(sqlite_url: str) -> None:
    svc = inline_services(sqlite_url)
    cause = "the disk is full"
    definitions.create_workflows(svc, _nested(12, cause), project_id=P)
    root = _run(svc, "l0")
    assert root["state"] == "ERROR"
    info = root["state_info"]
    # Was 2**12 copies of the leaf's text (16 levels: 19.7 MB).
    assert info.count(cause) == 1, info
    assert len(info) < 1000
    assert "Failure caused by error in task 'call1' of subworkflow 'l1'" in info
    tasks = {t.name: t for t in _rows(svc, TaskExecution)}
    assert tasks["call0"].state_info.startswith(
        "Failure caused by error in task 'call1' of subworkflow 'l1'"
    )
    assert tasks["call0"].state_info.endswith(cause)
    assert tasks["call11"].state_info.startswith(
        "Failure caused by error in task 'leaf' of subworkflow 'l12'"
    )


@pytest.mark.parametrize("model", [WorkflowExecution, TaskExecution])
def test_every_state_info_is_capped(sqlite_url: str, model: Any) -> None:
    svc = inline_services(sqlite_url)
    svc.db = type(svc.db)(sqlite_url, state_info_max_kb=1)
    definitions.create_workflows(svc, _nested(1, "x" * 20000), project_id=P)
    root = _run(svc, "l0")
    assert root["state"] == "ERROR"
    infos = [r.state_info for r in _rows(svc, model) if r.state_info]
    assert infos
    assert max(len(i) for i in infos) <= 1024
    assert any("characters cut" in i for i in infos)
    failed = [ex for ex in _rows(svc, WorkflowExecution) if ex.state == "ERROR"]
    assert all(len(ex.output["result"]) <= 1024 for ex in failed)


def test_an_action_execution_state_info_is_capped_when_stored(sqlite_url: str) -> None:
    svc = inline_services(sqlite_url)
    svc.db = type(svc.db)(sqlite_url, state_info_max_kb=1)
    definitions.create_workflows(svc, _nested(0, "boom"), project_id=P)
    _run(svc, "l0")
    (action,) = _rows(svc, ActionExecution)
    with svc.db.write() as session:
        session.get(ActionExecution, action.id).state_info = "y" * 5000 + "the end"
    (stored,) = _rows(svc, ActionExecution)
    assert len(stored.state_info) <= 1024
    assert stored.state_info.startswith("yyy") and stored.state_info.endswith("the end")
