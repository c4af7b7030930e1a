"""Odd requests never answer 500: each is served or refused with a Mistral-shaped error."""

from __future__ import annotations

from typing import Any

import pytest

ODD = [
    ("post", "/v2/executions", {"json": {"workflow_name": "greet", "input": 5}}),
    ("post", "/v2/executions", {"json": {"workflow_name": "greet", "input": "null"}}),
    ("post", "/v2/executions", {"json": {"workflow_name": "greet", "input": ""}}),
    ("post", "/v2/executions", {"json": {"workflow_name": "greet", "params": "nope"}}),
    ("post", "/v2/executions", {"json": {"workflow_name": "greet", "params": {"env": 5}}}),
    ("post", "/v2/executions", {"json": {"workflow_name": "greet", "params": {"env": "nope"}}}),
    ("post", "/v2/executions", {"json": {"workflow_name": "greet", "workflow_namespace": 3}}),
    (
        "post",
        "/v2/executions",
        {"json": {"workflow_name": "greet", "params": {"namespace": ["x"]}}},
    ),
    ("post", "/v2/executions", {"json": {"workflow_name": "g" * 1000}}),
    ("post", "/v2/executions", {"json": {"workflow_id": "../../etc"}}),
    ("post", "/v2/executions", {"json": None}),
    ("post", "/v2/executions", {"data": b"\xff\xfe", "content_type": "application/json"}),
    ("post", "/v2/executions", {"json": "a string"}),
    ("get", "/v2/executions?sort_keys=,,&sort_dirs=,", {}),
    ("get", "/v2/executions?state=in:", {}),
    ("get", "/v2/executions?created_at=gte:", {}),
    ("get", "/v2/executions?marker=&limit=", {}),
    ("get", "/v2/executions?fields=,", {}),
    ("get", "/v2/executions?tags=x", {}),
    ("get", "/v2/tasks?result=x", {}),
    ("get", "/v2/workflows?interface=x", {}),
    ("get", "/v2/workflows/" + "x" * 5000, {}),
    ("get", "/v2/workflows/%E2%82%AC", {}),
    ("post", "/v2/workflows", {"data": b"\xff\xfe\x00", "content_type": "text/plain"}),
    ("post", "/v2/workflows", {"data": "- a\n- b\n", "content_type": "text/plain"}),
    ("post", "/v2/workflows", {"data": "a: &a [*a]\n", "content_type": "text/plain"}),
    ("post", "/v2/workflows", {"data": "[" * 5000, "content_type": "text/plain"}),
    ("post", "/v2/workflows/validate", {"data": "[" * 5000, "content_type": "text/plain"}),
    ("put", "/v2/workflows", {"data": "", "content_type": "text/plain"}),
    ("put", "/v2/action_executions/x", {"json": [1]}),
    ("patch", "/v2/workflows", {}),
]


@pytest.mark.parametrize(("method", "url", "kwargs"), ODD)
def test_no_server_error(
    client: Any, greet: dict[str, Any], method: str, url: str, kwargs: dict[str, Any]
) -> None:
    r = getattr(client, method)(url, **kwargs)
    assert r.status_code < 500, (r.status_code, r.get_data(as_text=True))
    if r.status_code >= 400:
        assert "faultstring" in r.get_json()
