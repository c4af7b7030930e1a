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
from wfq.engine.snapshot import Action, Execution
from wfq.errors import NotFound
from wfq.persistence import records
from wfq.persistence.db import Session
from wfq.persistence.repositories import items as items_repo
from wfq.services import snapshots, views
from wfq.services.context import Services

Locate = Callable[[Session], str | None]
"""Finds the execution inside the transaction, before the lock (None: nothing to decide)."""


@dataclass(frozen=True, slots=True)
class Options:
    """What one transition reads or does beside lock, snapshot and decision.

    action_ids: action executions the event is about, read with the lock (one round trip).
    task_ids: tasks the event is about (a completed action's), read with their large values
        (`records.LARGE_BYTES`), which the decision uses; the event's own task is one anyway.
    task_actions: a task whose action executions the snapshot gets (rerun, skip, action state).
    item_results: a with-items task whose item results the snapshot gets (ItemsCompleted).
    unless_idle_items: a with-items task: nothing is decided while it has an item no lane took
        (a lane's ItemsWanted: another lane asked first, its batch is there to take).
    project_id: the project the execution must belong to, else NotFound (a user's request;
        without it a missing execution decides nothing: a message about a deleted one).
    edit: changes to the locked execution before the decision (a PUT's description or env):
        the columns to set, given its record.
    claimant: a worker's name: the first new default-queue action is stored claimed by it and
        left out of the commands (the worker runs it next).
    keep: with `claimant`, how many new default-queue actions it takes that way (the first
        runs next in the worker's thread, the others in its other slots: a fork's branches).
    show: return the execution's view as this transaction committed it.
    """

    action_ids: tuple[str, ...] = ()
    task_ids: tuple[str, ...] = ()
    task_actions: str | None = None
    item_results: str | None = None
    unless_idle_items: str | None = None
    project_id: str | None = None
    edit: Callable[[Execution], dict[str, Any]] | None = None
    claimant: str | None = None
    keep: int = 1
    show: bool = False


@dataclass(slots=True)
class Applied:
    """What a transition committed: the commands to carry out, the actions a `claimant` took
    (the one to run next first), the execution's view (with `show`)."""

    commands: list[engine.Command] = field(default_factory=list)
    claimed: list[Action] = field(default_factory=list)
    view: dict[str, Any] | None = None


def apply_event(
    svc: Services, execution: str | Locate, event: engine.Event | None, **options: Any
) -> Applied:
    """Apply `event` to the execution `execution` (an id, or a `Locate`) in one transaction;
    the caller carries out `Applied.commands`. `event` None: only `edit` and `show`.
    Options: see `Options`."""
    return apply_with(svc, execution, event, Options(**options))


def apply_with(
    svc: Services, execution: str | Locate, event: engine.Event | None, opts: Options
) -> Applied:
    """`apply_event` with its options already gathered (a completion that waited to be
    applied together with others and then goes alone, services/completing.py)."""
    return svc.db.retrying(_transaction, svc, execution, event, opts)


def _transaction(
    svc: Services, execution: str | Locate, event: engine.Event | None, opts: Options
) -> Applied:
    # Given the execution's id, the lock is the transaction's first statement: it sends the
    # BEGIN too, and reads the tasks in the same round trip (records.lock_execution).
    located = callable(execution)
    with svc.db.write(begin=located) as session:
        ex_id = execution(session) if callable(execution) else execution
        if ex_id is None:
            return Applied()
        locked = records.lock_execution(
            session,
            ex_id,
            opts.action_ids,
            tasks=event is not None,
            begin=not located,
            whole=_tasks_of(event, opts),
        )
        ex = locked.execution if locked is not None else None
        if opts.project_id is not None and (ex is None or ex.project_id != opts.project_id):
            raise NotFound(f"WorkflowExecution not found [id={ex_id}]")
        if locked is None or (
            opts.unless_idle_items and items_repo.has_idle_item(session, opts.unless_idle_items)
        ):
            return Applied()
        if opts.edit is not None:
            records.update_execution(session, locked.execution, opts.edit(locked.execution))
        applied = Applied()
        if event is not None:
            stored = snapshots.snapshot(svc, session, locked)
            # Nothing follows the write but a shown view: it may carry the COMMIT.
            applied = decide_on(svc, session, stored, event, opts, last=not opts.show)
        if opts.show:
            applied.view = views.execution(records.shown_execution(session, ex_id))
        return applied


def apply_together(
    svc: Services, execution_id: str, events: list[tuple[engine.Event, Options]]
) -> list[Applied]:
    """Apply several events to one execution in one transaction, in order, each deciding on
    what the ones before it wrote: one lock, one COMMIT for all (the completions of a fork's
    branches that end together, services/completing.py). Options `project_id`, `edit`,
    `show`, `unless_idle_items` are not taken here; each event's others are its own. One
    `Applied` per event, in their order."""
    return list(svc.db.retrying(_together, svc, execution_id, events))


def _together(
    svc: Services, execution_id: str, events: list[tuple[engine.Event, Options]]
) -> list[Applied]:
    action_ids = tuple(dict.fromkeys(a for _, opts in events for a in opts.action_ids))
    whole = tuple(dict.fromkeys(t for event, opts in events for t in _tasks_of(event, opts)))
    with svc.db.write(begin=False) as session:
        locked = records.lock_execution(
            session, execution_id, action_ids, tasks=True, begin=True, whole=whole
        )
        if locked is None:
            return [Applied() for _ in events]
        stored = snapshots.snapshot(svc, session, locked)
        last = len(events) - 1
        # `snapshots.write` leaves `stored` as it wrote it: the next event decides on that.
        return [
            decide_on(svc, session, stored, event, opts, last=n == last)
            for n, (event, opts) in enumerate(events)
        ]


def _tasks_of(event: engine.Event | None, opts: Options) -> tuple[str, ...]:
    """The tasks an event is about, whose large values its decision uses."""
    own = getattr(event, "task_execution_id", None)
    return (*opts.task_ids, own) if isinstance(own, str) else opts.task_ids


def decide_on(
    svc: Services,
    session: Session,
    stored: snapshots.StoredSnapshot,
    event: engine.Event,
    opts: Options = Options(),
    *,
    last: bool = False,
) -> Applied:
    """The decision inside `apply_event`'s transaction, on the locked execution's records:
    decide, then write (`last`: nothing follows in the transaction, the write may commit it).
    Also called by the one transaction that creates an execution (`snapshots.new_snapshot`:
    its row was added in this transaction, so it has no task to read and nobody else sees it
    yet)."""
    if opts.task_actions:
        stored.actions.update(records.actions_of_task(session, opts.task_actions))
    if opts.item_results and _still_running(stored, opts.item_results):
        stored.actions.update(records.item_results(session, opts.item_results))
    snap, commands = snapshots.decide(svc, session, stored, event, stored.execution.project_id)
    applied = Applied(commands=commands)
    extra: dict[str, dict[str, Any]] = {}
    if opts.claimant:
        applied.claimed = _claim_kept(svc, snap, commands, opts.claimant, extra, opts.keep)
    snapshots.write(svc, session, stored, snap, extra, last=last)
    return applied


def _still_running(stored: snapshots.StoredSnapshot, task_id: str) -> bool:
    """Whether the task is still RUNNING: its item results are read only then (an
    ItemsCompleted for a task already completed, which lanes ending together may each send,
    changes nothing and need not read ten thousand results to find that out)."""
    return any(t.id == task_id and t.state == "RUNNING" for t in stored.tasks)


def _claim_kept(
    svc: Services,
    snap: engine.Snapshot,
    commands: list[engine.Command],
    claimant: str,
    extra: dict[str, dict[str, Any]],
    keep: int,
) -> list[Action]:
    """Have the first `keep` new default-queue actions stored claimed by `claimant` (their
    `extra` columns) and drop their RunActions from `commands` (in place)."""
    kept: list[Action] = []
    for command in [c for c in commands if isinstance(c, engine.RunAction) and c.queue is None]:
        action = snap.actions.get(command.action_execution_id)
        if len(kept) == keep or not isinstance(action, Action):
            break  # (the engine's RunAction is always for an action of its snapshot)
        commands.remove(command)
        extra[action.id] = {"worker": claimant, "heartbeat_at": svc.now()}
        kept.append(action)
    return kept
