"""The id of the execution a cron trigger starts for one instant: derived, not generated, so
every scheduler (and the metrics that look for missed firings) computes the same one."""

from __future__ import annotations

import datetime as dt
import uuid

NAMESPACE = uuid.UUID("5b1f8d2e-7c55-4c1a-9a39-7d0c2f0e6a11")


def execution_id_for(trigger_id: str, instant: dt.datetime) -> str:
    """The id of the execution a trigger starts for an instant (the same in every scheduler)."""
    return str(uuid.uuid5(NAMESPACE, f"{trigger_id}@{instant.isoformat()}"))
