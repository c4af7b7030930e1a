"""What the engine asks a WorkflowSpec: clauses with task-defaults, start/inbound tasks, policies,
publish precedence, reverse dependencies, and the cheap dict round trip."""

from __future__ import annotations

import json

import pytest

from wfq.dsl import (
    PublishSpec,
    RetrySpec,
    Transition,
    WorkflowSpec,
    parse_document,
    workflow_from_dict,
)
from wfq.errors import InvalidInput

DEFAULTS = """\
version: '2.0'
wf:
  task-defaults:
    on-error: [handle, cleanup]
    on-complete:
      publish: {branch: {ignored: 1}}
      next: [audit]
    retry: {count: 5, delay: 2}
    timeout: 60
    wait-before: 3
    safe-rerun: true
  tasks:
    a:
      action: x
      on-success: [b, c]
      on-error: [fix]
      retry: {count: 1, delay: 0}
      timeout: 0
      safe-rerun: false
    b:
      action: x
      on-success:
        publish: {branch: {from_b: 1}}
      on-complete: [d]
      wait-before: 7
    c: {action: x, on-success: [d]}
    d: {join: all, action: x}
    fix: {action: x}
    handle: {action: x}
    cleanup: {action: x}
    audit: {action: x}
"""


@pytest.fixture(scope="module")
def spec() -> WorkflowSpec:
    return parse_document(DEFAULTS).workflows[0]


def names(clause: object) -> list[str]:
    return [t.name for t in getattr(clause, "transitions", ())]


def test_own_clause_wins_over_task_defaults(spec: WorkflowSpec) -> None:
    assert names(spec.on_clause("a", "error")) == ["fix"]
    assert names(spec.on_clause("a", "success")) == ["b", "c"]


def test_task_defaults_clause_applies_minus_the_task_itself(spec: WorkflowSpec) -> None:
    assert names(spec.on_clause("c", "error")) == ["handle", "cleanup"]
    assert names(spec.on_clause("handle", "error")) == ["cleanup"]
    assert names(spec.on_clause("audit", "complete")) == []
    assert spec.on_clause("audit", "complete") is None
    assert names(spec.on_clause("a", "complete")) == ["audit"]


def test_task_defaults_publish_is_not_inherited(spec: WorkflowSpec) -> None:
    clause = spec.on_clause("a", "complete")
    assert clause is not None and clause.publish is None


def test_publish_only_clause_keeps_publish_and_takes_default_transitions() -> None:
    text = DEFAULTS.replace("on-error: [handle, cleanup]", "on-success: [audit]")
    spec = parse_document(text).workflows[0]
    clause = spec.on_clause("b", "success")
    assert clause is not None
    assert clause.transitions == (Transition("audit"),)
    assert clause.publish == PublishSpec(branch={"from_b": 1})


def test_no_clause_at_all(spec: WorkflowSpec) -> None:
    assert spec.on_clause("d", "success") is None
    with pytest.raises(ValueError):
        spec.on_clause("d", "finished")


def test_start_tasks_account_for_task_defaults(spec: WorkflowSpec) -> None:
    # handle, cleanup and audit are reached through task-defaults, fix through a's on-error.
    assert spec.start_tasks() == ["a"]


def test_inbound_and_outbound_tasks(spec: WorkflowSpec) -> None:
    assert spec.inbound_tasks("d") == ("b", "c")
    assert spec.inbound_tasks("a") == ()
    # b has its own on-complete, so it does not inherit the default one.
    assert spec.inbound_tasks("audit") == ("a", "c", "d", "fix", "handle", "cleanup")
    assert spec.outbound_tasks("a") == ("b", "c", "fix", "audit")


def test_policies_merge_task_and_defaults_per_key(spec: WorkflowSpec) -> None:
    a = spec.policies("a")
    assert a.retry == RetrySpec(1, 0)  # the task's retry replaces the default one whole
    assert a.timeout == 60  # 0 counts as "not set", as in Mistral
    assert a.wait_before == 3
    assert a.safe_rerun is False  # present on the task: the task wins
    b = spec.policies("b")
    assert b.retry == RetrySpec(5, 2) and b.wait_before == 7 and b.safe_rerun is True
    assert b.pause_before is False and b.concurrency == 0


def test_policies_without_task_defaults() -> None:
    text = "version: '2.0'\nwf:\n  tasks:\n    a: {action: x, concurrency: <% $.n %>}\n"
    p = parse_document(text).workflows[0].policies("a")
    assert p.concurrency == "<% $.n %>" and p.retry is None and p.safe_rerun is False


def test_effective_publish_precedence() -> None:
    text = """\
version: '2.0'
wf:
  tasks:
    a:
      action: x
      publish: {v: task, only_task: 1}
      publish-on-error: {e: 1}
      on-complete:
        publish: {branch: {v: complete, only_complete: 1}, global: {g: complete}}
      on-success:
        publish: {branch: {v: success}, global: {g: success}}
"""
    spec = parse_document(text).workflows[0]
    ok = spec.effective_publish("a", success=True)
    assert ok.branch == {"v": "success", "only_task": 1, "only_complete": 1}
    assert ok.global_ == {"g": "success"}
    failed = spec.effective_publish("a", success=False)
    assert failed.branch == {"e": 1, "v": "complete", "only_complete": 1}
    assert failed.global_ == {"g": "complete"}


def test_reverse_requires_and_levels() -> None:
    text = """\
version: '2.0'
wf:
  type: reverse
  tasks:
    t1: {requires: [t2, t5, t6]}
    t2: {requires: [t7, t8]}
    t3: {requires: t4}
    t4: {}
    t5: {requires: t7}
    t6: {}
    t7: {}
    t8: {}
""".replace("{}", "{action: x}")
    spec = parse_document(text).workflows[0]
    assert spec.requires("t1") == ("t2", "t5", "t6")
    assert spec.tasks_to_run("t1") == [["t6", "t7", "t8"], ["t2", "t5"], ["t1"]]
    assert spec.tasks_to_run("t3") == [["t4"], ["t3"]]
    with pytest.raises(InvalidInput):
        spec.tasks_to_run("nope")


def test_round_trip_through_dict(spec: WorkflowSpec) -> None:
    data = json.loads(json.dumps(spec.to_dict()))  # what a JSON column gives back
    rebuilt = workflow_from_dict(data)
    assert rebuilt == spec
    assert rebuilt.definition == spec.definition and rebuilt.checksum == spec.checksum
    assert rebuilt.start_tasks() == spec.start_tasks()
    assert rebuilt.inbound_tasks("d") == ("b", "c")


def test_workflow_from_dict_is_memoised(spec: WorkflowSpec) -> None:
    data = spec.to_dict()
    assert workflow_from_dict(data) is workflow_from_dict(dict(data))
    del data["checksum"]  # computed from the content when missing
    first = workflow_from_dict(data)
    assert first is workflow_from_dict(data) and first == spec


def test_workbook_workflow_round_trip_keeps_resolution() -> None:
    text = """\
version: '2.0'
name: wb
workflows:
  main:
    tasks:
      a: {action: helper, on-success: [b]}
      b: {workflow: sub}
  sub:
    tasks:
      s: {action: std.noop}
actions:
  helper: {base: std.noop}
"""
    main = parse_document(text).workflows[0]
    data = json.loads(json.dumps(main.to_dict()))
    data["checksum"] = "force-a-rebuild"
    rebuilt = workflow_from_dict(data)
    assert rebuilt is not main
    assert rebuilt.tasks["a"].action == "wb.helper" and rebuilt.tasks["b"].workflow == "wb.sub"
    assert rebuilt.workbook_name == "wb" and rebuilt.name == "wb.main"
