"""A worker runs the next default-queue action of its transition itself (services/actions.py
run_action): what is kept, what is still sent, and that a kept action is claimed before it runs."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from wfq_testing import recording_services

from wfq.persistence.models import ActionExecution
from wfq.services import actions, completing, definitions, executions, queries, recovery
from wfq.services.context import Services

P = "<default-project>"


@pytest.fixture
def svc(sqlite_url: str) -> Services:
    return recording_services(sqlite_url)


def _sent(svc: Services) -> list[tuple[str, str | None]]:
    sent = svc.dispatcher.sent  # type: ignore[attr-defined]
    out = list(sent)
    sent.clear()
    return out


def _only(svc: Services) -> str:
    """The id of the one action sent, to the default queue."""
    [(action_id, queue)] = _sent(svc)
    assert queue is None
    return action_id


def _chain(n: int, target_at: int | None = None) -> str:
    lines = ["version: '2.0'", f"chain{n}:", "  tasks:"]
    for i in range(n):
        lines += [f"    t{i}:", "      action: std.noop"]
        if i == target_at:
            lines.append("      target: elsewhere")
        if i + 1 < n:
            lines.append(f"      on-success: [t{i + 1}]")
    return "\n".join(lines) + "\n"


def test_a_chain_runs_in_one_message(svc: Services) -> None:
    definitions.create_workflows(svc, _chain(5), project_id=P)
    ex_id = executions.start_execution(svc, "chain5", project_id=P)
    first = _only(svc)
    actions.run_action(svc, first)
    assert _sent(svc) == []  # t1..t4 were kept, not sent
    assert queries.get(svc, "execution", ex_id, project_id=P)["state"] == "SUCCESS"
    with svc.db.read() as session:
        rows = session.query(ActionExecution).filter_by(workflow_execution_id=ex_id).all()
    assert len(rows) == 5
    assert all(r.state == "SUCCESS" and r.worker == actions.worker_name() for r in rows)


def test_a_targeted_action_is_sent_to_its_queue(svc: Services) -> None:
    definitions.create_workflows(svc, _chain(4, target_at=2), project_id=P)
    executions.start_execution(svc, "chain4", project_id=P)
    first = _only(svc)
    actions.run_action(svc, first)
    [(third, queue)] = _sent(svc)
    assert queue == "elsewhere"
    actions.run_action(svc, third)  # taken from its own queue: t3 is sent, not kept
    assert [q for _, q in _sent(svc)] == [None]


def test_a_fork_keeps_one_branch_and_sends_the_others(svc: Services) -> None:
    definitions.create_workflows(
        svc,
        """version: '2.0'
fork:
  tasks:
    start:
      action: std.noop
      on-success: [a, b, c]
    a:
      action: std.noop
    b:
      action: std.noop
    c:
      action: std.noop
""",
        project_id=P,
    )
    executions.start_execution(svc, "fork", project_id=P)
    first = _only(svc)
    actions.run_action(svc, first)
    assert len(_sent(svc)) == 2


def _fork_join(n: int) -> str:
    """start -> n branches b0..b(n-1) -> done (join: all)."""
    names = ", ".join(f"b{i}" for i in range(n))
    lines = ["version: '2.0'", "forkjoin:", "  input: [n]", "  tasks:"]
    lines += ["    start:", "      action: std.noop", f"      on-success: [{names}]"]
    for i in range(n):
        lines += [f"    b{i}:", f"      action: std.echo output={i}", "      on-success: [done]"]
    lines += ["    done:", "      join: all", '      action: std.echo output="joined"']
    return "\n".join(lines) + "\n"


def _with_slots(svc: Services, pool: ThreadPoolExecutor, started: list[str]) -> Services:
    def spawn(fn: Any, *args: Any, undo: Any = None) -> None:
        started.append(args[1].id)
        pool.submit(fn, *args)

    return dataclasses.replace(svc, spawn=spawn)


def test_with_slots_a_fork_keeps_its_branches_and_runs_them_beside(svc: Services) -> None:
    definitions.create_workflows(svc, _fork_join(10), project_id=P)
    ex_id = executions.start_execution(svc, "forkjoin", wf_input={"n": 10}, project_id=P)
    first = _only(svc)
    spawned: list[str] = []
    with ThreadPoolExecutor(8) as pool:
        slots = _with_slots(svc, pool, spawned)
        actions.run_action(slots, first)
    assert _sent(svc) == []  # no branch went through the broker
    assert len(spawned) == 9  # one branch ran in this thread, nine in other slots
    ex = queries.get(svc, "execution", ex_id, project_id=P)
    assert ex["state"] == "SUCCESS"  # the join was released once, by the last branch
    with svc.db.read() as session:
        rows = session.query(ActionExecution).filter_by(workflow_execution_id=ex_id).all()
    assert sorted(r.name for r in rows).count("std.echo") == 11  # 10 branches + the join's task
    assert all(r.state == "SUCCESS" and r.worker == actions.worker_name() for r in rows)


def test_a_wide_fork_keeps_at_most_eager_branches(svc: Services, monkeypatch: Any) -> None:
    monkeypatch.setattr(actions, "EAGER_BRANCHES", 4)
    definitions.create_workflows(svc, _fork_join(10), project_id=P)
    executions.start_execution(svc, "forkjoin", wf_input={"n": 10}, project_id=P)
    first = _only(svc)
    spawned: list[str] = []
    with ThreadPoolExecutor(4) as pool:
        actions.run_action(_with_slots(svc, pool, spawned), first)
    assert len(spawned) == 3 and len(_sent(svc)) == 6  # 4 kept (1 here, 3 beside), 6 sent


def test_a_kept_branch_a_stopping_pool_never_started_is_given_back(svc: Services) -> None:
    def stopped(fn: Any, *args: Any, undo: Any = None) -> None:
        undo()

    definitions.create_workflows(svc, _fork_join(3), project_id=P)
    executions.start_execution(svc, "forkjoin", wf_input={"n": 3}, project_id=P)
    first = _only(svc)
    actions.run_action(dataclasses.replace(svc, spawn=stopped), first)
    with svc.db.read() as session:
        waiting = session.query(ActionExecution).filter_by(state="RUNNING").all()
    assert len(waiting) == 2  # two branches not started: unclaimed, as if never taken
    assert all(r.worker is None and r.heartbeat_at is None for r in waiting)
    late = dataclasses.replace(svc, settings=svc.settings.replace(dispatch_grace_s=0))
    assert recovery.recover(late).actions == 2  # the integrity check sends them again


def test_eager_runs_are_bounded(svc: Services, monkeypatch: Any) -> None:
    monkeypatch.setattr(actions, "EAGER_RUNS", 3)
    definitions.create_workflows(svc, _chain(5), project_id=P)
    executions.start_execution(svc, "chain5", project_id=P)
    first = _only(svc)
    actions.run_action(svc, first)  # runs t0, t1, t2 and sends t3
    fourth = _only(svc)
    with svc.db.read() as session:
        row = session.get(ActionExecution, fourth)
        assert row is not None and row.state == "RUNNING" and row.worker is None


def _kept_after_first(svc: Services, safe: bool) -> ActionExecution:
    """Complete the first action of a 2-chain as a worker that keeps the next one, then dies."""
    text = _chain(2).replace(
        "      on-success: [t1]", f"      on-success: [t1]\n      safe-rerun: {str(safe).lower()}"
    )
    text = text.replace(
        "    t1:\n      action: std.noop",
        f"    t1:\n      action: std.noop\n      safe-rerun: {str(safe).lower()}",
    )
    definitions.create_workflows(svc, text, project_id=P)
    ex_id = executions.start_execution(svc, "chain2", project_id=P)
    first = _only(svc)
    assert actions.claim(svc, first, "doomed:1") is not None
    [kept] = completing.complete_action(
        svc, first, True, None, execution_id=ex_id, run_here="doomed:1"
    )
    assert _sent(svc) == []
    with svc.db.read() as session:
        row = session.get(ActionExecution, kept.id)
    # Stored already claimed, in the transition's own transaction: no claim round trip.
    assert row is not None and row.state == "RUNNING" and row.worker == "doomed:1"
    return row


def test_a_kept_action_whose_worker_dies_is_failed_as_lost(svc: Services) -> None:
    kept = _kept_after_first(svc, safe=False)
    lost = dataclasses.replace(svc, settings=svc.settings.replace(heartbeat_timeout_s=0))
    assert recovery.recover(lost).lost_failed == 1
    ex = queries.get(svc, "execution", kept.workflow_execution_id, project_id=P)
    assert ex["state"] == "ERROR" and "The worker running this action was lost" in ex["state_info"]


def test_a_kept_safe_rerun_action_whose_worker_dies_is_sent_again(svc: Services) -> None:
    kept = _kept_after_first(svc, safe=True)
    lost = dataclasses.replace(svc, settings=svc.settings.replace(heartbeat_timeout_s=0))
    assert recovery.recover(lost).lost_rerun == 1
    assert _sent(svc) == [(kept.id, None)]
