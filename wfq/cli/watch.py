"""`wfq watch EXECUTION`: follow an execution through the REST API until it ends.

On a terminal the task table is redrawn in place; otherwise (a pipe, a log file) one line is
printed each time a task changes state or a with-items task finishes more items.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wfq.cli import tables
from wfq.cli.client import Client

CLEAR_BLOCK = "\x1b[{n}F\x1b[J"
"""ANSI: move up n lines to column 0, clear to the end of the screen."""


def items_total(task: dict[str, Any]) -> int | None:
    """How many items a with-items task has (None for other tasks)."""
    rc = task.get("runtime_context")
    if isinstance(rc, str):
        try:
            rc = json.loads(rc)
        except ValueError:
            rc = None
    items = (rc or {}).get("with_items") if isinstance(rc, dict) else None
    return int(items.get("count") or 0) if isinstance(items, dict) else None


def eta_text(task: dict[str, Any]) -> str:
    """`  ~40s left` while a with-items task runs and the server has an estimate; else ''."""
    progress = task.get("progress")
    eta = progress.get("eta_seconds") if isinstance(progress, dict) else None
    if task.get("state") != "RUNNING" or eta is None:
        return ""
    minutes, seconds = divmod(math.ceil(eta), 60)
    return f"  ~{minutes}m{seconds:02d}s left" if minutes else f"  ~{seconds}s left"


@dataclass
class Watcher:
    """Polls one execution and reports its progress through `echo`."""

    client: Client
    execution_id: str
    echo: Callable[[str], None]
    live: bool = False
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _seen: dict[str, tuple[str, str]] = field(default_factory=dict)
    _finished_items: dict[str, str] = field(default_factory=dict)
    _drawn: int = 0

    def run(self, interval: float = 1.0, timeout: float = 0.0) -> dict[str, Any]:
        """Follow the execution until it ends (or `timeout` seconds, 0: no limit); returns it."""
        deadline = self.clock() + timeout if timeout else None
        ex = self.client.execution(self.execution_id)
        self.echo(f"execution {ex['id']} of {ex.get('workflow_name')}: {ex['state']}")
        while True:
            ex = self.client.execution(self.execution_id)
            tasks = self.client.tasks(self.execution_id)
            self.report(tasks)
            if ex["state"] in tables.FINISHED:
                break
            if deadline is not None and self.clock() >= deadline:
                self.echo(f"still {ex['state']} after {timeout:g} s; stopped watching")
                return ex
            self.sleep(interval)
        info = f": {ex['state_info']}" if ex.get("state_info") else ""
        took = tables.duration(ex.get("created_at"), ex.get("updated_at"), ex["state"])
        self.echo(f"execution {ex['state']} after {took}{info}")
        return ex

    def progress(self, task: dict[str, Any]) -> str:
        """`[#####.....] 5/10  1 failed  ~40s left` for a with-items task; else ''."""
        bar = self._bar(task)
        return f"{bar}{eta_text(task)}" if bar else ""

    def _bar(self, task: dict[str, Any]) -> str:
        """`[#####.....] 5/10  1 failed`: from the task's `progress` (an older server without
        it: from its action executions)."""
        total = items_total(task)
        if total is None:
            return ""
        if task["id"] in self._finished_items:
            return self._finished_items[task["id"]]
        shown = task.get("progress")
        if isinstance(shown, dict):
            done, failed = int(shown.get("done") or 0), int(shown.get("failed") or 0)
        else:
            actions = self.client.action_executions(task["id"])
            done = min(total, sum(1 for a in actions if a.get("state") in tables.FINISHED))
            failed = sum(1 for a in actions if a.get("state") == "ERROR")
        text = tables.bar(done, total) + (f"  {failed} failed" if failed else "")
        if task.get("state") in tables.FINISHED:
            self._finished_items[task["id"]] = text
        return text

    def report(self, tasks: list[dict[str, Any]]) -> None:
        """Print what changed (or redraw the table on a terminal)."""
        ordered = sorted(tasks, key=lambda t: (t.get("created_at") or "", t["id"]))
        rows = [(t, self.progress(t)) for t in ordered]
        if self.live:
            self._redraw(rows)
            return
        width = max([len(t.get("name") or "") for t in ordered] + [4])
        for task, bar in rows:
            key = (task["state"], self._bar(task))  # a new estimate alone prints no line
            if self._seen.get(task["id"]) == key:
                continue
            self._seen[task["id"]] = key
            info = (
                f"  ({tables.shorten(task['state_info'], 100)})"
                if task.get("state_info") and task["state"] == "ERROR"
                else ""
            )
            line = f"  {time.strftime('%H:%M:%S')}  {task['name']:<{width}}  {task['state']:<9}"
            self.echo(f"{line}  {bar}{info}".rstrip())

    def _redraw(self, rows: list[tuple[dict[str, Any], str]]) -> None:
        body = tables.table(
            ("TASK", "STATE", "DURATION", "PROGRESS"),
            [
                [
                    t.get("name"),
                    t.get("state"),
                    tables.duration(
                        t.get("started_at") or t.get("created_at"),
                        t.get("finished_at") or t.get("updated_at"),
                        t.get("state", ""),
                    ),
                    bar,
                ]
                for t, bar in rows
            ],
        )
        if self._drawn:
            self.echo(CLEAR_BLOCK.format(n=self._drawn) + body)
        else:
            self.echo(body)
        self._drawn = body.count("\n") + 1
