"""The Celery app of wfq. `make_celery(settings)` builds it; `app` is the one the `celery`
command line finds (`celery -A workers.app worker -Q wfq,wfq.engine`)."""

from __future__ import annotations

from typing import Any

from celery import Celery, signals
from celery.app import backends
from celery.backends.redis import RedisBackend

from wfq import logging_setup
from wfq import settings as settings_mod
from wfq.actions.registry import ActionRegistry
from wfq.dispatch import names
from wfq.dispatch.celery import CeleryDispatcher
from wfq.persistence.db import Database
from wfq.services.context import Services
from wfq.services.timers import Timers
from wfq.settings import Settings
from workers import membership  # noqa: F401 - connects the service-membership signals


class QuietRedisBackend(RedisBackend):
    """The Redis result backend, for chords only: wfq never waits on a task's result, so a
    sender does not subscribe to the result of every chord header task it publishes (neither
    when it sends it nor when it would wait for it)."""

    def on_task_call(self, producer: Any, task_id: str) -> None:
        # Celery's Redis backend SUBSCRIBEs to the result of every task sent with a result
        # (each chord lane) from any process but a worker: the API starting a with-items
        # subscribed to each first lane, a round trip each, never read nor unsubscribed
        # (Redis then queues every lane's result for that connection).
        return None

    def add_pending_result(self, result: Any, weak: bool = False, start_drainer: bool = True) -> Any:
        return result

    def remove_pending_result(self, result: Any) -> Any:
        return result


class WfqCelery(Celery):
    """A Celery app that owns the wfq Services of its process (built lazily, after fork)."""

    wfq_settings: Settings
    _services: Services | None = None

    @property
    def services(self) -> Services:
        if self._services is None:
            s = self.wfq_settings
            self._services = Services(
                settings=s,
                db=Database.from_settings(s),
                dispatcher=CeleryDispatcher(self, s.queue, s.engine_queue),
                registry=ActionRegistry.load(s),
                timers=Timers(s.worker_engine_slots),
            )
        return self._services

    def _get_backend(self) -> Any:
        backend_cls, url = backends.by_url(self.backend_cls or self.conf.result_backend, self.loader)
        if issubclass(backend_cls, RedisBackend):
            backend_cls = QuietRedisBackend
        return backend_cls(app=self, url=url)

    def use_services(self, services: Services) -> None:
        """Share an existing Services (the embedded mode: API and worker in one process)."""
        self._services = services

    def reset_services(self) -> None:
        """Forget the Services (a forked child must open its own connections)."""
        self._services = None


def make_celery(settings: Settings) -> WfqCelery:
    """The Celery app for these settings, with wfq's tasks registered.

    A worker's defaults (`wfq worker`, or `celery -A workers.app worker`) are wfq's design, not
    Celery's: a pool of `worker_slots` threads for actions, which mostly wait on the network,
    and an engine lane beside it (workers/engine_lane.py). Why: docs/architecture.md, "Workers"."""
    from workers import engine_lane, tasks

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


@signals.worker_process_init.connect
def _after_fork(**_: Any) -> None:
    # Pooled database connections must not be shared with the parent process.
    if app._services is not None:
        app._services.db.dispose()
        app.reset_services()


app = make_celery(settings_mod.load())
