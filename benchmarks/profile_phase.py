"""The profile phase of `benchmarks.run` (after the scenarios, skipped by --no-profile): py-spy
on the worker and the API while they run chains, throughput and with-items, then one engine
transition in-process (cProfile, SQL statements per phase). Files land in benchmarks/profiles/."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks import profiling, transitions
from benchmarks.harness import log
from benchmarks.stack import Stack

RATE = 100
"""py-spy samples per second."""


def profile(a: argparse.Namespace, stack: Stack, api: Any, wfq: Any) -> dict[str, Any]:
    """py-spy on the worker (chain, throughput) and the API (throughput); cProfile + SQL counts
    of one transition in-process. Everything lands in benchmarks/profiles/."""
    out_dir = profiling.PROFILES
    profiling.clean(out_dir)
    info: dict[str, Any] = {}
    chains = 5 if a.quick else 20
    if profiling.py_spy() is None:
        log("py-spy not installed (.venv/bin/pip install py-spy): skipping the sampling profiles")
    else:
        info.update(sample(a, stack, wfq, out_dir, chains))
        summarize(out_dir, chains, a.n_throughput, a.items)
    info["transition"] = transition(stack, api, out_dir, chains)
    log(f"profile: written to {out_dir}")
    return info


def sample(
    a: argparse.Namespace, stack: Stack, wfq: Any, out_dir: Path, chains: int
) -> dict[str, Any]:
    """The py-spy recordings (*.raw): the worker during chains, the worker and the API during
    throughput and during with-items; what each one ran."""
    worker = stack.wfq_workers[0]
    info: dict[str, Any] = {}
    log(f"profile: py-spy on the worker (with idle time) during {chains} chains of 10")
    rec = profiling.record(worker.pid, out_dir / "worker_chain.raw", rate=RATE, idle=True)
    x = wfq.sequential("chain", chains, 10, poll=0.005)
    rec.stop()
    info["worker_chain"] = {"tasks": chains * 10, "observed_s": x["observed_s"], "db_s": x["db_s"]}
    n_tp = a.n_throughput
    log(
        f"profile: py-spy on the worker and the API (non-idle samples) during 1 x {n_tp} executions"
    )
    with _recording(a, stack, out_dir, "throughput"):
        rates = [wfq.throughput(n_tp)["rate"]]
    info["throughput"] = {"executions": n_tp, "rates": rates}
    log(
        f"profile: py-spy on the worker and the API (non-idle samples) during with-items over {a.items}"
    )
    with _recording(a, stack, out_dir, "with_items"):
        wi = wfq.with_items(a.items, poll=0.1)
    info["with_items"] = {"items": a.items, "db_s": wi["db_s"], "post_s": wi["post_s"]}
    return info


@contextlib.contextmanager
def _recording(a: argparse.Namespace, stack: Stack, out_dir: Path, stem: str) -> Iterator[None]:
    """py-spy on the first worker and the API (non-idle samples) to worker_<stem>.raw and
    api_<stem>.raw, for the duration of a `with` block."""
    worker = stack.wfq_workers[0]
    rw = profiling.record(worker.pid, out_dir / f"worker_{stem}.raw", rate=RATE)
    ra = profiling.record(
        stack.api.pid, out_dir / f"api_{stem}.raw", rate=RATE, subprocesses=a.api != "wfq"
    )
    yield
    rw.stop()
    ra.stop()


def summaries(chains: int, n_tp: int, items: int) -> list[tuple[str, str, tuple[str, int], bool]]:
    """(file stem, title, (unit, count) the samples are divided by, task body only) of each
    recording."""
    return [
        (
            "worker_chain",
            "wfq worker during chains of 10 std.noop (wall clock, idle included)",
            ("task", chains * 10),
            True,
        ),
        (
            "worker_throughput",
            "wfq worker during throughput (1-task executions), non-idle samples",
            ("execution", n_tp),
            False,
        ),
        (
            "api_throughput",
            "wfq API during throughput (POST + list polling every 50 ms), non-idle samples",
            ("execution", n_tp),
            False,
        ),
        (
            "worker_with_items",
            f"wfq worker during with-items over {items} std.echo, non-idle samples",
            ("item", items),
            False,
        ),
        (
            "api_with_items",
            f"wfq API during with-items over {items} (the POST creates every item), "
            "non-idle samples",
            ("item", items),
            False,
        ),
    ]


def summarize(out_dir: Path, chains: int, n_tp: int, items: int) -> None:
    """<stem>.txt and <stem>.svg of every recording, and the worker's task body alone."""
    for stem, title, per, body in summaries(chains, n_tp, items):
        raw = out_dir / f"{stem}.raw"
        if raw.exists():
            text = profiling.summarize(raw, rate=RATE, title=title, per=per, task_body_only=body)
            (out_dir / f"{stem}.txt").write_text(text)
            profiling.flamegraph_svg(raw, out_dir / f"{stem}.svg", title)
    if (out_dir / "worker_throughput.raw").exists():
        # the task body alone, CPU only
        text = profiling.summarize(
            out_dir / "worker_throughput.raw",
            rate=RATE,
            title="wfq worker task body during throughput, non-idle samples",
            per=("execution", n_tp),
            task_body_only=True,
        )
        (out_dir / "worker_throughput_task_body.txt").write_text(text)


def transition(stack: Stack, api: Any, out_dir: Path, chains: int) -> dict[str, Any]:
    """One engine transition in-process: transition_sql.txt, transition_cprofile.txt, and the
    figures per phase."""
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
    return {
        "ms_per_task": tr["ms_per_task"],
        "tasks": tr["tasks"],
        "phases": {k: _per_call(v) for k, v in tr["phases"].items()},
    }


def _per_call(v: Any) -> dict[str, Any]:
    """A phase's figures per call."""
    n = max(v.calls, 1)
    return {
        "calls": v.calls,
        "ms": v.seconds / n * 1000,
        "statements": v.statements / n,
        "tx": (v.commits + v.rollbacks) / n,
        "pings": v.pings / n,
        "kinds": {k2: c / n for k2, c in v.kinds.items()},
    }
