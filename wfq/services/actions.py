"""Running one action execution on a worker: claim it, run it, report its result."""

from __future__ import annotations

import functools
import json
import logging
import os
import socket
import time
from dataclasses import dataclass
from typing import Any

from wfq import storable
from wfq.actions.base import ActionContext, Wait
from wfq.dispatch import names
from wfq.engine.adhoc import apply_output
from wfq.errors import ActionFailed
from wfq.logging_setup import bind, log_context
from wfq.persistence.models import ActionExecution
from wfq.persistence.repositories import executions as repo
from wfq.services import completing, dynamic_actions, heartbeat, item_results, waits
from wfq.services.context import Services
from wfq.services.items import complete_items, finish_items_check, more_items
from wfq.states import State

log = logging.getLogger("wfq.actions")

EAGER_RUNS = 100
EAGER_SECONDS = 10.0
EAGER_BRANCHES = 16
"""One worker message runs at most EAGER_RUNS actions back to back (see `run_action`), and
keeps no further one once it has run for EAGER_SECONDS: a long chain or a loop gives the worker's
other messages their turn, and a warm shutdown waits for one action, not for a whole chain.
A transition keeps at most EAGER_BRANCHES of the default-queue actions it starts for the worker
that ran it (a fork's branches, run in its other slots); the others are sent, so that a wide fork
is shared with the other workers."""


_name: tuple[int, str] = (0, "")


def worker_name() -> str:
    """This process as an action's claimant: host and pid, made again in a process whose pid
    is not the one it was made in, because a prefork pool child imports this module in its
    parent and must not share the parent's name."""
    global _name
    pid = os.getpid()
    if _name[0] != pid:
        _name = (pid, f"{socket.gethostname()}:{pid}")
    return _name[1]


@dataclass(frozen=True, slots=True)
class Claimed:
    """What a worker needs to run an action execution it has claimed."""

    id: str
    name: str
    action: str
    input: dict[str, Any]
    context: ActionContext
    output_exprs: tuple[Any, ...] = ()
    item_index: int = -1
    queue: str | None = None
    """The task's `target` queue (None: the default queue)."""


def claim(svc: Services, action_id: str, worker: str | None = None) -> Claimed | None:
    """Mark the action execution as taken by `worker`. None when it must not run here: it is
    unknown, finished, or already taken by another worker and not `safe-rerun`.

    The usual case, an action nobody holds, is one compare-and-set statement; only a taken
    action (a redelivered message) is locked and read to see whether it is safe-rerun."""
    worker = worker or worker_name()
    now = svc.now()
    with svc.db.single_statement() as session:
        free = repo.claim_unclaimed(session, action_id, worker, now)
    if free is not None:
        return _claimed(svc, free)
    with svc.db.write() as session:
        row = repo.lock_action(session, action_id)
        if row is None or row.state != State.RUNNING:
            return None
        if row.worker and not row.runtime.get("safe_rerun"):
            return None
        return _take(svc, row, worker)


def _take(svc: Services, row: Any, worker: str) -> Claimed:
    """Record that `worker` runs this row and return what it needs to run it."""
    row.worker = worker
    row.heartbeat_at = svc.now()
    return _claimed(svc, row)


def _claimed(svc: Services, row: Any) -> Claimed:
    """What a worker needs from a claimed row (an ORM row or the claim's returned columns)."""
    rt = row.runtime or {}
    return Claimed(
        id=row.id,
        name=row.name,
        action=rt.get("action", row.name),
        input=rt.get("input", row.input),
        output_exprs=tuple(rt.get("output") or ()),
        item_index=row.item_index if rt.get("item") else -1,
        queue=rt.get("queue"),
        context=ActionContext(
            action_execution_id=row.id,
            task_execution_id=row.task_execution_id,
            workflow_execution_id=row.workflow_execution_id,
            workflow_name=row.workflow_name,
            settings=svc.settings,
        ),
    )


def _within_limit(svc: Services, claimed: Claimed, success: bool, result: Any) -> tuple[bool, Any]:
    """A result larger than `field_size_limit_kb` fails the action instead of being stored."""
    problem = storable.oversize(
        result, svc.settings.field_size_limit_kb, "ActionExecution", "output"
    )
    if problem:
        return False, f"{problem} [action={claimed.action}]"
    return success, result


def execute(svc: Services, claimed: Claimed) -> tuple[bool, Any, bool]:
    """Run the action; returns (success, result or error text, is_sync). The result is a
    `Wait` when the action only waits from now on and this process can park it (waits.py)."""
    success, result, is_sync = _run(svc, claimed)
    if isinstance(result, Wait):
        if svc.timers is not None:
            return success, result, is_sync
        time.sleep(result.seconds)
        result = result.result
    success, result = _within_limit(svc, claimed, success, result)
    return success, result, is_sync


def _run(svc: Services, claimed: Claimed) -> tuple[bool, Any, bool]:
    try:
        action = svc.registry.get(claimed.action) or _dynamic(svc, claimed)
    except Exception as exc:  # a code source that fails to load fails the action, not the worker
        return False, f"Failed to load dynamic action [action_name={claimed.action}]: {exc}", True
    if action is None:
        return False, f"Failed to find action [action_name={claimed.action}]", True
    try:
        return True, action.fn(claimed.context, **claimed.input), action.is_sync
    except ActionFailed as exc:
        # The action returned an error result: that data is the error (mistral-lib Result.error).
        return False, exc.data, True
    except Exception as exc:  # an action may raise anything; it fails the action, not the worker
        log.info("action %s [%s] raised %s", claimed.action, claimed.id, type(exc).__name__)
        label = getattr(exc, "action_repr", claimed.action)
        msg = f"The action raised an exception [action={label}, action_ex_id={claimed.id}, msg='{exc}']"
        return False, msg, True


def _dynamic(svc: Services, claimed: Claimed) -> Any:
    """A dynamic action of the action execution's project (its code source runs here)."""
    with svc.db.connection() as conn:
        row = repo.columns_by_id(conn, ActionExecution, claimed.id)
    if row is None:
        return None
    return dynamic_actions.load_action(
        svc, claimed.action, row.workflow_namespace or "", row.project_id
    )


def run_action(svc: Services, action_id: str) -> None:
    """The body of `wfq.run_action`: claim, run, complete. Safe to call twice.

    A worker taken from the default queue goes on with the next action its transition starts
    on the default queue (a chain, or one branch of a fork), up to EAGER_RUNS in a row, instead
    of sending it through the broker: the transition stores that action already claimed by
    this worker (see `completing.complete_action`). With a threads pool, the other branches of
    a fork the transition starts on the default queue (up to EAGER_BRANCHES in all) are kept
    the same way and run in the worker's other slots (`Services.spawn`)."""
    with log_context(action_execution_id=action_id):
        heartbeat.ensure_started(svc, worker_name())
        claimed = svc.db.retrying(claim, svc, action_id)
        if claimed is not None:
            heartbeat.hold(claimed.id)
            _run_chain(svc, claimed)


def _run_chain(svc: Services, first: Claimed) -> None:
    """Run a claimed action (held in the heartbeat: its first `running` block takes the hold
    over), then the next ones its transitions keep for this worker. Each kept branch beyond the
    first goes to another slot."""
    claimed: Claimed | None = first
    runs, until = 0, time.monotonic() + EAGER_SECONDS
    while claimed is not None:
        runs += 1
        eager = claimed.queue is None and runs < EAGER_RUNS and time.monotonic() < until
        with heartbeat.running(claimed.id, held=claimed is first):
            kept = _run_claimed(svc, claimed, run_here=eager)
        for branch in kept[1:]:
            _spawn_branch(svc, _claimed(svc, branch))
        claimed = _claimed(svc, kept[0]) if kept else None


def _spawn_branch(svc: Services, branch: Claimed) -> None:
    """Run a kept branch in another slot; it beats while it waits for one, and a pool that
    stops before it starts gives it back unclaimed."""
    assert svc.spawn is not None  # branches beyond the first are kept only where it is set
    heartbeat.hold(branch.id)
    undo = functools.partial(_give_back, svc, branch.id)
    svc.spawn(_run_branch, svc, branch, undo=undo)


def _run_branch(svc: Services, branch: Claimed) -> None:
    with log_context(action_execution_id=branch.id):
        _run_chain(svc, branch)


def _run_claimed(svc: Services, claimed: Claimed, run_here: bool) -> list[Any]:
    """Run a claimed action and record its result; returns the actions to run next here
    (already claimed by this worker): the first in this thread, the others in other slots."""
    bind_ids(claimed)
    success, result, is_sync = execute(svc, claimed)
    ex_id = claimed.context.workflow_execution_id
    if isinstance(result, Wait):
        waits.park(
            svc,
            claimed.id,
            result.seconds,
            functools.partial(_finish_waited, svc, claimed, result.result),
        )
        return []
    if not is_sync:
        svc.db.retrying(mark_async, svc, claimed.id)
        return []
    return completing.complete_action(
        svc,
        claimed.id,
        success,
        result,
        execution_id=ex_id,
        run_here=worker_name() if run_here and ex_id is not None else None,
        keep=EAGER_BRANCHES if svc.spawn is not None else 1,
        task_id=claimed.context.task_execution_id,
    )


def _finish_waited(svc: Services, claimed: Claimed, result: Any) -> None:
    """The wait of a parked action is over: record its result and run the transition."""
    with log_context(action_execution_id=claimed.id):
        bind_ids(claimed)
        success, value = _within_limit(svc, claimed, True, result)
        completing.complete_action(
            svc,
            claimed.id,
            success,
            value,
            execution_id=claimed.context.workflow_execution_id,
            task_id=claimed.context.task_execution_id,
        )


def bind_ids(claimed: Claimed) -> None:
    """Log records from here on name the claimed action, its task and its execution."""
    ctx = claimed.context
    bind(
        action_execution_id=claimed.id,
        task_execution_id=ctx.task_execution_id,
        execution_id=ctx.workflow_execution_id,
    )


def mark_async(svc: Services, action_id: str) -> None:
    """The action started and now waits for its result through the API: no heartbeat."""
    with svc.db.write() as session:
        row = repo.lock_action(session, action_id)
        if row is not None and row.state == State.RUNNING:
            row.runtime = {**row.runtime, "async": True}


def _finish_item_and_take_next(
    svc: Services, claimed: Claimed, success: bool, result: Any, is_sync: bool
) -> item_results.Outcome:
    """Store one item's result (without locking the workflow execution) and, in the same
    transaction, take the task's next IDLE item for this lane: through the process's item
    writer, which does so for every lane that finished meanwhile (item_results.py). An
    asynchronous item keeps its slot until its result arrives through the API
    (`item_slot_freed`): the lane ends there."""
    if not is_sync:
        svc.db.retrying(mark_async, svc, claimed.id)
        return item_results.Outcome(last=False)
    success, result = apply_output({"output": claimed.output_exprs}, success, result)
    state = (State.SUCCESS if success else State.ERROR).value
    task_id = claimed.context.task_execution_id or ""
    return item_results.writer(svc).finish(
        claimed.id, task_id, claimed.item_index, state, {"result": result}, worker_name()
    )


def run_lane(svc: Services, action_id: str, notify: bool) -> None:
    """The body of `wfq.run_items` for one lane: run with-items items until the task has none
    left to run (creating the next batch when the created ones are taken). With `notify` (no
    chord), the lane that sees every item finished sends ItemsCompleted."""
    with log_context(action_execution_id=action_id):
        heartbeat.ensure_started(svc, worker_name())
        claimed = svc.db.retrying(claim, svc, action_id)
        if claimed is not None:
            heartbeat.hold(claimed.id)
            _lane(svc, claimed, notify)


def run_lanes(svc: Services, lanes: list[str], notify: bool, queue: str | None = None) -> None:
    """The body of a `wfq.run_items` message of several lanes. Their items are claimed in one
    statement; the first runs here, the others in this process's other action slots
    (`Services.spawn`, beating while they wait for one), each reporting the task's end itself
    as the chord does not count it. A lane already claimed (a message delivered again) takes
    the slow path of `run_lane`. A process that cannot spawn (a prefork pool) sends the others
    on, one lane a message, to the message's queue."""
    if svc.spawn is None:
        for lane in lanes[1:]:
            target = queue or svc.settings.queue
            svc.publish(svc.dispatcher.send, names.RUN_ITEMS, [lane, True], queue=target)
        run_lane(svc, lanes[0], notify)
        return
    heartbeat.ensure_started(svc, worker_name())
    claimed = svc.db.retrying(_claim_lanes, svc, lanes)
    taken = {c.id for c in claimed}
    for lane in lanes:
        if lane not in taken:
            svc.spawn(run_lane, svc, lane, True)
    for other in claimed[1:]:
        undo = functools.partial(_give_back, svc, other.id)
        svc.spawn(_run_claimed_lane, svc, other, True, undo=undo)
    if claimed:
        _run_claimed_lane(svc, claimed[0], notify)


def _claim_lanes(svc: Services, lanes: list[str]) -> list[Claimed]:
    """Claim the free lanes for this process, in one statement; they beat from now on."""
    with svc.db.single_statement() as conn:
        rows = repo.claim_unclaimed_many(conn, lanes, worker_name(), svc.now())
    claimed = [_claimed(svc, row) for row in sorted(rows, key=lambda row: row.item_index)]
    for c in claimed:
        heartbeat.hold(c.id)
    return claimed


def _give_back(svc: Services, action_id: str) -> None:
    """A claimed action or lane that this process will not start after all (its pool stopped
    first): unclaimed, it is the integrity check's to send again, to a live worker."""
    try:
        with svc.db.single_statement() as conn:
            repo.unclaim(conn, action_id, worker_name())
    except Exception:  # the heartbeat check fails or reruns it instead, as for a lost worker
        log.warning("could not give back the unstarted action %s", action_id, exc_info=True)
    finally:
        heartbeat.release(action_id)


def _run_claimed_lane(svc: Services, claimed: Claimed, notify: bool) -> None:
    with log_context(action_execution_id=claimed.id):
        _lane(svc, claimed, notify)


def _lane(svc: Services, first: Claimed, notify: bool) -> None:
    """Run the lane's claimed item, then the task's next ones. The first item comes held in
    the heartbeat (`heartbeat.hold` at its claim); its `running` block takes the hold over."""
    claimed: Claimed | None = first
    task_id = first.context.task_execution_id or ""
    ended = item_results.Outcome()
    while claimed is not None:
        with heartbeat.running(claimed.id, held=claimed is first):
            if _park_if_waiting(svc, claimed, (result := _execute_item(svc, claimed))):
                return  # the wake-up goes on with the lane
            ended = _finish_item_and_take_next(svc, claimed, *result)
        last, claimed = claimed.item_index, _claimed_or_none(svc, ended.next_row)
        if claimed is None and ended.more_to_create:
            claimed = _claim_from_next_batch(svc, task_id, last)
            ended = item_results.Outcome()  # whether the task is done: not known
    if notify and task_id:
        _report_end(svc, task_id, ended)


def _execute_item(svc: Services, claimed: Claimed) -> tuple[bool, Any, bool]:
    bind_ids(claimed)
    return execute(svc, claimed)


def _park_if_waiting(svc: Services, claimed: Claimed, ran: tuple[bool, Any, bool]) -> bool:
    """Park an item whose action only waits from now on (its wake-up goes on with the lane)."""
    result = ran[1]
    if not isinstance(result, Wait):
        return False
    waits.park_together(
        svc,
        claimed.context.task_execution_id or claimed.id,
        claimed.id,
        result.seconds,
        (claimed, result.result),
        functools.partial(_continue_lanes, svc),
    )
    return True


def _claimed_or_none(svc: Services, row: Any) -> Claimed | None:
    return _claimed(svc, row) if row is not None else None


def _report_end(svc: Services, task_id: str, ended: item_results.Outcome) -> None:
    """A lane outside the chord ended: complete the task when its last item was this lane's
    (the item writer counted), or count now when that is not known."""
    if ended.last is None:
        finish_items_check(svc, task_id)
    elif ended.last:
        complete_items(svc, task_id)


def _continue_lanes(svc: Services, entries: list[tuple[Claimed, Any]]) -> None:
    """Waiting items of one task are over: store their results and hand as many of the task's
    next items to the action slots, one lane message each (this runs on the engine lane, which
    runs no action), in one transaction. These lanes now report the task's end themselves, as
    they may have left a chord that counted them finished."""
    task_id = entries[0][0].context.task_execution_id or ""
    taken = svc.db.retrying(_finish_items_and_release_next, svc, task_id, entries)
    while len(taken) < len(entries) and more_items(svc, task_id):
        # The created items are all taken: the next batch is created now; take from it.
        with svc.db.write() as session:
            rows = repo.take_idle_items(
                session, task_id, -1, len(entries) - len(taken), None, svc.now()
            )
        taken += [_claimed(svc, row) for row in rows]
    for nxt in taken:
        svc.publish(
            svc.dispatcher.send,
            names.RUN_ITEMS,
            [nxt.id, True],
            queue=nxt.queue or svc.settings.queue,
        )
    if not taken:
        finish_items_check(svc, task_id)


def _finish_items_and_release_next(
    svc: Services, task_id: str, entries: list[tuple[Claimed, Any]]
) -> list[Claimed]:
    now = svc.now()
    results: dict[str, tuple[str, Any, list[str]]] = {}  # same state and result: one statement
    for claimed, result in entries:
        state, output = _item_outcome(svc, claimed, result)
        key = state + json.dumps(output, sort_keys=True, default=str)
        results.setdefault(key, (state, output, []))[2].append(claimed.id)
    with svc.db.write() as session:
        for state, output, ids in results.values():
            repo.finish_running_actions(session, ids, state, output, now)
        after = min(claimed.item_index for claimed, _ in entries)
        rows = repo.take_idle_items(session, task_id, after, len(entries), None, now)
        return [_claimed(svc, row) for row in rows]


def _item_outcome(svc: Services, claimed: Claimed, result: Any) -> tuple[str, Any]:
    """The state and output of an item that ended with `result` (its output transform applied)."""
    success, result = apply_output({"output": claimed.output_exprs}, True, result)
    success, result = _within_limit(svc, claimed, success, result)
    return (State.SUCCESS if success else State.ERROR).value, {"result": result}


def _claim_from_next_batch(svc: Services, task_id: str, after_index: int) -> Claimed | None:
    """The created items are all taken: have the next batch created (if the task still runs
    and has items left to create) and claim one of it."""
    while more_items(svc, task_id):
        nxt = svc.db.retrying(_take_created, svc, task_id)
        if nxt is not None:
            return _claimed(svc, nxt)
    return None


def _take_created(svc: Services, task_id: str) -> Any:
    with svc.db.write() as session:
        return repo.take_idle_item(session, task_id, -1, worker_name(), svc.now())
