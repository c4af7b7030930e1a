"""The Celery app of wfq. `make_celery(settings)` builds it (a WfqCelery, workers/celery_app.py,
with wfq's tasks and engine lane); `app` is the one the `celery` command line finds
(`celery -A workers.app worker -Q wfq,wfq.engine`)."""

from __future__ import annotations

import gc
from typing import Any

from celery import signals

from wfq import logging_setup
from wfq import settings as settings_mod
from wfq.dispatch import names
from wfq.settings import Settings
from workers import (
    engine_lane,
    membership,  # noqa: F401 - connects the service-membership signals
    tasks,
)
from workers.celery_app import WfqCelery

__all__ = ["WfqCelery", "app", "make_celery"]


def make_celery(settings: Settings) -> WfqCelery:
    """The Celery app for these settings, with wfq's tasks registered.

    A worker's defaults (`wfq worker`, or `celery -A workers.app worker`) are wfq's design, not
    Celery's: a pool of `worker_slots` threads for actions, which mostly wait on the network,
    and an engine lane beside it (workers/engine_lane.py). Why: docs/architecture.md, "Workers"."""
    app = WfqCelery("wfq", broker=settings.broker_url, backend=settings.result_backend or None)
    app.wfq_settings = settings
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        # A message whose worker process died goes back to the queue; claiming it again is
        # refused unless the task is safe-rerun, and the heartbeat check handles the rest.
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        worker_pool=settings.worker_pool,
        # Threads: `worker_slots` of them. Another pool: Celery's default (one per core).
        worker_concurrency=settings.worker_slots if settings.worker_pool == "threads" else None,
        # Reserve no more actions than there are slots: a backlog stays in the broker for the
        # other workers, and a worker killed holds no unclaimed action.
        worker_prefetch_multiplier=1,
        task_default_queue=settings.queue,
        task_routes={
            names.CONTINUE_EXECUTION: {"queue": settings.engine_queue},
            names.RECOVER: {"queue": settings.engine_queue},
            names.FIRE_CRON_TRIGGERS: {"queue": settings.engine_queue},
            # A webhook POST waits on the network, like an action: it takes an action slot.
            names.NOTIFY: {"queue": settings.queue},
        },
        broker_connection_retry_on_startup=True,
        broker_transport_options={"polling_interval": 0.01} if settings.embedded else {},
        worker_hijack_root_logger=False,
        result_expires=3600,
        # Task events cost 3 extra broker messages per task; Flower switches them on when it
        # connects (enable_events), or set WFQ_TASK_EVENTS=1 to have them from the start.
        worker_send_task_events=settings.task_events,
        task_send_sent_event=settings.task_events,
    )
    tasks.register(app)
    app.steps["worker"].add(engine_lane.EngineQueue)
    app.steps["consumer"].add(engine_lane.EngineConsumer)
    return app


@signals.setup_logging.connect
def _setup_logging(**_: Any) -> None:
    # `celery -A workers.app worker|beat|flower` log like every wfq process: text or JSON
    # lines, with the execution, task and action ids of `log_context` (not Celery's format).
    s = app.wfq_settings
    logging_setup.configure(s.log_level, s.log_format)


@signals.worker_ready.connect
def _freeze_startup_objects(**_: Any) -> None:
    # What the process built to start (modules, the registry, Celery's machinery) is there to
    # stay: out of the cyclic collector's reach, a full collection no longer walks it with the
    # GIL held while the action threads wait (docs/architecture.md, "The garbage collector").
    gc.freeze()


@signals.worker_process_init.connect
def _after_fork(**_: Any) -> None:
    # Pooled database connections must not be shared with the parent process.
    if app._services is not None:
        app._services.db.dispose()
        app.reset_services()


app = make_celery(settings_mod.load())
