"""The composition root: the one place that builds the `Services` of a process (API, worker,
beat, listener, `wfq run`) from its settings and the Celery app it sends through.

It sits between workers/ and wfq.services in the layers (.importlinter): every entry point can
call it, and it knows only what a `Services` is made of (database, dispatcher, action registry,
the engine lane's timers). scripts/check_composition_root.py (make lint) checks that nothing
else calls `Services(`.
"""

from __future__ import annotations

from wfq.actions.registry import ActionRegistry
from wfq.dispatch.celery import CeleryApp, CeleryDispatcher
from wfq.persistence.db import Database
from wfq.services.context import Services
from wfq.services.timers import Timers
from wfq.settings import Settings


def build_services(
    settings: Settings, celery_app: CeleryApp, *, engine_lane: bool = False
) -> Services:
    """The Services of one process, sending through `celery_app`.

    Args:
        settings: the process's settings (database, queues, action plugins, limits).
        celery_app: the Celery app messages are published with (workers/app.py makes it).
        engine_lane: True in a process that runs a worker: actions that only wait are parked
            on the engine lane's timers instead of holding a thread.
    """
    return Services(
        settings=settings,
        db=Database.from_settings(settings),
        dispatcher=CeleryDispatcher(celery_app, settings.queue, settings.engine_queue),
        registry=ActionRegistry.load(settings),
        timers=Timers(settings.worker_engine_slots) if engine_lane else None,
    )
