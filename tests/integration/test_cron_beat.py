"""End to end: a real `wfq beat` process and a real worker fire a cron trigger (beat logs the
firing and sends no per-second message for it); a worker restarted while a task waits on
wait-before still completes it exactly once; beat's first pass fires a timer that came due while
it was down at once (logging the recovery at INFO), and beat is listed as a live service."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
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
    with _beat(integration_env, tmp_path / "beat.log") as proc:
        yield proc


@contextlib.contextmanager
def _beat(env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "wfq.cli.main", "beat"],
        cwd=log_path.parent,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def _cron_workflow(api: Any) -> tuple[str, str]:
    """A workflow for triggers to start: its name and id."""
    name = api.create_workflow(
        wf(
            "cron",
            """
  input: [who]
  output: {said: <% $.said %>}
  tasks:
    t:
      action: std.echo output="hello <% $.who %>"
      publish: {said: <% task().result %>}
""",
        )
    )[0]["name"]
    return name, api.c.get(f"/v2/workflows/{name}").get_json()["id"]


def _trigger_in(services: Any, workflow: tuple[str, str], seconds: int) -> tuple[str, str]:
    """A trigger that fires once, `seconds` from now: its id and name."""
    trig_id = str(uuid.uuid4())
    soon = services.now().replace(microsecond=0) + dt.timedelta(seconds=seconds)
    with services.db.write() as session:
        session.add(
            CronTrigger(
                id=trig_id,
                name=f"beat-{trig_id[:6]}",
                pattern="* * * * *",
                first_execution_time=soon,
                next_execution_time=soon,
                remaining_executions=1,
                workflow_id=workflow[1],
                workflow_name=workflow[0],
                workflow_input={"who": "cron"},
                project_id="<default-project>",
            )
        )
    return trig_id, f"beat-{trig_id[:6]}"


def _executions_of(api: Any, name: str, timeout: float = 40) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    fired: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not fired:
        fired = api.c.get(f"/v2/executions?workflow_name={name}").get_json()["executions"]
        time.sleep(0.2)
    return fired


def test_beat_fires_a_trigger_and_its_execution_succeeds(
    api: Any, services: Any, beat_process: Any
) -> None:
    workflow = _cron_workflow(api)
    trig_id, _ = _trigger_in(services, workflow, 3)
    fired = _executions_of(api, workflow[0])
    assert len(fired) == 1, "the trigger did not fire"
    ex = api.wait(fired[0]["id"])
    assert ex["state"] == "SUCCESS" and ex["output"] == '{"said": "hello cron"}'
    with services.db.read() as session:
        row = session.get(CronTrigger, trig_id)
        assert row.status == "COMPLETED" and row.remaining_executions == 0


def test_beat_logs_each_firing_and_sends_no_message_per_second(
    api: Any, services: Any, integration_env: dict[str, str], tmp_path: Path
) -> None:
    import redis

    # beat's own engine queue, which no worker reads: every message beat sends stays there.
    engine_queue = f"beat-{uuid.uuid4().hex[:6]}.engine"
    env = {**integration_env, "WFQ_ENGINE_QUEUE": engine_queue}
    workflow = _cron_workflow(api)
    _, trigger_name = _trigger_in(services, workflow, 2)
    broker = redis.Redis.from_url(integration_env["WFQ_BROKER_URL"])
    log_path = tmp_path / "beat.log"
    try:
        with _beat(env, log_path):
            fired = _executions_of(api, workflow[0])
            assert len(fired) == 1, "the trigger did not fire"
            assert api.wait(fired[0]["id"])["state"] == "SUCCESS"
            time.sleep(4)  # idle ticks: no message, no log line
        sent = [json.loads(m)["headers"]["task"] for m in broker.lrange(engine_queue, 0, -1)]
    finally:
        broker.delete(engine_queue)
    assert "wfq.fire_cron_triggers" not in sent
    log = log_path.read_text()
    firing = (
        rf"INFO wfq.cron: cron trigger {trigger_name} fired for \S+ \S+: execution {fired[0]['id']}"
    )
    assert re.search(firing, log), log
    # The readiness line and the firing, nothing per tick. (The integrity check's first pass
    # may report work other tests of this database left behind: that is not a tick.)
    lines = [
        line
        for line in log.splitlines()
        if re.search(r" (INFO|WARNING|ERROR) ", line) and " wfq.recovery: " not in line
    ]
    assert [line for line in lines if "beat ready" not in line] == [
        line for line in lines if "fired for" in line
    ], log
    assert len(lines) == 2, log


def test_worker_restarted_during_wait_before_completes_the_task_once(
    api: Any, services: Any, integration_env: dict[str, str], tmp_path: Path
) -> None:
    queue = f"wait-{uuid.uuid4().hex[:6]}"
    env = {**integration_env, "WFQ_TEST_EXTRA_QUEUES": queue, "WFQ_ENGINE_QUEUE": f"{queue}.engine"}
    own_services = dataclasses.replace(
        services,
        settings=services.settings.replace(dispatch_grace_s=0.5, engine_queue=f"{queue}.engine"),
    )
    from wfq.dispatch.celery import CeleryDispatcher

    own_services.dispatcher = CeleryDispatcher(
        services.dispatcher.app, services.settings.queue, f"{queue}.engine"
    )
    worker = WorkerProcess(env, tmp_path / "w1.log", concurrency=1).start()
    name = api.create_workflow(
        wf(
            "waitkill",
            f"""
  tasks:
    t:
      action: std.echo output="once"
      wait-before: 3
      target: {queue}
      publish: {{r: <% task().result %>}}
""",
        )
    )[0]["name"]
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
    acts = api.c.get(f"/v2/action_executions?task_execution_id={task['id']}").get_json()[
        "action_executions"
    ]
    assert len(acts) == 1


def test_beat_is_a_live_service_and_fires_a_timer_that_came_due_while_it_was_down(
    api: Any, services: Any, integration_env: dict[str, str], tmp_path: Path
) -> None:
    """Beat's first integrity check runs when beat starts and fires a timer that is already
    due, instead of 30 s (dispatch_grace_s) after it came due, and logs that recovery at INFO;
    and `GET /v2/services` lists beat as a scheduler while it runs, not after it stopped."""
    from wfq.persistence.models import TaskExecution
    from wfq.services import executions

    name = api.create_workflow(
        wf(
            "late_timer",
            """
  tasks:
    t:
      wait-before: 3600
      action: std.echo output="late"
      publish: {r: <% task().result %>}
""",
        )
    )[0]["name"]
    ex_id = executions.start_execution(services, name, project_id="<default-project>")
    task_id = api.tasks(ex_id)["t"]["id"]
    due = services.now() - dt.timedelta(seconds=2)  # it came due while beat was down
    with services.db.write() as session:
        task = session.get(TaskExecution, task_id)
        timers = {
            k: {**v, "due": due.isoformat()} for k, v in task.runtime_context["timers"].items()
        }
        task.runtime_context = {**task.runtime_context, "timers": timers}
        task.timer_at = due
    log = (tmp_path / "beat.log").open("wb")
    beat = subprocess.Popen(
        [sys.executable, "-m", "wfq.cli.main", "beat"],
        cwd=tmp_path,
        env=integration_env,
        stdout=log,
        stderr=subprocess.STDOUT,
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
    # The recovery is logged at INFO (expected operation), in words; nothing of the integrity
    # check at WARNING or above, since the check itself did not fail.
    text = (tmp_path / "beat.log").read_text()
    assert re.search(
        r" INFO wfq\.recovery: integrity check recovered work: .*\d+ late timer\(s\) fired", text
    ), text
    assert not re.search(r" (WARNING|ERROR|CRITICAL) wfq\.(recovery|beat)", text), text
