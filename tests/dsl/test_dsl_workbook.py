"""Workbooks (qualified names, sibling references) and ad-hoc action files."""

from __future__ import annotations

import json

import yaml

from wfq.dsl import InputParam, action_from_dict, parse_document, validate_document
from wfq.errors import Issue

WORKBOOK = """\
---
version: '2.0'

name: my_workbook
description: My set of workflows and ad-hoc actions
tags: [team]

workflows:
  local_workflow1:
    type: direct
    tasks:
      task1:
        action: local_action str1='Hi' str2=' Mistral!'
        on-complete:
          - task2
      task2:
        action: global_action

  local_workflow2:
    type: reverse
    tasks:
      task1:
        workflow: local_workflow1
      task2:
        workflow: global_workflow param1='val1' param2='val2'
        requires: [task1]

actions:
  local_action:
    input:
      - str1
      - str2
    base: std.echo output="<% $.str1 %><% $.str2 %>"
  wrapper:
    base: local_action str1="a"
    base-input: {str2: b}
"""


def test_workbook_names_are_qualified_and_siblings_resolved() -> None:
    doc = parse_document(WORKBOOK)
    assert doc.kind == "workbook"
    wb = doc.workbook
    assert wb is not None and wb.name == "my_workbook" and wb.tags == ("team",)
    assert wb.definition == WORKBOOK
    assert [w.name for w in doc.workflows] == [
        "my_workbook.local_workflow1",
        "my_workbook.local_workflow2",
    ]
    assert [a.name for a in doc.actions] == ["my_workbook.local_action", "my_workbook.wrapper"]
    wf1, wf2 = doc.workflows
    assert wf1.workbook_name == "my_workbook"
    assert wf1.tasks["task1"].action == "my_workbook.local_action"
    assert wf1.tasks["task1"].input == {"str1": "Hi", "str2": " Mistral!"}
    assert wf1.tasks["task2"].action == "global_action"  # not a sibling: left for run time
    assert wf2.tasks["task1"].workflow == "my_workbook.local_workflow1"
    assert wf2.tasks["task2"].workflow == "global_workflow"
    assert wf1.raw["tasks"]["task1"]["action"].startswith("local_action")  # raw is as written
    assert wf1.refs["actions"]["local_action"] == "my_workbook.local_action"


def test_workbook_actions() -> None:
    local, wrapper = parse_document(WORKBOOK).actions
    assert local.base == "std.echo"
    assert local.base_input == {"output": "<% $.str1 %><% $.str2 %>"}
    assert local.input == (InputParam("str1"), InputParam("str2"))
    assert local.workbook_name == "my_workbook"
    assert wrapper.base == "my_workbook.local_action"
    assert wrapper.base_input == {"str1": "a", "str2": "b"}
    assert action_from_dict(wrapper.to_dict()) == wrapper


def test_workbook_item_definitions_are_cut_from_the_text() -> None:
    doc = parse_document(WORKBOOK)
    wf1 = doc.workflows[0]
    assert wf1.definition.startswith("---\nversion: '2.0'\n\nlocal_workflow1:\n  type: direct\n")
    assert "local_workflow2" not in wf1.definition
    assert yaml.safe_load(wf1.definition) == {"version": "2.0", "local_workflow1": wf1.raw}
    action = doc.actions[0]
    assert yaml.safe_load(action.definition) == {"version": "2.0", "local_action": action.raw}


def test_json_workbook() -> None:
    text = json.dumps(
        {
            "version": "2.0",
            "name": "wb",
            "workflows": {"w": {"tasks": {"t": {"action": "a", "on-success": ["u"]}, "u": {}}}},
            "actions": {"a": {"base": "std.noop"}},
        },
        indent=2,
    ).replace('"u": {}', '"u": {"workflow": "w"}')
    doc = parse_document(text)
    (wf,) = doc.workflows
    assert wf.name == "wb.w" and wf.tasks["t"].action == "wb.a" and wf.tasks["u"].workflow == "wb.w"
    assert yaml.safe_load(wf.definition) == {"version": "2.0", "w": wf.raw}


ACTIONS = """\
---
version: '2.0'

greet:
  description: Says hello
  tags: [demo]
  input:
    - name
    - greeting: Hello
  base: std.echo output="<% $.greeting %>, <% $.name %>"
  output: <% $ %>

shout:
  base: std.echo output="inline"
  base-input:
    output: from base-input
    extra: 1
"""


def test_ad_hoc_actions_file() -> None:
    doc = parse_document(ACTIONS)
    assert doc.kind == "actions" and doc.workflows == ()
    greet, shout = doc.actions
    assert greet.name == "greet" and greet.base == "std.echo"
    assert greet.input == (InputParam("name"), InputParam("greeting", "Hello", True))
    assert greet.output == "<% $ %>" and greet.description == "Says hello"
    assert greet.base_input == {"output": "<% $.greeting %>, <% $.name %>"}
    # For ad-hoc actions the inline value wins over base-input (Mistral's code).
    assert shout.base_input == {"output": "inline", "extra": 1}
    assert yaml.safe_load(shout.definition) == {"version": "2.0", "shout": shout.raw}


def test_kind_can_be_forced() -> None:
    text = "version: '2.0'\nsolo:\n  base: std.noop\n"
    assert parse_document(text).kind == "actions"
    found = validate_document(text, kind="workflows")
    unexpected = "Additional properties are not allowed ('base' was unexpected)"
    assert Issue("solo.base", unexpected) in found
    assert Issue("solo", "'tasks' is a required property") in found


def test_kind_detection_edge_cases() -> None:
    nameless = "version: '2.0'\nworkflows:\n  w: {tasks: {a: {action: x}}}\n"
    assert validate_document(nameless) == [Issue("", "'name' is a required property")]
    named_workflows = "version: '2.0'\nworkflows:\n  tasks: {a: {action: x}}\n"
    assert [w.name for w in parse_document(named_workflows).workflows] == ["workflows"]
