"""YAQL's regular-expression functions (regex(), matches, =~, !~, search, searchAll, split,
replace, replaceBy, escapeRegex, isRegex) on the `regex` package instead of `re`.

The standard library's versions use `re`, whose matcher neither stops nor lets other threads
run: `regex('^(a|aa)+$').matches('aaaa...!')` would hold the whole process (the API, every
worker thread) for as long as it backtracks. Here every match runs with the evaluation's
remaining time as its timeout and releases the GIL while it matches.
"""

from __future__ import annotations

import collections.abc  # noqa: F401  yaql 3.2 needs it imported before yaql itself
import functools
from collections.abc import Callable, Iterator
from typing import Any

import regex
from yaql.language import specs, yaqltypes

from wfq.expressions.base import DeadlineExceeded
from wfq.expressions.limits import PARSE_CACHE_SIZE
from wfq.expressions.scope import Scope

SCOPE_KEY = "#wfq_scope"  # the same key yaql_functions stores the Scope under

_PATTERN = yaqltypes.PythonType(regex.Pattern, nullable=False)
_TEXT = yaqltypes.String()


def _scope(context: Any) -> Scope | None:
    scope = context[SCOPE_KEY]
    return scope if isinstance(scope, Scope) else None


def _bounded(context: Any, run: Callable[[float | None], Any]) -> Any:
    """`run(timeout)`, turning the regex package's timeout into the evaluation's deadline."""
    scope = _scope(context)
    try:
        return run(None if scope is None else scope.remaining())
    except TimeoutError:
        raise (scope.expired() if scope is not None else DeadlineExceeded(0.0)) from None


@functools.lru_cache(maxsize=PARSE_CACHE_SIZE)
def _compile(pattern: str, flags: int = 0) -> Any:
    # VERSION0 keeps `re`'s syntax and semantics, which is what YAQL documents.
    return regex.compile(pattern, flags | regex.VERSION0)


def _spec(*decorators: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def apply(function: Callable[..., Any]) -> Callable[..., Any]:
        for decorator in reversed(decorators):
            decorator(function)
        return function

    return apply


@_spec(
    specs.parameter("pattern", _TEXT),
    specs.name("regex"),
)
def _regex(
    pattern: str, ignore_case: bool = False, multi_line: bool = False, dot_all: bool = False
) -> Any:
    flags = regex.UNICODE
    flags |= regex.IGNORECASE if ignore_case else 0
    flags |= regex.MULTILINE if multi_line else 0
    flags |= regex.DOTALL if dot_all else 0
    return _compile(pattern, flags)


def _found(context: Any, pattern: Any, string: str) -> bool:
    compiled = _compile(pattern) if isinstance(pattern, str) else pattern
    return _bounded(context, lambda t: compiled.search(string, timeout=t)) is not None


@_spec(
    specs.parameter("regexp", _PATTERN),
    specs.parameter("string", _TEXT),
    specs.method,
    specs.name("matches"),
)
def _matches(context: Any, regexp: Any, string: str) -> bool:
    return _found(context, regexp, string)


@_spec(
    specs.parameter("string", _TEXT),
    specs.parameter("regexp", _TEXT),
    specs.method,
    specs.name("matches"),
)
def _string_matches(context: Any, string: str, regexp: str) -> bool:
    return _found(context, regexp, string)


@_spec(
    specs.parameter("string", _TEXT),
    specs.parameter("regexp", _PATTERN),
    specs.name("#operator_=~"),
)
def _match_operator(context: Any, string: str, regexp: Any) -> bool:
    return _found(context, regexp, string)


@_spec(
    specs.parameter("string", _TEXT), specs.parameter("pattern", _TEXT), specs.name("#operator_=~")
)
def _match_operator_text(context: Any, string: str, pattern: str) -> bool:
    return _found(context, pattern, string)


@_spec(
    specs.parameter("string", _TEXT),
    specs.parameter("regexp", _PATTERN),
    specs.name("#operator_!~"),
)
def _no_match_operator(context: Any, string: str, regexp: Any) -> bool:
    return not _found(context, regexp, string)


@_spec(
    specs.parameter("string", _TEXT), specs.parameter("pattern", _TEXT), specs.name("#operator_!~")
)
def _no_match_operator_text(context: Any, string: str, pattern: str) -> bool:
    return not _found(context, pattern, string)


def _with_match(context: Any, match: Any) -> Any:
    """A child context where `$` (`$1`) is the whole match, `$2`... the groups and `$name` the
    named groups, each as {value, start, end} — YAQL's documented selector variables."""
    child = context.create_child_context()
    child["$1"] = {"value": match.group(), "start": match.start(), "end": match.end()}
    for number, _ in enumerate(match.groups(), 1):
        child[f"${number + 1}"] = {
            "value": match.group(number),
            "start": match.start(number),
            "end": match.end(number),
        }
    for name in match.groupdict():
        child[f"${name}"] = {
            "value": match.group(name),
            "start": match.start(name),
            "end": match.end(name),
        }
    return child


@_spec(
    specs.parameter("regexp", _PATTERN),
    specs.parameter("string", _TEXT),
    specs.parameter("selector", yaqltypes.Lambda(with_context=True)),
    specs.method,
    specs.name("search"),
)
def _search(context: Any, regexp: Any, string: str, selector: Any = None) -> Any:
    match = _bounded(context, lambda t: regexp.search(string, timeout=t))
    if match is None:
        return None
    return match.group() if selector is None else selector(_with_match(context, match))


@_spec(
    specs.parameter("regexp", _PATTERN),
    specs.parameter("string", _TEXT),
    specs.parameter("selector", yaqltypes.Lambda(with_context=True)),
    specs.method,
    specs.name("searchAll"),
)
def _search_all(context: Any, regexp: Any, string: str, selector: Any = None) -> Iterator[Any]:
    matches = _bounded(context, lambda t: list(regexp.finditer(string, timeout=t)))
    for match in matches:
        yield match.group() if selector is None else selector(_with_match(context, match))


def _split(context: Any, regexp: Any, string: str, max_split: int) -> list[str]:
    return list(_bounded(context, lambda t: regexp.split(string, max_split, timeout=t)))


@_spec(
    specs.parameter("regexp", _PATTERN),
    specs.parameter("string", _TEXT),
    specs.parameter("max_split", int),
    specs.method,
    specs.name("split"),
)
def _regex_split(context: Any, regexp: Any, string: str, max_split: int = 0) -> list[str]:
    return _split(context, regexp, string, max_split)


@_spec(
    specs.parameter("string", _TEXT),
    specs.parameter("regexp", _PATTERN),
    specs.parameter("max_split", int),
    specs.method,
    specs.name("split"),
)
def _string_split(context: Any, string: str, regexp: Any, max_split: int = 0) -> list[str]:
    return _split(context, regexp, string, max_split)


def _replace(context: Any, regexp: Any, string: str, repl: Any, count: int) -> str:
    """`regexp.sub`, charging what it builds: a replacement text that could make the result pass
    the memory budget is applied match by match, each charged before it is added."""
    scope = _scope(context)
    if scope is not None and isinstance(repl, str):
        if len(string) + (len(string) + 1) * len(repl) > scope.room():
            if "\\" in repl:  # group references: each expansion is measured as it is made
                repl = _charged(scope, repl)
            else:
                count = _affordable(context, scope, regexp, string, repl, count)
    result = _bounded(context, lambda t: regexp.sub(repl, string, count, timeout=t))
    if scope is not None:
        scope.charge_value(result)
    return str(result)


def _affordable(context: Any, scope: Scope, regexp: Any, string: str, repl: str, count: int) -> int:
    """The `count` to substitute with: `count` itself when the result fits the memory budget,
    else LimitExceeded is raised after building no more than the budget allows."""
    most = max(0, (scope.room() - len(string)) // max(1, len(repl)))
    if 0 < count <= most:
        return count
    _, made = _bounded(context, lambda t: regexp.subn(repl, string, most + 1, timeout=t))
    if made > most:
        scope.charge(len(string) + made * len(repl))  # raises: the whole result would not fit
    return count


def _charged(scope: Scope, template: str) -> Callable[[Any], str]:
    def expand(match: Any) -> str:
        text = str(match.expand(template))
        scope.charge(len(text))
        return text

    return expand


@_spec(
    specs.parameter("regexp", _PATTERN),
    specs.parameter("string", _TEXT),
    specs.parameter("repl", _TEXT),
    specs.parameter("count", int),
    specs.method,
    specs.name("replace"),
)
def _regex_replace(context: Any, regexp: Any, string: str, repl: str, count: int = 0) -> str:
    return _replace(context, regexp, string, repl, count)


@_spec(
    specs.parameter("string", _TEXT),
    specs.parameter("regexp", _PATTERN),
    specs.parameter("repl", _TEXT),
    specs.parameter("count", int),
    specs.method,
    specs.name("replace"),
)
def _string_replace(context: Any, string: str, regexp: Any, repl: str, count: int = 0) -> str:
    return _replace(context, regexp, string, repl, count)


def _by_lambda(context: Any, repl: Any) -> Callable[[Any], str]:
    def replacement(match: Any) -> str:
        value = str(repl(_with_match(context, match)))
        scope = _scope(context)
        if scope is not None:
            scope.charge(len(value))
        return value

    return replacement


@_spec(
    specs.parameter("regexp", _PATTERN),
    specs.parameter("string", _TEXT),
    specs.parameter("repl", yaqltypes.Lambda(with_context=True)),
    specs.parameter("count", int),
    specs.method,
    specs.name("replaceBy"),
)
def _regex_replace_by(context: Any, regexp: Any, string: str, repl: Any, count: int = 0) -> str:
    return _replace(context, regexp, string, _by_lambda(context, repl), count)


@_spec(
    specs.parameter("string", _TEXT),
    specs.parameter("regexp", _PATTERN),
    specs.parameter("repl", yaqltypes.Lambda(with_context=True)),
    specs.parameter("count", int),
    specs.method,
    specs.name("replaceBy"),
)
def _string_replace_by(context: Any, string: str, regexp: Any, repl: Any, count: int = 0) -> str:
    return _replace(context, regexp, string, _by_lambda(context, repl), count)


@_spec(specs.parameter("value", _TEXT), specs.name("escapeRegex"))
def _escape(value: str) -> str:
    return str(regex.escape(value))


@_spec(specs.parameter("value", nullable=True), specs.name("isRegex"))
def _is_regex(value: Any) -> bool:
    return isinstance(value, regex.Pattern)


FUNCTIONS: tuple[Callable[..., Any], ...] = (
    _regex,
    _matches,
    _string_matches,
    _match_operator,
    _match_operator_text,
    _no_match_operator,
    _no_match_operator_text,
    _search,
    _search_all,
    _regex_split,
    _string_split,
    _regex_replace,
    _string_replace,
    _regex_replace_by,
    _string_replace_by,
    _escape,
    _is_regex,
)
"""Registered instead of YAQL's `regex` standard library module."""
