"""What one execution costs, counted rather than timed: `.venv/bin/python -m benchmarks.execution_costs`.

Starts wfq with its default settings (the harness of `benchmarks.run`: one worker, the API
under granian x2) on a private PostgreSQL cluster (pg_stat_statements preloaded) and a private
redis-server, runs one-task executions, chains of 10, forks of 10 with `join: all`, with-items
over 100 items and single-execution GETs, and prints per execution what PostgreSQL and Redis
did. Those counts do not depend on the machine's load; the CPU and wall figures do and are
marked so. The table goes to benchmarks/results/costs.txt. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from benchmarks import costs, counters, cpu, workflows
from benchmarks.clients import Api, Db
from benchmarks.costs_table import table
from benchmarks.private_services import PrivatePostgres, PrivateRedis
from benchmarks.stack import Stack

RESULTS = Path(__file__).resolve().parent / "results"
SCENARIOS = ("one", "chain", "fork", "items", "get")
TERMINAL = ("SUCCESS", "ERROR", "CANCELLED")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--n", type=int, default=200, help="one-task executions (default 200)")
    p.add_argument("--chains", type=int, default=20, help="chains of 10 (default 20)")
    p.add_argument("--forks", type=int, default=20, help="forks of 10 + join: all (default 20)")
    p.add_argument("--items-runs", type=int, default=3, help="with-items executions (default 3)")
    p.add_argument("--items", type=int, default=100, help="items of each (default 100)")
    p.add_argument("--gets", type=int, default=200, help="GET /v2/executions/<id> (default 200)")
    p.add_argument(
        "--scenarios",
        default=",".join(SCENARIOS),
        help=f"subset of {','.join(SCENARIOS)} (default: all)",
    )
    p.add_argument("--threads", type=int, default=8, help="client threads submitting (default 8)")
    p.add_argument(
        "--settle",
        type=float,
        default=costs.PG_STATS_SETTLE_S,
        help="seconds waited after each scenario for PostgreSQL to publish the "
        "statistics of its backends (pg_stat_database; default 11.5: PostgreSQL 15 "
        "flushes an idle backend's after up to 10 s). Less makes those counts partial",
    )
    p.add_argument(
        "--idle",
        type=float,
        default=5.0,
        help="seconds of idle traffic measured first, subtracted from every scenario",
    )
    p.add_argument("--api", choices=["granian", "gunicorn", "wfq"], default="granian")
    p.add_argument("--api-workers", type=int, default=2)
    p.add_argument(
        "--shared",
        action="store_true",
        help="use the shared PostgreSQL (--pg-admin) and Redis (--redis, --redis-db) "
        "instead of private ones: WAL and Redis commands then include everyone's traffic",
    )
    p.add_argument(
        "--pg-admin",
        default=os.environ.get("WFQ_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres"),
    )
    p.add_argument("--redis", default="127.0.0.1:6379")
    p.add_argument("--redis-db", type=int, default=14)
    p.add_argument("--out", default=str(RESULTS / "costs.txt"), help="where the table is written")
    p.add_argument("--json", help="also write every figure to this JSON file")
    p.add_argument("--keep-logs", action="store_true")
    a = p.parse_args(argv)
    a.scen = [s for s in SCENARIOS if s in {x.strip() for x in a.scenarios.split(",")}]
    return a


@dataclass
class Bench:
    """The started system and the means to count what it does."""

    a: argparse.Namespace
    stack: Stack
    api: Any
    db: Any
    counters: counters.Counters
    meter: cpu.CpuMeter

    def own(self) -> int:
        return int(self.db.queries + self.counters.own_queries)

    def submit(self, name: str, n: int, wf_input: dict[str, Any] | None = None) -> list[str]:
        with cf.ThreadPoolExecutor(self.a.threads) as pool:
            return list(pool.map(lambda _: self.api.start(name, wf_input), range(n)))

    def wait(self, ids: list[str], timeout: float = 300.0) -> dict[str, int]:
        pending, states = set(ids), {}
        deadline = time.monotonic() + timeout
        while pending and time.monotonic() < deadline:
            st = self.db.states(list(pending))
            for i in [i for i in pending if st.get(i) in TERMINAL]:
                states[i] = st[i]
                pending.discard(i)
            if pending:
                time.sleep(0.2)
        out: dict[str, int] = {}
        for s in [*states.values(), *(["TIMEOUT"] * len(pending))]:
            out[s] = out.get(s, 0) + 1
        return out


# ---- the scenarios: each returns its size n, the executions' ids and their final states -----
def _executions(b: Bench, kind: str, text: str, n: int, wf_input: Any = None) -> dict[str, Any]:
    name = f"costs_{kind}_{b.stack.run_id}"
    b.api.put_workflow(text.replace("__NAME__", name))
    ids = b.submit(name, n, wf_input)
    return {"n": n, "ids": ids, "states": b.wait(ids)}


def scenario(b: Bench, key: str, ids_for_get: list[str]) -> dict[str, Any]:
    a = b.a
    if key == "one":
        return _executions(b, key, workflows.noop1("__NAME__"), a.n)
    if key == "chain":
        return _executions(b, key, workflows.chain("__NAME__", 10), a.chains)
    if key == "fork":
        return _executions(b, key, workflows.forkjoin("__NAME__", 10), a.forks)
    if key == "items":
        items = {"items": list(range(a.items))}
        return _executions(b, key, workflows.fanout("__NAME__"), a.items_runs, items)
    target = ids_for_get[0]
    with cf.ThreadPoolExecutor(min(4, a.threads)) as pool:
        got = list(pool.map(lambda _: b.api.state(target), range(a.gets)))
    return {"n": a.gets, "ids": [], "states": {s: got.count(s) for s in set(got)}}


def measure(
    b: Bench, key: str, s0: counters.Snapshot, own0: int, run: Any
) -> tuple[dict[str, Any], counters.Snapshot, int]:
    """Run one scenario between two snapshots; returns its figures and the closing snapshot."""
    c0 = b.meter.start()
    t0 = time.monotonic()
    out = run()
    out["wall_s"] = time.monotonic() - t0
    out["cpu_ms"] = b.meter.stop(c0)
    time.sleep(b.a.settle)
    s1 = b.counters.snapshot()
    own1 = b.own()
    out["raw"] = counters.delta(s0, s1)
    out["own_statements"] = own1 - own0
    log(f"{key}: {out['n']} in {out['wall_s']:.1f}s, states {out['states']}")
    return out, s1, own1


def stored(b: Bench, ids: list[str]) -> dict[str, dict[str, float]]:
    if not ids:
        return {}
    out = costs.storage_of(b.db.conn, ids)
    b.db.queries += len(out)
    return out


def warm_up(b: Bench) -> None:
    """One of each workflow, so that caches, pools and connections are there before counting."""
    name = f"costs_warm_{b.stack.run_id}"
    for kind, text, inp in (
        ("one", workflows.noop1(name), None),
        ("chain", workflows.chain(name, 10), None),
        ("fork", workflows.forkjoin(name, 10), None),
        ("items", workflows.fanout(name), {"items": list(range(10))}),
    ):
        if kind not in b.a.scen:
            continue
        b.api.put_workflow(text)
        b.wait(b.submit(name, 2, inp))
        log(f"warm-up: {kind}")


def run_all(b: Bench) -> dict[str, Any]:
    a = b.a
    warm_up(b)
    time.sleep(a.settle)
    s, own = b.counters.snapshot(), b.own()
    idle, s, own = measure(
        b, "idle", s, own, lambda: (time.sleep(a.idle), {"n": 0, "ids": [], "states": {}})[1]
    )
    res: dict[str, Any] = {"idle": idle}
    ids_for_get: list[str] = []
    for key in a.scen:
        out, s, own = measure(b, key, s, own, lambda k=key, g=ids_for_get: scenario(b, k, g))
        out["net"] = counters.minus_idle(out["raw"], idle["raw"], out["own_statements"])
        # (these reads happen after the closing snapshot: they count as the next scenario's
        # own statements, which `own` still includes)
        out["stored"] = stored(b, out["ids"])
        ids_for_get = ids_for_get or out["ids"]
        res[key] = out
    return res


def start(a: argparse.Namespace) -> tuple[Stack, list[Any]]:
    stack = Stack(
        workers=1,
        baseline=False,
        api_server=a.api,
        api_workers=a.api_workers,
        keep_logs=a.keep_logs,
    )
    private: list[Any] = []
    if a.shared:
        stack.pg_admin_url, stack.redis_host, stack.redis_db = a.pg_admin, a.redis, a.redis_db
    else:
        pg = PrivatePostgres().start()
        private.append(pg)
        redis = PrivateRedis(stack.logdir).start()
        private.append(redis)
        stack.pg_admin_url, stack.redis_host, stack.redis_db = pg.admin_url, redis.host, 0
    if not a.shared:
        # the API connects as its own role: pg_stat_statements then tells its statements apart
        with psycopg.connect(stack.pg_admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE ROLE {counters.API_ROLE} LOGIN SUPERUSER")
        stack.api_database_url = stack.sqlalchemy_url.replace(
            "//postgres@", f"//{counters.API_ROLE}@", 1
        )
    log(
        f"starting wfq (database {stack.db_name} on {stack.pg_admin_url.rsplit('/', 1)[0]}, "
        f"Redis {stack.redis_url}; logs in {stack.logdir})"
    )
    stack.start()
    return stack, private


def run(a: argparse.Namespace) -> dict[str, Any]:
    if a.scen == ["get"]:  # a GET needs an execution to read
        a.scen = ["one", "get"]
    res: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_before": os.getloadavg()[0],
        "cpus": os.cpu_count(),
    }
    stack, private = None, []
    try:
        stack, private = start(a)
        r = stack.redis()
        db = Db(stack.pg_url)
        cnt = counters.Counters(stack.pg_admin_url, stack.db_name, stack.pg_url, r)
        b = Bench(a, stack, Api(stack.api_url), db, cnt, cpu.CpuMeter(stack))
        res["statements_counted"] = cnt.has_statements
        res["private"] = not a.shared
        res.update(run_all(b))
        db.close()
        r.close()
    finally:
        if stack is not None:
            stack.stop()
        for p in reversed(private):
            with contextlib.suppress(Exception):
                p.stop()
    res["load_after"] = os.getloadavg()[0]
    return res


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    try:
        res = run(a)
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    text = table(res, a)
    print(text)
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n")
    if a.json:
        for v in res.values():
            if isinstance(v, dict):
                v.pop("ids", None)
        Path(a.json).write_text(json.dumps(res, indent=2, default=str) + "\n")
    log(f"table written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
