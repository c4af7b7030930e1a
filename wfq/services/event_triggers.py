"""Use cases of event triggers: create, get, list, update, delete (Mistral's rules).

A trigger names an exchange, a topic and an event type, and a workflow (by id) with its input
and params. The exchange, topic and event of a trigger cannot be changed (delete and create
again). Firing is in `events.py`; listening in the `listener` package.
"""

from __future__ import annotations

from typing import Any

from wfq import dsl
from wfq import fields as described
from wfq.errors import Conflict, InvalidInput, NotFound
from wfq.persistence.db import DuplicateRow
from wfq.persistence.listing import ListQuery, list_rows
from wfq.persistence.models import EventTrigger, WorkflowDefinition
from wfq.persistence.repositories import definitions as defs_repo
from wfq.services import naming, starting
from wfq.services.context import Services

MANDATORY = ("exchange", "topic", "event", "workflow_id")
FIXED = ("exchange", "topic", "event")
"""Fields an update may not change (Mistral's UPDATE_NOT_ALLOWED)."""
SCOPES = ("private", "public")
FIELD_LIMIT = 80
NAME_LIMIT = 200
"""Longest trigger name (its column)."""
"""Longest exchange, topic or event (the columns' width, as Mistral's)."""


def view(row: EventTrigger) -> dict[str, Any]:
    """A trigger with Mistral's field names (native values)."""
    return described.view(described.EVENT_TRIGGER, row)


def _not_found(identifier: str) -> NotFound:
    return NotFound(f"Event trigger not found [id={identifier}]")


def _check(values: dict[str, Any]) -> None:
    missing = [k for k in MANDATORY if not values.get(k)]
    if missing:
        raise InvalidInput(
            f"Params {sorted(MANDATORY)} must be provided for creating event trigger."
        )
    for key in FIXED:
        if len(values[key]) > FIELD_LIMIT:
            raise InvalidInput(f"{key} is longer than {FIELD_LIMIT} characters")
    if (values.get("scope") or "private") not in SCOPES:
        raise InvalidInput(f"Scope must be one of {SCOPES}")
    naming.check_name("event trigger", values.get("name"), limit=NAME_LIMIT, optional=True)


def create_event_trigger(
    svc: Services, values: dict[str, Any], *, project_id: str
) -> dict[str, Any]:
    """Store a trigger after checking the workflow (404) and its input (400); 409 when the
    project has a trigger of that workflow on the same exchange, topic and event."""
    _check(values)
    wf_input = dict(values.get("workflow_input") or {})
    duplicate = Conflict(
        "Duplicate entry for EventTrigger ['exchange', 'topic', 'event', 'workflow_id', "
        f"'project_id']: {values['exchange']}, {values['topic']}, {values['event']}, "
        f"{values['workflow_id']}, {project_id}"
    )
    try:
        with svc.db.write() as session:
            wf = defs_repo.find_by_name_or_id(
                session, WorkflowDefinition, values["workflow_id"], None, project_id
            )
            if wf is None:
                raise NotFound(f"Workflow not found [workflow_identifier={values['workflow_id']}]")
            starting.check_input(dsl.workflow_from_dict(wf.spec), wf_input)
            row = EventTrigger(
                id=svc.new_id(),
                name=values.get("name") or "",
                workflow_id=wf.id,
                workflow_name=wf.name,
                workflow_namespace=wf.namespace,
                workflow_input=wf_input,
                workflow_params=dict(values.get("workflow_params") or {}),
                exchange=values["exchange"],
                topic=values["topic"],
                event=values["event"],
                scope=values.get("scope") or "private",
                project_id=project_id,
                created_at=svc.now(),
            )
            session.add(row)
            session.flush()
            return view(row)
    except DuplicateRow as exc:
        raise duplicate from exc


def _visible(session: Any, identifier: str, project_id: str) -> EventTrigger:
    row = session.get(EventTrigger, identifier)
    if row is None or (row.project_id != project_id and row.scope != "public"):
        raise _not_found(identifier)
    return row


def get_event_trigger(svc: Services, identifier: str, *, project_id: str) -> dict[str, Any]:
    """A trigger of the project, or a public one, by id."""
    with svc.db.read() as session:
        return view(_visible(session, identifier, project_id))


def list_event_triggers(
    svc: Services, query: ListQuery, *, project_id: str
) -> list[dict[str, Any]]:
    """The triggers visible to the project, filtered and paged."""
    with svc.db.read() as session:
        rows = list_rows(session, EventTrigger, query, defs_repo.visible(EventTrigger, project_id))
        return [view(r) for r in rows]


def update_event_trigger(
    svc: Services, identifier: str, values: dict[str, Any], *, project_id: str
) -> dict[str, Any]:
    """Change the name, workflow input or params, or scope of a trigger of the project."""
    if any(values.get(k) for k in FIXED):
        raise InvalidInput(f"Can not update fields {list(FIXED)} of event trigger.")
    if values.get("scope") and values["scope"] not in SCOPES:
        raise InvalidInput(f"Scope must be one of {SCOPES}")
    naming.check_name("event trigger", values.get("name"), limit=NAME_LIMIT, optional=True)
    with svc.db.write() as session:
        row = session.get(EventTrigger, identifier)
        if row is None or row.project_id != project_id:
            raise _not_found(identifier)
        if values.get("workflow_input") is not None:
            wf = session.get(WorkflowDefinition, row.workflow_id)
            if wf is not None:
                starting.check_input(dsl.workflow_from_dict(wf.spec), values["workflow_input"])
            row.workflow_input = dict(values["workflow_input"])
        if values.get("workflow_params") is not None:
            row.workflow_params = dict(values["workflow_params"])
        for key in ("name", "scope"):
            if values.get(key):
                setattr(row, key, values[key])
        row.updated_at = svc.now()
        session.flush()
        return view(row)


def delete_event_trigger(svc: Services, identifier: str, *, project_id: str) -> None:
    """Delete a trigger of the project; the executions it started are kept."""
    with svc.db.write() as session:
        row = session.get(EventTrigger, identifier)
        if row is None or row.project_id != project_id:
            raise _not_found(identifier)
        session.delete(row)
