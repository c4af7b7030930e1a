"""Use cases of code sources (Python modules uploaded through the API) and of the dynamic
actions defined on them. Both are refused (403) unless the operator named the caller's project
in `code_source_projects`; a source with a syntax error is refused (400) naming the line.

A code source's `version` grows with each update; workers cache a loaded module by (id,
version), so an update takes effect at the next run of one of its actions, without a restart.
"""

from __future__ import annotations

from typing import Any

from wfq import fields as described
from wfq.actions import dynamic
from wfq.errors import Conflict, Forbidden, InvalidInput, NotFound
from wfq.persistence.db import DuplicateRow, Session
from wfq.persistence.listing import ListQuery, list_rows
from wfq.persistence.models import CodeSource
from wfq.persistence.repositories import definitions as repo
from wfq.persistence.repositories import dynamic_actions as dyn_repo
from wfq.services import naming
from wfq.services.context import Services
from wfq.settings import Settings

SCOPES = ("private", "public")
DISABLED = (
    "Code sources and dynamic actions are not enabled for project {project} on this server "
    "(setting code_source_projects)"
)


def allowed(settings: Settings, project_id: str) -> bool:
    """True when the operator lets this project upload code (`code_source_projects`)."""
    names = {p.strip() for p in settings.code_source_projects.split(",") if p.strip()}
    return "*" in names or project_id in names


def check_allowed(svc: Services, project_id: str) -> None:
    """Raise Forbidden unless the project may use code sources."""
    if not allowed(svc.settings, project_id):
        raise Forbidden(DISABLED.format(project=project_id))


def _check_content(svc: Services, name: str, content: str) -> None:
    if len(content.encode()) > svc.settings.definition_size_limit_kb * 1024:
        raise InvalidInput(
            f"Code source is larger than the limit of {svc.settings.definition_size_limit_kb} KiB"
        )
    dynamic.check_source(name, content)


def _check_scope(scope: str) -> None:
    if scope not in SCOPES:
        raise InvalidInput(f"Scope must be one of {SCOPES}")


def view(row: CodeSource, actions: list[str]) -> dict[str, Any]:
    """A code source with Mistral's fields (native values); `actions`: its dynamic actions."""
    return described.view(described.CODE_SOURCE, row, actions=actions)


def _view(session: Session, row: CodeSource) -> dict[str, Any]:
    return view(row, [a.name for a in dyn_repo.of_code_source(session, row.id)])


def _not_found(identifier: str, namespace: str) -> NotFound:
    return NotFound(f"Code source not found [identifier={identifier}, namespace={namespace}]")


def find(session: Session, identifier: str, namespace: str, project_id: str) -> CodeSource:
    """A visible code source by id, or by name in `namespace` (404 otherwise)."""
    row = repo.find_by_name_or_id(session, CodeSource, identifier, namespace, project_id)
    if row is None:
        raise _not_found(identifier, namespace)
    return row  # type: ignore[no-any-return]


def create_code_source(
    svc: Services,
    name: str,
    content: str,
    *,
    project_id: str,
    namespace: str = "",
    scope: str = "private",
) -> dict[str, Any]:
    """Store a new code source (version 1); 409 when the name is taken in the namespace."""
    check_allowed(svc, project_id)
    if not name:
        raise InvalidInput("Code source name must be provided.")
    naming.check_name("code source", name)
    _check_scope(scope)
    _check_content(svc, name, content)
    try:
        with svc.db.write() as session:
            row = CodeSource(
                id=svc.new_id(),
                name=name,
                namespace=namespace,
                content=content,
                version=1,
                scope=scope,
                project_id=project_id,
                created_at=svc.now(),
            )
            session.add(row)
            session.flush()
            return view(row, [])
    except DuplicateRow as exc:
        raise Conflict(
            "Duplicate entry for CodeSource ['name', 'namespace', 'project_id']: "
            f"{name}, {namespace}, {project_id}"
        ) from exc


def update_code_source(
    svc: Services,
    identifier: str,
    content: str,
    *,
    project_id: str,
    namespace: str = "",
    scope: str | None = None,
) -> dict[str, Any]:
    """Replace the content of a code source of the project (its version grows by one)."""
    check_allowed(svc, project_id)
    if scope:
        _check_scope(scope)
    with svc.db.write() as session:
        row = find(session, identifier, namespace, project_id)
        if row.project_id != project_id:
            raise _not_found(identifier, namespace)
        _check_content(svc, row.name, content)
        row.content = content
        row.version += 1
        if scope:
            row.scope = scope
        row.updated_at = svc.now()
        session.flush()
        return _view(session, row)


def get_code_source(
    svc: Services, identifier: str, *, project_id: str, namespace: str = ""
) -> dict[str, Any]:
    """A visible code source by name or id."""
    check_allowed(svc, project_id)
    with svc.db.read() as session:
        return _view(session, find(session, identifier, namespace, project_id))


def list_code_sources(svc: Services, query: ListQuery, *, project_id: str) -> list[dict[str, Any]]:
    """The code sources visible to the project, filtered and paged."""
    check_allowed(svc, project_id)
    with svc.db.read() as session:
        rows = list_rows(session, CodeSource, query, repo.visible(CodeSource, project_id))
        return [_view(session, r) for r in rows]


def delete_code_source(
    svc: Services, identifier: str, *, project_id: str, namespace: str = ""
) -> None:
    """Delete a code source of the project with the dynamic actions defined on it."""
    check_allowed(svc, project_id)
    with svc.db.write() as session:
        row = find(session, identifier, namespace, project_id)
        if row.project_id != project_id:
            raise _not_found(identifier, namespace)
        for action in dyn_repo.of_code_source(session, row.id):
            session.delete(action)
        session.delete(row)
