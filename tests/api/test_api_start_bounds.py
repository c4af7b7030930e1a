"""POST /v2/executions evaluates the start tasks inside the request (issue 15): all of them
together are held to twice `expression_timeout_s`, so a definition of many tasks, each a
with-items over a long range, answers in bounded time with the execution in ERROR."""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from typing import Any

import flask
from api_helpers import post_yaml, start

from wfq.api.app import create_app


def _client(make_services: Callable[..., Any], **settings: Any) -> Any:
    app: flask.Flask = create_app(make_services(**settings))
    app.config["TESTING"] = True
    return app.test_client()


def test_many_start_tasks_with_long_with_items_answer_in_bounded_time(
    make_services: Callable[..., Any],
) -> None:
    client = _client(make_services, expression_timeout_s=0.5)
    tasks = "".join(
        f"    t{i:03d}:\n      with-items: x in <% range(0, 100000) %>\n      action: std.noop\n"
        for i in range(300)
    )
    assert post_yaml(client, f"version: '2.0'\nwide:\n  tasks:\n{tasks}").status_code == 201
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    began = time.monotonic()
    r = start(client, "wide")
    seconds = time.monotonic() - began
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    # 300 lists of 100,000 items took 54 s and 1.6 GB inside the request before.
    assert seconds < 15
    assert grown_mb < 600
    assert body["state"] == "ERROR"
    assert "the expressions of this state change took longer than 1 s in all" in body["state_info"]
    assert "expression_timeout_s" in body["state_info"]


def test_a_start_task_regex_bomb_answers_with_the_execution_in_error(
    make_services: Callable[..., Any],
) -> None:
    client = _client(make_services, expression_timeout_s=0.5)
    bomb = "<% regex('^(a|aa)+$').matches('" + "a" * 45 + "!') %>"
    assert (
        post_yaml(
            client,
            f"version: '2.0'\nbomb:\n  tasks:\n    t:\n      action: std.echo output=\"{bomb}\"\n",
        ).status_code
        == 201
    )
    began = time.monotonic()
    r = start(client, "bomb")
    assert time.monotonic() - began < 6  # the regex package checks its clock now and then
    assert r.status_code == 201
    assert r.get_json()["state"] == "ERROR"
    assert "evaluation took longer than 0.5 s (expression_timeout_s)" in r.get_json()["state_info"]
