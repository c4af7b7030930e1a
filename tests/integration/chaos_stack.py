"""The processes of the fault-injection suite, each one killable with kill -9 and restartable:
a private redis-server (so restarting it disturbs nobody else), `wfq server`, `wfq beat` and
Celery workers, all on loopback."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import requests
from wfq_testing import ROOT, celery_worker_argv


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

    def __init__(
        self,
        name: str,
        argv: list[str],
        env: dict[str, str],
        logs: Path,
        ready: Callable[[Service], bool],
    ) -> None:
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
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
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

    def __init__(self, pg_url: str, logs: Path, env: dict[str, str], workers: int = 2) -> None:
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
            [
                "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            self.env,
            logs,
            _redis_pings(self.redis_port),
        )
        wfq = [sys.executable, "-m", "wfq.cli.main"]
        self.api = Service(
            "api",
            [*wfq, "server", "--port", str(self.api_port)],
            self.env,
            logs,
            _answers(f"{self.url}/v2"),
        )
        self.beat = Service("beat", [*wfq, "beat"], self.env, logs, _log_says("beat ready"))
        queues = f"{env.get('WFQ_QUEUE', 'wfq')},{env.get('WFQ_ENGINE_QUEUE', 'wfq.engine')}"
        self.workers = [
            Service(
                f"worker{i}",
                celery_worker_argv(queues, f"chaos{i}@%h"),  # wfq's default pool
                self.env,
                logs,
                _log_says("ready."),
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


class PrivatePostgres:
    """A throw-away PostgreSQL cluster of this test on a free port, which the test may crash
    and restart without disturbing the shared server (run as the `postgres` user when root)."""

    def __init__(self) -> None:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        if not found:
            raise FileNotFoundError("no PostgreSQL server binaries under /usr/lib/postgresql")
        self.bin = found[-1].parent
        self.dir = Path(tempfile.mkdtemp(prefix="wfq-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")

    def _run(self, *argv: str) -> None:
        cmd = [str(self.bin / argv[0]), *argv[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def init(self) -> PrivatePostgres:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        return self.start()

    def start(self) -> PrivatePostgres:
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            opts,
            "-l",
            str(self.dir / "server.log"),
            "-w",
            "start",
        )
        return self

    def stop(self, mode: str = "fast") -> None:
        """`immediate` is a crash (no checkpoint, every backend killed); `fast` a clean stop."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, database: str, driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url("postgres", "postgresql"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError):
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)
