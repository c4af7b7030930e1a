"""Celery beat's scheduler for wfq: it sends the periodic messages of schedule.py and fires the
cron triggers itself, from the database, so an idle beat sends no per-second message.

Each tick reads the earliest due time of the ACTIVE triggers (one indexed query) and fires only
when something is due; every firing claims its trigger with a row lock, so any number of beats
still fire each instant exactly once (wfq/services/cron_firing.py).
"""

from __future__ import annotations

import logging
from typing import Any

from celery.beat import Scheduler

from wfq.services import cron_firing

log = logging.getLogger("wfq.cron")

CRON_POLL_S = 1.0
"""A trigger created or changed through the API is seen within this many seconds."""


class WfqScheduler(Scheduler):
    """Celery's in-memory scheduler (the entries of schedule.py) plus wfq's cron triggers."""

    cron_failing = False

    def tick(self, *args: Any, **kwargs: Any) -> float:
        wait = super().tick(*args, **kwargs)
        return min(wait, self._cron_tick())

    def _cron_tick(self) -> float:
        svc = self.app.services
        try:
            wait = cron_firing.tick(svc, svc.now(), CRON_POLL_S)
        except Exception as exc:  # the database is away: log once, keep beat alive
            if not self.cron_failing:
                log.warning("cron triggers cannot be fired: %s", exc)
            self.cron_failing = True
            return CRON_POLL_S
        if self.cron_failing:
            log.info("cron triggers are fired again")
            self.cron_failing = False
        return wait
