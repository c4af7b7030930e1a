"""The table of `benchmarks.execution_costs`: one column per scenario, one row per counter,
every figure divided by the scenario's executions (by its requests for the GET column)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from benchmarks import counters

COLUMNS = {
    "one": "1-task",
    "chain": "chain 10",
    "fork": "fork 10+join",
    "items": "with-items",
    "get": "GET exec",
}
BRACKETS = ("BEGIN", "COMMIT", "ROLLBACK")
TABLES = ("workflow_executions", "task_executions", "action_executions")


def _num(x: float | None) -> str:
    if x is None:
        return "-"
    ax = abs(x)
    if ax >= 100:
        return f"{x:.0f}"
    if ax >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def _kib(x: float | None) -> str:
    return "-" if x is None else f"{x / 1024:.1f} KiB"


def _calls(s: dict[str, Any], keep: Callable[[str, str], bool], what: str = "calls") -> float:
    """Sum over pg_stat_statements entries ('who|VERB') that `keep(who, verb)` selects."""
    total = 0.0
    for key, c in s["net"]["statements"].items():
        who, _, verb = key.partition("|")
        if keep(who, verb):
            total += c[what]
    return total


def _stm(s: dict[str, Any], verb: str) -> float:
    return _calls(s, lambda _w, v: v == verb)


def _statements(s: dict[str, Any], who: str | None = None) -> float:
    return _calls(s, lambda w, v: v not in BRACKETS and who in (None, w))


def _other_statements(s: dict[str, Any]) -> float:
    main = ("SELECT", "INSERT", "UPDATE", "DELETE", *BRACKETS)
    return _calls(s, lambda _w, v: v not in main)


def _redis_top(s: dict[str, Any], n: float) -> str:
    skip = {"info", *counters.QUEUE_PUSH, *counters.PUBLISH, *counters.POLLS}
    r = {k: v for k, v in s["net"]["redis"].items() if k not in skip and v / n >= 0.05}
    top = sorted(r.items(), key=lambda kv: -kv[1])[:5]
    return ", ".join(f"{k} {_num(v / n)}" for k, v in top) or "-"


def _cpu(s: dict[str, Any], *roles: str) -> float:
    return sum(s["cpu_ms"].get(r, 0.0) for r in roles)


WORKER = ("wfq worker main (consumer)", "wfq worker pool (task bodies)")
SERVER = ("wfq API", *WORKER, "PostgreSQL backends (bench db)", "redis-server (shared)")

# (label, value per unit) — a value function gets the scenario and its unit count
Row = tuple[str, Callable[[dict[str, Any], float], str]]
ROWS: list[Row] = [
    (
        "actions per execution",
        lambda s, n: (
            _num(s["stored"].get("action_executions", {}).get("rows")) if s["stored"] else "-"
        ),
    ),
    ("PostgreSQL, counted", lambda s, n: ""),
    (
        "  transactions (pg_stat_database)",
        lambda s, n: _num((s["net"]["db"]["xact_commit"] + s["net"]["db"]["xact_rollback"]) / n),
    ),
    (
        "    of which explicit (COMMIT): write transactions",
        lambda s, n: _num(_stm(s, "COMMIT") / n),
    ),
    ("    rollbacks", lambda s, n: _num(s["net"]["db"]["xact_rollback"] / n)),
    ("  statements (pg_stat_statements, no BEGIN/COMMIT)", lambda s, n: _num(_statements(s) / n)),
    (
        "    SELECT / INSERT / UPDATE / DELETE",
        lambda s, n: " / ".join(
            _num(_stm(s, v) / n) for v in ("SELECT", "INSERT", "UPDATE", "DELETE")
        ),
    ),
    ("    other (WITH, SET, ...)", lambda s, n: _num(_other_statements(s) / n)),
    (
        "    run by the API / by the worker",
        lambda s, n: " / ".join(_num(_statements(s, w) / n) for w in ("api", "worker")),
    ),
    (
        "  rows inserted / updated / deleted",
        lambda s, n: " / ".join(
            _num(s["net"]["db"][k] / n) for k in ("tup_inserted", "tup_updated", "tup_deleted")
        ),
    ),
    (
        "    updates that were HOT (no index write)",
        lambda s, n: _num(s["net"]["db"].get("hot_updates", 0) / n),
    ),
    ("  WAL written (cluster LSN delta)", lambda s, n: _kib(s["raw"]["wal_bytes"] / n)),
    (
        "  WAL of the statements: API / worker",
        lambda s, n: " / ".join(
            _kib(_calls(s, lambda w, _v, x=x: w == x, "wal_bytes") / n) for x in ("api", "worker")
        ),
    ),
    (
        "  tables+indexes+TOAST growth",
        lambda s, n: _kib(sum(max(0, v) for v in s["raw"]["tables"].values()) / n),
    ),
    (
        "    workflow / task / action executions",
        lambda s, n: " / ".join(_kib(max(0, s["raw"]["tables"].get(t, 0)) / n) for t in TABLES),
    ),
    (
        "  live rows stored (rows, pg_column_size)",
        lambda s, n: (
            (
                f"{_num(sum(v['rows'] for v in s['stored'].values()))} / "
                f"{_kib(sum(v['bytes'] for v in s['stored'].values()))}"
            )
            if s["stored"]
            else "-"
        ),
    ),
    ("Redis, counted (INFO commandstats)", lambda s, n: ""),
    ("  commands", lambda s, n: _num(counters.redis_summary(s["net"]["redis"])["commands"] / n)),
    (
        "  messages queued (LPUSH/RPUSH)",
        lambda s, n: _num(counters.redis_summary(s["net"]["redis"])["queue_push"] / n),
    ),
    (
        "  messages published (PUBLISH)",
        lambda s, n: _num(counters.redis_summary(s["net"]["redis"])["publish"] / n),
    ),
    (
        "  consumer polls (BRPOP...)",
        lambda s, n: _num(counters.redis_summary(s["net"]["redis"])["polls"] / n),
    ),
    ("  other commands (top 5)", _redis_top),
    ("CPU ms, LOAD-SENSITIVE (/proc)", lambda s, n: ""),
    ("  API", lambda s, n: _num(_cpu(s, "wfq API") / n)),
    ("  worker (consumer + pool)", lambda s, n: _num(_cpu(s, *WORKER) / n)),
    ("  PostgreSQL backends", lambda s, n: _num(_cpu(s, "PostgreSQL backends (bench db)") / n)),
    ("  redis-server", lambda s, n: _num(_cpu(s, "redis-server (shared)") / n)),
    ("  sum of the above", lambda s, n: _num(_cpu(s, *SERVER) / n)),
    ("  benchmark client (not in the sum)", lambda s, n: _num(_cpu(s, "benchmark client") / n)),
    ("  wall ms per unit (all submitted at once)", lambda s, n: _num(s["wall_s"] * 1000 / n)),
]


def table(res: dict[str, Any], a: argparse.Namespace) -> str:
    keys = [k for k in COLUMNS if k in res]
    head = ["per execution (GET: per request)", *(COLUMNS[k] for k in keys)]
    sizes = {"one": a.n, "chain": a.chains, "fork": a.forks, "items": a.items_runs, "get": a.gets}
    lines = [
        head,
        [
            "  units measured (final states)",
            *(f"{sizes[k]} {_states(res[k]['states'])}" for k in keys),
        ],
    ]
    for label, fn in ROWS:
        lines.append([label, *(fn(res[k], float(res[k]["n"]) or 1.0) for k in keys)])
    widths = [max(len(r[i]) for r in lines) for i in range(len(head))]
    body = [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in lines]
    body.insert(1, "-+-".join("-" * w for w in widths))
    return header(res, a) + "\n\n" + "\n".join(body) + "\n\n" + notes(res, a)


def _states(states: dict[str, int]) -> str:
    return "(" + ", ".join(f"{k} {v}" for k, v in sorted(states.items())) + ")"


def header(res: dict[str, Any], a: argparse.Namespace) -> str:
    where = (
        "private PostgreSQL cluster (pg_stat_statements) and private redis-server"
        if res.get("private")
        else "the shared PostgreSQL and Redis (WAL, Redis: everyone's)"
    )
    return (
        f"wfq cost per execution — {res['started']}, {res['cpus']} CPUs, load "
        f"{res['load_before']:.1f} -> {res['load_after']:.1f}; {where}; 1 wfq worker with "
        f"default settings, API {a.api}"
        + (f" x{a.api_workers}" if a.api != "wfq" else "")
        + f"; with-items over {a.items} items; settle {a.settle:.1f} s, idle {a.idle:.0f} s "
        "subtracted\ncommand: .venv/bin/python -m benchmarks.execution_costs"
    )


def notes(res: dict[str, Any], a: argparse.Namespace) -> str:
    out = [
        "Counted figures do not depend on the machine's load; CPU and wall figures do.",
        "Idle traffic (BRPOP timeouts, heartbeats) measured first and subtracted; the runner's own "
        "polling SELECTs subtracted from transactions and statements.",
    ]
    if not res.get("statements_counted"):
        out.append(
            "pg_stat_statements not loaded: statements not counted (use the private cluster)."
        )
    if a.settle < 10:
        out.append(
            f"settle {a.settle:.1f} s < 10 s: pg_stat_database figures "
            "(transactions, rows) may be partial."
        )
    return "\n".join(out)
