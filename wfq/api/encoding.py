"""Service views (native Python values) -> Mistral's JSON: timestamps as "YYYY-MM-DD HH:MM:SS",
JSON-encoded string fields, the fields each response kind carries, `fields=` projection."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any

import flask

from wfq.api.shapes import (  # re-exported: resources import the shapes from here
    ACTION,
    ACTION_EXECUTION,
    BOOLEAN_FIELDS,
    CODE_SOURCE,
    CRON_TRIGGER,
    DATETIME_FIELDS,
    DYNAMIC_ACTION,
    ENVIRONMENT,
    EVENT_TRIGGER,
    EXECUTION,
    INTEGER_FIELDS,
    MEMBER,
    TASK,
    WORKBOOK,
    WORKFLOW,
    Shape,
)

__all__ = [
    "ACTION",
    "ACTION_EXECUTION",
    "BOOLEAN_FIELDS",
    "CODE_SOURCE",
    "CRON_TRIGGER",
    "DATETIME_FIELDS",
    "DYNAMIC_ACTION",
    "ENVIRONMENT",
    "EVENT_TRIGGER",
    "EXECUTION",
    "INTEGER_FIELDS",
    "MEMBER",
    "TASK",
    "WORKBOOK",
    "WORKFLOW",
    "TIMESTAMP_FORMAT",
    "Shape",
    "empty_response",
    "encode",
    "json_response",
    "json_text",
    "list_body",
    "timestamp",
]

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"


def timestamp(value: dt.datetime | None) -> str | None:
    """Mistral's timestamp text (UTC, no zone, no fraction); None stays None."""
    return None if value is None else value.strftime(TIMESTAMP_FORMAT)


def json_text(value: Any) -> str | None:
    """A JSON-encoded string field (None stays null, as Mistral's `to_json_str`)."""
    if value is None:
        return None
    return json.dumps(value, default=_fallback)


def _fallback(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return timestamp(value)
    return str(value)


def encode(
    shape: Shape,
    view: Mapping[str, Any],
    *,
    omit: Iterable[str] = (),
    json_fields: Iterable[str] | None = None,
    only: Iterable[str] | None = None,
) -> dict[str, Any]:
    """One resource as Mistral shows it.

    Args:
        shape: the resource's Shape.
        view: the service view (native values).
        omit: fields to leave out (e.g. the list-only omissions).
        json_fields: fields sent as JSON strings (default: the shape's).
        only: a `fields=` projection; the shape's `always` fields are kept too.
    """
    skip = set(omit)
    as_json = shape.json_fields if json_fields is None else frozenset(json_fields)
    keep = None if only is None else set(only) | set(shape.always)
    out: dict[str, Any] = {}
    for name in shape.fields:
        if name in skip or (keep is not None and name not in keep) or name not in view:
            continue
        value = view[name]
        if name in as_json:
            out[name] = json_text(value)
        elif isinstance(value, dt.datetime):
            out[name] = timestamp(value)
        else:
            out[name] = value
    return out


def list_body(
    shape: Shape,
    views: list[dict[str, Any]],
    *,
    only: Iterable[str] | None,
    next_url: str | None,
    omit: Iterable[str] | None = None,
) -> dict[str, Any]:
    """`{"<plural>": [...], "next": url}`; `next` only when a page was full.

    Big fields are left out (`omit`, by default the shape's `list_omits`) unless a `fields=`
    projection asks for them.
    """
    if only is not None:
        omit = ()
    elif omit is None:
        omit = shape.list_omits
    only_list = None if only is None else list(only)
    body: dict[str, Any] = {
        shape.plural: [encode(shape, v, omit=omit, only=only_list) for v in views]
    }
    if next_url:
        body["next"] = next_url
    return body


def json_response(body: Any, status: int = 200, *, raw: bool = False) -> flask.Response:
    """A JSON response; `raw` gives the raw-text controllers' `;charset=utf-8` content type."""
    resp = flask.Response(json.dumps(body), status=status)
    resp.headers["Content-Type"] = "application/json;charset=utf-8" if raw else "application/json"
    return resp


def empty_response(status: int = 204) -> flask.Response:
    """A body-less answer (DELETE): no Content-Type, as Mistral."""
    resp = flask.Response(status=status)
    del resp.headers["Content-Type"]
    return resp
