"""The one table of a run: wfq figures, bare Celery figures, their ratio and the issue's targets;
with --compare, the wfq figures of two code versions and their ratio."""

from __future__ import annotations

import itertools
import re
from typing import Any

from benchmarks import waiting
from benchmarks.cells import Row
from benchmarks.cost_rows import rows_f, rows_transition
from benchmarks.scenario_rows import rows_a, rows_c, rows_e, rows_j, rows_sequential


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
