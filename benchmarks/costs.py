"""What one task costs: Redis commands (MONITOR on the benchmark's own Redis db), PostgreSQL
transactions and row writes (pg_stat_database / pg_stat_user_tables deltas), and what an
execution leaves stored (rows, bytes of the live rows, growth of the tables on disk)."""

from __future__ import annotations

import collections
import re
import socket
import threading
import time
from typing import Any

import psycopg

# PostgreSQL 15 flushes a backend's statistics at most once a second and, when the backend is
# idle, after at most PGSTAT_IDLE_INTERVAL (10 s): wait that long before reading them.
PG_STATS_SETTLE_S = 11.5

_LINE = re.compile(
    rb'^\+(?P<ts>\d+\.\d+) \[(?P<db>\d+) (?P<client>[^\]]*)\] "(?P<cmd>[^"]+)"(?P<rest>.*)$'
)

QUEUE_PUSH = {"LPUSH", "RPUSH"}
QUEUE_POP = {"BRPOP", "BLPOP", "RPOP", "LPOP", "BZPOPMIN"}
EVENTS = {"PUBLISH"}


class RedisMonitor:
    """MONITOR, counting the commands run against one Redis db (by name, and events by channel)."""

    def __init__(self, host: str, port: int, db: int) -> None:
        self.addr = (host, port)
        self.db = str(db).encode()
        self.counts: collections.Counter[str] = collections.Counter()
        self.channels: collections.Counter[str] = collections.Counter()
        self.lpush_queues: collections.Counter[str] = collections.Counter()
        self._stop = threading.Event()
        self._sock: socket.socket | None = None
        self._t: threading.Thread | None = None
        self.t0 = self.t1 = 0.0

    def __enter__(self) -> RedisMonitor:
        s = socket.create_connection(self.addr)
        s.sendall(b"MONITOR\r\n")
        f = s.makefile("rb")
        if not f.readline().startswith(b"+OK"):
            raise RuntimeError("MONITOR refused")
        s.settimeout(0.2)
        self._sock, self._f = s, f
        self._t = threading.Thread(target=self._loop, daemon=True)
        self._t.start()
        self.t0 = time.monotonic()
        return self

    def _loop(self) -> None:
        buf = b""
        assert self._sock is not None
        while not self._stop.is_set():
            try:
                chunk = self._sock.recv(1 << 16)
            except TimeoutError:
                continue
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            *lines, buf = buf.split(b"\r\n")
            for line in lines:
                m = _LINE.match(line)
                if not m or m["db"] != self.db:
                    continue
                cmd = m["cmd"].decode().upper()
                self.counts[cmd] += 1
                args = re.findall(rb'"((?:[^"\\]|\\.)*)"', m["rest"])
                if cmd in EVENTS and args:
                    ch = args[0].decode(errors="replace")
                    if "celeryev" in ch:
                        self.channels[ch.split(".", 1)[-1] if ch.startswith("/") else ch] += 1
                    else:
                        self.channels[
                            "results (celery-task-meta-*)" if "celery-task-meta" in ch else ch
                        ] += 1
                if cmd in QUEUE_PUSH and args:
                    self.lpush_queues[args[0].decode(errors="replace")] += 1

    def __exit__(self, *exc: Any) -> None:
        self.t1 = time.monotonic()
        self._stop.set()
        if self._t:
            self._t.join(timeout=5)
        if self._sock:
            self._sock.close()

    def settle(self, idle_per_s: float, quiet_s: float = 1.0, max_s: float = 10.0) -> None:
        """Wait until the db is back to its idle traffic (late acks, buffered task events)."""
        deadline = time.monotonic() + max_s
        while time.monotonic() < deadline:
            c0 = sum(self.counts.values())
            time.sleep(quiet_s)
            if sum(self.counts.values()) - c0 <= idle_per_s * quiet_s + 1:
                return

    @property
    def seconds(self) -> float:
        return (self.t1 or time.monotonic()) - self.t0

    def summary(self) -> dict[str, float]:
        c = self.counts
        events = sum(n for ch, n in self.channels.items() if "celeryev" in ch)
        return {
            "queue_push": sum(c[k] for k in QUEUE_PUSH),
            "queue_pop": sum(c[k] for k in QUEUE_POP),
            "publish": sum(c[k] for k in EVENTS),
            "events": events,
            "result_publish": sum(c[k] for k in EVENTS) - events,
            "total": sum(c.values()),
        }


def idle_rates(host: str, port: int, db: int, seconds: float) -> dict[str, float]:
    """Commands per second on the db while nothing is submitted (heartbeats, BRPOP timeouts)."""
    with RedisMonitor(host, port, db) as m:
        time.sleep(seconds)
    return {k: v / m.seconds for k, v in m.summary().items()}


def net(mon: RedisMonitor, idle: dict[str, float]) -> dict[str, float]:
    """The monitor's counts minus what idling would have sent in the same time."""
    return {k: max(0.0, v - idle.get(k, 0.0) * mon.seconds) for k, v in mon.summary().items()}


# ---- PostgreSQL ------------------------------------------------------------------------------
TABLES = ("workflow_executions", "task_executions", "action_executions")


def pg_db_stats(admin_url: str, db_name: str) -> dict[str, int]:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted, "
            "tup_fetched, tup_returned FROM pg_stat_database WHERE datname = %s",
            (db_name,),
        ).fetchone()
    keys = (
        "xact_commit",
        "xact_rollback",
        "tup_inserted",
        "tup_updated",
        "tup_deleted",
        "tup_fetched",
        "tup_returned",
    )
    return dict(zip(keys, (int(x) for x in row), strict=True))


def pg_table_stats(conn: Any) -> dict[str, dict[str, int]]:
    rows = conn.execute(
        "SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd, n_tup_del, "
        "pg_total_relation_size(relid) FROM pg_stat_user_tables WHERE relname = ANY(%s)",
        (list(TABLES),),
    ).fetchall()
    return {
        r[0]: {"ins": r[1], "upd": r[2], "hot_upd": r[3], "del": r[4], "bytes": r[5]} for r in rows
    }


def storage_of(conn: Any, ids: list[str]) -> dict[str, dict[str, float]]:
    """Rows and bytes of the live rows (pg_column_size of the whole row) of these executions."""
    out = {}
    q = {
        "workflow_executions": "SELECT count(*), coalesce(sum(pg_column_size(t.*)),0) "
        "FROM workflow_executions t WHERE id = ANY(%s)",
        "task_executions": "SELECT count(*), coalesce(sum(pg_column_size(t.*)),0) "
        "FROM task_executions t WHERE workflow_execution_id = ANY(%s)",
        "action_executions": "SELECT count(*), coalesce(sum(pg_column_size(t.*)),0) "
        "FROM action_executions t WHERE workflow_execution_id = ANY(%s)",
    }
    for table, sql in q.items():
        n, size = conn.execute(sql, (ids,)).fetchone()
        out[table] = {"rows": n / len(ids), "bytes": size / len(ids)}
    return out


def column_sizes(conn: Any, table: str, ids: list[str], key: str) -> dict[str, float]:
    """Average bytes per column of the rows of these executions (what makes a row big)."""
    cols = [
        r[0]
        for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s", (table,)
        ).fetchall()
    ]
    exprs = ", ".join(f'avg(coalesce(pg_column_size("{c}"),0))' for c in cols)
    row = conn.execute(f"SELECT {exprs} FROM {table} WHERE {key} = ANY(%s)", (ids,)).fetchone()
    return {c: float(v or 0) for c, v in zip(cols, row, strict=True)}
