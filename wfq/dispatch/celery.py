"""CeleryDispatcher: sends wfq messages through a Celery app, by task name only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from celery import Celery

from wfq.dispatch import names


class CeleryDispatcher:
    """Publishes `wfq.*` tasks; never imports the task functions (they live in workers/)."""

    def __init__(self, app: Celery, default_queue: str, engine_queue: str) -> None:
        self.app = app
        self.default_queue = default_queue
        self.engine_queue = engine_queue

    def run_actions(self, items: Sequence[tuple[str, str | None]]) -> None:
        if not items:
            return
        with self.app.producer_or_acquire() as producer:
            for action_id, queue in items:
                self.app.send_task(
                    names.RUN_ACTION,
                    args=[action_id],
                    queue=queue or self.default_queue,
                    producer=producer,
                )

    def send(
        self, task_name: str, args: list[Any], queue: str | None = None, eta: dt.datetime | None = None
    ) -> None:
        when = eta.replace(tzinfo=dt.UTC) if eta is not None else None
        self.app.send_task(task_name, args=args, queue=queue or self.engine_queue, eta=when)
