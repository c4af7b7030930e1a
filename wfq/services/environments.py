"""Use cases of environments: named sets of variables an execution reads through `env()` when
started with `params.env` set to the environment's name. Create, update, get, list, delete."""

from __future__ import annotations

from typing import Any

from wfq.errors import Conflict, InvalidInput, NotFound
from wfq.persistence.db import DuplicateRow
from wfq.persistence.listing import ListQuery, list_rows
from wfq.persistence.models import Environment
from wfq.persistence.repositories import definitions as repo
from wfq.services import naming, views
from wfq.services.context import Services

SCOPES = ("private", "public")


def _not_found(name: str) -> NotFound:
    return NotFound(f"Environment not found [name={name}]")


def _check(svc: Services, variables: Any, scope: str | None) -> None:
    if variables is not None and not isinstance(variables, dict):
        raise InvalidInput(f"JsonType field value must be a dictionary [actual={variables}]")
    limit_kb = svc.settings.field_size_limit_kb
    naming.check_size(limit_kb, variables, cls="Environment", field="variables")
    if scope is not None and scope not in SCOPES:
        raise InvalidInput(f"Scope must be one of {SCOPES}, not '{scope}'")


def create_environment(
    svc: Services,
    name: str,
    *,
    project_id: str,
    variables: dict[str, Any],
    description: str = "",
    scope: str = "private",
) -> dict[str, Any]:
    """Store a new environment (409 when the project has one of that name)."""
    naming.check_name("environment", name)
    _check(svc, variables, scope)
    duplicate = Conflict(
        f"Duplicate entry for Environment ['name', 'project_id']: {name}, {project_id}"
    )
    try:
        with svc.db.write() as session:
            existing = repo.find_named(session, Environment, name, project_id)
            if existing is not None and existing.project_id == project_id:
                raise duplicate
            row = Environment(
                id=svc.new_id(),
                name=name,
                description=description or "",
                variables=variables,
                scope=scope,
                project_id=project_id,
                created_at=svc.now(),
            )
            session.add(row)
            session.flush()
            return views.environment(row)
    except DuplicateRow as exc:
        raise duplicate from exc


def update_environment(
    svc: Services,
    name: str,
    *,
    project_id: str,
    variables: dict[str, Any] | None = None,
    description: str | None = None,
    scope: str | None = None,
) -> dict[str, Any]:
    """Change the given fields of an environment of the project (404 when it has none)."""
    _check(svc, variables, scope)
    with svc.db.write() as session:
        row = repo.find_named_or_id(session, Environment, name, project_id)
        if row is None or row.project_id != project_id:
            raise _not_found(name)
        if variables is not None:
            row.variables = variables
        if description is not None:
            row.description = description
        if scope is not None:
            row.scope = scope
        row.updated_at = svc.now()
        session.flush()
        return views.environment(row)


def get_environment(svc: Services, identifier: str, *, project_id: str) -> dict[str, Any]:
    """A visible environment by name or id."""
    with svc.db.read() as session:
        row = repo.find_named_or_id(session, Environment, identifier, project_id)
        if row is None:
            raise _not_found(identifier)
        return views.environment(row)


def list_environments(svc: Services, query: ListQuery, *, project_id: str) -> list[dict[str, Any]]:
    """The environments visible to the project, filtered and paged."""
    with svc.db.read() as session:
        rows = list_rows(session, Environment, query, repo.visible(Environment, project_id))
        return [views.environment(r) for r in rows]


def delete_environment(svc: Services, identifier: str, *, project_id: str) -> None:
    """Delete an environment of the project; executions keep the variables they copied."""
    with svc.db.write() as session:
        row = repo.find_named_or_id(session, Environment, identifier, project_id)
        if row is None or row.project_id != project_id:
            raise _not_found(identifier)
        session.delete(row)
