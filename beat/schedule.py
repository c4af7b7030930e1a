"""What beat sends, and how often. Task bodies live in workers/tasks.py; beat only publishes.
Cron triggers are not a message: beat's scheduler fires them itself (scheduler.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from wfq.dispatch import names
from wfq.settings import Settings


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    """The periodic messages of wfq: the integrity check."""
    return {
        "wfq-recover": {
            "task": names.RECOVER,
            "schedule": timedelta(seconds=settings.recovery_interval_s),
            "options": {"queue": settings.engine_queue, "expires": settings.recovery_interval_s},
        },
    }
