"""flask-restx models that document the API in the OpenAPI (Swagger 2.0) document.

They describe responses only; the bodies themselves are built by `wfq.api.encoding`, so a model
never filters or reshapes what a client receives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_restx import Api, Model, fields

from wfq import fields as described
from wfq.fields import JSON_TEXT, Field, Kind, Resource

_JSON = JSON_TEXT

LIST_PARAMS: dict[str, str] = {
    "marker": "id of the last item of the previous page",
    "limit": "page size; a full page carries a `next` link",
    "sort_keys": "comma-separated fields (default created_at,id)",
    "sort_dirs": "comma-separated asc|desc, one per sort key",
    "fields": "comma-separated fields to return (id is always returned)",
    "nulls": "comma-separated fields that must be null (e.g. task_execution_id: top-level executions)",
}

FILTER_NOTE = (
    "Any other query argument filters on the field of that name; its value may carry an "
    "operator prefix: eq: (default), neq:, in:a,b, nin:a,b, gt:, gte:, lt:, lte:, has:. "
    "nulls=a,b keeps the items whose fields a and b are null."
)


@dataclass(frozen=True, slots=True)
class Models:
    """The models registered on one Api."""

    fault: Model
    versions: Model
    workflow: Model
    workflows: Model
    validation: Model
    execution: Model
    execution_create: Model
    executions: Model
    task: Model
    tasks: Model
    action_execution: Model
    action_executions: Model
    action_result: Model
    action_run: Model
    execution_update: Model
    task_update: Model
    workbook: Model
    workbooks: Model
    action: Model
    actions: Model
    environment: Model
    environments: Model
    environment_write: Model
    cron_trigger: Model
    cron_triggers: Model
    cron_trigger_create: Model
    more: Any = None
    """The models of `schemas_more` (set by `create_app`)."""


class _Nullable:
    """A field that may be null. Swagger 2.0 has no `nullable`; `x-nullable` is the extension
    that code generators and validators (schemathesis among them) read."""

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = super().schema()  # type: ignore[misc]
        schema["x-nullable"] = True
        return schema


class NullableString(_Nullable, fields.String):
    """A string or null."""


class NullableList(_Nullable, fields.List):
    """A list or null."""


class NullableInteger(_Nullable, fields.Integer):
    """An integer or null."""


class NullableFloat(_Nullable, fields.Float):
    """A number or null."""


class AnyValue(fields.Raw):
    """Any JSON value, null included (flask-restx's Raw claims an object)."""

    __schema_type__ = None  # type: ignore[assignment]


_KINDS: dict[tuple[Kind, bool], Any] = {
    (Kind.STRING, False): fields.String,
    (Kind.STRING, True): NullableString,
    (Kind.TIMESTAMP, False): fields.String,
    (Kind.TIMESTAMP, True): NullableString,
    (Kind.INTEGER, False): fields.Integer,
    (Kind.INTEGER, True): NullableInteger,
    (Kind.BOOLEAN, False): fields.Boolean,
    (Kind.ANY, False): AnyValue,
    (Kind.ANY, True): AnyValue,
}


def field_model(field: Field, nested: Model | None = None) -> Any:
    """The flask-restx field documenting one described field (`nested`: the model of an
    OBJECT field)."""
    if field.kind is Kind.OBJECT:
        return fields.Nested(nested, description=field.doc or None)
    if field.kind is Kind.STRINGS:
        kind = NullableList if field.nullable else fields.List
        return kind(fields.String, description=field.doc or None)
    if field.kind in (Kind.STRING, Kind.TIMESTAMP):
        # Strings have always carried a description, empty or not, in the published document.
        return _KINDS[field.kind, field.nullable](description=field.doc)
    return _KINDS[field.kind, field.nullable](description=field.doc or None)


def properties(
    resource: Resource, *, without: tuple[str, ...] = (), **nested: Model
) -> dict[str, Any]:
    """The properties of a described resource's response model, in Mistral's order.

    Args:
        resource: the description.
        without: fields this response kind does not carry.
        nested: the models of its OBJECT fields, by field name.
    """
    return {
        f.name: field_model(f, nested.get(f.name)) for f in resource.shown if f.name not in without
    }


def _str(desc: str = "") -> Any:
    return fields.String(description=desc)


def _null_str(desc: str = "") -> Any:
    return NullableString(description=desc)


_FAULT = {
    "faultcode": _str("Client or Server (absent on POST/PUT /v2/workflows)"),
    "faultstring": _str("what went wrong"),
    "debuginfo": _null_str("always null"),
}
_EXECUTION_CREATE = {
    "workflow_id": _str("id of the workflow (recommended)"),
    "workflow_name": _str("name of the workflow"),
    "workflow_namespace": _str(),
    "input": fields.Raw(description=_JSON + " of an object, or an object"),
    "params": fields.Raw(description=_JSON + " or an object: env, namespace, task_name"),
    "description": _str(),
    "id": _str("optional client-chosen execution id"),
    "workflow_version": fields.Integer(
        description="wfq extension: run this version of the workflow (400 when it has none); "
        "params.workflow_version works too"
    ),
}
_ITEMS_PROGRESS = {
    "total": fields.Integer(description="how many items the task has"),
    "done": fields.Integer(description="items finished (succeeded, failed or cancelled)"),
    "succeeded": fields.Integer(description="items that succeeded"),
    "failed": fields.Integer(description="items that failed (ERROR)"),
    "running": fields.Integer(description="items in flight now"),
    "eta_seconds": NullableFloat(
        description="estimated seconds left at the pace so far; null until an item is done"
    ),
}
_ACTION_RESULT = {
    "state": _str("SUCCESS, ERROR or CANCELLED (PAUSED and RUNNING: asynchronous actions)"),
    "output": fields.Raw(description="the action's result (" + _JSON + " or a value)"),
}

_ACTION_RUN = {
    "name": _str("the action to run (system or ad-hoc)"),
    "input": fields.Raw(description=_JSON + " of an object, or an object"),
    "params": fields.Raw(description=_JSON + " or an object: save_result, run_sync, target"),
    "workflow_namespace": _str("namespace of an ad-hoc action"),
    "description": _str(),
}
_EXECUTION_UPDATE = {
    "state": _str(
        "PAUSED, RUNNING (resume), CANCELLED, SUCCESS, ERROR or REVERTING (wfq: run the reverts)"
    ),
    "state_info": _str(),
    "description": _str("a new description (not together with state)"),
    "params": fields.Raw(description=_JSON + ' or an object: {"env": {...}}'),
}
_TASK_UPDATE = {
    "state": _str("RUNNING (rerun)"),
    "reset": fields.Boolean(description="re-run every item (false: only failed with-items)"),
    "env": fields.Raw(description=_JSON + " or an object merged into the execution's env"),
}
_ENVIRONMENT_WRITE = {
    "name": _str(),
    "description": _str(),
    "variables": fields.Raw(description=_JSON + " of an object, or an object"),
    "scope": _str("private or public"),
}
_CRON_TRIGGER_CREATE = {
    "name": _str(),
    "pattern": _str(),
    "workflow_name": _str(),
    "workflow_id": _str(),
    "workflow_namespace": _str(),
    "workflow_input": fields.Raw(description=_JSON + " of an object, or an object"),
    "workflow_params": fields.Raw(description=_JSON + " of an object, or an object"),
    "first_execution_time": _str("'YYYY-MM-DD HH:MM', UTC, at least a minute ahead"),
    "remaining_executions": fields.Integer(description="how many executions (default: no limit)"),
}


def build(api: Api) -> Models:
    """Register every model on `api` and return them."""
    workflow = api.model("Workflow", properties(described.WORKFLOW))
    execution = api.model("Execution", properties(described.EXECUTION))
    progress = api.model("ItemsProgress", _ITEMS_PROGRESS)
    task = api.model("Task", properties(described.TASK, progress=progress))
    action_execution = api.model("ActionExecution", properties(described.ACTION_EXECUTION))
    workbook = api.model("Workbook", properties(described.WORKBOOK))
    action = api.model("Action", properties(described.ACTION))
    environment = api.model("Environment", properties(described.ENVIRONMENT))
    cron_trigger = api.model("CronTrigger", properties(described.CRON_TRIGGER))
    return Models(
        fault=api.model("Fault", _FAULT),
        versions=api.model("Versions", {"versions": fields.List(fields.Raw)}),
        workflow=workflow,
        workflows=_listing(api, "Workflows", "workflows", workflow),
        validation=api.model(
            "Validation",
            {
                "valid": fields.Boolean,
                "error": _null_str(),
                "warnings": fields.List(
                    fields.Raw, description="wfq: {path, message} about a valid workflow"
                ),
            },
        ),
        execution=execution,
        execution_create=api.model("ExecutionCreate", _EXECUTION_CREATE),
        executions=_listing(api, "Executions", "executions", execution),
        task=task,
        tasks=_listing(api, "Tasks", "tasks", task),
        action_execution=action_execution,
        action_executions=_listing(api, "ActionExecutions", "action_executions", action_execution),
        action_result=api.model("ActionResult", _ACTION_RESULT),
        action_run=api.model("ActionRun", _ACTION_RUN),
        execution_update=api.model("ExecutionUpdate", _EXECUTION_UPDATE),
        task_update=api.model("TaskUpdate", _TASK_UPDATE),
        workbook=workbook,
        workbooks=_listing(api, "Workbooks", "workbooks", workbook),
        action=action,
        actions=_listing(api, "Actions", "actions", action),
        environment=environment,
        environments=_listing(api, "Environments", "environments", environment),
        environment_write=api.model("EnvironmentWrite", _ENVIRONMENT_WRITE),
        cron_trigger=cron_trigger,
        cron_triggers=_listing(api, "CronTriggers", "cron_triggers", cron_trigger),
        cron_trigger_create=api.model("CronTriggerCreate", _CRON_TRIGGER_CREATE),
    )


def _listing(api: Api, name: str, plural: str, item: Model) -> Model:
    return api.model(
        name,
        {
            plural: fields.List(fields.Nested(item)),
            "next": _str("absolute URL of the next page (only when `limit` was hit)"),
        },
    )


_COMMON_ERRORS = {
    "400": "Bad request: a NUL character, or a bad argument, field or body",
    "401": "No valid token (only when tokens are configured)",
    "413": "The body is larger than the limit of this server",
}
_BODY_METHODS = ("post", "put", "patch")


_TEXT_BODY_KEY = "x-wfq-text-body"
TEXT_BODY = {_TEXT_BODY_KEY: True}
"""`@ns.vendor(TEXT_BODY)` marks an operation whose body is a YAML definition (text/plain):
flask-restx drops a `consumes` given to `@ns.doc`, so complete_document() adds it."""
_DEFINITION_BODY = {
    "name": "definition",
    "in": "body",
    "required": True,
    "description": "the YAML (or JSON) text of the definition",
    "schema": {"type": "string"},
}


def complete_document(document: dict[str, Any]) -> dict[str, Any]:
    """What flask-restx cannot declare per resource, added to the Swagger `document`: the errors
    any request may get (400, checked before any resource runs; 401 when tokens are configured;
    413 for bodies) and the YAML body of the operations marked with TEXT_BODY."""
    fault = {"$ref": "#/definitions/Fault"}
    secured = bool(document.get("security"))
    for path_item in document.get("paths", {}).values():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = ["400"] + (["401"] if secured else [])
            codes += ["413"] if method in _BODY_METHODS else []
            for code in codes:
                operation["responses"].setdefault(
                    code, {"description": _COMMON_ERRORS[code], "schema": fault}
                )
            if operation.pop(_TEXT_BODY_KEY, False):
                operation["consumes"] = ["text/plain"]
                operation["parameters"] = [*operation.get("parameters", []), dict(_DEFINITION_BODY)]
    return document
