"""Integration fixtures: the API in this process, actions on a real Celery worker subprocess,
state in a real PostgreSQL database, messages through a real Redis broker."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from web_browser import browser, live_url, page  # noqa: F401  (fixtures of the web page tests)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def services(integration_settings: Any, celery_worker: Any) -> Iterator[Any]:
    from wfq.cli.bootstrap import build

    proc = build(integration_settings, migrate=False, embedded_worker=False)
    yield proc.services
    proc.close()


@pytest.fixture(scope="session")
def client(services: Any) -> Any:
    from wfq.api.app import create_app

    return create_app(services).test_client()


class Api:
    """Small helper over the Flask test client speaking the v2 API."""

    def __init__(self, client: Any) -> None:
        self.c = client

    def create_workflow(self, text: str) -> list[dict[str, Any]]:
        r = self.c.post("/v2/workflows", data=text, content_type="text/plain")
        assert r.status_code == 201, r.get_json()
        return r.get_json()["workflows"]

    def start(
        self, name: str, wf_input: dict[str, Any] | None = None, **params: Any
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"workflow_name": name, "input": json.dumps(wf_input or {})}
        if params:
            body["params"] = json.dumps(params)
        r = self.c.post("/v2/executions", json=body)
        assert r.status_code == 201, r.get_json()
        return r.get_json()

    def execution(self, ex_id: str) -> dict[str, Any]:
        r = self.c.get(f"/v2/executions/{ex_id}")
        assert r.status_code == 200, r.get_json()
        return r.get_json()

    def wait(self, ex_id: str, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ex = self.execution(ex_id)
            if ex["state"] in ("SUCCESS", "ERROR", "CANCELLED", "REVERTED"):
                return ex
            time.sleep(0.05)
        raise AssertionError(f"execution {ex_id} not finished: {self.execution(ex_id)}")

    def tasks(self, ex_id: str) -> dict[str, dict[str, Any]]:
        r = self.c.get(f"/v2/tasks?workflow_execution_id={ex_id}")
        assert r.status_code == 200, r.get_json()
        return {t["name"]: t for t in r.get_json()["tasks"]}

    def run(
        self, text: str, wf_input: dict[str, Any] | None = None, **params: Any
    ) -> dict[str, Any]:
        name = self.create_workflow(text)[0]["name"]
        return self.wait(self.start(name, wf_input, **params)["id"])


@pytest.fixture(scope="session")
def api(client: Any) -> Api:
    return Api(client)
