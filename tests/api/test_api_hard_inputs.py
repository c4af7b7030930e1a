"""Inputs that used to answer 500 (issue 15): NUL and lone surrogates, names too long or with
'/', control characters or ANSI escapes, an execution id taken in another project, oversized
environments, the `next` link from the Host header. Each answers a 4xx in Mistral's shape, on
SQLite and on PostgreSQL (which cannot store NUL or surrogates, and enforces varchar(255))."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import flask
import pytest
from api_helpers import RecordingDispatcher, fault, post_yaml, raw_fault

from wfq.api.app import create_app
from wfq.persistence.db import Database
from wfq.persistence.migrate import upgrade
from wfq.services.context import Services
from wfq.settings import Settings

SURROGATE = "lone UTF-16 surrogates"
NAME_RULE = "names must not contain '/' or control characters"


def _workflow(name: str, extra: str = "") -> str:
    return (
        f"version: '2.0'\n{name}:\n{extra}  input: [a]\n  tasks:\n    t:\n      action: std.noop\n"
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def make_client(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[..., tuple[Any, dict[str, str], dict[str, str]]]]:
    """A test client over SQLite or PostgreSQL with two projects: (client, headers A, headers B)."""
    made: list[Services] = []

    def make(**changes: Any) -> tuple[Any, dict[str, str], dict[str, str]]:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path}/hard{len(made)}.sqlite"
            upgrade(url)
        else:
            url = request.getfixturevalue("pg_url")
        run = uuid.uuid4().hex[:8]
        tokens = {f"a-{run}": f"proj-a-{run}", f"b-{run}": f"proj-b-{run}"}
        settings = Settings(database_url=url, auth_tokens=tokens).replace(**changes)
        svc = Services(settings=settings, db=Database(url), dispatcher=RecordingDispatcher())
        made.append(svc)
        app: flask.Flask = create_app(svc)
        a, b = ({"X-Auth-Token": t} for t in tokens)
        return app.test_client(), a, b

    yield make
    for svc in made:
        svc.db.dispose()


@pytest.fixture
def env(make_client: Callable[..., Any]) -> tuple[Any, dict[str, str], dict[str, str]]:
    return make_client()  # type: ignore[no-any-return]


# --- NUL and lone surrogates ---------------------------------------------------------------


@pytest.mark.parametrize("url", ["/v2/workflows", "/v2/actions", "/v2/workbooks"])
def test_a_nul_written_as_a_yaml_escape_is_a_400(env: Any, url: str) -> None:
    client, a, _ = env
    texts = {
        "/v2/workflows": _workflow("nul_wf", '  description: "a\\0b"\n'),
        "/v2/actions": "version: '2.0'\nnul_act:\n  base: std.echo\n  base-input:\n    output: \"x\\x00\"\n",
        "/v2/workbooks": "version: '2.0'\nname: nul_wb\ndescription: \"\\u0000\"\nworkflows:\n"
        "  w:\n    tasks:\n      t:\n        action: std.noop\n",
    }
    r = post_yaml(client, texts[url], url=url, headers=a)
    text = raw_fault(r, 400) if url != "/v2/workbooks" else r.get_json()["faultstring"]
    assert r.status_code == 400
    assert "contains a NUL character (\\u0000), which cannot be stored" in text


def test_a_lone_surrogate_in_an_execution_input_is_a_400(env: Any) -> None:
    client, a, _ = env
    assert post_yaml(client, _workflow("sur_wf"), headers=a).status_code == 201
    as_string = '{"workflow_name": "sur_wf", "input": "{\\"a\\": \\"\\\\ud800\\"}"}'
    as_object = '{"workflow_name": "sur_wf", "input": {"a": "x\\udc00y"}}'
    for body in (as_string, as_object):
        r = client.post("/v2/executions", data=body, content_type="application/json", headers=a)
        assert SURROGATE in fault(r, 400)
    assert client.get("/v2/executions", headers=a).get_json()["executions"] == []


def test_nan_or_infinity_in_an_execution_input_or_environment_is_a_400(env: Any) -> None:
    # Python's JSON reader accepts NaN and Infinity; PostgreSQL's jsonb refuses them (a 500).
    client, a, _ = env
    assert post_yaml(client, _workflow("inf_wf"), headers=a).status_code == 201
    bodies = (
        '{"workflow_name": "inf_wf", "input": "{\\"a\\": Infinity}"}',
        '{"workflow_name": "inf_wf", "input": {"a": [1, NaN]}}',
        '{"workflow_name": "inf_wf", "input": {"a": -1e999}}',
    )
    for body in bodies:
        r = client.post("/v2/executions", data=body, content_type="application/json", headers=a)
        assert "NaN or Infinity" in fault(r, 400)
    assert client.get("/v2/executions", headers=a).get_json()["executions"] == []
    body = '{"name": "inf_env", "variables": "{\\"k\\": Infinity}"}'
    r = client.post("/v2/environments", data=body, content_type="application/json", headers=a)
    assert "NaN or Infinity" in fault(r, 400)


def test_a_lone_surrogate_in_environment_variables_is_a_400(env: Any) -> None:
    client, a, _ = env
    body = '{"name": "sur_env", "variables": "{\\"k\\": \\"\\\\ud800\\"}"}'
    r = client.post("/v2/environments", data=body, content_type="application/json", headers=a)
    assert SURROGATE in fault(r, 400)
    ok = client.post("/v2/environments", json={"name": "sur_env", "variables": {}}, headers=a)
    assert ok.status_code == 201
    r = client.put(
        "/v2/environments",
        data='{"name": "sur_env", "variables": {"\\udfff": 1}}',
        content_type="application/json",
        headers=a,
    )
    assert SURROGATE in fault(r, 400)


def test_a_lone_surrogate_in_a_run_sync_input_is_a_400(env: Any) -> None:
    client, a, _ = env
    body = '{"name": "std.echo", "input": {"output": "\\ud800"}, "params": {"run_sync": true}}'
    r = client.post("/v2/action_executions", data=body, content_type="application/json", headers=a)
    assert SURROGATE in fault(r, 400)


# --- names -----------------------------------------------------------------------------------


BAD_NAMES = {
    "300 characters": ("w" * 300, "more than the limit of 255"),
    "slash": ("a/b", "contains '/'"),
    "control character": ("bell\x07", "U+0007"),
    "ANSI escape": ("red\x1b[31m", "ANSI escape sequence"),
}


@pytest.mark.parametrize("case", sorted(BAD_NAMES))
def test_bad_names_of_definitions_are_a_400(env: Any, case: str) -> None:
    client, a, _ = env
    name, reason = BAD_NAMES[case]
    quoted = json.dumps(name)
    r = post_yaml(client, _workflow(quoted), headers=a)
    assert reason in raw_fault(r, 400)
    r = post_yaml(
        client, f"version: '2.0'\n{quoted}:\n  base: std.noop\n", url="/v2/actions", headers=a
    )
    assert reason in raw_fault(r, 400)
    wb = f"version: '2.0'\nname: {quoted}\nworkflows:\n  w:\n    tasks:\n      t:\n        action: std.noop\n"
    r = post_yaml(client, wb, url="/v2/workbooks", headers=a)
    assert r.status_code == 400 and reason in r.get_json()["faultstring"]
    assert client.get("/v2/workflows", headers=a).get_json()["workflows"] == []


@pytest.mark.parametrize("case", sorted(BAD_NAMES))
def test_bad_names_of_environments_and_triggers_are_a_400(env: Any, case: str) -> None:
    client, a, _ = env
    name, reason = BAD_NAMES[case]
    assert (
        post_yaml(
            client, "version: '2.0'\nplain:\n  tasks:\n    t:\n      action: std.noop\n", headers=a
        ).status_code
        == 201
    )
    r = client.post("/v2/environments", json={"name": name, "variables": {}}, headers=a)
    assert reason in fault(r, 400)
    cron = {"name": name, "workflow_name": "plain", "pattern": "0 * * * *"}
    assert reason in fault(client.post("/v2/cron_triggers", json=cron, headers=a), 400)
    trigger = {"name": name, "workflow_id": "plain", "exchange": "x", "topic": "t", "event": "e"}
    r = client.post("/v2/event_triggers", json=trigger, headers=a)
    reason = "more than the limit of 200" if case == "300 characters" else reason
    assert reason in fault(r, 400)


def test_names_with_dots_dashes_and_letters_stay_accepted(env: Any) -> None:
    client, a, _ = env
    r = post_yaml(client, _workflow("wf-ok_é"), headers=a)
    assert r.status_code == 201, r.get_json()
    r = client.post("/v2/environments", json={"name": "env.prod-1", "variables": {}}, headers=a)
    assert r.status_code == 201, r.get_json()
    assert post_yaml(client, _workflow("w" * 255), headers=a).status_code == 201


# --- execution ids ---------------------------------------------------------------------------


def test_an_execution_id_of_another_project_is_a_409_that_tells_nothing_more(env: Any) -> None:
    client, a, b = env
    for headers in (a, b):
        assert post_yaml(client, _workflow("same"), headers=headers).status_code == 201
    ex_id = str(uuid.uuid4())
    first = client.post(
        "/v2/executions", json={"workflow_name": "same", "id": ex_id, "input": {"a": 1}}, headers=a
    )
    assert first.status_code == 201
    # In its own project: Mistral's behaviour, the existing execution is returned.
    again = client.post(
        "/v2/executions", json={"workflow_name": "same", "id": ex_id, "input": {"a": 2}}, headers=a
    )
    assert again.status_code == 201 and again.get_json()["id"] == ex_id
    assert json.loads(again.get_json()["input"]) == {"a": 1}
    r = client.post(
        "/v2/executions", json={"workflow_name": "same", "id": ex_id, "input": {"a": 3}}, headers=b
    )
    text = fault(r, 409)
    assert text == f"Duplicate entry for WorkflowExecution with ID: {ex_id}"
    assert client.get(f"/v2/executions/{ex_id}", headers=b).status_code == 404
    assert client.get("/v2/executions", headers=b).get_json()["executions"] == []


# --- sizes -----------------------------------------------------------------------------------


def test_an_environment_larger_than_the_field_limit_is_a_400(
    make_client: Callable[..., Any],
) -> None:
    client, a, _ = make_client(field_size_limit_kb=4)
    big = {"blob": "x" * 5000}
    r = client.post("/v2/environments", json={"name": "big", "variables": big}, headers=a)
    assert fault(r, 400) == (
        "Field size limit exceeded [class=Environment, field=variables, size=4KB, limit=4KB]"
    )
    assert (
        client.post(
            "/v2/environments", json={"name": "big", "variables": {}}, headers=a
        ).status_code
        == 201
    )
    r = client.put("/v2/environments", json={"name": "big", "variables": big}, headers=a)
    assert "Field size limit exceeded" in fault(r, 400)


# --- links -----------------------------------------------------------------------------------


def test_the_next_link_is_not_built_from_the_host_header(make_client: Callable[..., Any]) -> None:
    client, a, _ = make_client()
    for name in ("n1", "n2"):
        assert post_yaml(client, _workflow(name), headers=a).status_code == 201
    headers = {**a, "Host": "evil.example:666"}
    nxt = client.get("/v2/workflows?limit=1", headers=headers).get_json()["next"]
    assert nxt.startswith("/v2/workflows?") and "evil" not in nxt
    rest = client.get(nxt, headers=a).get_json()["workflows"]
    assert [w["name"] for w in rest] == ["n2"]
    client, a, _ = make_client(public_url="https://wfq.example.com/")
    assert post_yaml(client, _workflow("n1"), headers=a).status_code == 201
    nxt = client.get("/v2/workflows?limit=1", headers={**a, "Host": "evil.example"}).get_json()[
        "next"
    ]
    assert nxt.startswith("https://wfq.example.com/v2/workflows?")


# --- actions run in the request ----------------------------------------------------------------


def _run_sync(client: Any, headers: dict[str, str], name: str, action_input: dict[str, Any]) -> Any:
    body = {"name": name, "input": action_input, "params": {"run_sync": True}}
    return client.post("/v2/action_executions", json=body, headers=headers)


def test_a_run_sync_action_that_needs_too_much_memory_ends_error(
    make_client: Callable[..., Any],
) -> None:
    import resource
    import time

    client, a, _ = make_client(sync_action_memory_mb=64)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    r = _run_sync(
        client, a, "std.test_dict", {"size": 1_000_000, "key_prefix": "key-", "val": "v" * 20}
    )
    assert r.status_code == 201 and time.monotonic() - started < 30
    body = r.get_json()
    assert body["state"] == "ERROR"
    assert "it needed more than 64 MiB" in json.loads(body["output"])["result"]
    assert len(r.data) < 4096
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kb < 100 * 1024  # the dict was built (and refused) in a child process


def test_a_run_sync_action_that_runs_too_long_is_stopped(make_client: Callable[..., Any]) -> None:
    import time

    client, a, _ = make_client(sync_action_timeout_s=1)
    started = time.monotonic()
    r = _run_sync(client, a, "std.sleep", {"seconds": 30})
    assert time.monotonic() - started < 10
    body = r.get_json()
    assert body["state"] == "ERROR"
    assert (
        "it ran longer than 1 s while running in the API request"
        in json.loads(body["output"])["result"]
    )
    assert (
        _run_sync(client, a, "std.echo", {"output": "still fine"}).get_json()["state"] == "SUCCESS"
    )


def test_a_run_sync_result_over_the_field_limit_ends_error(make_client: Callable[..., Any]) -> None:
    client, a, _ = make_client(field_size_limit_kb=16)
    r = _run_sync(
        client, a, "std.test_dict", {"size": 5000, "key_prefix": "k", "val": "0123456789"}
    )
    body = r.get_json()
    assert body["state"] == "ERROR"
    assert json.loads(body["output"])["result"].startswith(
        "Field size limit exceeded [class=ActionExecution, field=output, size="
    )
    assert len(r.data) < 4096
    small = _run_sync(client, a, "std.test_dict", {"size": 10, "key_prefix": "k", "val": "v"})
    assert json.loads(small.get_json()["output"])["result"] == {f"k{i}": "v" for i in range(10)}


def test_a_stored_action_run_with_a_namespace_over_255_characters_is_a_400(env: Any) -> None:
    client, a, _ = env
    body = {
        "name": "std.echo",
        "input": {"output": 1},
        "workflow_namespace": "n" * 300,
        "params": {"save_result": True},
    }
    r = client.post("/v2/action_executions", json=body, headers=a)
    assert fault(r, 400) == "The workflow_namespace is longer than 255 characters"
