"""The fields of what a project sets up around its workflows: environments, cron triggers,
event triggers, resource members, and the live wfq services."""

from __future__ import annotations

from wfq.fields.base import (
    JSON_TEXT,
    TIMESTAMP_TEXT,
    Field,
    Kind,
    Resource,
    json_text,
    stamps,
    string,
)

_PRIVATE_OR_PUBLIC = "private or public"

ENVIRONMENT = Resource(
    name="environment",
    plural="environments",
    fields=(
        string("id"),
        string("name"),
        string("description"),
        json_text("variables", JSON_TEXT + " of an object"),
        string("scope", _PRIVATE_OR_PUBLIC),
        string("project_id"),
        *stamps(),
    ),
)

CRON_TRIGGER = Resource(
    name="cron_trigger",
    plural="cron_triggers",
    fields=(
        string("id"),
        string("name"),
        string("pattern", "cron pattern, e.g. '*/5 * * * *'"),
        string("workflow_name"),
        string("workflow_id"),
        # Mistral's cron trigger shows no namespace; lists may still filter on it.
        string("workflow_namespace", shown=False),
        json_text("workflow_input"),
        json_text("workflow_params"),
        string("scope"),
        string("project_id"),
        Field("remaining_executions", Kind.INTEGER, "null: no limit", nullable=True),
        Field("first_execution_time", Kind.TIMESTAMP, TIMESTAMP_TEXT, nullable=True),
        Field("next_execution_time", Kind.TIMESTAMP, TIMESTAMP_TEXT),
        string("status", "ACTIVE, or COMPLETED once no execution remains"),
        *stamps(),
    ),
)

EVENT_TRIGGER = Resource(
    name="event_trigger",
    plural="event_triggers",
    fields=(
        string("id"),
        string("name"),
        string("workflow_id"),
        json_text("workflow_input"),
        json_text("workflow_params"),
        string("exchange", "e.g. nova"),
        string("topic", "e.g. notifications"),
        string("event", "the event type, e.g. compute.instance.create.end"),
        string("scope", _PRIVATE_OR_PUBLIC),
        string("project_id"),
        *stamps(),
    ),
    internal=("workflow_name", "workflow_namespace"),
)

MEMBER = Resource(
    name="member",
    plural="members",
    fields=(
        string("id"),
        string("resource_id", "the workflow's or workbook's id"),
        string("resource_type", "workflow or workbook"),
        string("project_id", "the owner's project"),
        string("member_id", "the project it is shared with"),
        string("status", "pending, accepted or rejected"),
        *stamps(),
    ),
    filters=False,
)

SERVICE = Resource(
    name="service",
    plural="services",
    fields=(
        string("name", "the process: <host>_<pid>"),
        string(
            "type",
            "api_group, engine_group, executor_group, scheduler_group or event_engine_group",
        ),
    ),
    internal=("id", "host", "pid", "started_at", "heartbeat_at"),
    filters=False,
)
