"""Mistral's list conventions on any table: equality filters, marker, limit, sort keys/dirs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, defer

from wfq.errors import InvalidRequest


@dataclass(frozen=True, slots=True)
class ListQuery:
    """A list request. Filters are `{field: (op, value)}` with op one of eq, neq, in, nin, gt,
    gte, lt, lte, has (substring), null (the field is null; the value is ignored)."""

    filters: dict[str, tuple[str, Any]] = field(default_factory=dict)
    marker: str | None = None
    limit: int | None = None
    sort_keys: tuple[str, ...] = ("created_at", "id")
    sort_dirs: tuple[str, ...] = ("asc", "asc")


_OPS = {
    "eq": lambda c, v: c == v,
    "neq": lambda c, v: c != v,
    "gt": lambda c, v: c > v,
    "gte": lambda c, v: c >= v,
    "lt": lambda c, v: c < v,
    "lte": lambda c, v: c <= v,
    "in": lambda c, v: c.in_(v),
    "nin": lambda c, v: c.not_in(v),
    "has": lambda c, v: c.contains(v),
    "null": lambda c, v: c.is_(None),
}


ENGINE_ONLY = {
    "workflow_executions": ("spec", "context"),
    "task_executions": ("in_context",),
    "action_executions": ("runtime",),
}
"""Columns the engine keeps for itself and no resource shows: a list leaves them unread (the
copy of the workflow spec is the largest JSON of an execution, and polling clients list
executions many times a second). Read on access, like any deferred column."""


def column(model: Any, name: str) -> Any:
    col = getattr(model, name, None)
    if col is None or not hasattr(col, "property") or name.startswith("_"):
        raise InvalidRequest(f"Unknown field '{name}' for {model.__name__}")
    return col


def list_rows(session: Session, model: Any, query: ListQuery, *scope: Any) -> list[Any]:
    """Rows of `model` matching `query` and the extra `scope` conditions, in sort order."""
    hidden = ENGINE_ONLY.get(getattr(model, "__tablename__", ""), ())
    stmt = select(model).where(*scope).options(*(defer(getattr(model, c)) for c in hidden))
    for name, (op, value) in query.filters.items():
        if op not in _OPS:
            raise InvalidRequest(f"Unknown filter operator '{op}'")
        stmt = stmt.where(_OPS[op](column(model, name), value))
    keys = list(query.sort_keys) or ["created_at"]
    dirs = list(query.sort_dirs)[: len(keys)]
    dirs += [dirs[-1] if dirs else "asc"] * (len(keys) - len(dirs))
    if "id" not in keys:
        keys.append("id")
        dirs.append(dirs[-1])
    cols = [column(model, k) for k in keys]
    for d in dirs:
        if d not in ("asc", "desc"):
            raise InvalidRequest(f"Unknown sort direction '{d}'")
    if query.marker:
        marker = session.get(model, query.marker)
        if marker is None:
            raise InvalidRequest(f"Marker '{query.marker}' does not exist")
        stmt = stmt.where(_after_marker(cols, dirs, [getattr(marker, k) for k in keys]))
    order = [c.desc() if d == "desc" else c.asc() for c, d in zip(cols, dirs, strict=False)]
    stmt = stmt.order_by(*order)
    if query.limit:
        stmt = stmt.limit(query.limit)
    return list(session.scalars(stmt))


def _after_marker(cols: list[Any], dirs: list[str], values: list[Any]) -> Any:
    """Rows strictly after the marker row in the (cols, dirs) order (keyset pagination)."""
    clauses = []
    for i, (col, d) in enumerate(zip(cols, dirs, strict=False)):
        equal = [cols[j] == values[j] for j in range(i)]
        step = col < values[i] if d == "desc" else col > values[i]
        clauses.append(and_(*equal, step))
    return or_(*clauses)
