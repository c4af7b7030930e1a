"""wfq on RabbitMQ instead of Redis: a real `celery worker` consuming from RabbitMQ runs chains,
with-items (no result backend: the last lane sends the completion itself), wait-before timers
(delayed messages) and targets, with state in PostgreSQL."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from wfq_testing import WorkerProcess

pytestmark = pytest.mark.integration

RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672//"

WORKFLOWS = """
version: '2.0'
rabbit_chain:
  input: [n]
  output:
    result: <% $.b %>
  tasks:
    a:
      action: std.echo output=<% $.n + 1 %>
      publish: {a: <% task().result %>}
      on-success: [b]
    b:
      wait-before: 1
      action: std.echo output=<% $.a * 10 %>
      publish: {b: <% task().result %>}
rabbit_items:
  output:
    squares: <% $.squares %>
  tasks:
    square:
      with-items: x in <% range(0, 25) %>
      concurrency: 3
      action: std.echo output=<% $.x * $.x %>
      publish: {squares: <% task().result %>}
"""


@pytest.fixture(scope="module")
def rabbit(
    integration_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    from wfq import settings as settings_mod
    from wfq.cli.bootstrap import build
    from wfq.services import definitions

    run = uuid.uuid4().hex[:6]
    env = {
        **integration_env,
        "WFQ_BROKER_URL": RABBITMQ_URL,
        "WFQ_RESULT_BACKEND": "",
        "WFQ_QUEUE": f"wfq-rabbit-{run}",
        "WFQ_ENGINE_QUEUE": f"wfq-rabbit-{run}.engine",
    }
    log: Path = tmp_path_factory.mktemp("rabbit") / "worker.log"
    worker = WorkerProcess(env, log).start()
    proc = build(settings_mod.load(env), migrate=False, embedded_worker=False)
    definitions.create_workflows(proc.services, WORKFLOWS, project_id="<default-project>")
    yield proc.services
    proc.close()
    worker.stop()
    _delete_queues([env["WFQ_QUEUE"], env["WFQ_ENGINE_QUEUE"]])


def _delete_queues(names: list[str]) -> None:
    import kombu

    with kombu.Connection(RABBITMQ_URL) as conn, conn.channel() as channel:
        for name in names:
            channel.queue_delete(name)


def _run(services: Any, workflow: str, **wf_input: Any) -> dict[str, Any]:
    from wfq.services import executions, queries

    ex_id = executions.start_execution(
        services, workflow, project_id="<default-project>", wf_input=wf_input
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ex = queries.get(services, "execution", ex_id, project_id="<default-project>")
        if ex["state"] in ("SUCCESS", "ERROR"):
            return dict(ex)
        time.sleep(0.1)
    raise AssertionError(f"not finished: {ex}")


def test_a_chain_with_a_timer_on_rabbitmq(rabbit: Any) -> None:
    ex = _run(rabbit, "rabbit_chain", n=4)
    assert ex["state"] == "SUCCESS", ex["state_info"]
    assert ex["output"] == {"result": 50}


def test_with_items_lanes_on_rabbitmq_without_a_result_backend(rabbit: Any) -> None:
    ex = _run(rabbit, "rabbit_items")
    assert ex["state"] == "SUCCESS", ex["state_info"]
    assert ex["output"] == {"squares": [x * x for x in range(25)]}
