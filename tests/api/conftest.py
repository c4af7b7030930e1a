"""Fixtures of the API tests: Services on a temporary SQLite file, a dispatcher that only records
what it would send, and the Flask test client of `create_app(services)`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import flask
import pytest
from api_helpers import GREET, RecordingDispatcher, post_yaml, start

from wfq.api.app import create_app
from wfq.persistence.db import Database
from wfq.persistence.migrate import upgrade
from wfq.services.context import Services
from wfq.settings import Settings


@pytest.fixture
def make_services(tmp_path: Path) -> Iterator[Callable[..., Services]]:
    """Build Services over a fresh SQLite database, with some settings changed."""
    made: list[Services] = []

    def make(**changes: Any) -> Services:
        url = f"sqlite:///{tmp_path}/t{len(made)}.sqlite"
        settings = Settings(database_url=url).replace(**changes)
        upgrade(url)
        svc = Services(settings=settings, db=Database(url), dispatcher=RecordingDispatcher())
        made.append(svc)
        return svc

    yield make
    for svc in made:
        svc.db.dispose()


@pytest.fixture
def services(make_services: Callable[..., Services]) -> Services:
    return make_services()


@pytest.fixture
def dispatcher(services: Services) -> RecordingDispatcher:
    assert isinstance(services.dispatcher, RecordingDispatcher)
    return services.dispatcher


@pytest.fixture
def app(services: Services) -> flask.Flask:
    app = create_app(services)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app: flask.Flask) -> Any:
    return app.test_client()


@pytest.fixture
def greet(client: Any) -> dict[str, Any]:
    """The `greet` workflow, created."""
    r = post_yaml(client, GREET)
    assert r.status_code == 201, r.get_json()
    return r.get_json()["workflows"][0]


@pytest.fixture
def execution(client: Any, greet: dict[str, Any]) -> dict[str, Any]:
    """A started execution of `greet`."""
    r = start(client, "greet", {"name": "x"})
    assert r.status_code == 201, r.get_json()
    return r.get_json()
