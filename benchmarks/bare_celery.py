"""The baseline: bare Celery on the same Redis broker, the same graphs without an engine.

    celery -A benchmarks.bare_celery worker -Q $BENCH_BARE_QUEUE -c 2 --pool prefork
    celery -A benchmarks.bare_celery worker -Q $BENCH_BARE_QUEUE-io -c 1000 --pool threads

Configured from the environment (the benchmark runner sets it): BENCH_BARE_BROKER (broker and
result backend, default redis://127.0.0.1:6379/14) and BENCH_BARE_QUEUE (default
`bench-bare`). Celery defaults otherwise (JSON, early ack, prefetch 4, no task events): the
figures are what a plain Celery user gets, with a result backend because chains and chords
need one.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery

BROKER = os.environ.get("BENCH_BARE_BROKER", "redis://127.0.0.1:6379/14")
QUEUE = os.environ.get("BENCH_BARE_QUEUE", "bench-bare")

app = Celery("bench_bare", broker=BROKER, backend=BROKER)
app.conf.update(
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    task_default_queue=QUEUE,
    result_expires=600,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)


@app.task(name="bench.noop")
def noop(*_: Any, **__: Any) -> None:
    """std.noop: does nothing (ignores a chained parent's result)."""
    return None


@app.task(name="bench.echo")
def echo(output: Any) -> Any:
    """std.echo: returns its input."""
    return output


@app.task(name="bench.collect")
def collect(results: list[Any]) -> int:
    """A chord callback: receives every header result (as a with-items task does)."""
    return len(results)


@app.task(name="bench.http_get")
def http_get(url: str) -> int:
    """std.http's shape: one GET to the local slow server (scenarios g and h)."""
    import requests

    return requests.get(url, timeout=60).status_code


@app.task(name="bench.sleep")
def sleep(seconds: float) -> None:
    """std.sleep's shape: a task that only waits, holding its thread (scenario i)."""
    import time

    time.sleep(seconds)
