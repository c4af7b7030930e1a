"""Task policies (retry, wait-before, wait-after, timeout, pause-before, concurrency, fail-on,
safe-rerun) and their resolution against `task-defaults`.

Mistral's rule (engine/policies.py `construct_policies_list`): per policy, the task's value is used
when it is set, otherwise the task-defaults value. "Set" means truthy, as in Mistral: `timeout: 0`
or `pause-before: false` on a task does not override a default. A retry policy is replaced whole,
never merged field by field. `safe-rerun` is the exception: the task's value wins whenever the key
is present (mistral/engine/tasks.py), and the default is false.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wfq.dsl.retry import RetrySpec, parse_retry
from wfq.dsl.schema import join_path
from wfq.errors import Issue

POLICY_KEYS = (
    "retry",
    "wait-before",
    "wait-after",
    "timeout",
    "pause-before",
    "concurrency",
    "fail-on",
    "safe-rerun",
)


@dataclass(frozen=True, slots=True)
class Policies:
    """Policy values; numbers are seconds (concurrency: actions in flight). May be expressions.

    `safe_rerun` is None when not set (only before resolution); resolved policies hold a value.
    """

    retry: RetrySpec | None = None
    wait_before: int | str = 0
    wait_after: int | str = 0
    timeout: int | str = 0
    pause_before: bool | str = False
    concurrency: int | str = 0
    fail_on: bool | str = False
    safe_rerun: bool | str | None = None


def parse_policies(raw: dict[str, Any], path: str, issues: list[Issue]) -> Policies:
    """Read the policy keys of a task or of task-defaults (their types were schema-checked)."""
    return Policies(
        retry=parse_retry(raw.get("retry"), join_path(path, "retry"), issues),
        wait_before=_value(raw, "wait-before", 0),
        wait_after=_value(raw, "wait-after", 0),
        timeout=_value(raw, "timeout", 0),
        pause_before=_value(raw, "pause-before", False),
        concurrency=_value(raw, "concurrency", 0),
        fail_on=_value(raw, "fail-on", False),
        safe_rerun=raw.get("safe-rerun"),
    )


def _value(raw: dict[str, Any], key: str, default: Any) -> Any:
    value = raw.get(key, default)
    return default if value is None else value


def resolve(own: Policies, defaults: Policies | None) -> Policies:
    """The effective policies of a task given the workflow's task-defaults policies."""
    d = defaults or Policies()
    safe_rerun = own.safe_rerun if own.safe_rerun is not None else d.safe_rerun
    return Policies(
        retry=own.retry or d.retry,
        wait_before=own.wait_before or d.wait_before,
        wait_after=own.wait_after or d.wait_after,
        timeout=own.timeout or d.timeout,
        pause_before=own.pause_before or d.pause_before,
        concurrency=own.concurrency or d.concurrency,
        fail_on=own.fail_on or d.fail_on,
        safe_rerun=False if safe_rerun is None else safe_rerun,
    )
