"""Firing cron triggers: exactly once per instant, however many beats run.

Policy (documented in docs/cron.md): `fire_due(svc, now)` claims each due trigger with a row lock
(`FOR UPDATE SKIP LOCKED`), starts its execution and advances `next_execution_time` in the same
transaction. The execution id is derived from (trigger id, instant), so even two schedulers that
somehow claimed the same instant could not both commit it. A beat that was down fires a missed
instant once (the latest one), then continues on schedule from now. A trigger whose
`remaining_executions` reaches 0 is kept with status COMPLETED.

`tick(svc, now, poll_s)` is what a scheduler calls in a loop: one read of the earliest due time,
a firing only when something is due, and how long to wait before the next tick.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from croniter import croniter

from wfq import engine
from wfq.errors import WfqError
from wfq.persistence.db import DuplicateRow
from wfq.persistence.ids import cron_execution_id
from wfq.persistence.repositories import cron_firing as repo
from wfq.services import starting, work_list
from wfq.services.context import Services

log = logging.getLogger("wfq.cron")


@dataclass(frozen=True, slots=True)
class Fired:
    """One firing: which trigger, for which instant, and the execution it started (or why not)."""

    trigger_id: str
    instant: dt.datetime
    execution_id: str | None
    error: str | None = None


def next_instant(pattern: str, after: dt.datetime) -> dt.datetime:
    """The first instant of `pattern` strictly after `after` (naive UTC)."""
    return croniter(pattern, after).get_next(dt.datetime)


def execution_id_for(trigger_id: str, instant: dt.datetime) -> str:
    """The id of the execution a trigger starts for an instant (the same in every scheduler)."""
    return cron_execution_id(trigger_id, instant)


MIN_WAIT_S = 0.1
"""A scheduler waits at least this long between ticks (another one may hold a due trigger)."""


def next_due(svc: Services) -> dt.datetime | None:
    """When the earliest ACTIVE trigger is due (None: no trigger is waiting to fire)."""
    with svc.db.read() as session:
        return repo.earliest_due(session)


def tick(svc: Services, now: dt.datetime, poll_s: float) -> float:
    """Fire the triggers due at `now`, if any (a single read when none is); returns the seconds
    to wait before the next tick: until the next due instant, at most `poll_s`, so a trigger
    created or changed meanwhile is seen within `poll_s`."""
    due = next_due(svc)
    if due is not None and due <= now:
        fire_due(svc, now)
        due = next_due(svc)
    if due is None:
        return poll_s
    return min(poll_s, max(MIN_WAIT_S, (due - now).total_seconds()))


def fire_due(svc: Services, now: dt.datetime, limit: int = 100) -> list[Fired]:
    """Fire every trigger due at `now`; returns what was fired."""
    fired: list[Fired] = []
    for _ in range(limit):
        one = _fire_one(svc, now)
        if one is None:
            break
        fired.append(one)
    return fired


def _fire_one(svc: Services, now: dt.datetime) -> Fired | None:
    try:
        with svc.db.write() as session:
            trig = repo.claim_due(session, now)
            if trig is None:
                return None
            instant, name = trig.next_execution_time, trig.name
            assert instant is not None  # claim_due only claims a trigger with a next time
            ex_id: str | None = execution_id_for(trig.id, instant)
            error = None
            commands: list[engine.Command] = []
            try:
                with session.begin_nested():
                    _, commands = starting.create_and_start(
                        svc,
                        session,
                        trig.workflow_id,
                        project_id=trig.project_id,
                        namespace=trig.workflow_namespace,
                        wf_input=trig.workflow_input,
                        params=trig.workflow_params,
                        description=f"cron trigger {trig.name} at {instant:%Y-%m-%d %H:%M:%S}",
                        execution_id=ex_id,
                        cron_trigger_id=trig.id,
                    )
            except WfqError as exc:  # the workflow was deleted or its input no longer fits
                error, ex_id, commands = str(exc), None, []
                log.warning("cron trigger %s could not start its workflow: %s", trig.name, exc)
            _advance(trig, instant, now)
            result = Fired(trig.id, instant, ex_id, error)
    except DuplicateRow:
        # Another scheduler committed this instant first: nothing to do.
        return Fired("", now, None, "already fired")
    work_list.carry_out(svc, commands)
    if ex_id is not None:
        log.info(
            "cron trigger %s fired for %s: execution %s",
            name,
            f"{instant:%Y-%m-%d %H:%M:%S}",
            ex_id,
        )
    return result


def _advance(trig: object, instant: dt.datetime, now: dt.datetime) -> None:
    remaining = trig.remaining_executions  # type: ignore[attr-defined]
    if remaining is not None:
        remaining -= 1
        trig.remaining_executions = remaining  # type: ignore[attr-defined]
    if remaining is not None and remaining <= 0:
        trig.status = "COMPLETED"  # type: ignore[attr-defined]
        trig.next_execution_time = None  # type: ignore[attr-defined]
        return
    # Missed instants are not replayed: the next one is the first after both `instant` and now.
    trig.next_execution_time = next_instant(trig.pattern, max(instant, now))  # type: ignore[attr-defined]
