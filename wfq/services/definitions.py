"""Use cases of stored workflow definitions: create, update, get, list, delete, validate."""

from __future__ import annotations

import hashlib
from typing import Any

from wfq import dsl
from wfq.dsl.lint import lint
from wfq.errors import Conflict, DSLParseError, DSLValidationError, InvalidRequest, NotFound
from wfq.persistence.db import DuplicateRow
from wfq.persistence.listing import ListQuery, list_rows
from wfq.persistence.models import WorkflowDefinition
from wfq.persistence.repositories import definitions as repo
from wfq.persistence.repositories import members as members_repo
from wfq.services import versions, views
from wfq.services.context import Services

SCOPES = ("private", "public")


def check_size(svc: Services, text: str) -> None:
    """Refuse a definition larger than the configured limit (400)."""
    if len(text.encode()) > svc.settings.definition_size_limit_kb * 1024:
        raise InvalidRequest(
            f"Definition is larger than the limit of {svc.settings.definition_size_limit_kb} KiB"
        )


def checksum(text: str) -> str:
    """md5 hex of a definition (Mistral's `checksum`)."""
    return hashlib.md5(text.encode()).hexdigest()


def _parse_workflows(svc: Services, text: str) -> list[dsl.WorkflowSpec]:
    check_size(svc, text)
    doc = dsl.parse_document(text, max_tasks=svc.settings.max_tasks_per_workflow)
    if doc.kind != "workflows" or not doc.workflows:
        raise DSLValidationError([dsl.Issue("", "Expected a workflow definition")])
    return list(doc.workflows)


def stored_spec(spec: dsl.WorkflowSpec) -> dict[str, Any]:
    """The dict kept in `spec` columns: the spec plus the raw input list for the interface."""
    d = spec.to_dict()
    d["input_raw"] = list(spec.raw.get("input", []))
    return d


def fill_workflow(row: WorkflowDefinition, spec: dsl.WorkflowSpec) -> None:
    """Copy a workflow spec into its row (definition, spec, checksum, tags)."""
    row.definition = spec.definition
    row.spec = stored_spec(spec)
    row.checksum = checksum(spec.definition)
    row.tags = list(spec.tags)


def add_workflow(
    svc: Services,
    session: Any,
    spec: dsl.WorkflowSpec,
    *,
    project_id: str,
    namespace: str,
    scope: str,
    workbook_name: str | None = None,
) -> WorkflowDefinition:
    """Add a new workflow row to the session; Conflict when the name is taken."""
    if repo.find_in_namespaces(session, WorkflowDefinition, spec.name, [namespace], project_id):
        raise _duplicate(spec.name, namespace, project_id)
    row = WorkflowDefinition(
        id=svc.new_id(),
        name=spec.name,
        namespace=namespace,
        project_id=project_id,
        scope=scope,
        workbook_name=workbook_name,
        created_at=svc.now(),
    )
    fill_workflow(row, spec)
    session.add(row)
    return row


def create_workflows(
    svc: Services,
    text: str,
    *,
    project_id: str,
    namespace: str = "",
    scope: str = "private",
    user: str | None = None,
) -> list[dict[str, Any]]:
    """Store every workflow of a YAML document (each as its version 1). 409 when a name exists
    in the namespace."""
    if scope not in SCOPES:
        raise InvalidRequest(f"Scope must be one of {SCOPES}")
    specs = _parse_workflows(svc, text)
    try:
        with svc.db.write() as session:
            rows = [
                add_workflow(
                    svc, session, spec, project_id=project_id, namespace=namespace, scope=scope
                )
                for spec in specs
            ]
            session.flush()
            for row in rows:
                versions.record(svc, session, "workflow", row, versions.Author(project_id, user))
            return [views.workflow(r) for r in rows]
    except DuplicateRow as exc:
        raise _duplicate(specs[0].name, namespace, project_id) from exc


def duplicate(kind: str, name: str, namespace: str, project_id: str) -> Conflict:
    """Mistral's 409 for a name taken in a namespace."""
    return Conflict(
        f"Duplicate entry for {kind} ['name', 'namespace', 'project_id']: "
        f"{name}, {namespace}, {project_id}"
    )


def _duplicate(name: str, namespace: str, project_id: str) -> Conflict:
    return duplicate("WorkflowDefinition", name, namespace, project_id)


def update_workflows(
    svc: Services,
    text: str,
    *,
    project_id: str,
    namespace: str = "",
    scope: str | None = None,
    user: str | None = None,
) -> list[dict[str, Any]]:
    """Replace the definitions of existing workflows (404 for one that does not exist); each
    changed text becomes the workflow's next version."""
    specs = _parse_workflows(svc, text)
    with svc.db.write() as session:
        out = []
        for spec in specs:
            row = repo.find_in_namespaces(
                session, WorkflowDefinition, spec.name, [namespace], project_id
            )
            if row is None or row.project_id != project_id:
                raise NotFound(
                    f"Workflow not found [workflow_identifier={spec.name}, namespace={namespace}]"
                )
            fill_workflow(row, spec)
            if scope:
                row.scope = scope
            row.updated_at = svc.now()
            out.append(row)
        session.flush()
        for row in out:
            versions.record(svc, session, "workflow", row, versions.Author(project_id, user))
        return [views.workflow(r) for r in out]


def get_workflow(
    svc: Services, identifier: str, *, project_id: str, namespace: str = ""
) -> dict[str, Any]:
    with svc.db.read() as session:
        row = repo.find_by_name_or_id(
            session, WorkflowDefinition, identifier, namespace, project_id
        )
        if row is None:
            raise NotFound(
                f"Workflow not found [workflow_identifier={identifier}, namespace={namespace}]"
            )
        return views.workflow(row)


def list_workflows(svc: Services, query: ListQuery, *, project_id: str) -> list[dict[str, Any]]:
    with svc.db.read() as session:
        rows = list_rows(
            session, WorkflowDefinition, query, repo.visible(WorkflowDefinition, project_id)
        )
        return [views.workflow(r) for r in rows]


def delete_workflow(
    svc: Services, identifier: str, *, project_id: str, namespace: str = ""
) -> None:
    with svc.db.write() as session:
        row = repo.find_by_name_or_id(
            session, WorkflowDefinition, identifier, namespace, project_id
        )
        if row is None or row.project_id != project_id:
            raise NotFound(
                f"Workflow not found [workflow_identifier={identifier}, namespace={namespace}]"
            )
        members_repo.delete_of_resource(session, row.id, "workflow")
        versions.forget(svc, session, "workflow", row)
        session.delete(row)


def validate(text: str) -> dict[str, Any]:
    """Mistral's validation answer `{"valid": bool, "error": str | None}`, plus wfq's
    `warnings` about a valid definition (`[{"path", "message"}]`, see `wfq.dsl.lint`)."""
    try:
        doc = dsl.parse_document(text)
    except (DSLParseError, DSLValidationError) as exc:
        return {"valid": False, "error": str(exc), "warnings": []}
    if doc.kind != "workflows":
        return {"valid": False, "error": "Expected a workflow definition", "warnings": []}
    warnings = [w for wf in doc.workflows for w in lint(wf)]
    return {
        "valid": True,
        "error": None,
        "warnings": [{"path": w.path, "message": w.message} for w in warnings],
    }
