"""The command line of `python -m benchmarks.run`: its options, their defaults and the sizes
`--quick` shrinks. Parsing only; nothing here starts a process."""

from __future__ import annotations

import argparse
import os

from benchmarks.processes import ROOT

BENCH_V2 = ROOT.parent / "shared" / "bench" / "bench_v2.py"

DESCRIPTION = """wfq vs bare Celery, side by side in one run: `.venv/bin/python -m benchmarks.run [--quick]`.

See benchmarks/README.md for what each scenario measures and how to read the table.
"""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The options of `argv` (default sys.argv), the sizes `--quick` leaves unset filled in."""
    p = argparse.ArgumentParser(
        description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    # --help lists the options in the order they are added: keep these calls in this order
    _add_sizes(p)
    _add_stack(p)
    _add_scenarios(p)
    _add_services(p)
    _add_code(p)
    return with_defaults(p.parse_args(argv))


def with_defaults(a: argparse.Namespace) -> argparse.Namespace:
    """`a` with the sizes left unset given their default (full run) or `--quick` value."""
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


def _add_sizes(p: argparse.ArgumentParser) -> None:
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


def _add_stack(p: argparse.ArgumentParser) -> None:
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


def _add_scenarios(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--scale-workers",
        type=int,
        default=2,
        help="worker processes compared with 1 in e (default 2)",
    )
    p.add_argument(
        "--n-backlog",
        type=int,
        default=600,
        help="executions of the backlog drained in e (default 600)",
    )
    p.add_argument(
        "--scale-concurrency",
        type=int,
        default=None,
        help="pool size (-c) of each worker process in e (default: wfq's defaults, one process "
        "of threads, so that 1 worker process is the bottleneck the second one should relieve)",
    )
    p.add_argument(
        "--scenarios",
        default="a,b,c,d,e,f,g,h,i,j",
        help="subset of a,b,c,d,e,f,g,h,i,j (default: all)",
    )
    p.add_argument("--no-profile", action="store_true", help="skip the py-spy and cProfile phase")
    p.add_argument(
        "--fanout-items", type=int, help="j: items of the big with-items (100000; quick 10000)"
    )
    p.add_argument(
        "--fanout-concurrency", type=int, default=1000, help="j: its concurrency (default 1000)"
    )
    p.add_argument(
        "--fanout-seconds",
        type=float,
        default=60.0,
        help="j: how long it runs before it is cancelled (default 60 s)",
    )
    p.add_argument("--fanout-finish", action="store_true", help="j: run it to the end, no cancel")


def _add_services(p: argparse.ArgumentParser) -> None:
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


def _add_code(p: argparse.ArgumentParser) -> None:
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
