"""A worker killed with kill -9 mid-action: its action fails with a clear message, or runs
again when its task is safe-rerun; an action whose message was lost is sent again."""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from test_core_workflows import wf
from wfq_testing import WorkerProcess

from wfq.services import recovery

pytestmark = pytest.mark.integration


@pytest.fixture
def own_worker(integration_env: dict[str, str], tmp_path: Path) -> Any:
    queue = f"crash-{uuid.uuid4().hex[:6]}"
    env = {**integration_env, "WFQ_HEARTBEAT_INTERVAL_S": "0.3", "WFQ_TEST_EXTRA_QUEUES": queue}

    started: list[WorkerProcess] = []

    def start(pool: str = "threads") -> WorkerProcess:
        own = {**env, "WFQ_WORKER_POOL": pool}
        worker = WorkerProcess(
            own, tmp_path / "worker.log", concurrency=2 if pool == "prefork" else None
        )
        started.append(worker)
        return worker.start()

    yield queue, start(), start
    for worker in started:  # replacements too, whatever the test did
        worker.stop(kill=True)


def _fast(services: Any) -> Any:
    s = services.settings.replace(heartbeat_timeout_s=1.5, dispatch_grace_s=1.0)
    return dataclasses.replace(services, settings=s)


def _wait_action_running(api: Any, services: Any, ex_id: str, task: str) -> None:
    """Until a worker has claimed the task's action (and beaten its heart once)."""
    from wfq.persistence.models import ActionExecution

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        t = api.tasks(ex_id).get(task)
        if t:
            with services.db.read() as session:
                claimed = session.query(ActionExecution).filter_by(
                    task_execution_id=t["id"], state="RUNNING"
                )
                if any(a.worker for a in claimed):
                    time.sleep(0.8)  # heart-beating
                    return
        time.sleep(0.05)
    raise AssertionError("action never started")


def _recover_until_done(api: Any, services: Any, ex_id: str, timeout: float = 30) -> dict[str, Any]:
    fast = _fast(services)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        recovery.recover(fast)
        ex = api.execution(ex_id)
        if ex["state"] in ("SUCCESS", "ERROR"):
            return ex
        time.sleep(0.5)
    raise AssertionError(api.execution(ex_id))


def test_lost_worker_fails_the_action_with_a_reason(
    api: Any, services: Any, own_worker: Any
) -> None:
    queue, worker, _ = own_worker
    name = api.create_workflow(
        wf(
            "lost",
            f"""
  tasks:
    slow:
      action: std.sleep seconds=60
      target: {queue}
""",
        )
    )[0]["name"]
    ex = api.start(name)
    _wait_action_running(api, services, ex["id"], "slow")
    worker.stop(kill=True)
    done = _recover_until_done(api, services, ex["id"])
    assert done["state"] == "ERROR"
    assert "The worker running this action was lost" in done["state_info"]


def test_safe_rerun_action_runs_again_on_a_new_worker(
    api: Any, services: Any, own_worker: Any
) -> None:
    queue, worker, start = own_worker
    name = api.create_workflow(
        wf(
            "saferun",
            f"""
  tasks:
    slow:
      action: std.echo output="ran" delay=2
      safe-rerun: true
      target: {queue}
      publish: {{r: <% task().result %>}}
""",
        )
    )[0]["name"]
    ex = api.start(name)
    _wait_action_running(api, services, ex["id"], "slow")
    worker.stop(kill=True)
    replacement = start()
    try:
        done = _recover_until_done(api, services, ex["id"])
    finally:
        replacement.stop(kill=True)
    assert done["state"] == "SUCCESS", done["state_info"]
    task = api.tasks(ex["id"])["slow"]
    acts = api.c.get(f"/v2/action_executions?task_execution_id={task['id']}").get_json()[
        "action_executions"
    ]
    assert len(acts) == 1 and acts[0]["state"] == "SUCCESS"


def test_unsent_action_is_sent_by_the_integrity_check(api: Any, services: Any) -> None:
    class Dropping:
        def run_actions(self, items: Any, labels: Any = None) -> None:
            pass  # the process "died" between commit and publish

        def run_items(self, *a: Any, **k: Any) -> None:
            pass

        def send(self, *a: Any, **k: Any) -> None:
            pass

    from wfq.services import executions

    name = api.create_workflow(
        wf(
            "unsent",
            """
  tasks:
    t:
      action: std.echo output="eventually"
""",
        )
    )[0]["name"]
    dropping = dataclasses.replace(services, dispatcher=Dropping())
    ex_id = executions.start_execution(dropping, name, project_id="<default-project>")
    time.sleep(1.5)
    assert api.execution(ex_id)["state"] == "RUNNING"
    done = _recover_until_done(api, services, ex_id)
    assert done["state"] == "SUCCESS"


def test_a_killed_pool_child_is_detected_while_its_siblings_keep_beating(
    api: Any, services: Any, own_worker: Any
) -> None:
    """With the prefork pool (`wfq worker --pool prefork`), kill -9 of the one child running
    the action (the worker's main process lives on): the action's claimant is that child's pid,
    so no sibling keeps its heartbeat alive."""
    import os

    from wfq.persistence.models import ActionExecution

    queue, worker, start = own_worker
    worker.stop(kill=True)
    worker = start("prefork")
    name = api.create_workflow(
        wf(
            "child",
            f"""
  tasks:
    slow:
      action: std.sleep seconds=60
      target: {queue}
""",
        )
    )[0]["name"]
    ex = api.start(name)
    _wait_action_running(api, services, ex["id"], "slow")
    with services.db.read() as session:
        (claimant,) = [
            a.worker
            for a in session.query(ActionExecution).filter_by(workflow_execution_id=ex["id"])
        ]
    pid = int(claimant.rsplit(":", 1)[1])
    assert pid != worker.proc.pid  # a pool child, not the main process
    os.kill(pid, 9)
    done = _recover_until_done(api, services, ex["id"])
    assert (
        done["state"] == "ERROR" and "The worker running this action was lost" in done["state_info"]
    )


def test_a_revert_whose_worker_is_killed_runs_again_and_the_execution_ends_reverted(
    api: Any, services: Any, own_worker: Any
) -> None:
    """Compensation (docs/compensation.md): the revert sequence lives in the database, and a
    revert is sent again when its worker is lost; a duplicate message runs it no second time."""
    from wfq import engine

    queue, worker, start = own_worker
    name = api.create_workflow(
        wf(
            "revkill",
            f"""
  tasks:
    a:
      action: std.echo output="A"
      revert: std.echo output="undo <% task().result %>" delay=2
      target: {queue}
      on-success: b
    b:
      action: std.fail
""",
        )
    )[0]["name"]
    ex = api.start(name)
    _wait_action_running(api, services, ex["id"], "a:revert")
    assert api.execution(ex["id"])["state"] == "REVERTING"
    worker.stop(kill=True)
    replacement = start()
    try:
        fast = _fast(services)
        deadline = time.monotonic() + 30
        while api.execution(ex["id"])["state"] == "REVERTING" and time.monotonic() < deadline:
            recovery.recover(fast)
            time.sleep(0.5)
        done = api.execution(ex["id"])
        assert done["state"] == "REVERTED", done["state_info"]
        rv = api.tasks(ex["id"])["a:revert"]
        acts = api.c.get(f"/v2/action_executions?task_execution_id={rv['id']}").get_json()[
            "action_executions"
        ]
        assert [a["state"] for a in acts] == ["SUCCESS"]
        first = api.c.get(f"/v2/action_executions/{acts[0]['id']}").get_json()
        assert json.loads(first["output"]) == {"result": "undo A"}
        # The same message delivered again: the action is claimed already, nothing runs twice.
        services.carry_out([engine.RunAction(acts[0]["id"], queue)])
        time.sleep(3)
        again = api.c.get(f"/v2/action_executions/{acts[0]['id']}").get_json()
        assert (again["state"], again["updated_at"]) == ("SUCCESS", first["updated_at"])
        assert [
            t["name"]
            for t in api.c.get(f"/v2/tasks?workflow_execution_id={ex['id']}").get_json()["tasks"]
        ].count("a:revert") == 1
    finally:
        replacement.stop(kill=True)
