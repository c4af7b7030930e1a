"""The scenario drivers of `benchmarks.run`: for a-e and j, the repetitions, what each one
records and its progress line; `steps` lists every scenario (f and g-i included) in run order."""

from __future__ import annotations

import argparse
import os
import socket
from typing import Any

from celery import Celery

from benchmarks import cost_scenario, waiting
from benchmarks.cpu import CpuMeter, machine_busy_ms
from benchmarks.harness import Ctx, log
from benchmarks.processes import rss_kb
from benchmarks.stack import Stack


def steps(scen: set[str]) -> list[tuple[str, Any]]:
    """(result key, function of a Ctx) of the chosen scenarios, in the order they run."""
    all_steps: list[tuple[str, set[str], Any]] = [
        ("a", {"a"}, scenario_a),
        ("b", {"b"}, lambda c: scenario_sequential(c, "b", "chain")),
        ("d", {"d"}, lambda c: scenario_sequential(c, "d", "fork")),
        ("c", {"c"}, scenario_c),
        ("j", {"j"}, scenario_j),
        ("e", {"e"}, lambda c: scale(c.a, c.stack, c.wfq)),
        ("f", {"f"}, lambda c: cost_scenario.cost(c.a, c.stack, c.api, c.db, c.wfq, c.bare)),
        ("waiting", {"g", "h", "i"}, lambda c: waiting.run(c, log)),
    ]
    return [(key, fn) for key, keys, fn in all_steps if keys & scen]


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
    a = c.a
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
    if a.first_rep:
        out["big"] = big_with_items(c)
    return out


def big_with_items(c: Ctx) -> dict[str, Any]:
    """c's large with-items run (once), with the peak RSS of the workers and the API, and the
    bare chord of the same size when it is small enough (or --bare-big)."""
    a, stack = c.a, c.stack
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
    log(
        f"c big: wfq {big['observed_s']:.1f}s observed, {big['db_s'] or 0:.1f}s in db "
        f"({big['state']}; POST took {big['post_s']:.1f}s), peak RSS {big['rss_peak_mb']}"
        + (f" | bare chord {y['s']:.1f}s" if y else "")
    )
    return {"wfq": big, "bare": y}


def scenario_j(c: Ctx) -> dict[str, Any]:
    """j: big fan-out: the POST of a with-items over --fanout-items (vs over 1 item), the RSS of
    the workers and the API while it runs, then a cancel: items started after it, time to stop."""
    a, stack = c.a, c.stack
    rss = {"wfq workers": stack.worker_pids, "api": lambda: stack.api.pids()}
    log(f"j: with-items over {a.fanout_items} items, concurrency {a.fanout_concurrency}")
    out = c.cpu_of(
        c.wfq.big_fanout,
        a.fanout_items,
        a.fanout_concurrency,
        a.fanout_seconds,
        rss,
        a.fanout_finish,
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
    what "a second worker raises throughput when the engine is the bottleneck" asks.

    Each drain also records the CPU it cost, process by process and for the whole machine, per
    execution: how many cores the machine has divided by that cost is the fastest any number of
    workers could drain here, so the table can say whether 2 workers fall short of 2x because of
    the engine or because the machine has no more CPU to give."""
    control = Celery("bench-control", broker=stack.redis_url)
    queues = [stack.queue, stack.engine_queue]
    meter = CpuMeter(stack)
    out: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "workers": [1, a.scale_workers],
        "concurrency": a.scale_concurrency,
        "1": [],
        str(a.scale_workers): [],
    }
    restart_workers(stack, a.scale_workers, a.scale_concurrency)
    wfq.throughput(100, poll=0.02)  # warm every pool child (each builds its services once)
    names = [f"wfq-{stack.run_id}-{i + 1}@{socket.gethostname()}" for i in range(a.scale_workers)]

    def drain(k: int) -> dict[str, Any]:
        for q in queues:
            control.control.cancel_consumer(q, destination=names, reply=True, timeout=5)
        ids = wfq.backlog(a.n_backlog)
        cpu0, busy0 = meter.start(), machine_busy_ms()
        for q in queues:
            control.control.add_consumer(q, destination=names[:k], reply=True, timeout=5)
        x = dict(wfq.drain(ids))
        x["machine_ms"] = (machine_busy_ms() - busy0) / len(ids)
        x["cpu_ms"] = meter.stop(cpu0)
        return x

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
    restart_workers(stack, a.workers, a.concurrency)
    return out


def restart_workers(stack: Stack, n: int, concurrency: int | None) -> None:
    """Replace the stack's wfq worker processes with `n` of pool size `concurrency`."""
    while stack.wfq_workers:
        stack.remove_worker()
    stack.concurrency = concurrency
    while len(stack.wfq_workers) < n:
        stack.add_worker()
