"""The integrity check: finds work that a crash stranded between a commit and a message, and
sends it again. Every message it sends is idempotent, so running it too often is harmless."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from wfq.dispatch import names
from wfq.engine import ExecutionCompleted, StartSubworkflow, TimerFired
from wfq.persistence.repositories import executions as repo
from wfq.services import executions
from wfq.services.context import Services

log = logging.getLogger("wfq.recovery")


@dataclass(frozen=True, slots=True)
class Recovered:
    """What one pass of the integrity check re-sent."""

    actions: int = 0
    subworkflows: int = 0
    parents: int = 0
    timers: int = 0


def recover(svc: Services) -> Recovered:
    """Re-send unclaimed actions, start missing subworkflows, deliver lost child results."""
    cutoff = svc.now() - dt.timedelta(seconds=svc.settings.dispatch_grace_s)
    with svc.db.read() as session:
        actions = [(a.id, a.runtime.get("queue")) for a in repo.unclaimed_actions(session, cutoff)]
        starts = []
        for task in repo.orphan_workflow_tasks(session, cutoff):
            sub = task.runtime_context.get("subworkflow")
            if sub:
                starts.append(StartSubworkflow(task.id, sub["name"], sub["input"], sub["params"]))
        timers = [
            TimerFired(t.id, kind, int(timer["token"])).to_dict()
            for t in repo.tasks_with_late_timers(session, cutoff)
            for kind, timer in t.runtime_context.get("timers", {}).items()
            if dt.datetime.fromisoformat(timer["due"]) < cutoff
        ]
        children = [
            ExecutionCompleted(c.id, c.state, c.task_execution_id)
            for c in repo.finished_children_of_running_tasks(session)
        ]
    if actions:
        svc.dispatcher.run_actions(actions)
    for cmd in starts:
        executions.start_subworkflow(svc, cmd)
    for done in children:
        executions.notify_parent(svc, done)
    for event in timers:
        svc.dispatcher.send(names.CONTINUE_EXECUTION, [event])
    result = Recovered(len(actions), len(starts), len(children), len(timers))
    if actions or starts or children or timers:
        log.warning("integrity check re-sent work: %s", result)
    return result
