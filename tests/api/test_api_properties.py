"""Properties of the API over generated requests (hypothesis): a bad definition or execution
request is answered with a 4xx in Mistral's error shape, never a 5xx, and leaves what is already
stored (a workflow, a running execution) as it was."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from api_helpers import GREET, RecordingDispatcher, post_yaml, start
from hypothesis import given
from hypothesis import strategies as st
from wfq_strategies import json_values, workflow_shaped_documents, yaml_like_text

from wfq.api.app import create_app
from wfq.persistence.db import Database
from wfq.persistence.migrate import upgrade
from wfq.services.context import Services
from wfq.settings import Settings

# hypothesis runs many examples per test, so the app lives as long as the module: examples may
# store workflows, which only makes later ones meet 409s as well.


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, Any]]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('api-properties') / 'wfq.sqlite'}"
    upgrade(url)
    services = Services(
        settings=Settings(database_url=url), db=Database(url), dispatcher=RecordingDispatcher()
    )
    client = create_app(services).test_client()
    assert post_yaml(client, GREET).status_code == 201
    execution = start(client, "greet", {"name": "x"}).get_json()
    yield client, execution
    services.db.dispose()


def _unharmed(client: Any, execution: dict[str, Any]) -> None:
    """The stored workflow and execution still answer as they did."""
    workflow = client.get("/v2/workflows/greet").get_json()
    assert workflow["definition"] == GREET
    now = client.get(f"/v2/executions/{execution['id']}").get_json()
    assert (now["state"], now["input"]) == (execution["state"], execution["input"])


definitions = st.one_of(
    yaml_like_text,
    workflow_shaped_documents.map(lambda d: yaml.safe_dump(d, allow_unicode=True)),
    json_values.map(json.dumps),
)
_DEFINITION_URLS = ["/v2/workflows", "/v2/workbooks", "/v2/actions"]


@given(definition=definitions, url=st.sampled_from(_DEFINITION_URLS), put=st.booleans())
def test_any_definition_is_stored_or_refused_in_mistrals_raw_shape(
    api: tuple[Any, dict[str, Any]], definition: str, url: str, put: bool
) -> None:
    client, execution = api
    send = client.put if put else client.post
    r = send(url, data=definition.encode("utf-8", "surrogatepass"), content_type="text/plain")
    assert r.status_code in ({200, 400, 404} if put else {201, 400, 409}), r.get_data(as_text=True)
    if r.status_code >= 400:
        assert r.headers["Content-Type"].startswith("application/json")
        body = r.get_json()
        assert isinstance(body["faultstring"], str) and body["faultstring"].strip()
        assert set(body) <= {"faultcode", "faultstring", "debuginfo"}
    _unharmed(client, execution)


@given(definition=definitions, url=st.sampled_from(_DEFINITION_URLS))
def test_validate_answers_a_verdict_for_any_definition(
    api: tuple[Any, dict[str, Any]], definition: str, url: str
) -> None:
    client, _ = api
    r = client.post(
        f"{url}/validate",
        data=definition.encode("utf-8", "surrogatepass"),
        content_type="text/plain",
    )
    assert r.status_code == 200, r.get_data(as_text=True)
    verdict = r.get_json()
    assert isinstance(verdict["valid"], bool)
    assert verdict["valid"] == (verdict.get("error") is None)


execution_fields = st.fixed_dictionaries(
    {},
    optional={
        "workflow_name": st.one_of(st.just("greet"), json_values),
        "workflow_id": json_values,
        "workflow_namespace": json_values,
        "input": st.one_of(json_values, json_values.map(json.dumps), st.text(max_size=20)),
        "params": st.one_of(json_values, json_values.map(json.dumps)),
        "description": json_values,
        "id": json_values,
        "bogus": json_values,
    },
)


@given(body=st.one_of(execution_fields, json_values))
def test_any_execution_request_starts_or_is_refused_in_the_wsme_shape(
    api: tuple[Any, dict[str, Any]], body: Any
) -> None:
    client, execution = api
    r = client.post("/v2/executions", json=body)
    assert r.status_code in {201, 400, 404, 409}, r.get_data(as_text=True)
    if r.status_code >= 400:
        fault = r.get_json()
        assert set(fault) == {"faultcode", "faultstring", "debuginfo"}, fault
        assert fault["faultcode"] == "Client" and fault["faultstring"].strip()
    _unharmed(client, execution)
