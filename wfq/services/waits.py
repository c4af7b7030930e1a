"""Actions that only wait, parked without a thread (docs/architecture.md, "Workers").

A parked action stays RUNNING, claimed by this process and in its heartbeat, so the rest of
the system sees an action this process runs: if the process dies, the integrity check fails it
as lost (or sends it again when it is safe-rerun). Its thread is free meanwhile; the engine lane
(`Services.timers`) calls the wake-up when the wait is over.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any

from wfq.services import heartbeat
from wfq.services.context import Services

BUCKET_S = 0.05
"""Waits of one group that end within the same BUCKET_S end together (`park_together`): at
most this much later than asked, for one transaction instead of one each."""


def park(svc: Services, action_id: str, seconds: float, wake: Callable[[], object]) -> None:
    """Call `wake()` on the engine lane in `seconds`; the action beats until it returns."""
    assert svc.timers is not None
    heartbeat.hold(action_id)

    def run() -> None:
        try:
            wake()
        finally:
            heartbeat.release(action_id)

    svc.timers.call_at(time.monotonic() + seconds, run)


_groups: dict[tuple[int, str, int], list[tuple[str, Any]]] = {}
_lock = threading.Lock()


def park_together(
    svc: Services,
    group: str,
    action_id: str,
    seconds: float,
    entry: Any,
    wake_all: Callable[[list[Any]], object],
) -> None:
    """Like `park`, for waits that may end together (the items of one with-items task): the
    entries of `group` due in the same BUCKET_S are passed to one `wake_all(entries)` call."""
    assert svc.timers is not None
    heartbeat.hold(action_id)
    bucket = math.ceil((time.monotonic() + seconds) / BUCKET_S)
    key = (id(svc), group, bucket)
    with _lock:
        entries = _groups.setdefault(key, [])
        entries.append((action_id, entry))
        first = len(entries) == 1
    if first:
        svc.timers.call_at(bucket * BUCKET_S, lambda: _wake(key, wake_all))


def _wake(key: tuple[int, str, int], wake_all: Callable[[list[Any]], object]) -> None:
    with _lock:
        entries = _groups.pop(key)
    try:
        wake_all([entry for _, entry in entries])
    finally:
        for action_id, _ in entries:
            heartbeat.release(action_id)
