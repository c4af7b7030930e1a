"""One engine transition in isolation: SQL statements, transactions and time per phase, and a
deterministic profile (cProfile) of the worker's task body, without Celery in the way.

It runs wfq's own service functions in this process against the benchmark database, with a
dispatcher that records what would be sent instead of sending it. For a chain of N std.noop
tasks it drives every task the way `workers/tasks.py run_action` does (claim, run, complete) and
counts what each phase asks of PostgreSQL.
"""

from __future__ import annotations

import collections
import cProfile
import io
import pstats
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event


class Recorder:
    """A dispatcher that only records (like tests/conftest.py RecordingDispatcher)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str | None]] = []
        self.other: list[Any] = []

    def run_actions(self, items: Any, labels: Any = None) -> None:
        self.sent.extend(items)

    def run_items(
        self, task_execution_id: str, action_ids: Any, queue: str | None, label: str = ""
    ) -> None:
        self.sent.extend((a, queue) for a in action_ids)

    def send(
        self, task_name: str, args: list[Any], queue: str | None = None, eta: Any = None
    ) -> None:
        self.other.append((task_name, args))


_TABLE = re.compile(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", re.I)


@dataclass
class SqlCounter:
    """Counts statements (by verb and table), transactions and pool pre-pings of an engine."""

    statements: list[str] = field(default_factory=list)
    commits: int = 0
    rollbacks: int = 0
    pings: int = 0

    def attach(self, engine: Any) -> None:
        if engine.dialect.name == "postgresql":
            # Counted at the driver: a transition sends its statements through psycopg's
            # pipeline (wfq/persistence/records.py), which SQLAlchemy's events do not see.
            self._count_psycopg()
        else:
            event.listen(engine, "before_cursor_execute", self._on_exec)
        event.listen(engine, "commit", lambda conn: self._inc("commits"))
        event.listen(engine, "rollback", lambda conn: self._inc("rollbacks"))
        dialect = engine.dialect
        orig = dialect.do_ping

        def counting_ping(dbapi_conn: Any) -> bool:
            self.pings += 1
            return orig(dbapi_conn)

        dialect.do_ping = counting_ping

    def _count_psycopg(self) -> None:
        """Every statement psycopg executes in this process from now on (this process only
        runs the measured transitions)."""
        import psycopg

        execute = psycopg.Cursor.execute
        statements = self.statements

        def counting(cursor: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
            statements.append(str(query))
            return execute(cursor, query, *args, **kwargs)

        psycopg.Cursor.execute = counting  # type: ignore[method-assign]

    def _inc(self, name: str) -> None:
        setattr(self, name, getattr(self, name) + 1)

    def _on_exec(
        self, conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        self.statements.append(statement)

    def snapshot(self) -> tuple[int, int, int, int]:
        return len(self.statements), self.commits, self.rollbacks, self.pings

    @staticmethod
    def describe(stmt: str) -> str:
        verb = stmt.lstrip().split(None, 1)[0].upper()
        m = _TABLE.search(stmt)
        lock = " FOR UPDATE" if "FOR UPDATE" in stmt.upper() else ""
        return f"{verb} {m.group(1) if m else '?'}{lock}"


@dataclass
class PhaseStats:
    calls: int = 0
    statements: int = 0
    commits: int = 0
    rollbacks: int = 0
    pings: int = 0
    seconds: float = 0.0
    kinds: collections.Counter[str] = field(default_factory=collections.Counter)

    def row(self, name: str) -> str:
        c = max(self.calls, 1)
        kinds = ", ".join(f"{k} x{v / c:.3g}" for k, v in sorted(self.kinds.items()))
        return (
            f"{name:<34} {self.seconds / c * 1000:7.2f} ms {self.statements / c:5.1f} stmts "
            f"{(self.commits + self.rollbacks) / c:4.1f} tx {self.pings / c:4.1f} pings | {kinds}"
        )


def run(
    sqlalchemy_url: str,
    env: dict[str, str],
    api: Any,
    *,
    chains: int,
    size: int,
    profile_out: Path | None = None,
) -> dict[str, Any]:
    """Drive `chains` chains of `size` std.noop tasks in-process; return the per-phase counts."""
    # wfq is imported here, not at the top: with --head/--wfq-root, the code measured is put on
    # sys.path once the options are read, after this module was imported
    from benchmarks import workflows
    from wfq import settings as settings_mod
    from wfq.persistence.db import Database
    from wfq.services.context import Services

    s = settings_mod.load(env)
    rec = Recorder()
    svc = Services(settings=s, db=Database(sqlalchemy_url), dispatcher=rec)
    counter = SqlCounter()
    counter.attach(svc.db.engine)
    name = f"bench_inproc_{int(time.time() * 1000) % 10**8}"
    api.put_workflow(workflows.chain(name, size))
    phases: dict[str, PhaseStats] = collections.defaultdict(PhaseStats)
    example: dict[str, list[str]] = {}
    measured = _measure(counter, phases, example)
    # warm-up: caches (spec, compiled SQL) as a long-running worker has them
    _drive(svc, rec, name, lambda ph, fn, *a, **k: fn(*a, **k))
    t0 = time.perf_counter()
    for _ in range(chains):
        _drive(svc, rec, name, measured)
    wall = time.perf_counter() - t0
    tasks = chains * size
    if profile_out is not None:
        _cprofile(svc, rec, (name, s.default_project), max(1, chains), size, profile_out)
    svc.db.dispose()
    examples_text = "\n".join(
        f"## {ph}\n" + "\n".join("  " + _short(x) for x in stmts) for ph, stmts in example.items()
    )
    return {
        "tasks": tasks,
        "wall_s": wall,
        "ms_per_task": wall / tasks * 1000,
        "phases": {k: v for k, v in phases.items()},
        "table": "\n".join(v.row(k) for k, v in phases.items()),
        "examples": examples_text,
    }


def _measure(
    counter: SqlCounter, phases: dict[str, PhaseStats], example: dict[str, list[str]]
) -> Any:
    """A `measured(phase, fn, *args)` that calls `fn` and adds its time and SQL to `phases`
    (and keeps the statements of the first call of each phase in `example`)."""

    def measured(phase: str, fn: Any, *args: Any, **kw: Any) -> Any:
        n0, c0, r0, p0 = counter.snapshot()
        t0 = time.perf_counter()
        out = fn(*args, **kw)
        dt = time.perf_counter() - t0
        n1, c1, r1, p1 = counter.snapshot()
        ph = phases[phase]
        ph.calls += 1
        ph.seconds += dt
        ph.statements += n1 - n0
        ph.commits += c1 - c0
        ph.rollbacks += r1 - r0
        ph.pings += p1 - p0
        stmts = counter.statements[n0:n1]
        ph.kinds.update(SqlCounter.describe(x) for x in stmts)
        example.setdefault(phase, stmts)
        return out

    return measured


def _cprofile(
    svc: Any, rec: Recorder, workflow: tuple[str, str], n_prof: int, size: int, out: Path
) -> None:
    """cProfile of the worker's task body over `n_prof` executions of `workflow` (name, project):
    `out` (text, with the own time by layer) and `out`.pstats."""
    from wfq.services import actions, executions  # the code measured: see run()

    name, project = workflow
    prof = cProfile.Profile()
    ids = []
    for _ in range(n_prof):
        rec.sent.clear()
        executions.start_execution(svc, name, project_id=project)
        ids.append(rec.sent.pop()[0])
    # one transition per action: claim + run + complete, exactly the worker's task body
    done = 0
    while ids:
        nxt = []
        for action_id in ids:
            rec.sent.clear()
            prof.enable()
            actions.run_action(svc, action_id)
            prof.disable()
            done += 1
            nxt += [a for a, _ in rec.sent]
        ids = nxt
    buf = io.StringIO()
    st = pstats.Stats(prof, stream=buf)
    layers_text = _own_time_by_layer(st, done)
    st.sort_stats("cumulative").print_stats(40)
    buf2 = io.StringIO()
    pstats.Stats(prof, stream=buf2).sort_stats("tottime").print_stats(25)
    prof_text = (
        f"# cProfile of the worker task body (workers/tasks.py run_action -> "
        f"wfq.services.actions.run_action), {done} transitions of chains of {size} std.noop\n"
        f"# in-process, no Celery; times include PostgreSQL round trips. Divide by {done} "
        f"for one transition.\n\n"
        + layers_text
        + "\n## sorted by cumulative time\n"
        + buf.getvalue()
        + "\n## sorted by own time\n"
        + buf2.getvalue()
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(prof_text)
    prof.dump_stats(str(out.with_suffix(".pstats")))


def _own_time_by_layer(st: pstats.Stats, transitions: int) -> str:
    """Own (self) time of every profiled function, added up by layer (psycopg, ORM, JSON...)."""
    from benchmarks.profiling import LAYERS

    by: collections.Counter[str] = collections.Counter()
    total = 0.0
    for (filename, _line, func), (_cc, _nc, tt, _ct, _callers) in st.stats.items():  # type: ignore[attr-defined]
        path = filename.replace("\\", "/")
        name = "Python stdlib / builtins"
        for key, layer in LAYERS:
            if key in path or (key == "psycopg" and "psycopg" in func):
                name = layer
                break
        if filename == "~" and "psycopg" not in func:
            name = "builtins (C functions: " + (
                "socket/select)" if "select" in func or "poll" in func else "other)"
            )
        by[name] += tt
        total += tt
    lines = [
        f"## own time by layer ({total * 1000 / max(transitions, 1):.2f} ms per transition under cProfile)"
    ]
    for name, t in by.most_common():
        lines.append(f"  {t / total:6.1%}  {t * 1000 / max(transitions, 1):7.2f} ms  {name}")
    return "\n".join(lines) + "\n"


def _short(stmt: str) -> str:
    one = " ".join(stmt.split())
    return one if len(one) < 220 else one[:217] + "..."


def _drive(svc: Any, rec: Recorder, name: str, measured: Any) -> None:
    """One chain: start it, then claim/run/complete each dispatched action until none is left."""
    from wfq.services import actions, completing, executions

    rec.sent.clear()
    measured(
        "start_execution (API POST)",
        executions.start_execution,
        svc,
        name,
        project_id=svc.settings.default_project,
    )
    while rec.sent:
        action_id, _queue = rec.sent.pop(0)
        claimed = measured("claim (worker tx 1)", actions.claim, svc, action_id)
        if claimed is None:
            continue
        ok, result, _sync = measured("run std.noop", actions.execute, svc, claimed)
        measured(
            "complete_action (worker tx 2)",
            completing.complete_action,
            svc,
            action_id,
            ok,
            result,
            execution_id=claimed.context.workflow_execution_id,
        )
