"""evaluate_recursively(), validate(), find_expressions() and is_expression()."""

from __future__ import annotations

import copy
import threading
from typing import Any

import pytest

from wfq.errors import ExpressionError
from wfq.expressions import (
    evaluate,
    evaluate_recursively,
    find_expressions,
    is_expression,
    validate,
)


def test_evaluate_recursively_walks_dicts_lists_and_keys(data: dict[str, Any]) -> None:
    spec = {
        "plain": "text",
        "number": 5,
        "<% $.name %>_key": "<% $.a %>",
        "{{ _.name }}": ["{{ _.list }}", {"deep": "<% $.dict.k %>", "n": None}],
        "mixed": "a=<% $.a %>",
    }
    original = copy.deepcopy(spec)
    assert evaluate_recursively(spec, data) == {
        "plain": "text",
        "number": 5,
        "wfq_key": 1,
        "wfq": [[1, 2, 3], {"deep": "v", "n": None}],
        "mixed": "a=1",
    }
    assert spec == original


@pytest.mark.parametrize(
    ("value", "expected"), [("<% $.a %>", 1), (["<% $.a %>"], [1]), (3, 3), (None, None)]
)
def test_evaluate_recursively_accepts_any_value(
    value: Any, expected: Any, data: dict[str, Any]
) -> None:
    assert evaluate_recursively(value, data) == expected


def test_evaluate_recursively_returns_new_containers(data: dict[str, Any]) -> None:
    spec = {"a": [1, {"b": 2}]}
    result = evaluate_recursively(spec, data)
    assert result == spec
    assert result is not spec and result["a"] is not spec["a"]


def test_a_key_that_evaluates_to_a_list_is_an_error(data: dict[str, Any]) -> None:
    with pytest.raises(ExpressionError, match="key"):
        evaluate_recursively({"<% $.list %>": 1}, data)


def test_evaluate_recursively_reports_the_failing_expression(data: dict[str, Any]) -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate_recursively({"ok": "<% $.a %>", "bad": ["<% $.nope %>"]}, data)
    assert caught.value.expression == "<% $.nope %>"


@pytest.mark.parametrize(
    "text",
    [
        "<% $.a %>",
        "x <% $.list.select($ * 2) %> y <% len($.list) %>",
        "{{ _.a | default(1) }}",
        "{% for x in _.list %}{{ x }}{% endfor %}",
        "no expressions",
    ],
)
def test_validate_accepts_good_expressions(text: str) -> None:
    assert validate(text) == []


@pytest.mark.parametrize(
    ("text", "culprit"),
    [
        ("<% $.x +++ %>", "<% $.x +++ %>"),
        ("ok <% $.a %> bad <% $.b ) %>", "<% $.b ) %>"),
        ("<% %>", "<% %>"),
        ("{{ _.x | }}", "{{ _.x | }}"),
        ("{% for x in _.l %}", "{% for x in _.l %}"),
        ("{{ _.x | no_such_filter }}", "no_such_filter"),
    ],
)
def test_validate_reports_syntax_errors(text: str, culprit: str) -> None:
    problems = validate(text)
    assert len(problems) == 1
    assert culprit in problems[0]


def test_validate_lists_every_problem() -> None:
    problems = validate("<% $.a + %> and <% ( %>")
    assert len(problems) == 2


def test_validate_rejects_mixing_languages_in_one_string() -> None:
    problems = validate("<% $.a %> {{ _.b }}")
    assert problems == [
        "<% $.a %> {{ _.b }}: Mixing YAQL and Jinja expressions in one string is not allowed"
    ]


@pytest.mark.parametrize("value", [None, 1, ["<% $.x +++ %>"]])
def test_validate_ignores_non_strings(value: Any) -> None:
    assert validate(value) == []


def test_find_expressions_in_order() -> None:
    text = "a <% $.x %> b {{ _.y }} c {% if z %}d{% endif %} <% $.w\n %>"
    assert find_expressions(text) == [
        "<% $.x %>",
        "{{ _.y }}",
        "{% if z %}",
        "{% endif %}",
        "<% $.w\n %>",
    ]
    assert find_expressions("nothing") == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<% $.a %>", True),
        ("x {{ _.a }}", True),
        ("{% if x %}y{% endif %}", True),
        ("plain", False),
        ("100%>", False),
        ("{# comment #}", False),
        (1, False),
        (None, False),
        (["<% $.a %>"], False),
    ],
)
def test_is_expression(value: Any, expected: bool) -> None:
    assert is_expression(value) is expected


def test_evaluation_is_thread_safe() -> None:
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for step in range(20):
                data = {"w": worker, "s": step, "l": list(range(step % 5))}
                assert evaluate("<% $.w * 1000 + $.s %>", data) == worker * 1000 + step
                assert evaluate("{{ _.w }}-{{ _.s }}", data) == f"{worker}-{step}"
                assert evaluate(f"<% $.l.select($ + {worker}) %>", data) == [
                    i + worker for i in range(step % 5)
                ]
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
