"""Webhook batches of one execution are delivered in the order this worker received them.

Each engine transition sends its `notify` events as one `wfq.notify` message; the transitions
of an execution are ordered by its row lock and their messages reach the queue in that order.
A threads pool would then deliver two of them at once (a chain's next transition follows the
one before within milliseconds), and a receiver could see a task's end before its launch. The
consumer thread notes each `wfq.notify` message as it receives it (`task_received`, in the
queue's order); a batch is delivered once the batches of its execution received before it
are done, or after TURN_WAIT_S (a batch whose message never runs holds the others that
long once, and is then forgotten).

Within a worker process only: batches of one execution taken by two worker processes, or a
prefork pool's children (the signal fires in the parent), are not ordered with each other; a
batch retried after a failed delivery goes after those that followed it."""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Iterator
from typing import Any

from celery import signals

from wfq.dispatch import names

TURN_WAIT_S = 30.0
"""Longest a batch waits for the batches of its execution received before it."""


class Turns:
    """Per execution, the ids of the `wfq.notify` messages received and not yet done, oldest
    first."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._queues: dict[str, deque[str]] = {}

    def received(self, execution_id: str, message_id: str) -> None:
        with self._changed:
            self._queues.setdefault(execution_id, deque()).append(message_id)

    @contextlib.contextmanager
    def turn(
        self, execution_id: str, message_id: str, wait_s: float = TURN_WAIT_S
    ) -> Iterator[None]:
        """Wait until the messages of `execution_id` received before `message_id` are done
        (at most `wait_s`), then hold the turn until the block ends."""
        deadline = time.monotonic() + wait_s
        with self._changed:
            while True:
                queue = self._queues.get(execution_id)
                ahead = queue is not None and message_id in queue and queue[0] != message_id
                if not ahead:
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    # Those still ahead were received but never ran (a message given back at
                    # a shutdown, say): no later batch should wait for them again.
                    assert queue is not None
                    while queue[0] != message_id:
                        queue.popleft()
                    break
                self._changed.wait(left)
        try:
            yield
        finally:
            with self._changed:
                queue = self._queues.get(execution_id)
                if queue is not None:
                    with contextlib.suppress(ValueError):
                        queue.remove(message_id)
                    if not queue:
                        del self._queues[execution_id]
                self._changed.notify_all()


TURNS = Turns()
"""This process's turns."""


def execution_of(events: Any) -> str | None:
    """The execution a batch of events is about."""
    if isinstance(events, list) and events and isinstance(events[0], dict):
        found = events[0].get("execution_id")
        return str(found) if found else None
    return None


@signals.task_received.connect
def _note_received(sender: Any = None, request: Any = None, **_: Any) -> None:
    if request is None or getattr(request, "name", None) != names.NOTIFY:
        return
    args: list[Any] = list(getattr(request, "args", None) or ())
    execution_id = execution_of(args[1]) if len(args) > 1 else None
    if execution_id:
        TURNS.received(execution_id, request.id)
