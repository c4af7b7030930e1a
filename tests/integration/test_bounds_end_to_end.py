"""Issue 15, engine half, end to end: the API in this process, a real Celery worker, PostgreSQL
and Redis, default settings (expression_timeout_s 5, expression_memory_mb 64,
max_subworkflow_depth 32, state_info_max_kb 16)."""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from typing import Any

import pytest

pytestmark = pytest.mark.integration

REGEX_BOMB = "<% regex('^(a|aa)+$').matches('" + "a" * 45 + "!') %>"
ISSUE_REGEX = "<% regex('^(a+)+$').matches('" + "a" * 29 + "!') %>"


def _name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:6]}"


def _chain(api: Any, root_id: str) -> list[dict[str, Any]]:
    r = api.c.get(f"/v2/executions?root_execution_id={root_id}&limit=1000")
    assert r.status_code == 200, r.get_json()
    return r.get_json()["executions"]


def test_a_workflow_that_runs_itself_ends_in_error_at_the_maximum_depth(
    api: Any, services: Any
) -> None:
    from wfq.services import recovery

    name = _name("again")
    api.create_workflow(f"version: '2.0'\n{name}:\n  tasks:\n    call:\n      workflow: {name}\n")
    started = time.monotonic()
    root = api.wait(api.start(name)["id"], timeout=90)
    assert root["state"] == "ERROR"
    assert time.monotonic() - started < 60
    assert root["state_info"].count("Maximum subworkflow depth 32 exceeded") == 1
    assert len(root["state_info"]) < 1500
    chain = _chain(api, root["id"])
    assert len(chain) == 32  # the nested executions under the root, and no more
    assert {ex["state"] for ex in chain} == {"ERROR"}
    deepest = [
        ex
        for ex in chain
        if "would start" in ex["state_info"] and "of subworkflow" not in ex["state_info"]
    ]
    assert len(deepest) == 1 and "at depth 33" in deepest[0]["state_info"]
    # The integrity check finds nothing to start again: the chain does not grow.
    recovery.recover(
        dataclasses.replace(services, settings=services.settings.replace(dispatch_grace_s=0))
    )
    assert len(_chain(api, root["id"])) == 32


def test_a_failure_sixteen_levels_down_is_summarised_once(api: Any) -> None:
    names = [_name(f"lvl{i}") for i in range(17)]
    text = "version: '2.0'\n"
    for i in range(16):
        text += f"{names[i]}:\n  tasks:\n    call:\n      workflow: {names[i + 1]}\n"
    text += (
        f'{names[16]}:\n  tasks:\n    leaf:\n      action: std.fail error_data="the disk is full"\n'
    )
    api.create_workflow(text)
    root = api.wait(api.start(names[0])["id"], timeout=120)
    assert root["state"] == "ERROR"
    info = root["state_info"]
    # Was 19.7 MB: the leaf's error 2**16 times.
    assert info.count("the disk is full") == 1, info[:2000]
    assert len(info) < 1000
    assert f"Failure caused by error in task 'call' of subworkflow '{names[1]}'" in info
    r = api.c.get(f"/v2/executions/{root['id']}")
    assert len(r.data) < 20_000


def test_a_regex_bomb_on_a_worker_fails_its_task_and_others_run_on(api: Any) -> None:
    bomb, plain = _name("bomb"), _name("plain")
    api.create_workflow(f"""version: '2.0'
{bomb}:
  tasks:
    first:
      action: std.noop
      on-success: [match]
    match:
      action: std.echo output="{REGEX_BOMB}"
{plain}:
  tasks:
    issue:
      action: std.echo output="{ISSUE_REGEX}"
      publish: {{matched: <% task().result %>}}
      on-success: [nap]
    nap:
      action: std.sleep seconds=1
""")
    started = time.monotonic()
    bomb_id = api.start(bomb)["id"]
    time.sleep(0.5)  # the worker is inside the bomb now
    other = api.wait(api.start(plain)["id"], timeout=60)
    assert other["state"] == "SUCCESS", other["state_info"]
    assert time.monotonic() - started < 8  # `re` held the worker's every thread ~3 minutes
    tasks = api.tasks(other["id"])
    assert tasks["issue"]["published"] == '{"matched": false}'  # 29 s with `re` in the report
    failed = api.wait(bomb_id, timeout=60)
    assert failed["state"] == "ERROR"
    assert "took longer than 5 s (expression_timeout_s)" in failed["state_info"]
    assert "worker" not in failed["state_info"].lower()  # not the lost-worker path
    assert time.monotonic() - started < 30


@pytest.mark.parametrize(
    ("publish", "reason"),
    [
        ("<% range(0, 1000).select('a' * 9000000) %>", "expression_memory_mb"),
        (
            "\"{% set ns = namespace(s='x' * 1000) %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}"
            '{% endfor %}{{ ns.s }}"',
            "expression_memory_mb",
        ),
        (
            "\"{% set ns = namespace(s='x' * 1000) %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}"
            '{% endfor %}{{ ns.s }}"',
            "longer than 10000000",
        ),
    ],
)
def test_a_memory_bomb_on_a_worker_fails_fast_with_the_reason(
    api: Any, publish: str, reason: str
) -> None:
    name = _name("membomb")
    api.create_workflow(f"""version: '2.0'
{name}:
  tasks:
    first:
      action: std.noop
      on-success: [build]
    build:
      action: std.noop
      publish:
        big: {publish}
""")
    started = time.monotonic()
    ex = api.wait(api.start(name)["id"], timeout=60)
    assert ex["state"] == "ERROR"
    assert time.monotonic() - started < 20  # was ~40 s and 3 GiB, through the lost-worker path
    assert reason in ex["state_info"], ex["state_info"]
    assert "worker" not in ex["state_info"].lower()


def test_the_api_answers_while_a_start_task_regex_bomb_is_evaluated(api: Any, client: Any) -> None:
    name = _name("startbomb")
    api.create_workflow(f"""version: '2.0'
{name}:
  tasks:
    match:
      action: std.echo output="{REGEX_BOMB}"
""")
    answer: dict[str, Any] = {}

    def start() -> None:
        began = time.monotonic()
        answer["response"] = client.post("/v2/executions", json={"workflow_name": name})
        answer["seconds"] = time.monotonic() - began

    thread = threading.Thread(target=start)
    thread.start()
    time.sleep(0.5)  # the request is inside the regex now
    slowest = 0.0
    while thread.is_alive():
        began = time.monotonic()
        assert client.get("/v2/workflows?limit=1").status_code == 200
        slowest = max(slowest, time.monotonic() - began)
        time.sleep(0.1)
    thread.join()
    assert slowest < 1.0  # `re` held the GIL: every other request waited for it
    assert answer["seconds"] < 15
    body = answer["response"].get_json()
    assert answer["response"].status_code == 201, body
    assert body["state"] == "ERROR"
    assert "took longer than 5 s" in body["state_info"]
