"""`revert:` (alias `on-revert:`), the wfq compensation extension: accepted forms, and a precise
message for each malformed value."""

from __future__ import annotations

import pytest

from wfq.dsl import parse_document, validate_document
from wfq.dsl.revert import RevertSpec
from wfq.errors import DSLParseError, DSLValidationError, Issue


def wf(task: str) -> str:
    return f"version: '2.0'\nwf:\n  tasks:\n    t1:\n      action: std.noop\n{task}"


def revert_of(text: str) -> RevertSpec | None:
    return parse_document(text).workflows[0].tasks["t1"].revert


def issues_of(text: str) -> list[Issue]:
    found = validate_document(text)
    with pytest.raises((DSLValidationError, DSLParseError)):
        parse_document(text)
    return found


def test_an_action_with_inline_parameters() -> None:
    spec = revert_of(wf("      revert: std.echo output=<% task().result %> n=2\n"))
    assert spec == RevertSpec(action="std.echo", input={"output": "<% task().result %>", "n": 2})


def test_a_mapping_with_an_action_or_a_workflow_and_input() -> None:
    spec = revert_of(
        wf("      revert:\n        action: std.echo output=1\n        input: {output: 2, x: 3}\n")
    )
    assert spec == RevertSpec(action="std.echo", input={"output": 2, "x": 3})
    spec = revert_of(wf("      on-revert: {workflow: undo, input: '<% {a => 1} %>'}\n"))
    assert spec == RevertSpec(workflow="undo", input="<% {a => 1} %>")


def test_a_task_without_the_key_has_no_revert() -> None:
    assert revert_of(wf("")) is None


def test_a_workbook_sibling_is_qualified() -> None:
    text = (
        "version: '2.0'\nname: wb\nworkflows:\n  main:\n    tasks:\n      t1:\n"
        "        action: std.noop\n        revert: {workflow: undo}\n  undo:\n    tasks:\n"
        "      u: {action: std.noop}\n"
    )
    main = next(w for w in parse_document(text).workflows if w.name == "wb.main")
    assert main.tasks["t1"].revert == RevertSpec(workflow="wb.undo")


@pytest.mark.parametrize(
    ("value", "issue"),
    [
        (
            "3",
            Issue(
                "wf.tasks.t1.revert",
                "'revert' must be an action with its inline parameters "
                "(a non-empty string) or a mapping with 'action' or 'workflow' and an optional "
                "'input', not int 3",
            ),
        ),
        (
            "''",
            Issue(
                "wf.tasks.t1.revert",
                "'revert' must be an action with its inline parameters "
                "(a non-empty string) or a mapping with 'action' or 'workflow' and an optional "
                "'input', not an empty string",
            ),
        ),
        (
            "{input: {a: 1}}",
            Issue(
                "wf.tasks.t1.revert",
                "'revert' must name exactly one of 'action' or 'workflow' (neither given)",
                "semantics",
            ),
        ),
        (
            "{action: a, workflow: b}",
            Issue(
                "wf.tasks.t1.revert",
                "'revert' must name exactly one of 'action' or 'workflow' (both given)",
                "semantics",
            ),
        ),
        (
            "{action: [a]}",
            Issue(
                "wf.tasks.t1.revert.action", "'action' must be a non-empty string, not list ['a']"
            ),
        ),
        (
            "{action: a, input: [1]}",
            Issue(
                "wf.tasks.t1.revert.input",
                "'input' must be a non-empty mapping or an expression, not list [1]",
            ),
        ),
        (
            "{action: a, publish: {x: 1}}",
            Issue(
                "wf.tasks.t1.revert",
                "Unknown key(s) in 'revert': publish (allowed: action, workflow, input)",
            ),
        ),
        (
            "{action: 'a x=1', input: '<% $.y %>'}",
            Issue(
                "wf.tasks.t1.revert.input",
                "Inline parameters can't be combined with an 'input' expression",
            ),
        ),
    ],
)
def test_malformed_values_are_rejected_precisely(value: str, issue: Issue) -> None:
    assert issues_of(wf(f"      revert: {value}\n")) == [issue]


def test_both_spellings_at_once_are_rejected() -> None:
    found = issues_of(wf("      revert: a\n      on-revert: b\n"))
    assert found == [
        Issue(
            "wf.tasks.t1", "A task can have either 'revert' or 'on-revert', not both", "semantics"
        )
    ]


def test_a_bad_expression_in_the_revert_input_is_reported() -> None:
    found = issues_of(wf("      revert: {action: a, input: {x: '<% $.( %>'}}\n"))
    assert [(i.path, i.kind) for i in found] == [("wf.tasks.t1.revert.input.x", "expressions")]


def test_the_documented_example_is_valid() -> None:
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "compensation.md").read_text()
    example = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    tasks = parse_document(example).workflows[0].tasks
    assert tasks["network"].revert is not None and tasks["network"].revert.action == "std.http"
    assert tasks["volumes"].revert == RevertSpec(
        action="std.http",
        input={
            "url": "http://127.0.0.1:8080/volumes/<% task().result.content.id %>",
            "method": "DELETE",
        },
    )
    assert (
        tasks["server"].revert is not None and tasks["server"].revert.workflow == "teardown_server"
    )
