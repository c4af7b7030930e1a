"""One engine transition inside an open transaction: build the snapshot, let the engine decide."""

from __future__ import annotations

from typing import Any

from wfq import engine
from wfq.logging_setup import log_context
from wfq.persistence.repositories import executions as repo
from wfq.services.context import Services
from wfq.services.snapshots import StoredTasks, decide, run_started, snapshot

__all__ = ["StoredTasks", "decide", "on_execution", "run_started", "snapshot"]


def on_execution(
    svc: Services, execution_id: str, event: engine.Event, *, task_actions: str | None = None
) -> tuple[list[engine.Command], Any]:
    """Lock the execution, apply `event`, commit; returns (commands, the execution's view)."""
    from wfq.services import views

    def tx() -> tuple[list[engine.Command], Any]:
        with svc.db.write() as session:
            ex = repo.lock_execution(session, execution_id)
            if ex is None:
                return [], None
            snap = snapshot(svc, session, ex)
            if task_actions:
                snap.actions.update(repo.actions_of_task(session, task_actions))
            commands = decide(svc, session, snap, event, ex.project_id)
            session.flush()
            return commands, views.execution(ex)

    with log_context(execution_id=execution_id):
        commands, view = svc.db.retrying(tx)
        svc.carry_out(commands)
    return commands, view
