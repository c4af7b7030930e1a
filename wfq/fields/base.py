"""What a field description says (`Field`), a resource as its fields (`Resource`), and the view
of a row that a description gives (`view`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

JSON_TEXT = "a JSON-encoded string"
TIMESTAMP_TEXT = "UTC timestamp, 'YYYY-MM-DD HH:MM:SS'"


class Kind(StrEnum):
    """The JSON type of a field as a client receives it."""

    STRING = "string"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    TIMESTAMP = "timestamp"
    """A datetime of the row, sent as TIMESTAMP_TEXT."""
    STRINGS = "strings"
    """A list of strings."""
    ANY = "any"
    """Any JSON value."""
    OBJECT = "object"
    """An object documented by a model of its own (a task's `progress`)."""


SCALARS = frozenset({Kind.STRING, Kind.INTEGER, Kind.BOOLEAN, Kind.TIMESTAMP})
"""The kinds a list may filter and sort on."""


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a resource.

    `name` is its API name (Mistral's). The value comes from the row attribute `attr`
    (default: `name`), from `compute(row)` (a named function), or, when `added`, from the
    caller of `view` or from the service after the view is built (a join, a second query).
    `json` fields are sent as JSON-encoded strings (Mistral's `to_json_str`); `listed=False`
    leaves a big field out of lists unless `fields=` asks for it; `shown=False` keeps a field
    in the view and the filters but out of every response; `always` fields are kept by every
    `fields=` projection. `filter` says whether a list may filter and sort on the field; by
    default a scalar row column that is no JSON string may.
    """

    name: str
    kind: Kind = Kind.STRING
    doc: str = ""
    nullable: bool = False
    json: bool = False
    attr: str = ""
    compute: Callable[[Any], Any] | None = None
    added: bool = False
    listed: bool = True
    shown: bool = True
    always: bool = False
    filter: bool | None = None

    @property
    def column(self) -> str | None:
        """The row attribute the value comes from (None: computed)."""
        return None if self.compute is not None else self.attr or self.name

    @property
    def filterable(self) -> bool:
        """Whether a list may filter and sort on this field."""
        if self.filter is not None:
            return self.filter
        return self.compute is None and not self.added and self.kind in SCALARS and not self.json

    def read(self, row: Any) -> Any:
        """The field's native value for `row` (an ORM instance or a plain Row)."""
        if self.compute is not None:
            return self.compute(row)
        return getattr(row, self.attr or self.name)


@dataclass(frozen=True, slots=True)
class Resource:
    """A Mistral resource: its fields in Mistral's order, and the row columns it never shows.

    `internal` lists the columns of its table that are no field (a test checks that every
    column is one or the other); `filters=False` for a resource whose lists take no filters.
    """

    name: str
    plural: str
    fields: tuple[Field, ...]
    internal: tuple[str, ...] = ()
    filters: bool = True

    def field(self, name: str) -> Field:
        """The field called `name` (KeyError when there is none)."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def shown(self) -> tuple[Field, ...]:
        """The fields responses carry, in Mistral's order."""
        return tuple(f for f in self.fields if f.shown)

    @property
    def filterable(self) -> frozenset[str]:
        """The fields a list may filter and sort on."""
        if not self.filters:
            return frozenset()
        return frozenset(f.name for f in self.fields if f.filterable)


def view(resource: Resource, row: Any, **added: Any) -> dict[str, Any]:
    """`row` as a plain dict with the resource's field names and native values.

    Args:
        resource: the description.
        row: an ORM instance or a Row with the resource's columns as attributes.
        added: values of `added` fields known now; the other added fields are left out.
    """
    out: dict[str, Any] = {}
    for f in resource.fields:
        if f.added:
            if f.name in added:
                out[f.name] = added[f.name]
        else:
            out[f.name] = f.read(row)
    return out


def tags_or_empty(row: Any) -> list[Any]:
    """The row's tags; a row stored without any shows `[]`."""
    return row.tags or []


def updated_or_created(row: Any) -> Any:
    """An execution's `updated_at`: its creation time until it is first updated (Mistral)."""
    return row.updated_at or row.created_at


def string(name: str, doc: str = "", **options: Any) -> Field:
    """A string field."""
    return Field(name, Kind.STRING, doc, **options)


def nullable(name: str, doc: str = "", **options: Any) -> Field:
    """A string field that may be null."""
    return Field(name, Kind.STRING, doc, nullable=True, **options)


def json_text(name: str, doc: str = JSON_TEXT, **options: Any) -> Field:
    """A field sent as a JSON-encoded string."""
    return Field(name, Kind.STRING, doc, json=True, **options)


def tags(doc: str = "", *, nullable: bool = False) -> Field:
    """Mistral's `tags`: a list of strings, `[]` when the row has none (`nullable`: as the
    OpenAPI document says, for the views not made from a row)."""
    return Field("tags", Kind.STRINGS, doc, nullable=nullable, compute=tags_or_empty)


def stamps(*, of_run: bool = False) -> tuple[Field, Field]:
    """`created_at` and `updated_at`; `of_run`: an execution's `updated_at` falls back to its
    creation time, as Mistral's."""
    doc = TIMESTAMP_TEXT + "; null until updated"
    run: dict[str, Any] = {"compute": updated_or_created, "filter": True} if of_run else {}
    updated = Field("updated_at", Kind.TIMESTAMP, doc, nullable=True, **run)
    return Field("created_at", Kind.TIMESTAMP, TIMESTAMP_TEXT), updated
