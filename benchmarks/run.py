"""wfq vs bare Celery, side by side in one run: `.venv/bin/python -m benchmarks.run [--quick]`.

See benchmarks/README.md for what each scenario measures and how to read the table.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import costs, cpu, profiling, waiting
from benchmarks.report import bench_v2_table, table
from benchmarks.stack import ROOT, Stack, rss_kb

RESULTS = Path(__file__).resolve().parent / "results"
BENCH_V2 = ROOT.parent / "shared" / "bench" / "bench_v2.py"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--quick", action="store_true", help="smoke run: 1 repetition, small sizes (~2 min)"
    )
    p.add_argument("--reps", type=int, help="repetitions of each scenario (default 3, quick 1)")
    p.add_argument(
        "--seq-runs", type=int, help="sequential executions per repetition in b and d (10; quick 3)"
    )
    p.add_argument(
        "--n-throughput", type=int, help="executions submitted at once in a and e (200; quick 50)"
    )
    p.add_argument("--items", type=int, help="with-items size in c (500; quick 100)")
    p.add_argument(
        "--big-items", type=int, help="the large with-items run in c (10000; quick 1000)"
    )
    p.add_argument(
        "--workers", type=int, default=1, help="wfq worker processes for a-d, f (default 1)"
    )
    p.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="pool size (-c) of each wfq worker process (default: wfq's own default, "
        "worker_slots threads; the bare baseline of a-f stays prefork x2)",
    )
    p.add_argument(
        "--api",
        choices=["wfq", "granian", "gunicorn"],
        default="granian",
        help="API server: `granian --interface wsgi wfq.api.wsgi:app` (default: the production "
        "server of docker-compose.yml; `pip install .[server]`), `gunicorn wfq.api.wsgi:app` "
        "(4 threads per process) or `wfq server` (werkzeug, the embedded/dev server)",
    )
    p.add_argument(
        "--api-workers",
        type=int,
        default=2,
        help="API worker processes of granian or gunicorn (4 threads each)",
    )
    p.add_argument(
        "--scale-workers",
        type=int,
        default=2,
        help="worker processes compared with 1 in e (default 2)",
    )
    p.add_argument(
        "--n-backlog", type=int, default=600, help="executions of the backlog drained in e (default 600)"
    )
    p.add_argument(
        "--scale-concurrency",
        type=int,
        default=None,
        help="pool size (-c) of each worker process in e (default: wfq's defaults, one process "
        "of threads, so that 1 worker process is the bottleneck the second one should relieve)",
    )
    p.add_argument(
        "--scenarios", default="a,b,c,d,e,f,g,h,i,j", help="subset of a,b,c,d,e,f,g,h,i,j (default: all)"
    )
    p.add_argument("--no-profile", action="store_true", help="skip the py-spy and cProfile phase")
    p.add_argument(
        "--fanout-items", type=int, help="j: items of the big with-items (100000; quick 10000)"
    )
    p.add_argument(
        "--fanout-concurrency", type=int, default=1000, help="j: its concurrency (default 1000)"
    )
    p.add_argument(
        "--fanout-seconds", type=float, default=60.0,
        help="j: how long it runs before it is cancelled (default 60 s)",
    )
    p.add_argument("--fanout-finish", action="store_true", help="j: run it to the end, no cancel")
    p.add_argument(
        "--url",
        nargs="?",
        const="started",
        default=None,
        metavar="URL",
        help="cross-check with shared/bench/bench_v2.py: alone, against the wfq this run "
        "starts (after the scenarios); with a URL, only bench_v2 against that v2 API",
    )
    p.add_argument("--bench-v2", default=str(BENCH_V2), help="path of bench_v2.py")
    p.add_argument("--redis", default="127.0.0.1:6379", help="Redis host:port")
    p.add_argument(
        "--redis-db", type=int, default=14, help="Redis db owned by the run (flushed; default 14)"
    )
    p.add_argument(
        "--pg-admin",
        default=os.environ.get("WFQ_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="PostgreSQL URL allowed to CREATE/DROP DATABASE",
    )
    p.add_argument(
        "--bare-big",
        action="store_true",
        help="also run the bare chord of --big-items (skipped above 2000: minutes of Redis chord joins)",
    )
    p.add_argument(
        "--big-timeout",
        type=float,
        default=300.0,
        help="give up on the large with-items run after s",
    )
    p.add_argument(
        "--head",
        nargs="?",
        const="HEAD",
        default=None,
        metavar="REV",
        help="benchmark a snapshot of a commit (git archive REV, default HEAD) instead of "
        "the work tree, e.g. while the work tree is being edited",
    )
    p.add_argument(
        "--wfq-root", help="benchmark the wfq code in this directory (default: this repository)"
    )
    p.add_argument(
        "--compare",
        metavar="REV",
        help="benchmark a snapshot of REV and the work tree (or --head/--wfq-root) side by side "
        "in one run, repetitions interleaved; table in benchmarks/results/compare-latest.txt",
    )
    p.add_argument(
        "--keep-logs", action="store_true", help="keep the process logs (their folder is printed)"
    )
    p.add_argument("--out", help="JSON results file (default benchmarks/results/<time>.json)")
    a = p.parse_args(argv)
    q = a.quick
    a.reps = a.reps or (1 if q else 3)
    a.seq_runs = a.seq_runs or (3 if q else 10)
    a.n_throughput = a.n_throughput or (50 if q else 200)
    a.items = a.items or (100 if q else 500)
    a.big_items = a.big_items or (1000 if q else 10000)
    a.fanout_items = a.fanout_items or (10000 if q else 100000)
    a.scen = {s.strip() for s in a.scenarios.split(",") if s.strip()}
    # --compare runs one repetition per call: the parts measured once per side (c's large
    # with-items, f, j) run in its first call, bare Celery's minute-long ones (i's chord, c's
    # large chord) only once in the whole run.
    a.first_rep, a.once_bare = True, True
    return a


# ---- the run ---------------------------------------------------------------------------------
def new_stack(a: argparse.Namespace, **kw: Any) -> Stack:
    """The stack of `a` (not started); `kw` overrides a field (another code root, ...)."""
    fields: dict[str, Any] = {
        "pg_admin_url": a.pg_admin,
        "redis_host": a.redis,
        "redis_db": a.redis_db,
        "workers": a.workers,
        "concurrency": a.concurrency,
        "waiting": bool(a.scen & {"g", "h", "i"}),
        "keep_logs": a.keep_logs,
        "wfq_root": a.root,
        "api_server": a.api,
        "api_workers": a.api_workers,
    }
    return Stack(**{**fields, **kw})


def open_ctx(a: argparse.Namespace, stack: Stack) -> Ctx:
    """Start `stack`, connect the clients, warm both sides up."""
    bare_text = ", bare Celery worker prefork x2" if stack.baseline else ""
    log(
        f"starting: database {stack.db_name}, redis db {stack.redis_db}, {a.workers} wfq worker(s) "
        f"({_pool(a.concurrency)}), API{bare_text}, wfq code: {stack.wfq_root} (logs in {stack.logdir})"
    )
    stack.start()
    if stack.baseline:  # the in-process bare Celery client sends to this stack's bare worker
        os.environ["BENCH_BARE_BROKER"] = stack.redis_url
        os.environ["BENCH_BARE_QUEUE"] = stack.bare_queue
    from benchmarks.scenarios import Api, BareScenarios, Db, WfqScenarios

    api = Api(stack.api_url, timeout=600)
    db = Db(stack.pg_url)
    wfq = WfqScenarios(api, db)
    bare = BareScenarios()
    meter = cpu.CpuMeter(stack)

    def cpu_of(fn: Any, *args: Any, **kw: Any) -> dict[str, Any]:
        s0 = meter.start()
        out = fn(*args, **kw)
        out["cpu_ms"] = meter.stop(s0)
        return out

    log("warm-up")
    bare.warm_up()
    wfq.throughput(10, poll=0.02)
    wfq.sequential("chain", 2, 10)
    bare.throughput(20)
    bare.chain(2)
    return Ctx(a, stack, api, db, wfq, bare, cpu_of)


def steps(scen: set[str]) -> list[tuple[str, Any]]:
    """(result key, function of a Ctx) of the chosen scenarios, in the order they run."""
    all_steps: list[tuple[str, set[str], Any]] = [
        ("a", {"a"}, scenario_a),
        ("b", {"b"}, lambda c: scenario_sequential(c, "b", "chain")),
        ("d", {"d"}, lambda c: scenario_sequential(c, "d", "fork")),
        ("c", {"c"}, scenario_c),
        ("j", {"j"}, scenario_j),
        ("e", {"e"}, lambda c: scale(c.a, c.stack, c.wfq)),
        ("f", {"f"}, lambda c: cost(c.a, c.stack, c.api, c.db, c.wfq, c.bare)),
        ("waiting", {"g", "h", "i"}, lambda c: waiting.run(c, log)),
    ]
    return [(key, fn) for key, keys, fn in all_steps if keys & scen]


def on_term(signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def run(a: argparse.Namespace) -> dict[str, Any]:
    stack = new_stack(a)
    signal.signal(signal.SIGTERM, on_term)
    res: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "args": {k: v for k, v in vars(a).items() if k != "scen"},
        "machine": {"cpus": os.cpu_count(), "load_before": os.getloadavg()},
    }
    res["args"]["scenarios"] = sorted(a.scen)
    res["args"]["root"] = str(a.root)
    res["code"] = a.code
    t_start = time.monotonic()
    try:
        ctx = open_ctx(a, stack)
        res["stack"] = {
            "api": stack.api_url,
            "database": stack.db_name,
            "redis": stack.redis_url,
            "queue": stack.queue,
        }
        for key, fn in steps(a.scen):
            res[key] = fn(ctx)
        if not a.no_profile:
            res["profile"] = profile(a, stack, ctx.api, ctx.wfq)
        if a.url == "started":
            res["bench_v2"] = bench_v2(a, stack.api_url)
        ctx.db.close()
    finally:
        log("stopping processes, dropping the database")
        stack.stop()
    res["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    res["duration_s"] = time.monotonic() - t_start
    res["machine"]["load_after"] = os.getloadavg()
    return res


def _pool(concurrency: int | None) -> str:
    return f"-c {concurrency}" if concurrency else "default pool: worker_slots threads + engine lane"


@dataclass
class Ctx:
    """What the scenario functions share."""

    a: argparse.Namespace
    stack: Stack
    api: Any
    db: Any
    wfq: Any
    bare: Any
    cpu_of: Any


def scenario_a(c: Ctx) -> dict[str, Any]:
    """a: throughput, polled through the API and waited on through the database; bare Celery."""
    out: dict[str, Any] = {"wfq": [], "wfq_quiet": [], "bare": []}
    for r in range(c.a.reps):
        x = c.cpu_of(c.wfq.throughput, c.a.n_throughput, via="api")
        q = c.cpu_of(c.wfq.throughput, c.a.n_throughput, via="db")
        y = c.cpu_of(c.bare.throughput, c.a.n_throughput)
        out["wfq"].append(x)
        out["wfq_quiet"].append(q)
        out["bare"].append(y)
        log(
            f"a rep {r + 1}: wfq {x['rate']:.1f} exec/s polled via API (db span {x['db_rate'] or 0:.1f}; "
            f"submit {x['submit_s']:.2f}s, {x['success']}/{x['n']} ok), {q['rate']:.1f} exec/s waited "
            f"via db | bare {y['rate']:.1f} tasks/s"
        )
    return out


def scenario_sequential(c: Ctx, key: str, kind: str) -> dict[str, Any]:
    """b (chain of 10) and d (fork 10 + join): sequential runs, both ways of waiting; bare Celery."""
    out: dict[str, Any] = {"wfq": [], "wfq_quiet": [], "bare": []}
    for r in range(c.a.reps):
        x = c.cpu_of(c.wfq.sequential, kind, c.a.seq_runs, 10, via="api")
        q = c.cpu_of(c.wfq.sequential, kind, c.a.seq_runs, 10, via="db")
        y = c.cpu_of(c.bare.chain if kind == "chain" else c.bare.forkjoin, c.a.seq_runs, 10)
        x.pop("ids")
        q.pop("ids")
        out["wfq"].append(x)
        out["wfq_quiet"].append(q)
        out["bare"].append(y)
        log(
            f"{key} rep {r + 1}: wfq {kind} {x['observed_s'] * 1000:.0f} ms observed via API, "
            f"{(x['db_s'] or 0) * 1000:.0f} ms in db; waited via db: {(q['db_s'] or 0) * 1000:.0f} ms in db "
            f"({x['success'] + q['success']}/{x['runs'] + q['runs']} ok) | bare {y['s'] * 1000:.0f} ms"
        )
    return out


def scenario_c(c: Ctx) -> dict[str, Any]:
    """c: with-items vs a bare chord, then the large with-items run with its peak RSS."""
    a, stack = c.a, c.stack
    out: dict[str, Any] = {"wfq": [], "bare": []}
    for r in range(a.reps):
        x = c.cpu_of(c.wfq.with_items, a.items, poll=0.05)
        y = c.cpu_of(c.bare.chord, a.items)
        out["wfq"].append(x)
        out["bare"].append(y)
        log(
            f"c rep {r + 1}: wfq with-items {a.items} {x['observed_s']:.2f}s observed, "
            f"{x['db_s'] or 0:.2f}s in db ({x['state']}) | bare chord {y['s']:.2f}s"
        )
    if not a.first_rep:
        return out
    log(f"c: with-items over {a.big_items} (once, peak RSS sampled)")
    c.api.timeout = a.big_timeout
    rss = {"wfq workers": stack.worker_pids, "api": lambda: stack.api.pids()}
    big = c.cpu_of(c.wfq.with_items, a.big_items, poll=0.1, rss=rss)
    c.api.timeout = 600
    big["rss_hwm_mb"] = {
        "wfq workers (max of processes)": max(rss_kb(p, "VmHWM") for p in stack.worker_pids())
        / 1024,
        "api (max of processes)": max(rss_kb(p, "VmHWM") for p in stack.api.pids()) / 1024,
    }
    bare_big = a.once_bare and (a.bare_big or a.big_items <= 2000)
    y = c.cpu_of(c.bare.chord, a.big_items) if bare_big else None
    out["big"] = {"wfq": big, "bare": y}
    log(
        f"c big: wfq {big['observed_s']:.1f}s observed, {big['db_s'] or 0:.1f}s in db "
        f"({big['state']}; POST took {big['post_s']:.1f}s), peak RSS {big['rss_peak_mb']}"
        + (f" | bare chord {y['s']:.1f}s" if y else "")
    )
    return out


def scenario_j(c: Ctx) -> dict[str, Any]:
    """j: big fan-out: the POST of a with-items over --fanout-items (vs over 1 item), the RSS of
    the workers and the API while it runs, then a cancel: items started after it, time to stop."""
    a, stack = c.a, c.stack
    rss = {"wfq workers": stack.worker_pids, "api": lambda: stack.api.pids()}
    log(f"j: with-items over {a.fanout_items} items, concurrency {a.fanout_concurrency}")
    out = c.cpu_of(
        c.wfq.big_fanout, a.fanout_items, a.fanout_concurrency, a.fanout_seconds, rss, a.fanout_finish
    )
    last = out["curve"][-1]
    log(
        f"j: POST {out['post_s']:.2f}s (1 item: {out['post_one_item_s']:.2f}s), "
        f"{out['item_rows_after_post']} item rows after it; {last['done']} done after {last['s']}s; "
        f"RSS start {out['rss_start_mb']} peak {out['rss_peak_mb']}; cancel {out.get('cancel')}"
    )
    return out


def scale(a: argparse.Namespace, stack: Stack, wfq: Any) -> dict[str, Any]:
    """e: how fast 1 worker process, then `--scale-workers`, drain the same backlog of one-task
    executions, side by side in each repetition. The backlog is submitted through the API while
    the workers do not consume, then every worker starts consuming at once (Celery's
    add_consumer broadcast): the engine alone is measured, not the API that fed it, which is
    what "a second worker raises throughput when the engine is the bottleneck" asks."""
    from celery import Celery

    control = Celery("bench-control", broker=stack.redis_url)
    queues = [stack.queue, stack.engine_queue]
    out: dict[str, Any] = {
        "workers": [1, a.scale_workers], "concurrency": a.scale_concurrency, "1": [], str(a.scale_workers): [],
    }
    while stack.wfq_workers:
        stack.remove_worker()
    stack.concurrency = a.scale_concurrency
    while len(stack.wfq_workers) < a.scale_workers:
        stack.add_worker()
    wfq.throughput(100, poll=0.02)  # warm every pool child (each builds its services once)
    names = [f"wfq-{stack.run_id}-{i + 1}@{socket.gethostname()}" for i in range(a.scale_workers)]

    def drain(k: int) -> dict[str, Any]:
        for q in queues:
            control.control.cancel_consumer(q, destination=names, reply=True, timeout=5)
        ids = wfq.backlog(a.n_backlog)
        for q in queues:
            control.control.add_consumer(q, destination=names[:k], reply=True, timeout=5)
        return dict(wfq.drain(ids))

    for r in range(a.reps):
        x = drain(1)
        out["1"].append(x)
        y = drain(a.scale_workers)
        out[str(a.scale_workers)].append(y)
        log(
            f"e rep {r + 1}: 1 worker {x['rate']:.1f} exec/s (db {x['db_rate'] or 0:.1f}), "
            f"{a.scale_workers} workers {y['rate']:.1f} exec/s (db {y['db_rate'] or 0:.1f})"
        )
    for q in queues:
        control.control.add_consumer(q, destination=names, reply=True, timeout=5)
    control.close()
    while stack.wfq_workers:
        stack.remove_worker()
    stack.concurrency = a.concurrency
    while len(stack.wfq_workers) < a.workers:
        stack.add_worker()
    return out


def cost(
    a: argparse.Namespace,
    stack: Stack,
    api: Any,
    db: Any,
    wfq: Any,
    bare: Any,
) -> dict[str, Any]:
    """f: Redis commands, PostgreSQL transactions and row writes per task; storage per execution."""
    from benchmarks import workflows

    host, port_text = stack.redis_host.split(":")
    port = int(port_text)

    n_exec = 5 if a.quick else 10
    size = 10
    name = f"bench_cost_{stack.run_id}"
    api.put_workflow(workflows.chain(name, size))
    log(f"f: idle Redis traffic for 4 s, then {n_exec} chains of {size} under MONITOR")
    idle = costs.idle_rates(host, port, stack.redis_db, 4.0)
    # PostgreSQL traffic while idle (worker heartbeat threads), measured over one settle period
    time.sleep(costs.PG_STATS_SETTLE_S)
    pga, ta = costs.pg_db_stats(a.pg_admin, stack.db_name), time.monotonic()
    time.sleep(costs.PG_STATS_SETTLE_S)
    pg0, t0 = costs.pg_db_stats(a.pg_admin, stack.db_name), time.monotonic()
    pg_idle = {k: (pg0[k] - pga[k]) / (t0 - ta) for k in pg0}
    q0 = db.queries
    tables0 = costs.pg_table_stats(db.conn)
    db.queries += 1
    with costs.RedisMonitor(host, port, stack.redis_db) as mon:
        ids = [api.start(name) for _ in range(n_exec)]
        # wait through the database (no API polling: its reads would count as transactions)
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
        mon.settle(idle["total"])  # acks and task events sent after the last commit
    wfq_redis = costs.net(mon, idle)
    channels = dict(mon.channels)
    log(f"f: waiting {costs.PG_STATS_SETTLE_S}s for PostgreSQL to publish its statistics")
    time.sleep(costs.PG_STATS_SETTLE_S)
    own = db.queries - q0  # our own autocommit statements, one transaction each
    pg1, t1 = costs.pg_db_stats(a.pg_admin, stack.db_name), time.monotonic()
    tables1 = costs.pg_table_stats(db.conn)
    db.queries += 1
    tasks = n_exec * size
    dpg = {k: pg1[k] - pg0[k] - pg_idle[k] * (t1 - t0) for k in pg0}
    dpg["xact_commit"] -= own
    tx = dpg["xact_commit"] + dpg["xact_rollback"]
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
    # bare Celery: the same chain, same MONITOR
    with costs.RedisMonitor(host, port, stack.redis_db) as mon_b:
        bare.chain(n_exec, size)
        mon_b.settle(idle["total"])
    bare_redis = costs.net(mon_b, idle)

    # with-items: per item
    n_items = 100 if a.quick else 500
    fan = f"bench_cost_fan_{stack.run_id}"
    api.put_workflow(workflows.fanout(fan))
    time.sleep(costs.PG_STATS_SETTLE_S)
    pgi0, ti0 = costs.pg_db_stats(a.pg_admin, stack.db_name), time.monotonic()
    qi0 = db.queries
    with costs.RedisMonitor(host, port, stack.redis_db) as mon_i:
        ex = api.start(fan, {"items": list(range(n_items))})
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            st = db.one("SELECT state FROM workflow_executions WHERE id = %s", ex)[0]
            if st in ("SUCCESS", "ERROR", "CANCELLED"):
                break
            time.sleep(0.25)
        mon_i.settle(idle["total"])
    items_redis = costs.net(mon_i, idle)
    time.sleep(costs.PG_STATS_SETTLE_S)
    owni = db.queries - qi0
    pgi1, ti1 = costs.pg_db_stats(a.pg_admin, stack.db_name), time.monotonic()
    items_tx = (
        sum(pgi1[k] - pgi0[k] - pg_idle[k] * (ti1 - ti0) for k in ("xact_commit", "xact_rollback"))
        - owni
    )
    items_storage = costs.storage_of(db.conn, [ex])

    out = {
        "executions": n_exec,
        "tasks": tasks,
        "redis_idle_per_s": idle,
        "pg_idle_per_s": pg_idle,
        "wfq_redis_per_task": {k: v / tasks for k, v in wfq_redis.items()},
        "wfq_redis_commands": dict(mon.counts.most_common()),
        "wfq_event_channels": channels,
        "wfq_lpush_queues": dict(mon.lpush_queues),
        "bare_redis_per_task": {k: v / tasks for k, v in bare_redis.items()},
        "bare_redis_commands": dict(mon_b.counts.most_common()),
        "bare_event_channels": dict(mon_b.channels),
        "pg_delta": dpg,
        "pg_tx_per_task": tx / tasks,
        "pg_commits_per_task": dpg["xact_commit"] / tasks,
        "pg_rollbacks_per_task": dpg["xact_rollback"] / tasks,
        "row_writes_per_task": {
            t: {k: v / tasks for k, v in d.items()} for t, d in row_writes.items()
        },
        "storage_per_execution": storage,
        "table_growth_bytes_per_execution": growth,
        "column_bytes": cols,
        "with_items": {
            "items": n_items,
            "redis_per_item": {k: v / n_items for k, v in items_redis.items()},
            "redis_commands": dict(mon_i.counts.most_common()),
            "pg_tx_per_item": items_tx / n_items,
            "storage": items_storage,
        },
    }
    log(
        f"f: wfq per task: {out['wfq_redis_per_task']} redis, {out['pg_tx_per_task']:.2f} tx | "
        f"bare per task: {out['bare_redis_per_task']}"
    )
    return out


def profile(a: argparse.Namespace, stack: Stack, api: Any, wfq: Any) -> dict[str, Any]:
    """py-spy on the worker (chain, throughput) and the API (throughput); cProfile + SQL counts
    of one transition in-process. Everything lands in benchmarks/profiles/."""
    from benchmarks import transitions

    out_dir = profiling.PROFILES
    profiling.clean(out_dir)
    rate = 100
    worker = stack.wfq_workers[0]
    info: dict[str, Any] = {}
    chains = 5 if a.quick else 20

    if profiling.py_spy() is None:
        log("py-spy not installed (.venv/bin/pip install py-spy): skipping the sampling profiles")
    else:
        log(f"profile: py-spy on the worker (with idle time) during {chains} chains of 10")
        rec = profiling.record(worker.pid, out_dir / "worker_chain.raw", rate=rate, idle=True)
        x = wfq.sequential("chain", chains, 10, poll=0.005)
        rec.stop()
        info["worker_chain"] = {
            "tasks": chains * 10,
            "observed_s": x["observed_s"],
            "db_s": x["db_s"],
        }
        n_tp = a.n_throughput
        reps = 1
        log(
            f"profile: py-spy on the worker and the API (non-idle samples) during {reps} x {n_tp} executions"
        )
        rw = profiling.record(worker.pid, out_dir / "worker_throughput.raw", rate=rate)
        ra = profiling.record(
            stack.api.pid,
            out_dir / "api_throughput.raw",
            rate=rate,
            subprocesses=a.api != "wfq",
        )
        rates = [wfq.throughput(n_tp)["rate"] for _ in range(reps)]
        rw.stop()
        ra.stop()
        info["throughput"] = {"executions": n_tp * reps, "rates": rates}
        log(
            f"profile: py-spy on the worker and the API (non-idle samples) during with-items over {a.items}"
        )
        rw = profiling.record(worker.pid, out_dir / "worker_with_items.raw", rate=rate)
        ra = profiling.record(
            stack.api.pid,
            out_dir / "api_with_items.raw",
            rate=rate,
            subprocesses=a.api != "wfq",
        )
        wi = wfq.with_items(a.items, poll=0.1)
        rw.stop()
        ra.stop()
        info["with_items"] = {"items": a.items, "db_s": wi["db_s"], "post_s": wi["post_s"]}
        for stem, title, per, body in (
            (
                "worker_chain",
                "wfq worker during chains of 10 std.noop (wall clock, idle included)",
                ("task", chains * 10),
                True,
            ),
            (
                "worker_throughput",
                "wfq worker during throughput (1-task executions), non-idle samples",
                ("execution", n_tp * reps),
                False,
            ),
            (
                "api_throughput",
                "wfq API during throughput (POST + list polling every 50 ms), non-idle samples",
                ("execution", n_tp * reps),
                False,
            ),
            (
                "worker_with_items",
                f"wfq worker during with-items over {a.items} std.echo, non-idle samples",
                ("item", a.items),
                False,
            ),
            (
                "api_with_items",
                f"wfq API during with-items over {a.items} (the POST creates every item), "
                "non-idle samples",
                ("item", a.items),
                False,
            ),
        ):
            raw = out_dir / f"{stem}.raw"
            if raw.exists():
                text = profiling.summarize(
                    raw, rate=rate, title=title, per=per, task_body_only=body
                )
                (out_dir / f"{stem}.txt").write_text(text)
                profiling.flamegraph_svg(raw, out_dir / f"{stem}.svg", title)
        if (out_dir / "worker_throughput.raw").exists():
            # the task body alone, CPU only
            text = profiling.summarize(
                out_dir / "worker_throughput.raw",
                rate=rate,
                title="wfq worker task body during throughput, non-idle samples",
                per=("execution", n_tp * reps),
                task_body_only=True,
            )
            (out_dir / "worker_throughput_task_body.txt").write_text(text)

    log("profile: one transition in-process (SQL statements per phase, cProfile)")
    tr = transitions.run(
        stack.sqlalchemy_url,
        stack.wfq_env(),
        api,
        chains=chains,
        size=10,
        profile_out=out_dir / "transition_cprofile.txt",
    )
    text = (
        f"# One engine transition, in-process (no Celery), {tr['tasks']} tasks of chains of 10 "
        f"std.noop: {tr['ms_per_task']:.2f} ms per task end to end\n"
        "# per call: wall ms, SQL statements, transactions (commit+rollback), pool pre-pings | "
        "statements by kind\n\n"
        + tr["table"]
        + "\n\n# the statements of one call of each phase\n"
        + tr["examples"]
        + "\n"
    )
    (out_dir / "transition_sql.txt").write_text(text)
    info["transition"] = {
        "ms_per_task": tr["ms_per_task"],
        "tasks": tr["tasks"],
        "phases": {
            k: {
                "calls": v.calls,
                "ms": v.seconds / max(v.calls, 1) * 1000,
                "statements": v.statements / max(v.calls, 1),
                "tx": (v.commits + v.rollbacks) / max(v.calls, 1),
                "pings": v.pings / max(v.calls, 1),
                "kinds": {k2: c / max(v.calls, 1) for k2, c in v.kinds.items()},
            }
            for k, v in tr["phases"].items()
        },
    }
    log(f"profile: written to {out_dir}")
    return info


def bench_v2(a: argparse.Namespace, url: str) -> dict[str, Any]:
    """Run shared/bench/bench_v2.py against `url`; returns its JSON summary."""
    path = Path(a.bench_v2)
    if not path.exists():
        log(f"bench_v2.py not found at {path}")
        return {"error": f"not found: {path}"}
    argv = [sys.executable, str(path), "--url", url, "--reps", str(1 if a.quick else a.reps)]
    if a.quick:
        argv += ["--seq-runs", "3", "--n-throughput", "50", "--items", "100"]
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    argv += ["--out", out]
    log("bench_v2: " + " ".join(argv))
    rc = subprocess.run(argv, check=False, stdout=subprocess.DEVNULL).returncode
    if rc != 0:
        return {"error": f"{path.name} exited with {rc} (its error is above)"}
    try:
        return json.loads(Path(out).read_text())
    except (OSError, ValueError) as exc:
        return {"error": str(exc)}
    finally:
        with contextlib.suppress(OSError):
            os.unlink(out)


def snapshot(rev: str) -> tuple[Path, str]:
    """A `git archive` of `rev` in a new temporary folder (to be removed), and its label. Its
    benchmarks/ is left out: the harness (bare Celery, the slow server) is this repository's,
    whatever the commit measured."""
    found = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--verify", "--short", f"{rev}^{{commit}}"],
        capture_output=True,
        text=True,
    )
    if found.returncode != 0:
        raise SystemExit(f"not a commit: {rev} ({found.stderr.strip()})")
    tmp = Path(tempfile.mkdtemp(prefix="wfq-bench-src-"))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(tmp)], input=archive.stdout, check=True)
    shutil.rmtree(tmp / "benchmarks", ignore_errors=True)
    return tmp, f"git {rev} ({found.stdout.strip()}), snapshot"


def use_code(a: argparse.Namespace) -> Path | None:
    """Where wfq is imported from; with --head, a temporary snapshot (returned to be removed)."""
    tmp = None
    if a.head:
        tmp, a.code = snapshot(a.head)
        a.root = tmp
    elif a.wfq_root:
        a.root, a.code = Path(a.wfq_root).resolve(), str(Path(a.wfq_root).resolve())
    else:
        a.root, a.code = ROOT, "work tree"
    # this process imports wfq too (the in-process harness of the profile; --compare has none)
    if a.root != ROOT and not a.compare:
        sys.path.insert(0, str(a.root))
    return tmp


def describe(res: dict[str, Any]) -> str:
    """The machine, its load and the setup of a run, for a table's header."""
    args = res["args"]
    api = args["api"] + (f" x{args['api_workers']}" if args["api"] != "wfq" else "")
    return (
        f"{res['started']}, {res['machine']['cpus']} CPUs, load "
        f"{res['machine']['load_before'][0]:.2f} -> {res['machine']['load_after'][0]:.2f}, "
        f"{args['workers']} wfq worker(s) ({_pool(args['concurrency'])}), API {api}, "
        f"reps {args['reps']} (medians)"
    )


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    tmp_src = use_code(a)
    if a.url and a.url != "started":
        j = bench_v2(a, a.url)
        print(bench_v2_table(j))
        return 0
    try:
        if a.compare:
            from benchmarks import compare  # it builds on this module

            return compare.main(a)
        res = run(a)
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        if tmp_src is not None:
            shutil.rmtree(tmp_src, ignore_errors=True)
    text = table(res)
    header = (
        f"wfq vs bare Celery — {describe(res)}, wfq code: {res['code']}, "
        f"run took {res['duration_s']:.0f} s"
    )
    if "bench_v2" in res:
        text += "\n\n" + bench_v2_table(res["bench_v2"])
    print(header + "\n\n" + text)
    save(res, header + "\n\n" + text, a.out)
    return 0


def save(res: dict[str, Any], text: str, out: str | None, prefix: str = "") -> None:
    """The figures to `out` (default results/<prefix><time>.json), the table to
    results/<prefix>latest.txt."""
    RESULTS.mkdir(exist_ok=True)
    path = Path(out) if out else RESULTS / time.strftime(f"{prefix}%Y%m%d-%H%M%S.json")
    latest = RESULTS / f"{prefix}latest.txt"
    path.write_text(json.dumps(res, indent=2, default=str) + "\n")
    latest.write_text(text + "\n")
    log(f"results: {path} (table also in {latest})")


if __name__ == "__main__":
    sys.exit(main())
