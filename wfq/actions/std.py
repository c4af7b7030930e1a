"""The basic standard actions: std.noop, std.echo, std.fail, std.sleep, std.async_noop,
std.test_dict."""

from __future__ import annotations

import time
from typing import Any

from wfq.actions.base import ActionContext, Wait, action
from wfq.errors import ActionFailed

# Mistral names its classes in "Invalid input" errors; scripts that parse them keep working.
_MISTRAL = "mistral.actions.std_actions"


@action("std.noop", class_name=f"{_MISTRAL}.NoOpAction")
def noop(ctx: ActionContext) -> None:
    """Does nothing and returns null."""
    return None


@action("std.echo", class_name=f"{_MISTRAL}.EchoAction")
def echo(ctx: ActionContext, output: Any, delay: float = 0) -> Any:
    """Returns its `output` unchanged, after `delay` seconds."""
    if delay:
        time.sleep(float(delay))
    return output


class FailActionError(Exception):
    """What std.fail raises when it has no `error_data` to return as its error."""

    action_repr = "Fail action"
    """How Mistral's error text names this action ("[action=Fail action, ...]")."""


@action("std.fail", class_name=f"{_MISTRAL}.FailAction")
def fail(ctx: ActionContext, error_data: Any = None) -> None:
    """Always fails. With `error_data`, that is the error; otherwise the action raises."""
    if error_data:
        raise ActionFailed(str(error_data), data=error_data)
    raise FailActionError("Fail action expected exception.")


@action("std.sleep", class_name=f"{_MISTRAL}.SleepAction")
def sleep(ctx: ActionContext, seconds: float = 1) -> Wait | None:
    """Sleeps for `seconds` and returns null (without holding a worker slot meanwhile)."""
    try:
        delay = max(0.0, float(seconds))
    except (TypeError, ValueError):
        delay = 0.0  # Mistral's SleepAction treats a bad value as 0
    return Wait(delay) if delay > 0 else None


@action("std.async_noop", is_sync=False, class_name=f"{_MISTRAL}.AsyncNoOpAction")
def async_noop(ctx: ActionContext) -> None:
    """Starts and stays RUNNING until its result is sent through the API."""
    return None


@action("std.test_dict", class_name=f"{_MISTRAL}.TestDictAction")
def test_dict(
    ctx: ActionContext, size: int = 0, key_prefix: str = "", val: str = ""
) -> dict[str, str]:
    """Returns a dict of `size` entries `key_prefix<i>: val`."""
    return {f"{key_prefix}{i}": val for i in range(int(size))}


ACTIONS = [noop, echo, fail, sleep, async_noop, test_dict]
