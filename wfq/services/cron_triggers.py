"""Use cases of cron triggers: create (with `next_execution_time` computed by croniter), get,
list, delete. Triggers are stored ACTIVE.

Firing is not here: beat's `fire_due(svc, now)` (services/cron_firing.py) claims the ACTIVE
triggers whose `next_execution_time` has come with row locks, starts one execution each,
advances `next_execution_time`, decrements `remaining_executions` and sets `status` to
COMPLETED when none remain. All times are naive UTC.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from croniter import croniter

from wfq import dsl
from wfq.errors import Conflict, InvalidInput, NotFound
from wfq.persistence.db import DuplicateRow
from wfq.persistence.listing import ListQuery, list_rows
from wfq.persistence.models import CronTrigger, WorkflowDefinition
from wfq.persistence.repositories import definitions as repo
from wfq.services import naming, starting, views
from wfq.services.context import Services

ACTIVE = "ACTIVE"
COMPLETED = "COMPLETED"
TIME_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")
"""Accepted `first_execution_time` texts (Mistral's client sends the first)."""
MIN_LEAD = dt.timedelta(seconds=60)
PATTERN_LIMIT = 100
"""Longest pattern (the column width)."""


def parse_time(text: str) -> dt.datetime:
    """A `first_execution_time` text ("YYYY-MM-DD HH:MM", UTC) as a naive datetime."""
    for fmt in TIME_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise InvalidInput(
        f"time data '{text}' does not match format '%Y-%m-%d %H:%M' (first_execution_time)"
    )


def check_pattern(pattern: str) -> None:
    """Raise InvalidInput unless croniter accepts `pattern` (Mistral's message)."""
    if len(pattern) > PATTERN_LIMIT or not croniter.is_valid(pattern):
        raise InvalidInput(f"The specified pattern is not valid: {pattern}")


def next_execution_time(pattern: str, after: dt.datetime) -> dt.datetime:
    """The first time strictly after `after` that `pattern` matches."""
    value: dt.datetime = croniter(pattern, after).get_next(dt.datetime)
    return value


def _check_schedule(
    pattern: str | None,
    first_time: dt.datetime | None,
    count: int | None,
    now: dt.datetime,
) -> None:
    """Mistral's rules on pattern, first_execution_time and remaining_executions."""
    if not pattern and not first_time:
        raise InvalidInput("Pattern or first_execution_time must be specified.")
    if first_time is not None:
        if first_time < now + MIN_LEAD:
            raise InvalidInput("first_execution_time must be at least 1 minute in the future.")
        if not pattern and count is not None and count > 1:
            raise InvalidInput("Pattern must be provided if count is superior to 1.")
    if pattern:
        check_pattern(pattern)
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise InvalidInput(
            f"Invalid input for field/attribute remaining_executions. Value: '{count}'. "
            "Value should be greater or equal to 1"
        )


def _not_found(identifier: str) -> NotFound:
    return NotFound(f"Cron trigger not found [identifier={identifier}]")


def create_cron_trigger(
    svc: Services,
    name: str,
    workflow: str,
    *,
    project_id: str,
    pattern: str | None = None,
    namespace: str = "",
    workflow_input: dict[str, Any] | None = None,
    workflow_params: dict[str, Any] | None = None,
    first_execution_time: dt.datetime | None = None,
    remaining_executions: int | None = None,
    scope: str = "private",
) -> dict[str, Any]:
    """Store an ACTIVE trigger of `workflow` (name or id) after checking its schedule (400),
    the workflow (404) and the input against the workflow (400)."""
    naming.check_name("cron trigger", name)
    now = svc.now()
    _check_schedule(pattern, first_execution_time, remaining_executions, now)
    wf_input = dict(workflow_input or {})
    duplicate = Conflict(
        f"Duplicate entry for CronTrigger ['name', 'project_id']: {name}, {project_id}"
    )
    try:
        with svc.db.write() as session:
            wf = repo.find_by_name_or_id(
                session, WorkflowDefinition, workflow, namespace, project_id
            )
            if wf is None:
                raise NotFound(
                    f"Workflow not found [workflow_identifier={workflow}, namespace={namespace}]"
                )
            starting.check_input(dsl.workflow_from_dict(wf.spec), wf_input)
            existing = repo.find_named(session, CronTrigger, name, project_id)
            if existing is not None and existing.project_id == project_id:
                raise duplicate
            row = CronTrigger(
                id=svc.new_id(),
                name=name,
                pattern=pattern or None,
                first_execution_time=first_execution_time,
                next_execution_time=first_execution_time or next_execution_time(pattern or "", now),
                remaining_executions=remaining_executions,
                status=ACTIVE,
                workflow_id=wf.id,
                workflow_name=wf.name,
                workflow_namespace=wf.namespace,
                workflow_input=wf_input,
                workflow_params=dict(workflow_params or {}),
                scope=scope,
                project_id=project_id,
                created_at=now,
            )
            session.add(row)
            session.flush()
            return views.cron_trigger(row)
    except DuplicateRow as exc:
        raise duplicate from exc


def get_cron_trigger(svc: Services, identifier: str, *, project_id: str) -> dict[str, Any]:
    """A visible trigger by name or id."""
    with svc.db.read() as session:
        row = repo.find_named_or_id(session, CronTrigger, identifier, project_id)
        if row is None:
            raise _not_found(identifier)
        return views.cron_trigger(row)


def list_cron_triggers(svc: Services, query: ListQuery, *, project_id: str) -> list[dict[str, Any]]:
    """The triggers visible to the project, filtered and paged."""
    with svc.db.read() as session:
        rows = list_rows(session, CronTrigger, query, repo.visible(CronTrigger, project_id))
        return [views.cron_trigger(r) for r in rows]


def delete_cron_trigger(svc: Services, identifier: str, *, project_id: str) -> None:
    """Delete a trigger of the project; executions it started are kept."""
    with svc.db.write() as session:
        row = repo.find_named_or_id(session, CronTrigger, identifier, project_id)
        if row is None or row.project_id != project_id:
            raise _not_found(identifier)
        session.delete(row)
