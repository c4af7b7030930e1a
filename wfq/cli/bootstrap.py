"""Wiring one process: settings -> database -> Celery app -> Services (and, embedded, a worker).

This is the one place in wfq/ that imports workers/: `wfq server`, `wfq run` and `wfq worker`
start the worker code, so they must know it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from wfq.actions.registry import ActionRegistry
from wfq.dispatch.celery import CeleryDispatcher
from wfq.persistence.db import Database
from wfq.persistence.migrate import upgrade
from wfq.services import cron_firing, recovery
from wfq.services.context import Services
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
    stopping: threading.Event = field(default_factory=threading.Event)

    def close(self) -> None:
        self.stopping.set()
        if self.worker is not None:
            self.worker.stop()
        self.celery.close()  # the broker connections of the producer pool
        self.services.db.dispose()

    def start_periodic_work(self) -> None:
        """What beat does when not embedded: cron triggers (a check every second, a firing when
        one is due), the integrity check every `recovery_interval_s`, each in its own thread."""
        s, svc = self.services.settings, self.services
        self._every(1.0, "wfq-cron", lambda: cron_firing.tick(svc, svc.now(), 1.0))
        self._every(s.recovery_interval_s, "wfq-recovery", lambda: recovery.recover(self.services))

    def _every(self, seconds: float, name: str, fn: Callable[[], object]) -> None:
        def loop() -> None:
            while not self.stopping.wait(seconds):
                try:
                    fn()
                except Exception:  # keep the loop alive; the next pass tries again
                    log.exception("%s failed", name)

        threading.Thread(target=loop, name=name, daemon=True).start()


def build(settings: Settings, *, migrate: bool = True, embedded_worker: bool | None = None) -> Process:
    """Services for this process. With the embedded broker (or `embedded_worker=True`) an
    in-process worker runs the actions."""
    if migrate:
        upgrade(settings.database_url)
    app = make_celery(settings)
    services = Services(
        settings=settings,
        db=Database.from_settings(settings),
        dispatcher=CeleryDispatcher(app, settings.queue, settings.engine_queue),
        registry=ActionRegistry.load(settings),
    )
    app.use_services(services)
    proc = Process(services, app)
    if settings.embedded if embedded_worker is None else embedded_worker:
        log.info("embedded mode: in-process Celery worker on %s", settings.broker_url)
        proc.worker = EmbeddedWorker(app, concurrency=max(2, settings.worker_concurrency)).start()
        proc.start_periodic_work()
    return proc
