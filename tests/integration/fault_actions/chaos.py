"""The action of the fault-injection suite: it records each run (start and end, with its action
execution id) in the file named by WFQ_CHAOS_LOG, so the suite can tell which actions ran twice
and which were cut off by a killed worker."""

from __future__ import annotations

import os
import time
from typing import Any

from wfq.actions.base import ActionContext, action


def _record(ctx: ActionContext, what: str, safe: bool) -> None:
    # One short line per write with O_APPEND: lines of concurrent processes never interleave.
    line = f"{what} {ctx.action_execution_id} {int(safe)} {os.getpid()}\n".encode()
    fd = os.open(os.environ["WFQ_CHAOS_LOG"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)


@action("chaos.work")
def work(ctx: ActionContext, value: Any, seconds: float = 0.1, safe: bool = True) -> Any:
    """Record the run, sleep `seconds`, record the end, return `value`."""
    _record(ctx, "start", safe)
    time.sleep(seconds)
    _record(ctx, "end", safe)
    return value
