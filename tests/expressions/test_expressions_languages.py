"""The two languages themselves: YAQL's standard library and Jinja's filters as Mistral users
write them, and the Jinja sandbox."""

from __future__ import annotations

from typing import Any

import pytest

from wfq.errors import ExpressionError
from wfq.expressions import evaluate


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("<% $.list.select($ * 2) %>", [2, 4, 6]),
        ("<% $.list.where($ > 1) %>", [2, 3]),
        ("<% $.users.where($.age >= 18).select($.name) %>", ["ann"]),
        ("<% $.users.select($.name).join(', ') %>", "ann, bob"),
        ("<% len($.list) %>", 3),
        ("<% $.list.len() %>", 3),
        ("<% len($.name) %>", 3),
        ("<% dict(a => 1, b => $.name) %>", {"a": 1, "b": "wfq"}),
        ("<% {'x' => $.a} %>", {"x": 1}),
        ("<% let(x => $.a, y => 10) -> $x + $y %>", 11),
        ("<% $.list.sum() %>", 6),
        ("<% $.list.max() %>", 3),
        ("<% $.list.first() %>", 1),
        ("<% $.list.contains(2) %>", True),
        ("<% 2 in $.list %>", True),
        ("<% $.dict.keys() %>", ["k"]),
        ("<% $.dict.values() %>", ["v"]),
        ("<% $.dict.items() %>", [["k", "v"]]),
        ("<% $.name.toUpper() %>", "WFQ"),
        ("<% $.name + '-' + str($.a) %>", "wfq-1"),
        ("<% $.a = 1 and not $.none %>", True),
        ("<% switch($.a > 5 => big, true => small) %>", "small"),
        ("<% range(0, 5).select($ * $) %>", [0, 1, 4, 9, 16]),
        ("<% $.list.toSet().len() %>", 3),
        ("<% [3, 1, 2].orderBy($) %>", [1, 2, 3]),
        ("<% $.none = null %>", True),
        ("<% $.dict.set(new => 1) %>", {"k": "v", "new": 1}),
        ("<% regex('w(f)q').search($.name) %>", "wfq"),
    ],
)
def test_yaql_standard_library(expression: str, expected: Any, data: dict[str, Any]) -> None:
    assert evaluate(expression, data) == expected


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("{{ _.list | length }}", 3),
        ("{{ _.list | map('string') | join(',') }}", "1,2,3"),
        ("{{ _.users | selectattr('age', 'ge', 18) | map(attribute='name') | list }}", ["ann"]),
        ("{{ _.list | sum }}", 6),
        ("{{ _.name | upper }}", "WFQ"),
        ("{{ _.dict.k }}", "v"),
        ("{{ _['dict']['k'] }}", "v"),
        ("{{ _.a if _.flag else 0 }}", 1),
        ("{{ _.list[1:] }}", [2, 3]),
        ("{{ _.name ~ '!' }}", "wfq!"),
        ("{{ 'a' * 3 }}", "aaa"),
        ("{{ 2 ** 10 }}", 1024),
        ("{{ _.dict.items() | list }}", [["k", "v"]]),
    ],
)
def test_jinja_filters_and_operators(expression: str, expected: Any, data: dict[str, Any]) -> None:
    assert evaluate(expression, data) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "{{ ().__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ _.__class__ }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ lipsum.__globals__ }}",
        "{{ task.__self__ }}",
        "{{ task.__func__.__globals__ }}",
        "{{ _.list.__len__() }}",
        "{{ __wfq_scope__._runtime }}",
        "{{ self.__init__.__globals__ }}",
        "{{ range.__self__ }}",
        "x {{ ''.__class__.__base__.__subclasses__() }} y",
    ],
)
def test_jinja_cannot_reach_python_internals(expression: str, data: dict[str, Any]) -> None:
    with pytest.raises(ExpressionError):
        evaluate(expression, data)


@pytest.mark.parametrize(
    "expression",
    [
        "{{ _.list.append(4) }}",
        "{{ _.dict.update({'k': 'x'}) }}",
        "{{ _.dict.pop('k') }}",
        "{{ _.list.clear() }}",
    ],
)
def test_jinja_cannot_modify_the_data(expression: str, data: dict[str, Any]) -> None:
    with pytest.raises(ExpressionError, match="unsafe"):
        evaluate(expression, data)
    assert data["list"] == [1, 2, 3] and data["dict"] == {"k": "v"}


@pytest.mark.parametrize(
    "expression", ["<% $.__class__ %>", "<% $.dict.__class__ %>", "<% #wfq_scope %>"]
)
def test_yaql_cannot_reach_python_internals(expression: str, data: dict[str, Any]) -> None:
    with pytest.raises(ExpressionError):
        evaluate(expression, data)


def test_yaql_does_not_modify_the_data(data: dict[str, Any]) -> None:
    assert evaluate("<% $.dict.set(k => x) %>", data) == {"k": "x"}
    assert data["dict"] == {"k": "v"}
