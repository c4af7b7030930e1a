"""Scenarios g, h, i: waiting work (issue #14), wfq with its default worker against bare Celery
with the equivalent pool (threads, as many as wfq's `worker_slots`).

- g: 200 executions of a chain of 3 `std.http` calls to a local server that answers after 1 s;
- h: one with-items over 2,000 items of a 1 s `std.http`, `concurrency: 1000`;
- i: one with-items over 5,000 `std.sleep seconds=10`, `concurrency: 5000`, with the worker's
  memory per waiting action.

The slow server (benchmarks/slow_http.py) listens on 127.0.0.1; the wfq workers of the run are
allowed to reach it with `WFQ_HTTP_ALLOWED_HOSTS=127.0.0.1`, as an operator would allow a host.
"""

from __future__ import annotations

import concurrent.futures as cf
import time
from typing import Any

from benchmarks.cells import Row, cpu_row, fmt, med, ok, ratio, xr
from benchmarks.clients import RssSampler
from benchmarks.processes import rss_kb

TERMINAL = {"SUCCESS", "ERROR", "CANCELLED"}
SIZES = {"g": 200, "h": 2000, "h_concurrency": 1000, "i": 5000, "i_seconds": 10}
QUICK = {"g": 50, "h": 400, "h_concurrency": 200, "i": 1000, "i_seconds": 10}


def chain3(name: str, url: str) -> str:
    tasks = []
    for i, nxt in (("a", "b"), ("b", "c"), ("c", None)):
        tasks.append(f'    {i}:\n      action: std.http url="{url}"')
        if nxt:
            tasks.append(f"      on-success: [{nxt}]")
    return f"---\nversion: '2.0'\n{name}:\n  tasks:\n" + "\n".join(tasks) + "\n"


def http_items(name: str, url: str, concurrency: int) -> str:
    return f"""---
version: '2.0'
{name}:
  input: [n]
  tasks:
    calls:
      with-items: i in <% range(0, $.n) %>
      concurrency: {concurrency}
      action: std.http url="{url}"
"""


def sleep_items(name: str, seconds: float, concurrency: int) -> str:
    return f"""---
version: '2.0'
{name}:
  input: [n]
  tasks:
    naps:
      with-items: i in <% range(0, $.n) %>
      concurrency: {concurrency}
      action: std.sleep seconds={seconds}
"""


class Waiting:
    """The wfq side and the bare side of g, h and i."""

    def __init__(self, api: Any, db: Any, stack: Any, sizes: dict[str, int]) -> None:
        self.api, self.db, self.stack, self.sizes = api, db, stack, sizes
        self.url = f"http://127.0.0.1:{stack.slow_http_port}/?delay=1"
        self._n = 0

    def _name(self, kind: str) -> str:
        self._n += 1
        return f"bench_{kind}_{self.stack.run_id}_{self._n}"

    def _wait_db(self, ids: list[str], t0: float) -> tuple[dict[str, str], float]:
        pending, final = set(ids), {}
        while pending and time.monotonic() < t0 + self.api.timeout:
            st = self.db.states(list(pending))
            for i in [i for i in pending if st.get(i) in TERMINAL]:
                final[i] = st[i]
                pending.discard(i)
            if pending:
                time.sleep(0.05)
        return final, time.monotonic() - t0

    def g(self) -> dict[str, Any]:
        """200 chains of 3 std.http, submitted at once (8 client threads)."""
        name = self._name("g")
        self.api.put_workflow(chain3(name, self.url))
        n = self.sizes["g"]
        t0 = time.monotonic()
        with cf.ThreadPoolExecutor(8) as pool:
            ids = list(pool.map(lambda _: self.api.start(name), range(n)))
        submit = time.monotonic() - t0
        final, wall = self._wait_db(ids, t0)
        times = self.db.times(ids)
        durations = [(t[1] - t[0]).total_seconds() for t in times.values() if t[1] is not None]
        threads = max((_threads(p) for p in self.stack.worker_pids()), default=0)
        return {
            "n": n,
            "tasks": 3 * n,
            "success": list(final.values()).count("SUCCESS"),
            "wall_s": wall,
            "submit_s": submit,
            "median_execution_s": med(durations),
            "worker_threads_after": threads,
        }

    def with_items(self, kind: str, text: str, n: int, rss: bool = False) -> dict[str, Any]:
        name = self._name(kind)
        self.api.put_workflow(text.replace("NAME", name))
        pids = {"wfq workers": self.stack.worker_pids}
        sampler = RssSampler(pids if rss else {}, interval=0.2)
        with sampler:
            t0 = time.monotonic()
            ex = self.api.start(name, {"n": n})
            post = time.monotonic() - t0
            final, wall = self._wait_db([ex], t0)
        threads = max((_threads(p) for p in self.stack.worker_pids()), default=0)
        out = {
            "n": n,
            "tasks": n,
            "state": final.get(ex),
            "wall_s": wall,
            "post_s": post,
            "db_s": self.db.duration(ex),
            "worker_threads_after": threads,
        }
        if rss:
            start = sum(sampler.start_kb.values()) / 1024
            peak = sum(sampler.peak.values()) / 1024
            out.update(
                rss_start_mb=start, rss_peak_mb=peak, kb_per_waiting=(peak - start) * 1024 / n
            )
        return out

    def h(self) -> dict[str, Any]:
        c = self.sizes["h_concurrency"]
        return self.with_items("h", http_items("NAME", self.url, c), self.sizes["h"])

    def i(self) -> dict[str, Any]:
        text = sleep_items("NAME", self.sizes["i_seconds"], self.sizes["i"])
        return self.with_items("i", text, self.sizes["i"], rss=True)


class BareWaiting:
    """The same shapes as Celery primitives on a threads pool of the same size."""

    def __init__(self, stack: Any, sizes: dict[str, int], timeout: float = 600.0) -> None:
        from benchmarks import bare_celery as bc

        self.bc, self.stack, self.sizes, self.timeout = bc, stack, sizes, timeout
        self.url = f"http://127.0.0.1:{stack.slow_http_port}/?delay=1"
        self.queue = stack.bare_io_queue

    def g(self) -> dict[str, Any]:
        from celery import chain
        from celery.result import ResultSet

        n = self.sizes["g"]
        t0 = time.monotonic()
        sig = self.bc.http_get.si(self.url).set(queue=self.queue)
        rs = ResultSet([chain(sig, sig, sig).apply_async() for _ in range(n)])
        rs.get(timeout=self.timeout)
        return {
            "n": n,
            "tasks": 3 * n,
            "wall_s": time.monotonic() - t0,
            "worker_threads_after": _threads(self.stack.bare_io.pid),
        }

    def _chord(self, task: Any, n: int, rss: bool = False) -> dict[str, Any]:
        from celery import chord

        sampler = RssSampler(
            {"bare": lambda: self.stack.bare_io.pids()} if rss else {}, interval=0.2
        )
        with sampler:
            t0 = time.monotonic()
            res = chord([task.set(queue=self.queue) for _ in range(n)])(
                self.bc.collect.s().set(queue=self.queue)
            )
            res.get(timeout=self.timeout)
            wall = time.monotonic() - t0
        out = {
            "n": n,
            "tasks": n,
            "wall_s": wall,
            "worker_threads_after": _threads(self.stack.bare_io.pid),
        }
        if rss:
            start, peak = sum(sampler.start_kb.values()) / 1024, sum(sampler.peak.values()) / 1024
            out.update(
                rss_start_mb=start, rss_peak_mb=peak, kb_per_waiting=(peak - start) * 1024 / n
            )
        return out

    def h(self) -> dict[str, Any]:
        return self._chord(self.bc.http_get.si(self.url), self.sizes["h"])

    def i(self) -> dict[str, Any]:
        return self._chord(self.bc.sleep.si(self.sizes["i_seconds"]), self.sizes["i"], rss=True)


def _threads(pid: int) -> int:
    try:
        return rss_kb(pid, "Threads")
    except (OSError, ValueError):
        return 0


def run(ctx: Any, log: Any) -> dict[str, Any]:
    """g, h and i as selected, `reps` times each (i: bare once: it lasts a minute)."""
    a = ctx.a
    sizes = QUICK if a.quick else SIZES
    wfq, bare = Waiting(ctx.api, ctx.db, ctx.stack, sizes), BareWaiting(ctx.stack, sizes)
    out: dict[str, Any] = {"sizes": sizes}
    for key in ("g", "h", "i"):
        if key not in a.scen:
            continue
        runs: dict[str, list[Any]] = {"wfq": [], "bare": []}
        for r in range(a.reps):
            x = ctx.cpu_of(getattr(wfq, key))
            runs["wfq"].append(x)
            if key != "i" or (r == 0 and a.once_bare):  # i's bare chord lasts a minute
                y = ctx.cpu_of(getattr(bare, key))
                runs["bare"].append(y)
            bare_s = f"{runs['bare'][-1]['wall_s']:.2f}s" if runs["bare"] else "-"
            log(
                f"{key} rep {r + 1}: wfq {x['wall_s']:.2f}s ({x.get('state') or x.get('success')}) | "
                f"bare {bare_s}"
            )
        out[key] = runs
    return out


def _wait_s(key: str, sizes: dict[str, int]) -> float:
    if key == "g":
        return 3.0
    if key == "h":
        return float(-(-sizes["h"] // sizes["h_concurrency"]))
    return float(sizes["i_seconds"])


def rows(res: dict[str, Any]) -> list[Row]:
    """The table rows of g, h and i."""
    sizes, out = res["sizes"], []
    titles = {
        "g": f"g {sizes['g']} x chain of 3 std.http 1 s",
        "h": f"h with-items {sizes['h']} std.http 1 s, conc. {sizes['h_concurrency']}",
        "i": f"i with-items {sizes['i']} std.sleep {sizes['i_seconds']} s",
    }
    for key in ("g", "h", "i"):
        if key not in res:
            continue
        w, b = res[key]["wfq"], res[key]["bare"]
        tw, tb, wait = (
            med([x["wall_s"] for x in w]),
            med([y["wall_s"] for y in b]),
            _wait_s(key, sizes),
        )
        limit = 15.0 if key == "i" else 2 * wait
        target = f"<= {limit:g} s" + ("" if key == "i" else f" (2x the {wait:g} s wait)")
        done = all(
            (x.get("state") or "SUCCESS") == "SUCCESS" and x.get("success", x["n"]) == x["n"]
            for x in w
        )
        out.append(
            (
                titles[key],
                "time to all SUCCESS (first POST -> last finished)",
                fmt(tw, "s"),
                fmt(tb, "s"),
                xr(ratio(tw, tb)),
                f"{target} {ok(bool(tw and tw <= limit and done))}",
            )
        )
        out.append(("", "  vs the wait itself", xr(ratio(tw, wait)), xr(ratio(tb, wait)), "", ""))
        if key == "g":
            out.append(
                (
                    "",
                    "  median execution (db created -> finished)",
                    fmt(med([x["median_execution_s"] for x in w]), "s"),
                    "",
                    "",
                    "",
                )
            )
            out.append(
                (
                    "",
                    "  submit (8 client threads)",
                    fmt(med([x["submit_s"] for x in w]), "s"),
                    "",
                    "",
                    "",
                )
            )
        else:
            out.append(
                (
                    "",
                    "  POST (creates the items)",
                    fmt(med([x["post_s"] for x in w]), "s"),
                    "",
                    "",
                    "",
                )
            )
        if key == "i":
            kw, kb = med([x["kb_per_waiting"] for x in w]), med([y["kb_per_waiting"] for y in b])
            out.append(
                (
                    "",
                    "worker memory per waiting action (RSS peak - start)",
                    fmt(kw, "KiB", 1),
                    fmt(kb, "KiB", 1),
                    xr(ratio(kw, kb)),
                    "",
                )
            )
            out.append(("", "  worker RSS start -> peak", _mb(w), _mb(b), "", ""))
        out.append(
            (
                "",
                "  worker threads after the run",
                str(max(x["worker_threads_after"] for x in w)),
                str(max((y["worker_threads_after"] for y in b), default="-")),
                "",
                "",
            )
        )
        out.append(cpu_row(w, b, lambda x: x["tasks"], lambda y: y["tasks"], "task"))
    return out


def _mb(runs: list[Any]) -> str:
    if not runs:  # --compare: bare Celery's i ran with the other side only
        return "-"
    return f"{med([r['rss_start_mb'] for r in runs]):.0f} -> {med([r['rss_peak_mb'] for r in runs]):.0f} MB"
