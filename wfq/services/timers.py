"""The engine lane of a worker process: a clock and a few threads of its own.

One timer thread keeps a heap of callbacks by due time and hands each, when due, to a small
pool of threads (`worker_engine_slots`). Two kinds of work go through it: the wake-up of an
action that only waits (std.sleep: it holds no action slot meanwhile, see services/actions.py)
and the engine messages of the worker (due timers, with-items callbacks; workers/engine_lane.py).
Neither ever queues behind an action: action slots are separate threads.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

log = logging.getLogger("wfq.timers")


@dataclass(order=True)
class _Entry:
    due: float
    seq: int
    fn: Callable[[], object] = field(compare=False)
    drain: bool = field(compare=False, default=True)


class Timers:
    """Runs callbacks at a monotonic due time on `threads` threads of their own."""

    def __init__(self, threads: int = 4, name: str = "wfq-engine") -> None:
        self._heap: list[_Entry] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._stopping = False
        self._pending = 0  # entries that a warm shutdown waits for (queued or running)
        self._pool = ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix=name)
        self._thread = threading.Thread(target=self._loop, name=f"{name}-clock", daemon=True)
        self._thread.start()

    def call_at(self, due: float, fn: Callable[[], object], *, drain: bool = True) -> None:
        """Run `fn` once `time.monotonic()` reaches `due`. With `drain`, `stop()` waits for it;
        without, a stopping process drops it (its owner gets it back some other way: an
        unacknowledged message returns to the broker)."""
        with self._cond:
            if drain:
                self._pending += 1
            heapq.heappush(self._heap, _Entry(due, next(self._seq), fn, drain))
            self._cond.notify()

    def submit(self, fn: Callable[[], object], *, drain: bool = True) -> None:
        """Run `fn` as soon as an engine thread is free."""
        self.call_at(0.0, fn, drain=drain)

    def waiting(self) -> int:
        """Entries not run yet (due later, or waiting for a thread)."""
        with self._cond:
            return len(self._heap)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._stopping and (
                    not self._heap or self._heap[0].due > time.monotonic()
                ):
                    timeout = self._heap[0].due - time.monotonic() if self._heap else None
                    self._cond.wait(timeout)
                if self._stopping and not any(e.drain for e in self._heap):
                    return
                if self._heap[0].due > time.monotonic():
                    self._cond.wait(self._heap[0].due - time.monotonic())
                    continue
                entry = heapq.heappop(self._heap)
            self._pool.submit(self._run, entry)

    def _run(self, entry: _Entry) -> None:
        try:
            entry.fn()
        except Exception:  # one failing callback must not stop the lane
            log.exception("engine lane callback failed")
        finally:
            if entry.drain:
                with self._cond:
                    self._pending -= 1
                    self._cond.notify_all()

    def stop(self, timeout: float | None = None) -> bool:
        """Drop the entries that need not drain, run the others when due, then stop the
        threads. Returns False when `timeout` ran out first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            self._stopping = True
            self._heap = [e for e in self._heap if e.drain]
            heapq.heapify(self._heap)
            self._cond.notify_all()
            while self._pending > 0:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(left)
        self._pool.shutdown(wait=True)
        return True
