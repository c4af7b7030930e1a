"""Invalid documents: each problem is reported with its path, message and kind."""

from __future__ import annotations

import pytest

from wfq.dsl import parse_document, validate_document
from wfq.errors import DSLParseError, DSLValidationError, Issue


def wf(tasks: str, extra: str = "") -> str:
    """A workflows document with one workflow `wf`; `tasks` is indented YAML of its tasks."""
    return f"version: '2.0'\nwf:\n{extra}  tasks:\n{tasks}"


def issues_of(text: str, **kwargs: int) -> list[Issue]:
    found = validate_document(text, **kwargs)  # type: ignore[arg-type]
    with pytest.raises((DSLValidationError, DSLParseError)):
        parse_document(text, **kwargs)  # type: ignore[arg-type]
    return found


def test_unknown_transition_target() -> None:
    text = wf("    t1:\n      action: std.noop\n      on-success: [t2, nope]\n    t2: {}\n")
    text = text.replace("    t2: {}", "    t2: {action: std.noop}")
    assert issues_of(text) == [
        Issue("wf.tasks.t1.on-success", "Task 'nope' not found.", "semantics")
    ]


def test_on_skip_targets_and_publish_on_skip_are_checked() -> None:
    text = wf(
        "    t1:\n      action: std.noop\n      on-skip: [t2, nope]\n"
        "      publish-on-skip: {x: <% $.y %>}\n    t2: {action: std.noop}\n"
    )
    assert issues_of(text) == [Issue("wf.tasks.t1.on-skip", "Task 'nope' not found.", "semantics")]
    ok = parse_document(text.replace(", nope", ""))
    task = ok.workflows[0].tasks["t1"]
    assert [t.name for t in task.on_skip.transitions] == ["t2"]
    assert ok.workflows[0].inbound_tasks("t2") == ("t1",)
    bad = wf("    t1:\n      action: std.noop\n      publish-on-skip: <% $.y %>\n")
    assert [i.path for i in issues_of(bad)] == ["wf.tasks.t1.publish-on-skip"]


def test_engine_commands_are_valid_targets() -> None:
    text = wf("    t1:\n      action: x\n      on-error: [noop, fail, succeed, pause]\n")
    assert validate_document(text) == []


def test_action_and_workflow_together() -> None:
    text = wf("    t1: {action: std.noop, workflow: other}\n")
    assert issues_of(text) == [
        Issue("wf.tasks.t1", "A task can have either 'action' or 'workflow', not both", "semantics")
    ]


def test_bad_input_specs() -> None:
    text = wf("    t1: {action: x}\n", extra="  input: [a, a, {b: 1, c: 2}, 3, {d: 4}]\n")
    found = issues_of(text)
    assert [(i.path, i.kind) for i in found] == [
        ("wf.input[1]", "semantics"),
        ("wf.input[2]", "semantics"),
        ("wf.input[3]", "semantics"),
    ]
    assert found[0].message == "Duplicate input parameter 'a'"
    assert "one key {name: default}" in found[1].message and "{'b': 1, 'c': 2}" in found[1].message


def test_requires_cycle_and_unknown_requirement() -> None:
    text = wf(
        "    a: {requires: [b]}\n    b: {requires: c}\n    c: {requires: [a, zz]}\n",
        extra="  type: reverse\n",
    )
    assert issues_of(text) == [
        Issue("wf.tasks.c.requires", "Task 'zz' not found.", "semantics"),
        Issue("wf.tasks", "Cycle in 'requires': a -> b -> c -> a", "semantics"),
    ]


def test_unknown_key_in_task() -> None:
    text = wf("    t1: {action: x, retries: 3}\n")
    assert issues_of(text) == [
        Issue(
            "wf.tasks.t1.retries",
            "Additional properties are not allowed ('retries' was unexpected)",
        )
    ]


def test_unknown_key_in_workflow_and_task_defaults() -> None:
    text = wf(
        "    t1: {action: x}\n", extra="  colour: red\n  task-defaults: {keep-result: true}\n"
    )
    assert [i.path for i in issues_of(text)] == ["wf.colour", "wf.task-defaults.keep-result"]


def test_missing_version() -> None:
    text = "wf:\n  tasks:\n    t1: {action: x}\n"
    assert issues_of(text) == [Issue("", "'version' is a required property")]


def test_unsupported_version() -> None:
    text = "version: '1.0'\nwf:\n  tasks:\n    t1: {action: x}\n"
    assert issues_of(text) == [Issue("version", "Unsupported DSL version: 1.0")]


def test_malformed_yaml() -> None:
    text = "version: '2.0'\nwf:\n  tasks: [\n"
    with pytest.raises(DSLParseError) as caught:
        parse_document(text)
    assert caught.value.message.startswith("Definition could not be parsed: ")
    (issue,) = validate_document(text)
    assert issue.path == "" and issue.kind == "syntax"
    assert issue.message.startswith("Definition could not be parsed: ")


def test_not_a_mapping() -> None:
    assert validate_document("- a\n- b\n") == [
        Issue("", "A definition must be a mapping, got list")
    ]


def test_too_many_tasks() -> None:
    tasks = "".join(f"    t{i}: {{action: x}}\n" for i in range(11))
    assert issues_of(wf(tasks), max_tasks=10) == [
        Issue("", "The definition has 11 tasks, more than the limit of 10")
    ]


def test_missing_and_empty_tasks() -> None:
    assert issues_of("version: '2.0'\nwf: {description: x}\n") == [
        Issue("wf", "'tasks' is a required property")
    ]
    assert issues_of("version: '2.0'\nwf: {tasks: {}}\n") == [
        Issue("wf.tasks", "{} should be non-empty")
    ]


def test_reverse_workflow_with_transitions_and_join() -> None:
    text = wf(
        "    a: {action: x, on-success: [b], join: all}\n    b: {action: x}\n",
        extra="  type: reverse\n",
    )
    assert issues_of(text) == [
        Issue(
            "wf.tasks.a.on-success",
            "'on-success' is not allowed in a reverse workflow (use 'requires')",
            "semantics",
        ),
        Issue(
            "wf.tasks.a.join",
            "'join' is not allowed in a reverse workflow (use 'requires')",
            "semantics",
        ),
    ]


def test_direct_workflow_with_requires() -> None:
    text = wf(
        "    a: {action: x}\n    b: {action: x, requires: [a]}\n",
        extra="  task-defaults: {requires: a}\n",
    )
    assert issues_of(text) == [
        Issue(
            "wf.task-defaults.requires",
            "'requires' is only allowed in a reverse workflow",
            "semantics",
        ),
        Issue(
            "wf.tasks.b.requires", "'requires' is only allowed in a reverse workflow", "semantics"
        ),
    ]


def test_join_without_enough_inbound_tasks() -> None:
    text = wf("    a: {action: x, on-success: [c]}\n    b: {join: all}\n    c: {join: 2}\n")
    assert issues_of(text) == [
        Issue(
            "wf.tasks.b.join",
            "No inbound tasks for task with 'join: all' [task_name=b]",
            "semantics",
        ),
        Issue(
            "wf.tasks.c.join",
            "Not enough inbound tasks for task with 'join' [task_name=c, join=2, inbound_tasks=1]",
            "semantics",
        ),
    ]


def test_no_start_task() -> None:
    text = wf("    a: {action: x, on-success: b}\n    b: {action: x, on-error: a}\n")
    (issue,) = issues_of(text)
    assert issue.path == "wf" and issue.message.startswith("Failed to find start tasks")


def test_with_items_syntax() -> None:
    text = wf(
        "    a:\n      action: x\n      with-items: [i in <% $.xs %>, j of y, 'k in [1, }]']\n"
    )
    found = issues_of(text)
    assert [i.path for i in found] == ["wf.tasks.a.with-items[1]", "wf.tasks.a.with-items[2]"]
    assert found[0].message.startswith("Wrong format of 'with-items' property")
    assert found[1].message.startswith("Invalid array in 'with-items' clause: [1, }]")


def test_retry_problems() -> None:
    text = wf(
        "    a: {action: x, retry: {count: -1, delay: 1}}\n"
        "    b: {action: x, retry: {delay: 1, break-on: 'yes', tries: 2}}\n"
        "    c: {action: x, retry: delay=2}\n"
    )
    assert issues_of(text) == [
        Issue(
            "wf.tasks.a.retry.count",
            "retry count must be a non-negative integer or an expression, got -1",
        ),
        Issue(
            "wf.tasks.b.retry.tries",
            "Additional properties are not allowed ('tries' was unexpected)",
        ),
        Issue("wf.tasks.b.retry", "'count' is a required property"),
        Issue("wf.tasks.b.retry.break-on", "retry break-on must be an expression, got 'yes'"),
        Issue("wf.tasks.c.retry", "'count' is a required property"),
    ]


def test_policy_and_transition_types() -> None:
    text = wf(
        "    a:\n      action: x\n      timeout: -5\n      pause-before: maybe\n"
        "      on-success:\n        - b: not an expression\n        - {b: <% 1 %>, c: <% 2 %>}\n"
        "        - 'b and c'\n    b: {action: x}\n    c: {action: x}\n"
    )
    assert issues_of(text) == [
        Issue("wf.tasks.a.timeout", "-5 is not a non-negative integer or an expression"),
        Issue("wf.tasks.a.pause-before", "'maybe' is not a boolean or an expression"),
        Issue(
            "wf.tasks.a.on-success[0]",
            "The guard of 'b' must be an expression, got 'not an expression'",
        ),
        Issue(
            "wf.tasks.a.on-success[1]",
            "A guarded transition must have one key, got {'b': '<% 1 %>', 'c': '<% 2 %>'}",
        ),
        Issue(
            "wf.tasks.a.on-success[2]",
            "Invalid transition 'b and c': expected 'task', "
            "'task: <% guard %>' or 'command key=value'",
        ),
    ]


def test_advanced_clause_publish_must_name_scopes() -> None:
    text = wf(
        "    a:\n      on-success:\n        publish: {x: 1}\n        next: b\n    b: {action: x}\n"
    )
    assert issues_of(text) == [
        Issue(
            "wf.tasks.a.on-success.publish.x",
            "Additional properties are not allowed ('x' was unexpected)",
        )
    ]


def test_uuid_workflow_name_and_invalid_workbook_names() -> None:
    name = "8b6d6d4e-2c1c-4d1b-9d3e-1f2a3b4c5d6e"
    assert issues_of(f"version: '2.0'\n{name}: {{tasks: {{a: {{action: x}}}}}}\n") == [
        Issue(name, "Workflow name cannot be in the format of UUID.", "semantics")
    ]
    text = "version: '2.0'\nname: wb\nworkflows:\n  'bad name': {tasks: {a: {action: x}}}\n"
    assert issues_of(text) == [
        Issue(
            "workflows.bad name", "Invalid name 'bad name': use letters, digits, '_' and '-' only"
        )
    ]


def test_workbook_problems_use_document_paths() -> None:
    text = (
        "version: '2.0'\nname: wb\nworkflows:\n  w:\n    tasks:\n"
        "      a: {action: x, on-success: [missing]}\n"
        "actions:\n  act: {input: [p]}\n"
    )
    assert sorted(issues_of(text), key=lambda i: i.path) == [
        Issue("actions.act", "'base' is a required property"),
        Issue("workflows.w.tasks.a.on-success", "Task 'missing' not found.", "semantics"),
    ]


def test_inline_params_with_expression_input() -> None:
    text = wf("    a: {action: std.echo output=1, input: <% $.all %>}\n")
    assert issues_of(text) == [
        Issue("wf.tasks.a.input", "Inline parameters can't be combined with an 'input' expression")
    ]


def test_every_problem_is_reported_at_once() -> None:
    text = (
        "wf:\n  input: [a, a]\n  tasks:\n"
        "    t1:\n      action: std.noop\n      workflow: w\n      bogus: 1\n"
        "      on-success: [ghost]\n      retry: {count: -2}\n"
    )
    with pytest.raises(DSLValidationError) as caught:
        parse_document(text)
    paths = [i.path for i in caught.value.issues]
    assert paths == [
        "",
        "wf.tasks.t1.bogus",
        "wf.tasks.t1",
        "wf.tasks.t1.retry.count",
        "wf.input[1]",
        "wf.tasks.t1.on-success",
    ]
    assert {i.kind for i in caught.value.issues} == {"syntax", "semantics"}
    assert str(caught.value).startswith("Invalid DSL: 'version' is a required property; ")


@pytest.mark.parametrize(
    ("text", "path"),
    [
        (wf("    t: {action: std.noop}\n", extra="  tags: 5\n"), "wf.tags"),
        (wf("    t: {action: std.noop, tags: 3}\n"), "wf.tasks.t.tags"),
        (wf("    t: {action: std.noop}\n", extra="  vars: [a]\n"), "wf.vars"),
        (wf("    t: {action: std.noop}\n", extra="  vars: 7\n"), "wf.vars"),
        (
            "version: '2.0'\nname: wb\ntags: 1\nworkflows: {w: {tasks: {t: {action: std.noop}}}}\n",
            "tags",
        ),
        ("version: '2.0'\na: {base: std.echo, tags: 2}\n", "a.tags"),
    ],
)
def test_wrongly_typed_tags_and_vars_are_issues_not_crashes(text: str, path: str) -> None:
    # Found by tests/dsl/test_dsl_properties.py: these raised TypeError/ValueError (API: 500).
    assert [i.path for i in issues_of(text)] == [path]
