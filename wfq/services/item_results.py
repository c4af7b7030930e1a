"""with-items results stored together (group commit).

A lane that finished an item hands the result to its process's writer and waits; the writer
stores every result handed in meanwhile and takes the next IDLE items for those lanes in one
transaction, then wakes them. The batch is what arrived while the previous one was written, so
a lone lane waits for one transaction as before, and a thousand lanes whose slow calls end
together share a few: on PostgreSQL one round trip per batch (BEGIN, the results' UPDATEs, one
`UPDATE ... RETURNING` per task for the next items and COMMIT, pipelined) instead of two
statements per item. See docs/architecture.md, "with-items".

A result handed in but not yet written when the process dies is lost with it, as when it dies
between an action's end and its UPDATE: the item stays RUNNING, claimed by a worker whose
heartbeat stopped, and the integrity check fails it or, `safe-rerun`, runs it again.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from wfq.persistence import records
from wfq.services.context import Services
from wfq.services.items import has_items_to_create, unfinished_items

log = logging.getLogger("wfq.items")

MAX_BATCH = 500
"""Results written in one transaction at most."""
IDLE_STOP_S = 60.0
"""A writer that had nothing to write for this long stops its thread (the next result starts
another)."""


@dataclass(slots=True)
class Outcome:
    """What the writer found for a lane after storing its item's result."""

    next_row: Any = None
    """The claim columns of the task's next item, taken for this lane (None: none was IDLE)."""
    more_to_create: bool = False
    """No item was IDLE, but the task has items still to create."""
    last: bool | None = None
    """True for one lane of the batch when no item of the task is left unfinished: that lane
    completes the task (the others are told False). None: not known."""


@dataclass(slots=True)
class _Handed:
    """One lane's finished item, waiting for the writer."""

    action_id: str
    task_id: str
    item_index: int
    state: str
    output: Any
    worker: str
    done: threading.Event = field(default_factory=threading.Event)
    outcome: Outcome = field(default_factory=Outcome)
    error: BaseException | None = None


class ItemWriter:
    """The writer of one process's item results (a thread of its own, started on first use and
    stopped after IDLE_STOP_S without results)."""

    def __init__(self, svc: Services, key: tuple[int, int]) -> None:
        self.svc, self.key, self.closed = svc, key, False
        self.handed: queue.SimpleQueue[_Handed] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._loop, name="wfq-item-results", daemon=True)
        self.thread.start()

    def finish(
        self,
        action_id: str,
        task_id: str,
        item_index: int,
        state: str,
        output: Any,
        worker: str,
    ) -> Outcome:
        """Store the item's result and take the task's next IDLE item for this lane (as
        `worker`).

        Raises:
            Unavailable: the database stayed away longer than the retry budget.
        """
        entry = _Handed(action_id, task_id, item_index, state, output, worker)
        with _lock:
            if self.closed:  # this writer stopped as idle: its successor takes the result
                return writer(self.svc).finish(
                    action_id, task_id, item_index, state, output, worker
                )
            self.handed.put(entry)
        entry.done.wait()
        if entry.error is not None:
            raise entry.error
        return entry.outcome

    def _loop(self) -> None:
        while True:
            try:
                batch = [self.handed.get(timeout=IDLE_STOP_S)]
            except queue.Empty:
                with _lock:
                    if self.handed.empty():  # a result is put under the same lock
                        self.closed = True
                        _writers.pop(self.key, None)
                        return
                continue
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self.handed.get_nowait())
                except queue.Empty:
                    break
            try:
                idle = self.svc.db.retrying(self._write, batch)
                self._tell_last(self._ran_out(idle))
            except BaseException as exc:  # every waiting lane gets it, as if it had written
                for entry in batch:
                    entry.error = exc
            finally:
                for entry in batch:
                    entry.done.set()

    def _write(self, batch: list[_Handed]) -> list[tuple[str, list[_Handed]]]:
        """Store the batch's results and hand each lane its task's next IDLE item, in one
        transaction (on PostgreSQL, one round trip); returns the tasks some of whose lanes
        found none, with those lanes."""
        now = self.svc.now()
        by_task: dict[str, list[_Handed]] = defaultdict(list)
        for entry in batch:
            entry.outcome = Outcome()
            by_task[entry.task_id].append(entry)
        for entries in by_task.values():
            entries.sort(key=lambda e: e.item_index)
        results = [(e.action_id, e.state, e.output) for e in batch]
        takes: list[records.Take] = [
            (task_id, entries[0].item_index, len(entries), entries[0].worker)
            for task_id, entries in by_task.items()
        ]
        with self.svc.db.write(begin=False) as session:
            taken = records.finish_and_take(session, results, takes, now)
        idle = []
        for (task_id, entries), rows in zip(by_task.items(), taken, strict=True):
            for entry, row in zip(entries, rows, strict=False):
                entry.outcome.next_row = row
            if len(rows) < len(entries):
                idle.append((task_id, entries[len(rows) :]))
        return idle

    def _ran_out(self, idle: list[tuple[str, list[_Handed]]]) -> list[tuple[str, list[_Handed]]]:
        """Tell the lanes left without an item whether their task has items still to create
        (read after the commit, retried on its own: the transaction is not run twice); returns
        the tasks that have none, with those lanes."""
        ran_out = []
        for task_id, entries in idle:
            more = self.svc.db.retrying(has_items_to_create, self.svc, task_id)
            for entry in entries:
                entry.outcome.more_to_create = more
            if not more:
                ran_out.append((task_id, entries))
        return ran_out

    def _tell_last(self, ran_out: list[tuple[str, list[_Handed]]]) -> None:
        """Count, after the commit (so that of two processes storing a task's last results at
        once, the later sees both), whether each task has unfinished items; when none, one lane
        completes the task."""
        for task_id, idle in ran_out:
            done = self.svc.db.retrying(unfinished_items, self.svc, task_id) == 0
            for n, entry in enumerate(idle):
                entry.outcome.last = done and n == 0


_writers: dict[tuple[int, int], ItemWriter] = {}
_lock = threading.RLock()


def writer(svc: Services) -> ItemWriter:
    """This process's writer for `svc` (one per Services object and process: a forked child
    starts its own)."""
    key = (id(svc), os.getpid())
    found = _writers.get(key)
    if found is not None:
        return found
    with _lock:
        if key not in _writers:
            _writers[key] = ItemWriter(svc, key)
        return _writers[key]
