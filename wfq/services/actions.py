"""Running one action execution on a worker: claim it, run it, report its result."""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from typing import Any

from wfq.actions.base import ActionContext
from wfq.errors import ActionFailed
from wfq.persistence.repositories import executions as repo
from wfq.services import executions
from wfq.services.context import Services
from wfq.states import State

log = logging.getLogger("wfq.actions")
WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True, slots=True)
class Claimed:
    """What a worker needs to run an action execution it has claimed."""

    id: str
    name: str
    action: str
    input: dict[str, Any]
    context: ActionContext


def claim(svc: Services, action_id: str, worker: str = WORKER_NAME) -> Claimed | None:
    """Mark the action execution as taken by `worker`. None when it must not run here: it is
    unknown, finished, or already taken by another worker and not `safe-rerun`."""
    with svc.db.write() as session:
        row = repo.lock_action(session, action_id)
        if row is None or row.state != State.RUNNING:
            return None
        if row.worker and not row.runtime.get("safe_rerun"):
            return None
        row.worker = worker
        row.heartbeat_at = svc.now()
        rt = row.runtime or {}
        return Claimed(
            id=row.id,
            name=row.name,
            action=rt.get("action", row.name),
            input=rt.get("input", row.input),
            context=ActionContext(
                action_execution_id=row.id,
                task_execution_id=row.task_execution_id,
                workflow_execution_id=row.workflow_execution_id,
                workflow_name=row.workflow_name,
                settings=svc.settings,
            ),
        )


def execute(svc: Services, claimed: Claimed) -> tuple[bool, Any, bool]:
    """Run the action; returns (success, result or error text, is_sync)."""
    action = svc.registry.get(claimed.action)
    if action is None:
        return False, f"Failed to find action [action_name={claimed.action}]", True
    try:
        return True, action.fn(claimed.context, **claimed.input), action.is_sync
    except ActionFailed as exc:
        # The action returned an error result: that data is the error (mistral-lib Result.error).
        return False, exc.data, True
    except Exception as exc:  # an action may raise anything; it fails the action, not the worker
        log.info("action %s [%s] raised %s", claimed.action, claimed.id, type(exc).__name__)
        msg = f"The action raised an exception [action={claimed.action}, action_ex_id={claimed.id}, msg='{exc}']"
        return False, msg, True


def run_action(svc: Services, action_id: str) -> None:
    """The body of `wfq.run_action`: claim, run, complete. Safe to call twice."""
    claimed = claim(svc, action_id)
    if claimed is None:
        return
    success, result, is_sync = execute(svc, claimed)
    if is_sync:
        executions.complete_action(svc, action_id, success, result)
