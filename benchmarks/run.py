"""wfq vs bare Celery, side by side in one run: `.venv/bin/python -m benchmarks.run [--quick]`.

The entry point: it parses the options (benchmarks.options), picks the code measured
(benchmarks.sources), starts one stack, runs the scenario drivers (benchmarks.drivers), the
profile phase and the bench_v2 cross-check, then prints and saves the table; `--compare` hands
over to benchmarks.compare. See benchmarks/README.md for what each scenario measures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import time
from typing import Any

from benchmarks import compare
from benchmarks.cross_check import bench_v2
from benchmarks.drivers import steps
from benchmarks.harness import describe, log, new_stack, on_term, open_ctx, save
from benchmarks.options import parse_args
from benchmarks.profile_phase import profile
from benchmarks.report import bench_v2_table, table
from benchmarks.sources import use_code


def run(a: argparse.Namespace) -> dict[str, Any]:
    """Start the stack of `a`, run the chosen scenarios (then the profile, bench_v2), stop it;
    every figure, with the run's arguments, machine and load."""
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


def main(argv: list[str] | None = None) -> int:
    """`python -m benchmarks.run`: its exit status (130 when interrupted)."""
    a = parse_args(argv)
    tmp_src = use_code(a)
    if a.url and a.url != "started":
        print(bench_v2_table(bench_v2(a, a.url)))
        return 0
    try:
        if a.compare:
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


if __name__ == "__main__":
    sys.exit(main())
