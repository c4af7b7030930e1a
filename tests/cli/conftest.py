"""Fixtures of the CLI tests: the API served by a real HTTP server (werkzeug, in a thread) over
SQLite Services whose work runs inline, and a runner of `wfq ...` command lines."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from click.testing import CliRunner, Result
from werkzeug.serving import WSGIRequestHandler, make_server
from wfq_testing import inline_services

from wfq.api.app import create_app
from wfq.cli.main import main
from wfq.services.context import Services

PROJECT = "<default-project>"


class QuietHandler(WSGIRequestHandler):
    """No access log (the CLI under test owns stderr)."""

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        pass


class LiveServer:
    """`app` on a free loopback port, served by threads until close()."""

    def __init__(self, app: Any) -> None:
        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, name="wfq-test-api", daemon=True
        )
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture(autouse=True)
def keep_logging() -> Iterator[None]:
    """`wfq` configures the root logger; put it back after each test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def make_server_for(sqlite_url: str) -> Iterator[Callable[..., tuple[Services, LiveServer]]]:
    made: list[tuple[Services, LiveServer]] = []

    def make(**settings: Any) -> tuple[Services, LiveServer]:
        svc = inline_services(sqlite_url, **settings)
        live = LiveServer(create_app(svc))
        made.append((svc, live))
        return svc, live

    yield make
    for svc, live in made:
        live.close()
        svc.db.dispose()


@pytest.fixture
def served(
    make_server_for: Callable[..., tuple[Services, LiveServer]],
) -> tuple[Services, LiveServer]:
    return make_server_for()


@pytest.fixture
def services(served: tuple[Services, LiveServer]) -> Services:
    return served[0]


@pytest.fixture
def wfq(served: tuple[Services, LiveServer]) -> Callable[..., Result]:
    """Run `wfq <args> --url <the live server>`; returns click's Result."""
    url = served[1].url

    def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
        runner = CliRunner()
        return runner.invoke(main, [*args, "--url", url], env=env, catch_exceptions=False)

    return invoke


@pytest.fixture
def start(services: Services) -> Callable[..., str]:
    """Create the workflows of a YAML text (once) and start the first; with `drain`, run it to
    its end. Returns the execution id."""
    from wfq.services import definitions, executions

    created: dict[str, str] = {}

    def go(text: str, wf_input: dict[str, Any] | None = None, drain: bool = True) -> str:
        if text not in created:
            created[text] = definitions.create_workflows(services, text, project_id=PROJECT)[0][
                "name"
            ]
        ex_id = executions.start_execution(
            services, created[text], project_id=PROJECT, wf_input=dict(wf_input or {})
        )
        if drain:
            services.dispatcher.drain()
        return ex_id

    return go
