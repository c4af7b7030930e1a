"""Use cases of dynamic actions (an action name bound to a class of a code source), what the
engine learns about one (its input, read from the source without running it), and loading one
on a worker (the only place the uploaded code runs)."""

from __future__ import annotations

import threading
import types
from typing import Any

from wfq import fields as described
from wfq.actions import dynamic
from wfq.actions.base import Action
from wfq.errors import Conflict, InvalidInput, NotFound
from wfq.persistence.db import DuplicateRow, Session
from wfq.persistence.listing import ListQuery, list_rows
from wfq.persistence.models import ActionDefinition, CodeSource, DynamicActionDefinition
from wfq.persistence.repositories import definitions as repo
from wfq.persistence.repositories import dynamic_actions as dyn_repo
from wfq.services import code_sources, naming
from wfq.services.context import Services
from wfq.settings import Settings
from wfq.types import ActionInfo

SCOPES = ("private", "public")
CLASS_PREFIX = "wfq.dynamic"


def view(row: DynamicActionDefinition) -> dict[str, Any]:
    """A dynamic action with Mistral's fields (native values)."""
    return described.view(described.DYNAMIC_ACTION, row)


def _not_found(identifier: str, namespace: str) -> NotFound:
    return NotFound(f"Dynamic action not found [identifier={identifier}, namespace={namespace}]")


def _check_name(
    svc: Services, session: Session, name: str, namespace: str, project_id: str
) -> None:
    if name in svc.registry:
        raise Conflict(f"Action {name} is a system action; a dynamic action cannot take its name")
    if (
        repo.find_in_namespaces(session, ActionDefinition, name, [namespace], project_id)
        is not None
    ):
        raise Conflict(f"Action {name} is an ad-hoc action; a dynamic action cannot take its name")


def create_dynamic_action(
    svc: Services, values: dict[str, Any], *, project_id: str
) -> dict[str, Any]:
    """Bind `values["name"]` to `class_name` of a code source (by id or name); 400 when the
    class is not defined at the top level of the source."""
    code_sources.check_allowed(svc, project_id)
    name, class_name = values.get("name"), values.get("class_name")
    namespace = values.get("namespace") or ""
    scope = values.get("scope") or "private"
    if not name or not class_name:
        raise InvalidInput("Both 'name' and 'class_name' must be provided.")
    naming.check_name("action", name)
    naming.check_name("class", class_name)
    source_ref = values.get("code_source_id") or values.get("code_source_name")
    if not source_ref:
        raise InvalidInput("Either 'code_source_id' or 'code_source_name' must be provided.")
    if scope not in SCOPES:
        raise InvalidInput(f"Scope must be one of {SCOPES}")
    try:
        with svc.db.write() as session:
            source = code_sources.find(session, source_ref, namespace, project_id)
            dynamic.signature(source.name, source.content, class_name)
            _check_name(svc, session, name, namespace, project_id)
            row = DynamicActionDefinition(
                id=svc.new_id(),
                name=name,
                namespace=namespace,
                class_name=class_name,
                code_source_id=source.id,
                code_source_name=source.name,
                scope=scope,
                project_id=project_id,
                created_at=svc.now(),
            )
            session.add(row)
            session.flush()
            return view(row)
    except DuplicateRow as exc:
        raise Conflict(
            "Duplicate entry for DynamicActionDefinition ['name', 'namespace', 'project_id']: "
            f"{name}, {namespace}, {project_id}"
        ) from exc


def _find(
    session: Session, identifier: str, namespace: str, project_id: str
) -> DynamicActionDefinition:
    row = repo.find_by_name_or_id(
        session, DynamicActionDefinition, identifier, namespace, project_id
    )
    if row is None:
        raise _not_found(identifier, namespace)
    return row  # type: ignore[no-any-return]


def update_dynamic_action(
    svc: Services, values: dict[str, Any], *, project_id: str
) -> dict[str, Any]:
    """Change the class, code source or scope of a dynamic action of the project."""
    code_sources.check_allowed(svc, project_id)
    identifier = values.get("id") or values.get("name")
    if not identifier:
        raise InvalidInput("Either 'name' or 'id' must be provided.")
    namespace = values.get("namespace") or ""
    with svc.db.write() as session:
        row = _find(session, identifier, namespace, project_id)
        if row.project_id != project_id:
            raise _not_found(identifier, namespace)
        source_ref = values.get("code_source_id") or values.get("code_source_name")
        source = (
            code_sources.find(session, source_ref, namespace, project_id)
            if source_ref
            else session.get(CodeSource, row.code_source_id)
        )
        if source is None:
            raise NotFound(f"Code source not found [identifier={row.code_source_id}]")
        class_name = values.get("class_name") or row.class_name
        naming.check_name("class", class_name)
        dynamic.signature(source.name, source.content, class_name)
        row.class_name, row.code_source_id, row.code_source_name = (
            class_name,
            source.id,
            source.name,
        )
        if values.get("scope"):
            if values["scope"] not in SCOPES:
                raise InvalidInput(f"Scope must be one of {SCOPES}")
            row.scope = values["scope"]
        row.updated_at = svc.now()
        session.flush()
        return view(row)


def get_dynamic_action(
    svc: Services, identifier: str, *, project_id: str, namespace: str = ""
) -> dict[str, Any]:
    """A visible dynamic action by name or id."""
    code_sources.check_allowed(svc, project_id)
    with svc.db.read() as session:
        return view(_find(session, identifier, namespace, project_id))


def list_dynamic_actions(
    svc: Services, query: ListQuery, *, project_id: str
) -> list[dict[str, Any]]:
    """The dynamic actions visible to the project, filtered and paged."""
    code_sources.check_allowed(svc, project_id)
    with svc.db.read() as session:
        rows = list_rows(
            session,
            DynamicActionDefinition,
            query,
            repo.visible(DynamicActionDefinition, project_id),
        )
        return [view(r) for r in rows]


def delete_dynamic_action(
    svc: Services, identifier: str, *, project_id: str, namespace: str = ""
) -> None:
    """Delete a dynamic action of the project (its code source stays)."""
    code_sources.check_allowed(svc, project_id)
    with svc.db.write() as session:
        row = _find(session, identifier, namespace, project_id)
        if row.project_id != project_id:
            raise _not_found(identifier, namespace)
        session.delete(row)


def info(
    settings: Settings, session: Session, name: str, namespace: str, project_id: str
) -> ActionInfo | None:
    """What the engine needs to know about the dynamic action `name` (None: there is none, or
    the project may not use code sources). Reads the source's signature; runs nothing."""
    if not code_sources.allowed(settings, project_id):
        return None
    found = dyn_repo.named(session, name, namespace, project_id)
    if found is None:
        return None
    action, source = found
    try:
        params, accepts_any = dynamic.signature(source.name, source.content, action.class_name)
    except InvalidInput:
        return None
    return ActionInfo(
        name=action.name,
        params=params,
        accepts_any=accepts_any,
        class_name=f"{CLASS_PREFIX}.{source.name}.{action.class_name}",
    )


_MODULES: dict[tuple[str, int], types.ModuleType] = {}
_MODULES_LOCK = threading.Lock()
MODULE_CACHE = 64
"""Loaded code sources kept per worker process (one entry per source version)."""


def load_action(svc: Services, name: str, namespace: str, project_id: str) -> Action | None:
    """The dynamic action `name` as a runnable Action, executing its code source (cached per
    source version, so an updated source is used at the next run). None when it is unknown or
    the project may no longer use code sources."""
    if not code_sources.allowed(svc.settings, project_id):
        return None
    with svc.db.read() as session:
        found = dyn_repo.named(session, name, namespace, project_id)
    if found is None:
        return None
    action, source = found
    key = (source.id, source.version)
    with _MODULES_LOCK:
        module = _MODULES.get(key)
        if module is None:
            module = dynamic.load_module(source.name, source.content)
            if len(_MODULES) >= MODULE_CACHE:
                _MODULES.pop(next(iter(_MODULES)))
            _MODULES[key] = module
    return dynamic.action_of(module, action.name, action.class_name)
