"""Mistral's expression functions, in YAQL and Jinja, answered by a fake Runtime."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import yaml

from wfq.errors import ExpressionError
from wfq.expressions import evaluate


@pytest.mark.parametrize("expression", ["<% task() %>", "{{ task() }}"])
def test_task_without_a_name_is_the_current_task(
    expression: str, runtime: Any, known_tasks: dict[str, Any]
) -> None:
    assert evaluate(expression, {}, runtime) == known_tasks["t1"]
    assert runtime.calls == [("task", None)]


@pytest.mark.parametrize(
    "expression",
    ["<% task(t2).state_info %>", "<% task('t2').state_info %>", "{{ task('t2').state_info }}"],
)
def test_task_by_name(expression: str, runtime: Any) -> None:
    assert evaluate(expression, {}, runtime) == "boom"
    assert runtime.calls == [("task", "t2")]


@pytest.mark.parametrize("expression", ["<% task(nope) %>", "{{ task('nope') }}"])
def test_an_unknown_task_is_null(expression: str, runtime: Any) -> None:
    assert evaluate(expression, {}, runtime) is None


def test_task_result_drives_publish_style_expressions(runtime: Any) -> None:
    assert evaluate("<% task(t1).result.items.select($ * 2) %>", {}, runtime) == [2, 4, 6]
    assert evaluate("{{ task('t1').result['items'] | sum }}", {}, runtime) == 6


@pytest.mark.parametrize(
    "expression", ["<% task($) %>", "{{ task(_) }}", "x <% task([1]) %>", "{{ task(5) }}"]
)
def test_task_of_a_non_name_is_an_expression_error(expression: str, runtime: Any) -> None:
    # Found by test_expressions_properties.py: the argument check ran inside the Runtime call,
    # so its error passed through as a Runtime failure instead of an ExpressionError.
    with pytest.raises(ExpressionError, match=r"task\(\) expects a string or null"):
        evaluate(expression, {"x": 1}, runtime)
    assert runtime.calls == []


@pytest.mark.parametrize(
    ("expression", "call"),
    [
        ("<% tasks() %>", ("tasks", None, False, None)),
        ("<% tasks(execution().id, true) %>", ("tasks", "ex-1", True, None)),
        ("<% tasks(null, false, ERROR) %>", ("tasks", None, False, "ERROR")),
        ("<% tasks(state => ERROR) %>", ("tasks", None, False, "ERROR")),
        ("{{ tasks() }}", ("tasks", None, False, None)),
        ("{{ tasks(None, false, 'ERROR') }}", ("tasks", None, False, "ERROR")),
        ("{{ tasks(state='ERROR') }}", ("tasks", None, False, "ERROR")),
        (
            "{{ tasks(workflow_execution_id='ex-9', recursive=true) }}",
            ("tasks", "ex-9", True, None),
        ),
    ],
)
def test_tasks_passes_its_filters_to_the_runtime(
    expression: str, call: tuple[Any, ...], runtime: Any, known_tasks: dict[str, Any]
) -> None:
    result = evaluate(expression, {}, runtime)
    assert runtime.calls[-1] == call
    expected_state = call[3]
    assert result == [t for t in known_tasks.values() if expected_state in (None, t["state"])]


def test_tasks_flat_is_refused(runtime: Any) -> None:
    with pytest.raises(ExpressionError, match="flat"):
        evaluate("<% tasks(null, false, null, true) %>", {}, runtime)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("<% execution().id %>", "ex-1"),
        ("<% execution().input.a %>", 1),
        ("{{ execution().name }}", "wf"),
        ("<% env().region %>", "eu"),
        ("<% env().get(missing) %>", None),
        ("{{ env()['region'] }}", "eu"),
        ("<% global(counter) %>", 7),
        ("<% global('unset') %>", None),
        ("{{ global('counter') }}", 7),
    ],
)
def test_execution_env_and_global(expression: str, expected: Any, runtime: Any) -> None:
    assert evaluate(expression, {}, runtime) == expected


@pytest.mark.parametrize(
    "expression", ["<% task() %>", "{{ tasks() }}", "<% execution() %>", "{{ env() }}"]
)
def test_runtime_functions_without_a_runtime_fail(expression: str) -> None:
    with pytest.raises(ExpressionError, match="no runtime"):
        evaluate(expression, {})


def test_runtime_exceptions_reach_the_caller_unchanged() -> None:
    class BrokenRuntime:
        def task(self, name: str | None) -> dict[str, Any] | None:
            raise ConnectionError("database is gone")

    for expression in ("<% task(x) %>", "{{ task('x') }}"):
        with pytest.raises(ConnectionError, match="database is gone"):
            evaluate(expression, {}, BrokenRuntime())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "expression", ["<% json_dump($) %>", "{{ json_dump(_) }}", "{{ _ | json_dump }}"]
)
def test_json_dump(expression: str) -> None:
    data = {"b": [1, None], "a": "x"}
    text = evaluate(expression, data)
    assert text == json.dumps(data, indent=4)


@pytest.mark.parametrize("expression", ["<% json_pp($) %>", "<% json_pp() %>", "{{ _ | json_pp }}"])
def test_json_pp_prints_real_newlines(expression: str) -> None:
    assert evaluate(expression, {"s": "a\nb"}) == '{\n    "s": "a\nb"\n}'


@pytest.mark.parametrize(
    "expression",
    ["<% json_parse($.text) %>", "{{ json_parse(_.text) }}", "{{ _.text | json_parse }}"],
)
def test_json_parse(expression: str) -> None:
    assert evaluate(expression, {"text": '{"a": [1, true, null]}'}) == {"a": [1, True, None]}


def test_json_parse_of_bad_text_is_an_expression_error() -> None:
    with pytest.raises(ExpressionError, match="JSONDecodeError"):
        evaluate("<% json_parse('{oops') %>", {})


@pytest.mark.parametrize(
    "expression", ["<% yaml_dump($) %>", "{{ yaml_dump(_) }}", "{{ _ | yaml_dump }}"]
)
def test_yaml_dump(expression: str) -> None:
    text = evaluate(expression, {"a": [1, 2], "b": {"c": None}})
    assert text == "a:\n- 1\n- 2\nb:\n  c: null\n"


@pytest.mark.parametrize("expression", ["<% yaml_parse($.text) %>", "{{ _.text | yaml_parse }}"])
def test_yaml_parse(expression: str) -> None:
    assert evaluate(expression, {"text": "a: [1, 2]\nb: x\n"}) == {"a": [1, 2], "b": "x"}


def test_yaml_parse_refuses_alias_bombs() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for level in "bcdefg":
        previous = chr(ord(level) - 1)
        bomb += (
            f"{level}: &{level} [*{previous}, *{previous}, *{previous}, *{previous}, *{previous},"
        )
        bomb += f" *{previous}, *{previous}, *{previous}, *{previous}, *{previous}]\n"
    with pytest.raises(ExpressionError, match="nodes"):
        evaluate("<% yaml_parse($) %>", bomb)
    assert yaml.safe_load(bomb)["a"] == ["x"] * 10


def test_yaml_parse_accepts_shared_but_small_aliases_and_refuses_cycles() -> None:
    assert evaluate("{{ yaml_parse(_) }}", "a: &x [1, 2]\nb: *x\n") == {"a": [1, 2], "b": [1, 2]}
    with pytest.raises(ExpressionError, match="itself"):
        evaluate("{{ yaml_parse(_) }}", "&x [1, *x]")


@pytest.mark.parametrize("expression", ["<% uuid() %>", "{{ uuid() }}"])
def test_uuid_is_a_new_uuid4_string(expression: str) -> None:
    first, second = evaluate(expression, {}), evaluate(expression, {})
    assert uuid.UUID(first).version == 4
    assert first != second


def test_functions_combine_with_data(runtime: Any) -> None:
    data = {"prefix": "id-"}
    assert evaluate("<% $.prefix + execution().id %>", data, runtime) == "id-ex-1"
    assert evaluate("{{ _.prefix ~ execution().id }}", data, runtime) == "id-ex-1"
