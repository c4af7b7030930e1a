"""Versions of workflow, workbook and ad-hoc action definitions (a wfq extension): writing one
at each create and update that changes the text, listing them, showing one, diffing two, and
the version an execution starts on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wfq import fields as described
from wfq.errors import InvalidInput, NotFound
from wfq.persistence.db import Session
from wfq.persistence.models import ActionDefinition, DefinitionVersion, Workbook, WorkflowDefinition
from wfq.persistence.repositories import definitions as defs_repo
from wfq.persistence.repositories import versions as repo
from wfq.services import version_diff
from wfq.services.context import Services

MODELS: dict[str, Any] = {
    "workflow": WorkflowDefinition,
    "workbook": Workbook,
    "action": ActionDefinition,
}
_NOT_FOUND = {
    "workflow": "Workflow not found [workflow_identifier={}, namespace={}]",
    "workbook": "Workbook not found [name={}, namespace={}]",
    "action": "Action not found [action_name={}, namespace={}]",
}


@dataclass(frozen=True, slots=True)
class Author:
    """Who wrote a version: the project of the request, and the user it named (unverified)."""

    project: str
    user: str | None = None


def record(
    svc: Services, session: Session, kind: str, row: Any, author: Author | None = None
) -> None:
    """Write the next version of a definition row just created or updated, unless its text is
    the same as its newest version's (a scope change alone is not a new version)."""
    repo.lock_definition(session, MODELS[kind], row.id)
    last = repo.latest(session, kind, row.id)
    if last is not None and last.checksum == row.checksum:
        last.scope = row.scope
        return
    session.add(
        DefinitionVersion(
            id=svc.new_id(),
            resource_type=kind,
            resource_id=row.id,
            name=row.name,
            namespace=row.namespace,
            version=last.version + 1 if last else 1,
            definition=row.definition,
            spec=row.spec,
            checksum=row.checksum,
            scope=row.scope,
            project_id=row.project_id,
            author_project=author.project if author else row.project_id,
            author_user=author.user if author else None,
            created_at=svc.now(),
        )
    )


def forget(svc: Services, session: Session, kind: str, row: Any) -> None:
    """A definition is being deleted: its versions stay, marked deleted (see `deleted_spec`)."""
    repo.mark_deleted(session, kind, row.id, svc.now())


def view(row: DefinitionVersion, *, full: bool = False) -> dict[str, Any]:
    """One version as the API shows it (`definition` only when `full`)."""
    if full:
        return described.view(described.VERSION, row, definition=row.definition)
    return described.view(described.VERSION, row)


def _resource(session: Session, kind: str, identifier: str, namespace: str, project_id: str) -> Any:
    row = defs_repo.find_by_name_or_id(session, MODELS[kind], identifier, namespace, project_id)
    if row is None:
        raise NotFound(_NOT_FOUND[kind].format(identifier, namespace))
    return row


def list_versions(
    svc: Services, kind: str, identifier: str, *, project_id: str, namespace: str = ""
) -> list[dict[str, Any]]:
    """The versions of a visible definition (name or id), newest first; `current` marks the
    one the definition holds now."""
    with svc.db.read() as session:
        res = _resource(session, kind, identifier, namespace, project_id)
        rows = repo.history(session, kind, res.id)
    newest = rows[-1].version if rows else None
    return [{**view(r), "current": r.version == newest} for r in reversed(rows)]


def _numbered(session: Session, kind: str, res: Any, number: int) -> DefinitionVersion:
    row = repo.numbered(session, kind, res.id, number)
    if row is None:
        raise NotFound(f"Version not found [{kind}={res.name}, version={number}]")
    return row


def get_version(
    svc: Services, kind: str, identifier: str, number: int, *, project_id: str, namespace: str = ""
) -> dict[str, Any]:
    """One version of a visible definition, with its text."""
    with svc.db.read() as session:
        res = _resource(session, kind, identifier, namespace, project_id)
        return view(_numbered(session, kind, res, number), full=True)


def diff(
    svc: Services,
    kind: str,
    identifier: str,
    old: int,
    new: int,
    *,
    project_id: str,
    namespace: str = "",
) -> dict[str, Any]:
    """What changed from version `old` to version `new`: a unified diff of the texts and the
    changed paths of the YAML documents."""
    with svc.db.read() as session:
        res = _resource(session, kind, identifier, namespace, project_id)
        a, b = _numbered(session, kind, res, old), _numbered(session, kind, res, new)
    entries = version_diff.changes(a.definition, b.definition)
    return {
        "resource_type": kind,
        "resource_id": res.id,
        "name": res.name,
        "from_version": a.version,
        "to_version": b.version,
        "from_checksum": a.checksum,
        "to_checksum": b.checksum,
        "unified_diff": version_diff.unified(
            a.definition, b.definition, f"{res.name}@{a.version}", f"{res.name}@{b.version}"
        ),
        "changes": entries,
        "summary": version_diff.summary(entries),
    }


def spec_to_run(
    session: Session, wf: WorkflowDefinition, wanted: Any, newest: int | None
) -> tuple[dict[str, Any], int | None]:
    """The spec an execution of `wf` starts on and its version number: the current one
    (`newest`, the number of its newest version), or version `wanted` (InvalidInput when the
    workflow has no such version)."""
    if wanted is None:
        return wf.spec, newest
    number = parse_number(wanted)
    row = repo.numbered(session, "workflow", wf.id, number)
    if row is None:
        raise InvalidInput(f"Workflow {wf.name} has no version {number}")
    return row.spec, number


def parse_number(value: Any) -> int:
    """A version number given in a request (an int or its text, 1 to 2**31 - 1);
    InvalidInput otherwise."""
    text = (
        str(value).strip() if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    )
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) < 2**31:
        raise InvalidInput(f"Invalid workflow_version: {value!r} (expected a positive integer)")
    return int(text)


def deleted_spec(
    session: Session,
    kind: str,
    names: list[str],
    namespaces: list[str],
    project_id: str,
    since: Any,
) -> DefinitionVersion | None:
    """The last version of a definition called one of `names` that was deleted after `since`
    (an execution that started before the delete keeps using it)."""
    for name in names:
        row = repo.deleted_since(session, kind, name, namespaces, project_id, since)
        if row is not None:
            return row
    return None
