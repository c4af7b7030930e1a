"""Wiring one process of the command line: settings -> Celery app -> Services (built by the
composition root, wfq/composition.py) and, embedded, a worker and beat's periodic work.

`wfq server`, `wfq run` and `wfq beat` start worker and beat code, so this module knows them.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from beat.periodic import Periodic
from wfq.composition import build_services
from wfq.persistence.migrate import upgrade
from wfq.services.context import Services
from wfq.services.membership import Membership
from wfq.settings import Settings
from workers.app import WfqCelery, make_celery
from workers.embedded import EmbeddedWorker

log = logging.getLogger("wfq")


@dataclass
class Process:
    """The parts of a running wfq process."""

    services: Services
    celery: WfqCelery
    worker: EmbeddedWorker | None = None
    periodic: Periodic | None = None
    stopping: threading.Event = field(default_factory=threading.Event)
    membership: Membership | None = None
    listener: Any = None
    """The event listener (listener.main.Listener) when this process runs one."""

    def join(self, roles: tuple[str, ...]) -> None:
        """List this process in `GET /v2/services` under `roles` until it closes."""
        self.membership = Membership(self.services.settings, roles, self.services.db).start()

    def close(self) -> None:
        self.stopping.set()
        if self.listener is not None:
            self.listener.stop()
        if self.membership is not None:
            self.membership.stop()
        if self.periodic is not None:
            self.periodic.stop()
        if self.worker is not None:
            self.worker.stop()
        if self.services.timers is not None:
            self.services.timers.stop(timeout=10)
        self.celery.close()  # the broker connections of the producer pool
        self.services.db.dispose()

    def start_periodic_work(self) -> None:
        """What `wfq beat` does: cron triggers and the integrity check, in threads of this
        process (beat/periodic.py)."""
        self.periodic = Periodic(self.services).start()


def build(
    settings: Settings, *, migrate: bool = True, embedded_worker: bool | None = None
) -> Process:
    """Services for this process. With the embedded broker (or `embedded_worker=True`) an
    in-process worker runs the actions."""
    if migrate:
        upgrade(settings.database_url)
    app = make_celery(settings)
    embedded = settings.embedded if embedded_worker is None else embedded_worker
    services = build_services(settings, app, engine_lane=embedded)
    app.use_services(services)
    proc = Process(services, app)
    if embedded:
        log.info(
            "embedded mode: in-process Celery worker on %s, up to %d actions at once (worker_slots);"
            " cron triggers and the integrity check run in this process too",
            settings.broker_url,
            settings.worker_slots,
        )
        proc.worker = EmbeddedWorker(app, concurrency=settings.worker_slots).start()
        proc.start_periodic_work()
    return proc
