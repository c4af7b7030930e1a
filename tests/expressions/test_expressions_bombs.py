"""Expression bombs (issue 15): catastrophic regular expressions and values built piece by
piece stop at the evaluation's time and memory bounds, in any thread, without holding the
other threads of the process; the bounds come from the settings."""

from __future__ import annotations

import threading
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from wfq_strategies import bomb_expressions

from wfq import expressions
from wfq.errors import ExpressionError
from wfq.expressions import evaluate, evaluate_recursively, shared_deadline

# `re` backtracks through every split of the a's: 15 s for 40 of them here, 1.6 times longer
# for each more, so about 3 minutes for these 45 (holding the GIL all along).
REGEX_BOMB = "<% regex('^(a|aa)+$').matches('" + "a" * 45 + "!') %>"
REGEX_BOMB_STRING = "<% ('" + "a" * 45 + "!') =~ '^(a|aa)+$' %>"
ISSUE_REGEX = "<% regex('^(a+)+$').matches('" + "a" * 29 + "!') %>"


@pytest.fixture
def configured() -> Iterator[None]:
    """Restore the process-wide bounds a test configures."""
    before = (expressions.CONFIGURED.timeout, expressions.CONFIGURED.memory)
    yield
    expressions.CONFIGURED.timeout, expressions.CONFIGURED.memory = before


@pytest.mark.parametrize("expression", [REGEX_BOMB, REGEX_BOMB_STRING])
def test_a_catastrophic_regex_stops_at_the_timeout(expression: str) -> None:
    started = time.monotonic()
    with pytest.raises(ExpressionError) as caught:
        evaluate(expression, {}, timeout=0.5)
    assert time.monotonic() - started < 5.0  # the regex package checks its clock now and then
    assert "took longer than 0.5 s" in caught.value.reason


def test_the_regex_of_the_issue_answers_at_once() -> None:
    # 29 s with `re` in the report; the regex package sees the nested quantifier through.
    started = time.monotonic()
    assert evaluate(ISSUE_REGEX, {}, timeout=2) is False
    assert time.monotonic() - started < 1.0


def test_a_regex_bomb_in_one_thread_does_not_hold_the_others() -> None:
    done = threading.Event()

    def bomb() -> None:
        try:
            evaluate(REGEX_BOMB, {}, timeout=1.5)
        except ExpressionError:
            pass
        done.set()

    worst = 0.0
    thread = threading.Thread(target=bomb)
    thread.start()
    while not done.is_set():
        asked = time.monotonic()
        time.sleep(0.02)  # `re` held the GIL: this wake-up waited for the whole match
        worst = max(worst, time.monotonic() - asked)
    thread.join()
    assert worst < 0.5


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("<% regex('a(.)c').search('xabc', $2.value) %>", "b"),
        ("<% regex('a.c').searchAll('abcadc') %>", ["abc", "adc"]),
        ("<% 'a1b22c'.split(regex('[0-9]+')) %>", ["a", "b", "c"]),
        ("<% regex('b').replace('abcb', 'X') %>", "aXcX"),
        ("<% 'abcb'.replace(regex('b'), 'Y', 1) %>", "aYcb"),
        ("<% regex('(?P<n>b)').replaceBy('abcb', $.value + '!') %>", "ab!cb!"),
        ("<% 'abc' =~ '^a' and not ('abc' !~ regex('c$')) %>", True),
        ("<% isRegex(regex('a')) and not isRegex('a') %>", True),
        ("<% escapeRegex('a.b') %>", "a\\.b"),
        ("<% regex('A', ignoreCase => true).matches('xa') %>", True),
    ],
)
def test_regex_functions_keep_their_yaql_meaning(expression: str, expected: Any) -> None:
    assert evaluate(expression, {}) == expected


@pytest.mark.parametrize(
    "expression",
    [
        # The issue's YAQL bomb: each 9 MB string is under the length limit, 1,000 of them not.
        "<% range(0, 1000).select('a' * 9000000) %>",
        "<% let(s => 'a' * 9000000) -> range(0, 1000).select($s + 'b') %>",
        "<% range(0, 1000).select(concat('a' * 9000000, 'b')) %>",
        "<% range(0, 1000).select(['a' * 9000000].join('')) %>",
        "<% ('a' * 5000000).replace('a', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb') %>",
        "<% regex('a').replace('a' * 5000000, 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb') %>",
        "<% ('a' * 5000000).replace({a => 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'}) %>",
        # Jinja: string building with + and ~ in a loop (the bound covered only *).
        "{% set ns = namespace(s='x' * 1000) %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}"
        "{% endfor %}{{ ns.s | length }}",
        "{% set ns = namespace(s='x' * 4000000) %}{% for i in range(1000) %}"
        "{% set ns.s = ns.s[:4000000] + ns.s[:4000000] %}{% endfor %}{{ ns.s | length }}",
        "{% for i in range(1000) %}{{ 'a' * 9000000 }}{% endfor %}",
        "{{ 'x' | center(1000000000) }}",
        "{{ 'x'.ljust(1000000000) }}",
        "{{ ('a' * 5000000).replace('a', 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb') }}",
        "{{ '%1000000000s' % 'x' }}",
        "{{ '%*s' % (1000000000, 'x') }}",
        "{{ '{0:>1000000000}'.format('x') }}",
        "{{ '%1000000000s' | format('x') }}",
        "{{ lipsum(1000000) }}",  # 70 s and 1.7 GB before
        "{{ [1, [2, [3]]] | tojson(indent=100000000) }}",  # 14 s and 2.9 GB before
        "{{ (['a'] * 100) | join('x' * 5000000) }}",
        "{{ ('x' * 5000000).join(['a'] * 100) }}",
    ],
)
def test_building_a_huge_value_piece_by_piece_stops_at_the_memory_bound(expression: str) -> None:
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(ExpressionError) as caught:
            evaluate(expression, {}, timeout=10)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 3.0
    assert peak < 200 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"
    reason = caught.value.reason
    assert "expression_memory_mb" in reason or "would be longer than" in reason


def test_jinja_plus_concatenation_is_bounded_like_repetition() -> None:
    text = "{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ 1 }}"
    with pytest.raises(ExpressionError, match="longer than"):
        evaluate(text, {})


def test_a_loop_without_calls_stops_at_the_deadline() -> None:
    text = "{% set s = 'ab' * 5000000 %}{% for i in s %}{% for j in s %}{% endfor %}{% endfor %}"
    started = time.monotonic()
    with pytest.raises(ExpressionError, match="took longer than 0.5 s"):
        evaluate(text, {}, timeout=0.5)
    assert time.monotonic() - started < 2.0


def test_ordinary_building_stays_within_the_bounds() -> None:
    assert evaluate("{% for x in _ %}{{ x ~ '-' }}{% endfor %}", ["a", "b"]) == "a-b-"
    assert evaluate("{{ 'a' + 'b' ~ 1 }}", {}) == "ab1"
    assert evaluate("{{ [1] + [2] }}", {}) == [1, 2]
    assert evaluate("<% 'a' + 'b' %>", {}) == "ab"
    assert evaluate("<% [1] + [2] %>", {}) == [1, 2]
    assert evaluate("<% ', '.join(['a', 'b']) %>", {}) == "a, b"
    assert evaluate("<% 'abc'.replace('b', 'X') %>", {}) == "aXc"
    assert evaluate("<% 'abcb'.replace({b => 'W', c => 1}, 1) %>", {}) == "aW1b"
    assert evaluate("{{ '%s-%5.2f' % ('a', 3.14159) }}", {}) == "a- 3.14"
    assert evaluate("{{ '{0}-{1:>4}'.format('a', 'b') }}", {}) == "a-   b"
    assert evaluate("{{ '%s|%s' | format(1, 2) }}", {}) == "1|2"
    assert evaluate("{{ 7 % 3 }}", {}) == 1
    assert evaluate("{{ [1, 2] | tojson(indent=2) }}", {}) == "[\n  1,\n  2\n]"
    assert evaluate("{{ ['a', 'b'] | join('-') ~ '-'.join(['c']) }}", {}) == "a-bc"
    assert len(evaluate("{{ lipsum(2) }}", {})) > 10
    assert len(evaluate("<% 'a' * 5000000 %>", {})) == 5000000


def test_the_configured_bounds_apply_to_every_evaluation(configured: None) -> None:
    expressions.configure(timeout_s=0.3, memory_mb=1)
    started = time.monotonic()
    with pytest.raises(ExpressionError, match="took longer than 0.3 s"):
        evaluate(REGEX_BOMB, {})
    assert time.monotonic() - started < 5.0
    with pytest.raises(ExpressionError, match="1 MiB"):
        evaluate_recursively({"k": "<% 'a' * 2000000 %>"}, {})


def test_services_configure_the_bounds_from_the_settings(configured: None, tmp_path: Any) -> None:
    from wfq.persistence.db import Database
    from wfq.services.context import Services
    from wfq.settings import Settings

    url = f"sqlite:///{tmp_path}/x.sqlite"
    settings = Settings(database_url=url, expression_timeout_s=0.25, expression_memory_mb=2)
    Services(settings=settings, db=Database(url), dispatcher=None)  # type: ignore[arg-type]
    assert expressions.CONFIGURED.timeout == 0.25
    assert expressions.CONFIGURED.memory == 2 * 1024 * 1024


def test_a_shared_deadline_holds_several_evaluations_to_one_budget() -> None:
    slow = "<% range(0, 200000).select($ * 2).sum() %>"
    started = time.monotonic()
    with shared_deadline(0.3), pytest.raises(ExpressionError, match="in all"):
        for _ in range(100):
            evaluate(slow, {}, timeout=5)
    assert time.monotonic() - started < 1.5


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bomb_expressions)
def test_any_bomb_stops_within_the_bounds(expression: str) -> None:
    tracemalloc.start()
    started = time.monotonic()
    try:
        try:
            evaluate(expression, {}, timeout=0.5)
        except ExpressionError as error:
            event(error.reason.split(" (")[0][:40])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 6.0
    assert peak < 200 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"
