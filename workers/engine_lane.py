"""The engine lane of a worker process: the engine queue is read on a channel of its own and
its messages (due timers, with-items callbacks) run on the lane's own threads
(`wfq.services.timers`), never in an action slot.

Why not let the pool run them like any task: the action slots' consumer stops fetching once
its prefetch room is full of running actions (acks are late), so under a load of long waits a
timer of another execution would stay in Redis until an action ended. Here the engine queue has
its own consumer, without a prefetch limit (its messages are small and few), its ETA messages
wait on the lane's clock, and its handlers only take a database connection.

This applies to the threads pool (the default). With `--pool prefork` the pool runs engine
messages too, as before: forking a process that runs extra threads is not safe.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from celery import bootsteps
from celery.concurrency.thread import TaskPool as ThreadPool
from kombu import Consumer

from wfq.dispatch import names

if TYPE_CHECKING:
    from workers.celery_app import WfqCelery

log = logging.getLogger("wfq.workers")

RUN_ON_LANE = frozenset({names.CONTINUE_EXECUTION, names.RECOVER, names.FIRE_CRON_TRIGGERS})
"""Engine messages the lane runs itself; any other message found on the engine queue (a
webhook sent by an older version) is handed to the action slots' queue."""


class EngineQueue(bootsteps.StartStopStep):
    """Worker step: take the engine queue away from the pool's consumer (threads pool only),
    and at shutdown let the lane finish what it must (the wake-ups of waiting actions)."""

    def __init__(self, w: Any, **kwargs: Any) -> None:
        super().__init__(w, **kwargs)
        app: WfqCelery = w.app
        w.wfq_engine_queue = None
        name = app.wfq_settings.engine_queue
        queues = app.amqp.queues
        consumed = queues.consume_from
        pool = w.pool_cls if isinstance(w.pool_cls, type) else type(w.pool_cls)
        self.threaded = issubclass(pool, ThreadPool)
        if self.threaded and name in consumed and len(consumed) > 1:
            w.wfq_engine_queue = consumed[name]
            queues.deselect(name)

    def start(self, w: Any) -> None:
        if self.threaded:
            # Load the actions and open the lane before the first message, not during it (a
            # prefork child builds its own after the fork instead).
            services = w.app.services
            # Lanes of a with-items message start in the pool's other threads (its slots).
            services.spawn = functools.partial(_spawn, w.pool.executor)

    def stop(self, w: Any) -> None:
        services = w.app._services
        if services is not None and services.timers is not None:
            waiting = services.timers.waiting()
            if waiting:  # a stop that has to wait says why; an idle one says nothing
                log.info("engine lane: waiting for %d parked or queued wake-ups", waiting)
            services.timers.stop()


class EngineConsumer(bootsteps.ConsumerStep):
    """Consumer step: reads the engine queue (when EngineQueue took it) for the lane."""

    def start(self, c: Any) -> None:
        self.c = c
        super().start(c)

    def get_consumers(self, channel: Any) -> list[Consumer]:
        queue = getattr(self.c.controller, "wfq_engine_queue", None)
        if queue is None:
            return []
        return [Consumer(channel, queues=[queue], callbacks=[self._on_message], accept=["json"])]

    def _on_message(self, body: Any, message: Any) -> None:
        app: WfqCelery = self.c.app
        headers = message.headers or {}
        name = headers.get("task", "")
        args, kwargs = (
            (body[0], body[1]) if isinstance(body, list | tuple) and len(body) >= 2 else ([], {})
        )
        if _past(headers.get("expires")):
            log.info("engine lane: discarding expired %s", name)
            _ack(message)
            return
        if name not in RUN_ON_LANE:
            app.send_task(name, args=args, kwargs=kwargs, queue=app.wfq_settings.queue)
            _ack(message)
            return
        task = app.tasks[name]
        hub = getattr(self.c, "hub", None)

        def run() -> None:
            try:
                task.run(*args, **kwargs)
            except Exception:  # acks_late semantics: the message is done either way
                log.exception("engine lane: %s failed", name)
            finally:
                # A channel is not thread-safe on every transport (py-amqp): the ack goes back to
                # the consumer's event loop when there is one.
                if hub is not None:
                    hub.call_soon(_ack, message)
                else:
                    _ack(message)

        timers = app.services.timers
        assert timers is not None
        timers.call_at(time.monotonic() + _seconds_until(headers.get("eta")), run, drain=False)


def _spawn(
    executor: Any, fn: Callable[..., object], *args: Any, undo: Callable[[], object] | None = None
) -> None:
    """Run `fn(*args)` in one of the pool's threads, as a task would, logging what it raises.
    A pool that stops (a warm shutdown cancels what has not started) takes nothing more:
    `undo()` then gives back what was taken for it (a claimed lane goes back unclaimed, and
    the integrity check sends it to another worker)."""

    def run() -> None:
        try:
            fn(*args)
        except Exception:
            log.exception("%s failed", getattr(fn, "__name__", fn))

    def cancelled(future: Any) -> None:
        if future.cancelled() and undo is not None:
            undo()

    try:
        executor.submit(run).add_done_callback(cancelled)
    except RuntimeError as exc:  # the pool shut down meanwhile
        log.info("not started, the pool is stopping: %s", exc)
        if undo is not None:
            undo()


def _ack(message: Any) -> None:
    try:
        message.ack()
    except Exception as exc:  # the channel closed meanwhile: the broker sends the message again
        log.info("engine lane: could not acknowledge a message (%s)", exc)


def _parse(stamp: Any) -> dt.datetime | None:
    if not stamp:
        return None
    when = dt.datetime.fromisoformat(str(stamp))
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _past(stamp: Any) -> bool:
    when = _parse(stamp)
    return when is not None and when < dt.datetime.now(dt.UTC)


def _seconds_until(stamp: Any) -> float:
    when = _parse(stamp)
    return 0.0 if when is None else max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())
