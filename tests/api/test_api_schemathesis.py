"""Schemathesis fuzzes every operation of the served OpenAPI (Swagger 2.0) document in-process.

For each operation it sends generated requests (valid and invalid by the schema) to the Flask
app over WSGI and checks what a client relies on: no 5xx, only documented status codes and
content types, and bodies that match the documented models. The database holds one of each
kind of object, and path parameters are often their real names and ids, so the fuzzing reaches
past the 404s into the code that reads, updates and deletes.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from api_helpers import GREET, RecordingDispatcher, post_yaml, start
from hypothesis import settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from wfq_strategies import odd_names, odd_text

from wfq.api.app import SWAGGER_PATH, create_app
from wfq.persistence.db import Database
from wfq.persistence.migrate import upgrade
from wfq.services.context import Services
from wfq.settings import Settings

EXAMPLES_PER_OPERATION = max(1, settings.default.max_examples // 4)
"""25 with the default profiles (tests/conftest.py): the 76 operations take about a minute together;
HYPOTHESIS_PROFILE=thorough tries 500 each."""


@schemathesis.check
def content_type_of_bodies(ctx: Any, response: Any, case: Any) -> bool | None:
    """content_type_conformance for answers with a body: a 204 has neither (as Mistral)."""
    if not response.content:
        return None
    return content_type_conformance(ctx, response, case)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_of_bodies,
    response_schema_conformance,
]

_WORKBOOK = """\
version: '2.0'
name: fuzz_wb
workflows:
  inner:
    tasks:
      t: {action: std.noop}
"""
_ACTION = "version: '2.0'\nfuzz_echo:\n  base: std.echo\n  base-input: {output: <% $.x %>}\n  input: [x]\n"
_SOURCE = "def fuzz(x=1):\n    return x\n"


def _seed(client: Any) -> dict[str, str]:
    """One object of each kind; returns the path parameter values that name them."""
    assert post_yaml(client, GREET).status_code == 201
    assert post_yaml(client, _WORKBOOK, "/v2/workbooks").status_code == 201
    assert post_yaml(client, _ACTION, "/v2/actions").status_code == 201
    execution = start(client, "greet", {"name": "fuzz"}).get_json()
    tasks = client.get(f"/v2/executions/{execution['id']}/tasks").get_json()["tasks"]
    env = {"name": "fuzz_env", "variables": json.dumps({"k": "v"})}
    assert client.post("/v2/environments", json=env).status_code == 201
    trigger = {"name": "fuzz_cron", "workflow_name": "greet", "pattern": "0 0 * * *"}
    trigger["workflow_input"] = json.dumps({"name": "cron"})
    assert client.post("/v2/cron_triggers", json=trigger).status_code == 201
    run = {"name": "std.echo", "input": {"output": 1}, "params": {"save_result": True}}
    action_execution = client.post("/v2/action_executions", json=run).get_json()
    source = client.post("/v2/code_sources?name=fuzz_src", data=_SOURCE, content_type="text/plain")
    assert source.status_code == 201, source.get_json()
    dyn = {"name": "fuzz_dyn", "class_name": "fuzz", "code_source_name": "fuzz_src"}
    assert client.post("/v2/dynamic_actions", json=dyn).status_code == 201
    wf_id = client.get("/v2/workflows/greet").get_json()["id"]
    event_trigger = {
        "name": "fuzz_et",
        "workflow_id": wf_id,
        "exchange": "nova",
        "topic": "n",
        "event": "e",
    }
    event_trigger["workflow_input"] = json.dumps({"name": "event"})
    made = client.post("/v2/event_triggers", json=event_trigger)
    assert made.status_code == 201, made.get_json()
    return {
        "trigger_id": made.get_json()["id"],
        "ex_id": execution["id"],
        "task_id": tasks[0]["id"] if tasks else execution["id"],
        "action_id": action_execution["id"],
    }


# schemathesis' lazy loader (from_fixture) does not run under pytest 9.2, so the schema is
# loaded at import from an app over a database file that the fixture below migrates and seeds;
# creating the app and serving /swagger.json touch no database.
_DIR = Path(tempfile.mkdtemp(prefix="wfq-schemathesis-"))
atexit.register(shutil.rmtree, _DIR, ignore_errors=True)
_URL = f"sqlite:///{_DIR / 'wfq.sqlite'}"
_SERVICES = Services(
    settings=Settings(database_url=_URL, code_source_projects="*"),
    db=Database(_URL),
    dispatcher=RecordingDispatcher(),
)
_APP = create_app(_SERVICES)
_KNOWN: dict[str, str] = {}
schema = schemathesis.openapi.from_wsgi(SWAGGER_PATH, _APP)


@pytest.fixture(scope="module")
def database() -> Iterator[None]:
    upgrade(_URL)
    yield
    _SERVICES.db.dispose()


@pytest.fixture(autouse=True)
def seeded(database: None) -> dict[str, str]:
    """The objects path parameters name, created again when an earlier operation deleted one."""
    client = _APP.test_client()
    urls = (
        "/v2/workflows/greet",
        "/v2/workbooks/fuzz_wb",
        "/v2/actions/fuzz_echo",
        "/v2/environments/fuzz_env",
        "/v2/cron_triggers/fuzz_cron",
        "/v2/dynamic_actions/fuzz_dyn",
        "/v2/code_sources/fuzz_src",
    )
    ids = [
        f"/v2/event_triggers/{_KNOWN.get('trigger_id')}",
        f"/v2/executions/{_KNOWN.get('ex_id')}",
        f"/v2/tasks/{_KNOWN.get('task_id')}",
        f"/v2/action_executions/{_KNOWN.get('action_id')}",
    ]
    if any(client.get(url).status_code != 200 for url in (*urls, *ids)):
        for url in (*urls, ids[0]):
            client.delete(url)
        _KNOWN.update(_seed(client))
    return _KNOWN


_COLLECTIONS = {
    "workflows": "greet",
    "workbooks": "fuzz_wb",
    "actions": "fuzz_echo",
    "environments": "fuzz_env",
    "cron_triggers": "fuzz_cron",
    "code_sources": "fuzz_src",
    "dynamic_actions": "fuzz_dyn",
}
"""The stored object of each collection whose path parameter is a name."""


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> Any:
    """Half of the time, name a stored object instead of a random one."""
    if not path_parameters:
        return st.just(path_parameters)
    collection = context.operation.path.split("/")[2]
    real = {key: _KNOWN.get(key, value) for key, value in path_parameters.items()}
    for key in ("identifier", "name"):
        if key in real and collection in _COLLECTIONS:
            real[key] = _COLLECTIONS[collection]
    if "namespace" in real:
        real["namespace"] = ""
    return st.sampled_from([path_parameters, real])


_REAL_FIELDS: dict[str, Any] = {
    "POST /v2/executions": {"workflow_name": "greet", "input": {"name": "fuzz"}},
    "POST /v2/action_executions": {"name": "std.echo", "input": {"output": 1}},
    "POST /v2/cron_triggers": {
        "name": "fuzz_cron_2",
        "workflow_name": "greet",
        "pattern": "0 0 * * *",
        "workflow_input": {"name": "fuzz"},
    },
    "POST /v2/environments": {"name": "fuzz_env_2", "variables": {"k": "v"}},
    "PUT /v2/environments": {"name": "fuzz_env", "variables": {"k": "w"}},
    "POST /v2/workflows": GREET.replace("greet:", "greet_2:"),
    "PUT /v2/workflows": GREET,
    "POST /v2/workbooks": _WORKBOOK.replace("fuzz_wb", "fuzz_wb_2"),
    "PUT /v2/workbooks": _WORKBOOK,
    "POST /v2/actions": _ACTION.replace("fuzz_echo", "fuzz_echo_2"),
    "PUT /v2/actions": _ACTION,
    "PUT /v2/executions/{ex_id}": {"state": "PAUSED"},
    "POST /v2/code_sources": _SOURCE.replace("fuzz(", "fuzz_2("),
    "PUT /v2/code_sources": _SOURCE,
    "POST /v2/dynamic_actions": {
        "name": "fuzz_dyn_2",
        "class_name": "fuzz",
        "code_source_name": "fuzz_src",
    },
    "PUT /v2/dynamic_actions": {"name": "fuzz_dyn", "class_name": "fuzz"},
    "POST /v2/events": {"exchange": "nova", "topic": "n", "event_type": "e"},
    "PUT /v2/tasks/{task_id}": {"state": "RUNNING"},
}
"""Fields that make a generated JSON body name real things, and valid definitions for the
text/plain bodies (otherwise nearly every write is a 400 or 404)."""


_NEW_NAMES = {
    "POST /v2/workflows": "greet_2",
    "POST /v2/workbooks": "fuzz_wb_2",
    "POST /v2/actions": "fuzz_echo_2",
}
"""The name a definition above creates: replaced by odd names (NUL, surrogates, control
characters, ANSI escapes, '/', more than 255 characters)."""


_ODD_VALUES = st.one_of(
    odd_text, st.lists(odd_text, max_size=3), st.dictionaries(odd_text, odd_text, max_size=2)
)
"""JSON values made of odd text (schemathesis sends strict JSON: no infinities)."""


def _odd(real: Any, key: str) -> st.SearchStrategy[Any]:
    """`real` with odd names and odd text (NUL, lone surrogates...) in its fields."""
    if isinstance(real, str):
        name = _NEW_NAMES.get(key)
        if name is None:
            return st.just(real)
        return odd_names.map(lambda n: real.replace(name, json.dumps(n)))
    variants = [odd_text.map(lambda t: {**real, "description": t})]
    if "name" in real:
        variants.append(odd_names.map(lambda n: {**real, "name": n}))
    for field in ("input", "variables", "workflow_input"):
        if field in real:
            variants.append(_ODD_VALUES.map(lambda v, f=field: {**real, f: {"k": v}}))
    return st.one_of(variants)


@schema.hook
def flatmap_body(context: Any, body: Any) -> Any:
    """The generated body, that body with the fields above filled in, just those fields, or
    those fields with odd names and text."""
    operation = context.operation
    key = f"{operation.method.upper()} {operation.path}"
    real = _REAL_FIELDS.get(key)
    if isinstance(real, str):  # a definition (text/plain)
        return st.one_of(st.sampled_from([body, real]), _odd(real, key))
    if real is None or not isinstance(body, dict):
        return st.just(body)
    return st.one_of(st.sampled_from([body, {**body, **real}, real]), _odd(real, key))


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION)
def test_api_conforms_to_its_openapi_document(case: Any) -> None:
    case.call_and_validate(checks=CHECKS)


def test_the_document_names_every_route() -> None:
    """The fuzzing above covers only what the document lists: every API route must be there."""
    document = _APP.test_client().get(SWAGGER_PATH).get_json()
    documented = set(document["paths"])
    routes = {
        str(rule).replace("<string:", "{").replace("<", "{").replace(">", "}")
        for rule in _APP.url_map.iter_rules()
        if str(rule).startswith("/v2/")
    }
    assert routes - documented == set()
