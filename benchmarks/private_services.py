"""A PostgreSQL cluster and a redis-server of one measurement, on free loopback ports, so that
what they count (pg_stat_statements, WAL position, INFO commandstats) is the benchmark's alone.

The shared servers of the machine serve other runs at the same time: their instance-wide
counters (WAL, Redis commands) would mix those runs in, and the shared PostgreSQL does not
preload pg_stat_statements (restarting it is not ours to do).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from benchmarks.processes import Proc, free_port

# pg_stat_statements counts every statement as it ends (no statistics flush delay), with its
# rows and the WAL it wrote; track_utility also counts BEGIN/COMMIT/ROLLBACK.
PG_OPTIONS = (
    "-c listen_addresses=127.0.0.1",
    "-c shared_preload_libraries=pg_stat_statements",
    "-c pg_stat_statements.track=top",
    "-c pg_stat_statements.track_utility=on",
    "-c pg_stat_statements.max=10000",
    "-c max_connections=200",
    # fsync does not change what is counted (WAL bytes, rows, statements); off spares the
    # shared disk of the machine.
    "-c fsync=off",
)


def _pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if found:
        return found[-1].parent
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl is None:
        raise FileNotFoundError("no PostgreSQL server binaries (pg_ctl, initdb) found")
    return Path(pg_ctl).parent


class PrivatePostgres:
    """A throw-away cluster with pg_stat_statements preloaded (run as `postgres` when root)."""

    def __init__(self) -> None:
        self.bin = _pg_bin()
        self.dir = Path(tempfile.mkdtemp(prefix="wfq-costs-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *argv: str) -> None:
        cmd = [str(self.bin / argv[0]), *argv[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def start(self) -> PrivatePostgres:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        opts = " ".join((f"-p {self.port}", f"-k {self.dir}", *PG_OPTIONS))
        log = str(self.dir / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", log, "-w", "start")
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        return self

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateRedis:
    """A redis-server of its own (nothing saved), a child process stopped by its pid."""

    def __init__(self, logdir: Path) -> None:
        self.port = free_port()
        server = shutil.which("redis-server")
        if server is None:
            raise FileNotFoundError("redis-server not found")
        argv = [
            server,
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
        ]
        self.proc = Proc(
            "redis",
            argv,
            dict(os.environ),
            logdir / "redis.log",
            ready_text="Ready to accept connections",
        )

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> PrivateRedis:
        self.proc.start(timeout=30)
        return self

    def stop(self) -> None:
        self.proc.stop()
