"""Engines and transactions. `Database.write()` is the only way to change state.

On PostgreSQL a write transaction is an ordinary transaction (its BEGIN is explicit: the pooled
connections are in autocommit, so reads and single statements cost no BEGIN/ROLLBACK round trips)
and callers lock the rows they change (`SELECT ... FOR UPDATE`). SQLite has one writer at a time,
so a write transaction starts with `BEGIN IMMEDIATE`: it takes the database write lock up front
and never deadlocks on upgrade.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

# Session is also the type the services name (they import it from here, not from SQLAlchemy).
from sqlalchemy.orm import Session, sessionmaker

from wfq.errors import Unavailable
from wfq.persistence.models import ActionExecution, TaskExecution, WorkflowExecution
from wfq.settings import Settings
from wfq.types import cap_text

DuplicateRow = IntegrityError
"""Raised on a unique constraint violation (re-exported so services need not import sqlalchemy)."""

CONFLICT_PG_CODES = {"40001", "40P01"}
"""Serialization failure and deadlock: the transaction may simply run again."""
OUTAGE_PG_CODES = {"57P01", "57P02", "57P03"}
"""Admin shutdown, crash shutdown, cannot connect now (the server is restarting)."""


POOL_WAIT_S = 600.0
"""How long a thread waits for a free connection of its process's pool. A worker has far more
threads than connections (docs/architecture.md, "Workers"): under a burst, or while the
database is slow to commit, a slot waits its turn like a message waits in a queue, rather than
failing the work it holds after a short timeout."""


def _pool(size: int) -> dict[str, Any]:
    """A fixed pool of `size` connections; a thread that finds all busy waits its turn."""
    return {"pool_size": size, "max_overflow": 0, "pool_timeout": POOL_WAIT_S}


def _sqlite_engine(url: str, begin: str, pool: dict[str, Any]) -> Engine:
    opts = pool if ":memory:" not in url and url.rstrip("/") != "sqlite:" else {}
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 60}, **opts)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA busy_timeout=60000")
        _use_wal(cur)
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine


def _use_wal(cur: Any, wait_s: float = 60.0) -> None:
    """Put the database file in WAL mode. Switching takes an exclusive lock that SQLite's busy
    handler does not wait for: a connection opened while another (of this process or another,
    e.g. a start-up's many threads on a fresh file) holds a lock is refused "database is
    locked" at once. So retry until the file is in WAL mode (a no-op from then on)."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _postgresql_engine(url: str, echo: bool, pool: dict[str, Any]) -> Engine:
    # Connections stay in autocommit, so a read or a single statement is one round trip (no
    # BEGIN, no ROLLBACK); a write transaction begins explicitly (`Database.write`), as on
    # SQLite. Switching a pooled connection between the two modes per checkout would cost
    # round trips of its own. No pool_pre_ping: it costs a round trip per checkout, and a
    # connection lost meanwhile is retried by `retrying` (connection_invalidated).
    # No event listener either: an engine with any listener runs SQLAlchemy's event dispatch
    # around every statement, a seventh of a small statement's CPU.
    return create_engine(url, echo=echo, isolation_level="AUTOCOMMIT", **pool)


class _StateInfoCap:
    """Before each flush: cut every `state_info` (execution, task, action execution) longer than
    the limit, and the error text of a failed execution's output with it, so no error text,
    however it was built, can pass the database's limits (PostgreSQL's jsonb: 256 MB)."""

    def __init__(self, limit: int) -> None:
        self.limit = max(limit, 200)

    def __call__(self, session: Session, context: Any, instances: Any) -> None:
        for row in (*session.new, *session.dirty):
            if not isinstance(row, (WorkflowExecution, TaskExecution, ActionExecution)):
                continue
            info = row.state_info
            if isinstance(info, str) and len(info) > self.limit:
                row.state_info = cap_text(info, self.limit)
            if isinstance(row, WorkflowExecution) and row.state == "ERROR":
                self._cap_output(row)

    def _cap_output(self, row: WorkflowExecution) -> None:
        output = row.output
        result = output.get("result") if isinstance(output, dict) else None
        if isinstance(result, str) and len(result) > self.limit:
            row.output = {**output, "result": cap_text(result, self.limit)}


class Database:
    """Owns the SQLAlchemy engines of one process and hands out transactions."""

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        outage_s: float = 60.0,
        pool_size: int = 10,
        state_info_max_kb: int = 16,
    ) -> None:
        self.url = url
        self.outage_s = outage_s
        self.state_info_max = max(1, state_info_max_kb) * 1024
        """Longest `state_info` stored, in characters (longer ones are cut)."""
        self.is_sqlite = url.startswith("sqlite")
        pool = _pool(pool_size)
        if self.is_sqlite:
            self.engine = _sqlite_engine(url, "BEGIN", pool)
            self._write_engine = _sqlite_engine(url, "BEGIN IMMEDIATE", pool)
        else:
            self.engine = _postgresql_engine(url, echo, pool)
            self._write_engine = self.engine
        self._read = sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self._write = sessionmaker(self._write_engine, expire_on_commit=False, autoflush=False)
        event.listen(self._write, "before_flush", _StateInfoCap(self.state_info_max))

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        """The database named by `settings.database_url`."""
        return cls(
            settings.database_url,
            outage_s=settings.database_outage_s,
            pool_size=settings.database_pool_size,
            state_info_max_kb=settings.state_info_max_kb,
        )

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session; the rows read stay usable after it closes (detached, attributes
        loaded). On PostgreSQL each statement runs by itself (autocommit) and sees what was
        committed before it began, which is what READ COMMITTED gives inside a transaction too.

        Raises:
            Unavailable: the database could not be reached.
        """
        with self._unreachable_as_unavailable(), self._read() as session:
            yield session

    @contextlib.contextmanager
    def connection(self) -> Iterator[Connection]:
        """A plain connection for Core reads (no ORM session to build and close): on
        PostgreSQL each statement runs by itself, in autocommit.

        Raises:
            Unavailable: the database could not be reached.
        """
        with self._unreachable_as_unavailable(), self.engine.connect() as conn:
            yield conn

    @contextlib.contextmanager
    def write(self, *, begin: bool = True) -> Iterator[Session]:
        """A transaction committed on success and rolled back on any exception.

        `begin=False` (PostgreSQL; SQLite ignores it): the caller's first statement begins the
        transaction itself (`records.lock_execution(begin=True)` sends BEGIN in the same round
        trip as the lock, `records.Writes.execute` with the writes when nothing began it); a
        statement before it runs in autocommit, so only reads may come first.

        Raises:
            Unavailable: the database could not be reached; nothing was committed, unless the
                connection broke during COMMIT itself (then the caller cannot know, which is why
                every state change in wfq is idempotent).
        """
        with self._unreachable_as_unavailable(), self._write() as session, session.begin():
            if begin and not self.is_sqlite:
                # The pooled connection is in autocommit: open the transaction (SQLite's
                # engine sends its BEGIN IMMEDIATE itself).
                session.connection().exec_driver_sql("BEGIN")
            yield session

    @contextlib.contextmanager
    def single_statement(self) -> Iterator[Connection]:
        """A plain connection for one statement that is atomic by itself (an `UPDATE ...
        RETURNING`): no ORM session to build and close, a third of such a statement's CPU.
        PostgreSQL runs it in autocommit, without the BEGIN and COMMIT round trips; SQLite,
        whose autocommit would not survive its `BEGIN IMMEDIATE` hook, in a write transaction.

        Raises:
            Unavailable: the database could not be reached.
        """
        engine = self._write_engine if self.is_sqlite else self.engine
        with self._unreachable_as_unavailable(), engine.begin() as conn:
            yield conn

    @contextlib.contextmanager
    def _unreachable_as_unavailable(self) -> Iterator[None]:
        try:
            yield
        except PoolTimeout as exc:
            raise Unavailable(
                f"No database connection of this process came free in {POOL_WAIT_S:g} s"
            ) from exc
        except DBAPIError as exc:
            if not self._is_outage(exc):
                raise
            raise Unavailable(
                f"The database is unavailable, try again later [error={exc.orig}]"
            ) from exc

    def retrying(self, fn: Any, *args: Any, attempts: int = 5, **kwargs: Any) -> Any:
        """Run `fn(*args)` again after a deadlock or serialization failure (`attempts` times),
        and while the database is unreachable (for up to `outage_s` seconds)."""
        conflicts = 0
        give_up = time.monotonic() + self.outage_s
        delay = 0.05
        while True:
            try:
                return fn(*args, **kwargs)
            except Unavailable:
                if time.monotonic() + delay > give_up:
                    raise
            except (OperationalError, DBAPIError) as exc:
                conflicts += 1
                if conflicts >= attempts or not self._is_conflict(exc):
                    raise
            time.sleep(delay)
            delay = min(delay * 2, 1.0)

    def _is_conflict(self, exc: DBAPIError) -> bool:
        """Two transactions collided: running again may succeed at once."""
        if self.is_sqlite:
            return "locked" in str(exc.orig)
        return _sqlstate(exc) in CONFLICT_PG_CODES

    def _is_outage(self, exc: DBAPIError) -> bool:
        """The server is away: the connection broke, or none could be opened."""
        if exc.connection_invalidated:
            return True
        if self.is_sqlite or not isinstance(exc, OperationalError):
            return False
        code = _sqlstate(exc)
        # psycopg reports a refused or broken connection with no SQLSTATE, or class 08.
        return code is None or code.startswith("08") or code in OUTAGE_PG_CODES

    def dispose(self) -> None:
        """Close every pooled connection (after fork, and at shutdown)."""
        self.engine.dispose()
        if self.is_sqlite:
            self._write_engine.dispose()


def _sqlstate(exc: DBAPIError) -> str | None:
    return getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
