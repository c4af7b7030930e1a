"""YAQL `<% ... %>` evaluation: one engine and one base context built at import, parsed
expressions cached by text, and a deadline checked on every function call.
"""

from __future__ import annotations

import collections.abc  # noqa: F401  yaql 3.2 needs it imported before yaql itself
import functools
import threading
from typing import Any

from yaql.language import contexts, factory
from yaql.language import exceptions as yaql_exceptions

from wfq.expressions.base import YAQL_PATTERN, reraise, to_plain, to_text
from wfq.expressions.limits import LIMIT_ITERATORS, MEMORY_QUOTA, PARSE_CACHE_SIZE
from wfq.expressions.scope import Scope
from wfq.expressions.yaql_functions import LazyFrozenDict, create_base_context, freeze
from wfq.expressions.yaql_regex import SCOPE_KEY

# Mistral's defaults, except that the limits are on and sets come back as lists.
_ENGINE_OPTIONS = {
    "yaql.limitIterators": LIMIT_ITERATORS,
    "yaql.memoryQuota": MEMORY_QUOTA,
    "yaql.convertTuplesToLists": True,
    "yaql.convertSetsToLists": True,
    "yaql.iterableDicts": False,
    "yaql.convertOutputData": True,
    "yaql.convertInputData": True,
}
_ENGINE = factory.YaqlFactory(keyword_operator="=>", allow_delegates=False).create(
    options=_ENGINE_OPTIONS
)
# The ply lexer and parser inside the engine keep state while parsing: one parse at a time.
_PARSE_LOCK = threading.Lock()
_DATA_KEY = "yaql"  # where Scope.prepared keeps the converted data
_VERBATIM = (yaql_exceptions.YaqlException,)
_CONTEXT_VARIABLES = ("__env", "__execution", "__task_execution")


class _BudgetedContext(contexts.Context):  # type: ignore[misc]  # yaql is untyped: its Context is Any
    """A context that checks the scope's deadline whenever a function is looked up, which YAQL
    does for every operator and call; children (lambdas, let) inherit the scope."""

    def __init__(self, parent_context: Any = None, scope: Scope | None = None) -> None:
        super().__init__(parent_context)
        self._scope = scope if scope is not None else getattr(parent_context, "_scope", None)

    def get_functions(self, name: Any, predicate: Any = None, use_convention: bool = False) -> Any:
        if self._scope is not None:
            self._scope.check_deadline()
        return super().get_functions(name, predicate, use_convention)


def evaluate(text: str, scope: Scope) -> Any:
    """Evaluate every `<% %>` in `text`: the native value if `text` is one expression,
    otherwise `text` with each expression replaced by its str() form."""
    stripped = text.strip()
    found = YAQL_PATTERN.findall(stripped)
    if len(found) == 1 and found[0] == stripped:
        return _evaluate_one(stripped, scope)
    return YAQL_PATTERN.sub(lambda match: to_text(_evaluate_one(match.group(), scope)), text)


def validate(text: str) -> list[str]:
    """Syntax problems of every `<% %>` expression in `text`."""
    problems = []
    for match in YAQL_PATTERN.finditer(text):
        try:
            _parse(match.group()[2:-2].strip())
        except (yaql_exceptions.YaqlException, KeyError, ValueError, TypeError) as error:
            problems.append(f"{match.group()}: {error}")
    return problems


def _evaluate_one(expression: str, scope: Scope) -> Any:
    try:
        statement = _parse(expression[2:-2].strip())
        context = _BudgetedContext(_BASE_CONTEXT, scope)
        context["$"] = _prepared_data(scope)
        context[SCOPE_KEY] = scope
        if isinstance(scope.data, dict):
            # Mistral's YAQL contexts also hold these as variables: `$__env`, `$__execution`...
            for name in _CONTEXT_VARIABLES:
                context[name] = freeze(scope.data.get(name))
        return to_plain(statement.evaluate(context=context))
    except Exception as error:
        reraise(expression, error, _VERBATIM)


@functools.lru_cache(maxsize=PARSE_CACHE_SIZE)
def _parse(expression: str) -> Any:
    with _PARSE_LOCK:
        return _ENGINE(expression)


def _prepared_data(scope: Scope) -> Any:
    if _DATA_KEY not in scope.prepared:
        data = scope.data
        scope.prepared[_DATA_KEY] = LazyFrozenDict(data) if type(data) is dict else freeze(data)
    return scope.prepared[_DATA_KEY]


_BASE_CONTEXT = create_base_context()
