"""Applying one engine event to one workflow execution: the only place that does it.

One transaction, retried as the database asks: lock the execution row, build its snapshot, let
the engine decide, save, commit. The caller then carries out the returned commands
(`work_list.carry_out`). What a caller needs beside that is an option here, not a copy. The
transaction that creates an execution (services/starting.py) has no row to lock yet; it makes
its decision with the same `decide_on`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wfq import engine
from wfq.errors import NotFound
from wfq.persistence.db import Session
from wfq.persistence.models import ActionExecution, WorkflowExecution
from wfq.persistence.repositories import executions as repo
from wfq.persistence.repositories import items as items_repo
from wfq.services import snapshots, views
from wfq.services.context import Services

Locate = Callable[[Session], str | None]
"""Finds the execution inside the transaction, before the lock (None: nothing to decide)."""


@dataclass(frozen=True, slots=True)
class Options:
    """What one transition reads or does beside lock, snapshot and decision.

    action_ids: action executions the event is about, read with the lock (one round trip).
    task_actions: a task whose action executions the snapshot gets (rerun, skip, action state).
    item_results: a with-items task whose item results the snapshot gets (ItemsCompleted).
    unless_idle_items: a with-items task: nothing is decided while it has an item no lane took
        (a lane's ItemsWanted: another lane asked first, its batch is there to take).
    project_id: the project the execution must belong to, else NotFound (a user's request;
        without it a missing execution decides nothing: a message about a deleted one).
    edit: changes to the locked row before the decision (a PUT's description or env).
    claimant: a worker's name: the first new default-queue action is stored claimed by it and
        left out of the commands (the worker runs it next).
    show: return the execution's view as this transaction committed it.
    """

    action_ids: tuple[str, ...] = ()
    task_actions: str | None = None
    item_results: str | None = None
    unless_idle_items: str | None = None
    project_id: str | None = None
    edit: Callable[[WorkflowExecution], None] | None = None
    claimant: str | None = None
    show: bool = False


@dataclass(slots=True)
class Applied:
    """What a transition committed: the commands to carry out, the action a `claimant` took,
    the execution's view (with `show`)."""

    commands: list[engine.Command] = field(default_factory=list)
    claimed: ActionExecution | None = None
    view: dict[str, Any] | None = None


def apply_event(
    svc: Services, execution: str | Locate, event: engine.Event | None, **options: Any
) -> Applied:
    """Apply `event` to the execution `execution` (an id, or a `Locate`) in one transaction;
    the caller carries out `Applied.commands`. `event` None: only `edit` and `show`.
    Options: see `Options`."""
    opts = Options(**options)
    return svc.db.retrying(_transaction, svc, execution, event, opts)


def _transaction(
    svc: Services, execution: str | Locate, event: engine.Event | None, opts: Options
) -> Applied:
    with svc.db.write() as session:
        ex_id = execution(session) if callable(execution) else execution
        if ex_id is None:
            return Applied()
        ex, actions = repo.lock_execution_with_actions(session, ex_id, opts.action_ids)
        if opts.project_id is not None and (ex is None or ex.project_id != opts.project_id):
            raise NotFound(f"WorkflowExecution not found [id={ex_id}]")
        if ex is None or (
            opts.unless_idle_items and items_repo.has_idle_item(session, opts.unless_idle_items)
        ):
            return Applied()
        if opts.edit is not None:
            opts.edit(ex)
        applied = Applied()
        if event is not None:
            applied.commands = decide_on(svc, session, ex, event, actions, opts)
        if opts.claimant:
            applied.claimed = _claim_one(svc, session, applied.commands, opts.claimant)
        if opts.show:
            session.flush()
            applied.view = views.execution(ex)
        return applied


def decide_on(
    svc: Services,
    session: Session,
    ex: WorkflowExecution,
    event: engine.Event,
    actions: dict[str, ActionExecution] | None = None,
    opts: Options = Options(),
    *,
    new: bool = False,
) -> list[engine.Command]:
    """The decision inside `apply_event`'s transaction, on the locked `ex`: snapshot, decide,
    write back. Also called by the one transaction that creates an execution (`new`: its row
    was added in this transaction, so it has no task to read and nobody else sees it yet)."""
    snap = snapshots.snapshot(svc, session, ex, new=new, actions=actions)
    if opts.task_actions:
        snap.actions.update(repo.actions_of_task(session, opts.task_actions))
    if opts.item_results:
        snap.actions.update(items_repo.item_results(session, opts.item_results))
    return snapshots.decide(svc, session, snap, event, ex.project_id)


def _claim_one(
    svc: Services, session: Session, commands: list[engine.Command], claimant: str
) -> ActionExecution | None:
    """Store the first new default-queue action claimed by `claimant` and drop its RunAction
    from `commands` (in place)."""
    kept = next((c for c in commands if isinstance(c, engine.RunAction) and c.queue is None), None)
    if kept is None:
        return None
    commands.remove(kept)
    row = next(
        (
            r
            for r in session.new
            if isinstance(r, ActionExecution) and r.id == kept.action_execution_id
        ),
        None,
    ) or session.get(ActionExecution, kept.action_execution_id)
    assert row is not None  # the command was made for this action, created in this session
    row.worker, row.heartbeat_at = claimant, svc.now()
    return row
