"""with-items lanes in bulk: a `wfq.run_items` message carries several lanes, which the worker
starts in its other action slots, and a process's lanes store their results together (one
transaction for the items that ended at once). What a user sees stays the same: every item runs
once, the task's result is the items' results in order, and the execution ends as before."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from wfq_testing import RecordingDispatcher

from wfq.actions.base import action
from wfq.actions.registry import ActionRegistry
from wfq.dispatch import names
from wfq.dispatch.celery import LANES_PER_MESSAGE, SPREAD_MESSAGES, lane_messages
from wfq.persistence.db import Database
from wfq.persistence.models import ActionExecution
from wfq.services import (
    actions,
    definitions,
    executions,
    heartbeat,
    item_results,
    queries,
    recovery,
)
from wfq.services.context import Services
from wfq.settings import Settings

P = "<default-project>"

ITEMS = """version: '2.0'
fan:
  input: [n, lanes]
  tasks:
    each:
      with-items: i in <% range(0, $.n) %>
      concurrency: <% $.lanes %>
      action: test.together value=<% $.i %>
      publish:
        got: <% task().result %>
"""


class Together:
    """An action whose calls end together once `size` of them have started (a barrier), as
    slow HTTP calls started together end together."""

    def __init__(self, size: int) -> None:
        self.barrier = threading.Barrier(size, timeout=20)
        self.calls: list[int] = []
        self.lock = threading.Lock()

    def run(self, ctx: Any, value: int) -> int:
        with self.lock:
            self.calls.append(value)
            first_round = len(self.calls) <= self.barrier.parties
        if first_round:
            self.barrier.wait()
        return value * 10


def _services(url: str, together: Together, spawn: Any) -> Services:
    registry = ActionRegistry.default()
    registry.register(action("test.together")(together.run))
    return Services(
        settings=Settings(database_url=url),
        db=Database(url, pool_size=20),
        dispatcher=RecordingDispatcher(),
        registry=registry,
        spawn=spawn,
    )


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(64) as executor:
        yield executor


def _spawner(pool: ThreadPoolExecutor) -> Any:
    def spawn(fn: Any, *args: Any, undo: Any = None) -> None:
        pool.submit(fn, *args)

    return spawn


def _wait_state(svc: Services, ex_id: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        ex = queries.get(svc, "execution", ex_id, project_id=P)
        if ex["state"] != "RUNNING" or time.monotonic() > deadline:
            return ex
        time.sleep(0.05)


def test_lanes_are_grouped_into_messages_in_order() -> None:
    for n in (1, 3, SPREAD_MESSAGES, SPREAD_MESSAGES + 1, 64, 1000, 5001):
        ids = [f"a{i}" for i in range(n)]
        messages = lane_messages(ids)
        flat = [x for m in messages for x in ([m] if isinstance(m, str) else m)]
        assert flat == ids  # every lane once, in order
        assert len(messages) >= min(n, SPREAD_MESSAGES)  # enough to spread over workers
        assert all(isinstance(m, str) or 1 < len(m) <= LANES_PER_MESSAGE for m in messages)
    assert lane_messages(["only"]) == ["only"]  # one lane: the form every version reads
    assert len(lane_messages([str(i) for i in range(5000)])) == 100


def test_a_message_of_lanes_runs_every_item_once_and_completes_the_task(
    sqlite_url: str, pool: ThreadPoolExecutor
) -> None:
    together = Together(size=10)
    svc = _services(sqlite_url, together, _spawner(pool))
    definitions.create_workflows(svc, ITEMS, project_id=P)
    ex_id = executions.start_execution(svc, "fan", wf_input={"n": 40, "lanes": 10}, project_id=P)
    lanes = [a for a, _ in svc.dispatcher.sent]  # type: ignore[attr-defined]
    assert len(lanes) == 10

    # One message with all ten lanes: nine start in other slots, each reporting the end itself.
    actions.run_lanes(svc, lanes, notify=True)

    ex = _wait_state(svc, ex_id)
    assert ex["state"] == "SUCCESS", ex["state_info"]
    assert sorted(together.calls) == list(range(40))  # each item ran once
    assert ex["output"]["got"] == [i * 10 for i in range(40)]  # the results, in item order


def test_items_that_end_together_are_stored_together(
    pg_url: str, pool: ThreadPoolExecutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    batches: list[int] = []
    write = item_results.ItemWriter._write

    def counted(writer: Any, batch: list[Any]) -> Any:
        batches.append(len(batch))  # one transaction
        return write(writer, batch)

    monkeypatch.setattr(item_results.ItemWriter, "_write", counted)
    together = Together(size=30)
    svc = _services(pg_url, together, _spawner(pool))
    definitions.create_workflows(svc, ITEMS, project_id=P)
    ex_id = executions.start_execution(svc, "fan", wf_input={"n": 30, "lanes": 30}, project_id=P)
    first = [a for a, _ in svc.dispatcher.sent]  # type: ignore[attr-defined]
    [(name, [event])] = svc.dispatcher.messages  # type: ignore[attr-defined]
    assert name == names.CONTINUE_EXECUTION and event["type"] == "ItemsWanted"
    from wfq.services.continuing import continue_execution

    continue_execution(svc, event)  # the other lanes (beyond the first 16)
    lanes = [a for a, _ in svc.dispatcher.sent]  # type: ignore[attr-defined]
    assert len(lanes) == 30 and lanes[: len(first)] == first

    actions.run_lanes(svc, lanes, notify=True)

    ex = _wait_state(svc, ex_id)
    assert ex["state"] == "SUCCESS", ex["state_info"]
    assert ex["output"]["got"] == [i * 10 for i in range(30)]
    assert sum(batches) == 30  # every result stored once...
    assert len(batches) < 30  # ...in fewer transactions than items (they ended together)


def test_without_spawn_the_other_lanes_go_on_as_messages_of_one_lane(sqlite_url: str) -> None:
    svc = _services(sqlite_url, Together(size=1), spawn=None)
    definitions.create_workflows(svc, ITEMS, project_id=P)
    executions.start_execution(svc, "fan", wf_input={"n": 3, "lanes": 3}, project_id=P)
    lanes = [a for a, _ in svc.dispatcher.sent]  # type: ignore[attr-defined]

    actions.run_lanes(svc, lanes, notify=False, queue="wfq.cpu")

    sent = svc.dispatcher.messages  # type: ignore[attr-defined]
    assert [(name, args) for name, args in sent] == [
        (names.RUN_ITEMS, [lanes[1], True]),
        (names.RUN_ITEMS, [lanes[2], True]),
    ]
    with svc.db.read() as session:
        first = session.get(ActionExecution, lanes[0])
        assert first is not None and first.state == "SUCCESS"


def test_an_idle_writer_stops_and_the_next_result_starts_another(
    sqlite_url: str, pool: ThreadPoolExecutor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(item_results, "IDLE_STOP_S", 0.1)
    svc = _services(sqlite_url, Together(size=1), _spawner(pool))
    definitions.create_workflows(svc, ITEMS, project_id=P)
    ex_id = executions.start_execution(svc, "fan", wf_input={"n": 2, "lanes": 1}, project_id=P)
    [(lane, _)] = svc.dispatcher.sent  # type: ignore[attr-defined]
    first = item_results.writer(svc)
    first.thread.join(timeout=5)  # nothing to write: it stops
    assert not first.thread.is_alive() and first.closed

    actions.run_lane(svc, lane, notify=True)  # a result after it stopped is still stored

    assert _wait_state(svc, ex_id)["state"] == "SUCCESS"


def test_lanes_a_stopping_pool_never_started_go_back_to_the_integrity_check(
    sqlite_url: str,
) -> None:
    def stopped_pool(fn: Any, *args: Any, undo: Any = None) -> None:
        undo()  # a warm shutdown cancelled them before a thread took them

    svc = _services(sqlite_url, Together(size=1), stopped_pool)
    definitions.create_workflows(svc, ITEMS, project_id=P)
    executions.start_execution(svc, "fan", wf_input={"n": 3, "lanes": 3}, project_id=P)
    lanes = [a for a, _ in svc.dispatcher.sent]  # type: ignore[attr-defined]

    actions.run_lanes(svc, lanes, notify=False)

    with svc.db.read() as session:
        rows = {a: session.get(ActionExecution, a) for a in lanes}
    assert rows[lanes[0]].state == "SUCCESS"  # type: ignore[union-attr]
    for lane in lanes[1:]:  # claimed, then given back: unclaimed, as a message not yet taken
        row = rows[lane]
        assert row is not None and row.state == "RUNNING"
        assert row.worker is None and row.heartbeat_at is None
    assert not set(lanes[1:]) & set(heartbeat._running)  # no longer beating here
    # The integrity check sends them again, as lanes, once their grace is over.
    late = dataclasses.replace(svc, settings=svc.settings.replace(dispatch_grace_s=0))
    assert recovery.recover(late).actions == 2
    resent = [args[0] for name, args in svc.dispatcher.messages if name == names.RUN_ITEMS]  # type: ignore[attr-defined]
    assert sorted(resent) == sorted(lanes[1:])


def test_items_left_without_a_lane_are_given_new_lanes_by_the_integrity_check(
    sqlite_url: str,
) -> None:
    """Every lane of a task ended on an error between two items (the database went away as it
    took its next one): the items it had created wait IDLE with no lane. The integrity check
    starts lanes on them again, as many as the task's concurrency, and the task completes with
    every item's result."""
    from wfq.persistence.repositories import executions as repo
    from wfq.services import items

    svc = _services(sqlite_url, Together(size=1), None)
    definitions.create_workflows(svc, ITEMS, project_id=P)
    ex_id = executions.start_execution(svc, "fan", wf_input={"n": 6, "lanes": 2}, project_id=P)
    first = [a for a, _ in svc.dispatcher.sent]  # type: ignore[attr-defined]
    with svc.db.write() as session:
        repo.finish_running_actions(session, first, "SUCCESS", {"result": 0}, svc.now())
        task_id = session.get(ActionExecution, first[0]).task_execution_id  # type: ignore[union-attr]
    assert items.more_items(svc, task_id)  # the batch was created; then the lanes died
    late = dataclasses.replace(svc, settings=svc.settings.replace(dispatch_grace_s=0))
    assert recovery.recover(late).callbacks == 1
    lanes = [args[0] for name, args in svc.dispatcher.messages if name == names.RUN_ITEMS]  # type: ignore[attr-defined]
    assert len(lanes) == 2  # the task's concurrency
    for lane in lanes:
        actions.run_lane(svc, lane, notify=True)
    ex = _wait_state(svc, ex_id)
    assert ex["state"] == "SUCCESS"
    with svc.db.read() as session:
        rows = session.query(ActionExecution).filter_by(task_execution_id=task_id).all()
    assert sorted(r.item_index for r in rows) == list(range(6))
    assert all(r.state == "SUCCESS" for r in rows)
