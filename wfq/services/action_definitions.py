"""Use cases of action definitions: the registry's system actions (read-only) and stored ad-hoc
actions (create and update from YAML, get, list, delete, validate).

An ad-hoc action row keeps in `spec` what `StoredCatalog` reads to run it:
`{"base", "base_input", "input": [name | {name: default}], "output"}`.
"""

from __future__ import annotations

from typing import Any

from wfq import dsl
from wfq.actions.base import Action
from wfq.errors import Conflict, DSLParseError, DSLValidationError, InvalidRequest, NotFound
from wfq.persistence.db import DuplicateRow
from wfq.persistence.listing import ListQuery
from wfq.persistence.models import ActionDefinition
from wfq.persistence.repositories import definitions as repo
from wfq.services import definitions, memory_listing, versions, views
from wfq.services.context import Services

SYSTEM_DELETE = "Attempt to delete a system action: {}"


def system_view(action: Action) -> dict[str, Any]:
    """A system action as Mistral 23 shows `std.echo` (empty strings for its timestamps)."""
    return {
        "id": action.name,
        "name": action.name,
        "is_system": True,
        "input": action.signature_text(),
        "description": action.description,
        "tags": None,
        "definition": "",
        "scope": None,
        "project_id": None,
        "created_at": "",
        "updated_at": "",
        "namespace": "",
    }


def stored_spec(spec: dsl.ActionSpec) -> dict[str, Any]:
    """The `spec` column of an ad-hoc action (what `StoredCatalog` reads)."""
    return {
        "base": spec.base,
        "base_input": dict(spec.base_input),
        "input": [p.to_raw() for p in spec.input],
        "output": spec.output,
        "workbook_name": spec.workbook_name,
    }


def fill_action(row: ActionDefinition, spec: dsl.ActionSpec) -> None:
    """Copy an ad-hoc action spec into its row."""
    row.definition = spec.definition
    row.spec = stored_spec(spec)
    row.checksum = definitions.checksum(spec.definition)
    row.tags = list(spec.tags)
    row.description = spec.description or ""
    row.input = views.input_text([p.to_raw() for p in spec.input])


def add_action(
    svc: Services,
    session: Any,
    spec: dsl.ActionSpec,
    *,
    project_id: str,
    namespace: str,
    scope: str,
    workbook_name: str | None = None,
) -> ActionDefinition:
    """Add a new ad-hoc action row; Conflict when a system or stored action has the name."""
    taken = spec.name in svc.registry or repo.find_in_namespaces(
        session, ActionDefinition, spec.name, [namespace], project_id
    )
    if taken:
        raise definitions.duplicate("ActionDefinition", spec.name, namespace, project_id)
    row = ActionDefinition(
        id=svc.new_id(),
        name=spec.name,
        namespace=namespace,
        project_id=project_id,
        scope=scope,
        workbook_name=workbook_name,
        is_system=False,
        created_at=svc.now(),
    )
    fill_action(row, spec)
    session.add(row)
    return row


def _parse(svc: Services, text: str) -> list[dsl.ActionSpec]:
    definitions.check_size(svc, text)
    doc = dsl.parse_document(text, kind="actions")
    return list(doc.actions)


def create_actions(
    svc: Services,
    text: str,
    *,
    project_id: str,
    namespace: str = "",
    scope: str = "private",
    user: str | None = None,
) -> list[dict[str, Any]]:
    """Store every ad-hoc action of a YAML document (409 when a name is taken)."""
    specs = _parse(svc, text)
    try:
        with svc.db.write() as session:
            rows = [
                add_action(
                    svc, session, spec, project_id=project_id, namespace=namespace, scope=scope
                )
                for spec in specs
            ]
            session.flush()
            for row in rows:
                versions.record(svc, session, "action", row, versions.Author(project_id, user))
            return [views.action_definition(r) for r in rows]
    except DuplicateRow as exc:
        raise definitions.duplicate(
            "ActionDefinition", specs[0].name, namespace, project_id
        ) from exc


def update_actions(
    svc: Services,
    text: str,
    *,
    project_id: str,
    namespace: str = "",
    scope: str | None = None,
    identifier: str | None = None,
    user: str | None = None,
) -> list[dict[str, Any]]:
    """Replace the definitions of existing ad-hoc actions (404 for an unknown one); each changed
    text becomes the action's next version.

    With `identifier` (PUT /v2/actions/<id>) the document must define exactly that one action.
    """
    specs = _parse(svc, text)
    if identifier is not None and len(specs) != 1:
        raise InvalidRequest("Exactly one action must be defined when updating an action by id")
    with svc.db.write() as session:
        out = []
        for spec in specs:
            if spec.name in svc.registry:
                raise InvalidRequest(f"Attempt to modify a system action: {spec.name}")
            ident = identifier or spec.name
            row = repo.find_by_name_or_id(session, ActionDefinition, ident, namespace, project_id)
            if row is None or row.project_id != project_id or row.namespace != namespace:
                raise _not_found(ident, namespace)
            if row.name != spec.name:
                raise Conflict(f"Action {row.name} cannot be renamed to {spec.name}")
            fill_action(row, spec)
            row.scope = scope or row.scope
            row.updated_at = svc.now()
            out.append(row)
        session.flush()
        for row in out:
            versions.record(svc, session, "action", row, versions.Author(project_id, user))
        return [views.action_definition(r) for r in out]


def _not_found(identifier: str, namespace: str) -> NotFound:
    return NotFound(f"Action not found [action_name={identifier}, namespace={namespace}]")


def get_action(
    svc: Services, identifier: str, *, project_id: str, namespace: str = ""
) -> dict[str, Any]:
    """A system action by name, or a visible ad-hoc action by name or id."""
    system = svc.registry.get(identifier)
    if system is not None:
        return system_view(system)
    with svc.db.read() as session:
        row = repo.find_by_name_or_id(session, ActionDefinition, identifier, namespace, project_id)
        if row is None:
            raise _not_found(identifier, namespace)
        return views.action_definition(row)


def list_actions(svc: Services, query: ListQuery, *, project_id: str) -> list[dict[str, Any]]:
    """System actions and the ad-hoc actions visible to the project, filtered and paged."""
    with svc.db.read() as session:
        rows = repo.all_visible(session, ActionDefinition, project_id)
        stored = [views.action_definition(r) for r in rows]
    system = [system_view(a) for a in svc.registry]
    return memory_listing.list_views(system + stored, query)


def delete_action(svc: Services, identifier: str, *, project_id: str, namespace: str = "") -> None:
    """Delete an ad-hoc action of the project; a system action cannot be deleted (400)."""
    if identifier in svc.registry:
        raise InvalidRequest(SYSTEM_DELETE.format(identifier))
    with svc.db.write() as session:
        row = repo.find_by_name_or_id(session, ActionDefinition, identifier, namespace, project_id)
        if row is None or row.project_id != project_id:
            raise _not_found(identifier, namespace)
        versions.forget(svc, session, "action", row)
        session.delete(row)


def validate(text: str) -> dict[str, Any]:
    """Mistral's validation answer for an actions document: `{"valid": bool, "error": ...}`."""
    try:
        dsl.parse_document(text, kind="actions")
    except (DSLParseError, DSLValidationError) as exc:
        return {"valid": False, "error": str(exc)}
    return {"valid": True, "error": None}
