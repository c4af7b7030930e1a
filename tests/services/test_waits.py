"""Actions that only wait hold no slot (services/actions.py `park`, services/timers.py): the
worker's thread returns at once, the action stays RUNNING, claimed and heart-beating, and the
engine lane finishes it when the wait is over, as Mistral users expect to see it."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from wfq_testing import RecordingDispatcher

from wfq.actions.base import Wait
from wfq.dispatch import names
from wfq.persistence.db import Database
from wfq.persistence.models import ActionExecution
from wfq.services import actions, definitions, executions, heartbeat, queries, recovery
from wfq.services.context import Services
from wfq.services.timers import Timers
from wfq.settings import Settings

P = "<default-project>"

SLEEP_THEN_ECHO = """version: '2.0'
nap:
  tasks:
    sleep:
      action: std.sleep seconds=1
      on-success: [after]
    after:
      action: std.echo output="done"
"""

SLEEPY_ITEMS = """version: '2.0'
naps:
  tasks:
    nap:
      with-items: i in [1, 2, 3]
      concurrency: 2
      action: std.sleep seconds=1
"""


class HeldTimers(Timers):
    """The engine lane with a hand-turned clock: what is parked runs when the test says so."""

    def __init__(self) -> None:
        self.held: list[tuple[float, Any]] = []

    def call_at(self, due: float, fn: Any, *, drain: bool = True) -> None:
        self.held.append((due, fn))

    def waiting(self) -> int:
        return len(self.held)

    def fire(self) -> None:
        held, self.held = sorted(self.held, key=lambda e: e[0]), []
        for _, fn in held:
            fn()


@pytest.fixture
def svc(sqlite_url: str) -> Iterator[Services]:
    yield Services(
        settings=Settings(database_url=sqlite_url),
        db=Database(sqlite_url),
        dispatcher=RecordingDispatcher(),
        timers=HeldTimers(),
    )


def _action(svc: Services, action_id: str) -> ActionExecution:
    with svc.db.read() as session:
        row = session.get(ActionExecution, action_id)
        assert row is not None
        return row


def test_std_sleep_returns_a_wait_instead_of_sleeping() -> None:
    from wfq.actions.std import sleep

    assert sleep.fn(None, seconds=2) == Wait(2.0)
    assert sleep.fn(None, seconds="not a number") is None  # Mistral: a bad value sleeps 0
    assert sleep.fn(None, seconds=0) is None


def test_a_sleeping_action_frees_its_thread_and_ends_like_a_sleep(svc: Services) -> None:
    definitions.create_workflows(svc, SLEEP_THEN_ECHO, project_id=P)
    ex_id = executions.start_execution(svc, "nap", project_id=P)
    [(sleep_id, _)] = svc.dispatcher.sent  # type: ignore[attr-defined]
    svc.dispatcher.sent.clear()  # type: ignore[attr-defined]

    actions.run_action(svc, sleep_id)  # returns once the action is parked, not after 1 s

    row = _action(svc, sleep_id)
    assert row.state == "RUNNING" and row.worker == actions.worker_name()
    assert sleep_id in heartbeat._running  # still beating: a lost worker would be detected
    timers = svc.timers
    assert isinstance(timers, HeldTimers) and timers.waiting() == 1
    assert 0.5 < timers.held[0][0] - time.monotonic() <= 1.0  # due when the sleep is over
    # The engine lane ends it: SUCCESS with a null result, and the next task is sent.
    timers.fire()
    assert _action(svc, sleep_id).state == "SUCCESS"
    assert _action(svc, sleep_id).output == {"result": None}
    assert sleep_id not in heartbeat._running
    [(echo_id, _)] = svc.dispatcher.sent  # type: ignore[attr-defined]
    actions.run_action(svc, echo_id)
    assert queries.get(svc, "execution", ex_id, project_id=P)["state"] == "SUCCESS"


def test_without_an_engine_lane_the_sleep_happens_in_place(sqlite_url: str) -> None:
    inline = Services(
        settings=Settings(database_url=sqlite_url),
        db=Database(sqlite_url),
        dispatcher=RecordingDispatcher(),
    )
    definitions.create_workflows(inline, SLEEP_THEN_ECHO, project_id=P)
    executions.start_execution(inline, "nap", project_id=P)
    [(sleep_id, _)] = inline.dispatcher.sent  # type: ignore[attr-defined]
    actions.run_action(inline, sleep_id)
    assert _action(inline, sleep_id).state == "SUCCESS"


def test_sleeping_items_keep_the_concurrency_and_the_last_one_completes_the_task(
    svc: Services,
) -> None:
    definitions.create_workflows(svc, SLEEPY_ITEMS, project_id=P)
    ex_id = executions.start_execution(svc, "naps", project_id=P)
    lanes = [a for a, _ in svc.dispatcher.sent]  # type: ignore[attr-defined]
    assert len(lanes) == 2  # concurrency: 2
    for lane in lanes:
        actions.run_lane(svc, lane, False)  # both park at once; the chord would call back early
    with svc.db.read() as session:
        states = sorted(
            a.state for a in session.query(ActionExecution).filter_by(workflow_execution_id=ex_id)
        )
    assert states == ["RUNNING", "RUNNING"]  # the third item is created when a lane needs it
    # The wake-ups: the first has the third item created and hands it to the action slots by a
    # lane message, the second finds nothing left to start.
    timers = svc.timers
    assert isinstance(timers, HeldTimers)
    timers.fire()
    [(name, (third, notify))] = svc.dispatcher.messages  # type: ignore[attr-defined]
    assert name == names.RUN_ITEMS and notify is True
    assert _action(svc, third).state == "RUNNING" and _action(svc, third).worker is None
    assert queries.get(svc, "execution", ex_id, project_id=P)["state"] == "RUNNING"
    actions.run_lane(svc, third, True)
    timers.fire()  # the last item's wake-up completes the task, then the execution
    assert queries.get(svc, "execution", ex_id, project_id=P)["state"] == "SUCCESS"


def test_a_parked_action_of_a_dead_process_is_failed_as_lost(svc: Services) -> None:
    definitions.create_workflows(
        svc, SLEEP_THEN_ECHO.replace("seconds=1", "seconds=60"), project_id=P
    )
    ex_id = executions.start_execution(svc, "nap", project_id=P)
    [(sleep_id, _)] = svc.dispatcher.sent  # type: ignore[attr-defined]
    actions.run_action(svc, sleep_id)
    # While this process lives, its heartbeat covers the parked action.
    assert heartbeat.Heartbeat(svc, actions.worker_name()).beat() == 1
    # The process "dies": its heartbeats stop; the integrity check fails the action as lost.
    heartbeat.release(sleep_id)
    time.sleep(0.3)
    fast = dataclasses.replace(svc, settings=svc.settings.replace(heartbeat_timeout_s=0.2))
    assert recovery.recover(fast).lost_failed == 1
    ex = queries.get(svc, "execution", ex_id, project_id=P)
    assert ex["state"] == "ERROR" and "The worker running this action was lost" in ex["state_info"]


def test_timers_run_callbacks_in_due_order_and_stop_drains_only_what_must_finish() -> None:
    timers = Timers(threads=1)
    seen: list[str] = []
    done = threading.Event()
    now = time.monotonic()
    timers.call_at(now + 0.2, lambda: seen.append("second"))
    timers.call_at(now + 0.1, lambda: seen.append("first"))
    timers.call_at(now + 0.3, done.set)
    assert done.wait(10)
    assert seen == ["first", "second"]
    timers.call_at(time.monotonic() + 0.2, lambda: seen.append("drained"))
    timers.call_at(time.monotonic() + 0.1, lambda: seen.append("dropped"), drain=False)
    assert timers.stop(timeout=10)
    assert seen == ["first", "second", "drained"]


def test_a_failing_callback_does_not_stop_the_lane() -> None:
    timers = Timers(threads=1)
    done = threading.Event()
    timers.submit(lambda: 1 / 0)
    timers.submit(done.set)
    assert done.wait(10)
    assert timers.stop(timeout=10)
