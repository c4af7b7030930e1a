"""Jinja `{{ ... }}` / `{% ... %}` evaluation in a sandbox: undefined names are errors
(StrictUndefined, as in Mistral), data cannot be modified, and big ranges, powers and
repetitions are refused. Compiled templates are cached by text.

What builds strings and lists (`*`, `+`, `~`, string methods, filters, the rendered output) is
charged to the evaluation's memory budget, and every loop step checks its deadline: templates
are rewritten before compiling so that `~` and `{% for %}` go through functions of this module.
"""

from __future__ import annotations

import functools
import json
import re
import string
from collections.abc import Callable
from typing import Any, TypeGuard

import jinja2
from jinja2 import nodes
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

from wfq.expressions.base import FunctionError, LimitExceeded, reraise, to_plain
from wfq.expressions.limits import (
    MAX_INT_BITS,
    MAX_SEQUENCE_LENGTH,
    PARSE_CACHE_SIZE,
)
from wfq.expressions.scope import FUNCTION_NAMES, Scope

_SCOPE_VAR = "__wfq_scope__"
_VERBATIM = (jinja2.TemplateError,)
_CONCAT = "wfq_concat_"  # what `a ~ b` becomes
_LOOP = "wfq_loop_"  # what wraps the iterable of every {% for %}
# String methods whose arguments say how long their result gets: checked before they run.
_WIDTH_METHODS = frozenset({"ljust", "rjust", "center", "zfill"})


class _Environment(ImmutableSandboxedEnvironment):
    """Mistral's sandbox (StrictUndefined, trim_blocks, lstrip_blocks), made immutable and
    bounded: the sandbox itself caps range() at 100000 items, `*` and `**` are checked here,
    and every sandboxed call checks the evaluation's deadline."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def call_binop(self, context: Context, operator_: str, left: Any, right: Any) -> Any:
        _check_binop(operator_, left, right)
        scope = _scope_of(context)
        if scope is not None and operator_ in ("*", "+"):
            scope.charge(_built_size(operator_, left, right))
        if scope is not None and operator_ == "%" and isinstance(left, str):
            scope.charge(_formatted_size(left, right))
        return super().call_binop(context, operator_, left, right)

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        scope = _scope_of(context)
        if scope is None:
            return super().call(context, obj, *args, **kwargs)
        scope.check_deadline()
        _check_method(scope, obj, args, kwargs)
        return scope.charge_value(super().call(context, obj, *args, **kwargs))

    def _generate(
        self, source: nodes.Template, name: Any, filename: Any, defer_init: bool = False
    ) -> str:
        return super()._generate(_Bounded().visit(source), name, filename, defer_init)


class _Bounded(NodeTransformer):
    """Rewrites `a ~ b` into wfq_concat_(a, b) and `for x in xs` into `for x in wfq_loop_(xs)`:
    calls the sandbox sees (deadline) into functions that charge and check."""

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        parts = [self.visit(part) for part in node.nodes]
        return nodes.Call(nodes.Name(_CONCAT, "load"), parts, [], None, None, lineno=node.lineno)

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = nodes.Call(
            nodes.Name(_LOOP, "load"), [node.iter], [], None, None, lineno=node.lineno
        )
        return node


def _scope_of(context: Context) -> Scope | None:
    scope = context.get(_SCOPE_VAR)
    return scope if isinstance(scope, Scope) else None


def _built_size(operator_: str, left: Any, right: Any) -> int:
    """Bytes `left <op> right` builds when it makes a string or list (0 otherwise)."""
    if operator_ == "+" and isinstance(left, (str, list, tuple)) and isinstance(right, type(left)):
        return _size(left) + _size(right)
    for sequence, times in ((left, right), (right, left)):
        if operator_ == "*" and isinstance(sequence, (str, list, tuple)) and _is_int(times):
            return _size(sequence) * max(times, 0)
    return 0


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str) else 8 * len(value)


_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")
_NUMBER = re.compile(r"\d+")


def _lipsum_size(args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    """At most what lipsum(n, html, min, max) writes: n paragraphs of `max` words."""
    names = ("n", "html", "min", "max")
    given = {**dict(zip(names, args, strict=False)), **kwargs}
    paragraphs, words = given.get("n", 5), given.get("max", 100)
    if not (_is_int(paragraphs) and _is_int(words)):
        return 0
    return max(paragraphs, 0) * max(words, 0) * 12


def _formatted_size(template: str, args: Any) -> int:
    """An upper bound of what formatting `template` pads to: its length plus every width and
    precision it names (`%10s`, `{:>10}`), plus the numbers given for `*` widths."""
    size = len(template)
    for width, precision in _PERCENT_FIELD.findall(template):
        size += sum(int(n) for n in (width, precision) if n.isdigit())
    if "*" in template:
        given = args if isinstance(args, tuple) else (args,)
        size += sum(abs(a) for a in given if _is_int(a))
    try:
        specs = [spec for _, _, spec, _ in string.Formatter().parse(template) if spec]
    except ValueError:
        specs = []
    return size + sum(int(n) for spec in specs for n in _NUMBER.findall(spec))


def _joined_size(parts: Any, separator: Any) -> int:
    """An estimate of `separator.join(parts)`, made before joining."""
    if not isinstance(parts, (list, tuple)) or not isinstance(separator, str):
        return 0
    texts = sum(len(p) for p in parts if isinstance(p, str))
    return texts + len(separator) * max(0, len(parts) - 1)


def _check_method(scope: Scope, obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Charge what a call asked to pad, format, join, replace or generate would build, before
    it runs (string methods, and the `lipsum` global)."""
    obj = getattr(obj, "__wrapped__", obj)  # the sandbox wraps str.format in its own formatter
    owner = getattr(obj, "__self__", None)
    method = getattr(obj, "__name__", "")
    if method == "generate_lorem_ipsum":
        scope.charge(_lipsum_size(args, kwargs))
    if not isinstance(owner, str):
        return
    if method == "join" and args:
        scope.charge(_joined_size(args[0], owner))
    elif method in ("format", "format_map"):
        scope.charge(_formatted_size(owner, args))
    elif method in _WIDTH_METHODS and args and _is_int(args[0]):
        scope.charge(max(args[0], 0))
    elif method == "expandtabs":
        width = args[0] if args and _is_int(args[0]) else 8
        scope.charge(len(owner) + owner.count("\t") * max(width, 0))
    elif (
        method == "replace"
        and len(args) >= 2
        and isinstance(args[0], str)
        and isinstance(args[1], str)
    ):
        found = owner.count(args[0]) if args[0] else len(owner) + 1
        scope.charge(len(owner) + found * len(args[1]))


@jinja2.pass_context
def _concat(context: Context, *parts: Any) -> str:
    texts = [part if isinstance(part, str) else str(part) for part in parts]
    scope = _scope_of(context)
    if scope is not None:
        scope.charge(sum(len(text) for text in texts))
    return "".join(texts)


@jinja2.pass_context
def _loop(context: Context, iterable: Any) -> Any:
    scope = _scope_of(context)
    if scope is None or isinstance(iterable, jinja2.Undefined):
        return iterable
    return _stepping(scope, iterable)


def _stepping(scope: Scope, iterable: Any) -> Any:
    for item in iterable:
        scope.check_deadline()
        yield item


def _check_binop(operator_: str, left: Any, right: Any) -> None:
    if operator_ == "**" and _is_int(left) and _is_int(right) and right > 0 and abs(left) > 1:
        bits = abs(left).bit_length() * right
        if bits > MAX_INT_BITS:
            raise LimitExceeded(f"integer result would exceed {MAX_INT_BITS} bits")
    if operator_ == "+":
        _check_sum(left, right)
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


def _check_sum(left: Any, right: Any) -> None:
    if isinstance(left, (str, list, tuple)) and isinstance(right, type(left)):
        if len(left) + len(right) > MAX_SEQUENCE_LENGTH:
            raise LimitExceeded(f"result would be longer than {MAX_SEQUENCE_LENGTH}")


def _is_int(value: object) -> TypeGuard[int]:
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


def _bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """A built-in filter that checks the deadline before it runs and charges what it built
    (`center` and `indent`, which pad to a width, are charged before)."""

    @jinja2.pass_context
    def run(context: Context, value: Any, *args: Any, **kwargs: Any) -> Any:
        scope = _scope_of(context)
        if scope is not None:
            scope.check_deadline()
            if name in ("center", "indent") and args and _is_int(args[0]):
                lines = value.count("\n") + 1 if isinstance(value, str) else 1
                scope.charge(max(args[0], 0) * lines)
            else:
                scope.charge(_filter_size(name, value, args, kwargs))
        result = _call_filter(function, context, value, args, kwargs)
        return scope.charge_value(result) if scope is not None else result

    return run


def _filter_size(name: str, value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> int:
    """What the filters whose arguments make their result big would build, before they run."""
    if name == "format" and isinstance(value, str):
        return _formatted_size(value, args)
    if name == "join":
        return _joined_size(value, args[0] if args else kwargs.get("d", ""))
    if name == "tojson":
        indent = args[0] if args else kwargs.get("indent")
        if _is_int(indent) and indent > 0:
            return indent * len(json.dumps(value, default=str))
    return 0


def _call_filter(
    function: Callable[..., Any], context: Context, value: Any, args: Any, kwargs: Any
) -> Any:
    # What @pass_context / @pass_eval_context / @pass_environment put first.
    passes = getattr(getattr(function, "jinja_pass_arg", None), "name", None)
    first = {
        "context": context,
        "eval_context": context.eval_ctx,
        "environment": context.environment,
    }.get(passes or "")
    if first is not None:
        return function(first, value, *args, **kwargs)
    return function(value, *args, **kwargs)


def _create_environment() -> _Environment:
    env = _Environment(undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    for name, function in list(env.filters.items()):
        env.filters[name] = _bounded_filter(name, function)
    for name in FUNCTION_NAMES:
        env.filters[name] = _filter(
            name, uses_value=name not in ("env", "execution", "uuid", "executions")
        )
    env.globals[_CONCAT] = _concat
    env.globals[_LOOP] = _loop
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
        return _render(template, variables, scope)
    except Exception as error:
        reraise(text, error, _VERBATIM)


def _render(template: jinja2.Template, variables: dict[str, Any], scope: Scope) -> str:
    """The template's text, its output charged piece by piece as it is produced."""
    pieces = []
    for piece in template.generate(variables):
        scope.charge(len(piece))
        pieces.append(piece)
    return "".join(pieces)


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
