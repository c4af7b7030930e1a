"""Runaway expressions fail fast with an ExpressionError instead of holding a worker."""

from __future__ import annotations

import time
from typing import Any

import pytest

from wfq.errors import ExpressionError
from wfq.expressions import evaluate, evaluate_recursively


@pytest.mark.parametrize(
    "expression",
    [
        "<% range(0, 100000000).sum() %>",
        "<% range(100000000).select($ * 2).len() %>",
        "<% sequence().len() %>",
        "<% [1].cycle().toList() %>",
        "<% pow(3, 10000000) %>",
        "<% shiftBitsLeft(1, 100000000) %>",
        "<% range(0, 100).aggregate($1 * $1, 3) %>",
        "<% 'ab' * 100000000 %>",
        "<% [1, 2] * 100000000 %>",
        "{{ range(100000000) | sum }}",
        "{{ 'ab' * 100000000 }}",
        "{{ [1, 2] * 100000000 }}",
        "{{ 3 ** 10000000 }}",
    ],
)
def test_runaway_expressions_fail_within_a_second(expression: str) -> None:
    started = time.monotonic()
    with pytest.raises(ExpressionError) as caught:
        evaluate(expression, {})
    assert time.monotonic() - started < 1.0
    assert caught.value.expression == expression


@pytest.mark.parametrize(
    "expression",
    [
        "<% range(0, 900000).select($ * 2).sum() %>",
        "<% sequence().where($ < 0).first() %>",
        "{% for i in range(100000) %}{% for j in range(100000) %}{{ j }}{% endfor %}{% endfor %}",
    ],
)
def test_the_timeout_stops_long_evaluations(expression: str) -> None:
    started = time.monotonic()
    with pytest.raises(ExpressionError, match="longer than 0.2 s"):
        evaluate(expression, {}, timeout=0.2)
    assert time.monotonic() - started < 1.0


def test_the_timeout_covers_a_whole_recursive_evaluation() -> None:
    spec = ["<% range(0, 20000).select($ * 2).sum() %>"] * 50
    with pytest.raises(ExpressionError, match="longer than"):
        evaluate_recursively(spec, {}, timeout=0.2)


def test_waiting_for_the_runtime_does_not_count_against_the_timeout() -> None:
    class SlowRuntime:
        def env(self) -> dict[str, Any]:
            time.sleep(0.15)
            return {"k": "v"}

    assert evaluate("<% env().k + env().k %>", {}, SlowRuntime(), timeout=0.1) == "vv"  # type: ignore[arg-type]


def test_no_timeout_when_it_is_none() -> None:
    assert evaluate("<% range(0, 1000).sum() %>", {}, timeout=None) == 499500


def test_large_but_reasonable_data_is_fine() -> None:
    data = {"numbers": list(range(50000))}
    assert evaluate("<% $.numbers.len() %>", data) == 50000
    assert evaluate("{{ _.numbers | length }}", data) == 50000
    assert evaluate("<% range(0, 100000).len() %>", {}) == 100000
