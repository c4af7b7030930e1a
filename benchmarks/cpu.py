"""CPU time (user + system, from /proc/<pid>/stat) spent by each part of the system while a
scenario runs: where the machine's two cores go per task, process by process."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from typing import Any

import psycopg

from benchmarks.processes import Proc, children
from benchmarks.stack import Stack

TICK_MS = 1000.0 / os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as f:
            parts = f.read().rsplit(")", 1)[1].split()
        return int(parts[11]) + int(parts[12])  # utime, stime (fields 14, 15)
    except (OSError, IndexError, ValueError):
        return -1


@dataclass
class CpuMeter:
    stack: Stack
    redis_pid: int | None = None
    roles: dict[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        with contextlib.suppress(Exception):
            r = self.stack.redis()
            self.redis_pid = int(r.info("server")["process_id"])
            r.close()

    def _pg_backends(self) -> list[int]:
        with psycopg.connect(self.stack.pg_admin_url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s", (self.stack.db_name,)
            ).fetchall()
        return [r[0] for r in rows]

    def _pids(self) -> dict[int, str]:
        out: dict[int, str] = {}
        s = self.stack
        if s.api is not None and s.api.proc is not None:
            for pid in s.api.pids():  # gunicorn: the arbiter and its workers
                out[pid] = "wfq API"
        for w in s.wfq_workers:
            out.update(_worker_roles(w, "wfq"))
        for bare in (s.bare, s.bare_io):
            out.update(_worker_roles(bare, "bare"))
        for pid in self._pg_backends():
            out[pid] = "PostgreSQL backends (bench db)"
        if self.redis_pid:
            out[self.redis_pid] = "redis-server (shared)"
        out[os.getpid()] = "benchmark client"
        return out

    def start(self) -> dict[int, tuple[str, int]]:
        return {pid: (role, cpu_ticks(pid)) for pid, role in self._pids().items()}

    def stop(self, start: dict[int, tuple[str, int]]) -> dict[str, float]:
        """CPU ms per role since `start` (processes new since then count from zero)."""
        end = self._pids()
        for pid, (role, _) in start.items():
            end.setdefault(pid, role)
        out: dict[str, float] = {}
        for pid, role in end.items():
            t1 = cpu_ticks(pid)
            t0 = start.get(pid, (role, 0))[1]
            if t1 < 0 or t0 < 0:
                continue
            out[role] = out.get(role, 0.0) + (t1 - t0) * TICK_MS
        return out


def machine_busy_ms() -> float:
    """CPU time the whole machine has been busy since boot, every core summed: user, nice,
    system, interrupts and steal from /proc/stat (idle and iowait left out; guest time is already
    inside user). The difference of two readings is what every process and the kernel used."""
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) * TICK_MS


def per(cpu: dict[str, float], n: float) -> dict[str, float]:
    return {k: v / n for k, v in cpu.items()} if n else {}


def merge(runs: list[dict[str, float]]) -> dict[str, float]:
    """Median per role over repetitions."""
    import statistics

    keys = {k for r in runs for k in r}
    return {k: statistics.median([r.get(k, 0.0) for r in runs]) for k in keys}


def fmt(cpu: dict[str, Any], roles: tuple[str, ...]) -> str:
    short = {
        "wfq API": "api",
        "wfq worker main (consumer)": "consumer",
        "wfq worker pool (task bodies)": "pool",
        "bare worker main (consumer)": "consumer",
        "bare worker pool (task bodies)": "pool",
        "PostgreSQL backends (bench db)": "pg",
        "redis-server (shared)": "redis",
        "benchmark client": "client",
    }
    parts = [f"{short.get(r, r)} {cpu.get(r, 0.0):.1f}" for r in roles if cpu.get(r, 0.0) >= 0.05]
    total = sum(cpu.get(r, 0.0) for r in roles)
    return f"{total:.1f} = " + " + ".join(parts) if parts else "-"


WFQ_ROLES = (
    "wfq API",
    "wfq worker main (consumer)",
    "wfq worker pool (task bodies)",
    "PostgreSQL backends (bench db)",
    "redis-server (shared)",
    "benchmark client",
)
BARE_ROLES = (
    "bare worker main (consumer)",
    "bare worker pool (task bodies)",
    "redis-server (shared)",
    "benchmark client",
)


def _worker_roles(worker: Proc | None, side: str) -> dict[int, str]:
    """The role of a Celery worker's main process and of its pool children (none if stopped)."""
    if worker is None or worker.proc is None:
        return {}
    out = {worker.pid: f"{side} worker main (consumer)"}
    for c in children(worker.pid):
        out[c] = f"{side} worker pool (task bodies)"
    return out
