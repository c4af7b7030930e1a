"""The scenarios, each twice: wfq through its v2 REST API, and bare Celery (the baseline).

Every wfq measurement is reported two ways: as a client sees it (POST -> SUCCESS observed by
polling the API) and from the database (`created_at` -> `finished_at` of the execution rows,
written by the API and by the engine's last transition), which removes the polling error.
"""

from __future__ import annotations

import concurrent.futures as cf
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from benchmarks import workflows
from benchmarks.clients import TERMINAL, Api, Db, RssSampler, med


# ---- wfq -------------------------------------------------------------------------------------
@dataclass
class WfqScenarios:
    api: Api
    db: Db
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:6])
    _n: int = 0

    def _name(self, kind: str) -> str:
        self._n += 1
        return f"bench_{kind}_{self.tag}_{self._n}"

    def throughput(
        self, n: int, threads: int = 8, poll: float = 0.05, via: str = "api"
    ) -> dict[str, Any]:
        """a: submit `n` one-task executions at once, then wait until all end: `via="api"` polls
        the filtered list as bench_v2.py does (the client's view, but every poll costs the API
        CPU time); `via="db"` asks the database how many are done (cheap, the quiet measure)."""
        name = self._name("tp")
        self.api.put_workflow(workflows.noop1(name))
        t0 = time.monotonic()
        with cf.ThreadPoolExecutor(threads) as pool:
            ids = list(pool.map(lambda _: self.api.start(name), range(n)))
        t_sub = time.monotonic() - t0
        pending, final = set(ids), {}
        deadline = t0 + self.api.timeout
        while pending and time.monotonic() < deadline:
            st = self.api.states_by_wf(name) if via == "api" else self.db.states(ids)
            for i in list(pending):
                if st.get(i) in TERMINAL:
                    final[i] = st[i]
                    pending.discard(i)
            if pending:
                time.sleep(poll)
        wall = time.monotonic() - t0
        ok = sum(1 for s in final.values() if s == "SUCCESS")
        times = self.db.times(ids)
        created = [t[0] for t in times.values()]
        finished = [t[1] for t in times.values() if t[1] is not None]
        db_span = (max(finished) - min(created)).total_seconds() if finished else None
        return {
            "n": n,
            "success": ok,
            "wall_s": wall,
            "submit_s": t_sub,
            "rate": ok / wall if wall else None,
            "db_span_s": db_span,
            "db_rate": (ok / db_span) if db_span else None,
        }

    def backlog(self, n: int, threads: int = 8) -> list[str]:
        """e: submit `n` one-task executions while no worker consumes: their actions queue up."""
        name = self._name("backlog")
        self.api.put_workflow(workflows.noop1(name))
        with cf.ThreadPoolExecutor(threads) as pool:
            return list(pool.map(lambda _: self.api.start(name), range(n)))

    def drain(self, ids: list[str], poll: float = 0.05) -> dict[str, Any]:
        """e: wait (via the database) until the backlog `ids` is done; the rate counts from the
        first claim to the last finished execution, as the workers saw it."""
        t0 = time.monotonic()
        pending = set(ids)
        while pending and time.monotonic() < t0 + self.api.timeout:
            st = self.db.states(list(pending))
            pending = {i for i in pending if st.get(i) not in TERMINAL}
            if pending:
                time.sleep(poll)
        first = self.db.one(
            "SELECT min(heartbeat_at) FROM action_executions WHERE workflow_execution_id = ANY(%s)",
            ids,
        )[0]
        last = self.db.one(
            "SELECT max(finished_at) FROM workflow_executions WHERE id = ANY(%s)", ids
        )[0]
        ok = sum(1 for s in self.db.states(ids).values() if s == "SUCCESS")
        span = (last - first).total_seconds() if first and last else None
        return {
            "n": len(ids),
            "success": ok,
            "db_span_s": span,
            "rate": ok / span if span else None,
            "db_rate": ok / span if span else None,
        }

    def sequential(
        self, kind: str, runs: int, size: int = 10, poll: float = 0.005, via: str = "api"
    ) -> dict[str, Any]:
        """b (chain) / d (fork-join): `runs` executions one after another, each polled every
        `poll` s through the API (`via="api"`: the client's view) or the database (`via="db"`:
        a primary-key SELECT, which disturbs the run far less than an API request)."""
        name = self._name(kind)
        text = workflows.chain(name, size) if kind == "chain" else workflows.forkjoin(name, size)
        self.api.put_workflow(text)
        observed, in_db, states, ids = [], [], [], []
        for _ in range(runs):
            t0 = time.monotonic()
            ex = self.api.start(name)
            st, t1 = (
                self.api.wait(ex, poll)
                if via == "api"
                else self.db.wait(ex, poll, self.api.timeout)
            )
            observed.append(t1 - t0)
            states.append(st)
            ids.append(ex)
        for ex in ids:
            in_db.append(self.db.duration(ex))
        return {
            "runs": runs,
            "success": states.count("SUCCESS"),
            "observed_s": med(observed),
            "db_s": med(in_db),
            "all_observed_s": observed,
            "all_db_s": in_db,
            "ids": ids,
        }

    def with_items(
        self, items: int, poll: float = 0.05, rss: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """c: one with-items task over `items` std.echo; optional peak RSS of some processes."""
        name = self._name("fan")
        self.api.put_workflow(workflows.fanout(name))
        sampler = RssSampler(rss or {})
        with sampler:
            t0 = time.monotonic()
            ex = self.api.start(name, {"items": list(range(items))})
            t_post = time.monotonic() - t0
            st, t1 = self.api.wait(ex, poll)
        return {
            "items": items,
            "state": st,
            "observed_s": t1 - t0,
            "db_s": self.db.duration(ex),
            "post_s": t_post,
            "id": ex,
            "rss_start_mb": {k: v / 1024 for k, v in sampler.start_kb.items()},
            "rss_peak_mb": {k: v / 1024 for k, v in sampler.peak.items()},
        }

    def big_fanout(
        self, n: int, concurrency: int, run_s: float, rss: dict[str, Any], finish: bool = False
    ) -> dict[str, Any]:
        """j: POST one with-items over `n` items (`concurrency` lanes) and over 1 item (the
        baseline); sample the RSS of `rss` while it runs for `run_s` s (or to the end with
        `finish`), then cancel it and count the items that started after the cancel."""
        name = self._name("bigfan")
        self.api.put_workflow(workflows.big_fanout(name, concurrency))
        t0 = time.monotonic()
        one = self.api.start(name, {"n": 1})
        post_one = time.monotonic() - t0
        self.db.wait(one, 0.05, 60)
        sampler = RssSampler(rss, interval=0.2)
        with sampler:
            t0 = time.monotonic()
            ex = self.api.start(name, {"n": n})
            post_n = time.monotonic() - t0
            task = self._task_of(ex)
            rows_after_post = sum(self.db.item_states(task).values())
            curve = self._progress_curve(ex, task, run_s, finish, sampler)
        out = {
            "items": n,
            "concurrency": concurrency,
            "post_s": post_n,
            "post_one_item_s": post_one,
            "item_rows_after_post": rows_after_post,
            "curve": curve,
            "rss_start_mb": {k: v / 1024 for k, v in sampler.start_kb.items()},
            "rss_peak_mb": {k: v / 1024 for k, v in sampler.peak.items()},
        }
        if not finish:
            out["cancel"] = self._cancel_and_settle(ex, task)
        out["state"] = self.db.states([ex])[ex]
        return out

    def _task_of(self, ex_id: str) -> str:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            row = self.db.one(
                "SELECT id FROM task_executions WHERE workflow_execution_id = %s", ex_id
            )
            if row:
                return str(row[0])
            time.sleep(0.05)
        raise RuntimeError("no task")

    def _progress_curve(
        self, ex: str, task: str, run_s: float, finish: bool, sampler: RssSampler
    ) -> list[dict[str, Any]]:
        """Every 2 s: seconds since the POST, items done, item rows stored, RSS by role (MB)."""
        curve, t0 = [], time.monotonic()
        while True:
            states = self.db.item_states(task)
            done = sum(v for k, v in states.items() if k in TERMINAL)
            now = {k: v / 1024 for k, v in sampler._sample().items()}
            curve.append(
                {
                    "s": round(time.monotonic() - t0, 1),
                    "done": done,
                    "rows": sum(states.values()),
                    "rss_mb": now,
                }
            )
            over = self.db.states([ex])[ex] in TERMINAL
            if (
                over
                or (not finish and time.monotonic() - t0 >= run_s)
                or time.monotonic() - t0 > 3600
            ):
                return curve
            time.sleep(2.0)

    def _cancel_and_settle(self, ex: str, task: str) -> dict[str, Any]:
        """PUT state=CANCELLED; then how long until no item runs, and how many items started
        (were created RUNNING or taken) after the cancel answered."""
        t0 = time.monotonic()
        status, _ = self.api._call("PUT", "/executions/" + ex, {"state": "CANCELLED"})
        put_s = time.monotonic() - t0
        started_at_cancel = sum(v for k, v in self.db.item_states(task).items() if k != "IDLE")
        while self.db.item_states(task).get("RUNNING") and time.monotonic() - t0 < 120:
            time.sleep(0.05)
        settle_s = time.monotonic() - t0
        time.sleep(2.0)
        after = self.db.item_states(task)
        return {
            "status": status,
            "put_s": put_s,
            "settle_s": settle_s,
            "started_after_cancel": sum(v for k, v in after.items() if k != "IDLE")
            - started_at_cancel,
            "task_state": self.db.one("SELECT state FROM task_executions WHERE id = %s", task)[0],
        }


# ---- bare Celery -----------------------------------------------------------------------------
class BareScenarios:
    """The same graphs as Celery primitives (`benchmarks.bare_celery`)."""

    def __init__(self, timeout: float = 600.0) -> None:
        from benchmarks import bare_celery as bc

        self.bc = bc
        self.timeout = timeout

    def throughput(self, n: int) -> dict[str, Any]:
        from celery.result import ResultSet

        t0 = time.monotonic()
        rs = ResultSet([self.bc.noop.apply_async() for _ in range(n)])
        t_sub = time.monotonic() - t0
        rs.get(timeout=self.timeout)
        wall = time.monotonic() - t0
        return {"n": n, "wall_s": wall, "submit_s": t_sub, "rate": n / wall}

    def chain(self, runs: int, size: int = 10) -> dict[str, Any]:
        from celery import chain

        ts = []
        for _ in range(runs):
            t0 = time.monotonic()
            chain(*[self.bc.noop.si() for _ in range(size)]).apply_async().get(timeout=self.timeout)
            ts.append(time.monotonic() - t0)
        return {"runs": runs, "s": med(ts), "all_s": ts}

    def chord(self, items: int) -> dict[str, Any]:
        from celery import chord

        t0 = time.monotonic()
        res = chord([self.bc.echo.s(i) for i in range(items)])(self.bc.collect.s())
        got = res.get(timeout=self.timeout)
        return {"items": items, "s": time.monotonic() - t0, "ok": got == items}

    def forkjoin(self, runs: int, size: int = 10) -> dict[str, Any]:
        from celery import chord

        ts = []
        for _ in range(runs):
            t0 = time.monotonic()
            chord([self.bc.noop.si() for _ in range(size)])(self.bc.collect.s()).get(
                timeout=self.timeout
            )
            ts.append(time.monotonic() - t0)
        return {"runs": runs, "s": med(ts), "all_s": ts}

    def warm_up(self) -> None:
        self.bc.noop.apply_async().get(timeout=60)
