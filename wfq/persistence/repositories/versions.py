"""Definition versions: the next number of a definition, its history, and the kept versions of
deleted definitions."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from wfq.persistence.models import DefinitionVersion


def latest(session: Session, kind: str, resource_id: str) -> DefinitionVersion | None:
    """The newest version of one definition, or None when it has none."""
    stmt = (
        select(DefinitionVersion)
        .where(
            DefinitionVersion.resource_type == kind, DefinitionVersion.resource_id == resource_id
        )
        .order_by(DefinitionVersion.version.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def history(session: Session, kind: str, resource_id: str) -> list[DefinitionVersion]:
    """Every version of one definition, oldest first."""
    stmt = select(DefinitionVersion).where(
        DefinitionVersion.resource_type == kind, DefinitionVersion.resource_id == resource_id
    )
    return list(session.scalars(stmt.order_by(DefinitionVersion.version)))


def numbered(
    session: Session, kind: str, resource_id: str, version: int
) -> DefinitionVersion | None:
    """Version `version` of one definition."""
    stmt = select(DefinitionVersion).where(
        DefinitionVersion.resource_type == kind,
        DefinitionVersion.resource_id == resource_id,
        DefinitionVersion.version == version,
    )
    return session.scalars(stmt).first()


def numbers(session: Session, kind: str, resource_ids: list[str]) -> dict[str, int]:
    """The newest version number of each of `resource_ids` that has versions."""
    if not resource_ids:
        return {}
    params = {"kind": kind, "resource_ids": list(resource_ids)}
    return {rid: int(n) for rid, n in session.execute(_numbers(), params)}


@functools.cache
def _numbers() -> Any:
    # Built once: `numbers` runs for every execution started (its version number).
    return (
        select(DefinitionVersion.resource_id, func.max(DefinitionVersion.version))
        .where(
            DefinitionVersion.resource_type == bindparam("kind"),
            DefinitionVersion.resource_id.in_(bindparam("resource_ids", expanding=True)),
        )
        .group_by(DefinitionVersion.resource_id)
    )


def mark_deleted(session: Session, kind: str, resource_id: str, now: dt.datetime) -> None:
    """Keep the versions of a definition being deleted, marked with when it was deleted."""
    session.execute(
        update(DefinitionVersion)
        .where(
            DefinitionVersion.resource_type == kind, DefinitionVersion.resource_id == resource_id
        )
        .values(deleted_at=now)
    )


def deleted_since(
    session: Session, kind: str, name: str, namespaces: list[str], project_id: str, since: Any
) -> DefinitionVersion | None:
    """The newest version of a definition called `name` (trying `namespaces` in order) that
    `project_id` owned, or that was public, and that was deleted after `since`."""
    for ns in dict.fromkeys(namespaces):
        stmt = (
            select(DefinitionVersion)
            .where(
                DefinitionVersion.resource_type == kind,
                DefinitionVersion.name == name,
                DefinitionVersion.namespace == ns,
                DefinitionVersion.deleted_at > since,
                (DefinitionVersion.project_id == project_id)
                | (DefinitionVersion.scope == "public"),
            )
            .order_by(DefinitionVersion.deleted_at.desc(), DefinitionVersion.version.desc())
            .limit(1)
        )
        row = session.scalars(stmt).first()
        if row is not None:
            return row
    return None


def lock_definition(session: Session, model: Any, row_id: str) -> None:
    """Lock a definition row until COMMIT, so two updates number their versions one after the
    other (PostgreSQL; SQLite has one writer at a time anyway)."""
    session.execute(select(model.id).where(model.id == row_id).with_for_update())
