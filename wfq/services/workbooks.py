"""Use cases of workbooks: create and update from YAML (with their workflows and ad-hoc actions,
registered as "<workbook>.<name>"), get, list, delete, validate.

A workbook owns what it registered: unlike Mistral, which leaves them behind, deleting a workbook
deletes its workflows and actions, and updating it deletes the ones it no longer defines.
"""

from __future__ import annotations

from typing import Any

from wfq import dsl
from wfq.errors import DSLParseError, DSLValidationError, NotFound
from wfq.persistence.db import DuplicateRow
from wfq.persistence.listing import ListQuery, list_rows
from wfq.persistence.models import ActionDefinition, Workbook, WorkflowDefinition
from wfq.persistence.repositories import definitions as repo
from wfq.persistence.repositories import members as members_repo
from wfq.services import action_definitions, definitions, versions, views
from wfq.services.context import Services

_KINDS: dict[Any, str] = {WorkflowDefinition: "workflow", ActionDefinition: "action"}


def _parse(svc: Services, text: str) -> dsl.WorkbookSpec:
    definitions.check_size(svc, text)
    doc = dsl.parse_document(text, kind="workbook", max_tasks=svc.settings.max_tasks_per_workflow)
    assert doc.workbook is not None  # kind="workbook" always builds one
    return doc.workbook


def _not_found(name: str, namespace: str) -> NotFound:
    return NotFound(f"Workbook not found [name={name}, namespace={namespace}]")


def _fill(row: Workbook, wb: dsl.WorkbookSpec) -> None:
    row.definition = wb.definition
    row.checksum = definitions.checksum(wb.definition)
    row.tags = list(wb.tags)
    row.spec = {
        "name": wb.name,
        "description": wb.description,
        "tags": list(wb.tags),
        "workflows": [w.name for w in wb.workflows],
        "actions": [a.name for a in wb.actions],
    }


def create_workbook(
    svc: Services,
    text: str,
    *,
    project_id: str,
    namespace: str = "",
    scope: str = "private",
    user: str | None = None,
) -> dict[str, Any]:
    """Store a workbook and register its workflows and actions (409 when a name is taken);
    each is its version 1."""
    wb = _parse(svc, text)
    try:
        with svc.db.write() as session:
            if repo.find_in_namespaces(session, Workbook, wb.name, [namespace], project_id):
                raise definitions.duplicate("Workbook", wb.name, namespace, project_id)
            row = Workbook(
                id=svc.new_id(),
                name=wb.name,
                namespace=namespace,
                project_id=project_id,
                scope=scope,
                created_at=svc.now(),
            )
            _fill(row, wb)
            session.add(row)
            author = versions.Author(project_id, user)
            _sync_members(svc, session, wb, (project_id, namespace, scope), author)
            session.flush()
            versions.record(svc, session, "workbook", row, author)
            return views.workbook(row)
    except DuplicateRow as exc:
        raise definitions.duplicate("Workbook", wb.name, namespace, project_id) from exc


def update_workbook(
    svc: Services,
    text: str,
    *,
    project_id: str,
    namespace: str = "",
    scope: str | None = None,
    user: str | None = None,
) -> dict[str, Any]:
    """Replace a workbook's definition and bring its workflows and actions in line with it;
    the workbook and each member whose text changed get their next version."""
    wb = _parse(svc, text)
    try:
        with svc.db.write() as session:
            row = _own(session, wb.name, namespace, project_id)
            _fill(row, wb)
            row.scope = scope or row.scope
            row.updated_at = svc.now()
            author = versions.Author(project_id, user)
            _sync_members(svc, session, wb, (project_id, namespace, row.scope), author)
            session.flush()
            versions.record(svc, session, "workbook", row, author)
            return views.workbook(row)
    except DuplicateRow as exc:
        raise definitions.duplicate("Workbook", wb.name, namespace, project_id) from exc


def _own(session: Any, name: str, namespace: str, project_id: str) -> Workbook:
    row: Workbook | None = repo.find_in_namespaces(session, Workbook, name, [namespace], project_id)
    if row is None or row.project_id != project_id:
        raise _not_found(name, namespace)
    return row


def _sync_members(
    svc: Services,
    session: Any,
    wb: dsl.WorkbookSpec,
    place: tuple[str, str, str],
    author: versions.Author,
) -> None:
    """Create, update or delete the workbook's workflow and action rows to match `wb`
    (`place`: project, namespace, scope), and write their versions."""
    project_id, namespace, scope = place
    where = {"project_id": project_id, "namespace": namespace, "scope": scope}
    written: list[tuple[str, Any]] = []
    old_wfs = {
        r.name: r
        for r in repo.of_workbook(session, WorkflowDefinition, wb.name, namespace, project_id)
    }
    for spec in wb.workflows:
        row = old_wfs.pop(spec.name, None)
        if row is None:
            row = definitions.add_workflow(svc, session, spec, workbook_name=wb.name, **where)
        else:
            definitions.fill_workflow(row, spec)
            row.scope, row.updated_at = scope, svc.now()
        written.append(("workflow", row))
    old_actions = {
        r.name: r
        for r in repo.of_workbook(session, ActionDefinition, wb.name, namespace, project_id)
    }
    for action in wb.actions:
        arow = old_actions.pop(action.name, None)
        if arow is None:
            arow = action_definitions.add_action(
                svc, session, action, workbook_name=wb.name, **where
            )
        else:
            action_definitions.fill_action(arow, action)
            arow.scope, arow.updated_at = scope, svc.now()
        written.append(("action", arow))
    stale = [("workflow", r) for r in old_wfs.values()] + [
        ("action", r) for r in old_actions.values()
    ]
    for kind, old in stale:
        versions.forget(svc, session, kind, old)
        session.delete(old)
    session.flush()
    for kind, member in written:
        versions.record(svc, session, kind, member, author)


def get_workbook(
    svc: Services, name: str, *, project_id: str, namespace: str = ""
) -> dict[str, Any]:
    """A visible workbook by name (or id)."""
    with svc.db.read() as session:
        row = repo.find_by_name_or_id(session, Workbook, name, namespace, project_id)
        if row is None:
            raise _not_found(name, namespace)
        return views.workbook(row)


def list_workbooks(svc: Services, query: ListQuery, *, project_id: str) -> list[dict[str, Any]]:
    """The workbooks visible to the project, filtered and paged."""
    with svc.db.read() as session:
        rows = list_rows(session, Workbook, query, repo.visible(Workbook, project_id))
        return [views.workbook(r) for r in rows]


def delete_workbook(svc: Services, name: str, *, project_id: str, namespace: str = "") -> None:
    """Delete a workbook of the project with the workflows and actions it registered."""
    with svc.db.write() as session:
        row = _own(session, name, namespace, project_id)
        for model in (WorkflowDefinition, ActionDefinition):
            for member in repo.of_workbook(session, model, row.name, namespace, project_id):
                members_repo.delete_of_resource(session, member.id, "workflow")
                versions.forget(svc, session, _KINDS[model], member)
                session.delete(member)
        members_repo.delete_of_resource(session, row.id, "workbook")
        versions.forget(svc, session, "workbook", row)
        session.delete(row)


def validate(text: str) -> dict[str, Any]:
    """Mistral's validation answer for a workbook: `{"valid": bool, "error": ...}`."""
    try:
        dsl.parse_document(text, kind="workbook")
    except (DSLParseError, DSLValidationError) as exc:
        return {"valid": False, "error": str(exc)}
    return {"valid": True, "error": None}
