"""The fields of workflow executions, task executions and action executions."""

from __future__ import annotations

from wfq.fields.base import (
    JSON_TEXT,
    TIMESTAMP_TEXT,
    Field,
    Kind,
    Resource,
    json_text,
    nullable,
    stamps,
    string,
    tags,
    updated_or_created,
)

EXECUTION = Resource(
    name="execution",
    plural="executions",
    fields=(
        string("id"),
        string("workflow_id"),
        string("workflow_name"),
        string("workflow_namespace"),
        string("description"),
        tags(),
        json_text("params"),
        nullable("task_execution_id"),
        nullable("root_execution_id"),
        string("state"),
        nullable("state_info"),
        json_text("input"),
        json_text("output", JSON_TEXT + " (not in lists)", listed=False),
        json_text("published_global", JSON_TEXT + " (GET only)", listed=False),
        *stamps(of_run=True),
        string("project_id"),
        nullable("cron_trigger_id", "the cron trigger that started it, or null"),
        Field(
            "workflow_version",
            Kind.INTEGER,
            "wfq extension: the version of the workflow definition it runs "
            "(null when started before versions were kept)",
            nullable=True,
        ),
    ),
    internal=("spec", "context", "finished_at"),
)

TASK = Resource(
    name="task",
    plural="tasks",
    fields=(
        string("id"),
        string("name"),
        string("type", "ACTION or WORKFLOW"),
        string("workflow_name"),
        string("workflow_namespace"),
        string("workflow_id"),
        string("workflow_execution_id"),
        tags(),
        string("state"),
        nullable("state_info"),
        string("project_id"),
        json_text("runtime_context"),
        json_text("published"),
        json_text("result", JSON_TEXT + " (GET only)", nullable=True, listed=False),
        Field("processed", Kind.BOOLEAN),
        *stamps(of_run=True),
        Field("started_at", Kind.TIMESTAMP, TIMESTAMP_TEXT, nullable=True),
        Field("finished_at", Kind.TIMESTAMP, TIMESTAMP_TEXT, nullable=True),
        # Added by wfq.services.progress, which counts the items of with-items tasks.
        Field(
            "progress",
            Kind.OBJECT,
            "wfq extension, with-items tasks only (absent on others): items done of total",
            added=True,
        ),
    ),
    internal=("in_context", "error_handled", "timer_at", "with_items_values"),
)

ACTION_EXECUTION = Resource(
    name="action_execution",
    plural="action_executions",
    fields=(
        nullable("id", "null for a direct run whose result is not saved"),
        nullable("workflow_name"),
        string("workflow_namespace"),
        # Joined in by wfq.services.queries; null for a direct run.
        nullable("task_name", "the task's name (null for a direct run)", added=True),
        nullable("task_execution_id"),
        string("state"),
        nullable("state_info"),
        Field("tags", Kind.STRINGS, "null, as Mistral", nullable=True),
        string("name"),
        string("description"),
        string("project_id"),
        Field("accepted", Kind.BOOLEAN),
        json_text("input"),
        json_text("output", JSON_TEXT + ' {"result": ...} (GET only)', nullable=True, listed=False),
        Field(
            "created_at",
            Kind.TIMESTAMP,
            TIMESTAMP_TEXT + "; null for a direct run whose result is not saved",
            nullable=True,
        ),
        Field(
            "updated_at",
            Kind.TIMESTAMP,
            TIMESTAMP_TEXT,
            nullable=True,
            compute=updated_or_created,
            filter=True,
        ),
    ),
    internal=(
        "workflow_execution_id",
        "runtime",
        "item_index",
        "attempt",
        "worker",
        "heartbeat_at",
    ),
)
