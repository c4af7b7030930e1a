"""Completions of one execution reported together in one process are applied together
(services/completing.py): the branches of a fork that end at once share one transaction, and
the workflow ends exactly as when each went alone."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import event
from wfq_testing import recording_services

from wfq import engine
from wfq.persistence.models import TaskExecution
from wfq.services import apply, completing, definitions, executions, queries, work_list
from wfq.services.context import Services

P = "<default-project>"
FORK = """version: '2.0'
fork:
  tasks:
    start:
      action: std.noop
      on-success: [b0, b1, b2, b3]
    b0:
      action: std.echo output=0
      publish: {r0: <% task().result %>}
      on-success: [done]
    b1:
      action: std.echo output=1
      publish: {r1: <% task().result %>}
      on-success: [done]
    b2:
      action: std.echo output=2
      publish: {r2: <% task().result %>}
      on-success: [done]
    b3:
      action: std.echo output=3
      publish: {r3: <% task().result %>}
      on-success: [done]
    done:
      join: all
      action: std.echo output=<% [$.r0, $.r1, $.r2, $.r3] %>
      publish: {all: <% task().result %>}
  output:
    all: <% $.all %>
"""


@pytest.fixture
def svc(sqlite_url: str) -> Services:
    return recording_services(sqlite_url)


def _sent(svc: Services) -> list[str]:
    sent = svc.dispatcher.sent  # type: ignore[attr-defined]
    out = [action_id for action_id, _ in sent]
    sent.clear()
    return out


def _branches(svc: Services) -> tuple[str, list[str]]:
    """A started `fork` whose start task is done: its id and its four branch actions (RUNNING,
    sent), in the branches' order."""
    definitions.create_workflows(svc, FORK, project_id=P)
    ex_id = executions.start_execution(svc, "fork", project_id=P)
    [start] = _sent(svc)
    completing.complete_action(svc, start, True, None, execution_id=ex_id)
    branches = _sent(svc)
    assert len(branches) == 4
    return ex_id, branches


def _finish(svc: Services, ex_id: str) -> dict[str, Any]:
    """Run the join's action (std.echo: its result is its input), sent once by the last
    branch; the execution as it ended."""
    [join] = _sent(svc)
    given = queries.get(svc, "action_execution", join, project_id=P)["input"]
    completing.complete_action(svc, join, True, given["output"], execution_id=ex_id)
    return queries.get(svc, "execution", ex_id, project_id=P)


def _commits(svc: Services) -> list[int]:
    seen = [0]

    def count(*_: Any) -> None:
        seen[0] += 1

    event.listen(svc.db._write_engine, "commit", count)
    return seen


def test_branches_applied_together_take_one_transaction(svc: Services) -> None:
    ex_id, branches = _branches(svc)
    commits = _commits(svc)
    applied = apply.apply_together(
        svc,
        ex_id,
        [
            (engine.ActionCompleted(b, True, n), apply.Options(action_ids=(b,)))
            for n, b in enumerate(branches)
        ],
    )
    assert commits[0] == 1
    # The join is started once, by the completion that released it: the last one.
    assert [len(a.commands) for a in applied] == [0, 0, 0, 1]
    work_list.carry_out(svc, applied[-1].commands)
    ended = _finish(svc, ex_id)
    assert ended["state"] == "SUCCESS"
    assert ended["output"] == {"all": [0, 1, 2, 3]}


def _complete_all_while_the_first_is_held(
    svc: Services, ex_id: str, branches: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Complete every branch from its own thread: the first completion is held inside its
    transaction until the others have arrived and wait for it."""
    first_in, release = threading.Event(), threading.Event()
    alone = completing.apply_with

    def slow_first(*args: Any) -> Any:
        if not first_in.is_set():
            first_in.set()
            assert release.wait(10)
        return alone(*args)

    monkeypatch.setattr(completing, "apply_with", slow_first)
    threads = [
        threading.Thread(
            target=completing.complete_action,
            args=(svc, b, True, n),
            kwargs={"execution_id": ex_id},
        )
        for n, b in enumerate(branches)
    ]
    threads[0].start()
    assert first_in.wait(10)
    for t in threads[1:]:
        t.start()
    _wait_until(lambda: len(completing._waiting.get((id(svc), ex_id), [])) == len(branches) - 1)
    release.set()
    for t in threads:
        t.join(10)


def test_completions_arriving_while_one_is_applied_wait_and_go_together(
    svc: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    ex_id, branches = _branches(svc)
    groups: list[int] = []
    together = apply.apply_together

    def spy(svc_: Services, ex: str, events: list[Any]) -> Any:
        groups.append(len(events))
        return together(svc_, ex, events)

    monkeypatch.setattr(completing, "apply_together", spy)
    _complete_all_while_the_first_is_held(svc, ex_id, branches, monkeypatch)
    assert groups == [3]  # the three that arrived meanwhile, in one transaction
    assert completing._waiting == {}
    ended = _finish(svc, ex_id)
    assert ended["state"] == "SUCCESS"
    assert ended["output"] == {"all": [0, 1, 2, 3]}


def test_a_group_that_fails_lets_each_completion_go_alone(
    svc: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    ex_id, branches = _branches(svc)

    def broken(*_: Any) -> Any:
        raise RuntimeError("the group's transaction failed")

    monkeypatch.setattr(completing, "apply_together", broken)
    _complete_all_while_the_first_is_held(svc, ex_id, branches, monkeypatch)
    with svc.db.read() as session:
        states = {t.name: t.state for t in session.query(TaskExecution).all()}
    assert all(states[f"b{n}"] == "SUCCESS" for n in range(4))
    assert _finish(svc, ex_id)["state"] == "SUCCESS"


def _wait_until(condition: Any, timeout: float = 10.0) -> None:
    done = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        done.wait(0.01)
    raise AssertionError("condition not met in time")
