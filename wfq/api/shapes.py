"""How each Mistral resource is shown: its fields in Mistral's order, which of them are
JSON-encoded strings, what lists leave out, and what a list may filter and sort on."""

from __future__ import annotations

from dataclasses import dataclass

from wfq import fields as described


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

EXECUTION = of(described.EXECUTION)
TASK = of(described.TASK)
ACTION_EXECUTION = of(described.ACTION_EXECUTION)


WORKBOOK = Shape(
    plural="workbooks",
    fields=(
        "id",
        "name",
        "namespace",
        "definition",
        "tags",
        "scope",
        "project_id",
        "created_at",
        "updated_at",
    ),
    json_fields=frozenset(),
    list_omits=frozenset(),
    filterable=frozenset({"id", "name", "namespace", "scope", "project_id", *_STAMPS}),
)

ACTION = Shape(
    plural="actions",
    fields=(
        "id",
        "name",
        "is_system",
        "input",
        "description",
        "tags",
        "definition",
        "scope",
        "project_id",
        "created_at",
        "updated_at",
        "namespace",
    ),
    json_fields=frozenset(),
    list_omits=frozenset(),
    filterable=frozenset(
        {
            "id",
            "name",
            "is_system",
            "input",
            "description",
            "scope",
            "project_id",
            "namespace",
            *_STAMPS,
        }
    ),
)

ENVIRONMENT = Shape(
    plural="environments",
    fields=(
        "id",
        "name",
        "description",
        "variables",
        "scope",
        "project_id",
        "created_at",
        "updated_at",
    ),
    json_fields=frozenset({"variables"}),
    list_omits=frozenset(),
    filterable=frozenset({"id", "name", "description", "scope", "project_id", *_STAMPS}),
)

CRON_TRIGGER = Shape(
    plural="cron_triggers",
    fields=(
        "id",
        "name",
        "pattern",
        "workflow_name",
        "workflow_id",
        "workflow_input",
        "workflow_params",
        "scope",
        "project_id",
        "remaining_executions",
        "first_execution_time",
        "next_execution_time",
        "status",
        "created_at",
        "updated_at",
    ),
    json_fields=frozenset({"workflow_input", "workflow_params"}),
    list_omits=frozenset(),
    filterable=frozenset(
        {
            "id",
            "name",
            "pattern",
            "workflow_name",
            "workflow_id",
            "workflow_namespace",
            "scope",
            "project_id",
            "remaining_executions",
            "first_execution_time",
            "next_execution_time",
            "status",
            *_STAMPS,
        }
    ),
)

MEMBER = Shape(
    plural="members",
    fields=(
        "id",
        "resource_id",
        "resource_type",
        "project_id",
        "member_id",
        "status",
        "created_at",
        "updated_at",
    ),
    json_fields=frozenset(),
    list_omits=frozenset(),
    filterable=frozenset(),
)

EVENT_TRIGGER = Shape(
    plural="event_triggers",
    fields=(
        "id",
        "name",
        "workflow_id",
        "workflow_input",
        "workflow_params",
        "exchange",
        "topic",
        "event",
        "scope",
        "project_id",
        "created_at",
        "updated_at",
    ),
    json_fields=frozenset({"workflow_input", "workflow_params"}),
    list_omits=frozenset(),
    filterable=frozenset(
        {"id", "name", "workflow_id", "exchange", "topic", "event", "scope", "project_id", *_STAMPS}
    ),
)

CODE_SOURCE = Shape(
    plural="code_sources",
    fields=(
        "id",
        "name",
        "namespace",
        "content",
        "version",
        "scope",
        "project_id",
        "actions",
        "created_at",
        "updated_at",
    ),
    json_fields=frozenset(),
    list_omits=frozenset(),
    filterable=frozenset({"id", "name", "namespace", "scope", "project_id", "version", *_STAMPS}),
)

DYNAMIC_ACTION = Shape(
    plural="dynamic_actions",
    fields=(
        "id",
        "name",
        "namespace",
        "class_name",
        "code_source_id",
        "code_source_name",
        "scope",
        "project_id",
        "created_at",
        "updated_at",
    ),
    json_fields=frozenset(),
    list_omits=frozenset(),
    filterable=frozenset(
        {
            "id",
            "name",
            "namespace",
            "class_name",
            "code_source_id",
            "code_source_name",
            "scope",
            "project_id",
            *_STAMPS,
        }
    ),
)

DATETIME_FIELDS = frozenset(
    {
        "created_at",
        "updated_at",
        "started_at",
        "finished_at",
        "first_execution_time",
        "next_execution_time",
    }
)
"""Filter values of these fields are parsed as timestamps."""
BOOLEAN_FIELDS = frozenset({"processed", "accepted", "is_system"})
"""Filter values of these fields are true or false."""
INTEGER_FIELDS = frozenset({"remaining_executions", "version", "workflow_version"})
"""Filter values of these fields are integers."""
