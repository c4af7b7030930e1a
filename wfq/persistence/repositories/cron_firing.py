"""Claiming due cron triggers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wfq.persistence.models import CronTrigger


def claim_due(session: Session, now: Any) -> CronTrigger | None:
    """Lock the earliest due ACTIVE trigger that no other scheduler holds (SKIP LOCKED)."""
    stmt = (
        select(CronTrigger)
        .where(
            CronTrigger.status == "ACTIVE",
            CronTrigger.next_execution_time.is_not(None),
            CronTrigger.next_execution_time <= now,
        )
        .order_by(CronTrigger.next_execution_time)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return session.scalars(stmt.execution_options(populate_existing=True)).first()


def earliest_due(session: Session) -> Any:
    """The earliest `next_execution_time` of the ACTIVE triggers (None when there is none)."""
    stmt = select(func.min(CronTrigger.next_execution_time)).where(CronTrigger.status == "ACTIVE")
    return session.scalar(stmt)
