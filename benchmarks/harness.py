"""What every part of `benchmarks.run` shares: the progress log, the stack of a run and its
start (`open_ctx`: clients, CPU meter, warm-up), the header of a table and where results go."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import cpu
from benchmarks.clients import Api, Db
from benchmarks.scenarios import BareScenarios, WfqScenarios
from benchmarks.stack import Stack

RESULTS = Path(__file__).resolve().parent / "results"


def log(msg: str) -> None:
    """One timestamped progress line on stderr (stdout carries only the table)."""
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


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
        f"({pool_text(a.concurrency)}), API{bare_text}, wfq code: {stack.wfq_root} (logs in {stack.logdir})"
    )
    stack.start()
    if stack.baseline:  # the in-process bare Celery client sends to this stack's bare worker
        os.environ["BENCH_BARE_BROKER"] = stack.redis_url
        os.environ["BENCH_BARE_QUEUE"] = stack.bare_queue

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


def on_term(signum: int, _frame: Any) -> None:
    """SIGTERM ends a run as Ctrl-C does, so that its processes are stopped."""
    raise KeyboardInterrupt


def pool_text(concurrency: int | None) -> str:
    """The worker pool of `--concurrency`, in words."""
    return (
        f"-c {concurrency}" if concurrency else "default pool: worker_slots threads + engine lane"
    )


def describe(res: dict[str, Any]) -> str:
    """The machine, its load and the setup of a run, for a table's header."""
    args = res["args"]
    api = args["api"] + (f" x{args['api_workers']}" if args["api"] != "wfq" else "")
    return (
        f"{res['started']}, {res['machine']['cpus']} CPUs, load "
        f"{res['machine']['load_before'][0]:.2f} -> {res['machine']['load_after'][0]:.2f}, "
        f"{args['workers']} wfq worker(s) ({pool_text(args['concurrency'])}), API {api}, "
        f"reps {args['reps']} (medians)"
    )


def save(res: dict[str, Any], text: str, out: str | None, prefix: str = "") -> None:
    """The figures to `out` (default results/<prefix><time>.json), the table to
    results/<prefix>latest.txt."""
    RESULTS.mkdir(exist_ok=True)
    path = Path(out) if out else RESULTS / time.strftime(f"{prefix}%Y%m%d-%H%M%S.json")
    latest = RESULTS / f"{prefix}latest.txt"
    path.write_text(json.dumps(res, indent=2, default=str) + "\n")
    latest.write_text(text + "\n")
    log(f"results: {path} (table also in {latest})")
