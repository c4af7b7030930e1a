"""The rows of scenario e (horizontal scale): the parts computed from the recorded figures."""

from __future__ import annotations

from typing import Any

from benchmarks.scenario_rows import rows_e


def _drain(rate: float, machine_ms: float, worker_ms: float, pg_ms: float) -> dict[str, Any]:
    n = 600
    return {
        "n": n,
        "rate": rate,
        "db_rate": rate,
        "machine_ms": machine_ms,
        "cpu_ms": {
            "wfq worker main (consumer)": worker_ms * n,
            "PostgreSQL backends (bench db)": pg_ms * n,
        },
    }


def _cells(rows: list[tuple[str, ...]], metric_start: str) -> tuple[str, ...]:
    return next(r for r in rows if r[1].strip().startswith(metric_start))


def test_the_machine_ceiling_is_the_cores_over_the_cpu_each_execution_costs() -> None:
    e = {
        "cpus": 2,
        "workers": [1, 2],
        "concurrency": None,
        "1": [_drain(250.0, 4.0, 3.0, 1.0)] * 3,
        "2": [_drain(450.0, 4.0, 3.0, 1.0)] * 3,
    }
    rows = rows_e(e)
    scale = _cells(rows, "exec/s draining, 2 worker")
    assert scale[4] == "1.80x" and scale[5].endswith("PASS")
    ceiling = _cells(rows, "machine ceiling")
    # 2 cores, 4 ms of the machine per execution: at most 500 executions/s, 2x the one worker;
    # the two workers' 450/s is 90 % of that
    assert ceiling[2] == "500.0 /s"
    assert ceiling[4] == "2.00x"
    assert ceiling[5] == "2 workers reach 90%"
    busy = _cells(rows, "cores busy draining")
    assert busy[2] == "1.00 -> 1.80"
    per_exec = _cells(rows, "CPU ms per execution, 1 worker")
    assert per_exec[2] == "4.0 = consumer 3.0 + pg 1.0; machine 4.0"


def test_results_recorded_before_the_machine_figures_still_make_a_table() -> None:
    old = {"rate": 300.0, "db_rate": 300.0, "n": 600}
    e = {"workers": [1, 2], "1": [old], "2": [dict(old, rate=450.0, db_rate=450.0)]}
    rows = rows_e(e)
    assert [r[1].strip() for r in rows][-1] == "db span: 1 -> 2 workers"
    assert _cells(rows, "exec/s draining, 2 worker")[5].endswith("FAIL")
