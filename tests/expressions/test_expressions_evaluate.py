"""evaluate(): native values, interpolation, missing keys and error messages, in YAQL and Jinja."""

from __future__ import annotations

from typing import Any

import pytest

from wfq.errors import ExpressionError
from wfq.expressions import evaluate


@pytest.mark.parametrize("value", [1, 2.5, None, True, [1, "<% $.a %>"], {"k": "<% $.a %>"}])
def test_non_strings_are_returned_unchanged(value: Any, data: dict[str, Any]) -> None:
    assert evaluate(value, data) is value


@pytest.mark.parametrize("text", ["", "plain text", "50% off", "a {b} c", "<%", "{{"])
def test_strings_without_expressions_are_returned_unchanged(text: str) -> None:
    assert evaluate(text, {}) is text


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("<% $.list %>", [1, 2, 3]),
        ("<% $.dict %>", {"k": "v"}),
        ("<% $.a %>", 1),
        ("<% $.flag %>", True),
        ("<% $.none %>", None),
        ("<% $.a > 0 %>", True),
        ("<% [1, 'x'] %>", [1, "x"]),
        ("  <% $.list %>\n", [1, 2, 3]),
        ("{{ _.list }}", [1, 2, 3]),
        ("{{ _.dict }}", {"k": "v"}),
        ("{{ _.a }}", 1),
        ("{{ _.flag }}", True),
        ("{{ _.none }}", None),
        ("{{ _.a + 1 }}", 2),
        ("{{ {'a': {'b': 1}} }}", {"a": {"b": 1}}),
        (" {{- _.list -}} \n", [1, 2, 3]),
    ],
)
def test_a_single_expression_yields_the_native_value(
    expression: str, expected: Any, data: dict[str, Any]
) -> None:
    result = evaluate(expression, data)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("a=<% $.a %>, name=<% $.name %>", "a=1, name=wfq"),
        ("<% $.none %>|<% $.flag %>|<% $.dict %>", "None|True|{'k': 'v'}"),
        ("list: <% $.list %>", "list: [1, 2, 3]"),
        ("<% $.a %><% $.a %>", "11"),
        ("a={{ _.a }}, name={{ _.name }}", "a=1, name=wfq"),
        ("{{ _.none }}|{{ _.flag }}|{{ _.dict }}", "None|True|{'k': 'v'}"),
        ("{{ _.a }}{{ _.a }}", "11"),
        ("{% for x in _.list %}{{ x }};{% endfor %}", "1;2;3;"),
        ("{% if _.flag %}yes{% else %}no{% endif %}", "yes"),
    ],
)
def test_embedded_expressions_are_interpolated_like_mistral(
    expression: str, expected: str, data: dict[str, Any]
) -> None:
    assert evaluate(expression, data) == expected


def test_an_expression_may_span_lines(data: dict[str, Any]) -> None:
    assert evaluate("<% $.list\n  .select($ * 10) %>", data) == [10, 20, 30]
    assert evaluate("{{ _.list\n | length }}", data) == 3


def test_a_missing_key_in_yaql_is_an_error_naming_the_expression(data: dict[str, Any]) -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate("Hello <% $.missing %>!", data)
    assert caught.value.expression == "<% $.missing %>"
    assert "$.missing" in str(caught.value)
    assert "'missing' not found" in caught.value.reason


def test_get_returns_null_for_a_missing_key(data: dict[str, Any]) -> None:
    assert evaluate("<% $.get(missing) %>", data) is None
    assert evaluate("<% $.get(missing, 5) %>", data) == 5
    assert evaluate("{{ _.get('missing') }}", data) is None


@pytest.mark.parametrize("expression", ["{{ _.missing }}", "x {{ _.missing }} y", "{{ nothing }}"])
def test_an_undefined_name_in_jinja_is_an_error(expression: str, data: dict[str, Any]) -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate(expression, data)
    assert caught.value.expression == expression
    assert "undefined" in str(caught.value) or "no attribute 'missing'" in str(caught.value)


def test_jinja_default_filter_handles_undefined(data: dict[str, Any]) -> None:
    assert evaluate("{{ _.missing | default('d') }}", data) == "d"


def test_undefined_inside_a_native_jinja_result_is_an_error(data: dict[str, Any]) -> None:
    with pytest.raises(ExpressionError, match="missing"):
        evaluate("{{ [1, _.missing] }}", data)


@pytest.mark.parametrize("expression", ["<% $.a + %>", "{{ _.a + }}", "{% if %}"])
def test_a_syntax_error_is_an_expression_error(expression: str, data: dict[str, Any]) -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate(expression, data)
    assert caught.value.expression == expression
    inner = expression.strip()[2:-2].strip() if expression.strip().startswith("<%") else expression
    assert inner in str(caught.value)


def test_a_runtime_error_inside_yaql_names_the_expression(data: dict[str, Any]) -> None:
    with pytest.raises(ExpressionError, match=r"\$\.name \+ 1"):
        evaluate("<% $.name + 1 %>", data)


def test_data_may_be_any_json_value() -> None:
    assert evaluate("<% $ %>", [1, 2]) == [1, 2]
    assert evaluate("<% $ + 1 %>", 41) == 42
    assert evaluate("{{ _ }}", "text") == "text"
    assert evaluate("<% $ %>", None) is None


def test_results_are_plain_json_values(data: dict[str, Any]) -> None:
    result = evaluate("<% dict(a => [1, 2].toSet(), b => $.dict) %>", data)
    assert result == {"a": [1, 2], "b": {"k": "v"}}
    assert type(result) is dict and type(result["a"]) is list and type(result["b"]) is dict
    assert evaluate("{{ (1, 2) }}", data) == [1, 2]
    assert evaluate("{{ range(3) }}", data) == [0, 1, 2]


def test_results_do_not_share_structure_with_the_data(data: dict[str, Any]) -> None:
    for expression in ("<% $.dict %>", "{{ _.dict }}"):
        result = evaluate(expression, data)
        result["k"] = "changed"
        assert data["dict"] == {"k": "v"}


def test_jinja_wins_when_a_string_mixes_both_languages(data: dict[str, Any]) -> None:
    # Mistral's order; validate() reports such strings.
    assert evaluate("{{ _.a }} <% $.a %>", data) == "1 <% $.a %>"
