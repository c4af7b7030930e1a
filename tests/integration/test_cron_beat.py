"""End to end: a real `wfq beat` process and a real worker fire a cron trigger; a worker
restarted while a task waits on wait-before still completes it exactly once; beat's first pass
fires a timer that came due while it was down at once, and beat is listed as a live service."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from test_core_workflows import wf
from wfq_testing import WorkerProcess

from wfq.persistence.models import CronTrigger
from wfq.services import recovery

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def beat_process(integration_env: dict[str, str], tmp_path: Path) -> Any:
    log = (tmp_path / "beat.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "wfq.cli.main", "beat"], cwd=tmp_path, env=integration_env,
        stdout=log, stderr=subprocess.STDOUT,
    )
    yield proc
    proc.terminate()
    proc.wait(timeout=20)
    log.close()


def test_beat_fires_a_trigger_and_its_execution_succeeds(api: Any, services: Any, beat_process: Any) -> None:
    name = api.create_workflow(wf("cron", """
  input: [who]
  output: {said: <% $.said %>}
  tasks:
    t:
      action: std.echo output="hello <% $.who %>"
      publish: {said: <% task().result %>}
"""))[0]["name"]
    wf_row = api.c.get(f"/v2/workflows/{name}").get_json()
    trig_id = str(uuid.uuid4())
    soon = services.now().replace(microsecond=0) + dt.timedelta(seconds=3)
    with services.db.write() as session:
        session.add(CronTrigger(
            id=trig_id, name=f"beat-{trig_id[:6]}", pattern="* * * * *", first_execution_time=soon,
            next_execution_time=soon, remaining_executions=1, workflow_id=wf_row["id"],
            workflow_name=name, workflow_input={"who": "cron"}, project_id="<default-project>",
        ))
    deadline = time.monotonic() + 40
    fired: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not fired:
        fired = api.c.get(f"/v2/executions?workflow_name={name}").get_json()["executions"]
        time.sleep(0.2)
    assert len(fired) == 1, "the trigger did not fire"
    ex = api.wait(fired[0]["id"])
    assert ex["state"] == "SUCCESS" and ex["output"] == '{"said": "hello cron"}'
    with services.db.read() as session:
        row = session.get(CronTrigger, trig_id)
        assert row.status == "COMPLETED" and row.remaining_executions == 0


def test_worker_restarted_during_wait_before_completes_the_task_once(
    api: Any, services: Any, integration_env: dict[str, str], tmp_path: Path
) -> None:
    queue = f"wait-{uuid.uuid4().hex[:6]}"
    env = {**integration_env, "WFQ_TEST_EXTRA_QUEUES": queue, "WFQ_ENGINE_QUEUE": f"{queue}.engine"}
    own_services = dataclasses.replace(
        services, settings=services.settings.replace(dispatch_grace_s=0.5, engine_queue=f"{queue}.engine")
    )
    from wfq.dispatch.celery import CeleryDispatcher

    own_services.dispatcher = CeleryDispatcher(services.dispatcher.app, services.settings.queue, f"{queue}.engine")
    worker = WorkerProcess(env, tmp_path / "w1.log", concurrency=1).start()
    name = api.create_workflow(wf("waitkill", f"""
  tasks:
    t:
      action: std.echo output="once"
      wait-before: 3
      target: {queue}
      publish: {{r: <% task().result %>}}
"""))[0]["name"]
    from wfq.services import executions

    ex_id = executions.start_execution(own_services, name, project_id="<default-project>")
    time.sleep(1)
    worker.stop(kill=True)  # the timer message dies with the worker that held it
    worker = WorkerProcess(env, tmp_path / "w2.log", concurrency=1).start()
    try:
        deadline = time.monotonic() + 40
        while api.execution(ex_id)["state"] == "RUNNING" and time.monotonic() < deadline:
            recovery.recover(own_services)
            time.sleep(0.5)
    finally:
        worker.stop(kill=True)
    ex = api.execution(ex_id)
    assert ex["state"] == "SUCCESS", ex["state_info"]
    task = api.tasks(ex_id)["t"]
    acts = api.c.get(f"/v2/action_executions?task_execution_id={task['id']}").get_json()["action_executions"]
    assert len(acts) == 1


def test_beat_is_a_live_service_and_fires_a_timer_that_came_due_while_it_was_down(
    api: Any, services: Any, integration_env: dict[str, str], tmp_path: Path
) -> None:
    """Beat's first integrity check runs when beat starts and fires a timer that is already
    due, instead of 30 s (dispatch_grace_s) after it came due; and `GET /v2/services` lists beat
    as a scheduler while it runs, not after it stopped."""
    from wfq.persistence.models import TaskExecution
    from wfq.services import executions

    name = api.create_workflow(wf("late_timer", """
  tasks:
    t:
      wait-before: 3600
      action: std.echo output="late"
      publish: {r: <% task().result %>}
"""))[0]["name"]
    ex_id = executions.start_execution(services, name, project_id="<default-project>")
    task_id = api.tasks(ex_id)["t"]["id"]
    due = services.now() - dt.timedelta(seconds=2)  # it came due while beat was down
    with services.db.write() as session:
        task = session.get(TaskExecution, task_id)
        timers = {k: {**v, "due": due.isoformat()} for k, v in task.runtime_context["timers"].items()}
        task.runtime_context = {**task.runtime_context, "timers": timers}
        task.timer_at = due
    log = (tmp_path / "beat.log").open("wb")
    beat = subprocess.Popen(
        [sys.executable, "-m", "wfq.cli.main", "beat"], cwd=tmp_path, env=integration_env,
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20  # the grace alone is 30 s
        while api.execution(ex_id)["state"] == "RUNNING" and time.monotonic() < deadline:
            time.sleep(0.2)
        ex = api.execution(ex_id)
        assert ex["state"] == "SUCCESS", (ex["state"], ex["state_info"])
        types = {s["type"] for s in api.c.get("/v2/services").get_json()["services"]}
        assert "scheduler_group" in types
    finally:
        beat.terminate()
        beat.wait(timeout=20)
        log.close()
    types = {s["type"] for s in api.c.get("/v2/services").get_json()["services"]}
    assert "scheduler_group" not in types  # a beat that stops takes itself off the list
