"""Engines and transactions. `Database.write()` is the only way to change state.

On PostgreSQL a write transaction is an ordinary transaction (its BEGIN is explicit: the pooled
connections are in autocommit, so reads and single statements cost no BEGIN/ROLLBACK round trips)
and callers lock the rows they change (`SELECT ... FOR UPDATE`). SQLite has one writer at a time,
so a write transaction starts with `BEGIN IMMEDIATE`: it takes the database write lock up front
and never deadlocks on upgrade.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from wfq.settings import Settings

DuplicateRow = IntegrityError
"""Raised on a unique constraint violation (re-exported so services need not import sqlalchemy)."""

RETRYABLE_PG_CODES = {"40001", "40P01", "57P01", "57P02", "57P03", "08006", "08003", "08001"}


def _sqlite_engine(url: str, begin: str) -> Engine:
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 60})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine


def _postgresql_engine(url: str, echo: bool) -> Engine:
    # Connections stay in autocommit, so a read or a single statement is one round trip (no
    # BEGIN, no ROLLBACK); a write transaction begins explicitly, as on SQLite. Switching a
    # pooled connection between the two modes per checkout would cost round trips of its own.
    # No pool_pre_ping: it costs a round trip per checkout, and a connection lost meanwhile is
    # retried by `retrying` (connection_invalidated).
    engine = create_engine(url, pool_size=10, max_overflow=20, echo=echo, isolation_level="AUTOCOMMIT")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(_TRANSACTION):
            conn.exec_driver_sql("BEGIN")

    return engine


_TRANSACTION = "wfq_transaction"


class Database:
    """Owns the SQLAlchemy engines of one process and hands out transactions."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite:
            self.engine = _sqlite_engine(url, "BEGIN")
            self._write_engine = _sqlite_engine(url, "BEGIN IMMEDIATE")
        else:
            self.engine = _postgresql_engine(url, echo)
            self._write_engine = self.engine.execution_options(**{_TRANSACTION: True})
        self._read = sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self._write = sessionmaker(self._write_engine, expire_on_commit=False, autoflush=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        """The database named by `settings.database_url`."""
        return cls(settings.database_url)

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session; the rows read stay usable after it closes (detached, attributes
        loaded). On PostgreSQL each statement runs by itself (autocommit) and sees what was
        committed before it began, which is what READ COMMITTED gives inside a transaction too."""
        with self._read() as session:
            yield session

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction committed on success and rolled back on any exception."""
        with self._write() as session, session.begin():
            yield session

    @contextlib.contextmanager
    def single_statement(self) -> Iterator[Session]:
        """For one statement that is atomic by itself (an `UPDATE ... RETURNING`): PostgreSQL
        runs it in autocommit, without the BEGIN and COMMIT round trips; SQLite, whose
        autocommit would not survive its `BEGIN IMMEDIATE` hook, takes a write transaction."""
        if self.is_sqlite:
            with self.write() as session:
                yield session
        else:
            with self._read() as session:
                yield session

    def retrying(self, fn: Any, *args: Any, attempts: int = 5, **kwargs: Any) -> Any:
        """Run `fn(*args)` again after a deadlock, serialization failure or lost connection."""
        for attempt in range(attempts):
            try:
                return fn(*args, **kwargs)
            except (OperationalError, DBAPIError) as exc:
                if attempt == attempts - 1 or not self._retryable(exc):
                    raise
                time.sleep(min(0.05 * 2**attempt, 2.0))
        raise AssertionError("unreachable")

    def _retryable(self, exc: DBAPIError) -> bool:
        if exc.connection_invalidated:
            return True
        code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        if code in RETRYABLE_PG_CODES:
            return True
        return self.is_sqlite and "locked" in str(exc.orig)

    def dispose(self) -> None:
        """Close every pooled connection (after fork, and at shutdown)."""
        self.engine.dispose()
        if self.is_sqlite:
            self._write_engine.dispose()
