"""The Celery app class of wfq: it owns the Services of its process (built by the composition
root) and uses a Redis result backend that never waits on results. workers/app.py configures
it; workers/tasks.py and workers/engine_lane.py reach the Services through it."""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery.app import backends
from celery.backends.redis import RedisBackend

from wfq.composition import build_services
from wfq.services.context import Services
from wfq.settings import Settings


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

    def add_pending_result(
        self, result: Any, weak: bool = False, start_drainer: bool = True
    ) -> Any:
        return result

    def remove_pending_result(self, result: Any) -> Any:
        return result


class WfqCelery(Celery):
    """A Celery app that owns the wfq Services of its process (built lazily, after fork, by the
    composition root; a worker's have the engine lane's timers)."""

    wfq_settings: Settings
    _services: Services | None = None

    @property
    def services(self) -> Services:
        if self._services is None:
            self._services = build_services(self.wfq_settings, self, engine_lane=True)
        return self._services

    def _get_backend(self) -> Any:
        backend_cls, url = backends.by_url(
            self.backend_cls or self.conf.result_backend, self.loader
        )
        if issubclass(backend_cls, RedisBackend):
            backend_cls = QuietRedisBackend
        return backend_cls(app=self, url=url)

    def use_services(self, services: Services) -> None:
        """Share an existing Services (the embedded mode: API and worker in one process)."""
        self._services = services

    def reset_services(self) -> None:
        """Forget the Services (a forked child must open its own connections)."""
        self._services = None
