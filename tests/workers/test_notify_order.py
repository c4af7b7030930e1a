"""A worker delivers the webhook batches of one execution in the order it received them
(workers/notify_order.py), whatever order its threads start them in."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

from wfq.dispatch import names
from workers import notify_order
from workers.notify_order import Turns


def test_a_batch_started_first_waits_for_the_one_received_before_it() -> None:
    turns = Turns()
    turns.received("ex", "a")
    turns.received("ex", "b")
    delivered: list[str] = []
    b_waiting = threading.Event()

    def deliver(message: str) -> None:
        if message == "b":
            b_waiting.set()
        with turns.turn("ex", message, wait_s=10):
            delivered.append(message)

    later = threading.Thread(target=deliver, args=("b",))
    later.start()  # b's thread runs first
    assert b_waiting.wait(5)
    time.sleep(0.1)
    assert delivered == []  # b waits for a
    deliver("a")
    later.join(5)
    assert delivered == ["a", "b"]


def test_other_executions_do_not_wait() -> None:
    turns = Turns()
    turns.received("ex1", "a")
    turns.received("ex2", "b")
    with turns.turn("ex2", "b", wait_s=10):
        pass  # a, of another execution, is still pending: b goes at once


def test_a_batch_whose_predecessor_never_runs_goes_after_the_wait() -> None:
    turns = Turns()
    turns.received("ex", "lost")
    turns.received("ex", "next")
    began = time.monotonic()
    with turns.turn("ex", "next", wait_s=0.2):
        waited = time.monotonic() - began
    assert 0.15 <= waited < 5
    # The one that never ran is forgotten: the batches after it no longer wait for it.
    turns.received("ex", "third")
    began = time.monotonic()
    with turns.turn("ex", "third", wait_s=5):
        assert time.monotonic() - began < 1


def test_the_consumer_notes_each_notify_message_it_receives() -> None:
    events = [{"execution_id": "ex-9", "event": "TASK_LAUNCHED"}]
    request = SimpleNamespace(name=names.NOTIFY, args=[[{"type": "webhook"}], events], id="m1")
    notify_order._note_received(request=request)
    other = SimpleNamespace(name=names.RUN_ACTION, args=["a1"], id="m2")
    notify_order._note_received(request=other)
    try:
        assert list(notify_order.TURNS._queues["ex-9"]) == ["m1"]
        assert all("m2" not in q for q in notify_order.TURNS._queues.values())
    finally:
        with notify_order.TURNS.turn("ex-9", "m1", wait_s=0):
            pass
    assert "ex-9" not in notify_order.TURNS._queues
