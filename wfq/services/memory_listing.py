"""Mistral's list conventions (filters, sort keys/dirs, marker, limit) over views held in memory,
for lists that are not one table: the actions list joins the registry's system actions with the
stored ad-hoc actions."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from wfq.errors import InvalidRequest
from wfq.persistence.listing import ListQuery

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "neq": lambda a, b: a != b,
    "gt": lambda a, b: _key(a) > _key(b),
    "gte": lambda a, b: _key(a) >= _key(b),
    "lt": lambda a, b: _key(a) < _key(b),
    "lte": lambda a, b: _key(a) <= _key(b),
    "in": lambda a, b: a in b,
    "nin": lambda a, b: a not in b,
    "has": lambda a, b: isinstance(a, str) and str(b) in a,
    "null": lambda a, b: a is None,
}


def _key(value: Any) -> tuple[int, Any]:
    """A sort key under which None and "" come first and mixed types never compare."""
    if value is None or value == "":
        return (0, "")
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, (int, float)):
        return (2, value)
    if isinstance(value, dt.datetime):
        return (3, value.isoformat())
    return (4, str(value))


def list_views(views: list[dict[str, Any]], query: ListQuery) -> list[dict[str, Any]]:
    """The views matching `query`'s filters, in its sort order, after its marker, cut at its limit.

    Raises InvalidRequest for an unknown operator or a marker that is not among the views.
    """
    rows = views
    for name, (op, value) in query.filters.items():
        if op not in _OPS:
            raise InvalidRequest(f"Unknown filter operator '{op}'")
        rows = [v for v in rows if _OPS[op](v.get(name), value)]
    keys = list(query.sort_keys) or ["created_at"]
    dirs = list(query.sort_dirs)[: len(keys)]
    dirs += [dirs[-1] if dirs else "asc"] * (len(keys) - len(dirs))
    if "id" not in keys:
        keys.append("id")
        dirs.append(dirs[-1])
    order = list(zip(keys, dirs, strict=True))

    def compare(a: dict[str, Any], b: dict[str, Any]) -> int:
        for name, direction in order:
            ka, kb = _key(a.get(name)), _key(b.get(name))
            if ka != kb:
                sign = -1 if ka < kb else 1
                return -sign if direction == "desc" else sign
        return 0

    rows = sorted(rows, key=functools.cmp_to_key(compare))
    if query.marker:
        ids = [v.get("id") for v in rows]
        if query.marker not in ids:
            raise InvalidRequest(f"Marker '{query.marker}' does not exist")
        rows = rows[ids.index(query.marker) + 1 :]
    return rows[: query.limit] if query.limit else rows
