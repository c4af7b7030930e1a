"""Properties of expression evaluation over generated expressions and data (hypothesis).

Any YAQL or Jinja string, over any JSON context, gives a JSON value or an ExpressionError in
Mistral's wording, within the time budget, without touching the context; strings without
expressions come back as they were; `<% $.x %>` and `{{ _.x }}` give back x.
"""

from __future__ import annotations

import copy
import json
import math
import re
import time
from typing import Any

from expression_helpers import FakeRuntime
from hypothesis import event, given
from hypothesis import strategies as st
from wfq_strategies import expressions

from wfq.errors import ExpressionError
from wfq.expressions import evaluate, evaluate_recursively

TIMEOUT = 0.5
"""The evaluation budget these tests grant; an expression must stop soon after it."""
SLACK = 3.0
"""Seconds past the budget still counted as stopping (a loaded CI machine, one last step)."""

_DELIMITERS = ("<%", "%>", "{{", "}}", "{%", "%}")
plain_text = st.text(max_size=30).filter(lambda t: not any(d in t for d in _DELIMITERS))
keys = st.one_of(st.sampled_from(["x", "a", "name", "list"]), plain_text)
json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**64), max_value=2**64),
        st.floats(allow_nan=False, allow_infinity=False),
        plain_text,
    ),
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(keys, inner, max_size=5)),
    max_leaves=15,
)
contexts = st.dictionaries(keys, json_values, max_size=6)

# What text shows when a template reached a Python object it should not: a class, function,
# module, frame or code object. Jinja's own global helpers (cycler, joiner, namespace, lipsum)
# are there by design, as in Mistral, and print as what they are.
_SANDBOX_LEAK = re.compile(
    r"<(class|function|built-in|module|bound method|method|frame|code|generator)\b"
    r"(?! 'jinja2\.utils\.)(?! generate_lorem_ipsum)"
)


def _is_json(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=True)
    except (TypeError, ValueError):
        return False
    return True


def _mistral_message(error: ExpressionError) -> bool:
    return error.message.startswith(
        ("Can not evaluate YAQL expression [expression=", "Can not evaluate Jinja expression [")
    )


@given(expressions, contexts)
def test_any_expression_gives_json_or_an_expression_error(expression: str, data: Any) -> None:
    before = copy.deepcopy(data)
    started = time.monotonic()
    try:
        value = evaluate(expression, data, FakeRuntime(), timeout=TIMEOUT)
    except ExpressionError as error:
        event("refused")
        assert _mistral_message(error), error.message
    else:
        event("evaluated")
        assert _is_json(value)
        text = value if isinstance(value, str) else json.dumps(value)
        assert not _SANDBOX_LEAK.search(text), text
    assert time.monotonic() - started < TIMEOUT + SLACK
    assert data == before, "evaluation changed its context"


@given(st.one_of(json_values, plain_text), contexts)
def test_strings_without_expressions_are_returned_unchanged(value: Any, data: Any) -> None:
    assert evaluate(value, data) == value
    assert evaluate_recursively(value, data) == value


@given(json_values)
def test_yaql_and_jinja_identity(value: Any) -> None:
    for expression in ("<% $.x %>", "{{ _.x }}", "  <% $.x %>\n"):
        assert evaluate(expression, {"x": value}) == value


@given(st.integers(min_value=-(2**62), max_value=2**62) | st.floats(allow_nan=False))
def test_number_identity_keeps_the_type(value: int | float) -> None:
    for expression in ("<% $.x %>", "{{ _.x }}"):
        result = evaluate(expression, {"x": value})
        assert type(result) is type(value)
        assert result == value or (math.isinf(value) and result == value)


leaf_specs = st.one_of(
    plain_text,
    st.sampled_from(["<% $.x %>", "{{ _.x }}", "<% $.y %>", "{{ _.y }}"]),
    st.integers(),
    st.none(),
)
spec_structures = st.recursive(
    leaf_specs,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(plain_text, inner, max_size=4)
    ),
    max_leaves=12,
)


def _element_wise(spec: Any, data: dict[str, Any]) -> Any:
    if isinstance(spec, dict):
        return {k: _element_wise(v, data) for k, v in spec.items()}
    if isinstance(spec, list):
        return [_element_wise(v, data) for v in spec]
    return evaluate(spec, data)


@given(spec_structures, json_values, json_values)
def test_nested_structures_are_evaluated_element_wise(spec: Any, x: Any, y: Any) -> None:
    data = {"x": x, "y": y}
    original = copy.deepcopy(spec)
    assert evaluate_recursively(spec, data) == _element_wise(spec, data)
    assert spec == original, "evaluate_recursively changed its input"
