"""Properties over odd names and values, on PostgreSQL (which refuses NUL and lone surrogates
and enforces varchar(255)): every create answers 201, 400 or 409, never a 5xx; whatever was
stored can be read and deleted by its name; a JSON value anywhere in an execution's input or an
environment is stored or refused with a 400."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from api_helpers import RecordingDispatcher, post_yaml
from hypothesis import given
from hypothesis import strategies as st
from wfq_strategies import json_values, odd_names, odd_text

from wfq import storable
from wfq.api.app import create_app
from wfq.persistence.db import Database
from wfq.services.context import Services
from wfq.settings import Settings

TARGET = "version: '2.0'\ntarget:\n  input: [a]\n  tasks:\n    t:\n      action: std.noop\n"


@pytest.fixture(scope="module")
def pg_client(pg_url: str) -> Iterator[tuple[Any, dict[str, str]]]:
    token = uuid.uuid4().hex
    settings = Settings(database_url=pg_url, auth_tokens={token: f"props-{token[:8]}"})
    services = Services(settings=settings, db=Database(pg_url), dispatcher=RecordingDispatcher())
    client = create_app(services).test_client()
    headers = {"X-Auth-Token": token}
    assert post_yaml(client, TARGET, headers=headers).status_code == 201
    yield client, headers
    services.db.dispose()


def _create(client: Any, headers: dict[str, str], kind: str, name: str) -> Any:
    key = json.dumps(name)
    if kind == "workflows":
        text = f"version: '2.0'\n{key}:\n  tasks:\n    t:\n      action: std.noop\n"
        return post_yaml(client, text, headers=headers)
    if kind == "actions":
        return post_yaml(
            client,
            f"version: '2.0'\n{key}:\n  base: std.noop\n",
            url="/v2/actions",
            headers=headers,
        )
    if kind == "workbooks":
        text = f"version: '2.0'\nname: {key}\nworkflows:\n  w:\n    tasks:\n      t:\n        action: std.noop\n"
        return post_yaml(client, text, url="/v2/workbooks", headers=headers)
    if kind == "environments":
        return client.post(
            "/v2/environments", json={"name": name, "variables": {}}, headers=headers
        )
    trigger = {
        "name": name,
        "workflow_name": "target",
        "pattern": "0 0 * * *",
        "workflow_input": {"a": 1},
    }
    return client.post("/v2/cron_triggers", json=trigger, headers=headers)


@given(
    name=odd_names,
    kind=st.sampled_from(["workflows", "actions", "workbooks", "environments", "cron_triggers"]),
)
def test_any_name_is_stored_readable_and_deletable_or_refused(
    pg_client: tuple[Any, dict[str, str]], name: str, kind: str
) -> None:
    client, headers = pg_client
    r = _create(client, headers, kind, name)
    assert r.status_code in {201, 400, 409}, r.get_data(as_text=True)
    if r.status_code == 400:
        assert r.get_json()["faultstring"].strip()
        return
    assert storable.name_problem(kind, name) is None
    if r.status_code == 201:
        url = f"/v2/{kind}/{quote(name, safe='')}"
        got = client.get(url, headers=headers)
        assert got.status_code == 200, (url, got.get_data(as_text=True))
        assert client.delete(url, headers=headers).status_code == 204


@given(value=st.one_of(json_values, odd_text))
def test_any_value_in_an_input_or_environment_is_stored_or_a_400(
    pg_client: tuple[Any, dict[str, str]], value: Any
) -> None:
    client, headers = pg_client
    body = {"workflow_name": "target", "input": json.dumps({"a": value})}
    r = client.post("/v2/executions", json=body, headers=headers)
    assert r.status_code in {201, 400}, r.get_data(as_text=True)
    env = {"name": f"env-{uuid.uuid4().hex[:8]}", "variables": {"k": value, "v": [value]}}
    r = client.post("/v2/environments", json=env, headers=headers)
    assert r.status_code in {201, 400}, r.get_data(as_text=True)
