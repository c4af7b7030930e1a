"""Action heartbeats: one thread per worker process refreshes `heartbeat_at` of the actions
this process is running, so the integrity check can tell a slow action from a lost worker.

Only actions registered with `running()` are refreshed, not every row that names this process:
an action whose result could not be stored (the database stayed away longer than the retry
budget) must stop beating, so that the integrity check fails it, or reruns it when it is
safe-rerun, instead of it staying RUNNING forever behind a live process."""

from __future__ import annotations

import collections
import contextlib
import logging
import threading
from collections.abc import Iterator

from wfq.persistence.db import Database
from wfq.persistence.repositories import executions as repo
from wfq.services.context import Services

log = logging.getLogger("wfq.heartbeat")


class Heartbeat:
    """Refreshes the heartbeats of `worker`'s RUNNING actions every `heartbeat_interval_s`, on
    a database connection of its own: a beat never queues behind the transitions of a busy
    process, where a late beat would make its actions look lost."""

    def __init__(self, svc: Services, worker: str) -> None:
        self.svc = svc
        self.db = Database(svc.db.url, outage_s=svc.db.outage_s, pool_size=1)
        self.worker = worker
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="wfq-heartbeat", daemon=True)

    def start(self) -> Heartbeat:
        self.thread.start()
        return self

    def beat(self) -> int:
        """One refresh; returns how many actions it touched."""
        with _lock:
            ids = sorted(_running)
        if not ids:
            return 0
        with self.db.write() as session:
            return repo.touch_heartbeats(session, self.worker, ids, self.svc.now())

    def _loop(self) -> None:
        while not self.stopping.wait(self.svc.settings.heartbeat_interval_s):
            try:
                self.beat()
            except Exception:  # the database may be briefly away; the next beat tries again
                log.warning("heartbeat failed", exc_info=True)

    def stop(self) -> None:
        self.stopping.set()


_started: dict[tuple[int, str], Heartbeat] = {}
_running: collections.Counter[str] = collections.Counter()
_lock = threading.Lock()


def hold(action_id: str) -> None:
    """Beat for `action_id` until as many `release` calls as `hold` calls were made (a waiting
    action is held by its wake-up after the thread that ran it let go)."""
    with _lock:
        _running[action_id] += 1


def release(action_id: str) -> None:
    with _lock:
        _running[action_id] -= 1
        if _running[action_id] <= 0:
            del _running[action_id]


@contextlib.contextmanager
def running(action_id: str, *, held: bool = False) -> Iterator[None]:
    """Beat for `action_id` while the block runs (it claims, runs and reports the action).
    `held`: the caller holds it already (claimed before a thread took it up): the block takes
    that hold over and lets it go at its end."""
    if not held:
        hold(action_id)
    try:
        yield
    finally:
        release(action_id)


def ensure_started(svc: Services, worker: str) -> None:
    """Start this process's heartbeat thread once (per Services object and process)."""
    key = (id(svc), worker)
    if key in _started:
        return
    with _lock:
        if key not in _started:
            _started[key] = Heartbeat(svc, worker).start()
