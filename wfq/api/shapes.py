"""How each Mistral resource is shown: its fields in Mistral's order, which of them are
JSON-encoded strings, what lists leave out, and what a list may filter and sort on.

Every shape is derived from the resource's description in `wfq.fields`.
"""

from __future__ import annotations

from dataclasses import dataclass

from wfq import fields as described
from wfq.fields import Kind


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


def of(resource: described.Resource) -> Shape:
    """The shape of a described resource."""
    shown = resource.shown
    return Shape(
        plural=resource.plural,
        fields=tuple(f.name for f in shown),
        json_fields=frozenset(f.name for f in shown if f.json),
        list_omits=frozenset(f.name for f in shown if not f.listed),
        filterable=resource.filterable,
        always=("id", *(f.name for f in shown if f.always and f.name != "id")),
    )


WORKFLOW = of(described.WORKFLOW)
EXECUTION = of(described.EXECUTION)
TASK = of(described.TASK)
ACTION_EXECUTION = of(described.ACTION_EXECUTION)
WORKBOOK = of(described.WORKBOOK)
ACTION = of(described.ACTION)
ENVIRONMENT = of(described.ENVIRONMENT)
CRON_TRIGGER = of(described.CRON_TRIGGER)
MEMBER = of(described.MEMBER)
EVENT_TRIGGER = of(described.EVENT_TRIGGER)
CODE_SOURCE = of(described.CODE_SOURCE)
DYNAMIC_ACTION = of(described.DYNAMIC_ACTION)


def _filterable(kind: Kind) -> frozenset[str]:
    return frozenset(
        f.name
        for resource in described.ALL
        for f in resource.fields
        if f.kind is kind and f.name in resource.filterable
    )


DATETIME_FIELDS = _filterable(Kind.TIMESTAMP)
"""Filter values of these fields are parsed as timestamps."""
BOOLEAN_FIELDS = _filterable(Kind.BOOLEAN)
"""Filter values of these fields are true or false."""
INTEGER_FIELDS = _filterable(Kind.INTEGER)
"""Filter values of these fields are integers."""
