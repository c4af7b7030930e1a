"""The one table of a run: wfq figures, bare Celery figures, their ratio and the issue's targets;
with --compare, the wfq figures of two code versions and their ratio."""

from __future__ import annotations

import itertools
import re
import statistics
from typing import Any

from benchmarks import cpu

Row = tuple[str, str, str, str, str, str]


def med(xs: list[Any]) -> float | None:
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def ratio(x: float | None, y: float | None) -> float | None:
    return x / y if x and y else None


def ok(cond: bool | None) -> str:
    return "-" if cond is None else ("PASS" if cond else "FAIL")


def fmt(x: float | None, unit: str = "", nd: int = 2) -> str:
    if x is None:
        return "-"
    if unit == "ms":
        return f"{x * 1000:.0f} ms"
    if unit == "s":
        return f"{x:.{nd}f} s"
    return f"{x:.{nd}f}{(' ' + unit) if unit else ''}"


def xr(r: float | None, nd: int = 1) -> str:
    return f"{r:.{nd}f}x" if r else ""


def cpu_row(wruns: list[Any], bruns: list[Any], nw: Any, nb: Any, unit: str) -> Row:
    """CPU ms per unit of work, by process role (medians over repetitions)."""
    w = cpu.merge([cpu.per(x.get("cpu_ms", {}), nw(x)) for x in wruns])
    b = cpu.merge([cpu.per(y.get("cpu_ms", {}), nb(y)) for y in bruns])
    tw = sum(w.get(r, 0.0) for r in cpu.WFQ_ROLES)
    tb = sum(b.get(r, 0.0) for r in cpu.BARE_ROLES)
    return (
        "",
        f"CPU ms per {unit}",
        cpu.fmt(w, cpu.WFQ_ROLES),
        cpu.fmt(b, cpu.BARE_ROLES),
        xr(ratio(tw, tb)),
        "",
    )


def rows_a(A: dict[str, Any]) -> list[Row]:
    w_rate = med([x["rate"] for x in A["wfq"]])
    w_db = med([x["db_rate"] for x in A["wfq"]])
    q_rate = med([x["rate"] for x in A["wfq_quiet"]])
    q_db = med([x["db_rate"] for x in A["wfq_quiet"]])
    b_rate = med([x["rate"] for x in A["bare"]])
    n = A["wfq"][0]["n"]
    return [
        (
            f"a throughput, {n} x 1-task noop",
            "exec/s (client, API list poll 50 ms)",
            fmt(w_rate, "/s", 1),
            fmt(b_rate, "/s", 1),
            xr(ratio(b_rate, w_rate)),
            f">= 100/s {ok(bool(w_rate and w_rate >= 100))}",
        ),
        ("", "  same runs, db first created->last finished", fmt(w_db, "/s", 1), "", "", ""),
        (
            "",
            "exec/s (waited via db, no API polling)",
            fmt(q_rate, "/s", 1),
            "",
            xr(ratio(b_rate, q_rate)),
            f">= 100/s {ok(bool(q_rate and q_rate >= 100))}",
        ),
        ("", "  same runs, db first created->last finished", fmt(q_db, "/s", 1), "", "", ""),
        (
            "",
            "submit time, 8 threads (bare: 1 thread)",
            fmt(med([x["submit_s"] for x in A["wfq_quiet"]]), "s"),
            fmt(med([x["submit_s"] for x in A["bare"]]), "s"),
            "",
            "",
        ),
        cpu_row(
            A["wfq_quiet"], A["bare"], lambda x: x["n"], lambda y: y["n"], "execution (db-waited)"
        ),
    ]


def rows_sequential(key: str, R: dict[str, Any], target: float = 3.0) -> list[Row]:
    label = "b chain of 10 noop" if key == "b" else "d fork 10 + join:all"
    wo = med([x["observed_s"] for x in R["wfq"]])
    wd = med([x["db_s"] for x in R["wfq"]])
    qd = med([x["db_s"] for x in R["wfq_quiet"]])
    bs = med([x["s"] for x in R["bare"]])
    r, rq = ratio(wo, bs), ratio(qd, bs)
    per_task = key == "b"
    return [
        (
            label,
            "latency (client, API poll 5 ms)",
            fmt(wo, "ms"),
            fmt(bs, "ms"),
            xr(r),
            f"<= {target:g}x bare {ok(r is not None and r <= target)}",
        ),
        ("", "  same runs, db created->finished", fmt(wd, "ms"), "", xr(ratio(wd, bs)), ""),
        (
            "",
            "latency (db timestamps, waited via db)",
            fmt(qd, "ms"),
            "",
            xr(rq),
            f"<= {target:g}x bare {ok(rq is not None and rq <= target)}",
        ),
        cpu_row(
            R["wfq_quiet"],
            R["bare"],
            lambda x: x["runs"] * (10 if per_task else 1),
            lambda y: y["runs"] * (10 if per_task else 1),
            "task (db-waited)" if per_task else "run (db-waited)",
        ),
    ]


def rows_j(J: dict[str, Any]) -> list[Row]:
    """j: the POST of a big with-items against the POST of the same over 1 item, the RSS while
    it runs (first sample after the POST vs the last), and what a cancel leaves running."""
    n, post, one = J["items"], J["post_s"], J["post_one_item_s"]
    r = ratio(post, one)
    curve = J["curve"]
    first, last = curve[0], curve[-1]

    def mb(point: dict[str, Any]) -> str:
        return ", ".join(f"{k} {v:.0f}" for k, v in point["rss_mb"].items())

    rows: list[Row] = [
        (
            f"j with-items {n} (c={J['concurrency']})",
            "POST (vs the same over 1 item)",
            fmt(post, "s"),
            fmt(one, "s"),
            xr(r, 1),
            f"< 1 s {ok(post < 1.0)}",
        ),
        ("", "item rows right after the POST", str(J["item_rows_after_post"]), "", "", ""),
        ("", f"RSS MB at {first['s']}s ({first['done']} done)", mb(first), "", "", ""),
        ("", f"RSS MB at {last['s']}s ({last['done']} done)", mb(last), "", "", "flat"),
    ]
    cancel = J.get("cancel")
    if cancel:
        rows += [
            (
                "",
                "items started after the cancel",
                str(cancel["started_after_cancel"]),
                "",
                "",
                f"0 {ok(cancel['started_after_cancel'] == 0)}",
            ),
            ("", f"cancel: PUT, then in-flight items done (task {cancel['task_state']})",
             f"{cancel['put_s']:.2f}s, {cancel['settle_s']:.2f}s", "", "", ""),
        ]
    return rows


def rows_c(C: dict[str, Any]) -> list[Row]:
    wo = med([x["observed_s"] for x in C["wfq"]])
    wd = med([x["db_s"] for x in C["wfq"]])
    bs = med([x["s"] for x in C["bare"]])
    n = C["wfq"][0]["items"]
    r = ratio(wo, bs)
    rows: list[Row] = [
        (
            f"c with-items {n} echo",
            "time (client, API poll 50 ms)",
            fmt(wo, "s"),
            fmt(bs, "s"),
            xr(r, 2),
            f"<= 1.5x bare {ok(r is not None and r <= 1.5)}",
        ),
        ("", "time (db timestamps)", fmt(wd, "s"), "", xr(ratio(wd, bs), 2), ""),
        (
            "",
            "POST (creates the items)",
            fmt(med([x["post_s"] for x in C["wfq"]]), "s"),
            "",
            "",
            "",
        ),
        cpu_row(C["wfq"], C["bare"], lambda x: x["items"], lambda y: y["items"], "item"),
    ]
    big = C.get("big")
    if not big:
        return rows
    bw, bb = big["wfq"], big.get("bare")
    rr = ratio(bw["observed_s"], wo)
    pk, st = bw["rss_peak_mb"], bw["rss_start_mb"]
    rows += [
        (
            f"c with-items {bw['items']} echo",
            f"time (client; {bw['state']})",
            fmt(bw["observed_s"], "s"),
            fmt(bb["s"], "s") if bb else "(not run)",
            xr(ratio(bw["observed_s"], bb["s"]), 2) if bb else "",
            "",
        ),
        ("", "time (db timestamps)", fmt(bw["db_s"], "s"), "", "", ""),
        (
            "",
            f"{bw['items']}/{n} time ratio (linear: {bw['items'] / n:g}x)",
            xr(rr),
            xr(ratio(bb["s"], bs)) if bb else "",
            "",
            f"<= 25x {ok(rr is not None and rr <= 25 and bw['state'] == 'SUCCESS')}",
        ),
        ("", "POST (creates the items)", fmt(bw["post_s"], "s"), "", "", ""),
        cpu_row([bw], [bb] if bb else [], lambda x: x["items"], lambda y: y["items"], "item"),
        (
            "",
            "RSS of the wfq workers (sum): start -> peak",
            f"{st.get('wfq workers', 0):.0f} -> {pk.get('wfq workers', 0):.0f} MB",
            "",
            "",
            "",
        ),
        (
            "",
            "RSS of the API: start -> peak",
            f"{st.get('api', 0):.0f} -> {pk.get('api', 0):.0f} MB",
            "",
            "",
            "",
        ),
    ]
    return rows


def rows_e(E: dict[str, Any]) -> list[Row]:
    k = str(E["workers"][1])
    c = E.get("concurrency")
    c = f"-c {c}" if c else "default pool"
    r1 = med([x["rate"] for x in E["1"]])
    r2 = med([x["rate"] for x in E[k]])
    d1 = med([x["db_rate"] for x in E["1"]])
    d2 = med([x["db_rate"] for x in E[k]])
    return [
        (
            "e horizontal scale (backlog)",
            f"exec/s draining, 1 worker process ({c})",
            fmt(r1, "/s", 1),
            "",
            "",
            "",
        ),
        (
            "",
            f"exec/s draining, {k} worker processes ({c})",
            fmt(r2, "/s", 1),
            "",
            xr(ratio(r2, r1), 2),
            f">= 1.1x 1 worker {ok(r1 is not None and r2 is not None and r2 >= 1.1 * r1)}",
        ),
        (
            "",
            f"  db span: 1 -> {k} workers",
            f"{fmt(d1, '', 1)} -> {fmt(d2, '', 1)}",
            "",
            xr(ratio(d2, d1), 2),
            "",
        ),
    ]


def rows_f(f: dict[str, Any], tr: dict[str, Any] | None) -> list[Row]:
    wr, br = f["wfq_redis_per_task"], f["bare_redis_per_task"]
    msgs, bmsgs = wr["queue_push"] + wr["publish"], br["queue_push"] + br["publish"]
    rows: list[Row] = [
        (
            "f cost per task (chain of 10)",
            "task messages (LPUSH)",
            fmt(wr["queue_push"]),
            fmt(br["queue_push"]),
            "",
            f"<= 2 {ok(wr['queue_push'] <= 2)}",
        ),
        ("", "event messages (PUBLISH celeryev)", fmt(wr["events"]), fmt(br["events"]), "", ""),
        (
            "",
            "result messages (PUBLISH result)",
            fmt(wr["result_publish"]),
            fmt(br["result_publish"]),
            "",
            "",
        ),
        (
            "",
            "all broker messages",
            fmt(msgs),
            fmt(bmsgs),
            xr(ratio(msgs, bmsgs)),
            f"<= 2 {ok(msgs <= 2)}",
        ),
        (
            "",
            "Redis commands (all)",
            fmt(wr["total"], "", 1),
            fmt(br["total"], "", 1),
            xr(ratio(wr["total"], br["total"])),
            "",
        ),
        (
            "",
            "PG transactions (pg_stat_database)",
            fmt(f["pg_tx_per_task"]),
            "",
            "",
            f"<= 2 {ok(f['pg_tx_per_task'] <= 2)}",
        ),
        (
            "",
            "  commits / rollbacks",
            f"{f['pg_commits_per_task']:.2f} / {f['pg_rollbacks_per_task']:.2f}",
            "",
            "",
            "",
        ),
    ]
    if tr:
        phases = tr["phases"].values()
        # The POST's transaction belongs to the execution, not to any one task: it is shown on
        # its own line instead of being spread over the tasks of the chain.
        per_task = [p for name, p in tr["phases"].items() if not name.startswith("start_execution")]
        starts = [p for name, p in tr["phases"].items() if name.startswith("start_execution")]
        tx = sum(p["tx"] * p["calls"] for p in per_task) / max(tr["tasks"], 1)
        tx_start = sum(p["tx"] * p["calls"] for p in starts) / max(sum(p["calls"] for p in starts), 1)
        pings = sum(p["pings"] * p["calls"] for p in phases) / max(tr["tasks"], 1)
        stmts = sum(p["statements"] * p["calls"] for p in phases) / max(tr["tasks"], 1)
        rows += [
            (
                "", "  exact, in-process, task sent by message: transactions (claim + complete)",
                fmt(tx), "", "", f"<= 2 {ok(tx <= 2)}",
            ),
            ("", "  exact, in-process: + the execution's start (POST)", f"{fmt(tx_start)} per execution", "", "", ""),
            ("", "  exact, in-process: + pre-ping SELECT 1", fmt(pings), "", "", ""),
            ("", "  exact, in-process: SQL statements", fmt(stmts, "", 1), "", "", ""),
        ]
    rw = f["row_writes_per_task"]
    ins = sum(d["ins"] for d in rw.values())
    upd = sum(d["upd"] for d in rw.values())
    hot = sum(d["hot_upd"] for d in rw.values())
    st = f["storage_per_execution"]
    nrows = sum(d["rows"] for d in st.values())
    nbytes = sum(d["bytes"] for d in st.values())
    growth = sum(f["table_growth_bytes_per_execution"].values())
    wi = f["with_items"]
    rows += [
        (
            "",
            "row inserts / updates (of which HOT)",
            f"{ins:.2f} / {upd:.2f} ({hot:.2f})",
            "",
            "",
            "",
        ),
        (
            "f stored per chain-10 execution",
            "rows / bytes of the live rows",
            f"{nrows:.0f} / {nbytes / 1024:.1f} KiB",
            "",
            "",
            "",
        ),
        ("", "table+index+toast growth", f"{growth / 1024:.1f} KiB", "", "", ""),
        (
            f"f with-items {wi['items']}, per item",
            "Redis commands / PG transactions",
            f"{wi['redis_per_item']['total']:.2f} / {wi['pg_tx_per_item']:.2f}",
            "",
            "",
            "",
        ),
    ]
    return rows


def rows_transition(tr: dict[str, Any]) -> list[Row]:
    rows: list[Row] = [
        (
            "one transition, in-process",
            "ms per task, no Celery (claim+run+complete)",
            f"{tr['ms_per_task']:.2f} ms",
            "",
            "",
            "",
        )
    ]
    for name, p in tr["phases"].items():
        rows.append(
            (
                "",
                f"  {name}",
                f"{p['ms']:.2f} ms, {p['statements']:.1f} SQL, {p['tx']:.0f} tx",
                "",
                "",
                "",
            )
        )
    return rows


def rows_of(res: dict[str, Any]) -> list[Row]:
    """The rows of every scenario in the results of one run (of one side of --compare)."""
    rows: list[Row] = []
    if "a" in res:
        rows += rows_a(res["a"])
    for key in ("b", "d"):
        if key in res:
            rows += rows_sequential(key, res[key])
    if "c" in res:
        rows += rows_c(res["c"])
    if "j" in res:
        rows += rows_j(res["j"])
    if "e" in res:
        rows += rows_e(res["e"])
    tr = res.get("profile", {}).get("transition")
    if "f" in res:
        rows += rows_f(res["f"], tr)
    if tr:
        rows += rows_transition(tr)
    if "waiting" in res:
        from benchmarks import waiting  # it builds its rows with this module's helpers

        rows += waiting.rows(res["waiting"])
    return rows


def render(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """Columns padded to their widest cell, a rule under the head."""
    widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
    sep = "-+-".join("-" * w for w in widths)
    out = [" | ".join(str(h).ljust(w) for h, w in zip(head, widths, strict=True)), sep]
    out += [" | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


def table(res: dict[str, Any]) -> str:
    head = ("scenario", "metric", "wfq", "bare Celery", "wfq/bare", "target")
    return render(head, rows_of(res))


# ---- --compare: the wfq figures of two code versions, from the same row functions -----------
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def headline(cell: str) -> float | None:
    """The figure a cell stands for: its first number, or for `start -> end` the end one."""
    found = _NUMBER.findall(cell.rsplit("->", 1)[-1])
    return float(found[0]) if found else None


def change(old: str, new: str) -> str:
    """new / old of the cells' headline figures, e.g. `0.93x`; empty when either has none."""
    x, y = headline(old), headline(new)
    return f"{y / x:.2f}x" if x and y is not None else ""


def _sections(rows: list[Row]) -> list[list[Row]]:
    """Rows grouped by scenario: a row with a first cell starts a group."""
    out: list[list[Row]] = []
    for r in rows:
        if r[0] or not out:
            out.append([])
        out[-1].append(r)
    return out


def compare_rows(old: list[Row], new: list[Row]) -> list[tuple[str, ...]]:
    """(scenario, metric, old wfq, new wfq, new/old, old bare, new target) per metric. Both
    sides ran the same scenarios with the same sizes, so their rows pair up in order; a row
    only one side has (a cancel that did not happen, ...) is paired with an empty one."""
    blank: Row = ("", "", "", "", "", "")
    out: list[tuple[str, ...]] = []
    for so, sn in itertools.zip_longest(_sections(old), _sections(new), fillvalue=[]):
        for o, n in itertools.zip_longest(so, sn, fillvalue=blank):
            title, metric = o[0] or n[0], o[1] or n[1]
            out.append((title, metric, o[2], n[2], change(o[2], n[2]), o[3], n[5]))
    return out


def compare_table(old: dict[str, Any], new: dict[str, Any], labels: tuple[str, str]) -> str:
    """One table: each wfq figure of the `old` and `new` results and their ratio."""
    head = ("scenario", "metric", labels[0], labels[1], "new/old", "bare Celery", "target (new)")
    return render(head, compare_rows(rows_of(old), rows_of(new)))


def bench_v2_table(j: dict[str, Any]) -> str:
    if "error" in j:
        return f"bench_v2: {j['error']}"
    lines = [f"bench_v2.py cross-check against {j.get('url')} (reps {j.get('reps')}):"]
    for key, s in j.get("scenarios", {}).items():
        vals = {k: v for k, v in s.items() if k.startswith("median")}
        lines.append(f"  {key}: {s.get('name')}: " + ", ".join(f"{k}={v}" for k, v in vals.items()))
    return "\n".join(lines)
