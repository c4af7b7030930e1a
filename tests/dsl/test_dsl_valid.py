"""Valid documents parse into the expected specs."""

from __future__ import annotations

import json

import yaml

from wfq.dsl import (
    ENGINE_COMMANDS,
    InputParam,
    PublishSpec,
    RetrySpec,
    Transition,
    parse_document,
    validate_document,
)

DIRECT = """\
---
version: '2.0'

create_vm:
  description: Simple workflow
  tags: [demo]
  input:
    - vm_name
    - flavor: m1.small
    - empty: null
  output:
    vm_id: <% $.vm_id %>
  output-on-error:
    reason: failed
  vars:
    attempts: 0
  tasks:
    create_server:
      description: makes it
      tags: [vm]
      action: nova.servers_create name=<% $.vm_name %> flavor="big" count=2
      input:
        flavor: <% $.flavor %>
      publish:
        vm_id: <% task().result.id %>
      publish-on-error:
        error: <% task().result %>
      on-success:
        - wait_for_instance
      on-error:
        - notify: <% $.attempts < 3 %>
        - fail msg="could not create"
      on-complete: [log]
      retry:
        count: 3
        delay: 5
        break-on: <% $.fatal %>
        continue-on: <% $.busy %>
      wait-before: 1
      wait-after: 2
      timeout: 30
      pause-before: false
      concurrency: 4
      keep-result: false
      safe-rerun: true
      target: <% $.executor %>
    wait_for_instance:
      workflow: wait_wf vm_id=<% $.vm_id %>
      with-items:
        - i in <% $.ids %>
        - j in [1, 2]
      join: all
    notify:
      action: std.echo output="oops"
    log:
      join: one
      on-complete:
        publish:
          branch: {logged: true}
          global: {seen: <% $.vm_id %>}
          atomic: {n: 1}
        next:
          - succeed: <% $.vm_id != null %>
          - pause
"""


def test_direct_workflow_every_task_key() -> None:
    doc = parse_document(DIRECT)
    assert doc.kind == "workflows" and doc.version == "2.0" and doc.workbook is None
    (wf,) = doc.workflows
    assert wf.name == "create_vm" and wf.type == "direct" and wf.tags == ("demo",)
    assert wf.input == (
        InputParam("vm_name"),
        InputParam("flavor", "m1.small", True),
        InputParam("empty", None, True),
    )
    assert wf.output == {"vm_id": "<% $.vm_id %>"}
    assert wf.output_on_error == {"reason": "failed"}
    assert wf.vars == {"attempts": 0}
    assert wf.definition == DIRECT  # a one-workflow file keeps its whole text

    t = wf.tasks["create_server"]
    assert t.action == "nova.servers_create" and t.workflow is None
    assert t.input == {"name": "<% $.vm_name %>", "flavor": "<% $.flavor %>", "count": 2}
    assert t.publish == PublishSpec(branch={"vm_id": "<% task().result.id %>"})
    assert t.publish_on_error.branch == {"error": "<% task().result %>"}
    assert t.on_success is not None
    assert t.on_success.transitions == (Transition("wait_for_instance"),)
    assert t.on_error is not None and t.on_error.transitions == (
        Transition("notify", "<% $.attempts < 3 %>"),
        Transition("fail", None, {"msg": "could not create"}, True),
    )
    assert t.retry == RetrySpec(3, 5, "<% $.fatal %>", "<% $.busy %>")
    assert (t.wait_before, t.wait_after, t.timeout, t.concurrency) == (1, 2, 30, 4)
    assert t.pause_before is False and t.keep_result is False and t.safe_rerun is True
    assert t.target == "<% $.executor %>" and t.tags == ("vm",) and t.description == "makes it"
    assert t.raw["action"].startswith("nova.servers_create")

    w = wf.tasks["wait_for_instance"]
    assert w.action is None and w.workflow == "wait_wf" and w.input == {"vm_id": "<% $.vm_id %>"}
    assert w.with_items == (("i", "<% $.ids %>"), ("j", [1, 2]))
    assert w.join == "all"
    assert wf.tasks["log"].join == 1  # 'one' means 1


def test_neither_action_nor_workflow_means_std_noop() -> None:
    doc = parse_document("version: '2.0'\nwf:\n  tasks:\n    t: {publish: {a: 1}}\n")
    task = doc.workflows[0].tasks["t"]
    assert task.action == "std.noop" and task.workflow is None
    assert task.keep_result is True and task.safe_rerun is False and task.retry is None


def test_advanced_on_clause_publish_scopes_and_engine_commands() -> None:
    wf = parse_document(DIRECT).workflows[0]
    clause = wf.tasks["log"].on_complete
    assert clause is not None
    assert clause.publish == PublishSpec({"logged": True}, {"seen": "<% $.vm_id %>"}, {"n": 1})
    assert clause.transitions == (
        Transition("succeed", "<% $.vm_id != null %>", {}, True),
        Transition("pause", None, {}, True),
    )
    assert set(ENGINE_COMMANDS) == {"fail", "succeed", "pause", "noop"}


def test_engine_command_forms() -> None:
    text = """\
version: '2.0'
wf:
  tasks:
    a:
      on-success:
        - fail(msg="with parens")
        - fail msg=<% $.why %>
        - fail msg=bare
        - noop
        - fail: <% $.bad %>
"""
    clause = parse_document(text).workflows[0].tasks["a"].on_success
    assert clause is not None
    assert [(t.name, t.params, t.condition, t.is_engine_command) for t in clause.transitions] == [
        ("fail", {"msg": "with parens"}, None, True),
        ("fail", {"msg": "<% $.why %>"}, None, True),
        ("fail", {}, None, True),  # the bare word is dropped
        ("noop", {}, None, True),
        ("fail", {}, "<% $.bad %>", True),
    ]


def test_task_named_like_an_engine_command_loses() -> None:
    text = """\
version: '2.0'
wf:
  tasks:
    a: {on-success: [fail]}
    fail: {action: std.echo output="I am a task"}
"""
    wf = parse_document(text).workflows[0]
    clause = wf.on_clause("a", "success")
    assert clause is not None and clause.transitions[0].is_engine_command
    assert wf.start_tasks() == ["a"]  # as in Mistral, the task is not a start task either


def test_reverse_workflow() -> None:
    text = """\
version: '2.0'
rev:
  type: reverse
  task-defaults:
    requires: [setup]
    timeout: 10
  tasks:
    setup: {action: std.noop}
    a: {action: std.echo output=1, requires: b}
    b: {action: std.noop}
    c: {action: std.noop, requires: [a, b]}
    lone: {action: std.noop}
"""
    wf = parse_document(text).workflows[0]
    assert wf.type == "reverse" and wf.start_tasks() == []
    assert wf.requires("setup") == ()  # a task never requires itself
    assert wf.requires("a") == ("b", "setup")
    assert wf.tasks["a"].on_success is None and wf.tasks["a"].join is None
    assert wf.tasks_to_run("c") == [["setup"], ["b"], ["a"], ["c"]]
    assert wf.tasks_to_run("setup") == [["setup"]]
    assert wf.policies("c").timeout == 10


def test_input_precedence_follows_the_documentation() -> None:
    text = """\
version: '2.0'
wf:
  tasks:
    t:
      action: std.echo output="inline" other=1
      input: {output: from_input}
"""
    task = parse_document(text).workflows[0].tasks["t"]
    assert task.input == {"output": "from_input", "other": 1}


def test_expression_input_is_kept_as_a_string() -> None:
    text = "version: '2.0'\nwf:\n  tasks:\n    t: {workflow: sub, input: <% $.params %>}\n"
    assert parse_document(text).workflows[0].tasks["t"].input == "<% $.params %>"


def test_one_line_retry() -> None:
    text = (
        "version: '2.0'\nwf:\n  tasks:\n    t:\n"
        "      action: x\n      retry: count=10 delay=5 break-on=<% $.foo = 'bar' %>\n"
    )
    task = parse_document(text).workflows[0].tasks["t"]
    assert task.retry == RetrySpec(10, 5, "<% $.foo = 'bar' %>", None)


def test_json_text_is_accepted() -> None:
    data = {
        "version": "2.0",
        "wf": {"tasks": {"a": {"action": "std.noop", "on-success": ["b"]}, "b": {}}},
    }
    data["wf"]["tasks"]["b"] = {"action": "std.echo output=1"}
    doc = parse_document(json.dumps(data))
    assert doc.workflows[0].start_tasks() == ["a"]
    assert doc.workflows[0].tasks["b"].input == {"output": 1}


def test_numeric_version_is_accepted() -> None:
    assert validate_document("version: 2.0\nwf: {tasks: {a: {action: x}}}") == []


def test_several_workflows_get_their_own_definition() -> None:
    text = """\
version: '2.0'

first:
  tasks:
    a: {action: std.noop}

# about the second
second:
  type: reverse
  tasks:
    b: {action: std.noop}
"""
    first, second = parse_document(text).workflows
    assert first.definition.startswith("---\nversion: '2.0'\n")
    for wf in (first, second):
        loaded = yaml.safe_load(wf.definition)
        assert loaded == {"version": "2.0", wf.name: wf.raw}


def test_json_with_several_workflows_falls_back_to_rendered_definitions() -> None:
    text = json.dumps(
        {"version": "2.0", "x": {"tasks": {"a": {"action": "q"}}}, "y": {"tasks": {"b": {}}}}
    ).replace('{"b": {}}', '{"b": {"action": "r"}}')
    x, y = parse_document(text).workflows
    assert yaml.safe_load(x.definition) == {"version": "2.0", "x": x.raw}
    assert yaml.safe_load(y.definition) == {"version": "2.0", "y": y.raw}


def test_timestamps_stay_strings() -> None:
    text = "version: '2.0'\nwf:\n  tasks:\n    a: {action: x, input: {day: 2024-01-31}}\n"
    assert parse_document(text).workflows[0].tasks["a"].input == {"day": "2024-01-31"}


def test_anchors_and_merge_keys_are_accepted() -> None:
    text = """\
version: '2.0'
wf:
  task-defaults:
    retry: &retry {count: 2, delay: 1}
  tasks:
    a: {action: x, retry: *retry}
    b: {<<: {action: y}, timeout: 3}
"""
    wf = parse_document(text).workflows[0]
    assert wf.tasks["a"].retry == RetrySpec(2, 1)
    assert wf.tasks["b"].action == "y" and wf.tasks["b"].timeout == 3
