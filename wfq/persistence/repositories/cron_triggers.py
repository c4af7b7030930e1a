"""Cron trigger rows: the due ones, claimed with a row lock so that one firing happens once."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from wfq.persistence.models import CronTrigger

ACTIVE = "ACTIVE"


def lock_due(session: Session, now: dt.datetime, limit: int = 100) -> list[CronTrigger]:
    """ACTIVE triggers whose `next_execution_time` has come, locked until the transaction ends.

    Rows another transaction holds are skipped (PostgreSQL `SKIP LOCKED`), so several beat or
    worker processes may call this at once and each trigger is claimed by one of them.
    """
    stmt = (
        select(CronTrigger)
        .where(CronTrigger.status == ACTIVE, CronTrigger.next_execution_time <= now)
        .order_by(CronTrigger.next_execution_time, CronTrigger.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(stmt.execution_options(populate_existing=True)))
