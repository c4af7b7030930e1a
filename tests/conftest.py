"""Fixtures shared by every test: throw-away databases, brokers and Celery worker processes.

Every test run creates its own PostgreSQL database and its own Celery queue names on Redis
database 11, and removes them at the end, so concurrent runs never collide.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN_URL = os.environ.get("WFQ_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("WFQ_TEST_REDIS", "redis://127.0.0.1:6379/11")
RUN_ID = uuid.uuid4().hex[:8]


class RecordingDispatcher:
    """Records what would be sent to workers (for tests that drive the engine by hand)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str | None]] = []
        self.messages: list[tuple[str, list[object]]] = []

    def run_actions(self, items: list[tuple[str, str | None]]) -> None:
        self.sent.extend(items)

    def run_items(self, task_execution_id: str, action_ids: list[str], queue: str | None) -> None:
        self.sent.extend((a, queue) for a in action_ids)

    def send(self, task_name: str, args: list[object], queue: str | None = None, eta: object = None) -> None:
        self.messages.append((task_name, args))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A migrated SQLite database file of this test."""
    from wfq.persistence.migrate import upgrade

    url = f"sqlite:///{tmp_path}/wfq.sqlite"
    upgrade(url)
    return url


def _admin_exec(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A migrated PostgreSQL database of this test run, dropped at the end."""
    from wfq.persistence.migrate import upgrade

    name = f"wfq_test_{RUN_ID}"
    _admin_exec(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    upgrade(url)
    yield url
    _admin_exec(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    )
    _admin_exec(f'DROP DATABASE IF EXISTS "{name}"')


class WorkerProcess:
    """A real `celery worker` subprocess running wfq's tasks."""

    def __init__(self, env: dict[str, str], log_path: Path, concurrency: int = 2) -> None:
        self.env = env
        self.log_path = log_path
        self.concurrency = concurrency
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> WorkerProcess:
        self.log = log = self.log_path.open("ab")
        queues = f"{self.env['WFQ_QUEUE']},{self.env['WFQ_ENGINE_QUEUE']}"
        extra = self.env.get("WFQ_TEST_EXTRA_QUEUES")
        if extra:
            queues += "," + extra
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "workers.app", "worker", "-Q", queues,
             "-c", str(self.concurrency), "--pool", "prefork", "--loglevel", "INFO",
             "--without-mingle", "--without-gossip", "-n", f"wfq-{uuid.uuid4().hex[:6]}@%h"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "ready." in self.log_path.read_text(errors="replace"):
                return self
            if self.proc.poll() is not None:
                raise RuntimeError("celery worker exited:\n" + self.log_path.read_text()[-3000:])
            time.sleep(0.1)
        raise RuntimeError("celery worker not ready:\n" + self.log_path.read_text()[-3000:])

    def stop(self, kill: bool = False) -> None:
        if self.proc and self.proc.poll() is None:
            if kill:
                self.proc.kill()
            else:
                self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if getattr(self, "log", None) is not None:
            self.log.close()
            self.log = None


def _purge_queues(broker: str, queues: list[str]) -> None:
    import redis

    client = redis.Redis.from_url(broker)
    for q in queues:
        client.delete(q)
    client.close()


@pytest.fixture(scope="session")
def integration_env(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Environment variables for wfq processes of this run: PostgreSQL + Redis, own queues."""
    env = {
        **os.environ,
        "WFQ_DATABASE_URL": pg_url,
        "WFQ_BROKER_URL": REDIS_URL,
        "WFQ_RESULT_BACKEND": REDIS_URL,
        "WFQ_QUEUE": f"wfq-test-{RUN_ID}",
        "WFQ_ENGINE_QUEUE": f"wfq-test-{RUN_ID}.engine",
        "PYTHONPATH": str(ROOT),
    }
    yield env
    _purge_queues(REDIS_URL, [env["WFQ_QUEUE"], env["WFQ_ENGINE_QUEUE"]])


@pytest.fixture(scope="session")
def celery_worker(integration_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerProcess]:
    """One real Celery worker process for the integration session."""
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    worker = WorkerProcess(integration_env, log).start()
    yield worker
    worker.stop()


@pytest.fixture(scope="session")
def integration_settings(integration_env: dict[str, str]):  # type: ignore[no-untyped-def]
    from wfq import settings

    return settings.load(integration_env)
