"""What beat sends, and how often. Task bodies live in workers/tasks.py; beat only publishes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from wfq.dispatch import names
from wfq.settings import Settings


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    """The periodic messages of wfq: cron triggers every second, and the integrity check."""
    return {
        "wfq-cron-triggers": {
            "task": names.FIRE_CRON_TRIGGERS,
            "schedule": timedelta(seconds=1),
            "options": {"queue": settings.engine_queue, "expires": 5},
        },
        "wfq-recover": {
            "task": names.RECOVER,
            "schedule": timedelta(seconds=settings.recovery_interval_s),
            "options": {"queue": settings.engine_queue, "expires": settings.recovery_interval_s},
        },
    }
