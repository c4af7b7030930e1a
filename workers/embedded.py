"""An in-process Celery worker for the embedded mode (memory:// broker, threads pool)."""

from __future__ import annotations

import threading

from workers.celery_app import WfqCelery


class EmbeddedWorker:
    """A Celery WorkController running in a daemon thread of the current process."""

    def __init__(self, app: WfqCelery, concurrency: int = 4) -> None:
        s = app.wfq_settings
        self.controller = app.WorkController(
            pool_cls="threads",
            concurrency=concurrency,
            queues=[s.queue, s.engine_queue],
            without_heartbeat=True,
            without_mingle=True,
            without_gossip=True,
            loglevel="WARNING",
        )
        self.app = app
        self.thread = threading.Thread(target=self._run, name="wfq-worker", daemon=True)

    def _run(self) -> None:
        # Celery's pools look tasks up through the "current app", which is per thread.
        self.app.set_current()
        self.controller.start()

    def start(self) -> EmbeddedWorker:
        self.app.set_default()
        self.thread.start()
        return self

    def stop(self) -> None:
        self.controller.stop(in_sighandler=False)
        self.thread.join(timeout=10)
