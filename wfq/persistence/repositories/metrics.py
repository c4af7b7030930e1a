"""The aggregate reads behind /metrics: counts by workflow and state, duration histograms and
cron trigger firings of one project (no writes)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import case, extract, func, select
from sqlalchemy.orm import Session

from wfq.persistence.models import ActionExecution, CronTrigger, TaskExecution, WorkflowExecution

HistogramRow = tuple[Any, ...]
"""(label, count, sum of seconds, cumulative count at each bucket bound...)."""
ID_CHUNK = 500
"""Ids per `IN (...)` list: bounded statements whatever the number of instants looked for."""


def execution_counts(session: Session, project_id: str) -> list[tuple[str, str, int]]:
    """(workflow name, state, count) of the project's workflow executions."""
    ex = WorkflowExecution
    stmt = (
        select(ex.workflow_name, ex.state, func.count())
        .where(ex.project_id == project_id)
        .group_by(ex.workflow_name, ex.state)
    )
    return [(name, state, count) for name, state, count in session.execute(stmt).all()]


def task_counts(
    session: Session, project_id: str, states: Sequence[str]
) -> list[tuple[str, str, int]]:
    """(workflow name, state, count) of the project's task executions in one of `states`."""
    te = TaskExecution
    stmt = (
        select(te.workflow_name, te.state, func.count())
        .where(te.project_id == project_id, te.state.in_(list(states)))
        .group_by(te.workflow_name, te.state)
    )
    return [(name, state, count) for name, state, count in session.execute(stmt).all()]


def execution_durations(
    session: Session,
    project_id: str,
    since: dt.datetime,
    bounds: Sequence[float],
    finished_states: Sequence[str],
) -> list[HistogramRow]:
    """Per workflow: finished executions created since `since`, created to finished."""
    ex = WorkflowExecution
    where = (
        ex.project_id == project_id,
        ex.created_at >= since,
        ex.finished_at.is_not(None),
        ex.state.in_(list(finished_states)),
    )
    seconds = _seconds(session, ex.finished_at, ex.created_at)
    return _histogram(session, ex.workflow_name, seconds, where, bounds)


def task_durations(
    session: Session, project_id: str, since: dt.datetime, bounds: Sequence[float]
) -> list[HistogramRow]:
    """Per workflow: finished task executions created since `since`, started to finished."""
    te = TaskExecution
    where = (
        te.project_id == project_id,
        te.created_at >= since,
        te.started_at.is_not(None),
        te.finished_at.is_not(None),
    )
    seconds = _seconds(session, te.finished_at, te.started_at)
    return _histogram(session, te.workflow_name, seconds, where, bounds)


def action_durations(
    session: Session, project_id: str, since: dt.datetime, bounds: Sequence[float]
) -> list[HistogramRow]:
    """Per action: action executions with a result created since `since`, created to result
    (the queue wait included)."""
    ae = ActionExecution
    where = (
        ae.project_id == project_id,
        ae.created_at >= since,
        ae.updated_at.is_not(None),
        ae.state.in_(("SUCCESS", "ERROR")),
    )
    seconds = _seconds(session, ae.updated_at, ae.created_at)
    return _histogram(session, ae.name, seconds, where, bounds)


def cron_triggers(session: Session, project_id: str) -> list[CronTrigger]:
    """Every cron trigger of the project."""
    return list(session.scalars(select(CronTrigger).where(CronTrigger.project_id == project_id)))


def cron_firing_counts(session: Session, project_id: str) -> list[tuple[str, int]]:
    """(cron trigger id, executions it started) for the project's triggers that fired."""
    ex = WorkflowExecution
    stmt = (
        select(ex.cron_trigger_id, func.count())
        .where(ex.project_id == project_id, ex.cron_trigger_id.is_not(None))
        .group_by(ex.cron_trigger_id)
    )
    # `cron_trigger_id IS NOT NULL` above: every id is a str
    return [(cast(str, trigger_id), count) for trigger_id, count in session.execute(stmt).all()]


def count_executions(session: Session, ids: Sequence[str]) -> int:
    """How many of these workflow execution ids are stored."""
    found = 0
    for i in range(0, len(ids), ID_CHUNK):
        chunk = list(ids[i : i + ID_CHUNK])
        stmt = (
            select(func.count())
            .select_from(WorkflowExecution)
            .where(WorkflowExecution.id.in_(chunk))
        )
        found += int(session.execute(stmt).scalar_one())
    return found


def _seconds(session: Session, end: Any, start: Any) -> Any:
    """`end - start` in seconds, in the SQL of the session's database."""
    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    return extract("epoch", end - start)


def _histogram(
    session: Session, label_col: Any, seconds: Any, where: Sequence[Any], bounds: Sequence[float]
) -> list[HistogramRow]:
    """One aggregate query: per label, the count, the sum and the cumulative bucket counts."""
    columns = [label_col, func.count(), func.sum(seconds)]
    columns += [func.sum(case((seconds <= bound, 1), else_=0)) for bound in bounds]
    stmt = select(*columns).where(*where).group_by(label_col)
    return [tuple(row) for row in session.execute(stmt).all()]
