"""Counters read before and after a scenario of `benchmarks.execution_costs`: PostgreSQL's
(pg_stat_database, pg_stat_statements, the WAL position, the size of each table) and Redis's
(INFO commandstats). Their differences are what the scenario cost, whatever the machine's load.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import psycopg

DB_FIELDS = (
    "xact_commit",
    "xact_rollback",
    "tup_inserted",
    "tup_updated",
    "tup_deleted",
    "tup_returned",
    "tup_fetched",
)

# The first word of a statement, for pg_stat_statements; BEGIN/COMMIT/ROLLBACK are the
# transaction brackets of wfq's write transactions (its reads run in autocommit).
_VERB = "coalesce(upper(substring(query from '^[\\s(]*([A-Za-z]+)')), '?')"

API_ROLE = "wfq_api"
"""The PostgreSQL role the API connects as in a private cluster, so that pg_stat_statements
tells the API's statements from the worker's."""

QUEUE_PUSH = ("lpush", "rpush")
PUBLISH = ("publish",)
POLLS = ("brpop", "blpop", "bzpopmin")


@dataclass
class Snapshot:
    at: float
    db: dict[str, int]
    statements: dict[str, dict[str, int]]
    """'api|SELECT', 'worker|UPDATE'... -> calls, rows, wal_bytes (pg_stat_statements of the
    benchmark database)."""
    wal_lsn: int
    tables: dict[str, int]
    """table -> pg_total_relation_size (table, indexes, TOAST)."""
    redis: dict[str, int]
    """command -> calls (INFO commandstats)."""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Counters:
    """Reads the counters of one PostgreSQL database and one Redis server."""

    admin_url: str
    db_name: str
    bench_url: str
    redis: Any
    has_statements: bool = False
    own_queries: int = 0
    """Statements this reader ran in the benchmark database (its table sizes)."""

    def __post_init__(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_extension WHERE extname = 'pg_stat_statements'"
            ).fetchone()
            self.has_statements = bool(row and row[0])

    def snapshot(self) -> Snapshot:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            row = conn.execute(
                f"SELECT {', '.join(DB_FIELDS)} FROM pg_stat_database WHERE datname = %s",
                (self.db_name,),
            ).fetchone()
            db = dict(zip(DB_FIELDS, (int(x) for x in row), strict=True))
            statements = self._statements(conn) if self.has_statements else {}
            lsn = conn.execute("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn").fetchone()[0]
        with psycopg.connect(self.bench_url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT relname, pg_total_relation_size(relid), n_tup_hot_upd "
                "FROM pg_stat_user_tables"
            ).fetchall()
            self.own_queries += 1
        tables = {r[0]: int(r[1]) for r in rows}
        db["hot_updates"] = sum(int(r[2]) for r in rows)
        stats = self.redis.info("commandstats")
        redis = {k.removeprefix("cmdstat_"): int(v["calls"]) for k, v in stats.items()}
        return Snapshot(time.monotonic(), db, statements, int(lsn), tables, redis)

    def _statements(self, conn: Any) -> dict[str, dict[str, int]]:
        """'<who>|<verb>' -> counts, where who is `api` for the API's database role
        (API_ROLE, when the API connects as it) and `worker` for every other client."""
        rows = conn.execute(
            f"SELECT CASE WHEN r.rolname = %s THEN 'api' ELSE 'worker' END || '|' || {_VERB}, "
            "sum(calls), sum(rows), sum(wal_bytes) "
            "FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid "
            "JOIN pg_roles r ON r.oid = s.userid WHERE d.datname = %s GROUP BY 1",
            (API_ROLE, self.db_name),
        ).fetchall()
        return {r[0]: {"calls": int(r[1]), "rows": int(r[2]), "wal_bytes": int(r[3])} for r in rows}


def _diff(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    return {k: b.get(k, 0) - a.get(k, 0) for k in set(a) | set(b)}


def delta(s0: Snapshot, s1: Snapshot) -> dict[str, Any]:
    """What happened between two snapshots (raw, idle traffic not yet subtracted)."""
    verbs = set(s0.statements) | set(s1.statements)
    zero = {"calls": 0, "rows": 0, "wal_bytes": 0}
    return {
        "seconds": s1.at - s0.at,
        "db": _diff(s0.db, s1.db),
        "statements": {
            v: _diff(s0.statements.get(v, zero), s1.statements.get(v, zero)) for v in verbs
        },
        "wal_bytes": s1.wal_lsn - s0.wal_lsn,
        "tables": _diff(s0.tables, s1.tables),
        "redis": _diff(s0.redis, s1.redis),
    }


def minus_idle(d: dict[str, Any], idle: dict[str, Any], own_statements: int) -> dict[str, Any]:
    """`d` without what idling would have done in the same time (`idle` is a delta of an idle
    period) and without the measuring process's own statements (autocommit SELECTs: one
    transaction each)."""
    k = d["seconds"] / idle["seconds"] if idle["seconds"] else 0.0

    def sub(x: dict[str, int], y: dict[str, int]) -> dict[str, float]:
        return {key: max(0.0, v - k * y.get(key, 0)) for key, v in x.items()}

    out = dict(d)
    out["db"] = sub(d["db"], idle["db"])
    out["db"]["xact_commit"] = max(0.0, out["db"]["xact_commit"] - own_statements)
    out["redis"] = sub(d["redis"], idle["redis"])
    stm = {v: dict(c) for v, c in d["statements"].items()}
    for v, c in idle["statements"].items():
        if v in stm:
            stm[v] = sub(stm[v], c)
    if "worker|SELECT" in stm:  # the runner does not connect as the API's role
        stm["worker|SELECT"]["calls"] = max(0.0, stm["worker|SELECT"]["calls"] - own_statements)
    out["statements"] = stm
    return out


def redis_summary(redis: dict[str, float]) -> dict[str, float]:
    return {
        "commands": sum(v for c, v in redis.items() if c not in ("info",)),
        "queue_push": sum(redis.get(c, 0) for c in QUEUE_PUSH),
        "publish": sum(redis.get(c, 0) for c in PUBLISH),
        "polls": sum(redis.get(c, 0) for c in POLLS),
    }
