"""Finding event triggers: by id for a project, and every trigger of an (exchange, topic)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from wfq.persistence.models import EventTrigger, WorkflowExecution


def matching(session: Session, exchange: str, topic: str, event: str) -> list[EventTrigger]:
    """The triggers of every project waiting for `event` on (`exchange`, `topic`)."""
    stmt = select(EventTrigger).where(
        EventTrigger.exchange == exchange, EventTrigger.topic == topic, EventTrigger.event == event
    )
    return list(session.scalars(stmt.order_by(EventTrigger.created_at, EventTrigger.id)))


def sources(session: Session) -> list[tuple[str, str]]:
    """Every distinct (exchange, topic) some trigger listens to."""
    stmt = select(EventTrigger.exchange, EventTrigger.topic).distinct()
    return sorted((r.exchange, r.topic) for r in session.execute(stmt))


def existing_executions(session: Session, ids: list[str]) -> set[str]:
    """Which of these execution ids exist already."""
    stmt = select(WorkflowExecution.id).where(WorkflowExecution.id.in_(ids))
    return set(session.scalars(stmt))
