"""Finding stored workbooks, workflows, ad-hoc actions, environments and cron triggers visible
to a project."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from wfq.persistence.models import DefinitionVersion, Workbook, WorkflowDefinition
from wfq.persistence.repositories.members import accepted_by

SHARED = {WorkflowDefinition: "workflow", Workbook: "workbook"}
"""The models a project may share with another (Mistral's resource members)."""


def visible(model: Any, project_id: Any) -> Any:
    """Rows the project owns, that are public, or (workflows and workbooks) that another
    project shared with it and it accepted. `project_id`: the id, or a bind parameter."""
    mine_or_public = or_(model.project_id == project_id, model.scope == "public")
    if model not in SHARED:
        return mine_or_public
    return or_(mine_or_public, accepted_by(model.id, SHARED[model], project_id))


@functools.cache
def _by_name_or_id(model: Any) -> Any:
    """The statement of `find_by_name_or_id`, built once per model: building and hashing a
    fresh one costs more CPU than the query itself (it runs for every execution started)."""
    named = and_(
        model.name == bindparam("identifier"),
        model.namespace.in_(bindparam("namespaces", expanding=True)),
    )
    return select(model).where(
        or_(model.id == bindparam("identifier"), named), visible(model, bindparam("project_id"))
    )


def find_by_name_or_id(
    session: Session, model: Any, identifier: str, namespace: str | None, project_id: str
) -> Any:
    """The row whose id or name is `identifier`. A name is looked up in `namespace`, then in the
    default namespace; the caller's own row wins over a public one. One query."""
    params = _lookup_params(identifier, namespace, project_id)
    rows = list(session.scalars(_by_name_or_id(model), params))
    return _pick(rows, lambda row: row, identifier, params["namespaces"], project_id)


def find_workflow_and_version(
    session: Session, identifier: str, namespace: str | None, project_id: str
) -> tuple[WorkflowDefinition, int | None] | None:
    """`find_by_name_or_id` for a workflow, with the number of its newest version (None: none
    kept) read by the same query: starting an execution needs both, and every round trip
    inside POST /v2/executions is on the path of every execution."""
    params = _lookup_params(identifier, namespace, project_id)
    rows = list(session.execute(_workflow_and_version(), params))
    found = _pick(rows, lambda row: row[0], identifier, params["namespaces"], project_id)
    return None if found is None else (found[0], found[1])


def _lookup_params(identifier: str, namespace: str | None, project_id: str) -> dict[str, Any]:
    namespaces = [namespace or ""]
    if namespace:
        namespaces.append("")
    return {"identifier": identifier, "namespaces": namespaces, "project_id": project_id}


_Found = TypeVar("_Found")


def _pick(
    found: Sequence[_Found],
    row_of: Callable[[_Found], Any],
    identifier: str,
    namespaces: list[str],
    project_id: str,
) -> _Found | None:
    """The match of `find_by_name_or_id` among the rows its query returned: the row with that
    id, else the first namespace's row of that name, the project's own before a public one."""
    by_id = [f for f in found if row_of(f).id == identifier]
    if by_id:
        return by_id[0]
    for ns in namespaces:
        in_ns = sorted(
            (f for f in found if row_of(f).name == identifier and row_of(f).namespace == ns),
            key=lambda f: row_of(f).project_id != project_id,
        )
        if in_ns:
            return in_ns[0]
    return None


@functools.cache
def _workflow_and_version() -> Any:
    newest = (
        select(func.max(DefinitionVersion.version))
        .where(
            DefinitionVersion.resource_type == "workflow",
            DefinitionVersion.resource_id == WorkflowDefinition.id,
        )
        .scalar_subquery()
    )
    return _by_name_or_id(WorkflowDefinition).add_columns(newest)


def find_in_namespaces(
    session: Session, model: Any, name: str, namespaces: list[str], project_id: str
) -> Any:
    """The first visible row called `name`, trying `namespaces` in order."""
    for ns in dict.fromkeys(namespaces):
        stmt = select(model).where(
            model.name == name, model.namespace == ns, visible(model, project_id)
        )
        rows = sorted(session.scalars(stmt), key=lambda r: r.project_id != project_id)
        if rows:
            return rows[0]
    return None


def find_all_in_namespaces(
    session: Session, model: Any, names: list[str], namespaces: list[str], project_id: str
) -> dict[str, Any]:
    """`find_in_namespaces` for many names in one query: the rows found, by name."""
    if not names:
        return {}
    order = list(dict.fromkeys(namespaces))
    # `=` rather than IN: an IN list is rendered anew at each execution (SQL cached otherwise).
    by_name = model.name == names[0] if len(names) == 1 else model.name.in_(names)
    by_namespace = or_(*(model.namespace == ns for ns in order))
    stmt = select(model).where(by_name, by_namespace, visible(model, project_id))
    rows = sorted(
        session.scalars(stmt), key=lambda r: (order.index(r.namespace), r.project_id != project_id)
    )
    found: dict[str, Any] = {}
    for row in rows:
        found.setdefault(row.name, row)
    return found


def find_named(session: Session, model: Any, name: str, project_id: str) -> Any:
    """The visible row called `name` of a model without namespaces (environments, triggers)."""
    stmt = select(model).where(model.name == name, visible(model, project_id))
    rows = sorted(session.scalars(stmt), key=lambda r: r.project_id != project_id)
    return rows[0] if rows else None


def find_named_or_id(session: Session, model: Any, identifier: str, project_id: str) -> Any:
    """The visible row whose id or name is `identifier` (models without namespaces)."""
    row = session.get(model, identifier)
    if row is not None and (row.project_id == project_id or row.scope == "public"):
        return row
    return find_named(session, model, identifier, project_id)


def of_workbook(
    session: Session, model: Any, workbook: str, namespace: str, project_id: str
) -> list[Any]:
    """The workflow or action definitions a workbook of the project registered."""
    stmt = select(model).where(
        model.workbook_name == workbook,
        model.namespace == namespace,
        model.project_id == project_id,
    )
    return list(session.scalars(stmt.order_by(model.name)))


def all_visible(session: Session, model: Any, project_id: str) -> list[Any]:
    """Every row of `model` the project owns or that is public."""
    return list(session.scalars(select(model).where(visible(model, project_id))))
