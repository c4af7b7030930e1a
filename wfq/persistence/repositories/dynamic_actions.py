"""Finding dynamic action definitions and the code sources they run."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from wfq.persistence.models import CodeSource, DynamicActionDefinition
from wfq.persistence.repositories.definitions import find_in_namespaces


def of_code_source(session: Session, code_source_id: str) -> list[DynamicActionDefinition]:
    """The dynamic actions defined on one code source, by name."""
    stmt = select(DynamicActionDefinition).where(
        DynamicActionDefinition.code_source_id == code_source_id
    )
    return list(session.scalars(stmt.order_by(DynamicActionDefinition.name)))


def named(
    session: Session, name: str, namespace: str, project_id: str
) -> tuple[DynamicActionDefinition, CodeSource] | None:
    """The visible dynamic action `name` (in `namespace`, then the default one) with its code
    source, or None."""
    action = find_in_namespaces(session, DynamicActionDefinition, name, [namespace, ""], project_id)
    if action is None:
        return None
    source = session.get(CodeSource, action.code_source_id)
    return None if source is None else (action, source)
