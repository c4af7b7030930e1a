"""What a benchmark run starts and removes: a throw-away PostgreSQL database, a dedicated Redis
database with its own queue names, N `celery -A workers.app worker` processes, the API as a
`wfq server` subprocess, and the bare Celery worker of the baseline.

Everything is started as a child of this process and stopped by pid at the end (or on Ctrl-C).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.processes import ROOT, Proc, answers, free_port

# Keys a Celery/kombu client leaves in a Redis database; anything else means the db is in use.
_OUR_KEY_PREFIXES = (
    "wfq-bench-",
    "bench-bare-",
    "celery-task-meta-",
    "_kombu.binding.",
    "unacked",
    "chord-unlock",
    "celery",
    "_kombu",
    "celeryev",
)


@dataclass
class Stack:
    """Configuration and the started parts of one benchmark run."""

    pg_admin_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    redis_host: str = "127.0.0.1:6379"
    redis_db: int = 14
    workers: int = 1
    concurrency: int | None = None
    """Pool size of each wfq worker (`-c`); None: wfq's defaults (`worker_slots` threads)."""
    bare_concurrency: int = 2
    """prefork children of the bare Celery baseline of a-f."""
    io_slots: int = 1000
    """threads of the bare Celery baseline of g-i: wfq's default `worker_slots`."""
    baseline: bool = True
    """Start the bare Celery worker of the baseline (a-f); the cost counts need none."""
    fresh_redis: bool = True
    """Flush the Redis db at start; False for the second stack of `--compare`, which shares the
    db (and the bare worker) of the first one: a flush would remove its queues' bindings."""
    api_database_url: str = ""
    """The API's WFQ_DATABASE_URL when it differs from the workers' (another role)."""
    waiting: bool = False
    """Start what g-i need: the slow HTTP server and the bare threads-pool worker."""
    api_port: int = 0
    keep_logs: bool = False
    api_server: str = "wfq"
    """`wfq` (`wfq server`: werkzeug, threaded), `granian` (`granian --interface wsgi
    wfq.api.wsgi:app`) or `gunicorn` (`gunicorn wfq.api.wsgi:app`)."""
    api_workers: int = 2
    wfq_root: Path = ROOT
    """Where wfq's code is taken from (the work tree, or a snapshot of a commit)."""
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    procs: list[Proc] = field(default_factory=list)
    wfq_workers: list[Proc] = field(default_factory=list)
    api: Proc | None = None
    bare: Proc | None = None
    bare_io: Proc | None = None
    slow_http: Proc | None = None
    slow_http_port: int = 0
    db_created: bool = False
    logdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="wfq-bench-")))

    # ---- names -------------------------------------------------------------------------------
    @property
    def db_name(self) -> str:
        return f"wfq_bench_{self.run_id}"

    @property
    def pg_url(self) -> str:
        """psycopg URL of the benchmark database (for the runner's own queries)."""
        return self.pg_admin_url.rsplit("/", 1)[0] + f"/{self.db_name}"

    @property
    def sqlalchemy_url(self) -> str:
        return self.pg_url.replace("postgresql://", "postgresql+psycopg://", 1)

    @property
    def redis_url(self) -> str:
        return f"redis://{self.redis_host}/{self.redis_db}"

    @property
    def queue(self) -> str:
        return f"wfq-bench-{self.run_id}"

    @property
    def engine_queue(self) -> str:
        return f"wfq-bench-{self.run_id}.engine"

    @property
    def bare_queue(self) -> str:
        return f"bench-bare-{self.run_id}"

    @property
    def bare_io_queue(self) -> str:
        return f"bench-bare-{self.run_id}-io"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}/v2"

    @property
    def pythonpath(self) -> str:
        # wfq (and workers/) from wfq_root first; benchmarks/ from this repository
        roots = [str(self.wfq_root)] if self.wfq_root != ROOT else []
        extra = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
        return os.pathsep.join([*roots, str(ROOT), *extra])

    def wfq_env(self) -> dict[str, str]:
        return {
            **os.environ,
            "WFQ_DATABASE_URL": self.sqlalchemy_url,
            "WFQ_BROKER_URL": self.redis_url,
            "WFQ_RESULT_BACKEND": self.redis_url,
            "WFQ_QUEUE": self.queue,
            "WFQ_ENGINE_QUEUE": self.engine_queue,
            # The slow server of g and h is on loopback, which std.http refuses unless the
            # operator allows it: as an operator would, for that one address.
            "WFQ_HTTP_ALLOWED_HOSTS": "127.0.0.1",
            "PYTHONPATH": self.pythonpath,
            "PYTHONUNBUFFERED": "1",
        }

    def bare_env(self) -> dict[str, str]:
        return {
            **os.environ,
            "BENCH_BARE_BROKER": self.redis_url,
            "BENCH_BARE_QUEUE": self.bare_queue,
            "PYTHONPATH": self.pythonpath,
        }

    # ---- services ----------------------------------------------------------------------------
    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.pg_admin_url, autocommit=True) as conn:
            conn.execute(sql)

    def redis(self) -> Any:
        import redis

        return redis.Redis.from_url(self.redis_url)

    def _check_redis_db(self) -> None:
        r = self.redis()
        foreign = [
            k.decode(errors="replace")
            for k in r.scan_iter(count=1000)
            if not k.decode(errors="replace").startswith(_OUR_KEY_PREFIXES)
        ]
        r.close()
        if foreign:
            raise SystemExit(
                f"Redis db {self.redis_db} holds keys that are not a benchmark's ({foreign[:5]}); "
                "choose another with --redis-db"
            )

    def start(self) -> Stack:
        self._check_redis_db()
        if self.fresh_redis:
            self.redis().flushdb()
        self._create_database()
        if self.waiting:
            self._start_waiting_parts()
        for _ in range(self.workers):
            self.add_worker()
        self.api_port = self.api_port or free_port()
        api_env = {**self.wfq_env(), "WFQ_LOG_LEVEL": "WARNING"}
        if self.api_database_url:
            api_env["WFQ_DATABASE_URL"] = self.api_database_url
        argv = self._api_argv()
        self.api = Proc("api", argv, api_env, self.logdir / "api.log", cwd=self.wfq_root)
        self.procs.append(self.api)
        self.api.start(ready=self._api_ready)
        if self.baseline:
            self._start_baseline()
        return self

    def _create_database(self) -> None:
        """The run's database, its tables created by the code measured (`wfq db upgrade`)."""
        self._admin(f'CREATE DATABASE "{self.db_name}"')
        self.db_created = True
        subprocess.run(
            [sys.executable, "-m", "wfq.cli.main", "--log-level", "WARNING", "db", "upgrade"],
            cwd=self.wfq_root,
            env=self.wfq_env(),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def _api_argv(self) -> list[str]:
        """The command line of the API server chosen by `api_server`."""
        port, workers = str(self.api_port), str(self.api_workers)
        if self.api_server == "granian":
            return [
                sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1",
                "--port", port, "--workers", workers, "--blocking-threads", "4",
                "--log-level", "warning", "wfq.api.wsgi:app",
            ]  # fmt: skip
        if self.api_server == "gunicorn":
            return [
                sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
                "--workers", workers, "--threads", "4", "--log-level", "warning",
                "wfq.api.wsgi:app",
            ]  # fmt: skip
        return [
            sys.executable,
            "-m",
            "wfq.cli.main",
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            port,
        ]

    def _start_baseline(self) -> None:
        self.bare = Proc(
            "bare-celery",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "benchmarks.bare_celery",
                "worker",
                "-Q",
                self.bare_queue,
                "-c",
                str(self.bare_concurrency),
                "--pool",
                "prefork",
                "--loglevel",
                "INFO",
                "--without-mingle",
                "--without-gossip",
                "-n",
                f"bare-{self.run_id}@%h",
            ],
            self.bare_env(),
            self.logdir / "bare-worker.log",
            ready_text=" ready.",
        )
        self.procs.append(self.bare)
        self.bare.start()

    def _start_waiting_parts(self) -> None:
        """g-i: the slow HTTP server, and bare Celery on a threads pool of `io_slots`."""
        self.slow_http_port = free_port()
        self.slow_http = Proc(
            "slow-http",
            [sys.executable, "-m", "benchmarks.slow_http", "--port", str(self.slow_http_port)],
            self.bare_env(),
            self.logdir / "slow-http.log",
        )
        self.procs.append(self.slow_http)
        self.slow_http.start(ready=lambda: answers(self.slow_http_port))
        self.bare_io = Proc(
            "bare-celery-io",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "benchmarks.bare_celery",
                "worker",
                "-Q",
                self.bare_io_queue,
                "-c",
                str(self.io_slots),
                "--pool",
                "threads",
                "--loglevel",
                "INFO",
                "--without-mingle",
                "--without-gossip",
                "-n",
                f"bare-io-{self.run_id}@%h",
            ],
            self.bare_env(),
            self.logdir / "bare-worker-io.log",
            ready_text=" ready.",
        )
        self.procs.append(self.bare_io)
        self.bare_io.start()

    def _api_ready(self) -> bool:
        import requests

        try:
            return requests.get(self.api_url + "/", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def add_worker(self) -> Proc:
        """Start one more wfq worker process: wfq's default pool, or `-c concurrency`."""
        n = len(self.wfq_workers) + 1
        w = Proc(
            f"wfq-worker-{n}",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "workers.app",
                "worker",
                "-Q",
                f"{self.queue},{self.engine_queue}",
                *(["-c", str(self.concurrency)] if self.concurrency else []),
                "--loglevel",
                "INFO",
                "--without-mingle",
                "--without-gossip",
                "-n",
                f"wfq-{self.run_id}-{n}@%h",
            ],
            self.wfq_env(),
            self.logdir / f"wfq-worker-{n}.log",
            ready_text=" ready.",
            cwd=self.wfq_root,
        )
        w.start()
        self.wfq_workers.append(w)
        self.procs.append(w)
        return w

    def remove_worker(self) -> None:
        """Stop the most recently added wfq worker."""
        w = self.wfq_workers.pop()
        w.stop()
        self.procs.remove(w)

    def worker_pids(self) -> list[int]:
        return [p for w in self.wfq_workers for p in w.pids()]

    def stop(self) -> None:
        for p in reversed(self.procs):
            with contextlib.suppress(Exception):
                p.stop()
        self.procs.clear()
        with contextlib.suppress(Exception):
            r = self.redis()
            r.flushdb()
            r.close()
        if self.db_created:
            with contextlib.suppress(Exception):
                self._admin(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE datname = '{self.db_name}' AND pid <> pg_backend_pid()"
                )
                self._admin(f'DROP DATABASE IF EXISTS "{self.db_name}"')
                self.db_created = False
        if not self.keep_logs:
            shutil.rmtree(self.logdir, ignore_errors=True)
