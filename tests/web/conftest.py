"""Fixtures of the web page, graph and metrics tests: Services on a temporary SQLite file whose
work runs inline (`drain()`), and the Flask test client of `create_app(services)`."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from wfq_testing import inline_services

from wfq.api.app import create_app
from wfq.services.context import Services

PROJECT = "<default-project>"


@pytest.fixture
def make_services(sqlite_url: str) -> Iterator[Callable[..., Services]]:
    """Inline Services over the test's SQLite database, with some settings changed."""
    made: list[Services] = []

    def make(**settings: Any) -> Services:
        svc = inline_services(sqlite_url, **settings)
        made.append(svc)
        return svc

    yield make
    for svc in made:
        svc.db.dispose()


@pytest.fixture
def services(make_services: Callable[..., Services]) -> Services:
    return make_services()


@pytest.fixture
def client(services: Services) -> Any:
    app = create_app(services)
    app.config["TESTING"] = True
    return app.test_client()


@pytest.fixture
def run(client: Any, services: Services) -> Callable[..., dict[str, Any]]:
    """Create the workflows of a YAML text (once), start the first, run it to its end."""
    created: dict[str, str] = {}

    def go(text: str, wf_input: dict[str, Any] | None = None) -> dict[str, Any]:
        if text not in created:
            r = client.post("/v2/workflows", data=text, content_type="text/plain")
            assert r.status_code == 201, r.get_json()
            created[text] = r.get_json()["workflows"][0]["name"]
        body = {"workflow_name": created[text], "input": json.dumps(wf_input or {})}
        r = client.post("/v2/executions", json=body)
        assert r.status_code == 201, r.get_json()
        services.dispatcher.drain()
        return client.get(f"/v2/executions/{r.get_json()['id']}").get_json()

    return go
