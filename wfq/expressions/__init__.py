"""YAQL `<% %>` and Jinja `{{ }}` expressions behind one facade, with Mistral's semantics.

`$` (YAQL) and `_` (Jinja) are the data; task(), tasks(), execution(), env() and global() ask
the `Runtime` the caller passes in. Evaluation is pure, bounded and safe to run in threads.
"""

from __future__ import annotations

from typing import Any

from wfq.errors import ExpressionError
from wfq.expressions import jinja_evaluator, yaql_evaluator
from wfq.expressions.base import (
    ANY_PATTERN,
    JINJA_PATTERN,
    YAQL_PATTERN,
    Language,
    Runtime,
    language_of,
)
from wfq.expressions.limits import CONFIGURED, DEFAULT_TIMEOUT, configure
from wfq.expressions.scope import FUNCTION_NAMES, Scope, shared_deadline

__all__ = [
    "CONFIGURED_LIMIT",
    "DEFAULT_TIMEOUT",
    "FUNCTION_NAMES",
    "Runtime",
    "evaluate",
    "evaluate_recursively",
    "find_expressions",
    "is_expression",
    "shared_deadline",
    "configure",
    "validate",
]


class _ConfiguredLimit:
    """The default of `timeout`/`memory`: the process's configured bound (see `configure`)."""

    def __repr__(self) -> str:
        return "CONFIGURED_LIMIT"


CONFIGURED_LIMIT: Any = _ConfiguredLimit()

_MIXED = "Mixing YAQL and Jinja expressions in one string is not allowed"


def evaluate(
    expression: Any,
    data: Any,
    runtime: Runtime | None = None,
    *,
    timeout: float | None = CONFIGURED_LIMIT,
    memory: int = CONFIGURED_LIMIT,
) -> Any:
    """Evaluate the expressions in `expression` against `data`.

    A non-string, or a string without expressions, is returned unchanged. A string that is
    exactly one expression (ignoring surrounding whitespace) yields its native value; otherwise
    each expression is replaced by its str() form inside the string.

    Args:
        expression: Any value; only strings are evaluated.
        data: What `$` (YAQL) and `_` (Jinja) refer to.
        runtime: Answers task(), tasks(), execution(), env() and global(); those functions
            raise ExpressionError when it is None.
        timeout: Seconds of evaluation allowed (time waiting for `runtime` is not counted);
            None for no limit; by default the configured `expression_timeout_s`.
        memory: Bytes of strings and lists the evaluation may build in all; by default the
            configured `expression_memory_mb`.

    Raises:
        ExpressionError: The expression is malformed, fails or exceeds a limit. Exceptions
            raised by `runtime` propagate unchanged.
    """
    if not isinstance(expression, str) or language_of(expression) is None:
        return expression
    return _evaluate_text(expression, _scope(data, runtime, timeout, memory))


def evaluate_recursively(
    value: Any,
    data: Any,
    runtime: Runtime | None = None,
    *,
    timeout: float | None = CONFIGURED_LIMIT,
    memory: int = CONFIGURED_LIMIT,
) -> Any:
    """Evaluate every string inside `value`, walking dicts (keys and values) and lists.

    Returns a new structure; `value` is not modified. `timeout` and `memory` cover the whole
    walk. Raises ExpressionError like `evaluate`, also when a key evaluates to a list or dict.
    """
    return _walk(value, _scope(data, runtime, timeout, memory))


def _scope(data: Any, runtime: Runtime | None, timeout: Any, memory: Any) -> Scope:
    if timeout is CONFIGURED_LIMIT:
        timeout = CONFIGURED.timeout
    if memory is CONFIGURED_LIMIT:
        memory = CONFIGURED.memory
    return Scope(data, runtime, timeout, memory)


def is_expression(value: Any) -> bool:
    """Whether `value` is a string holding at least one `<% %>`, `{{ }}` or `{% %}`."""
    return isinstance(value, str) and language_of(value) is not None


def find_expressions(text: str) -> list[str]:
    """The expressions in `text`, delimiters included, in order of appearance."""
    return ANY_PATTERN.findall(text) if isinstance(text, str) else []


def validate(expression: object) -> list[str]:
    """Syntax problems of every expression embedded in `expression`; [] when all parse.

    Non-strings and strings without expressions have no problems.
    """
    if not isinstance(expression, str):
        return []
    has_yaql = YAQL_PATTERN.search(expression) is not None
    has_jinja = JINJA_PATTERN.search(expression) is not None
    problems = [f"{expression}: {_MIXED}"] if has_yaql and has_jinja else []
    if has_yaql:
        problems += yaql_evaluator.validate(expression)
    if has_jinja:
        problems += jinja_evaluator.validate(expression)
    return problems


def _evaluate_text(text: str, scope: Scope) -> Any:
    language = language_of(text)
    if language is Language.JINJA:
        return jinja_evaluator.evaluate(text, scope)
    if language is Language.YAQL:
        return yaql_evaluator.evaluate(text, scope)
    return text


def _walk(value: Any, scope: Scope) -> Any:
    if isinstance(value, str):
        return _evaluate_text(value, scope)
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            new_key = _walk(key, scope) if isinstance(key, str) else key
            if isinstance(new_key, (dict, list)):
                reason = f"a key must evaluate to a scalar, not {type(new_key).__name__}"
                raise ExpressionError(key, reason)
            result[new_key] = _walk(item, scope)
        return result
    if isinstance(value, list):
        return [_walk(item, scope) for item in value]
    return value
