"""Celery signal hooks that list `wfq worker` in `GET /v2/services` (`wfq beat`, which is not
a Celery beat, joins in wfq.cli.main), and log one line when a worker is ready: Celery's own
INFO lines are silenced (wfq.cli.main), and its banner lists only the action queues because
the engine lane took the engine queue away from it.

The embedded worker (inside `wfq server` / `wfq run`) is skipped: its process registers
itself (wfq.cli.bootstrap.Process.join), and its worker thread is not the main thread.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import signals

from wfq.services.membership import WORKER_ROLES, Membership

log = logging.getLogger("wfq.workers")
_members: list[Membership] = []


@signals.worker_ready.connect
def _worker_ready(sender: Any = None, **_: Any) -> None:
    if threading.current_thread() is threading.main_thread():
        _members.append(Membership(sender.app.wfq_settings, WORKER_ROLES).start())
        log.info("%s", ready_line(sender))


def ready_line(consumer: Any) -> str:
    """`worker wfq-7884@host ready: up to 1000 actions at once from wfq; engine lane (4
    threads) on wfq.engine`, from the running consumer (the options Celery was given win)."""
    queues = ",".join(sorted(consumer.app.amqp.queues.consume_from)) or "-"
    line = f"worker {consumer.hostname} ready: up to {consumer.pool.limit} actions at once from {queues}"
    engine_queue = getattr(consumer.controller, "wfq_engine_queue", None)
    if engine_queue is not None:
        lanes = consumer.app.wfq_settings.worker_engine_slots
        line += f"; engine lane ({lanes} threads) on {engine_queue.name}"
    return line


@signals.worker_shutdown.connect
def _worker_shutdown(**_: Any) -> None:
    while _members:
        _members.pop().stop()
