"""The engine lane's consumer (workers/engine_lane.py): what it does with each engine message.
The full path, with a real broker, is covered by the integration suite (timers, callbacks)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest

from wfq.dispatch import names
from wfq.services.timers import Timers
from wfq.settings import Settings
from workers import engine_lane
from workers.app import make_celery


class Message:
    def __init__(self, task: str, **headers: Any) -> None:
        self.headers = {"task": task, **headers}
        self.acked = 0

    def ack(self) -> None:
        self.acked += 1


class HeldTimers(Timers):
    def __init__(self) -> None:
        self.held: list[tuple[float, Any, bool]] = []

    def call_at(self, due: float, fn: Any, *, drain: bool = True) -> None:
        self.held.append((due, fn, drain))


@pytest.fixture
def lane(monkeypatch: pytest.MonkeyPatch) -> Any:
    app = make_celery(Settings(broker_url="memory://", queue="q", engine_queue="q.engine"))
    timers = HeldTimers()
    monkeypatch.setattr(
        type(app), "services", property(lambda self: type("S", (), {"timers": timers})())
    )
    ran: list[Any] = []
    monkeypatch.setattr(app.tasks[names.CONTINUE_EXECUTION], "run", lambda event: ran.append(event))
    sent: list[Any] = []
    monkeypatch.setattr(app, "send_task", lambda name, **kw: sent.append((name, kw)))
    step = engine_lane.EngineConsumer.__new__(engine_lane.EngineConsumer)
    step.c = type("C", (), {"app": app, "hub": None})()
    return step, timers, ran, sent


def _iso(seconds: float) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)).isoformat()


def test_a_due_timer_waits_on_the_lane_clock_then_runs_and_is_acknowledged(lane: Any) -> None:
    step, timers, ran, _ = lane
    msg = Message(names.CONTINUE_EXECUTION, eta=_iso(30))
    step._on_message([[{"type": "TimerFired"}], {}, {}], msg)
    [(due, run, drain)] = timers.held
    assert 29 < due - time.monotonic() <= 30 and drain is False  # a stopping worker drops it
    assert ran == [] and msg.acked == 0  # held unacknowledged until it ran
    run()
    assert ran == [{"type": "TimerFired"}] and msg.acked == 1


def test_an_expired_message_is_dropped(lane: Any) -> None:
    step, timers, ran, _ = lane
    msg = Message(names.RECOVER, expires=_iso(-1))
    step._on_message([[], {}, {}], msg)
    assert timers.held == [] and msg.acked == 1


def test_a_message_that_is_not_engine_work_goes_to_the_action_slots(lane: Any) -> None:
    step, timers, _, sent = lane
    msg = Message(names.NOTIFY)
    step._on_message([[["t"], ["e"]], {}, {}], msg)
    assert sent == [(names.NOTIFY, {"args": [["t"], ["e"]], "kwargs": {}, "queue": "q"})]
    assert timers.held == [] and msg.acked == 1


def test_a_failing_handler_still_acknowledges(lane: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    step, timers, _, _ = lane
    app = step.c.app
    monkeypatch.setattr(app.tasks[names.CONTINUE_EXECUTION], "run", lambda event: 1 / 0)
    msg = Message(names.CONTINUE_EXECUTION)
    step._on_message([[{}], {}, {}], msg)
    timers.held[0][1]()
    assert msg.acked == 1
