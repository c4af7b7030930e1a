"""CeleryDispatcher: sends wfq messages through a Celery app, by task name only."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from typing import Any

import amqp
import redis
from celery import Celery, chord
from kombu.exceptions import KombuError

from wfq.dispatch import names
from wfq.dispatch.base import DispatchFailed

BROKER_ERRORS: tuple[type[BaseException], ...] = (
    KombuError,
    OSError,
    redis.RedisError,
    amqp.exceptions.AMQPError,
)
"""What a publish raises when the broker (or the chord result backend) is away (redis comes
with celery[redis], amqp with kombu)."""
CeleryApp = Celery
"""The type of the app a CeleryDispatcher sends through, for modules that must not import
celery themselves (the composition root)."""


def _publishing(fn: Any) -> Any:
    """Turn the broker's own connection errors into DispatchFailed (one type for callers)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except BROKER_ERRORS as exc:
            raise DispatchFailed(f"{type(exc).__name__}: {exc}") from exc

    return wrapper


class CeleryDispatcher:
    """Publishes `wfq.*` tasks; never imports the task functions (they live in workers/)."""

    def __init__(self, app: Celery, default_queue: str, engine_queue: str) -> None:
        self.app = app
        self.default_queue = default_queue
        self.engine_queue = engine_queue

    @_publishing
    def run_actions(
        self, items: Sequence[tuple[str, str | None]], labels: Mapping[str, str] | None = None
    ) -> None:
        if not items:
            return
        labels = labels or {}
        with self.app.producer_or_acquire() as producer, _batch(producer, len(items)):
            for action_id, queue in items:
                self.app.send_task(
                    names.RUN_ACTION,
                    args=[action_id],
                    queue=queue or self.default_queue,
                    producer=producer,
                    ignore_result=True,
                    **display([action_id], labels.get(action_id)),
                )

    @_publishing
    def run_items(
        self, task_execution_id: str, action_ids: Sequence[str], queue: str | None, label: str = ""
    ) -> None:
        q = queue or self.default_queue
        callback = {"type": "ItemsCompleted", "task_execution_id": task_execution_id}
        messages = lane_messages(action_ids)
        if self.app.conf.result_backend:
            header = [
                self.app.signature(
                    names.RUN_ITEMS, args=[m, False], queue=q, **display([m, False], label)
                )
                for m in messages
            ]
            body = self.app.signature(
                names.CONTINUE_EXECUTION, args=[callback], queue=self.engine_queue, immutable=True
            )
            chord(header)(body)
            return
        # No result backend, no chord: the last lane to finish sends the callback itself.
        with self.app.producer_or_acquire() as producer, _batch(producer, len(messages)):
            for m in messages:
                self.app.send_task(
                    names.RUN_ITEMS,
                    args=[m, True],
                    queue=q,
                    producer=producer,
                    ignore_result=True,
                    **display([m, True], label),
                )

    @_publishing
    def send(
        self,
        task_name: str,
        args: list[Any],
        queue: str | None = None,
        eta: dt.datetime | None = None,
    ) -> None:
        when = eta.replace(tzinfo=dt.UTC) if eta is not None else None
        self.app.send_task(
            task_name, args=args, queue=queue or self.engine_queue, eta=when, ignore_result=True
        )


SPREAD_MESSAGES = 16
"""A with-items start sends its lanes in at least this many messages (one per lane when it has
fewer), so that up to this many worker processes share them."""
LANES_PER_MESSAGE = 50
"""Beyond SPREAD_MESSAGES, one `wfq.run_items` message carries up to this many lanes: the
worker that takes it starts them in its own action slots (docs/architecture.md, "with-items").
A message costs more CPU than the lane's item itself when the item only waits (a std.sleep, a
slow HTTP call): 5,000 lanes are 100 messages, not 5,000."""


def lane_messages(action_ids: Sequence[str]) -> list[str | list[str]]:
    """The lanes' action execution ids grouped into messages: a message of one lane carries its
    id (the form every wfq version reads), a message of several lanes the list of their ids."""
    ids = list(action_ids)
    count = max(min(len(ids), SPREAD_MESSAGES), -(-len(ids) // LANES_PER_MESSAGE))
    size, bigger = divmod(len(ids), count) if ids else (0, 0)
    chunks, start = [], 0
    for n in range(count):  # `count` chunks as even as can be, in the ids' order
        end = start + size + (1 if n < bigger else 0)
        chunks.append(ids[start:end])
        start = end
    return [chunk[0] if len(chunk) == 1 else chunk for chunk in chunks]


def _batch(producer: Any, messages: int) -> contextlib.AbstractContextManager[Any]:
    """Publish the messages of one call together: on Redis, kombu (5.7 and later) sends them in
    one pipeline, a round trip and a third of the CPU of sending them one by one (the branches
    of a fork, the lanes of a with-items); other transports, and older kombu, publish each
    message at once as before. A single message (a POST, the next task of a chain) is sent
    as is: a batch of one costs a tenth more CPU than a plain publish."""
    batch = getattr(producer, "batch", None)
    return batch() if batch is not None and messages > 1 else contextlib.nullcontext()


def display(args: list[Any], label: str | None) -> dict[str, str]:
    """Celery's `argsrepr`: what Flower, `celery events` and worker logs show as the message's
    arguments. The message itself still carries ids only."""
    return {"argsrepr": f"{args!r} {label}"} if label else {}
