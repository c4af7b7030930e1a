"""with-items tasks between their lanes: have the next batch of items created, give a freed
slot to the next item, and complete the task once every item has its result."""

from __future__ import annotations

import threading

from wfq.dispatch import names
from wfq.engine import ItemsCompleted, ItemsWanted
from wfq.persistence.repositories import executions as repo
from wfq.persistence.repositories import items as items_repo
from wfq.services.context import Services
from wfq.services.continuing import continue_execution
from wfq.states import State, change

ASK_WAIT_S = 60.0
"""Longest a lane waits for another lane of its process that is having a batch created."""

_asking: dict[str, threading.Event] = {}
_asking_lock = threading.Lock()


def more_items(svc: Services, task_id: str) -> bool:
    """Have the task's next batch of items created; False when it has none left to create (or
    no longer runs). Several lanes may ask at once: in one process, the first asks (one
    transition) and the others wait for it, then look again (True); across processes, the
    first creates the batch and the others find it there.

    Why: when a thousand slow calls end together, a thousand lanes find no item left; each
    asking would be a thousand transitions on the locked execution, all but one creating
    nothing."""
    with _asking_lock:
        asking = _asking.get(task_id)
        if asking is None:
            _asking[task_id] = threading.Event()
    if asking is not None:
        asking.wait(ASK_WAIT_S)
        return True
    try:
        if not svc.db.retrying(has_items_to_create, svc, task_id):
            return False
        continue_execution(svc, ItemsWanted(task_id).to_dict())
        return True
    finally:
        with _asking_lock:
            _asking.pop(task_id).set()


def has_items_to_create(svc: Services, task_id: str) -> bool:
    """Whether the task still runs and has items the engine has not created yet."""
    with svc.db.read() as session:
        return items_repo.has_items_to_create(session, task_id)


def unfinished_items(svc: Services, task_id: str) -> int:
    """How many items of the task are not finished (IDLE or RUNNING)."""
    with svc.db.read() as session:
        return repo.count_unfinished_items(session, task_id)


def item_slot_freed(svc: Services, task_id: str) -> None:
    """An item in flight ended outside a lane (an asynchronous item's result came through the
    API, or its worker was lost): start a lane on the task's next item, or, with none left to
    run, complete the task if every item has its result."""
    while True:
        if restart_lanes(svc, task_id, 1):
            return
        if not more_items(svc, task_id):
            break
    finish_items_check(svc, task_id)


def _claim_idle(svc: Services, task_id: str) -> tuple[str, str] | None:
    """Mark the task's next IDLE item RUNNING for a new lane: (its id, its queue)."""
    with svc.db.write() as session:
        row = repo.claim_idle_item(session, task_id)
        if row is None:
            return None
        change(row, State.RUNNING)
        row.created_at = svc.now()
        return row.id, row.runtime.get("queue") or svc.settings.queue


def restart_lanes(svc: Services, task_id: str, lanes: int) -> int:
    """Start up to `lanes` lanes on the task's IDLE items (the integrity check, for a task whose
    lanes all ended while items wait); returns how many started."""
    started = 0
    while started < lanes:
        claimed = svc.db.retrying(_claim_idle, svc, task_id)
        if claimed is None:
            break
        lane, queue = claimed
        svc.publish(svc.dispatcher.send, names.RUN_ITEMS, [lane, True], queue=queue)
        started += 1
    return started


def finish_items_check(svc: Services, task_id: str) -> None:
    """Send ItemsCompleted when no item of the task is left unfinished."""
    if svc.db.retrying(unfinished_items, svc, task_id) == 0:
        complete_items(svc, task_id)


def complete_items(svc: Services, task_id: str) -> None:
    """Every item of the task has its result: complete the task (a duplicate is harmless)."""
    continue_execution(svc, ItemsCompleted(task_id).to_dict())
