"""Test support shared by the suites: a recording dispatcher and real Celery worker processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


class RecordingDispatcher:
    """Records what would be sent to workers (for tests that drive the engine by hand)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str | None]] = []
        self.messages: list[tuple[str, list[object]]] = []

    def run_actions(self, items: list[tuple[str, str | None]], labels: object = None) -> None:
        self.sent.extend(items)

    def run_items(
        self, task_execution_id: str, action_ids: list[str], queue: str | None, label: str = ""
    ) -> None:
        self.sent.extend((a, queue) for a in action_ids)

    def send(
        self, task_name: str, args: list[object], queue: str | None = None, eta: object = None
    ) -> None:
        self.messages.append((task_name, args))


def celery_worker_argv(queues: str, node: str, options: list[str] | None = None) -> list[str]:
    """The command line of a wfq `celery worker` consuming `queues` (comma-separated) as node
    `node`; with no `options`, wfq's default pool (`worker_slots` threads and the engine lane)."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "workers.app",
        "worker",
        "-Q",
        queues,
        *(options or []),
        "--loglevel",
        "INFO",
        "--without-mingle",
        "--without-gossip",
        "-n",
        node,
    ]


class WorkerProcess:
    """A real `celery worker` subprocess running wfq's tasks, with wfq's default pool (a
    threads pool of `worker_slots` and the engine lane) unless `extra` says otherwise
    (e.g. `["--pool", "prefork", "-c", "2"]`)."""

    def __init__(
        self,
        env: dict[str, str],
        log_path: Path,
        concurrency: int | None = None,
        extra: list[str] | None = None,
    ) -> None:
        self.env = env
        self.log_path = log_path
        self.concurrency = concurrency
        self.extra = extra or []
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> WorkerProcess:
        self.log = log = self.log_path.open("ab")
        queues = f"{self.env['WFQ_QUEUE']},{self.env['WFQ_ENGINE_QUEUE']}"
        extra = self.env.get("WFQ_TEST_EXTRA_QUEUES")
        if extra:
            queues += "," + extra
        options = [*(["-c", str(self.concurrency)] if self.concurrency else []), *self.extra]
        self.proc = subprocess.Popen(
            celery_worker_argv(queues, f"wfq-{uuid.uuid4().hex[:6]}@%h", options),
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
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
                # kill -9 the whole process group: the main process and its pool children.
                os.killpg(self.proc.pid, 9)
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


class InlineDispatcher:
    """Runs work in this process, in order, when `drain()` is called (fast service tests on
    SQLite, no broker). Timers fire at once."""

    def __init__(self) -> None:
        self.queue: list[tuple[str, list[object]]] = []
        self.services: object = None

    def run_actions(self, items: list[tuple[str, str | None]], labels: object = None) -> None:
        self.queue.extend(("wfq.run_action", [a]) for a, _ in items)

    def run_items(
        self, task_execution_id: str, action_ids: list[str], queue: str | None, label: str = ""
    ) -> None:
        self.queue.extend(("wfq.run_items", [a, True]) for a in action_ids)

    def send(
        self, task_name: str, args: list[object], queue: str | None = None, eta: object = None
    ) -> None:
        self.queue.append((task_name, args))

    def drain(self, limit: int = 10_000) -> int:
        from wfq.services import actions, continuing, notify, recovery

        handlers = {
            "wfq.run_action": lambda a: actions.run_action(self.services, *a),
            "wfq.run_items": lambda a: actions.run_lane(self.services, *a),
            "wfq.continue_execution": lambda a: continuing.continue_execution(self.services, *a),
            "wfq.recover": lambda a: recovery.recover(self.services),
            "wfq.notify": lambda a: notify.deliver(*a, self.services.settings),  # type: ignore[attr-defined]
        }
        done = 0
        while self.queue and done < limit:
            name, args = self.queue.pop(0)
            handlers[name](args)
            done += 1
        return done


def recording_services(url: str):  # type: ignore[no-untyped-def]
    """Services on `url` whose dispatcher only records what would be sent (`RecordingDispatcher`):
    a test then runs the actions itself, when and from the thread it wants."""
    from wfq.persistence.db import Database
    from wfq.services.context import Services
    from wfq.settings import Settings

    return Services(
        settings=Settings(database_url=url), db=Database(url), dispatcher=RecordingDispatcher()
    )


def inline_services(url: str, **settings: object):  # type: ignore[no-untyped-def]
    """Services on a migrated database `url` whose work runs through an InlineDispatcher."""
    from wfq.persistence.db import Database
    from wfq.services.context import Services
    from wfq.settings import Settings

    dispatcher = InlineDispatcher()
    svc = Services(
        settings=Settings(database_url=url, **settings), db=Database(url), dispatcher=dispatcher
    )
    dispatcher.services = svc
    return svc


def until(check: Callable[[], Any], what: str, timeout: float = 60.0, interval: float = 0.1) -> Any:
    """Poll `check` until it returns something truthy and return that; fail naming `what` when
    `timeout` seconds pass first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")
