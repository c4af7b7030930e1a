"""Sharing a private workflow or workbook with another project (Mistral's resource members).

The owner adds a member (status `pending`); the member accepts or rejects it. Once accepted,
the member's project sees the resource in lists, gets and filters, and may run it (the
execution belongs to the member), but may not change or delete it: every write checks the
owner's project. Sharing needs authentication (there is one project without it).
"""

from __future__ import annotations

from typing import Any

from wfq import fields as described
from wfq.errors import Conflict, Forbidden, InvalidInput, InvalidRequest, NotFound
from wfq.persistence.db import DuplicateRow
from wfq.persistence.models import ResourceMember, Workbook, WorkflowDefinition
from wfq.persistence.repositories import members as repo
from wfq.services.context import Services

TYPES = {"workflow": WorkflowDefinition, "workbook": Workbook}
STATUSES = ("pending", "accepted", "rejected")
NEEDS_AUTH = "Resource sharing feature can only be supported with authentication enabled."


def view(row: ResourceMember) -> dict[str, Any]:
    """A member with Mistral's field names."""
    return described.view(described.MEMBER, row)


def _check(svc: Services, resource_type: str) -> None:
    if not svc.settings.auth_tokens:
        raise InvalidRequest(NEEDS_AUTH)
    if resource_type not in TYPES:
        raise NotFound(f"Unknown resource type {resource_type}")


def _not_found(resource_id: str, resource_type: str, member_id: str) -> NotFound:
    return NotFound(
        f"Resource member not found [resource_id={resource_id}, resource_type={resource_type}, "
        f"member_id={member_id}]"
    )


def _resource(session: Any, resource_type: str, resource_id: str) -> Any:
    row = session.get(TYPES[resource_type], resource_id)
    if row is None:
        raise NotFound(f"{TYPES[resource_type].__name__} not found [id={resource_id}]")
    return row


def create_member(
    svc: Services, resource_type: str, resource_id: str, member_id: str, *, project_id: str
) -> dict[str, Any]:
    """Share a private resource of the project with `member_id` (pending)."""
    _check(svc, resource_type)
    if not member_id or not isinstance(member_id, str):
        raise InvalidInput("Member id must be provided.")
    if member_id == project_id:
        raise InvalidInput("A resource cannot be shared with its own project.")
    try:
        with svc.db.write() as session:
            resource = _resource(session, resource_type, resource_id)
            if resource.project_id != project_id:
                raise NotFound(f"{TYPES[resource_type].__name__} not found [id={resource_id}]")
            if resource.scope != "private":
                raise InvalidRequest("Only private resource could be shared.")
            row = ResourceMember(
                id=svc.new_id(),
                resource_id=resource_id,
                resource_type=resource_type,
                project_id=project_id,
                member_id=member_id,
                status="pending",
                created_at=svc.now(),
            )
            session.add(row)
            session.flush()
            return view(row)
    except DuplicateRow as exc:
        raise Conflict(
            "Duplicate entry for ResourceMember ['resource_id', 'resource_type', 'member_id']: "
            f"{resource_id}, {resource_type}, {member_id}"
        ) from exc


def _visible(row: ResourceMember | None, project_id: str) -> bool:
    """The owner sees every member of its resource; a member sees only itself."""
    return row is not None and project_id in (row.project_id, row.member_id)


def list_members(
    svc: Services, resource_type: str, resource_id: str, *, project_id: str
) -> list[dict[str, Any]]:
    """The members of a resource as the caller may see them."""
    _check(svc, resource_type)
    with svc.db.read() as session:
        rows = repo.of_resource(session, resource_id, resource_type)
        return [view(r) for r in rows if _visible(r, project_id)]


def get_member(
    svc: Services, resource_type: str, resource_id: str, member_id: str, *, project_id: str
) -> dict[str, Any]:
    """One member of a resource (the owner's or the member's own)."""
    _check(svc, resource_type)
    with svc.db.read() as session:
        row = repo.find(session, resource_id, resource_type, member_id)
        if not _visible(row, project_id):
            raise _not_found(resource_id, resource_type, member_id)
        return view(row)  # type: ignore[arg-type]


def update_member(
    svc: Services,
    resource_type: str,
    resource_id: str,
    member_id: str,
    status: Any,
    *,
    project_id: str,
) -> dict[str, Any]:
    """The member accepts or rejects the sharing (only the member itself may)."""
    _check(svc, resource_type)
    if not status:
        raise InvalidInput("Status must be provided.")
    if status not in STATUSES:
        raise InvalidInput(
            f"Invalid input for field/attribute status. Value: '{status}'. "
            f"Value should be one of: {', '.join(STATUSES)}"
        )
    with svc.db.write() as session:
        row = repo.find(session, resource_id, resource_type, member_id)
        if not _visible(row, project_id):
            raise _not_found(resource_id, resource_type, member_id)
        assert row is not None
        if row.member_id != project_id:
            raise Forbidden("Only the member itself can change the status of its membership.")
        row.status = status
        row.updated_at = svc.now()
        session.flush()
        return view(row)


def delete_member(
    svc: Services, resource_type: str, resource_id: str, member_id: str, *, project_id: str
) -> None:
    """Stop sharing (only the owner may)."""
    _check(svc, resource_type)
    with svc.db.write() as session:
        row = repo.find(session, resource_id, resource_type, member_id)
        if row is None or row.project_id != project_id:
            raise _not_found(resource_id, resource_type, member_id)
        session.delete(row)
