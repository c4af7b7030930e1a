"""The cells of the benchmark tables: figures formatted with their unit, medians over
repetitions, ratios, PASS/FAIL against a target, and the CPU row every scenario shares."""

from __future__ import annotations

import statistics
from typing import Any

from benchmarks import cpu

Row = tuple[str, str, str, str, str, str]
"""scenario, metric, wfq, bare Celery, wfq/bare, target."""


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


def cpu_row(
    wruns: list[Any], bruns: list[Any], nw: Any, nb: Any, unit: str, at_most: float | None = None
) -> Row:
    """CPU ms per unit of work, by process role (medians over repetitions); `at_most`: the
    target for wfq's sum."""
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
        f"<= {at_most:g} ms {ok(tw <= at_most)}" if at_most is not None and w else "",
    )
