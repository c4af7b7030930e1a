"""Mistral's list query parameters -> `ListQuery`, and the `next` link of a full page.

`marker`, `limit`, `sort_keys`, `sort_dirs` and `fields` are list controls; every other query
argument filters on the field of that name. A filter value may carry an operator prefix:
`eq:` (the default), `neq:`, `in:a,b`, `nin:a,b`, `gt:`, `gte:`, `lt:`, `lte:`, `has:`.
`nulls=a,b` (as Mistral) keeps the rows whose fields `a` and `b` are null, e.g. the top-level
executions: `GET /v2/executions?nulls=task_execution_id`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from wfq.api.encoding import (
    BOOLEAN_FIELDS,
    DATETIME_FIELDS,
    INTEGER_FIELDS,
    TIMESTAMP_FORMAT,
    Shape,
)
from wfq.errors import InvalidRequest
from wfq.services.listing import ListQuery

CONTROLS = ("marker", "limit", "sort_keys", "sort_dirs", "fields", "nulls")
OPERATORS = ("eq", "neq", "in", "nin", "gt", "gte", "lt", "lte", "has")
LIST_OPERATORS = ("in", "nin")
MAX_LIMIT = 10_000
"""Largest page one request may ask for."""


@dataclass(frozen=True, slots=True)
class ListRequest:
    """A parsed list request: the query for the service, the `fields=` projection, and the
    normalised arguments the `next` link repeats."""

    query: ListQuery
    fields: tuple[str, ...] | None
    raw_filters: tuple[tuple[str, str], ...]


def parse(
    shape: Shape, args: Mapping[str, str], forced: Mapping[str, str] | None = None
) -> ListRequest:
    """Read list parameters for `shape`; unknown fields, operators or bad values raise 400.

    Args:
        shape: the resource listed.
        args: the query arguments (one value per name).
        forced: filters set by the URL itself (`/v2/executions/<id>/tasks`), which win.
    """
    filters: dict[str, tuple[str, Any]] = {}
    raw: dict[str, str] = {}
    merged = {k: v for k, v in args.items() if k not in CONTROLS}
    merged.update(forced or {})
    for name, text in merged.items():
        if name not in shape.filterable:
            raise InvalidRequest(f"Unknown field '{name}' for {shape.plural}")
        op, value = _split(text)
        filters[name] = (op, _convert_all(name, op, value))
        raw[name] = f"{op}:{value}"
    nulls = _names(shape, args.get("nulls"), "field", allowed=shape.filterable)
    for name in nulls:
        filters[name] = ("null", None)
    keys = _names(shape, args.get("sort_keys"), "sort key") or ("created_at", "id")
    dirs = tuple(d.strip().lower() for d in (args.get("sort_dirs") or "").split(",") if d.strip())
    for d in dirs:
        if d not in ("asc", "desc"):
            raise InvalidRequest(f"Unknown sort direction '{d}', expected 'asc' or 'desc'")
    if len(dirs) > len(keys):
        raise InvalidRequest("The number of sort_dirs must not exceed the number of sort_keys")
    query = ListQuery(
        filters=filters,
        marker=args.get("marker") or None,
        limit=_limit(args.get("limit")),
        sort_keys=keys,
        sort_dirs=dirs or ("asc",) * len(keys),
    )
    fields = _names(shape, args.get("fields"), "field", allowed=shape.fields) or None
    return ListRequest(query=query, fields=fields, raw_filters=tuple(raw.items()))


def next_url(
    base_url: str, shape: Shape, req: ListRequest, views: list[dict[str, Any]]
) -> str | None:
    """Mistral's `next`: the URL of the page after `views`, when `limit` was hit; absolute
    when `base_url` is (the `public_url` setting), else a path from the server's root."""
    limit = req.query.limit
    if not limit or len(views) < limit:
        return None
    q = req.query
    parts = [
        ("sort_keys", ",".join(q.sort_keys)),
        ("sort_dirs", ",".join(q.sort_dirs)),
    ]
    if req.fields:
        parts.append(("fields", ",".join(req.fields)))
    parts.extend(req.raw_filters)
    nulls = [name for name, (op, _) in q.filters.items() if op == "null"]
    if nulls:
        parts.append(("nulls", ",".join(nulls)))
    parts += [("limit", str(limit)), ("marker", str(views[-1]["id"]))]
    args = "&".join(f"{k}={quote(v, safe=',:')}" for k, v in parts)
    return f"{base_url.rstrip('/')}/v2/{shape.plural}?{args}"


def _split(text: str) -> tuple[str, str]:
    op, sep, rest = text.partition(":")
    if sep and op in OPERATORS:
        return op, rest
    return "eq", text


def _convert_all(name: str, op: str, value: str) -> Any:
    if op in LIST_OPERATORS:
        return [_convert(name, v) for v in value.split(",")]
    if op == "has" and name in DATETIME_FIELDS | BOOLEAN_FIELDS | INTEGER_FIELDS:
        raise InvalidRequest(f"Operator 'has' does not apply to field '{name}'")
    return _convert(name, value)


def _convert(name: str, value: str) -> Any:
    if name in DATETIME_FIELDS:
        for fmt in (TIMESTAMP_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
            try:
                return dt.datetime.strptime(value, fmt)
            except ValueError:
                continue
        raise InvalidRequest(
            f"Invalid value for field '{name}': '{value}' (expected YYYY-MM-DD HH:MM:SS)"
        )
    if name in BOOLEAN_FIELDS:
        lowered = value.lower()
        if lowered not in ("true", "false"):
            raise InvalidRequest(
                f"Invalid value for field '{name}': '{value}' (expected true or false)"
            )
        return lowered == "true"
    if name in INTEGER_FIELDS:
        try:
            return int(value)
        except ValueError:
            raise InvalidRequest(
                f"Invalid value for field '{name}': '{value}' (expected an integer)"
            ) from None
    return value


def _names(
    shape: Shape, text: str | None, what: str, allowed: Iterable[str] | None = None
) -> tuple[str, ...]:
    names = tuple(n.strip() for n in (text or "").split(",") if n.strip())
    known = set(shape.filterable if allowed is None else allowed)
    for n in names:
        if n not in known:
            raise InvalidRequest(f"Unknown {what} '{n}' for {shape.plural}")
    return names


def _limit(text: str | None) -> int | None:
    if text is None or text == "":
        return None
    try:
        limit = int(text)
    except ValueError:
        raise InvalidRequest(f"Limit must be an integer, not '{text}'") from None
    if limit < 1 or limit > MAX_LIMIT:
        raise InvalidRequest(f"Limit must be between 1 and {MAX_LIMIT}, not {limit}")
    return limit
