"""Service members (live processes) and resource members (sharing a workflow or workbook)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from wfq.persistence.models import ResourceMember, ServiceMember


def beat(session: Session, row_id: str, fields: dict[str, Any], now: Any) -> None:
    """Refresh a service member's heartbeat, adding its row when it is missing (first beat,
    or pruned while the process was stalled)."""
    done = session.execute(
        update(ServiceMember).where(ServiceMember.id == row_id).values(heartbeat_at=now)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        session.add(ServiceMember(id=row_id, heartbeat_at=now, started_at=now, **fields))


def leave(session: Session, row_ids: list[str]) -> None:
    """Delete the rows of a process that stops."""
    session.execute(delete(ServiceMember).where(ServiceMember.id.in_(row_ids)))


def live(session: Session, since: Any) -> list[ServiceMember]:
    """Members whose last heartbeat is at or after `since`, by type then name."""
    stmt = select(ServiceMember).where(ServiceMember.heartbeat_at >= since)
    return list(session.scalars(stmt.order_by(ServiceMember.type, ServiceMember.name)))


def prune(session: Session, before: Any) -> None:
    """Forget members silent since before `before` (their process died)."""
    session.execute(delete(ServiceMember).where(ServiceMember.heartbeat_at < before))


def accepted_by(model_id: Any, resource_type: str, project_id: Any) -> Any:
    """A condition on `model_id` (a column): the resource was shared with `project_id` and
    accepted by it (an EXISTS probing the resource_id index, per candidate row)."""
    return (
        select(ResourceMember.id)
        .where(
            ResourceMember.resource_id == model_id,
            ResourceMember.resource_type == resource_type,
            ResourceMember.member_id == project_id,
            ResourceMember.status == "accepted",
        )
        .exists()
    )


def find(
    session: Session, resource_id: str, resource_type: str, member_id: str
) -> ResourceMember | None:
    """One member of one resource."""
    stmt = select(ResourceMember).where(
        ResourceMember.resource_id == resource_id,
        ResourceMember.resource_type == resource_type,
        ResourceMember.member_id == member_id,
    )
    return session.scalars(stmt).first()


def of_resource(session: Session, resource_id: str, resource_type: str) -> list[ResourceMember]:
    """Every member of one resource, oldest first."""
    stmt = select(ResourceMember).where(
        ResourceMember.resource_id == resource_id, ResourceMember.resource_type == resource_type
    )
    return list(session.scalars(stmt.order_by(ResourceMember.created_at)))


def delete_of_resource(session: Session, resource_id: str, resource_type: str) -> None:
    """Forget the members of a deleted resource."""
    session.execute(
        delete(ResourceMember).where(
            ResourceMember.resource_id == resource_id, ResourceMember.resource_type == resource_type
        )
    )
