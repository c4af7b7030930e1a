"""Two versions of wfq side by side in one run: `python -m benchmarks.run --compare REV`.

The old side is a `git archive` snapshot of REV, the new side the work tree (or `--head` /
`--wfq-root`). Both stacks run at the same time on the same PostgreSQL (a fresh database each)
and the same Redis db (queues named per stack; the bare Celery worker of the old stack serves
both). Each scenario's repetitions alternate the sides, old new, new old, old new, ... so that a
change of the machine's load weighs on both alike, and one table shows every wfq figure of both
with their ratio. The in-process profile and bench_v2 are not run: this process can import only
one version of wfq.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import signal
import time
from typing import Any

from benchmarks.drivers import steps
from benchmarks.harness import Ctx, describe, log, new_stack, on_term, open_ctx, save
from benchmarks.report import compare_table
from benchmarks.sources import snapshot

SIDES = ("old", "new")
ONCE = {"f", "j"}
"""Scenarios measured once per side: they have no repetitions."""


def interleave(reps: int) -> list[tuple[int, str]]:
    """(repetition, side) in the order they run: old new, new old, old new, ... (A B B A): the
    side that runs second, on a machine warmed up or loaded by the first, changes each time."""
    order: list[tuple[int, str]] = []
    for rep in range(reps):
        pair = SIDES if rep % 2 == 0 else SIDES[::-1]
        order += [(rep, side) for side in pair]
    return order


def merge(acc: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Add one repetition's results to `acc`: lists of runs (dicts) are extended, nested dicts
    merged, anything else (sizes, a figure measured once) kept from the first repetition."""
    for key, value in new.items():
        if key not in acc:
            acc[key] = value
        elif isinstance(value, dict) and isinstance(acc[key], dict):
            merge(acc[key], value)
        elif isinstance(value, list) and all(isinstance(x, dict) for x in value):
            acc[key] = [*acc[key], *value]
    return acc


def rep_args(a: argparse.Namespace, rep: int, side: str) -> argparse.Namespace:
    """The arguments of one call of a scenario: one repetition; the parts measured once per side
    in the side's first, bare Celery's minute-long ones only with the old side's first."""
    first = rep == 0
    once_bare = first and side == SIDES[0]
    return argparse.Namespace(**{**vars(a), "reps": 1, "first_rep": first, "once_bare": once_bare})


def run(a: argparse.Namespace) -> dict[str, Any]:
    """Start both stacks, run the chosen scenarios interleaved, stop both."""
    old_src, old_label = snapshot(a.compare)
    stacks = {
        "old": new_stack(a, wfq_root=old_src),
        "new": new_stack(a, fresh_redis=False, baseline=False),
    }
    signal.signal(signal.SIGTERM, on_term)
    res: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "args": {**{k: v for k, v in vars(a).items() if k != "scen"}, "scenarios": sorted(a.scen)},
        "machine": {"cpus": os.cpu_count(), "load_before": os.getloadavg()},
        "code": {"old": old_label, "new": a.code},
        "order": interleave(a.reps),
        "old": {},
        "new": {},
    }
    t0 = time.monotonic()
    try:
        ctxs = {side: open_ctx(a, stacks[side]) for side in SIDES}
        run_steps(a, ctxs, res)
        for ctx in ctxs.values():
            ctx.db.close()
    finally:
        log("stopping processes, dropping the databases")
        for side in reversed(SIDES):
            stacks[side].stop()
        shutil.rmtree(old_src, ignore_errors=True)
    res["duration_s"] = time.monotonic() - t0
    res["machine"]["load_after"] = os.getloadavg()
    return res


def run_steps(a: argparse.Namespace, ctxs: dict[str, Ctx], res: dict[str, Any]) -> None:
    """Each scenario, its repetitions interleaved between the sides."""
    for key, fn in steps(a.scen):
        for rep, side in interleave(a.reps):
            if rep and key in ONCE:
                continue
            log(f"compare: {key} repetition {rep + 1}, {side} ({res['code'][side]})")
            ctx = dataclasses.replace(ctxs[side], a=rep_args(a, rep, side))
            merge(res[side], {key: fn(ctx)})


def main(a: argparse.Namespace) -> int:
    """Run, print the table, save the figures and compare-latest.txt."""
    if a.url or not a.no_profile:
        log("--compare: the profile and bench_v2 are not run")
    res = run(a)
    labels = (f"old: {res['code']['old']}", f"new: {res['code']['new']}")
    header = (
        f"wfq, two versions side by side — {describe(res)}, repetitions interleaved "
        f"(old new, new old, ...), run took {res['duration_s']:.0f} s\n"
        "new/old: the ratio of the cells' headline figures (for `x -> y`, y); below 1 is "
        "better for times, CPU and counts, above 1 for rates (/s) and e's scale-up"
    )
    text = header + "\n\n" + compare_table(res["old"], res["new"], labels)
    print(text)
    save(res, text, a.out, prefix="compare-")
    return 0
