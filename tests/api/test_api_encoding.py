"""Unit tests of the encoding of views and of list-parameter parsing."""

from __future__ import annotations

import datetime as dt

import pytest

from wfq.api import encoding, listing
from wfq.errors import InvalidRequest

STAMP = dt.datetime(2026, 11, 23, 12, 48, 36, 123456)


def test_timestamp() -> None:
    assert encoding.timestamp(STAMP) == "2026-11-23 12:48:36"
    assert encoding.timestamp(None) is None


def test_json_text() -> None:
    assert encoding.json_text({"a": [1, "x"]}) == '{"a": [1, "x"]}'
    assert encoding.json_text([]) == "[]"
    assert encoding.json_text("hi") == '"hi"'
    assert encoding.json_text(None) is None
    assert encoding.json_text({"t": STAMP}) == '{"t": "2026-11-23 12:48:36"}'


def test_encode_execution() -> None:
    view = {name: None for name in encoding.EXECUTION.fields}
    view.update(
        id="e",
        input={"a": 1},
        output={},
        params={"env": {}},
        published_global={},
        created_at=STAMP,
        updated_at=STAMP,
        tags=[],
        extra="dropped",
    )
    full = encoding.encode(encoding.EXECUTION, view)
    assert list(full) == list(encoding.EXECUTION.fields)
    assert full["input"] == '{"a": 1}' and full["output"] == "{}"
    assert full["created_at"] == "2026-11-23 12:48:36"
    assert "extra" not in full
    listed = encoding.list_body(encoding.EXECUTION, [view], only=None, next_url=None)
    assert set(listed["executions"][0]) == set(full) - {"output", "published_global"}
    assert encoding.encode(encoding.EXECUTION, view, only=["input"]) == {
        "id": "e",
        "input": '{"a": 1}',
    }


def test_parse_defaults() -> None:
    req = listing.parse(encoding.TASK, {})
    assert req.query.filters == {}
    assert req.query.sort_keys == ("created_at", "id")
    assert req.query.sort_dirs == ("asc", "asc")
    assert req.query.limit is None and req.query.marker is None
    assert req.fields is None


def test_parse_filters_and_operators() -> None:
    req = listing.parse(
        encoding.TASK,
        {
            "name": "a:b",
            "state": "in:RUNNING,ERROR",
            "processed": "true",
            "created_at": "gt:2026-01-02 03:04:05",
            "workflow_name": "has:x",
        },
    )
    assert req.query.filters == {
        "name": ("eq", "a:b"),
        "state": ("in", ["RUNNING", "ERROR"]),
        "processed": ("eq", True),
        "created_at": ("gt", dt.datetime(2026, 1, 2, 3, 4, 5)),
        "workflow_name": ("has", "x"),
    }
    assert dict(req.raw_filters)["name"] == "eq:a:b"


def test_forced_filter_wins() -> None:
    req = listing.parse(
        encoding.TASK, {"workflow_execution_id": "x"}, forced={"workflow_execution_id": "eq:y"}
    )
    assert req.query.filters == {"workflow_execution_id": ("eq", "y")}


def test_next_url() -> None:
    req = listing.parse(encoding.EXECUTION, {"limit": "2", "workflow_name": "w x"})
    views = [{"id": "1"}, {"id": "2"}]
    url = listing.next_url("http://h:1/", encoding.EXECUTION, req, views)
    assert url == (
        "http://h:1/v2/executions?sort_keys=created_at,id&sort_dirs=asc,asc"
        "&workflow_name=eq:w%20x&limit=2&marker=2"
    )
    assert listing.next_url("http://h", encoding.EXECUTION, req, views[:1]) is None


@pytest.mark.parametrize(
    "args",
    [
        {"input": "x"},  # JSON column: not filterable
        {"limit": "1.5"},
        {"limit": "100000"},
        {"sort_dirs": "asc,asc,asc"},
    ],
)
def test_parse_rejects(args: dict[str, str]) -> None:
    with pytest.raises(InvalidRequest):
        listing.parse(encoding.EXECUTION, args)


def test_an_operator_name_without_colon_is_a_value() -> None:
    assert listing.parse(encoding.EXECUTION, {"state": "has"}).query.filters == {
        "state": ("eq", "has")
    }
