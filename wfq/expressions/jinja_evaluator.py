"""Jinja `{{ ... }}` / `{% ... %}` evaluation in a sandbox: undefined names are errors
(StrictUndefined, as in Mistral), data cannot be modified, and big ranges, powers and
repetitions are refused. Compiled templates are cached by text.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from wfq.expressions.base import FunctionError, LimitExceeded, reraise, to_plain
from wfq.expressions.limits import (
    MAX_INT_BITS,
    MAX_SEQUENCE_LENGTH,
    PARSE_CACHE_SIZE,
)
from wfq.expressions.scope import FUNCTION_NAMES, Scope

_SCOPE_VAR = "__wfq_scope__"
_VERBATIM = (jinja2.TemplateError,)


class _Environment(ImmutableSandboxedEnvironment):
    """Mistral's sandbox (StrictUndefined, trim_blocks, lstrip_blocks), made immutable and
    bounded: the sandbox itself caps range() at 100000 items, `*` and `**` are checked here,
    and every sandboxed call checks the evaluation's deadline."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Context, operator_: str, left: Any, right: Any) -> Any:
        _check_binop(operator_, left, right)
        return super().call_binop(context, operator_, left, right)

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        scope = context.get(_SCOPE_VAR)
        if isinstance(scope, Scope):
            scope.check_deadline()
        return super().call(context, obj, *args, **kwargs)


def _check_binop(operator_: str, left: Any, right: Any) -> None:
    if operator_ == "**" and _is_int(left) and _is_int(right) and right > 0 and abs(left) > 1:
        bits = abs(left).bit_length() * right
        if bits > MAX_INT_BITS:
            raise LimitExceeded(f"integer result would exceed {MAX_INT_BITS} bits")
    if operator_ != "*":
        return
    if _is_int(left) and _is_int(right):
        if left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise LimitExceeded(f"integer result would exceed {MAX_INT_BITS} bits")
        return
    for sequence, times in ((left, right), (right, left)):
        if isinstance(sequence, (str, list, tuple)) and _is_int(times):
            if len(sequence) * times > MAX_SEQUENCE_LENGTH:
                raise LimitExceeded(f"result would be longer than {MAX_SEQUENCE_LENGTH}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _filter(name: str, uses_value: bool = True) -> Callable[..., Any]:
    """A filter that runs Mistral's function `name` with the filtered value as its first
    argument (or, for env/execution/uuid, ignoring the value)."""

    @jinja2.pass_context
    def run(context: Context, value: Any, *args: Any, **kwargs: Any) -> Any:
        scope = context.get(_SCOPE_VAR)
        if not isinstance(scope, Scope):
            raise FunctionError(f"filter {name} is only available inside wfq expressions")
        function = scope.functions()[name]
        return function(value, *args, **kwargs) if uses_value else function(*args, **kwargs)

    return run


def _create_environment() -> _Environment:
    env = _Environment(undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    for name in FUNCTION_NAMES:
        env.filters[name] = _filter(name, uses_value=name not in ("env", "execution", "uuid", "executions"))
    return env


_ENV = _create_environment()


def evaluate(text: str, scope: Scope) -> Any:
    """The native value if `text` is one `{{ }}` expression, else the rendered string."""
    try:
        expression, template = _compile(text)
        variables = _variables(scope)
        if expression is not None:
            return to_plain(expression(**variables))
        assert template is not None
        return template.render(variables)
    except Exception as error:
        reraise(text, error, _VERBATIM)


def validate(text: str) -> list[str]:
    """Syntax problems of the Jinja template `text` ([] if it compiles)."""
    try:
        _compile(text)
    except jinja2.TemplateSyntaxError as error:
        return [f"{text}: {error.message or error}"]
    return []


def _variables(scope: Scope) -> dict[str, Any]:
    variables: dict[str, Any] = dict(scope.functions())
    variables["_"] = scope.data
    variables[_SCOPE_VAR] = scope
    return variables


@functools.lru_cache(maxsize=PARSE_CACHE_SIZE)
def _compile(text: str) -> tuple[Callable[..., Any] | None, jinja2.Template | None]:
    """(compiled expression, None) when `text` is exactly one `{{ }}`, else (None, template)."""
    stripped = text.strip()
    if stripped.startswith("{{") and stripped.endswith("}}") and _is_single_output(stripped):
        inner = stripped[2:-2]
        # '{{-' and '-}}' are whitespace control, not part of the expression.
        inner = inner[1:] if inner.startswith("-") else inner
        inner = inner[:-1] if inner.endswith("-") else inner
        return _ENV.compile_expression(inner, undefined_to_none=False), None
    return None, _ENV.from_string(text)


def _is_single_output(source: str) -> bool:
    body = _ENV.parse(source).body
    if len(body) != 1 or not isinstance(body[0], nodes.Output):
        return False
    parts = body[0].nodes
    return len(parts) == 1 and not isinstance(parts[0], nodes.TemplateData)
