"""The retry policy: `retry: {count: 3, delay: 1, break-on: <% %>, continue-on: <% %>}`.

The one-line form `retry: count=3 delay=1 break-on=<% $.x %>` uses the inline-parameter syntax.
Mistral's schema requires both `count` and `delay`; wfq requires only `count` (delay defaults to 0).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from wfq.dsl import inline
from wfq.dsl.schema import EXPRESSION_PATTERN, join_path
from wfq.errors import Issue

_EXPRESSION = re.compile(EXPRESSION_PATTERN)
_KEYS = ("count", "delay", "break-on", "continue-on")


@dataclass(frozen=True, slots=True)
class RetrySpec:
    """`count` retries after the first failure, `delay` seconds apart; values may be expressions."""

    count: int | str = 0
    delay: int | str = 0
    break_on: str | None = None
    continue_on: str | None = None

    def to_raw(self) -> dict[str, Any]:
        """The policy in its mapping form."""
        raw: dict[str, Any] = {"count": self.count, "delay": self.delay}
        if self.break_on is not None:
            raw["break-on"] = self.break_on
        if self.continue_on is not None:
            raw["continue-on"] = self.continue_on
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
    found: list[Issue] = []
    for key in raw:
        if key not in _KEYS:
            found.append(
                Issue(
                    join_path(path, key),
                    f"Additional properties are not allowed ('{key}' was unexpected)",
                )
            )
    if "count" not in raw:
        found.append(Issue(path, "'count' is a required property"))
    for key in ("count", "delay"):
        if key in raw and not _is_count(raw[key]):
            found.append(
                Issue(
                    join_path(path, key),
                    f"retry {key} must be a non-negative integer or an expression, "
                    f"got {raw[key]!r}",
                )
            )
    for key in ("break-on", "continue-on"):
        if key in raw and not _is_expression(raw[key]):
            found.append(
                Issue(join_path(path, key), f"retry {key} must be an expression, got {raw[key]!r}")
            )
    issues.extend(found)
    if found:
        return None
    return RetrySpec(raw["count"], raw.get("delay", 0), raw.get("break-on"), raw.get("continue-on"))
