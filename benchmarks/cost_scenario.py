"""Scenario f of `benchmarks.run`: what a task costs, counted. Redis commands (MONITOR) and
PostgreSQL transactions and row writes per task of chains of 10, the same chains on bare Celery,
storage per execution, and the same per item of a with-items. Idle traffic is subtracted."""

from __future__ import annotations

import argparse
import time
from typing import Any

from benchmarks import costs, workflows
from benchmarks.harness import log
from benchmarks.stack import Stack

DONE = ("SUCCESS", "ERROR", "CANCELLED")
SIZE = 10
"""Tasks per chain."""


def cost(
    a: argparse.Namespace,
    stack: Stack,
    api: Any,
    db: Any,
    wfq: Any,
    bare: Any,
) -> dict[str, Any]:
    """f: Redis commands, PostgreSQL transactions and row writes per task; storage per execution."""
    n_exec = 5 if a.quick else 10
    size = SIZE
    name = f"bench_cost_{stack.run_id}"
    api.put_workflow(workflows.chain(name, size))
    log(f"f: idle Redis traffic for 4 s, then {n_exec} chains of {size} under MONITOR")
    host, port = _redis(stack)
    idle = costs.idle_rates(host, port, stack.redis_db, 4.0)
    pg_idle, pg0, t0 = _pg_idle(a, stack)
    redis_part, pg_part = _wfq_chains(a, stack, api, db, name, n_exec, idle, pg_idle, (pg0, t0))
    # bare Celery: the same chain, same MONITOR
    with costs.RedisMonitor(host, port, stack.redis_db) as mon_b:
        bare.chain(n_exec, size)
        mon_b.settle(idle["total"])
    tasks = n_exec * size
    out = {
        "executions": n_exec,
        "tasks": tasks,
        "redis_idle_per_s": idle,
        "pg_idle_per_s": pg_idle,
        **redis_part,
        "bare_redis_per_task": {k: v / tasks for k, v in costs.net(mon_b, idle).items()},
        "bare_redis_commands": dict(mon_b.counts.most_common()),
        "bare_event_channels": dict(mon_b.channels),
        **pg_part,
        "with_items": with_items_cost(a, stack, api, db, idle, pg_idle),
    }
    log(
        f"f: wfq per task: {out['wfq_redis_per_task']} redis, {out['pg_tx_per_task']:.2f} tx | "
        f"bare per task: {out['bare_redis_per_task']}"
    )
    return out


def _redis(stack: Stack) -> tuple[str, int]:
    host, port = stack.redis_host.split(":")
    return host, int(port)


def _wfq_chains(
    a: argparse.Namespace,
    stack: Stack,
    api: Any,
    db: Any,
    name: str,
    n_exec: int,
    idle: dict[str, float],
    pg_idle: dict[str, float],
    since: tuple[dict[str, int], float],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """`n_exec` executions of the chain `name` under MONITOR: their Redis figures, then their
    PostgreSQL ones (statistics counted from `since`, idle traffic and our own reads removed)."""
    pg0, t0 = since
    q0 = db.queries
    tables0 = costs.pg_table_stats(db.conn)
    db.queries += 1
    with costs.RedisMonitor(*_redis(stack), stack.redis_db) as mon:
        ids = [api.start(name) for _ in range(n_exec)]
        # wait through the database (no API polling: its reads would count as transactions)
        _wait_all(db, ids)
        mon.settle(idle["total"])  # acks and task events sent after the last commit
    tasks = n_exec * SIZE
    redis_part = {
        "wfq_redis_per_task": {k: v / tasks for k, v in costs.net(mon, idle).items()},
        "wfq_redis_commands": dict(mon.counts.most_common()),
        "wfq_event_channels": dict(mon.channels),
        "wfq_lpush_queues": dict(mon.lpush_queues),
    }
    log(f"f: waiting {costs.PG_STATS_SETTLE_S}s for PostgreSQL to publish its statistics")
    time.sleep(costs.PG_STATS_SETTLE_S)
    own = db.queries - q0  # our own autocommit statements, one transaction each
    pg1, t1 = costs.pg_db_stats(a.pg_admin, stack.db_name), time.monotonic()
    tables1 = costs.pg_table_stats(db.conn)
    db.queries += 1
    dpg = {k: pg1[k] - pg0[k] - pg_idle[k] * (t1 - t0) for k in pg0}
    dpg["xact_commit"] -= own
    pg_part = {
        "pg_delta": dpg,
        "pg_tx_per_task": (dpg["xact_commit"] + dpg["xact_rollback"]) / tasks,
        "pg_commits_per_task": dpg["xact_commit"] / tasks,
        "pg_rollbacks_per_task": dpg["xact_rollback"] / tasks,
        **_per_task_rows(_written(db, ids, tables0, tables1, n_exec), tasks),
    }
    return redis_part, pg_part


def _pg_idle(a: argparse.Namespace, stack: Stack) -> tuple[dict[str, float], dict[str, int], float]:
    """PostgreSQL traffic per second while idle (worker heartbeat threads), measured over one
    settle period; with the statistics and the time it ends at, the start of the next count."""
    time.sleep(costs.PG_STATS_SETTLE_S)
    pga, ta = costs.pg_db_stats(a.pg_admin, stack.db_name), time.monotonic()
    time.sleep(costs.PG_STATS_SETTLE_S)
    pg0, t0 = costs.pg_db_stats(a.pg_admin, stack.db_name), time.monotonic()
    return {k: (pg0[k] - pga[k]) / (t0 - ta) for k in pg0}, pg0, t0


def _wait_all(db: Any, ids: list[str]) -> None:
    """Until every execution of `ids` is completed (or 120 s), through the database."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done = db.one(
            "SELECT count(*) FROM workflow_executions WHERE id = ANY(%s) "
            "AND state IN ('SUCCESS','ERROR','CANCELLED')",
            ids,
        )[0]
        if done == len(ids):
            break
        time.sleep(0.25)


def _wait_one(db: Any, ex: str) -> None:
    """Until the execution `ex` is completed (or 120 s), through the database."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        st = db.one("SELECT state FROM workflow_executions WHERE id = %s", ex)[0]
        if st in DONE:
            break
        time.sleep(0.25)


def _written(
    db: Any, ids: list[str], tables0: dict[str, Any], tables1: dict[str, Any], n_exec: int
) -> dict[str, Any]:
    """Row writes per table, table growth per execution, the storage and column sizes of `ids`."""
    row_writes = {
        t: {k: tables1[t][k] - tables0[t][k] for k in ("ins", "upd", "hot_upd", "del")}
        for t in costs.TABLES
    }
    growth = {t: (tables1[t]["bytes"] - tables0[t]["bytes"]) / n_exec for t in costs.TABLES}
    storage = costs.storage_of(db.conn, ids)
    cols = {
        "workflow_executions": costs.column_sizes(db.conn, "workflow_executions", ids, "id"),
        "task_executions": costs.column_sizes(
            db.conn, "task_executions", ids, "workflow_execution_id"
        ),
        "action_executions": costs.column_sizes(
            db.conn, "action_executions", ids, "workflow_execution_id"
        ),
    }
    return {"row_writes": row_writes, "growth": growth, "storage": storage, "cols": cols}


def _per_task_rows(written: dict[str, Any], tasks: int) -> dict[str, Any]:
    """The result keys of `_written`'s figures (row writes divided per task)."""
    return {
        "row_writes_per_task": {
            t: {k: v / tasks for k, v in d.items()} for t, d in written["row_writes"].items()
        },
        "storage_per_execution": written["storage"],
        "table_growth_bytes_per_execution": written["growth"],
        "column_bytes": written["cols"],
    }


def with_items_cost(
    a: argparse.Namespace,
    stack: Stack,
    api: Any,
    db: Any,
    idle: dict[str, float],
    pg_idle: dict[str, float],
) -> dict[str, Any]:
    """f, with-items: Redis commands and PostgreSQL transactions per item, and its storage."""
    n_items = 100 if a.quick else 500
    fan = f"bench_cost_fan_{stack.run_id}"
    api.put_workflow(workflows.fanout(fan))
    time.sleep(costs.PG_STATS_SETTLE_S)
    pgi0, ti0 = costs.pg_db_stats(a.pg_admin, stack.db_name), time.monotonic()
    qi0 = db.queries
    with costs.RedisMonitor(*_redis(stack), stack.redis_db) as mon_i:
        ex = api.start(fan, {"items": list(range(n_items))})
        _wait_one(db, ex)
        mon_i.settle(idle["total"])
    items_redis = costs.net(mon_i, idle)
    time.sleep(costs.PG_STATS_SETTLE_S)
    owni = db.queries - qi0
    pgi1, ti1 = costs.pg_db_stats(a.pg_admin, stack.db_name), time.monotonic()
    items_tx = (
        sum(pgi1[k] - pgi0[k] - pg_idle[k] * (ti1 - ti0) for k in ("xact_commit", "xact_rollback"))
        - owni
    )
    return {
        "items": n_items,
        "redis_per_item": {k: v / n_items for k, v in items_redis.items()},
        "redis_commands": dict(mon_i.counts.most_common()),
        "pg_tx_per_item": items_tx / n_items,
        "storage": costs.storage_of(db.conn, [ex]),
    }
