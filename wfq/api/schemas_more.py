"""OpenAPI models of services, members, event triggers (and events), execution reports, code
sources and dynamic actions (documentation only, like `schemas.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_restx import Api, Model, fields

from wfq import fields as described
from wfq.api.schemas import NullableInteger, NullableString, field_model, properties
from wfq.fields import JSON_TEXT, TIMESTAMP_TEXT
from wfq.fields.base import stamps

_JSON = JSON_TEXT
_TS = TIMESTAMP_TEXT


def _str(desc: str = "") -> Any:
    return fields.String(description=desc)


def _null_str(desc: str = "") -> Any:
    return NullableString(description=desc)


def _stamps() -> dict[str, Any]:
    return {f.name: field_model(f) for f in stamps()}


@dataclass(frozen=True, slots=True)
class MoreModels:
    """The models of the resources this module documents."""

    services: Model
    member: Model
    members: Model
    member_create: Model
    member_update: Model
    event_trigger: Model
    event_triggers: Model
    event_trigger_create: Model
    event_trigger_update: Model
    event: Model
    event_result: Model
    report: Model
    code_source: Model
    code_sources: Model
    dynamic_action: Model
    dynamic_actions: Model
    dynamic_action_write: Model


_EVENT_TRIGGER_CREATE = {
    "name": _str(),
    "workflow_id": _str("id of the workflow to start"),
    "workflow_input": fields.Raw(description=_JSON + " of an object, or an object"),
    "workflow_params": fields.Raw(description=_JSON + " of an object, or an object"),
    "exchange": _str(),
    "topic": _str(),
    "event": _str(),
    "scope": _str("private or public"),
}
_EVENT = {
    "exchange": _str("the exchange the event was published to"),
    "topic": _str("the topic (oslo.messaging: the routing key without the priority)"),
    "event_type": _str("the event type triggers match"),
    "payload": fields.Raw(description="the notification payload"),
    "publisher_id": _str("who sent it, e.g. compute.host1"),
    "message_id": _str("the notification's id: the same id twice starts one execution"),
    "timestamp": _str(),
    "context": fields.Raw(description="the notification context (user_id, project_id, ...)"),
}
_EVENT_RESULT = {
    "message_id": _str(),
    "executions": fields.List(fields.String, description="ids of the executions it started"),
}
_REPORT_BASE = {
    "id": _str(),
    "name": _str(),
    "state": _str(),
    "state_info": _null_str(),
    **_stamps(),
}
_STATISTICS = {
    "total_tasks_count": fields.Integer,
    "running_tasks_count": fields.Integer,
    "success_tasks_count": fields.Integer,
    "error_tasks_count": fields.Integer,
    "idle_tasks_count": fields.Integer,
    "paused_tasks_count": fields.Integer,
    "estimated_time": fields.Integer(description="seconds left (-1: unknown, 0: finished)"),
}
_DYNAMIC_ACTION_WRITE = {
    "id": _str("PUT: the action to change (or name)"),
    "name": _str(),
    "namespace": _str(),
    "class_name": _str(),
    "code_source_id": _str("the code source, by id ..."),
    "code_source_name": _str("... or by name"),
    "scope": _str("private or public"),
}


def _listing(api: Api, name: str, plural: str, item: Model) -> Model:
    return api.model(
        name,
        {
            plural: fields.List(fields.Nested(item)),
            "next": _str("absolute URL of the next page (only when `limit` was hit)"),
        },
    )


def _report(api: Api) -> Model:
    action = api.model(
        "ActionExecutionReportEntry",
        {**_REPORT_BASE, "accepted": fields.Boolean, "last_heartbeat": _null_str(_TS)},
    )
    workflow = api.model("WorkflowExecutionReportEntry", dict(_REPORT_BASE))
    task = api.model(
        "TaskExecutionReportEntry",
        {
            **_REPORT_BASE,
            "retry_count": NullableInteger(description="only for tasks with a retry policy"),
            "action_executions": fields.List(fields.Nested(action)),
            "workflow_executions": fields.List(fields.Nested(workflow)),
        },
    )
    # The tree is recursive: a subworkflow entry holds task entries (absent below max_depth).
    workflow["task_executions"] = fields.List(fields.Nested(task))
    statistics = api.model("ExecutionReportStatistics", _STATISTICS)
    return api.model(
        "ExecutionReport",
        {
            "statistics": fields.Nested(statistics),
            "root_workflow_execution": fields.Nested(
                workflow, description="absent with statistics_only"
            ),
        },
    )


def build(api: Api) -> MoreModels:
    """Register the models on `api` and return them."""
    member = api.model("Member", properties(described.MEMBER))
    trigger = api.model("EventTrigger", properties(described.EVENT_TRIGGER))
    code_source = api.model("CodeSource", properties(described.CODE_SOURCE))
    dynamic_action = api.model("DynamicAction", properties(described.DYNAMIC_ACTION))
    update = {
        k: v
        for k, v in _EVENT_TRIGGER_CREATE.items()
        if k in ("name", "workflow_input", "workflow_params", "scope")
    }
    return MoreModels(
        services=api.model(
            "Services",
            {
                "services": fields.List(
                    fields.Nested(api.model("Service", properties(described.SERVICE)))
                )
            },
        ),
        member=member,
        members=api.model("Members", {"members": fields.List(fields.Nested(member))}),
        member_create=api.model("MemberCreate", {"member_id": _str("the project to share with")}),
        member_update=api.model("MemberUpdate", {"status": _str("accepted or rejected (pending)")}),
        event_trigger=trigger,
        event_triggers=_listing(api, "EventTriggers", "event_triggers", trigger),
        event_trigger_create=api.model("EventTriggerCreate", _EVENT_TRIGGER_CREATE),
        event_trigger_update=api.model("EventTriggerUpdate", update),
        event=api.model("Event", _EVENT),
        event_result=api.model("EventResult", _EVENT_RESULT),
        report=_report(api),
        code_source=code_source,
        code_sources=_listing(api, "CodeSources", "code_sources", code_source),
        dynamic_action=dynamic_action,
        dynamic_actions=_listing(api, "DynamicActions", "dynamic_actions", dynamic_action),
        dynamic_action_write=api.model("DynamicActionWrite", _DYNAMIC_ACTION_WRITE),
    )
