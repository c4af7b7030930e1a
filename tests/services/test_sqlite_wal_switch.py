"""The embedded default's SQLite file is switched to WAL by the first connections of a process.
That switch takes a lock SQLite's busy handler does not wait for, so a connection opened while
another holds a write lock (a start-up's threads, the read and write engines) was refused
"database is locked" at once and `wfq run` failed on a busy machine."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from wfq.persistence.db import Database


def test_a_connection_opened_during_a_write_waits_for_the_wal_switch(tmp_path: Path) -> None:
    path = tmp_path / "wfq.sqlite"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN IMMEDIATE")  # a writer of the rollback-journal file holds its lock
    holder.execute("INSERT INTO t VALUES (1)")
    release = threading.Timer(0.5, lambda: holder.execute("COMMIT"))
    release.start()
    db = Database(f"sqlite:///{path}")
    try:
        started = time.monotonic()
        with db.read() as session:
            assert session.connection().exec_driver_sql("SELECT count(*) FROM t").scalar() == 1
            mode = session.connection().exec_driver_sql("PRAGMA journal_mode").scalar()
        assert mode == "wal"
        assert time.monotonic() - started >= 0.4  # it waited for the writer, it did not fail
    finally:
        release.join()
        holder.close()
        db.dispose()
