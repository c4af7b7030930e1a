"""`wfq worker`, as an operator starts it: two workers on one host get distinct Celery node
names: Flower and `celery inspect` see two workers; each logs one line when it is ready, with
its slots, its queues and its engine lane."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration
BANNER = re.compile(r"-{5,} (\S+@\S+) v\d")


def _start(env: dict[str, str], log: Path, *args: str) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "wfq.cli.main", "worker", "-c", "1", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _node_names(procs: list[subprocess.Popen[bytes]], logs: list[Path]) -> list[str]:
    """The node name each worker prints in its banner."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        found = [BANNER.search(log.read_text(errors="replace")) for log in logs]
        if all(found):
            return [m.group(1) for m in found]  # type: ignore[union-attr]
        assert all(p.poll() is None for p in procs), "a worker exited"
        time.sleep(0.2)
    raise AssertionError("no banner:\n" + "\n---\n".join(log.read_text()[-2000:] for log in logs))


def _wait_for(log: Path, text: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text(errors="replace"):
        assert time.monotonic() < deadline, f"{text!r} not in:\n{log.read_text()[-2000:]}"
        time.sleep(0.2)


def _answering(settings: Any, names: list[str]) -> set[str]:
    """The workers that answer `celery inspect ping`, as Flower sees them."""
    from workers.app import make_celery

    app = make_celery(settings)
    try:
        deadline, seen = time.monotonic() + 60, set()
        while time.monotonic() < deadline and len(seen) < len(set(names)):
            seen |= {n for reply in app.control.ping(destination=names, timeout=2) for n in reply}
        return seen
    finally:
        app.close()


def test_two_workers_on_one_host_have_distinct_node_names(
    integration_env: dict[str, str], tmp_path: Path
) -> None:
    from wfq import settings

    queue = f"wfq-names-{uuid.uuid4().hex[:6]}"
    env = {**integration_env, "WFQ_QUEUE": queue, "WFQ_ENGINE_QUEUE": f"{queue}.engine"}
    logs = [tmp_path / "w1.log", tmp_path / "w2.log"]
    procs = [_start(env, log) for log in logs]
    try:
        names = _node_names(procs, logs)
        assert names[0] != names[1], names
        assert all(n.startswith("wfq-") for n in names), names
        assert _answering(settings.load(env), names) == set(names)
        for name, log in zip(names, logs, strict=True):
            ready = (
                f"INFO wfq.workers: worker {name} ready: up to 1 actions at once from {queue}; "
                f"engine lane (4 threads) on {queue}.engine"
            )
            _wait_for(log, ready)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
    assert not any("DuplicateNodenameWarning" in log.read_text() for log in logs)
