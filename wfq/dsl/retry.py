"""The retry policy: `retry: {count: 3, delay: 1, break-on: <% %>, continue-on: <% %>}`.

The one-line form `retry: count=3 delay=1 break-on=<% $.x %>` uses the inline-parameter syntax.
Mistral's schema requires both `count` and `delay`; wfq requires only `count` (delay defaults to 0).

wfq extensions (see `wfq/engine/backoff.py`): `backoff` (factor ≥ 1 applied to the delay at each
retry), `max-delay` (seconds, ≥ 0) and `jitter` (fraction 0..1 taken off at random). Each may
be a literal number or an expression.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from wfq.dsl import inline
from wfq.dsl.schema import EXPRESSION_PATTERN, join_path
from wfq.errors import Issue

_EXPRESSION = re.compile(EXPRESSION_PATTERN)
_KEYS = ("count", "delay", "break-on", "continue-on", "backoff", "max-delay", "jitter")
_EXTENSIONS: dict[str, tuple[float, float | None, str]] = {
    "backoff": (1, None, "a number >= 1"),
    "max-delay": (0, None, "a number >= 0"),
    "jitter": (0, 1, "a number between 0 and 1"),
}


@dataclass(frozen=True, slots=True)
class RetrySpec:
    """`count` retries after the first failure, `delay` seconds apart; values may be expressions."""

    count: int | str = 0
    delay: int | str = 0
    break_on: str | None = None
    continue_on: str | None = None
    backoff: float | str | None = None
    max_delay: float | str | None = None
    jitter: float | str | None = None

    def to_raw(self) -> dict[str, Any]:
        """The policy in its mapping form."""
        raw: dict[str, Any] = {"count": self.count, "delay": self.delay}
        optional = {
            "break-on": self.break_on,
            "continue-on": self.continue_on,
            "backoff": self.backoff,
            "max-delay": self.max_delay,
            "jitter": self.jitter,
        }
        raw.update({k: v for k, v in optional.items() if v is not None})
        return raw


def _is_expression(value: Any) -> bool:
    return isinstance(value, str) and bool(_EXPRESSION.match(value))


def _is_count(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return (isinstance(value, int) and value >= 0) or _is_expression(value)


def parse_retry(raw: Any, path: str, issues: list[Issue]) -> RetrySpec | None:
    """Parse a `retry` value (mapping or one-liner); problems go to `issues`."""
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = inline.parse_params(raw)
    if not isinstance(raw, dict):
        return None  # the schema reports the wrong type
    found = _key_issues(raw, path) + _value_issues(raw, path) + _extension_issues(raw, path)
    issues.extend(found)
    if found:
        return None
    return RetrySpec(
        raw["count"],
        raw.get("delay", 0),
        raw.get("break-on"),
        raw.get("continue-on"),
        raw.get("backoff"),
        raw.get("max-delay"),
        raw.get("jitter"),
    )


def _key_issues(raw: dict[str, Any], path: str) -> list[Issue]:
    """Unknown keys and a missing `count`, worded as Mistral's JSON schema words them."""
    found = [
        Issue(
            join_path(path, key), f"Additional properties are not allowed ('{key}' was unexpected)"
        )
        for key in raw
        if key not in _KEYS
    ]
    if "count" not in raw:
        found.append(Issue(path, "'count' is a required property"))
    return found


def _value_issues(raw: dict[str, Any], path: str) -> list[Issue]:
    """`count` and `delay` take non-negative integers, `break-on` and `continue-on`
    expressions."""
    found = [
        Issue(
            join_path(path, key),
            f"retry {key} must be a non-negative integer or an expression, got {raw[key]!r}",
        )
        for key in ("count", "delay")
        if key in raw and not _is_count(raw[key])
    ]
    found += [
        Issue(join_path(path, key), f"retry {key} must be an expression, got {raw[key]!r}")
        for key in ("break-on", "continue-on")
        if key in raw and not _is_expression(raw[key])
    ]
    return found


def _extension_issues(raw: dict[str, Any], path: str) -> list[Issue]:
    found = []
    for key, (low, high, what) in _EXTENSIONS.items():
        value = raw.get(key)
        if value is None or _is_expression(value):
            continue
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or value < low or (high is not None and value > high):
            found.append(
                Issue(
                    join_path(path, key),
                    f"retry {key} must be {what} or an expression, got {value!r}",
                )
            )
    return found
