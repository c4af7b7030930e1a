"""List parameters: limit and the `next` link, marker, sort, `fields`, filters with operators,
and 400 for anything unknown or malformed."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from api_helpers import TRIO, fault, post_yaml, start


@pytest.fixture
def trio(client: Any) -> list[dict[str, Any]]:
    r = post_yaml(client, TRIO)
    assert r.status_code == 201
    return list(r.get_json()["workflows"])


def _names(r: Any) -> list[str]:
    assert r.status_code == 200, r.get_json()
    return [w["name"] for w in r.get_json()["workflows"]]


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_limit_gives_next_link_until_the_end(client: Any, trio: list[dict[str, Any]]) -> None:
    r = client.get("/v2/workflows?limit=2")
    body = r.get_json()
    assert [w["name"] for w in body["workflows"]] == ["wf_a", "wf_b"]
    nxt = body["next"]
    assert nxt.startswith("/v2/workflows?")  # never built from the client's Host header
    assert parse_qs(urlsplit(nxt).query) == {
        "sort_keys": ["created_at,id"],
        "sort_dirs": ["asc,asc"],
        "limit": ["2"],
        "marker": [trio[1]["id"]],
    }
    last = client.get(_path(nxt)).get_json()
    assert [w["name"] for w in last["workflows"]] == ["wf_c"]
    assert "next" not in last
    exact = client.get("/v2/workflows?limit=3").get_json()
    assert "next" in exact  # a full page always links on, as Mistral does
    assert client.get(_path(exact["next"])).get_json() == {"workflows": []}


def test_marker(client: Any, trio: list[dict[str, Any]]) -> None:
    assert _names(client.get(f"/v2/workflows?marker={trio[0]['id']}")) == ["wf_b", "wf_c"]
    assert "Marker" in fault(client.get("/v2/workflows?marker=nope"), 400)


def test_sort(client: Any, trio: list[dict[str, Any]]) -> None:
    assert _names(client.get("/v2/workflows?sort_keys=name&sort_dirs=desc")) == [
        "wf_c",
        "wf_b",
        "wf_a",
    ]
    assert _names(client.get("/v2/workflows?sort_keys=created_at,id&sort_dirs=desc,desc")) == [
        "wf_c",
        "wf_b",
        "wf_a",
    ]
    r = client.get("/v2/workflows?sort_keys=name&sort_dirs=desc&limit=2")
    assert _names(client.get(_path(r.get_json()["next"]))) == ["wf_a"]


def test_filters(client: Any, trio: list[dict[str, Any]]) -> None:
    assert _names(client.get("/v2/workflows?name=wf_b")) == ["wf_b"]
    assert _names(client.get("/v2/workflows?name=eq:wf_b")) == ["wf_b"]
    assert _names(client.get("/v2/workflows?name=neq:wf_b")) == ["wf_a", "wf_c"]
    assert _names(client.get("/v2/workflows?name=in:wf_a,wf_c")) == ["wf_a", "wf_c"]
    assert _names(client.get("/v2/workflows?name=nin:wf_a,wf_c")) == ["wf_b"]
    assert _names(client.get("/v2/workflows?name=has:_c")) == ["wf_c"]
    assert _names(client.get("/v2/workflows?name=gt:wf_a")) == ["wf_b", "wf_c"]
    assert _names(client.get("/v2/workflows?name=lte:wf_b")) == ["wf_a", "wf_b"]
    assert _names(client.get("/v2/workflows?scope=private&namespace=")) == ["wf_a", "wf_b", "wf_c"]
    assert _names(client.get("/v2/workflows?created_at=gte:2000-01-01 00:00:00")) == [
        "wf_a",
        "wf_b",
        "wf_c",
    ]
    assert _names(client.get("/v2/workflows?created_at=lt:2000-01-01")) == []


def test_next_link_carries_normalised_filters(client: Any, execution: dict[str, Any]) -> None:
    start(client, "greet", {"name": "y"})
    r = client.get("/v2/executions?workflow_name=greet&limit=1&fields=state")
    body = r.get_json()
    assert [set(e) for e in body["executions"]] == [{"id", "state"}]
    query = urlsplit(body["next"]).query
    assert "workflow_name=eq:greet" in query
    assert parse_qs(query)["fields"] == ["state"]
    rest = client.get(_path(body["next"])).get_json()["executions"]
    assert len(rest) == 1 and rest[0]["id"] != execution["id"]


def test_fields_projection(client: Any, trio: list[dict[str, Any]]) -> None:
    r = client.get("/v2/workflows?fields=name")
    assert [set(w) for w in r.get_json()["workflows"]] == [{"id", "name", "interface"}] * 3


def test_fields_may_ask_for_list_omitted_fields(client: Any, execution: dict[str, Any]) -> None:
    (ex,) = client.get("/v2/executions?fields=output,state").get_json()["executions"]
    assert ex == {"id": execution["id"], "output": "{}", "state": "RUNNING"}


@pytest.mark.parametrize(
    "query",
    [
        "bogus=1",
        "spec=x",
        "fields=bogus",
        "sort_keys=bogus",
        "sort_dirs=sideways",
        "sort_keys=name&sort_dirs=asc,desc",
        "limit=abc",
        "limit=0",
        "limit=-1",
        "created_at=yesterday",
        "created_at=has:2020",
    ],
)
def test_bad_list_parameters_are_400(client: Any, query: str) -> None:
    fault(client.get(f"/v2/workflows?{query}"), 400)


def test_boolean_filters(client: Any, execution: dict[str, Any]) -> None:
    r = client.get("/v2/tasks?processed=false")
    assert r.status_code == 200
    assert fault(client.get("/v2/tasks?processed=maybe"), 400)
    assert client.get("/v2/action_executions?accepted=in:true,false").status_code == 200
