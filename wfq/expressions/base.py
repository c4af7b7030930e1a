"""What YAQL and Jinja evaluation share: the Runtime protocol, finding expressions in text,
turning results into plain JSON-like values, and mapping failures to `ExpressionError`.
"""

from __future__ import annotations

import datetime
import enum
import functools
import itertools
import re
from collections.abc import Iterable, Mapping, Sized
from typing import Any, NoReturn, Protocol

from wfq.errors import ExpressionError
from wfq.expressions.limits import LIMIT_ITERATORS, PARSE_CACHE_SIZE

# Non-greedy and DOTALL: several expressions may share a line, one may span lines.
YAQL_PATTERN = re.compile(r"<%.*?%>", re.DOTALL)
JINJA_PATTERN = re.compile(r"{{.*?}}|{%.*?%}", re.DOTALL)
ANY_PATTERN = re.compile(r"<%.*?%>|{{.*?}}|{%.*?%}", re.DOTALL)


class Runtime(Protocol):
    """What expressions may ask of the engine. Every method is called lazily, only when an
    expression uses the matching function; exceptions it raises reach the caller unchanged."""

    def task(self, name: str | None) -> dict[str, Any] | None:
        """The task execution named `name` (None: the current task), or None if unknown.

        Keys: id, name, spec, state, state_info, result, published and optionally type.
        """
        ...

    def tasks(
        self, workflow_execution_id: str | None, recursive: bool, state: str | None
    ) -> list[dict[str, Any]]:
        """Task executions, filtered like Mistral's `tasks()`.

        A None id is passed through as given; in Mistral it means "of every execution".
        """
        ...

    def execution(self) -> dict[str, Any]:
        """The current workflow execution: id, name, spec, input, params, state, state_info,
        created_at, updated_at, root_execution_id."""
        ...

    def env(self) -> dict[str, Any]:
        """The environment the execution was started with."""
        ...

    def executions(self, **filters: str) -> list[dict[str, Any]]:
        """Workflow executions of the project (Mistral's `executions()`), filtered by any of
        id, root_execution_id, state, from_time (created at or after) and to_time (before);
        each as `execution()` shows one."""
        ...

    def global_(self, name: str) -> Any:
        """The value of the execution-wide (published global) variable `name`, or None."""
        ...


class Language(enum.Enum):
    """Which evaluator handles a string."""

    YAQL = "yaql"
    JINJA = "jinja"


class FunctionError(Exception):
    """An expression function was misused (bad argument, no runtime); becomes ExpressionError."""


class LimitExceeded(Exception):
    """An expression tried to build something larger than the limits allow."""


class DeadlineExceeded(Exception):
    """The evaluation ran out of its time budget."""

    def __init__(self, timeout: float, shared: bool = False) -> None:
        if shared:
            text = (
                f"the expressions of this state change took longer than {timeout:g} s in all "
                "(expression_timeout_s) and were stopped"
            )
        else:
            text = (
                f"evaluation took longer than {timeout:g} s (expression_timeout_s) and was stopped"
            )
        super().__init__(text)


class RuntimeFailure(Exception):
    """Carries an exception raised by the Runtime up to the caller, who gets it unchanged."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


@functools.lru_cache(maxsize=PARSE_CACHE_SIZE)
def language_of(text: str) -> Language | None:
    """Which language evaluates `text`, or None if it holds no expression.

    Like Mistral, Jinja wins when a string holds both kinds (validation rejects such strings).
    """
    if JINJA_PATTERN.search(text):
        return Language.JINJA
    if YAQL_PATTERN.search(text):
        return Language.YAQL
    return None


def to_plain(value: Any) -> Any:
    """Copy `value` into plain dict/list/str/int/float/bool/None.

    Tuples, sets and iterators become lists, mappings become dicts, dates become ISO strings.
    Raises TypeError for anything else (and for keys that are not scalars).
    """
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return value if type(value) is str else str(value)
    if isinstance(value, Mapping):
        return {_plain_key(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        raise TypeError(f"a result of type {type(value).__name__} is not JSON-compatible")
    if isinstance(value, Iterable):
        if isinstance(value, Sized):
            return [to_plain(item) for item in value]
        items = list(itertools.islice(value, LIMIT_ITERATORS + 1))
        if len(items) > LIMIT_ITERATORS:
            raise LimitExceeded(f"collection length exceeds {LIMIT_ITERATORS} elements")
        return [to_plain(item) for item in items]
    raise TypeError(f"a result of type {type(value).__name__} is not JSON-compatible")


def _plain_key(key: Any) -> Any:
    if key is None or isinstance(key, (bool, int, float)):
        return key
    if isinstance(key, str):
        return str(key)
    raise TypeError(f"a dict key of type {type(key).__name__} is not JSON-compatible")


def to_text(value: Any) -> str:
    """How an interpolated result is written into the surrounding string: Python's str(),
    exactly as Mistral does (None -> 'None', True -> 'True', {'a': 1} -> "{'a': 1}")."""
    return value if isinstance(value, str) else str(value)


def describe(error: Exception, verbatim: tuple[type[Exception], ...] = ()) -> str:
    """A readable reason for `error`: the message alone for known kinds, else 'Type: message'."""
    if isinstance(error, (FunctionError, LimitExceeded, DeadlineExceeded, *verbatim)):
        return str(error)
    if isinstance(error, KeyError) and error.args:
        return f"key {error.args[0]!r} not found"
    return f"{type(error).__name__}: {error}"


def reraise(
    expression: str, error: Exception, verbatim: tuple[type[Exception], ...] = ()
) -> NoReturn:
    """Raise what the caller sees when evaluating `expression` failed with `error`: the
    Runtime's own exception unchanged, otherwise an ExpressionError naming the expression."""
    if isinstance(error, ExpressionError):
        raise error
    if isinstance(error, RuntimeFailure):
        raise error.error from None
    raise ExpressionError(expression, describe(error, verbatim)) from error
