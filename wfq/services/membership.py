"""Which wfq processes are alive (`GET /v2/services`): each process registers its roles in the
`service_members` table when it starts, refreshes a heartbeat every `service_heartbeat_s`, and
deletes its rows when it stops. A process that died stops beating: it is no longer listed once
its heartbeat is older than `service_timeout_s`, and its rows are pruned then.

Roles use Mistral's coordination group names: api_group, engine_group, executor_group,
event_engine_group, plus scheduler_group for `wfq beat` (Mistral has no such process).
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import os
import socket
import threading
from typing import Any

from wfq import fields as described
from wfq.persistence.db import Database
from wfq.persistence.repositories import members as repo
from wfq.services.context import Services, utcnow
from wfq.settings import Settings

log = logging.getLogger("wfq.services")

API = "api_group"
ENGINE = "engine_group"
EXECUTOR = "executor_group"
SCHEDULER = "scheduler_group"
EVENT_ENGINE = "event_engine_group"
WORKER_ROLES = (ENGINE, EXECUTOR)
"""A wfq worker runs actions (Mistral's executor) and engine transitions (Mistral's engine)."""


def member_name() -> str:
    """This process as Mistral names a member: `<host>_<pid>` (read when called: a forked
    child must not take its parent's name)."""
    return f"{socket.gethostname()}_{os.getpid()}"


class Membership:
    """The registration of this process in its roles, kept alive by a heartbeat thread."""

    def __init__(
        self, settings: Settings, roles: tuple[str, ...], db: Database | None = None
    ) -> None:
        self.settings = settings
        self.roles = roles
        self._db = db
        self._own_db = db is None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.name = member_name()

    def _rows(self) -> dict[str, dict[str, Any]]:
        host, pid = socket.gethostname(), os.getpid()
        fields = {"name": self.name, "host": host, "pid": pid}
        return {f"{role}/{self.name}": {**fields, "type": role} for role in self.roles}

    def beat(self) -> None:
        """Register or refresh every role of this process (one transaction)."""
        db = self._database()
        now = utcnow()
        with db.write() as session:
            for row_id, fields in self._rows().items():
                repo.beat(session, row_id, fields, now)
        if self._own_db:
            db.dispose()  # no connection stays open for a forked child to inherit

    def start(self) -> Membership:
        """Register now and keep beating in a daemon thread until `stop()` (or exit)."""
        self.name = member_name()
        try:
            self.beat()
        except Exception:  # the database may come later; the thread keeps trying
            log.warning("could not register %s as %s yet", self.name, ",".join(self.roles))
        self._thread = threading.Thread(target=self._loop, name="wfq-membership", daemon=True)
        self._thread.start()
        atexit.register(self.stop)
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.settings.service_heartbeat_s):
            try:
                self.beat()
            except Exception:  # a database outage: the next beat tries again
                log.warning("service heartbeat of %s failed", self.name, exc_info=True)

    def stop(self) -> None:
        """Stop beating and remove this process's rows (it is no longer a live service)."""
        if self._stop.is_set():
            return
        self._stop.set()
        try:
            with self._database().write() as session:
                repo.leave(session, list(self._rows()))
        except Exception:  # the rows age out after service_timeout_s anyway
            log.warning("could not deregister %s", self.name)
        if self._own_db and self._db is not None:
            self._db.dispose()

    def _database(self) -> Database:
        if self._db is None:
            self._db = Database.from_settings(self.settings)
        return self._db


def list_services(svc: Services) -> list[dict[str, Any]]:
    """The live members (`name`, `type`), pruning the ones whose heartbeat timed out."""
    cutoff = svc.now() - dt.timedelta(seconds=svc.settings.service_timeout_s)
    with svc.db.write() as session:
        repo.prune(session, cutoff)
        rows = repo.live(session, cutoff)
        return [described.view(described.SERVICE, r) for r in rows]
