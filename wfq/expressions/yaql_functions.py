"""The functions YAQL expressions get on top of YAQL's standard library: Mistral's (task(),
json_dump() ...) and guards that shadow standard ones which could run away (range, len, pow,
shiftBitsLeft, `*`, `+`, concat, join, replace, and the regular expressions of yaql_regex).
"""

from __future__ import annotations

import collections.abc  # yaql 3.2 needs it imported before yaql itself
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import yaql
from yaql.language import exceptions as yaql_exceptions
from yaql.language import specs, yaqltypes
from yaql.language import utils as yaql_utils

from wfq.expressions.base import LimitExceeded, to_plain
from wfq.expressions.limits import LIMIT_ITERATORS, MAX_INT_BITS, MAX_RANGE, MAX_SEQUENCE_LENGTH
from wfq.expressions.scope import Scope
from wfq.expressions.yaql_regex import FUNCTIONS as REGEX_FUNCTIONS
from wfq.expressions.yaql_regex import SCOPE_KEY

F = TypeVar("F", bound=Callable[..., Any])

# SCOPE_KEY: where an evaluation context keeps its Scope; '#' cannot start a YAQL variable name.


def _spec(*decorators: Any) -> Callable[[F], F]:
    """Apply YAQL's spec decorators (listed top to bottom) and keep the function's type."""

    def apply(function: F) -> F:
        for decorator in reversed(decorators):
            decorator(function)
        return function

    return apply


def freeze(value: Any) -> Any:
    """YAQL's input conversion (dicts -> FrozenDict, lists -> tuples), fast for JSON types."""
    kind = type(value)
    if kind is str or kind is int or kind is float or kind is bool or value is None:
        return value
    if kind is dict:
        return yaql_utils.FrozenDict({key: freeze(item) for key, item in value.items()})
    if kind is list or kind is tuple:
        return tuple([freeze(item) for item in value])
    return yaql_utils.convert_input_data(value)


class LazyFrozenDict(collections.abc.Mapping[str, Any]):
    """The top level of `$`, frozen key by key on first access. A with-items task evaluates its
    input once per item against the same large context; freezing only what an expression reads
    keeps that linear instead of quadratic."""

    __slots__ = ("_raw", "_done", "_hash")

    def __init__(self, raw: dict[str, Any]) -> None:
        self._raw = raw
        self._done: dict[str, Any] = {}
        self._hash: int | None = None

    def __getitem__(self, key: str) -> Any:
        if key not in self._done:
            self._done[key] = freeze(self._raw[key])
        return self._done[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(yaql_utils.FrozenDict({k: self[k] for k in self._raw}))
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, collections.abc.Mapping) and dict(self.items()) == dict(
            other.items()
        )


def _call(context: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    """Run one of Mistral's functions for the evaluation that owns `context`."""
    scope: Scope = context[SCOPE_KEY]
    function = scope.functions()[name]
    answer = function(*(to_plain(a) for a in args), **{k: to_plain(v) for k, v in kwargs.items()})
    return freeze(answer)


# Parameter names are Mistral's; YAQL's camelCase convention turns task_name into taskName.
def _task(context: Any, task_name: Any = None) -> Any:
    return _call(context, "task", task_name)


def _tasks(
    context: Any,
    workflow_execution_id: Any = None,
    recursive: Any = False,
    state: Any = None,
    flat: Any = False,
) -> Any:
    return _call(context, "tasks", workflow_execution_id, recursive, state, flat)


def _execution(context: Any) -> Any:
    return _call(context, "execution")


def _env(context: Any) -> Any:
    return _call(context, "env")


def _global(context: Any, var_name: Any) -> Any:
    return _call(context, "global", var_name)


def _executions(
    context: Any,
    id: Any = None,  # noqa: A002 - Mistral's parameter name
    root_execution_id: Any = None,
    state: Any = None,
    from_time: Any = None,
    to_time: Any = None,
) -> Any:
    return _call(
        context,
        "executions",
        id=id,
        root_execution_id=root_execution_id,
        state=state,
        from_time=from_time,
        to_time=to_time,
    )


def _json_pp(context: Any, data: Any = None) -> Any:
    return _call(context, "json_pp", data)


def _json_dump(context: Any, data: Any) -> Any:
    return _call(context, "json_dump", data)


def _json_parse(context: Any, data: Any) -> Any:
    return _call(context, "json_parse", data)


def _yaml_dump(context: Any, data: Any) -> Any:
    return _call(context, "yaml_dump", data)


def _yaml_parse(context: Any, data: Any) -> Any:
    return _call(context, "yaml_parse", data)


def _uuid(context: Any) -> Any:
    return _call(context, "uuid")


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "task": _task,
    "tasks": _tasks,
    "execution": _execution,
    "env": _env,
    "global": _global,
    "json_pp": _json_pp,
    "json_dump": _json_dump,
    "json_parse": _json_parse,
    "yaml_dump": _yaml_dump,
    "yaml_parse": _yaml_parse,
    "uuid": _uuid,
    "executions": _executions,
}


@_spec(
    specs.parameter("stop", int),
    specs.name("range"),
)
def _range(stop: int) -> Any:
    return iter(_bounded_range(0, stop, 1))


@_spec(
    specs.parameter("start", int),
    specs.parameter("stop", int),
    specs.parameter("step", int),
    specs.name("range"),
)
def _range_from(start: int, stop: int, step: int = 1) -> Any:
    return iter(_bounded_range(start, stop, step))


def _bounded_range(start: int, stop: int, step: int) -> range:
    span = range(start, stop, step)
    if len(span) > MAX_RANGE:
        raise yaql_exceptions.CollectionTooLargeException(MAX_RANGE)
    return span


@_spec(
    specs.parameter("collection", yaql_utils.IteratorType),
    specs.name("len"),
    specs.extension_method,
)
def _iterator_len(collection: Any) -> int:
    count = 0
    for _ in collection:
        count += 1
        if count > LIMIT_ITERATORS:
            raise yaql_exceptions.CollectionTooLargeException(LIMIT_ITERATORS)
    return count


@_spec(
    specs.parameter("a", yaqltypes.Number()),
    specs.parameter("b", yaqltypes.Number()),
    specs.parameter("c", yaqltypes.Number(nullable=True)),
    specs.name("pow"),
)
def _pow(a: Any, b: Any, c: Any = None) -> Any:
    if c is None and isinstance(a, int) and isinstance(b, int) and b > 0:
        _check_int_bits(abs(a).bit_length() * b if abs(a) > 1 else 0)
    return pow(a, b, c)


@_spec(
    specs.parameter("value", int),
    specs.parameter("bits_number", int),
    specs.name("shiftBitsLeft"),
)
def _shift_left(value: int, bits_number: int) -> int:
    if value:
        _check_int_bits(value.bit_length() + bits_number)
    return value << bits_number


@_spec(
    specs.parameter("left", int),
    specs.parameter("right", int),
    specs.name("#operator_*"),
)
def _multiply(left: int, right: int) -> int:
    _check_int_bits(left.bit_length() + right.bit_length())
    return left * right


# YAQL's own check for `[1] * n` lets a huge tuple be built before it notices.
_REPEATABLE = yaqltypes.PythonType((str, collections.abc.Sequence), nullable=False)


def _charge(context: Any, size: int) -> None:
    """Count `size` bytes about to be built against the evaluation's memory budget."""
    scope = context[SCOPE_KEY]
    if isinstance(scope, Scope):
        scope.charge(size)


@_spec(
    specs.parameter("left", _REPEATABLE),
    specs.parameter("right", int),
    specs.name("#operator_*"),
)
def _repeat(context: Any, left: Any, right: int) -> Any:
    if len(left) * right > MAX_SEQUENCE_LENGTH:
        raise LimitExceeded(f"result would be longer than {MAX_SEQUENCE_LENGTH}")
    _charge(context, _size(left) * max(right, 0))
    return left * right


@_spec(
    specs.parameter("left", int),
    specs.parameter("right", _REPEATABLE),
    specs.name("#operator_*"),
)
def _repeat_reversed(context: Any, left: int, right: Any) -> Any:
    return _repeat(context, right, left)


def _size(value: Any) -> int:
    """What building `value` costs: a byte per character, 8 per element of a list."""
    return len(value) if isinstance(value, str) else 8 * len(value)


@_spec(
    specs.parameter("args", yaqltypes.String()),
    specs.name("concat"),
)
def _concat(context: Any, *args: str) -> str:
    _charge(context, sum(len(a) for a in args))
    return "".join(args)


@_spec(
    specs.parameter("left", yaqltypes.String()),
    specs.parameter("right", yaqltypes.String()),
    specs.name("#operator_+"),
)
def _add_strings(context: Any, left: str, right: str) -> str:
    if len(left) + len(right) > MAX_SEQUENCE_LENGTH:
        raise LimitExceeded(f"result would be longer than {MAX_SEQUENCE_LENGTH}")
    _charge(context, len(left) + len(right))
    return left + right


@_spec(
    specs.parameter("left", tuple),
    specs.parameter("right", tuple),
    specs.name("#operator_+"),
)
def _add_lists(context: Any, left: tuple[Any, ...], right: tuple[Any, ...]) -> tuple[Any, ...]:
    if len(left) + len(right) > MAX_SEQUENCE_LENGTH:
        raise LimitExceeded(f"result would be longer than {MAX_SEQUENCE_LENGTH}")
    _charge(context, 8 * (len(left) + len(right)))
    return left + right


@_spec(
    specs.parameter("string", yaqltypes.String()),
    specs.parameter("old", yaqltypes.String()),
    specs.parameter("new", yaqltypes.String()),
    specs.parameter("count", int),
    specs.method,
    specs.name("replace"),
)
def _replace(context: Any, string: str, old: str, new: str, count: int = -1) -> str:
    found = string.count(old) if old else len(string) + 1
    found = min(found, count) if count >= 0 else found
    grows = len(string) + found * (len(new) - len(old))
    if grows > MAX_SEQUENCE_LENGTH:
        raise LimitExceeded(f"result would be longer than {MAX_SEQUENCE_LENGTH}")
    _charge(context, grows)
    return string.replace(old, new, count)


@_spec(
    specs.parameter("string", yaqltypes.String()),
    specs.parameter("replacements", yaql_utils.MappingType),
    specs.parameter("count", int),
    specs.inject("str_delegate", yaqltypes.Delegate("str")),
    specs.method,
    specs.name("replace"),
)
def _replace_many(
    context: Any, string: str, str_delegate: Any, replacements: Any, count: int = -1
) -> str:
    """`'ab'.replace({a => x, b => y})`: each pair in turn, each step charged before it is made."""
    for old, new in replacements.items():
        string = _replace(context, string, str_delegate(old), str_delegate(new), count)
    return string


def _join(context: Any, sequence: Any, separator: str, str_delegate: Any) -> str:
    parts = []
    total = 0
    for item in sequence:
        text = str_delegate(item)
        total += len(text) + len(separator)
        if total > MAX_SEQUENCE_LENGTH:
            raise LimitExceeded(f"result would be longer than {MAX_SEQUENCE_LENGTH}")
        _charge(context, len(text) + len(separator))
        parts.append(text)
    return separator.join(parts)


@_spec(
    specs.parameter("sequence", yaqltypes.Iterable()),
    specs.parameter("separator", yaqltypes.String()),
    specs.inject("str_delegate", yaqltypes.Delegate("str")),
    specs.method,
    specs.name("join"),
)
def _join_method(context: Any, sequence: Any, separator: str, str_delegate: Any) -> str:
    return _join(context, sequence, separator, str_delegate)


@_spec(
    specs.parameter("sequence", yaqltypes.Iterable()),
    specs.parameter("separator", yaqltypes.String()),
    specs.inject("str_delegate", yaqltypes.Delegate("str")),
    specs.method,
    specs.name("join"),
)
def _join_reversed(context: Any, separator: str, sequence: Any, str_delegate: Any) -> str:
    return _join(context, sequence, separator, str_delegate)


def _check_int_bits(bits: int) -> None:
    if bits > MAX_INT_BITS:
        raise LimitExceeded(f"integer result would exceed {MAX_INT_BITS} bits")


_GUARDS: tuple[Callable[..., Any], ...] = (
    _range,
    _range_from,
    _iterator_len,
    _pow,
    _shift_left,
    _multiply,
    _repeat,
    _repeat_reversed,
    _concat,
    _add_strings,
    _add_lists,
    _replace,
    _replace_many,
    _join_method,
    _join_reversed,
    *REGEX_FUNCTIONS,
)


def create_base_context() -> Any:
    """A context with the standard library, the guards and Mistral's functions."""
    root = yaql.create_context(regex=False)  # yaql_regex registers bounded versions
    context = root.create_child_context()  # guards shadow the standard library's overloads
    for function in _GUARDS:
        context.register_function(function)
    for name, function in _FUNCTIONS.items():
        # An explicit name keeps Mistral's snake_case (the convention would make jsonDump).
        context.register_function(function, name=name)
    return context
