"""Fixtures shared by every test: throw-away databases, brokers and Celery worker processes.

Every test run creates its own PostgreSQL database and its own Celery queue names on Redis
database 11, and removes them at the end, so concurrent runs never collide.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from wfq_testing import ROOT, RecordingDispatcher, WorkerProcess  # noqa: F401 (fixtures use them)

PG_ADMIN_URL = os.environ.get("WFQ_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("WFQ_TEST_REDIS", "redis://127.0.0.1:6379/11")
RUN_ID = uuid.uuid4().hex[:8]

# Property tests (hypothesis, schemathesis): the same bounded number of examples everywhere; in
# CI (CI=true, a fresh clone) derandomized and without an example database, so every run
# tries the same examples and a failure reproduces. HYPOTHESIS_PROFILE=thorough digs deeper.
_PROPERTY_SETTINGS = {
    "max_examples": 100,
    "deadline": None,  # wall-clock bounds are asserted by the tests themselves
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}
settings.register_profile("dev", **_PROPERTY_SETTINGS)
settings.register_profile("ci", **_PROPERTY_SETTINGS, derandomize=True, database=None)
settings.register_profile("thorough", **{**_PROPERTY_SETTINGS, "max_examples": 2000})
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A migrated SQLite database file of this test."""
    from wfq.persistence.migrate import upgrade

    url = f"sqlite:///{tmp_path}/wfq.sqlite"
    upgrade(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    """A migrated database of this test: a SQLite file, then the run's PostgreSQL database
    (the test runs once on each)."""
    return sqlite_url if request.param == "sqlite" else str(request.getfixturevalue("pg_url"))


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
    url = (
        PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
        + f"/{name}"
    )
    upgrade(url)
    yield url
    _admin_exec(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    )
    _admin_exec(f'DROP DATABASE IF EXISTS "{name}"')


def _purge_queues(broker: str, queues: list[str]) -> None:
    import redis

    client = redis.Redis.from_url(broker)
    for q in queues:
        client.delete(q)
    client.close()


@pytest.fixture(scope="session")
def integration_env(
    pg_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, str]]:
    """Environment variables for wfq processes of this run: PostgreSQL + Redis, own queues."""
    env = {
        **os.environ,
        "WFQ_DATABASE_URL": pg_url,
        "WFQ_BROKER_URL": REDIS_URL,
        "WFQ_RESULT_BACKEND": REDIS_URL,
        "WFQ_QUEUE": f"wfq-test-{RUN_ID}",
        "WFQ_ENGINE_QUEUE": f"wfq-test-{RUN_ID}.engine",
        # Code sources are off by default; test_mistral_client drives them with these projects.
        "WFQ_CODE_SOURCE_PROJECTS": "<default-project>,proj-a",
        # The egress policy refuses loopback: the webhook receivers and peers of these tests
        # listen on 127.0.0.1, allow-listed explicitly as an operator would.
        "WFQ_HTTP_ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONPATH": str(ROOT),
    }
    yield env
    _purge_queues(REDIS_URL, [env["WFQ_QUEUE"], env["WFQ_ENGINE_QUEUE"]])


@pytest.fixture(scope="session")
def celery_worker(
    integration_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WorkerProcess]:
    """One real Celery worker process for the integration session."""
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    worker = WorkerProcess(integration_env, log).start()
    yield worker
    worker.stop()


@pytest.fixture(scope="session")
def integration_settings(integration_env: dict[str, str]):  # type: ignore[no-untyped-def]
    from wfq import settings

    return settings.load(integration_env)
