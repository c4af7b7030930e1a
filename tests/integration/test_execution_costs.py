"""`python -m benchmarks.execution_costs` on a tiny run: it starts wfq on a private PostgreSQL
and redis-server, counts what executions cost and prints the table docs/scaling.md is built on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from wfq_testing import ROOT


def _row(table: str, label: str) -> list[str]:
    line = next(x for x in table.splitlines() if x.strip().startswith(label))
    return [c.strip() for c in line.split("|")[1:]]


def test_cost_command_prints_counted_costs_per_execution(tmp_path: Path) -> None:
    out = tmp_path / "costs.txt"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.execution_costs",
            "--scenarios",
            "one,get",
            "--n",
            "5",
            "--gets",
            "5",
            "--settle",
            "1",
            "--idle",
            "1",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    table = proc.stdout
    assert out.read_text().strip() == table.strip()
    assert _row(table, "units measured") == ["5 (SUCCESS 5)", "5 (SUCCESS 5)"]
    assert _row(table, "actions per execution")[0] == "1.00"
    # a one-task execution sends exactly one Celery message (its action) through Redis
    assert _row(table, "messages queued")[0] == "1.00"
    # PostgreSQL (pg_stat_statements, counted as they run) stored its three rows, run by the
    # API (the POST) and the worker; a GET is one read by the API
    verbs = [[float(v) for v in x.split(" / ")] for x in _row(table, "SELECT / INSERT")]
    assert verbs[0][1] >= 3 and verbs[1][1] == 0
    by = [[float(v) for v in x.split(" / ")] for x in _row(table, "run by the API / by the worker")]
    assert by[0][0] > 0 and by[0][1] > 0
    assert by[1][0] >= 1 and by[1][1] < 0.5
    assert "CPU ms, LOAD-SENSITIVE" in table
