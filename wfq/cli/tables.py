"""Plain-text output of the `wfq` API commands: aligned tables, times, durations, progress bars."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
FINISHED = frozenset({"SUCCESS", "ERROR", "CANCELLED", "SKIPPED", "REVERTED"})
BAR_WIDTH = 10


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Columns left-aligned, two spaces apart, the header first; None prints as `-`."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None or value == "":
        return "-"
    return " ".join(str(value).split())


def parse_time(text: str | None) -> dt.datetime | None:
    """A Mistral timestamp ("YYYY-MM-DD HH:MM:SS", UTC) as a naive datetime; None stays None."""
    if not text:
        return None
    try:
        return dt.datetime.strptime(text, TIMESTAMP_FORMAT)
    except ValueError:
        return None


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def duration(start: str | None, end: str | None, state: str, now: dt.datetime | None = None) -> str:
    """`7s`, `3m 04s`, `1h 02m`: from start to end, or to now while not finished."""
    begin = parse_time(start)
    if begin is None:
        return "-"
    finish = parse_time(end) if state in FINISHED else (now or utcnow())
    if finish is None:
        return "-"
    return format_seconds((finish - begin).total_seconds())


def format_seconds(seconds: float) -> str:
    s = max(0, round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    return f"{s // 3600}h {s // 60 % 60:02d}m"


def bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    """`[#####.....] 5/10`."""
    filled = round(width * done / total) if total else width
    filled = min(width, max(0, filled))
    return f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total}"


def shorten(text: str | None, limit: int = 60) -> str | None:
    """One line of at most `limit` characters."""
    if not text:
        return text
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def execution_rows(
    executions: list[dict[str, Any]], now: dt.datetime | None = None
) -> list[list[Any]]:
    """Rows of the `wfq executions` table."""
    return [
        [
            ex["id"],
            ex.get("workflow_name"),
            ex.get("workflow_version"),
            ex.get("state"),
            ex.get("created_at"),
            duration(ex.get("created_at"), ex.get("updated_at"), ex.get("state", ""), now),
            shorten(ex.get("state_info")),
        ]
        for ex in executions
    ]


EXECUTION_HEADERS = (
    "ID",
    "WORKFLOW",
    "VERSION",
    "STATE",
    "STARTED (UTC)",
    "DURATION",
    "STATE INFO",
)
TASK_HEADERS = ("ID", "TASK", "STATE", "STARTED (UTC)", "DURATION", "STATE INFO")


def task_rows(tasks: list[dict[str, Any]], now: dt.datetime | None = None) -> list[list[Any]]:
    """Rows of the `wfq tasks` table, oldest task first."""
    ordered = sorted(tasks, key=lambda t: (t.get("created_at") or "", t["id"]))
    return [
        [
            t["id"],
            t.get("name"),
            t.get("state"),
            t.get("started_at") or t.get("created_at"),
            duration(
                t.get("started_at") or t.get("created_at"),
                t.get("finished_at") or t.get("updated_at"),
                t.get("state", ""),
                now,
            ),
            shorten(t.get("state_info")),
        ]
        for t in ordered
    ]
