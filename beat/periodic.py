"""The periodic work of wfq, run by `wfq beat` (and by the embedded `wfq server` / `wfq run`)
in threads of its own process: cron triggers (one read of the earliest due time every second,
a firing, logged at INFO, only when one is due), the integrity check every `recovery_interval_s`
(its first pass at once, so timers that came due while wfq was down fire at start).

They run here rather than as broker messages for a worker: a message would wait in a queue
behind whatever the workers are busy with, and expire unrun under load, which is exactly when a
lost worker must be found. Here a pass runs on time whatever the action load; it only needs the
database (and the broker to send what it recovers). Any number of beats may run: cron firing
is exactly-once by row lock, and the integrity check is idempotent.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from wfq.services import cron_firing, recovery
from wfq.services.context import Services

log = logging.getLogger("wfq.beat")


class Periodic:
    """Runs cron firing and the integrity check in daemon threads until `stop()`."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.stopping = threading.Event()

    def start(self) -> Periodic:
        svc = self.services
        self._every(1.0, "wfq-cron", lambda: cron_firing.tick(svc, svc.now(), 1.0))
        # The first integrity check runs at once: timers that came due while wfq was down
        # fire now, not one interval (plus the dispatch grace) after the start.
        self._every(
            svc.settings.recovery_interval_s,
            "wfq-recovery",
            lambda: recovery.recover(svc),
            first=lambda: recovery.recover(svc, startup=True),
        )
        return self

    def _every(
        self,
        seconds: float,
        name: str,
        fn: Callable[[], object],
        first: Callable[[], object] | None = None,
    ) -> None:
        def loop() -> None:
            if first is not None:
                try:
                    first()
                except Exception:  # the periodic passes try again
                    log.exception("%s failed", name)
            while not self.stopping.wait(seconds):
                try:
                    fn()
                except Exception:  # keep the loop alive; the next pass tries again
                    log.exception("%s failed", name)

        threading.Thread(target=loop, name=name, daemon=True).start()

    def stop(self) -> None:
        self.stopping.set()
