"""The error table, body size limits, and unexpected exceptions (500, logged, no details)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from api_helpers import GREET, fault, post_yaml, raw_fault, start

from wfq import errors
from wfq.api.errors import STATUS, status_of


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (errors.NotFound("x"), 404),
        (errors.Conflict("x"), 409),
        (errors.DSLParseError("x"), 400),
        (errors.DSLValidationError([errors.Issue("a", "b")]), 400),
        (errors.ExpressionError("<% x %>", "bad"), 400),
        (errors.InvalidInput("x"), 400),
        (errors.InvalidRequest("x"), 400),
        (errors.SizeLimitExceeded("x"), 400),
        (errors.Unauthorized("x"), 401),
        (errors.Forbidden("x"), 403),
        (errors.Unavailable("x"), 503),
        (RuntimeError("x"), 500),
    ],
)
def test_status_table(exc: Exception, status: int) -> None:
    assert status_of(exc) == status


def test_every_wfq_error_class_has_a_status() -> None:
    def subclasses(cls: type) -> set[type]:
        return {cls} | {s for c in cls.__subclasses__() for s in subclasses(c)}

    for cls in subclasses(errors.WfqError):
        assert status_of(cls.__new__(cls)) < 500 or cls is errors.Unavailable, cls
    assert errors.WfqError in STATUS


def test_a_database_outage_answers_503_in_mistral_shape() -> None:
    from api_helpers import RecordingDispatcher

    from wfq.api.app import create_app
    from wfq.persistence.db import Database
    from wfq.services.context import Services
    from wfq.settings import Settings

    # Nothing listens on port 1: every connection is refused, as while PostgreSQL restarts.
    url = "postgresql+psycopg://postgres@127.0.0.1:1/wfq"
    svc = Services(
        settings=Settings(database_url=url),
        db=Database(url, outage_s=0.3),
        dispatcher=RecordingDispatcher(),
    )
    client = create_app(svc).test_client()
    for r in (
        client.get("/v2/executions"),
        client.post("/v2/executions", json={"workflow_name": "wf"}),
    ):
        assert r.status_code == 503
        assert r.headers["Retry-After"] == "5"
        body = r.get_json()
        assert body["faultcode"] == "Server"
        assert body["faultstring"].startswith("The database is unavailable, try again later")
    svc.db.dispose()


@pytest.fixture
def small_client(make_services: Callable[..., Any]) -> Any:
    from wfq.api.app import create_app

    app = create_app(make_services(definition_size_limit_kb=1, field_size_limit_kb=1))
    app.config["TESTING"] = True
    return app.test_client()


def test_too_large_bodies_are_413(small_client: Any) -> None:
    huge = "x" * (70 * 1024)
    assert "larger than the limit" in raw_fault(post_yaml(small_client, huge), 413)
    r = small_client.post("/v2/executions", data=huge, content_type="application/json")
    assert "larger than the limit" in fault(r, 413)


def test_over_limit_definition_and_input_are_400(small_client: Any) -> None:
    big_yaml = GREET + "# " + "x" * 2048 + "\n"
    assert "larger than the limit" in raw_fault(post_yaml(small_client, big_yaml), 400)
    assert post_yaml(small_client, GREET).status_code == 201
    msg = fault(start(small_client, "greet", {"name": "x" * 2048}), 400)
    assert msg.startswith("Field size limit exceeded [class=WorkflowExecution, field=input")


def test_unexpected_error_is_a_logged_generic_500(
    client: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from wfq.services import definitions, queries

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(queries, "get", boom)
    monkeypatch.setattr(definitions, "create_workflows", boom)
    with caplog.at_level("ERROR"):
        msg = fault(client.get("/v2/executions/x"), 500)
        raw = raw_fault(post_yaml(client, GREET), 500)
    assert "secret" not in msg and "secret" not in raw
    assert "Internal server error" in msg
    assert caplog.text.count("secret detail") >= 2  # both tracebacks were logged


def test_nul_characters_are_400(client: Any, greet: dict[str, Any]) -> None:
    fault(client.get("/v2/workflows/a%00b"), 400)
    fault(client.get("/v2/executions?workflow_name=a%00b"), 400)
    r = client.post("/v2/executions", json={"workflow_name": "greet", "input": {"name": "a\x00"}})
    assert "NUL" in fault(r, 400)
    r = client.post(
        "/v2/executions", json={"workflow_name": "greet", "input": '{"name": "\\u0000"}'}
    )
    fault(r, 400)
    assert post_yaml(client, "---\nversion: '2.0'\nwf\x00:\n  tasks: {}\n").status_code == 400


def test_deeply_nested_json_is_400_not_500(client: Any, greet: dict[str, Any]) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    r = client.post("/v2/executions", data=deep, content_type="application/json")
    assert fault(r, 400) == "Request is not in valid JSON format"
    fault(client.post("/v2/executions", json={"workflow_name": "greet", "input": deep}), 400)
