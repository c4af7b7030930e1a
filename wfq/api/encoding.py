"""Service views (native Python values) -> Mistral's JSON: timestamps as "YYYY-MM-DD HH:MM:SS",
JSON-encoded string fields, the fields each response kind carries, `fields=` projection."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import flask

TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True, slots=True)
class Shape:
    """How one resource is shown.

    `fields` is the full single-GET field list, in Mistral's order; `json_fields` are sent as
    JSON-encoded strings; `list_omits` are the big fields list responses leave out;
    `filterable` are the fields a list may filter and sort on (scalar columns).
    """

    plural: str
    fields: tuple[str, ...]
    json_fields: frozenset[str]
    list_omits: frozenset[str]
    filterable: frozenset[str]
    always: tuple[str, ...] = ("id",)


_STAMPS = ("created_at", "updated_at")

WORKFLOW = Shape(
    plural="workflows",
    fields=(
        "id",
        "name",
        "namespace",
        "input",
        "interface",
        "definition",
        "checksum",
        "tags",
        "scope",
        "project_id",
        "created_at",
        "updated_at",
    ),
    json_fields=frozenset({"interface"}),
    list_omits=frozenset(),
    filterable=frozenset(
        {"id", "name", "namespace", "scope", "project_id", "checksum", "definition", *_STAMPS}
    ),
    always=("id", "interface"),
)

EXECUTION = Shape(
    plural="executions",
    fields=(
        "id",
        "workflow_id",
        "workflow_name",
        "workflow_namespace",
        "description",
        "tags",
        "params",
        "task_execution_id",
        "root_execution_id",
        "state",
        "state_info",
        "input",
        "output",
        "published_global",
        "created_at",
        "updated_at",
        "project_id",
    ),
    json_fields=frozenset({"input", "output", "params", "published_global"}),
    list_omits=frozenset({"output", "published_global"}),
    filterable=frozenset(
        {
            "id",
            "workflow_id",
            "workflow_name",
            "workflow_namespace",
            "description",
            "state",
            "state_info",
            "task_execution_id",
            "root_execution_id",
            "project_id",
            *_STAMPS,
        }
    ),
)

TASK = Shape(
    plural="tasks",
    fields=(
        "id",
        "name",
        "type",
        "workflow_name",
        "workflow_namespace",
        "workflow_id",
        "workflow_execution_id",
        "tags",
        "state",
        "state_info",
        "project_id",
        "runtime_context",
        "published",
        "result",
        "processed",
        "created_at",
        "updated_at",
        "started_at",
        "finished_at",
    ),
    json_fields=frozenset({"published", "runtime_context", "result"}),
    list_omits=frozenset({"result"}),
    filterable=frozenset(
        {
            "id",
            "name",
            "type",
            "workflow_name",
            "workflow_namespace",
            "workflow_id",
            "workflow_execution_id",
            "state",
            "state_info",
            "project_id",
            "processed",
            "started_at",
            "finished_at",
            *_STAMPS,
        }
    ),
)

ACTION_EXECUTION = Shape(
    plural="action_executions",
    fields=(
        "id",
        "workflow_name",
        "workflow_namespace",
        "task_execution_id",
        "state",
        "state_info",
        "tags",
        "name",
        "description",
        "project_id",
        "accepted",
        "input",
        "output",
        "created_at",
        "updated_at",
    ),
    json_fields=frozenset({"input", "output"}),
    list_omits=frozenset({"output"}),
    filterable=frozenset(
        {
            "id",
            "name",
            "workflow_name",
            "workflow_namespace",
            "task_execution_id",
            "description",
            "state",
            "state_info",
            "project_id",
            "accepted",
            *_STAMPS,
        }
    ),
)

DATETIME_FIELDS = frozenset({"created_at", "updated_at", "started_at", "finished_at"})
BOOLEAN_FIELDS = frozenset({"processed", "accepted"})


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
