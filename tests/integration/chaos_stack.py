"""The processes of the fault-injection suite, each one killable with kill -9 and restartable:
a private redis-server (so restarting it disturbs nobody else), `wfq server`, `wfq beat` and
Celery workers, all on loopback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import requests
from wfq_testing import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def group_pids(pgid: int) -> set[int]:
    """Every live process of process group `pgid` (a worker and its pool children)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid:
            found.add(int(entry.name))
    return found


class Service:
    """One long-running process: started in its own process group, killed with SIGKILL."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], logs: Path,
                 ready: Callable[[Service], bool]) -> None:
        self.name, self.argv, self.env, self.ready = name, argv, env, ready
        self.log_path = logs / f"{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.killed_pids: set[int] = set()

    def start(self, timeout: float = 60) -> Service:
        with self.log_path.open("ab") as log:
            log.write(f"\n==== start {self.starts} ====\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                self.argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.tail()}")
            if self.ready(self):
                return self
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} not ready:\n{self.tail()}")

    def kill(self) -> None:
        """kill -9 of the whole process group, as an OOM killer or a power cut would."""
        if self.proc is None:
            return
        self.killed_pids |= group_pids(self.proc.pid)
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]

    def log_since_start(self) -> str:
        return self.log_path.read_text(errors="replace").rsplit("==== start", 1)[-1]


def _log_says(marker: str) -> Callable[[Service], bool]:
    return lambda svc: marker in svc.log_since_start()


def _answers(url: str) -> Callable[[Service], bool]:
    def check(_: Service) -> bool:
        try:
            return requests.get(url, timeout=1).status_code == 200
        except requests.RequestException:
            return False

    return check


def _redis_pings(port: int) -> Callable[[Service], bool]:
    def check(_: Service) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=port, socket_timeout=0.5).ping())
        except redis.RedisError:
            return False

    return check


class Stack:
    """Redis, the API, beat and `workers` Celery workers of one fault-injection run."""

    def __init__(self, pg_url: str, logs: Path, env: dict[str, str], workers: int = 2,
                 concurrency: int = 2) -> None:
        self.redis_port, self.api_port = free_port(), free_port()
        broker = f"redis://127.0.0.1:{self.redis_port}/0"
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "WFQ_DATABASE_URL": pg_url,
            "WFQ_BROKER_URL": broker,
            "WFQ_RESULT_BACKEND": broker,
            "WFQ_LOG_LEVEL": "INFO",
            **env,
        }
        self.url = f"http://127.0.0.1:{self.api_port}"
        self.redis = Service(
            "redis",
            ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            self.env, logs, _redis_pings(self.redis_port),
        )
        wfq = [sys.executable, "-m", "wfq.cli.main"]
        self.api = Service("api", [*wfq, "server", "--port", str(self.api_port)], self.env, logs,
                           _answers(f"{self.url}/v2"))
        self.beat = Service("beat", [*wfq, "beat"], self.env, logs, _log_says("maxinterval"))
        queues = f"{env.get('WFQ_QUEUE', 'wfq')},{env.get('WFQ_ENGINE_QUEUE', 'wfq.engine')}"
        self.workers = [
            Service(
                f"worker{i}",
                [sys.executable, "-m", "celery", "-A", "workers.app", "worker", "-Q", queues,
                 "-c", str(concurrency), "--pool", "prefork", "--loglevel", "INFO",
                 "--without-mingle", "--without-gossip", "-n", f"chaos{i}@%h"],
                self.env, logs, _log_says("ready."),
            )
            for i in range(workers)
        ]

    @property
    def services(self) -> list[Service]:
        return [self.redis, self.api, self.beat, *self.workers]

    def start(self) -> Stack:
        for svc in self.services:
            svc.start()
        return self

    def stop(self) -> None:
        for svc in reversed(self.services):
            svc.stop()

    def kill_and_restart(self, svc: Service, down_s: float = 1.0) -> None:
        svc.kill()
        time.sleep(down_s)
        svc.start()

    def worker_pids_killed(self) -> set[int]:
        return set().union(*(w.killed_pids for w in self.workers))
