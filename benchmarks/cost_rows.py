"""The table rows of scenario f (broker messages, Redis commands, PostgreSQL transactions and
row writes per task, storage per execution) and of the in-process transition of the profile."""

from __future__ import annotations

from typing import Any

from benchmarks.cells import Row, fmt, ok, ratio, xr


def rows_f(f: dict[str, Any], tr: dict[str, Any] | None) -> list[Row]:
    """f's rows; with the profile's in-process transition `tr`, its exact counts too."""
    rows = _rows_messages(f) + _rows_pg(f)
    if tr:
        rows += _rows_exact(tr)
    return rows + _rows_writes(f)


def _rows_messages(f: dict[str, Any]) -> list[Row]:
    """Broker messages and Redis commands per task, wfq's and bare Celery's."""
    wr, br = f["wfq_redis_per_task"], f["bare_redis_per_task"]
    msgs, bmsgs = wr["queue_push"] + wr["publish"], br["queue_push"] + br["publish"]
    return [
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
    ]


def _rows_pg(f: dict[str, Any]) -> list[Row]:
    """PostgreSQL transactions per task (pg_stat_database)."""
    return [
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


def _rows_exact(tr: dict[str, Any]) -> list[Row]:
    """Transactions, pre-pings and statements per task, counted in-process."""
    phases = tr["phases"].values()
    # The POST's transaction belongs to the execution, not to any one task: it is shown on
    # its own line instead of being spread over the tasks of the chain.
    per_task = [p for name, p in tr["phases"].items() if not name.startswith("start_execution")]
    starts = [p for name, p in tr["phases"].items() if name.startswith("start_execution")]
    tx = sum(p["tx"] * p["calls"] for p in per_task) / max(tr["tasks"], 1)
    tx_start = sum(p["tx"] * p["calls"] for p in starts) / max(sum(p["calls"] for p in starts), 1)
    pings = sum(p["pings"] * p["calls"] for p in phases) / max(tr["tasks"], 1)
    stmts = sum(p["statements"] * p["calls"] for p in phases) / max(tr["tasks"], 1)
    return [
        (
            "",
            "  exact, in-process, task sent by message: transactions (claim + complete)",
            fmt(tx),
            "",
            "",
            f"<= 2 {ok(tx <= 2)}",
        ),
        (
            "",
            "  exact, in-process: + the execution's start (POST)",
            f"{fmt(tx_start)} per execution",
            "",
            "",
            "",
        ),
        ("", "  exact, in-process: + pre-ping SELECT 1", fmt(pings), "", "", ""),
        ("", "  exact, in-process: SQL statements", fmt(stmts, "", 1), "", "", ""),
    ]


def _rows_writes(f: dict[str, Any]) -> list[Row]:
    """Row writes per task, storage per execution, and the with-items figures per item."""
    rw = f["row_writes_per_task"]
    ins = sum(d["ins"] for d in rw.values())
    upd = sum(d["upd"] for d in rw.values())
    hot = sum(d["hot_upd"] for d in rw.values())
    st = f["storage_per_execution"]
    nrows = sum(d["rows"] for d in st.values())
    nbytes = sum(d["bytes"] for d in st.values())
    growth = sum(f["table_growth_bytes_per_execution"].values())
    wi = f["with_items"]
    return [
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
